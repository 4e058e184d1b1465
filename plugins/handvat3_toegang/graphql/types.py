"""The GraphQL output types of handvat 3. Each is built from a row or a service result
(`from_row`, `from_result`, ...); partner names are loaded through `loaders`. Values from
a fixed set become members of the enums in `enums` here, at the edge. The Python classes
keep a `Node` suffix; their GraphQL names (`name=`) have none, so that connections are
`<Type>Connection`, as core's."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from core.plugin import container, partners_by_id, readable_with, row_field, selected_columns
from core.plugin import enum_member as member
from core.plugin import enum_members as members
from plugins.handvat3_toegang.graphql.enums import (
    ConditionStatus,
    EligibilityOutcome,
    HouseholdFact,
    ParameterUnit,
    RegelingCategory,
    RegelingLevel,
    SearchHitKind,
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


# -- regelingen: nodes over their rows -----------------------------------------------------------
#
# `RegelingNode` and `PublicRegelingNode` declare the GraphQL types. The nodes the resolvers
# answer are `RegelingOfRow` and `PublicRegelingOfRow`: each field reads the regeling's row
# when the query asks for it (a property: strawberry's plain attribute path, no resolver
# per field), so nothing is copied or computed ahead (the conditions, the test vectors, the
# readability) and a list loads only the columns its query selects (`regeling_columns`).


#: The columns each field of a regeling reads (`Regeling` and `PublicRegeling` alike);
#: the key and the order of a page (id, position, name) are always loaded.
REGELING_COLUMNS: dict[str, tuple[Any, ...]] = {
    "__typename": (),
    "id": (),
    "key": (Regeling.key,),
    "name": (),
    "summary": (Regeling.summary,),
    "description": (Regeling.description,),
    "category": (Regeling.category,),
    "level": (Regeling.level,),
    "howToApply": (Regeling.apply_steps, Regeling.apply_url, Regeling.apply_phone, Regeling.apply_documents),
    "costs": (Regeling.costs,),
    "validFrom": (Regeling.valid_from,),
    "validTo": (Regeling.valid_to,),
    "tags": (Regeling.tags,),
    "sourceUrl": (Regeling.source_url,),
    "contentCheckedOn": (Regeling.content_checked_on,),
    "published": (Regeling.published,),
    "hidden": (Regeling.hidden,),
    "position": (),
    "nationalKey": (Regeling.national_key,),
    "adapted": (Regeling.adapted,),
    # The compiled conditions are cached per version of the row (`conditions_of`).
    "conditions": (Regeling.conditions, Regeling.updated_at),
    "questions": (Regeling.conditions, Regeling.updated_at),
    "testVectors": (Regeling.test_vectors,),
    "readability": (Regeling.summary,),
    "providerPartnerId": (Regeling.provider_partner_id,),
    "providerName": (Regeling.provider_partner_id, Regeling.provider_name),
}


def regeling_columns(fields: frozenset[str] | None) -> tuple[Any, ...] | None:
    """The columns a regeling's `fields` read (`selected_node_fields`); None (every column) for a
    field not listed here."""
    return selected_columns(fields, REGELING_COLUMNS)


async def _provider_names(info: Info, rows: Sequence[Regeling], fields: frozenset[str] | None) -> dict[uuid.UUID, str] | None:
    """The partner names of a page's providers in one batch, when the query asks for them.
    None when not (or when that read fails: each node's `providerName` then reads its own and
    answers the error at its own path, the rest of the page keeps its data)."""
    if fields is not None and "providerName" not in fields:
        return None
    partner_ids = list({row.provider_partner_id for row in rows if row.provider_partner_id is not None})
    try:
        partners = await info.context.load_many(partners_by_id, partner_ids)
    except Exception:  # noqa: BLE001 - answered per node, see above
        return None
    return {partner_id: partner.name for partner_id, partner in zip(partner_ids, partners, strict=True) if partner is not None}


def _provider_name(root: RegelingNode | PublicRegelingNode, info: Info) -> str | None:
    """The partner organisation's current name, else the external provider's name as
    entered. Without the page's names at hand (a node of a mutation): an awaitable of it."""
    row = root.row
    if row.provider_partner_id is None:
        return row.provider_name
    if root.provider_names is None:
        return _loaded_provider_name(info, row.provider_partner_id, row.provider_name)  # type: ignore[return-value]
    return root.provider_names.get(row.provider_partner_id) or row.provider_name


async def _loaded_provider_name(info: Info, partner_id: uuid.UUID, external: str | None) -> str | None:
    return await partner_name(info, partner_id) or external


