"""The GraphQL output types of handvat 3. Each is built from a row or a service result
(`from_row`, `from_result`, ...); partner names are loaded through `loaders`. Values from
a fixed set become members of the enums in `enums` here, at the edge. The Python classes
keep a `Node` suffix; their GraphQL names (`name=`) have none, so that connections are
`<Type>Connection`, as core's."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from core.plugin import Connection, container, readable_with
from plugins.handvat3_toegang.graphql.enums import (
    ConditionStatus,
    EligibilityOutcome,
    HouseholdFact,
    ParameterUnit,
    RegelingCategory,
    RegelingLevel,
    SearchHitKind,
    member,
    members,
)
from plugins.handvat3_toegang.graphql.loaders import partner_name, partner_names
from plugins.handvat3_toegang.models import Regeling, Service
from plugins.handvat3_toegang.permissions import CATALOGUE_MANAGE, CATALOGUE_READ, USAGE_READ
from plugins.handvat3_toegang.services.catalogue import readability
from plugins.handvat3_toegang.services.check import CheckResult
from plugins.handvat3_toegang.services.parameters import ParameterOnDay
from plugins.handvat3_toegang.services.rules import VectorResult, conditions_of
from plugins.handvat3_toegang.services.usage import RegelingUsage


POSSIBLY_OUTDATED = (
    "Een landelijk bedrag dat volgens plan op of voor de peildatum is gewijzigd, terwijl de catalogus nog geen nieuwer bedrag heeft: controleer de uitkomst."
)
MISSING_FACTS = "De velden van het profiel die nog nodig zijn (NET_MONTHLY_INCOME: netMonthlyIncome)."


@container
@strawberry.type(description="Hoe je een regeling aanvraagt.")
class HowToApply:
    steps: list[str]
    url: str | None
    phone: str | None
    documents: list[str]

    @classmethod
    def from_row(cls, row: Regeling) -> HowToApply:
        return cls(steps=list(row.apply_steps), url=row.apply_url, phone=row.apply_phone, documents=list(row.apply_documents))


@container
@strawberry.type(name="Condition", description="Een voorwaarde: een vraag in gewone taal, met de regel erachter.")
class ConditionNode:
    id: str
    question: str
    met: str
    not_met: str
    rule: JSON
    facts: list[HouseholdFact] = strawberry.field(description="De gegevens die de regel leest.")  # type: ignore[valid-type]


@container
@strawberry.type(name="TestVector", description="Een testgeval van een regeling: een huishouden en de verwachte uitkomst.")
class TestVectorNode:
    name: str
    reference_date: dt.date | None
    household: JSON
    expected: EligibilityOutcome  # type: ignore[valid-type]


def _content(row: Regeling) -> dict[str, Any]:
    """What the coalition's and the public view of a regeling share."""
    return {
        "key": row.key,
        "name": row.name,
        "summary": row.summary,
        "description": row.description,
        "category": member(RegelingCategory, row.category),
        "level": member(RegelingLevel, row.level),
        "external_provider": row.provider_name,
        "provider_partner": row.provider_partner_id,
        "how_to_apply": HowToApply.from_row(row),
        "costs": row.costs,
        "source_url": row.source_url,
        "content_checked_on": row.content_checked_on,
    }


async def _provider_name(info: Info, partner_id: uuid.UUID | None, external: str | None) -> str | None:
    """The partner organisation's current name, else the external provider's name as entered."""
    return await partner_name(info, partner_id) or external


@readable_with(CATALOGUE_READ)
@strawberry.type(name="Regeling", description="Een regeling of voorziening in de catalogus van de gemeente.")
class RegelingNode:
    id: strawberry.ID
    key: str
    name: str
    summary: str
    description: str
    category: RegelingCategory  # type: ignore[valid-type]
    level: RegelingLevel  # type: ignore[valid-type]
    external_provider: strawberry.Private[str | None]
    provider_partner: strawberry.Private[uuid.UUID | None]
    how_to_apply: HowToApply
    costs: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    tags: list[str]
    source_url: str | None
    content_checked_on: dt.date | None
    published: bool
    hidden: bool
    position: int
    national_key: str | None
    adapted: bool
    conditions: list[ConditionNode]
    test_vectors: list[TestVectorNode]
    readability: float = strawberry.field(description="Leesbaarheid van de samenvatting (Flesch-Douma; hoger is eenvoudiger).")

    @strawberry.field(description="De partnerorganisatie van de coalitie die de regeling aanbiedt (leeg: een externe organisatie).")
    def provider_partner_id(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.provider_partner)) if self.provider_partner else None

    @strawberry.field(description="Wie de regeling aanbiedt: de partnerorganisatie of de externe organisatie.")
    async def provider_name(self, info: Info) -> str | None:
        return await _provider_name(info, self.provider_partner, self.external_provider)

    @classmethod
    def from_row(cls, row: Regeling) -> RegelingNode:
        return cls(
            **_content(row),
            id=strawberry.ID(str(row.id)),
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            tags=list(row.tags),
            published=row.published,
            hidden=row.hidden,
            position=row.position,
            national_key=row.national_key,
            adapted=row.adapted,
            conditions=[
                ConditionNode(id=c.id, question=c.question, met=c.met, not_met=c.not_met, rule=c.rule, facts=members(HouseholdFact, sorted(c.facts)))
                for c in conditions_of(row)
            ],
            test_vectors=[
                TestVectorNode(
                    name=vector["name"],
                    reference_date=dt.date.fromisoformat(vector["reference_date"]) if vector.get("reference_date") else None,
                    household=vector["household"],
                    expected=member(EligibilityOutcome, vector["expected"]),
                )
                for vector in row.test_vectors
            ],
            readability=readability(row.summary),
        )


