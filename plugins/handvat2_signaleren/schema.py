"""GraphQL of handvat 2: thin types over `services`. Family data is readable with
`family.read` and, on top of that, only for the organisations `services` allows."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON
from strawberry.types import Info

from core.plugin import Connection, Membership, Partner, Wijk, container, field, mutation, paginate, readable_with
from plugins.handvat2_signaleren import domain
from plugins.handvat2_signaleren import services as svc
from plugins.handvat2_signaleren.figures import Cell, coalition_figures
from plugins.handvat2_signaleren.models import Consent, DeletionRecord, Family, Notification, PlanItem, Referral, Signal
from plugins.handvat2_signaleren.permissions import (
    KEY,
    FAMILY_READ,
    FAMILY_RIGHTS,
    FAMILY_WRITE,
    FEEDBACK_READ,
    FIGURES_READ,
    GUIDE_READ,
    REFERRAL_OVERDUE,
    REFERRAL_SEND,
)
from plugins.handvat2_signaleren.workflow import REFERRAL_WORKFLOW


def _enum(name: str, values: tuple[str, ...], description: str) -> Any:
    return strawberry.enum(enum.Enum(name, {value.upper(): value for value in values}), name=name, description=description)


Phase = _enum("FamilyPhase", domain.PHASES, "Preconceptie, zwanger (met de verwachte maand) of een kind van 0 tot 2 jaar (met de geboortemaand).")
ClassificationCode = _enum("Classification", tuple(domain.CLASSIFICATIONS), "A zelfredzaam, B potentieel kwetsbaar, C kwetsbaar, D zeer kwetsbaar.")
SupportType = _enum("SupportType", domain.SUPPORT_TYPES, "De steun waarvoor verwezen wordt.")
ConsentMethod = _enum("ConsentMethod", domain.CONSENT_METHODS, "Hoe de ouder toestemming gaf.")
PlanDomain = _enum("PlanDomain", domain.PLAN_DOMAINS, "Het domein van een onderdeel van het ondersteuningsplan.")
PlanStatus = _enum("PlanStatus", domain.PLAN_STATUSES, "De stand van een onderdeel van het ondersteuningsplan.")
ReferralOutcome = _enum("ReferralOutcome", domain.OUTCOMES, "De uitkomst van een afgeronde verwijzing.")
ReferralDirection = _enum("ReferralDirection", ("incoming", "outgoing"), "Verwijzingen naar of van uw organisatie.")


def _data(value: Any) -> Any:
    """A strawberry input as plain data for the services (enums as their values)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_data(item) for item in value]
    if hasattr(value, "__strawberry_definition__"):
        return {name: _data(item) for name, item in vars(value).items()}
    return value


# -- content ------------------------------------------------------------------------------------


@container
@strawberry.type(description="Gesprekshulp bij een zorg: stress-sensitief vragen, zonder oordeel.")
class ConversationGuide:
    intro: str
    questions: list[str]
    tips: list[str]
    avoid: list[str]


@container
@strawberry.type(description="Een zorg die een professional kan signaleren, met de gesprekshulp.")
class Worry:
    key: str
    name: str
    description: str
    guide: ConversationGuide

    @classmethod
    def from_data(cls, item: dict[str, Any]) -> Worry:
        return cls(key=item["key"], name=item["name"], description=item["description"], guide=ConversationGuide(**item["guide"]))


@container
@strawberry.type(description="Een risicofactor of beschermende factor.")
class Factor:
    key: str
    label: str
    kind: str | None = None


@container
@strawberry.type(description="Een klasse van de indeling (een momentopname, geen label).")
class ClassificationInfo:
    code: str
    label: str


@container
@strawberry.type(description="Wat een professional kan vastleggen, zoals de gemeente het instelde.")
class SignaleringOptions:
    worries: list[Worry]
    risk_factors: list[Factor]
    protective_factors: list[Factor]
    classifications: list[ClassificationInfo]
    classification_rule: str
    several_risk_factors: int
    support_types: list[str]
    plan_domains: list[str]
    referral_states: list[str]
    referral_workflow_mermaid: str


