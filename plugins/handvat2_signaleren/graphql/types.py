"""The GraphQL output types of handvat 2: each built from what a service returns (a row, or
a view of it as the asking organisation may see it) and the names core's loaders give."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from core.plugin import HistoryEntry, container, members_by_id, partners_by_id, readable_with, wijken_by_id
from plugins.handvat2_signaleren.figures import Cell, Figures
from plugins.handvat2_signaleren.graphql import loaders
from plugins.handvat2_signaleren.models import DeletionRecord, Notification, PlanItem, Referral
from plugins.handvat2_signaleren.permissions import FAMILY_READ, FAMILY_RIGHTS, FEEDBACK_READ, FIGURES_READ, REFERRAL_OVERDUE
from plugins.handvat2_signaleren.services.consent import ConsentView
from plugins.handvat2_signaleren.services.families import FamilyView
from plugins.handvat2_signaleren.services.referrals import ReferralView
from plugins.handvat2_signaleren.services.signals import SignalView

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

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SignaleringOptions:
        return cls(
            worries=[Worry.from_data(item) for item in data["worries"]],
            risk_factors=[Factor(key=item["key"], label=item["label"], kind=item.get("kind")) for item in data["risk_factors"]],
            protective_factors=[Factor(key=item["key"], label=item["label"]) for item in data["protective_factors"]],
            classifications=[ClassificationInfo(code=code, label=label) for code, label in data["classifications"].items()],
            classification_rule=data["classification_rule"],
            several_risk_factors=data["several_risk_factors"],
            support_types=data["support_types"],
            plan_domains=data["plan_domains"],
            referral_states=data["referral_states"],
            referral_workflow_mermaid=data["referral_workflow_mermaid"],
        )


# -- family data --------------------------------------------------------------------------------


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
    def from_view(cls, view: SignalView, organisation: str) -> SignalNode:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            recorded_at=row.recorded_at,
            organisation=organisation,
            worries=list(row.worries),
            risk_factors=list(row.risk_factors),
            protective_factors=list(row.protective_factors),
            note=view.note,
            suggested_classification=row.suggested_classification,
            classification=row.classification,
            classification_reason=view.classification_reason,
        )

    @classmethod
    async def from_views(cls, info: Info, views: list[SignalView]) -> list[SignalNode]:
        organisations = await loaders.names(info, partners_by_id, {view.row.partner_id for view in views})
        return [cls.from_view(view, organisations.get(view.row.partner_id, "?")) for view in views]


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
    def from_view(cls, view: ConsentView, names: dict[Any, str]) -> ConsentNode:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            purpose=row.purpose,
            organisations=[names.get(value, "?") for value in view.organisation_ids],
            method=row.method,
            given_on=row.given_on,
            valid_until=row.valid_until,
            revoked_at=row.revoked_at,
            valid=view.valid,
        )

    @classmethod
    async def from_views(cls, info: Info, views: list[ConsentView]) -> list[ConsentNode]:
        names = await loaders.names(info, partners_by_id, {value for view in views for value in view.organisation_ids})
        return [cls.from_view(view, names) for view in views]


@container
@strawberry.type(description="Een stap in de verwijzing.")
class ReferralStep:
    at: dt.datetime
    transition: str
    from_state: str
    to_state: str
    reason: str | None

    @classmethod
    def from_entry(cls, entry: HistoryEntry) -> ReferralStep:
        return cls(at=entry.occurred_at, transition=entry.transition, from_state=entry.from_state, to_state=entry.to_state, reason=entry.reason)


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

    @classmethod
    async def from_views(cls, info: Info, views: list[ReferralView]) -> list[ReferralNode]:
        rows = [view.row for view in views]
        # All three at once, so that the referrals of many families share each batch.
        partners, contacts, histories = await asyncio.gather(
            loaders.names(info, partners_by_id, {row.from_partner_id for row in rows} | {row.to_partner_id for row in rows}),
            loaders.names(info, members_by_id, {row.to_contact_id for row in rows}, "display_name"),
            info.context.load_many(loaders.referral_history, [row.id for row in rows]),
        )
        return [
            cls(
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
                history=[ReferralStep.from_entry(entry) for entry in history or []],
                allowed_transitions=list(view.allowed_transitions),
            )
            for view, row, history in zip(views, rows, histories, strict=True)
        ]


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
    view: strawberry.Private[FamilyView]

    @classmethod
    async def from_views(cls, info: Info, views: list[FamilyView]) -> list[FamilyNode]:
        partners = await loaders.names(info, partners_by_id, {view.row.registering_partner_id for view in views})
        wijken = await loaders.names(info, wijken_by_id, {view.row.wijk_id for view in views})
        return [
            cls(
                id=strawberry.ID(str(view.row.id)),
                local_reference=view.local_reference,
                initials=view.initials,
                phase=view.row.phase,
                expected_month=view.row.expected_month,
                birth_month=view.row.birth_month,
                wijk=wijken.get(view.row.wijk_id),
                registering_organisation=partners.get(view.row.registering_partner_id, "?"),
                registered_by_my_organisation=view.mine,
                status=view.row.status,
                created_at=view.row.created_at,
                closed_at=view.row.closed_at,
                view=view,
            )
            for view in views
        ]

    @strawberry.field(description="De signalen, nieuwste eerst (elk een momentopname).")
    async def signals(self, info: Info) -> list[SignalNode]:
        return await SignalNode.from_views(info, await info.context.load(loaders.signals_as_seen, self.view))

    @strawberry.field(description="De toestemmingen, nieuwste eerst.")
    async def consents(self, info: Info) -> list[ConsentNode]:
        return await ConsentNode.from_views(info, await info.context.load(loaders.consents_as_seen, self.view))

    @strawberry.field(description="De verwijzingen van en naar uw organisatie.")
    async def referrals(self, info: Info) -> list[ReferralNode]:
        return await ReferralNode.from_views(info, await info.context.load(loaders.referrals_as_seen, self.view))

    @strawberry.field(description="Het ondersteuningsplan.")
    async def support_plan(self, info: Info) -> list[PlanItemNode]:
        return [PlanItemNode.from_row(row) for row in await info.context.load(loaders.plans_as_seen, self.view)]


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

    @classmethod
    async def from_rows(cls, info: Info, rows: list[Referral], today: dt.date) -> list[OverdueReferralNode]:
        names = await loaders.names(info, partners_by_id, {row.from_partner_id for row in rows} | {row.to_partner_id for row in rows})
        return [
            cls(
                id=strawberry.ID(str(row.id)),
                from_organisation=names.get(row.from_partner_id, "?"),
                to_organisation=names.get(row.to_partner_id, "?"),
                sent_at=row.sent_at,
                respond_by=row.respond_by,
                days_overdue=(today - row.respond_by).days,
            )
            for row in rows
        ]


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

    @classmethod
    def from_figures(cls, figures: Figures) -> SignaleringFigures:
        return cls(
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


# -- payloads ------------------------------------------------------------------------------------


@container
@strawberry.type
class FamilyPayload:
    family: FamilyNode


@container
@strawberry.type
class SignalPayload:
    signal: SignalNode
    suggested_classification: str
    guides: list[Worry] = strawberry.field(description="De gesprekshulp bij de gesignaleerde zorgen.")


@container
@strawberry.type
class ConsentPayload:
    consent: ConsentNode


@container
@strawberry.type
class ReferralPayload:
    referral: ReferralNode


@container
@strawberry.type
class PlanItemPayload:
    item: PlanItemNode


@container
@strawberry.type
class ErasePayload:
    family_id: strawberry.ID