@container
@strawberry.type(name="PublicRegeling", description="Een gepubliceerde regeling, voor iedereen.")
class PublicRegelingNode:
    key: str
    name: str
    summary: str
    description: str
    category: RegelingCategory  # type: ignore[valid-type]
    level: RegelingLevel  # type: ignore[valid-type]
    external_provider: strawberry.Private[str | None]
    provider_partner: strawberry.Private[uuid.UUID | None]
    how_to_apply: HowToApply
    costs: str | None
    source_url: str | None
    content_checked_on: dt.date | None
    questions: list[str] = strawberry.field(description="De vragen die bepalen of je in aanmerking komt.")

    @strawberry.field(description="Wie de regeling aanbiedt.")
    async def provider_name(self, info: Info) -> str | None:
        return await _provider_name(info, self.provider_partner, self.external_provider)

    @classmethod
    def from_row(cls, row: Regeling) -> PublicRegelingNode:
        return cls(**_content(row), questions=[condition.question for condition in conditions_of(row)])


@container
@strawberry.type(name="ConditionResult", description="De uitkomst van één voorwaarde voor dit huishouden.")
class ConditionResultNode:
    id: str
    question: str
    status: ConditionStatus  # type: ignore[valid-type]
    explanation: str
    missing_facts: list[HouseholdFact] = strawberry.field(description=MISSING_FACTS)  # type: ignore[valid-type]


@container
@strawberry.type(name="ParameterUsed", description="Een parameter zoals die op de peildatum gold.")
class ParameterUsedNode:
    key: str
    value: float
    valid_from: dt.date
    legal_basis_url: str
    set_by_gemeente: bool
    possibly_outdated: bool = strawberry.field(description=POSSIBLY_OUTDATED)


@container
@strawberry.type(name="CheckResult", description="De uitkomst van de check voor één regeling, met uitleg.")
class CheckResultNode:
    regeling_key: str
    regeling_name: str
    summary: str
    outcome: EligibilityOutcome  # type: ignore[valid-type]
    missing_facts: list[HouseholdFact] = strawberry.field(description=MISSING_FACTS)  # type: ignore[valid-type]
    conditions: list[ConditionResultNode]
    parameters: list[ParameterUsedNode]
    how_to_apply: HowToApply

    @classmethod
    def from_result(cls, result: CheckResult) -> CheckResultNode:
        outcome = result.outcome
        return cls(
            regeling_key=result.regeling.key,
            regeling_name=result.regeling.name,
            summary=result.regeling.summary,
            outcome=member(EligibilityOutcome, outcome.status),
            missing_facts=members(HouseholdFact, outcome.missing),
            conditions=[
                ConditionResultNode(
                    id=item.condition.id,
                    question=item.condition.question,
                    status=member(ConditionStatus, item.status),
                    explanation=item.text,
                    missing_facts=members(HouseholdFact, item.missing),
                )
                for item in outcome.results
            ],
            parameters=[
                ParameterUsedNode(
                    key=p.key, value=p.value, valid_from=p.valid_from, legal_basis_url=p.legal_basis_url,
                    set_by_gemeente=p.overridden, possibly_outdated=p.possibly_outdated,
                )
                for p in outcome.parameters
            ],  # fmt: skip
            how_to_apply=HowToApply.from_row(result.regeling),
        )


@readable_with(CATALOGUE_MANAGE)
@strawberry.type(name="ToegangParameter", description="Een parameter van de regels, met de waarde op een datum.")
class ParameterNode:
    key: str = strawberry.field(description="De naam waaronder een regel de parameter leest ({\"var\": \"param.<key>\"}).")
    name: str
    unit: ParameterUnit  # type: ignore[valid-type]
    overridable: bool
    value: float | None
    valid_from: dt.date | None
    legal_basis_url: str
    set_by_gemeente: bool
    possibly_outdated: bool = strawberry.field(description=POSSIBLY_OUTDATED)

    @classmethod
    def from_parameter(cls, parameter: ParameterOnDay) -> ParameterNode:
        definition, value = parameter.definition, parameter.value
        return cls(
            key=definition.key,
            name=definition.name,
            unit=member(ParameterUnit, definition.unit),
            overridable=definition.overridable,
            value=value.value if value else None,
            valid_from=value.valid_from if value else None,
            legal_basis_url=value.legal_basis_url if value else definition.legal_basis_url,
            set_by_gemeente=bool(value and value.overridden),
            possibly_outdated=bool(value and value.possibly_outdated),
        )