# -- family data --------------------------------------------------------------------------------


async def _names(info: Info, model: Any, ids: set[Any]) -> dict[Any, str]:
    """Names of partners (or members, or wijken) by id, batched over the whole request."""
    wanted = sorted({value for value in ids if value is not None}, key=str)
    if not wanted:
        return {}
    attribute = model.display_name if model is Membership else model.name

    async def load(keys: Sequence[Any]) -> list[str | None]:
        found = dict((await info.context.session.execute(select(model.id, attribute).where(model.id.in_(list(keys))))).all())
        return [found.get(key) for key in keys]

    names = await info.context.loader(f"{KEY}.names.{model.__name__}", load).load_many(wanted)
    return {key: name for key, name in zip(wanted, names, strict=True) if name is not None}


def _per_family(info: Info, name: str, fetch: Callable[[Any, list[uuid.UUID]], Awaitable[list[Any]]]) -> Any:
    """A request-wide loader of a family's rows (signals, consents, ...), so that a list of
    families with their nested rows costs one query per kind, not one per family."""

    async def load(family_ids: Sequence[uuid.UUID]) -> list[list[Any]]:
        grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for row in await fetch(info.context, list(family_ids)):
            grouped[row.family_id].append(row)
        return [grouped.get(family_id, []) for family_id in family_ids]

    return info.context.loader(f"{KEY}.{name}", load)


@readable_with(FAMILY_READ)
@strawberry.type(description="Een signaal: wat de professional zag, met de indeling op dat moment.")
class SignalNode:
    id: strawberry.ID
    recorded_at: dt.datetime
    organisation: str
    worries: list[str]
    risk_factors: list[str]
    protective_factors: list[str]
    note: str | None
    suggested_classification: str
    classification: str
    classification_reason: str | None

    @classmethod
    def from_row(cls, row: Signal, organisation: str, *, own: bool = True) -> SignalNode:
        """`own`: recorded by the viewer's organisation; another organisation (one the family
        was referred to) sees what was signalled, not the free texts."""
        return cls(
            id=strawberry.ID(str(row.id)),
            recorded_at=row.recorded_at,
            organisation=organisation,
            worries=list(row.worries),
            risk_factors=list(row.risk_factors),
            protective_factors=list(row.protective_factors),
            note=row.note if own else None,
            suggested_classification=row.suggested_classification,
            classification=row.classification,
            classification_reason=row.classification_reason if own else None,
        )


@readable_with(FAMILY_READ)
@strawberry.type(description="De toestemming van de ouder om te delen.")
class ConsentNode:
    id: strawberry.ID
    purpose: str
    organisations: list[str]
    method: str
    given_on: dt.date
    valid_until: dt.date
    revoked_at: dt.datetime | None
    valid: bool

    @classmethod
    def from_row(cls, row: Consent, names: dict[Any, str]) -> ConsentNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            purpose=row.purpose,
            organisations=[names.get(uuid.UUID(value), "?") for value in row.partner_ids],
            method=row.method,
            given_on=row.given_on,
            valid_until=row.valid_until,
            revoked_at=row.revoked_at,
            valid=row.revoked_at is None and row.valid_until >= dt.date.today(),
        )


@container
@strawberry.type(description="Een stap in de verwijzing.")
class ReferralStep:
    at: dt.datetime
    transition: str
    from_state: str
    to_state: str
    reason: str | None


@readable_with(FAMILY_READ)
@strawberry.type(description="Een warme verwijzing.")
class ReferralNode:
    id: strawberry.ID
    family_id: strawberry.ID
    from_organisation: str
    to_organisation: str
    to_contact: str | None
    support: list[str]
    note: str | None
    state: str
    rejection_reason: str | None
    outcome: str | None
    outcome_note: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    respond_by: dt.date | None
    responded_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    history: list[ReferralStep]
    allowed_transitions: list[str] = strawberry.field(description="De stappen die u nu kunt zetten.")