def _detached(row: Regeling) -> Regeling:
    """A copy of a row that belongs to no session: a mutation's payload is read after its
    transaction, when an event subscriber that failed may have rolled the session back."""
    return Regeling(**row.model_dump())


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
    provider_partner_id: strawberry.ID | None = strawberry.field(
        description="De partnerorganisatie van de coalitie die de regeling aanbiedt (leeg: een externe organisatie)."
    )
    provider_name: str | None = strawberry.field(
        resolver=_provider_name, description="Wie de regeling aanbiedt: de partnerorganisatie of de externe organisatie."
    )
    row: strawberry.Private[Regeling]
    provider_names: strawberry.Private[Mapping[uuid.UUID, str] | None]

    @classmethod
    def from_row(cls, row: Regeling) -> RegelingNode:
        """The node of a mutation's row (a copy of it: see `_detached`)."""
        return RegelingOfRow(_detached(row))

    @classmethod
    async def of_page(cls, info: Info, rows: Sequence[Regeling], fields: frozenset[str] | None) -> list[RegelingNode]:
        """The nodes of rows loaded for this query (with the columns `fields` read)."""
        names = await _provider_names(info, rows, fields)
        return [RegelingOfRow(row, names) for row in rows]


@container
@strawberry.type(name="PublicRegeling", description="Een gepubliceerde regeling, voor iedereen.")
class PublicRegelingNode:
    key: str
    name: str
    summary: str
    description: str
    category: RegelingCategory  # type: ignore[valid-type]
    level: RegelingLevel  # type: ignore[valid-type]
    how_to_apply: HowToApply
    costs: str | None
    source_url: str | None
    content_checked_on: dt.date | None
    questions: list[str] = strawberry.field(description="De vragen die bepalen of je in aanmerking komt.")
    provider_name: str | None = strawberry.field(resolver=_provider_name, description="Wie de regeling aanbiedt.")
    row: strawberry.Private[Regeling]
    provider_names: strawberry.Private[Mapping[uuid.UUID, str] | None]

    @classmethod
    async def of_page(cls, info: Info, rows: Sequence[Regeling], fields: frozenset[str] | None) -> list[PublicRegelingNode]:
        """The nodes of rows loaded for this query (with the columns `fields` read)."""
        names = await _provider_names(info, rows, fields)
        return [PublicRegelingOfRow(row, names) for row in rows]


class _ContentOfRow:
    """The fields the coalition's and the public view of a regeling share, read from the row."""

    row: Regeling

    def __init__(self, row: Regeling, provider_names: Mapping[uuid.UUID, str] | None = None) -> None:
        # Not the dataclass's __init__: a node holds its row, nothing is copied.
        self.row = row
        self.provider_names = provider_names

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.row.id})"

    key = row_field("key")
    name = row_field("name")
    summary = row_field("summary")
    description = row_field("description")
    costs = row_field("costs")
    source_url = row_field("source_url")
    content_checked_on = row_field("content_checked_on")

    @property
    def category(self) -> Any:
        return member(RegelingCategory, self.row.category)

    @property
    def level(self) -> Any:
        return member(RegelingLevel, self.row.level)

    @property
    def how_to_apply(self) -> HowToApply:
        return HowToApply.from_row(self.row)


class RegelingOfRow(_ContentOfRow, RegelingNode):  # type: ignore[misc]
    """A `Regeling` node over its row as loaded."""

    valid_from = row_field("valid_from")
    valid_to = row_field("valid_to")
    tags = row_field("tags")
    published = row_field("published")
    hidden = row_field("hidden")
    position = row_field("position")
    national_key = row_field("national_key")
    adapted = row_field("adapted")

    @property
    def id(self) -> strawberry.ID:  # type: ignore[override]
        return strawberry.ID(str(self.row.id))

    @property
    def provider_partner_id(self) -> strawberry.ID | None:  # type: ignore[override]
        partner_id = self.row.provider_partner_id
        return strawberry.ID(str(partner_id)) if partner_id else None

    @property
    def conditions(self) -> list[ConditionNode]:  # type: ignore[override]
        return [
            ConditionNode(id=c.id, question=c.question, met=c.met, not_met=c.not_met, rule=c.rule, facts=members(HouseholdFact, sorted(c.facts)))
            for c in conditions_of(self.row)
        ]

    @property
    def test_vectors(self) -> list[TestVectorNode]:  # type: ignore[override]
        return [
            TestVectorNode(
                name=vector["name"],
                reference_date=dt.date.fromisoformat(vector["reference_date"]) if vector.get("reference_date") else None,
                household=vector["household"],
                expected=member(EligibilityOutcome, vector["expected"]),
            )
            for vector in self.row.test_vectors
        ]

    @property
    def readability(self) -> float:  # type: ignore[override]
        return readability(self.row.summary)


class PublicRegelingOfRow(_ContentOfRow, PublicRegelingNode):  # type: ignore[misc]
    """A `PublicRegeling` node over its row as loaded."""

    @property
    def questions(self) -> list[str]:  # type: ignore[override]
        return [condition.question for condition in conditions_of(self.row)]


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
