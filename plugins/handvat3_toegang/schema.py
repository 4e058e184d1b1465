"""GraphQL of handvat 3: the catalogue and the check for the coalition (behind login), and
a public part for parents (published catalogue, check and search; no login, rate-limited,
stores nothing about the household)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry.scalars import JSON
from strawberry.types import Info

from core.plugin import NotFound, Partner, ValidationFailed, container, field, mutation, parse_id, readable_with
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang import services as svc
from plugins.handvat3_toegang.eligibility import FACTS
from plugins.handvat3_toegang.models import Knowledge, Regeling, Service, UsageCount

class EligibilityOutcome(enum.Enum):
    ELIGIBLE = "ELIGIBLE"
    POSSIBLY = "POSSIBLY"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"


OutcomeEnum = strawberry.enum(
    EligibilityOutcome,
    name="EligibilityOutcome",
    description="ELIGIBLE: komt in aanmerking; POSSIBLY: misschien (gegevens ontbreken); NOT_ELIGIBLE: komt niet in aanmerking.",
)


@container
@strawberry.type(description="Hoe je een regeling aanvraagt.")
class HowToApply:
    steps: list[str]
    url: str | None
    phone: str | None
    documents: list[str]


@container
@strawberry.type(description="Een voorwaarde: een vraag in gewone taal, met de regel erachter.")
class ConditionNode:
    id: str
    question: str
    met: str
    not_met: str
    rule: JSON
    facts: list[str]


@container
@strawberry.type(description="Een testgeval van een regeling: een huishouden en de verwachte uitkomst.")
class TestVectorNode:
    name: str
    reference_date: dt.date | None
    household: JSON
    expected: str


def _apply(row: Regeling) -> HowToApply:
    return HowToApply(steps=list(row.apply_steps), url=row.apply_url, phone=row.apply_phone, documents=list(row.apply_documents))


@readable_with("handvat3_toegang.catalogue.read")
@strawberry.type(name="Regeling", description="Een regeling of voorziening in de catalogus van de gemeente.")
class RegelingNode:
    id: strawberry.ID
    key: str
    name: str
    summary: str
    description: str
    category: str
    level: str
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
        conditions = svc.conditions_of(row)
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
                ConditionNode(id=c.id, question=c.question, met=c.met, not_met=c.not_met, rule=c.rule, facts=sorted(c.facts))
                for c in conditions
            ],
            test_vectors=[
                TestVectorNode(
                    name=vector["name"],
                    reference_date=dt.date.fromisoformat(vector["reference_date"]) if vector.get("reference_date") else None,
                    household=vector["household"],
                    expected=vector["expected"],
                )
                for vector in row.test_vectors
            ],
            readability=svc.readability(row.summary),
        )


@container
@strawberry.type(name="PublicRegeling", description="Een gepubliceerde regeling, voor iedereen.")
class PublicRegelingNode:
    key: str
    name: str
    summary: str
    description: str
    category: str
    level: str
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
        return cls(**_content(row), questions=[condition.question for condition in svc.conditions_of(row)])


async def _provider_name(info: Info, partner_id: uuid.UUID | None, external: str | None) -> str | None:
    """The partner organisation's current name (batched over the request), else the
    external provider's name as entered."""
    if partner_id is None:
        return external

    async def load(ids: Sequence[uuid.UUID]) -> list[str | None]:
        found = dict((await info.context.session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(list(ids))))).all())
        return [found.get(value) for value in ids]

    return await info.context.loader("handvat3_toegang.partner_names", load).load(partner_id) or external


def _content(row: Regeling) -> dict[str, Any]:
    """What the coalition's and the public view of a regeling share."""
    return {
        "key": row.key,
        "name": row.name,
        "summary": row.summary,
        "description": row.description,
        "category": row.category,
        "level": row.level,
        "external_provider": row.provider_name,
        "provider_partner": row.provider_partner_id,
        "how_to_apply": _apply(row),
        "costs": row.costs,
        "source_url": row.source_url,
        "content_checked_on": row.content_checked_on,
    }


@container
@strawberry.type(description="De uitkomst van één voorwaarde voor dit huishouden.")
class ConditionResultNode:
    id: str
    question: str
    status: str = strawberry.field(description="MET, NOT_MET of UNKNOWN")
    explanation: str
    missing_facts: list[str] = strawberry.field(description="De velden van het profiel die nog nodig zijn (zoals netMonthlyIncome).")