async def referral_nodes(info: Info, rows: list[Referral]) -> list[ReferralNode]:
    work = info.context

    async def load_history(referral_ids: Sequence[uuid.UUID]) -> list[list[Any]]:
        found = await svc.referral_history(work, list(referral_ids))
        return [found.get(referral_id, []) for referral_id in referral_ids]

    # All three at once, so that the referrals of many families share each batch.
    partners, contacts, histories = await asyncio.gather(
        _names(info, Partner, {row.from_partner_id for row in rows} | {row.to_partner_id for row in rows}),
        _names(info, Membership, {row.to_contact_id for row in rows}),
        work.loader(f"{KEY}.history", load_history).load_many([row.id for row in rows]),
    )
    history = dict(zip([row.id for row in rows], histories, strict=True))
    nodes = []
    for row in rows:
        own = work.principal.partner_id
        allowed = [
            transition.name
            for transition in REFERRAL_WORKFLOW.allowed_from(row.state)
            if work.principal.has(transition.permission)
            and own == (row.from_partner_id if transition.permission == REFERRAL_SEND else row.to_partner_id)
        ]
        nodes.append(
            ReferralNode(
                id=strawberry.ID(str(row.id)),
                family_id=strawberry.ID(str(row.family_id)),
                from_organisation=partners.get(row.from_partner_id, "?"),
                to_organisation=partners.get(row.to_partner_id, "?"),
                to_contact=contacts.get(row.to_contact_id),
                support=list(row.support),
                note=row.note,
                state=row.state,
                rejection_reason=row.rejection_reason,
                outcome=row.outcome,
                outcome_note=row.outcome_note,
                created_at=row.created_at,
                sent_at=row.sent_at,
                respond_by=row.respond_by,
                responded_at=row.responded_at,
                started_at=row.started_at,
                completed_at=row.completed_at,
                history=[
                    ReferralStep(at=item.occurred_at, transition=item.transition, from_state=item.from_state, to_state=item.to_state, reason=item.reason)
                    for item in history.get(row.id, [])
                ],
                allowed_transitions=allowed,
            )
        )
    return nodes


@readable_with(FAMILY_READ)
@strawberry.type(description="Een onderdeel van het ondersteuningsplan.")
class PlanItemNode:
    id: strawberry.ID
    domain: str
    description: str
    status: str
    regeling_id: strawberry.ID | None
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: PlanItem) -> PlanItemNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            domain=row.domain,
            description=row.description,
            status=row.status,
            regeling_id=strawberry.ID(str(row.regeling_id)) if row.regeling_id else None,
            updated_at=row.updated_at,
        )


