"""The output types of the plan van aanpak, each built from a service's row; what they
hold beside the row (an organisation's name, a goal's actions and quotes, its current
value) is loaded per request in one batch (`info.context.load`)."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from strawberry.types import Info

from core.plugin import container, members_by_id, partners_by_id, readable_with
from plugins.handvat1_zicht.graphql.plan.enums import ActionStatus, member
from plugins.handvat1_zicht.graphql.voices.types import QuoteNode
from plugins.handvat1_zicht.models import Action, ActionNote, Goal
from plugins.handvat1_zicht.permissions import PLAN_READ
from plugins.handvat1_zicht.services import plan
from plugins.handvat1_zicht.services.voices import quotes_by_goal


@container
@strawberry.type(name="GoalBaseline", description="De nulmeting van een doel: het cijfer uit een vastgestelde startfoto.")
class GoalBaselineNode:
    value: float
    period: int = strawberry.field(description="Het jaar van het cijfer in de startfoto.")
    startfoto_id: strawberry.ID


@container
@strawberry.type(name="GoalCurrentValue", description="Het laatst bekende cijfer na de nulmeting (in dezelfde reeks: geen cijfer over een reeksbreuk heen).")
class GoalCurrentValueNode:
    value: float
    period: int


@readable_with(PLAN_READ)
@strawberry.type(name="Goal", description="Een doel van het plan van aanpak: een indicator in de gemeente of een wijk, van de nulmeting naar een streefwaarde.")
class GoalNode:
    id: strawberry.ID
    title: str
    description: str
    indicator: str = strawberry.field(description="De code van de indicator.")
    region_code: str = strawberry.field(description="De gemeentecode (GM…) of wijkcode (WK…).")
    baseline: GoalBaselineNode
    target_value: float
    target_date: dt.date
    created_at: dt.datetime
    updated_at: dt.datetime
    row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Het laatst bekende cijfer na de nulmeting (CBS of eigen indicator); null als er (nog) geen is.")
    async def current(self, info: Info) -> GoalCurrentValueNode | None:
        found = await info.context.load(plan.current_values_by_goal, self.row_id)
        return GoalCurrentValueNode(value=found.value, period=found.period) if found else None

    @strawberry.field(description="De acties voor dit doel, de eerste deadline eerst.")
    async def actions(self, info: Info) -> list[ActionNode]:
        return [ActionNode.from_row(row) for row in await info.context.load(plan.actions_by_goal, self.row_id)]

    @strawberry.field(description="De citaten van ouders en ervaringsdeskundigen bij dit doel.")
    async def quotes(self, info: Info) -> list[QuoteNode]:
        return [QuoteNode.from_row(row) for row in await info.context.load(quotes_by_goal, self.row_id)]

    @classmethod
    def from_row(cls, row: Goal) -> GoalNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            description=row.description,
            indicator=row.indicator,
            region_code=row.region_code,
            baseline=GoalBaselineNode(value=row.baseline_value, period=row.baseline_period, startfoto_id=strawberry.ID(str(row.baseline_startfoto_id))),
            target_value=row.target_value,
            target_date=row.target_date,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row_id=row.id,
        )

    @classmethod
    async def from_rows(cls, rows: list[Goal]) -> list[GoalNode]:
        return [cls.from_row(row) for row in rows]


@readable_with(PLAN_READ)
@strawberry.type(name="ActionNote", description="Een voortgangsnotitie bij een actie.")
class ActionNoteNode:
    id: strawberry.ID
    note: str
    status: ActionStatus | None = strawberry.field(description="De status waarnaar de actie hiermee ging; null: de status bleef.")  # type: ignore[valid-type]
    written_at: dt.datetime

    @classmethod
    def from_row(cls, row: ActionNote) -> ActionNoteNode:
        return cls(id=strawberry.ID(str(row.id)), note=row.note, status=member(ActionStatus, row.status), written_at=row.written_at)


@readable_with(PLAN_READ)
@strawberry.type(name="Action", description="Een actie van het plan: een partnerorganisatie doet iets vóór een deadline, voor een doel of los.")
class ActionNode:
    id: strawberry.ID
    goal_id: strawberry.ID | None
    title: str
    description: str
    partner_id: strawberry.ID
    owner_membership_id: strawberry.ID | None = strawberry.field(description="Het lid van de organisatie dat de actie trekt.")
    deadline: dt.date
    status: ActionStatus  # type: ignore[valid-type]
    overdue: bool = strawberry.field(description="Waar: de deadline is voorbij en de actie is niet gereed of gestopt.")
    reference: str | None = strawberry.field(
        description="Bij een actie die een andere module voorstelde: waar ze vandaan komt (<module>.<ding>:<id>, bijvoorbeeld een praktijkvoorbeeld)."
    )
    proposed_by_module: str | None = strawberry.field(description="De sleutel van de module die de actie voorstelde (null: door de coalitie zelf).")
    created_at: dt.datetime
    updated_at: dt.datetime
    row_id: strawberry.Private[uuid.UUID]
    partner_row_id: strawberry.Private[uuid.UUID]
    owner_row_id: strawberry.Private[uuid.UUID | None]
    goal_row_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="De naam van de uitvoerende organisatie.")
    async def partner_name(self, info: Info) -> str:
        partner = await info.context.load(partners_by_id, self.partner_row_id)
        return partner.name if partner else "?"

    @strawberry.field(description="De naam van de trekker (null: geen).")
    async def owner_name(self, info: Info) -> str | None:
        if self.owner_row_id is None:
            return None
        owner = await info.context.load(members_by_id, self.owner_row_id)
        return owner.display_name if owner else None

    @strawberry.field(description="Het doel waaraan de actie bijdraagt (null: een losse actie).")
    async def goal(self, info: Info) -> GoalNode | None:
        if self.goal_row_id is None:
            return None
        row = await info.context.load(plan.goals_by_id, self.goal_row_id)
        return GoalNode.from_row(row) if row else None

    @strawberry.field(description="De voortgang, de oudste eerst.")
    async def notes(self, info: Info) -> list[ActionNoteNode]:
        return [ActionNoteNode.from_row(row) for row in await info.context.load(plan.notes_by_action, self.row_id)]

    @classmethod
    def from_row(cls, row: Action) -> ActionNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            goal_id=strawberry.ID(str(row.goal_id)) if row.goal_id else None,
            title=row.title,
            description=row.description,
            partner_id=strawberry.ID(str(row.partner_id)),
            owner_membership_id=strawberry.ID(str(row.owner_membership_id)) if row.owner_membership_id else None,
            deadline=row.deadline,
            status=member(ActionStatus, row.status),
            overdue=row.deadline < plan.today() and row.status in plan.OPEN_STATUSES,
            reference=row.reference,
            proposed_by_module=row.proposed_by_module,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row_id=row.id,
            partner_row_id=row.partner_id,
            owner_row_id=row.owner_membership_id,
            goal_row_id=row.goal_id,
        )

    @classmethod
    async def from_rows(cls, rows: list[Action]) -> list[ActionNode]:
        return [cls.from_row(row) for row in rows]


@container
@strawberry.type
class GoalPayload:
    goal: GoalNode


@container
@strawberry.type
class ActionPayload:
    action: ActionNode


@container
@strawberry.type
class ActionProgressPayload:
    action: ActionNode
    note: ActionNoteNode