@container
@strawberry.type(description="Een parameter zoals die op de peildatum gold.")
class ParameterUsedNode:
    key: str
    value: float
    valid_from: dt.date
    legal_basis_url: str
    set_by_gemeente: bool
    possibly_outdated: bool = strawberry.field(
        description="Een landelijk bedrag dat volgens plan op of voor de peildatum is gewijzigd, terwijl de catalogus nog geen nieuwer bedrag heeft: controleer de uitkomst."
    )


@container
@strawberry.type(description="De uitkomst van de check voor één regeling, met uitleg.")
class CheckResultNode:
    regeling_key: str
    regeling_name: str
    summary: str
    outcome: OutcomeEnum  # type: ignore[valid-type]
    missing_facts: list[str] = strawberry.field(description="De velden van het profiel die nog nodig zijn (zoals netMonthlyIncome).")
    conditions: list[ConditionResultNode]
    parameters: list[ParameterUsedNode]
    how_to_apply: HowToApply

    @classmethod
    def from_result(cls, result: svc.CheckResult) -> CheckResultNode:
        outcome = result.outcome
        return cls(
            regeling_key=result.regeling.key,
            regeling_name=result.regeling.name,
            summary=result.regeling.summary,
            outcome=OutcomeEnum[outcome.status],
            missing_facts=[_profile_field(name) for name in outcome.missing],
            conditions=[
                ConditionResultNode(
                    id=item.condition.id,
                    question=item.condition.question,
                    status=item.status,
                    explanation=item.text,
                    missing_facts=[_profile_field(name) for name in item.missing],
                )
                for item in outcome.results
            ],
            parameters=[
                ParameterUsedNode(
                    key=p.key, value=p.value, valid_from=p.valid_from, legal_basis_url=p.legal_basis_url,
                    set_by_gemeente=p.overridden, possibly_outdated=p.possibly_outdated,
                )
                for p in outcome.parameters
            ],
            how_to_apply=_apply(result.regeling),
        )


@strawberry.input(description="Wat je over het huishouden vertelt. Alles is optioneel; wat ontbreekt maakt een uitkomst 'misschien'.")
class HouseholdProfileInput:
    household_type: str | None = strawberry.field(default=None, description="alleenstaand, alleenstaande_ouder of paar")
    age: int | None = None
    net_monthly_income: float | None = None
    gross_yearly_income: float | None = None
    assets: float | None = None
    pregnant: bool | None = None
    due_date: dt.date | None = None
    children_birth_dates: list[dt.date] | None = None
    lives_in_gemeente: bool | None = None
    rents_home: bool | None = None
    monthly_rent: float | None = None
    student: bool | None = None
    self_employed: bool | None = None
    has_debts: bool | None = None
    has_health_insurance: bool | None = None