@readable_with(FAMILY_READ)
@strawberry.type(description="Een gezin, pseudoniem: alleen het eigen kenmerk van de organisatie die het registreerde.")
class FamilyNode:
    id: strawberry.ID
    local_reference: str | None
    initials: str | None
    phase: str
    expected_month: str | None
    birth_month: str | None
    wijk: str | None
    registering_organisation: str
    registered_by_my_organisation: bool
    status: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    row: strawberry.Private[Family]

    @classmethod
    async def from_rows(cls, info: Info, rows: list[Family]) -> list[FamilyNode]:
        partners = await _names(info, Partner, {row.registering_partner_id for row in rows})
        wijken = await _names(info, Wijk, {row.wijk_id for row in rows})
        return [
            cls(
                id=strawberry.ID(str(row.id)),
                # The reference is the registering organisation's own key to its files.
                local_reference=row.local_reference if row.registering_partner_id == info.context.principal.partner_id else None,
                initials=row.initials if row.registering_partner_id == info.context.principal.partner_id else None,
                phase=row.phase,
                expected_month=row.expected_month,
                birth_month=row.birth_month,
                wijk=wijken.get(row.wijk_id),
                registering_organisation=partners.get(row.registering_partner_id, "?"),
                registered_by_my_organisation=row.registering_partner_id == info.context.principal.partner_id,
                status=row.status,
                created_at=row.created_at,
                closed_at=row.closed_at,
                row=row,
            )
            for row in rows
        ]

    @strawberry.field(description="De signalen, nieuwste eerst (elk een momentopname).")
    async def signals(self, info: Info) -> list[SignalNode]:
        rows = await _per_family(info, "signals", svc.signals_of).load(self.row.id)
        names = await _names(info, Partner, {row.partner_id for row in rows})
        mine = info.context.principal.partner_id
        return [SignalNode.from_row(row, names.get(row.partner_id, "?"), own=row.partner_id == mine) for row in rows]

    @strawberry.field(description="De toestemmingen, nieuwste eerst.")
    async def consents(self, info: Info) -> list[ConsentNode]:
        rows = await _per_family(info, "consents", svc.consents_of).load(self.row.id)
        mine = info.context.principal.partner_id
        if self.row.registering_partner_id != mine:  # a receiving organisation: only the consents naming it
            rows = [row for row in rows if str(mine) in row.partner_ids]
        names = await _names(info, Partner, {uuid.UUID(value) for row in rows for value in row.partner_ids})
        return [ConsentNode.from_row(row, names) for row in rows]

    @strawberry.field(description="De verwijzingen van en naar uw organisatie.")
    async def referrals(self, info: Info) -> list[ReferralNode]:
        rows = await _per_family(info, "referrals", svc.referrals_of).load(self.row.id)
        return await referral_nodes(info, rows)

    @strawberry.field(description="Het ondersteuningsplan.")
    async def support_plan(self, info: Info) -> list[PlanItemNode]:
        return [PlanItemNode.from_row(row) for row in await _per_family(info, "plan", svc.plan_of).load(self.row.id)]


@readable_with(FEEDBACK_READ)
@strawberry.type(description="Terugkoppeling over een verwijzing.")
class FeedbackNode:
    id: strawberry.ID
    referral_id: strawberry.ID
    transition: str
    message: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Notification) -> FeedbackNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            referral_id=strawberry.ID(str(row.referral_id)),
            transition=row.transition,
            message=row.message,
            created_at=row.created_at,
            read_at=row.read_at,
        )


@readable_with(REFERRAL_OVERDUE)
@strawberry.type(description="Een verwijzing waarop niet op tijd is gereageerd (zonder gegevens over het gezin).")
class OverdueReferralNode:
    id: strawberry.ID
    from_organisation: str
    to_organisation: str
    sent_at: dt.datetime | None
    respond_by: dt.date
    days_overdue: int


@container
@strawberry.type(description="Een cel van een tabel: de indeling en het aantal (leeg als het onder de drempel valt).")
class FigureCell:
    dimensions: JSON
    count: int | None
    suppressed: bool

    @classmethod
    def from_cell(cls, cell: Cell) -> FigureCell:
        return cls(dimensions=cell.dimensions, count=cell.count, suppressed=cell.suppressed)


@readable_with(FIGURES_READ)
@strawberry.type(description="Cijfers van de coalitie; kleine aantallen worden niet getoond.")
class SignaleringFigures:
    period_from: str
    period_to: str
    threshold: int
    signals_by_worry: list[FigureCell]
    signals_by_classification: list[FigureCell]
    referrals_by_partner_type_and_state: list[FigureCell]
    acceptance_rate: float | None
    acceptance_basis: int | None
    median_days_to_first_contact: float | None
    median_days_to_completion: float | None


