"""The GraphQL output types of handvat 2: each built from what a service returns (a row, or
a view of it as the asking organisation may see it) and the names core's loaders give.
Stored values from a fixed set become members of the enums in `enums` here, at the edge.
The Python classes keep a `Node` suffix; their GraphQL names (`name=`) have none, so that
connections are `<Type>Connection`, as core's."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import strawberry
from strawberry.types import Info

from core.plugin import HistoryEntry, container, members_by_id, partners_by_id, readable_with, wijken_by_id
from core.plugin import enum_member as member
from core.plugin import enum_members as members
from plugins.handvat2_signaleren.figures import Cell, Figures
from plugins.handvat2_signaleren.graphql import loaders
from plugins.handvat2_signaleren.graphql.enums import (
    Classification,
    ConsentMethod,
    FactorKind,
    FamilyDeletionAction,
    FamilyPhase,
    FamilyStatus,
    PlanDomain,
    PlanStatus,
    ReferralOutcome,
    ReferralState,
    ReferralTransition,
    SupportType,
    WorryType,
)
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
    key: WorryType  # type: ignore[valid-type]
    name: str
    description: str
    guide: ConversationGuide

    @classmethod
    def from_data(cls, item: dict[str, Any]) -> Worry:
        return cls(key=member(WorryType, item["key"]), name=item["name"], description=item["description"], guide=ConversationGuide(**item["guide"]))


@container
@strawberry.type(description="Een risicofactor of beschermende factor, zoals de gemeente de lijst instelde (de sleutel kiest de gemeente).")
class Factor:
    key: str
    label: str
    kind: FactorKind | None = None  # type: ignore[valid-type]


@container
@strawberry.type(description="Een klasse van de indeling (een momentopname, geen label).")
class ClassificationInfo:
    code: Classification  # type: ignore[valid-type]
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
    support_types: list[SupportType]  # type: ignore[valid-type]
    plan_domains: list[PlanDomain]  # type: ignore[valid-type]
    referral_states: list[ReferralState]  # type: ignore[valid-type]
    referral_workflow_mermaid: str

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SignaleringOptions:
        return cls(
            worries=[Worry.from_data(item) for item in data["worries"]],
            risk_factors=[Factor(key=item["key"], label=item["label"], kind=member(FactorKind, item.get("kind"))) for item in data["risk_factors"]],
            protective_factors=[Factor(key=item["key"], label=item["label"]) for item in data["protective_factors"]],
            classifications=[ClassificationInfo(code=member(Classification, code), label=label) for code, label in data["classifications"].items()],
            classification_rule=data["classification_rule"],
            several_risk_factors=data["several_risk_factors"],
            support_types=members(SupportType, data["support_types"]),
            plan_domains=members(PlanDomain, data["plan_domains"]),
            referral_states=members(ReferralState, data["referral_states"]),
            referral_workflow_mermaid=data["referral_workflow_mermaid"],
        )


# -- family data --------------------------------------------------------------------------------


@readable_with(FAMILY_READ)
@strawberry.type(name="Signal", description="Een signaal: wat de professional zag, met de indeling op dat moment.")
class SignalNode:
    id: strawberry.ID
    recorded_at: dt.datetime
    organisation: str
    worries: list[WorryType]  # type: ignore[valid-type]
    risk_factors: list[str] = strawberry.field(description="Sleutels van risicofactoren zoals de gemeente ze instelde.")
    protective_factors: list[str] = strawberry.field(description="Sleutels van beschermende factoren zoals de gemeente ze instelde.")
    note: str | None
    suggested_classification: Classification  # type: ignore[valid-type]
    classification: Classification  # type: ignore[valid-type]
    classification_reason: str | None

    @classmethod
    def from_view(cls, view: SignalView, organisation: str) -> SignalNode:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            recorded_at=row.recorded_at,
            organisation=organisation,
            worries=members(WorryType, row.worries),
            risk_factors=list(row.risk_factors),
            protective_factors=list(row.protective_factors),
            note=view.note,
            suggested_classification=member(Classification, row.suggested_classification),
            classification=member(Classification, row.classification),
            classification_reason=view.classification_reason,
        )

    @classmethod
    async def from_views(cls, info: Info, views: list[SignalView]) -> list[SignalNode]:
        organisations = await loaders.names(info, partners_by_id, {view.row.partner_id for view in views})
        return [cls.from_view(view, organisations.get(view.row.partner_id, "?")) for view in views]


@readable_with(FAMILY_READ)
@strawberry.type(name="Consent", description="De toestemming van de ouder om te delen.")
class ConsentNode:
    id: strawberry.ID
    purpose: str
    organisations: list[str]
    method: ConsentMethod  # type: ignore[valid-type]
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
            method=member(ConsentMethod, row.method),
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
    transition: ReferralTransition  # type: ignore[valid-type]
    from_state: ReferralState  # type: ignore[valid-type]
    to_state: ReferralState  # type: ignore[valid-type]
    reason: str | None

    @classmethod
    def from_entry(cls, entry: HistoryEntry) -> ReferralStep:
        return cls(
            at=entry.occurred_at,
            transition=member(ReferralTransition, entry.transition),
            from_state=member(ReferralState, entry.from_state),
            to_state=member(ReferralState, entry.to_state),
            reason=entry.reason,
        )


@readable_with(FAMILY_READ)
@strawberry.type(name="Referral", description="Een warme verwijzing.")
class ReferralNode:
    id: strawberry.ID
    family_id: strawberry.ID
    from_organisation: str
    to_organisation: str
    to_contact: str | None
    support: list[SupportType]  # type: ignore[valid-type]
    note: str | None
    state: ReferralState  # type: ignore[valid-type]
    rejection_reason: str | None
    outcome: ReferralOutcome | None  # type: ignore[valid-type]
    outcome_note: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    respond_by: dt.date | None
    responded_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    history: list[ReferralStep]
    allowed_transitions: list[ReferralTransition] = strawberry.field(description="De stappen die u nu kunt zetten.")  # type: ignore[valid-type]

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
                support=members(SupportType, row.support),
                note=row.note,
                state=member(ReferralState, row.state),
                rejection_reason=row.rejection_reason,
                outcome=member(ReferralOutcome, row.outcome),
                outcome_note=row.outcome_note,
                created_at=row.created_at,
                sent_at=row.sent_at,
                respond_by=row.respond_by,
                responded_at=row.responded_at,
                started_at=row.started_at,
                completed_at=row.completed_at,
                history=[ReferralStep.from_entry(entry) for entry in history or []],
                allowed_transitions=members(ReferralTransition, view.allowed_transitions),
            )
            for view, row, history in zip(views, rows, histories, strict=True)
        ]


@readable_with(FAMILY_READ)
@strawberry.type(name="PlanItem", description="Een onderdeel van het ondersteuningsplan.")
class PlanItemNode:
    id: strawberry.ID
    domain: PlanDomain  # type: ignore[valid-type]
    description: str
    status: PlanStatus  # type: ignore[valid-type]
    regeling_id: strawberry.ID | None
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: PlanItem) -> PlanItemNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            domain=member(PlanDomain, row.domain),
            description=row.description,
            status=member(PlanStatus, row.status),
            regeling_id=strawberry.ID(str(row.regeling_id)) if row.regeling_id else None,
            updated_at=row.updated_at,
        )


@readable_with(FAMILY_READ)
@strawberry.type(name="Family", description="Een gezin, pseudoniem: alleen het eigen kenmerk van de organisatie die het registreerde.")
class FamilyNode:
    id: strawberry.ID
    local_reference: str | None
    initials: str | None
    phase: FamilyPhase  # type: ignore[valid-type]
    expected_month: str | None
    birth_month: str | None
    wijk: str | None
    registering_organisation: str
    registered_by_my_organisation: bool
    status: FamilyStatus  # type: ignore[valid-type]
    created_at: dt.datetime
    closed_at: dt.datetime | None
    view: strawberry.Private[FamilyView]
    #: The nested lists read with the family's page (by GraphQL field name: `with_page`).
    read_with_page: strawberry.Private[Mapping[str, list[Any]]] = dataclasses.field(default_factory=dict)

    @classmethod
    async def from_views(cls, info: Info, views: list[FamilyView], nested: Iterable[str] = ()) -> list[FamilyNode]:
        """The nodes of these families; the `nested` lists the query asks for (`signals`,
        `consents`, `referrals`, `supportPlan`: from `selected_node_fields`) read for all of them at once,
        so that each family answers them without a read (and without an awaitable) of its own."""
        partners, wijken, read = await asyncio.gather(
            loaders.names(info, partners_by_id, {view.row.registering_partner_id for view in views}),
            loaders.names(info, wijken_by_id, {view.row.wijk_id for view in views}),
            with_page(info, views, nested),
        )
        return [
            cls(
                id=strawberry.ID(str(view.row.id)),
                local_reference=view.local_reference,
                initials=view.initials,
                phase=member(FamilyPhase, view.row.phase),
                expected_month=view.row.expected_month,
                birth_month=view.row.birth_month,
                wijk=wijken.get(view.row.wijk_id),
                registering_organisation=partners.get(view.row.registering_partner_id, "?"),
                registered_by_my_organisation=view.mine,
                status=member(FamilyStatus, view.row.status),
                created_at=view.row.created_at,
                closed_at=view.row.closed_at,
                view=view,
                read_with_page={name: nodes[index] for name, nodes in read.items()},
            )
            for index, view in enumerate(views)
        ]

    # Each nested list: read with the page, answered at once; else (a family of a payload, or
    # a list the query did not name where `selected_node_fields` looks) read batched: an awaitable.

    @strawberry.field(description="De signalen, nieuwste eerst (elk een momentopname).")
    def signals(self, info: Info) -> list[SignalNode]:
        return self._nested(info, "signals")

    @strawberry.field(description="De toestemmingen, nieuwste eerst.")
    def consents(self, info: Info) -> list[ConsentNode]:
        return self._nested(info, "consents")

    @strawberry.field(description="De verwijzingen van en naar uw organisatie.")
    def referrals(self, info: Info) -> list[ReferralNode]:
        return self._nested(info, "referrals")

    @strawberry.field(description="Het ondersteuningsplan.")
    def support_plan(self, info: Info) -> list[PlanItemNode]:
        return self._nested(info, "supportPlan")

    def _nested(self, info: Info, name: str) -> Any:
        found = self.read_with_page.get(name)
        return found if found is not None else self._read(info, name)

    async def _read(self, info: Info, name: str) -> list[Any]:
        return (await _read_nested(info, name, [self.view]))[0]


async def _plan_nodes(_info: Info, rows: list[PlanItem]) -> list[PlanItemNode]:
    return [PlanItemNode.from_row(row) for row in rows]


#: A family's nested lists: the batch read of its rows (keyed by the family as seen) and
#: what makes their nodes (for many families' rows at once).
NESTED: dict[str, tuple[Any, Callable[[Info, list[Any]], Awaitable[list[Any]]]]] = {
    "signals": (loaders.signals_as_seen, SignalNode.from_views),
    "consents": (loaders.consents_as_seen, ConsentNode.from_views),
    "referrals": (loaders.referrals_as_seen, ReferralNode.from_views),
    "supportPlan": (loaders.plans_as_seen, _plan_nodes),
}


async def _read_nested(info: Info, name: str, views: list[FamilyView]) -> list[list[Any]]:
    """The nodes of list `name` of each of these families (in their order): one batch read
    of the rows, then their nodes made together (the names they show read in one batch)."""
    load, make = NESTED[name]
    per_family = await info.context.load_many(load, views)
    nodes = await make(info, [row for rows in per_family for row in rows])
    found, start = [], 0
    for rows in per_family:
        found.append(nodes[start : start + len(rows)])
        start += len(rows)
    return found


async def with_page(info: Info, views: list[FamilyView], nested: Iterable[str]) -> dict[str, list[list[Any]]]:
    """The `nested` lists of every family of a page: per field name, per family. A list that
    fails is left out: each family's field then reads it itself and answers the error at
    its own path, as without this (the rest of the page keeps its data)."""
    wanted = set(nested)
    names = [name for name in NESTED if name in wanted]
    if not views or not names:
        return {}
    lists = await asyncio.gather(*(_read_nested(info, name, views) for name in names), return_exceptions=True)
    return {name: nodes for name, nodes in zip(names, lists, strict=True) if not isinstance(nodes, BaseException)}


@readable_with(FEEDBACK_READ)
@strawberry.type(name="ReferralFeedback", description="Terugkoppeling over een verwijzing.")
class FeedbackNode:
    id: strawberry.ID
    referral_id: strawberry.ID
    transition: ReferralTransition  # type: ignore[valid-type]
    message: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Notification) -> FeedbackNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            referral_id=strawberry.ID(str(row.referral_id)),
            transition=member(ReferralTransition, row.transition),
            message=row.message,
            created_at=row.created_at,
            read_at=row.read_at,
        )


@readable_with(REFERRAL_OVERDUE)
@strawberry.type(name="OverdueReferral", description="Een verwijzing waarop niet op tijd is gereageerd (zonder gegevens over het gezin).")
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


_SUPPRESSED = "Het aantal ontbreekt (count is leeg): het gaat om te weinig gezinnen, of het zou uit de totalen te berekenen zijn."


@container
@strawberry.type(description="Signalen per wijk en maand met deze zorg (count leeg als het onder de drempel valt).")
class WorryFigureCell:
    wijk: str = strawberry.field(description="De naam van de wijk, of 'onbekend'.")
    month: str = strawberry.field(description="JJJJ-MM.")
    worry: WorryType  # type: ignore[valid-type]
    count: int | None
    suppressed: bool = strawberry.field(description=_SUPPRESSED)

    @classmethod
    def from_cell(cls, cell: Cell) -> WorryFigureCell:
        dimensions = cell.dimensions
        return cls(wijk=dimensions["wijk"], month=dimensions["month"], worry=member(WorryType, dimensions["worry"]), count=cell.count, suppressed=cell.suppressed)


@container
@strawberry.type(description="Signalen per wijk en maand met deze indeling (count leeg als het onder de drempel valt).")
class ClassificationFigureCell:
    wijk: str = strawberry.field(description="De naam van de wijk, of 'onbekend'.")
    month: str = strawberry.field(description="JJJJ-MM.")
    classification: Classification  # type: ignore[valid-type]
    count: int | None
    suppressed: bool = strawberry.field(description=_SUPPRESSED)

    @classmethod
    def from_cell(cls, cell: Cell) -> ClassificationFigureCell:
        dimensions = cell.dimensions
        return cls(
            wijk=dimensions["wijk"],
            month=dimensions["month"],
            classification=member(Classification, dimensions["classification"]),
            count=cell.count,
            suppressed=cell.suppressed,
        )


@container
@strawberry.type(description="Verwijzingen per maand naar dit soort organisatie, in deze stand (count leeg als het onder de drempel valt).")
class ReferralFigureCell:
    month: str = strawberry.field(description="JJJJ-MM (de maand van versturen).")
    partner_type: str = strawberry.field(description="Het soort organisatie waarnaar verwezen is: een waarde van PartnerType, in kleine letters (schuldhulpverlening).")
    state: ReferralState  # type: ignore[valid-type]
    outcome: ReferralOutcome | None  # type: ignore[valid-type]
    count: int | None
    suppressed: bool = strawberry.field(description=_SUPPRESSED)

    @classmethod
    def from_cell(cls, cell: Cell) -> ReferralFigureCell:
        dimensions = cell.dimensions
        return cls(
            month=dimensions["month"],
            partner_type=dimensions["partner_type"],
            state=member(ReferralState, dimensions["state"]),
            outcome=member(ReferralOutcome, dimensions["outcome"]),
            count=cell.count,
            suppressed=cell.suppressed,
        )


@readable_with(FIGURES_READ)
@strawberry.type(description="Cijfers van de coalitie; kleine aantallen worden niet getoond.")
class SignaleringFigures:
    period_from: str
    period_to: str
    threshold: int
    signals_by_worry: list[WorryFigureCell]
    signals_by_classification: list[ClassificationFigureCell]
    referrals_by_partner_type_and_state: list[ReferralFigureCell]
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
            signals_by_worry=[WorryFigureCell.from_cell(cell) for cell in figures.signals_by_worry],
            signals_by_classification=[ClassificationFigureCell.from_cell(cell) for cell in figures.signals_by_classification],
            referrals_by_partner_type_and_state=[ReferralFigureCell.from_cell(cell) for cell in figures.referrals_by_partner_type_and_state],
            acceptance_rate=figures.acceptance_rate,
            acceptance_basis=figures.acceptance_basis,
            median_days_to_first_contact=figures.median_days_to_first_contact,
            median_days_to_completion=figures.median_days_to_completion,
        )


@readable_with(FAMILY_RIGHTS)
@strawberry.type(name="FamilyDeletion", description="Vastlegging dat gezinnen geanonimiseerd of gewist zijn (alleen kenmerken).")
class DeletionRecordNode:
    batch_id: strawberry.ID
    family_ids: list[strawberry.ID]
    action: FamilyDeletionAction  # type: ignore[valid-type]
    reason: str
    performed_by: str
    performed_at: dt.datetime

    @classmethod
    def from_row(cls, row: DeletionRecord) -> DeletionRecordNode:
        return cls(
            batch_id=strawberry.ID(str(row.batch_id)),
            family_ids=[strawberry.ID(value) for value in row.family_ids],
            action=member(FamilyDeletionAction, row.action),
            reason=row.reason,
            performed_by=row.performed_by,
            performed_at=row.performed_at,
        )


# -- payloads: one per mutation, holding what it changed ------------------------------------------


@container
@strawberry.type
class FamilyPayload:
    family: FamilyNode


@container
@strawberry.type
class SignalPayload:
    signal: SignalNode
    suggested_classification: Classification  # type: ignore[valid-type]
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
    plan_item: PlanItemNode


@container
@strawberry.type
class ReferralFeedbackPayload:
    feedback: FeedbackNode


@container
@strawberry.type
class EraseFamilyPayload:
    family_id: strawberry.ID
    deletion: DeletionRecordNode = strawberry.field(description="De vastlegging van het wissen (alleen kenmerken).")


# -- lists computed in memory, as connections ---------------------------------------------------