@readable_with(CATALOGUE_MANAGE)
@strawberry.type(name="TestVectorResult", description="De uitkomst van een testgeval.")
class TestVectorResultNode:
    regeling_key: str
    name: str
    expected: EligibilityOutcome  # type: ignore[valid-type]
    actual: EligibilityOutcome  # type: ignore[valid-type]
    passed: bool
    reference_date: dt.date

    @classmethod
    def from_result(cls, regeling: Regeling, result: VectorResult) -> TestVectorResultNode:
        return cls(
            regeling_key=regeling.key, name=result.name, expected=member(EligibilityOutcome, result.expected),
            actual=member(EligibilityOutcome, result.actual),
            passed=result.passed, reference_date=result.reference_date,
        )  # fmt: skip


def _offer(row: Service) -> dict[str, Any]:
    """What the coalition's and the public view of an offer share."""
    return {
        "name": row.name,
        "description": row.description,
        "audience": row.audience,
        "wijk_codes": list(row.wijk_codes),
        "contact": row.contact,
        "opening_hours": row.opening_hours,
        "partner_id": row.partner_id,
    }


async def _offer_partner_name(root: ServiceNode | PublicServiceNode, info: Info) -> str:
    return await partner_name(info, root.partner_id) or ""


@readable_with(CATALOGUE_READ)
@strawberry.type(name="ServiceOffer", description="Aanbod van een partnerorganisatie op de sociale kaart.")
class ServiceNode:
    id: strawberry.ID
    name: str
    description: str
    audience: str
    wijk_codes: list[str]
    contact: str | None
    opening_hours: str | None
    published: bool
    partner_name: str = strawberry.field(resolver=_offer_partner_name)
    partner_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Service) -> ServiceNode:
        return cls(**_offer(row), id=strawberry.ID(str(row.id)), published=row.published)


@container
@strawberry.type(name="PublicServiceOffer", description="Gepubliceerd aanbod op de sociale kaart.")
class PublicServiceNode:
    name: str
    description: str
    audience: str
    wijk_codes: list[str]
    contact: str | None
    opening_hours: str | None
    partner_name: str = strawberry.field(resolver=_offer_partner_name)
    partner_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Service) -> PublicServiceNode:
        return cls(**_offer(row))


async def _known_by_partners(root: RegelingUsageNode, info: Info) -> list[str]:
    return await partner_names(info, root.partner_ids)


@readable_with(USAGE_READ)
@strawberry.type(name="RegelingUsage", description="Bekendheid en gebruik van een regeling.")
class RegelingUsageNode:
    regeling_key: str
    regeling_name: str
    known_by_members: int
    known_by_partners: list[str] = strawberry.field(resolver=_known_by_partners)
    checked: int
    matched: int
    referred: int
    partner_ids: strawberry.Private[frozenset[uuid.UUID]]

    @classmethod
    def from_usage(cls, usage: RegelingUsage) -> RegelingUsageNode:
        return cls(
            regeling_key=usage.regeling.key,
            regeling_name=usage.regeling.name,
            known_by_members=usage.known_by_members,
            checked=usage.checked,
            matched=usage.matched,
            referred=usage.referred,
            partner_ids=usage.known_by_partner_ids,
        )


@container
@strawberry.type(name="SearchHit", description="Een zoekresultaat: een regeling of aanbod.")
class SearchHitNode:
    kind: SearchHitKind  # type: ignore[valid-type]
    key: str | None
    name: str
    summary: str

    @classmethod
    def from_hit(cls, kind: str, row: Regeling | Service) -> SearchHitNode:
        if isinstance(row, Regeling):
            return cls(kind=member(SearchHitKind, kind), key=row.key, name=row.name, summary=row.summary)
        return cls(kind=member(SearchHitKind, kind), key=None, name=row.name, summary=row.description[:300])


# -- payloads: one per mutation, holding what it changed ------------------------------------------


@container
@strawberry.type
class RegelingPayload:
    regeling: RegelingNode
    warnings: list[str]


@container
@strawberry.type
class ReorderRegelingenPayload:
    regelingen: list[RegelingNode] = strawberry.field(description="De hele catalogus in de nieuwe volgorde.")


@container
@strawberry.type
class ToegangParameterPayload:
    parameter: ParameterNode


@container
@strawberry.type
class ServiceOfferPayload:
    service: ServiceNode


@container
@strawberry.type
class SyncNationalCataloguePayload:
    changed: int = strawberry.field(description="Hoeveel regelingen veranderden.")


# -- lists computed in memory, as connections ---------------------------------------------------