@readable_with(FAMILY_RIGHTS)
@strawberry.type(description="Vastlegging dat gezinnen geanonimiseerd of gewist zijn (alleen kenmerken).")
class DeletionRecordNode:
    batch_id: strawberry.ID
    family_ids: list[strawberry.ID]
    action: str
    reason: str
    performed_by: str
    performed_at: dt.datetime

    @classmethod
    def from_row(cls, row: DeletionRecord) -> DeletionRecordNode:
        return cls(
            batch_id=strawberry.ID(str(row.batch_id)),
            family_ids=[strawberry.ID(value) for value in row.family_ids],
            action=row.action,
            reason=row.reason,
            performed_by=row.performed_by,
            performed_at=row.performed_at,
        )


# -- queries ------------------------------------------------------------------------------------


async def _page(info: Info, statement: Any, model: Any, first: int | None, after: str | None, to_nodes: Any) -> Any:
    """A page of rows, newest first, turned into nodes a page at a time."""
    return await paginate(
        info.context.session,
        statement,
        order_by=[model.created_at, model.id],
        descending=True,
        first=first,
        after=after,
        max_page_size=info.context.settings.graphql_max_page_size,
        to_nodes=to_nodes,
    )


@strawberry.type
class SignalerenQuery:
    @field(permission=GUIDE_READ, description="De zorgen met gesprekshulp, de factoren en de indeling, zoals de gemeente ze instelde.")
    async def signalering_options(self, info: Info) -> SignaleringOptions:
        options = await svc.content(info.context)
        return SignaleringOptions(
            worries=[Worry.from_data(item) for item in options["worries"]],
            risk_factors=[Factor(key=item["key"], label=item["label"], kind=item.get("kind")) for item in options["risk_factors"]],
            protective_factors=[Factor(key=item["key"], label=item["label"]) for item in options["protective_factors"]],
            classifications=[ClassificationInfo(code=code, label=label) for code, label in domain.CLASSIFICATIONS.items()],
            classification_rule=domain.CLASSIFICATION_RULE.format(several=options["several_risk_factors"]),
            several_risk_factors=options["several_risk_factors"],
            support_types=list(domain.SUPPORT_TYPES),
            plan_domains=list(domain.PLAN_DOMAINS),
            referral_states=list(REFERRAL_WORKFLOW.states),
            referral_workflow_mermaid=REFERRAL_WORKFLOW.to_mermaid(),
        )

    @field(permission=FAMILY_READ, description="De gezinnen die uw organisatie mag zien, nieuwste eerst (status: open of closed).")
    async def families(self, info: Info, status: str | None = None, first: int | None = None, after: str | None = None) -> Connection[FamilyNode]:
        async def nodes(rows: list[Family]) -> list[FamilyNode]:
            svc.record_processing(info.context, svc.ACTIVITY, "families", [row.id for row in rows], "read")
            return await FamilyNode.from_rows(info, rows)

        return await _page(info, svc.families_statement(info.context, status=status), Family, first, after, nodes)

    @field(permission=FAMILY_READ, description="Een gezin met signalen, toestemming, verwijzingen en plan.")
    async def family(self, info: Info, id: strawberry.ID) -> FamilyNode:
        return (await FamilyNode.from_rows(info, [await svc.visible_family(info.context, id)]))[0]

    @field(permission=FAMILY_READ, description="Verwijzingen van of naar uw organisatie, nieuwste eerst.")
    async def referrals(
        self,
        info: Info,
        direction: ReferralDirection | None = None,  # type: ignore[valid-type]
        state: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ReferralNode]:
        async def nodes(rows: list[Referral]) -> list[ReferralNode]:
            svc.record_processing(info.context, svc.ACTIVITY, "referrals", {row.family_id for row in rows}, "read")
            return await referral_nodes(info, rows)

        statement = svc.referrals_statement(info.context, direction=_data(direction), state=state)
        return await _page(info, statement, Referral, first, after, nodes)

    @field(permission=FAMILY_READ, description="Eén verwijzing van of naar uw organisatie.")
    async def referral(self, info: Info, id: strawberry.ID) -> ReferralNode:
        row = await svc.get_referral(info.context, id)
        svc.record_processing(info.context, svc.ACTIVITY, "referral", [row.family_id], "read")
        return (await referral_nodes(info, [row]))[0]

    @field(permission=REFERRAL_OVERDUE, description="Verwijzingen waarop de ontvangende organisatie te laat reageert.")
    async def overdue_referrals(self, info: Info) -> list[OverdueReferralNode]:
        today = dt.date.today()
        rows = await svc.overdue_referrals(info.context, today)
        names = await _names(info, Partner, {row.from_partner_id for row in rows} | {row.to_partner_id for row in rows})
        return [
            OverdueReferralNode(
                id=strawberry.ID(str(row.id)),
                from_organisation=names.get(row.from_partner_id, "?"),
                to_organisation=names.get(row.to_partner_id, "?"),
                sent_at=row.sent_at,
                respond_by=row.respond_by,
                days_overdue=(today - row.respond_by).days,
            )
            for row in rows
            if row.respond_by is not None
        ]

    @field(permission=FEEDBACK_READ, description="Uw terugkoppelingen over verwijzingen, nieuwste eerst.")
    async def referral_feedback(self, info: Info, unread_only: bool = False) -> list[FeedbackNode]:
        return [FeedbackNode.from_row(row) for row in await svc.my_notifications(info.context, unread_only=unread_only)]

    @field(permission=FIGURES_READ, description="Cijfers over signalen en verwijzingen per wijk en maand (JJJJ-MM).")
    async def signalering_figures(self, info: Info, period_from: str | None = None, period_to: str | None = None) -> SignaleringFigures:
        figures = await coalition_figures(info.context, period_from, period_to)
        return SignaleringFigures(
            period_from=figures.period_from,
            period_to=figures.period_to,
            threshold=figures.threshold,
            signals_by_worry=[FigureCell.from_cell(cell) for cell in figures.signals_by_worry],
            signals_by_classification=[FigureCell.from_cell(cell) for cell in figures.signals_by_classification],
            referrals_by_partner_type_and_state=[FigureCell.from_cell(cell) for cell in figures.referrals_by_partner_type_and_state],
            acceptance_rate=figures.acceptance_rate,
            acceptance_basis=figures.acceptance_basis,
            median_days_to_first_contact=figures.median_days_to_first_contact,
            median_days_to_completion=figures.median_days_to_completion,
        )

    @field(permission=FAMILY_RIGHTS, description="Alles over één gezin, met wie het inzag (recht op inzage). Wordt vastgelegd.")
    async def family_export(self, info: Info, family_id: strawberry.ID) -> JSON:
        return await svc.export_family(info.context, family_id)

    @field(permission=FAMILY_RIGHTS, description="De vastleggingen van anonimiseren (bewaartermijn) en wissen (op verzoek).")
    async def family_deletions(self, info: Info) -> list[DeletionRecordNode]:
        return [DeletionRecordNode.from_row(row) for row in await svc.deletion_records(info.context)]