def _profile_field(name: str) -> str:
    """A fact's name as the field of HouseholdProfileInput to fill in (net_monthly_income:
    netMonthlyIncome)."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _profile(profile: HouseholdProfileInput) -> dict[str, Any]:
    return {name: value for name, value in vars(profile).items() if value is not None}


@readable_with("handvat3_toegang.catalogue.manage")
@strawberry.type(name="ToegangParameter", description="Een parameter van de regels, met de waarde op een datum.")
class ParameterNode:
    key: str
    name: str
    unit: str
    overridable: bool
    value: float | None
    valid_from: dt.date | None
    legal_basis_url: str
    set_by_gemeente: bool
    possibly_outdated: bool = strawberry.field(
        description="Een landelijk bedrag dat volgens plan op of voor de peildatum is gewijzigd, terwijl de catalogus nog geen nieuwer bedrag heeft: controleer de uitkomst."
    )


@readable_with("handvat3_toegang.catalogue.manage")
@strawberry.type(description="De uitkomst van een testgeval.")
class TestVectorResultNode:
    regeling_key: str
    name: str
    expected: str
    actual: str
    passed: bool
    reference_date: dt.date


@readable_with("handvat3_toegang.catalogue.read")
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
    partner_name: str

    @classmethod
    def from_row(cls, row: Service, partner_name: str) -> ServiceNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            description=row.description,
            audience=row.audience,
            wijk_codes=list(row.wijk_codes),
            contact=row.contact,
            opening_hours=row.opening_hours,
            published=row.published,
            partner_name=partner_name,
        )


@container
@strawberry.type(name="PublicServiceOffer", description="Gepubliceerd aanbod op de sociale kaart.")
class PublicServiceNode:
    name: str
    description: str
    audience: str
    wijk_codes: list[str]
    contact: str | None
    opening_hours: str | None
    partner_name: str


@readable_with("handvat3_toegang.usage.read")
@strawberry.type(description="Bekendheid en gebruik van een regeling.")
class RegelingUsageNode:
    regeling_key: str
    regeling_name: str
    known_by_members: int
    known_by_partners: list[str]
    checked: int
    matched: int
    referred: int


@container
@strawberry.type(description="Een zoekresultaat: een regeling of aanbod.")
class SearchHitNode:
    kind: str
    key: str | None
    name: str
    summary: str


@container
@strawberry.type
class RegelingPayload:
    regeling: RegelingNode
    warnings: list[str]


@container
@strawberry.type
class ParameterPayload:
    parameter: ParameterNode


@container
@strawberry.type
class ServicePayload:
    service: ServiceNode


@container
@strawberry.type
class SyncPayload:
    changed: int


@strawberry.input
class ConditionInput:
    id: str
    question: str
    met: str
    not_met: str
    rule: JSON


@strawberry.input
class TestVectorInput:
    name: str
    household: JSON
    expected: str
    reference_date: dt.date | None = None


@strawberry.input
class RegelingInput:
    key: str
    name: str
    summary: str
    category: str
    level: str
    description: str = ""
    provider_name: str | None = None
    provider_partner_id: strawberry.ID | None = None
    apply_steps: list[str] = strawberry.field(default_factory=list)
    apply_url: str | None = None
    apply_phone: str | None = None
    apply_documents: list[str] = strawberry.field(default_factory=list)
    costs: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    source_url: str | None = None
    content_checked_on: dt.date | None = None
    conditions: list[ConditionInput] = strawberry.field(default_factory=list)
    test_vectors: list[TestVectorInput] = strawberry.field(default_factory=list)
    published: bool | None = strawberry.field(default=None, description="Leeg: nieuw gepubliceerd, bij wijzigen ongewijzigd.")


@strawberry.input
class UpdateRegelingInput:
    id: strawberry.ID
    regeling: RegelingInput


@strawberry.input
class RegelingVisibilityInput:
    id: strawberry.ID
    hidden: bool | None = None
    published: bool | None = None


@strawberry.input
class ReorderInput:
    ids: list[strawberry.ID]


@strawberry.input
class SetParameterInput:
    key: str
    valid_from: dt.date
    value: float
    legal_basis_url: str | None = None


@strawberry.input
class ServiceInput:
    partner_id: strawberry.ID
    name: str
    description: str = ""
    audience: str = ""
    wijk_codes: list[str] = strawberry.field(default_factory=list)
    contact: str | None = None
    opening_hours: str | None = None
    published: bool | None = strawberry.field(default=None, description="Leeg: nieuw gepubliceerd, bij wijzigen ongewijzigd.")


@strawberry.input
class UpdateServiceInput:
    id: strawberry.ID
    service: ServiceInput


@strawberry.input
class MarkReferredInput:
    regeling_id: strawberry.ID


@strawberry.input
class MarkKnownInput:
    regeling_id: strawberry.ID
    known: bool = True


def _regeling_data(regeling: RegelingInput) -> dict[str, Any]:
    data = dict(vars(regeling))
    data["conditions"] = [dict(vars(condition)) for condition in regeling.conditions]
    data["test_vectors"] = [dict(vars(vector)) for vector in regeling.test_vectors]
    return data


async def _partner_names(info: Info, rows: list[Service]) -> dict[Any, str]:
    ids = {row.partner_id for row in rows}
    if not ids:
        return {}
    result = await info.context.session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids)))
    return dict(result.all())


async def _parameter_nodes(info: Info, day: dt.date) -> list[ParameterNode]:
    parameters = await svc.parameters_of(info.context)
    nodes = []
    for key, definition in sorted(catalogue.national_parameters().items()):
        try:
            value = parameters.on(key, day)
        except Exception:  # noqa: BLE001 - no value yet on that day
            value = None
        nodes.append(
            ParameterNode(
                key=key,
                name=definition.name,
                unit=definition.unit,
                overridable=definition.overridable,
                value=value.value if value else None,
                valid_from=value.valid_from if value else None,
                legal_basis_url=value.legal_basis_url if value else definition.legal_basis_url,
                set_by_gemeente=bool(value and value.overridden),
                possibly_outdated=bool(value and value.possibly_outdated),
            )
        )
    return nodes


@strawberry.type
class ToegangQuery:
    @field(permission="handvat3_toegang.catalogue.read", description="De catalogus van regelingen van de gemeente, in haar volgorde.")
    async def regelingen(self, info: Info, category: str | None = None, include_hidden: bool = False) -> list[RegelingNode]:
        statement = select(Regeling).order_by(Regeling.position, Regeling.name)
        if category:
            statement = statement.where(Regeling.category == category)
        if not include_hidden:
            statement = statement.where(Regeling.hidden.is_(False))
        return [RegelingNode.from_row(row) for row in (await info.context.session.execute(statement)).scalars()]

    @field(permission="handvat3_toegang.catalogue.read")
    async def regeling(self, info: Info, id: strawberry.ID) -> RegelingNode:
        return RegelingNode.from_row(await svc.get_regeling(info.context, id))

    @field(permission="handvat3_toegang.check.run", description="Voor welke regelingen dit huishouden in aanmerking komt, met uitleg.")
    async def eligibility_check(
        self, info: Info, profile: HouseholdProfileInput, reference_date: dt.date | None = None
    ) -> list[CheckResultNode]:
        results = await svc.check(info.context, _profile(profile), reference_date, public=False)
        return [CheckResultNode.from_result(result) for result in results]

    @field(permission="handvat3_toegang.catalogue.manage", description="De parameters van de regels zoals ze op de peildatum gelden.")
    async def toegang_parameters(self, info: Info, reference_date: dt.date | None = None) -> list[ParameterNode]:
        return await _parameter_nodes(info, reference_date or dt.date.today())

    @field(permission="handvat3_toegang.catalogue.manage", description="Voer de testgevallen van de regelingen uit: landelijke met de landelijke waarden, eigen en aangepaste met de waarden van de gemeente.")
    async def run_test_vectors(self, info: Info, regeling_ids: list[strawberry.ID] | None = None) -> list[TestVectorResultNode]:
        return [
            TestVectorResultNode(regeling_key=row.key, name=r.name, expected=r.expected, actual=r.actual, passed=r.passed, reference_date=r.reference_date)
            for row, results in await svc.run_all_vectors(info.context, regeling_ids)
            for r in results
        ]

    @field(permission="handvat3_toegang.catalogue.read", description="De sociale kaart: het aanbod van de partnerorganisaties.")
    async def services(self, info: Info, wijk_code: str | None = None) -> list[ServiceNode]:
        rows = list((await info.context.session.execute(select(Service).order_by(Service.name))).scalars())
        rows = await svc.services_in_wijk(info.context.session, rows, wijk_code)
        names = await _partner_names(info, rows)
        return [ServiceNode.from_row(row, names.get(row.partner_id, "")) for row in rows]

    @field(permission="handvat3_toegang.catalogue.read", description="Zoeken in regelingen en aanbod (Nederlands).")
    async def toegang_search(self, info: Info, query: str) -> list[SearchHitNode]:
        return [_hit(kind, row) for kind, row in await svc.search(info.context, query, public=False)]

    @field(permission="handvat3_toegang.usage.read", description="Bekendheid en gebruik per regeling; de minst bekende eerst.")
    async def regeling_usage(self, info: Info) -> list[RegelingUsageNode]:
        return await _usage(info)

    @field(permission="handvat3_toegang.catalogue.read", description="De gegevens die de regels kunnen gebruiken.")
    async def eligibility_facts(self, info: Info) -> JSON:
        return dict(FACTS)


def _hit(kind: str, row: Any) -> SearchHitNode:
    if kind == "regeling":
        return SearchHitNode(kind=kind, key=row.key, name=row.name, summary=row.summary)
    return SearchHitNode(kind=kind, key=None, name=row.name, summary=row.description[:300])


async def _usage(info: Info) -> list[RegelingUsageNode]:
    session = info.context.session
    rows = list((await session.execute(select(Regeling).where(Regeling.hidden.is_(False)))).scalars())
    counts: dict[tuple[Any, str], int] = {}
    for regeling_id, kind, total in (
        await session.execute(select(UsageCount.regeling_id, UsageCount.kind, func.sum(UsageCount.count)).group_by(UsageCount.regeling_id, UsageCount.kind))
    ).all():
        counts[(regeling_id, kind)] = int(total)
    # With the counts this process has not written yet (every process writes its own each minute).
    for (regeling_id, kind, _month), count in svc.usage_tally.pending(info.context.tenant.id).items():
        counts[(regeling_id, kind)] = counts.get((regeling_id, kind), 0) + count
    known: dict[Any, int] = dict((await session.execute(select(Knowledge.regeling_id, func.count()).group_by(Knowledge.regeling_id))).all())
    partners: dict[Any, set[str]] = {}
    for regeling_id, name in (
        await session.execute(select(Knowledge.regeling_id, Partner.name).join(Partner, Partner.id == Knowledge.partner_id))
    ).all():
        partners.setdefault(regeling_id, set()).add(name)
    nodes = [
        RegelingUsageNode(
            regeling_key=row.key,
            regeling_name=row.name,
            known_by_members=known.get(row.id, 0),
            known_by_partners=sorted(partners.get(row.id, set())),
            checked=counts.get((row.id, "checked"), 0),
            matched=counts.get((row.id, "matched"), 0),
            referred=counts.get((row.id, "referred"), 0),
        )
        for row in rows
    ]
    return sorted(nodes, key=lambda node: (node.known_by_members, node.referred, node.regeling_key))


@strawberry.type
class ToegangMutation:
    @mutation(permission="handvat3_toegang.catalogue.manage", description="Een eigen regeling toevoegen (regels en testgevallen worden gecontroleerd).")
    async def create_regeling(self, info: Info, input: RegelingInput) -> RegelingPayload:
        row, warnings = await svc.save_regeling(info.context, _regeling_data(input))
        return RegelingPayload(regeling=RegelingNode.from_row(row), warnings=warnings)

    @mutation(permission="handvat3_toegang.catalogue.manage", description="Een regeling aanpassen, ook een landelijke (die wordt dan niet meer overschreven).")
    async def update_regeling(self, info: Info, input: UpdateRegelingInput) -> RegelingPayload:
        existing = await svc.get_regeling(info.context, input.id, field="input.id")
        row, warnings = await svc.save_regeling(info.context, _regeling_data(input.regeling), existing=existing)
        return RegelingPayload(regeling=RegelingNode.from_row(row), warnings=warnings)

    @mutation(permission="handvat3_toegang.catalogue.manage", description="Een regeling verbergen, tonen, publiceren of terugtrekken.")
    async def set_regeling_visibility(self, info: Info, input: RegelingVisibilityInput) -> RegelingPayload:
        row = await svc.set_visibility(info.context, input.id, hidden=input.hidden, published=input.published)
        return RegelingPayload(regeling=RegelingNode.from_row(row), warnings=[])

    @mutation(permission="handvat3_toegang.catalogue.manage", description="De volgorde van de catalogus: deze regelingen eerst.")
    async def reorder_regelingen(self, info: Info, input: ReorderInput) -> list[RegelingNode]:
        return [RegelingNode.from_row(row) for row in await svc.reorder(info.context, input.ids)]

    @mutation(permission="handvat3_toegang.catalogue.manage", description="De landelijke catalogus opnieuw overnemen (aangepaste regelingen blijven).")
    async def sync_national_catalogue(self, info: Info) -> SyncPayload:
        return SyncPayload(changed=await svc.sync_national(info.context))

    @mutation(permission="handvat3_toegang.catalogue.manage", description="Een eigen waarde van een parameter vanaf een datum (bijvoorbeeld de inkomensgrens).")
    async def set_toegang_parameter(self, info: Info, input: SetParameterInput) -> ParameterPayload:
        row = await svc.set_parameter(info.context, dict(vars(input)))
        nodes = await _parameter_nodes(info, row.valid_from)
        return ParameterPayload(parameter=next(node for node in nodes if node.key == row.key))

    @mutation(permission="handvat3_toegang.services.manage", description="Aanbod toevoegen aan de sociale kaart.")
    async def create_service(self, info: Info, input: ServiceInput) -> ServicePayload:
        row = await svc.save_service(info.context, dict(vars(input)))
        names = await _partner_names(info, [row])
        return ServicePayload(service=ServiceNode.from_row(row, names.get(row.partner_id, "")))

    @mutation(permission="handvat3_toegang.services.manage", description="Aanbod op de sociale kaart wijzigen.")
    async def update_service(self, info: Info, input: UpdateServiceInput) -> ServicePayload:
        existing = (await info.context.session.execute(select(Service).where(Service.id == parse_id(input.id, "input.id")))).scalar_one_or_none()
        if existing is None:
            raise NotFound("Dit aanbod bestaat niet.", field="input.id")
        row = await svc.save_service(info.context, dict(vars(input.service)), existing=existing)
        names = await _partner_names(info, [row])
        return ServicePayload(service=ServiceNode.from_row(row, names.get(row.partner_id, "")))

    @mutation(permission="handvat3_toegang.check.run", description="Vastleggen dat je een gezin naar deze regeling verwees (alleen geteld).")
    async def mark_regeling_referred(self, info: Info, input: MarkReferredInput) -> RegelingNode:
        return RegelingNode.from_row(await svc.mark_referred(info.context, input.regeling_id))

    @mutation(permission="handvat3_toegang.knowledge.mark", description="Aangeven: 'ik ken deze regeling en kan hem uitleggen'.")
    async def mark_regeling_known(self, info: Info, input: MarkKnownInput) -> RegelingNode:
        return RegelingNode.from_row(await svc.mark_known(info.context, input.regeling_id, input.known))


@strawberry.type
class ToegangPublicQuery:
    @field(public=True, description="De gepubliceerde regelingen van de gemeente.")
    async def regelingen(self, info: Info, category: str | None = None) -> list[PublicRegelingNode]:
        statement = select(Regeling).where(Regeling.published.is_(True), Regeling.hidden.is_(False)).order_by(Regeling.position)
        if category:
            statement = statement.where(Regeling.category == category)
        today = dt.date.today()
        rows = (await info.context.session.execute(statement)).scalars()
        return [PublicRegelingNode.from_row(row) for row in rows if svc.current_on(row, today)]

    @field(public=True, description="Eén gepubliceerde regeling.")
    async def regeling(self, info: Info, key: str) -> PublicRegelingNode:
        row = (
            await info.context.session.execute(
                select(Regeling).where(Regeling.key == key, Regeling.published.is_(True), Regeling.hidden.is_(False))
            )
        ).scalar_one_or_none()
        if row is None or not svc.current_on(row, dt.date.today()):
            raise NotFound("Deze regeling bestaat niet of is niet gepubliceerd.", field="key")
        return PublicRegelingNode.from_row(row)

    @field(public=True, description="Check: voor welke regelingen komt dit huishouden in aanmerking? Er wordt niets over het huishouden bewaard.")
    async def eligibility_check(self, info: Info, profile: HouseholdProfileInput, reference_date: dt.date | None = None) -> list[CheckResultNode]:
        # One check per public request: aliases must not multiply what the rate limit counts.
        checks = info.context.extras.setdefault("public_checks", 0) + 1
        info.context.extras["public_checks"] = checks
        if checks > 1:
            raise ValidationFailed("Eén check per verzoek.", field="eligibilityCheck", code="TOO_MANY_CHECKS")
        results = await svc.check(info.context, _profile(profile), reference_date, public=True)
        return [CheckResultNode.from_result(result) for result in results]

    @field(public=True, description="Zoeken in de gepubliceerde regelingen en het aanbod.")
    async def search(self, info: Info, query: str) -> list[SearchHitNode]:
        return [_hit(kind, row) for kind, row in await svc.search(info.context, query, public=True)]

    @field(public=True, description="Het gepubliceerde aanbod van de sociale kaart.")
    async def services(self, info: Info, wijk_code: str | None = None) -> list[PublicServiceNode]:
        rows = list((await info.context.session.execute(select(Service).where(Service.published.is_(True)).order_by(Service.name))).scalars())
        rows = await svc.services_in_wijk(info.context.session, rows, wijk_code)
        names = await _partner_names(info, rows)
        return [
            PublicServiceNode(
                name=row.name,
                description=row.description,
                audience=row.audience,
                wijk_codes=list(row.wijk_codes),
                contact=row.contact,
                opening_hours=row.opening_hours,
                partner_name=names.get(row.partner_id, ""),
            )
            for row in rows
        ]