# -- mutations ----------------------------------------------------------------------------------


@strawberry.input
class RegisterFamilyInput:
    local_reference: str = strawberry.field(description="Uw eigen kenmerk (geen naam, BSN, adres of geboortedatum).")
    phase: Phase  # type: ignore[valid-type]
    initials: str | None = None
    expected_month: str | None = strawberry.field(default=None, description="JJJJ-MM, bij zwanger.")
    birth_month: str | None = strawberry.field(default=None, description="JJJJ-MM, bij een kind van 0-2.")
    wijk_code: str | None = None


@strawberry.input
class UpdateFamilyInput:
    id: strawberry.ID
    phase: Phase  # type: ignore[valid-type]
    expected_month: str | None = None
    birth_month: str | None = None
    wijk_code: str | None = None


@strawberry.input
class CloseFamilyInput:
    id: strawberry.ID
    closed: bool = True


@container
@strawberry.type
class FamilyPayload:
    family: FamilyNode


@strawberry.input
class RecordSignalInput:
    family_id: strawberry.ID
    worries: list[str]
    classification: ClassificationCode  # type: ignore[valid-type]
    risk_factors: list[str] = strawberry.field(default_factory=list)
    protective_factors: list[str] = strawberry.field(default_factory=list)
    note: str | None = None
    classification_reason: str | None = strawberry.field(default=None, description="Verplicht als u een andere indeling kiest dan de voorgestelde.")


@container
@strawberry.type
class SignalPayload:
    signal: SignalNode
    suggested_classification: str
    guides: list[Worry] = strawberry.field(description="De gesprekshulp bij de gesignaleerde zorgen.")


@strawberry.input
class RecordConsentInput:
    family_id: strawberry.ID
    purpose: str
    partner_ids: list[strawberry.ID]
    method: ConsentMethod  # type: ignore[valid-type]
    given_on: dt.date
    valid_until: dt.date


@strawberry.input
class RevokeConsentInput:
    id: strawberry.ID
    note: str | None = None


@container
@strawberry.type
class ConsentPayload:
    consent: ConsentNode


@strawberry.input
class CreateReferralInput:
    family_id: strawberry.ID
    consent_id: strawberry.ID
    to_partner_id: strawberry.ID
    support: list[SupportType]  # type: ignore[valid-type]
    to_contact_id: strawberry.ID | None = None
    note: str | None = None
    send: bool = strawberry.field(default=False, description="Meteen versturen (anders een concept).")


@strawberry.input
class MoveReferralInput:
    id: strawberry.ID
    transition: str = strawberry.field(description="versturen, accepteren, afwijzen, starten, afronden of terugtrekken.")
    reason: str | None = None
    outcome: ReferralOutcome | None = None  # type: ignore[valid-type]


@container
@strawberry.type
class ReferralPayload:
    referral: ReferralNode


@strawberry.input
class AddPlanItemInput:
    family_id: strawberry.ID
    domain: PlanDomain  # type: ignore[valid-type]
    description: str
    regeling_id: strawberry.ID | None = strawberry.field(default=None, description="Een regeling van handvat 3 (als de gemeente dat gebruikt).")


@strawberry.input
class UpdatePlanItemInput:
    id: strawberry.ID
    status: PlanStatus | None = None  # type: ignore[valid-type]
    description: str | None = None


@container
@strawberry.type
class PlanItemPayload:
    item: PlanItemNode


@strawberry.input
class MarkFeedbackReadInput:
    id: strawberry.ID


@strawberry.input
class EraseFamilyInput:
    family_id: strawberry.ID
    reason: str


@container
@strawberry.type
class ErasePayload:
    family_id: strawberry.ID


async def _family_payload(info: Info, row: Family) -> FamilyPayload:
    return FamilyPayload(family=(await FamilyNode.from_rows(info, [row]))[0])


@strawberry.type
class SignalerenMutation:
    @mutation(permission=FAMILY_WRITE, description="Een gezin registreren (pseudoniem: alleen uw eigen kenmerk).")
    async def register_family(self, info: Info, input: RegisterFamilyInput) -> FamilyPayload:
        return await _family_payload(info, await svc.register_family(info.context, _data(input)))

    @mutation(permission=FAMILY_WRITE, description="De fase of wijk van een gezin bijwerken.")
    async def update_family(self, info: Info, input: UpdateFamilyInput) -> FamilyPayload:
        data = _data(input)
        return await _family_payload(info, await svc.update_family(info.context, data.pop("id"), data))

    @mutation(permission=FAMILY_WRITE, description="Een gezin afsluiten (de bewaartermijn begint) of heropenen.")
    async def close_family(self, info: Info, input: CloseFamilyInput) -> FamilyPayload:
        return await _family_payload(info, await svc.set_family_closed(info.context, input.id, input.closed))

    @mutation(permission=FAMILY_WRITE, description="Een signaal vastleggen met de indeling; geeft de gesprekshulp terug.")
    async def record_signal(self, info: Info, input: RecordSignalInput) -> SignalPayload:
        signal, guides = await svc.record_signal(info.context, _data(input))
        names = await _names(info, Partner, {signal.partner_id})
        return SignalPayload(
            signal=SignalNode.from_row(signal, names.get(signal.partner_id, "?")),
            suggested_classification=signal.suggested_classification,
            guides=[Worry.from_data(item) for item in guides],
        )

    @mutation(permission=FAMILY_WRITE, description="De toestemming van de ouder vastleggen: doel, organisaties, hoe, wanneer, tot wanneer.")
    async def record_consent(self, info: Info, input: RecordConsentInput) -> ConsentPayload:
        row = await svc.record_consent(info.context, _data(input))
        return ConsentPayload(consent=ConsentNode.from_row(row, await _names(info, Partner, {uuid.UUID(value) for value in row.partner_ids})))

    @mutation(permission=FAMILY_WRITE, description="De ouder trekt de toestemming in: lopende verwijzingen stoppen meteen.")
    async def revoke_consent(self, info: Info, input: RevokeConsentInput) -> ConsentPayload:
        row = await svc.revoke_consent(info.context, input.id, input.note)
        return ConsentPayload(consent=ConsentNode.from_row(row, await _names(info, Partner, {uuid.UUID(value) for value in row.partner_ids})))

    @mutation(permission=REFERRAL_SEND, description="Een warme verwijzing maken (en met send meteen versturen); vraagt geldige toestemming.")
    async def create_referral(self, info: Info, input: CreateReferralInput) -> ReferralPayload:
        row = await svc.create_referral(info.context, _data(input))
        return ReferralPayload(referral=(await referral_nodes(info, [row]))[0])

    @mutation(permission=FAMILY_READ, description="Een stap in de verwijzing zetten; elke stap vraagt zijn eigen toestemming.")
    async def move_referral(self, info: Info, input: MoveReferralInput) -> ReferralPayload:
        data = _data(input)
        row = await svc.move_referral(info.context, data.pop("id"), data)
        return ReferralPayload(referral=(await referral_nodes(info, [row]))[0])

    @mutation(permission=FAMILY_WRITE, description="Een onderdeel aan het ondersteuningsplan toevoegen.")
    async def add_plan_item(self, info: Info, input: AddPlanItemInput) -> PlanItemPayload:
        return PlanItemPayload(item=PlanItemNode.from_row(await svc.add_plan_item(info.context, _data(input))))

    @mutation(permission=FAMILY_WRITE, description="Een onderdeel van het ondersteuningsplan bijwerken.")
    async def update_plan_item(self, info: Info, input: UpdatePlanItemInput) -> PlanItemPayload:
        data = _data(input)
        return PlanItemPayload(item=PlanItemNode.from_row(await svc.update_plan_item(info.context, data["id"], data["status"], data["description"])))

    @mutation(permission=FEEDBACK_READ, description="Een terugkoppeling als gelezen markeren.")
    async def mark_referral_feedback_read(self, info: Info, input: MarkFeedbackReadInput) -> FeedbackNode:
        return FeedbackNode.from_row(await svc.mark_notification_read(info.context, input.id))

    @mutation(permission=FAMILY_RIGHTS, description="Een gezin op verzoek wissen; een vastlegging (alleen kenmerken) blijft.")
    async def erase_family(self, info: Info, input: EraseFamilyInput) -> ErasePayload:
        return ErasePayload(family_id=strawberry.ID(str(await svc.erase_family(info.context, input.family_id, input.reason))))
