"""The queries of the plan van aanpak: goals and actions (Relay connections), and the
overdue actions for the coalition lead."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import Connection, field
from plugins.handvat1_zicht.graphql.plan.enums import ActionStatus
from plugins.handvat1_zicht.graphql.plan.types import ActionNode, GoalNode
from plugins.handvat1_zicht.permissions import PLAN_MANAGE, PLAN_READ
from plugins.handvat1_zicht.services import plan


@strawberry.type
class PlanQuery:
    @field(permission=PLAN_READ, description="De doelen van het plan van aanpak, de eerste streefdatum eerst.")
    async def goals(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[GoalNode]:
        return await plan.goals_page(info.context, first=first, after=after, to_nodes=GoalNode.from_rows)

    @field(permission=PLAN_READ, description="Een doel met zijn nulmeting, streefwaarde, acties en citaten.")
    async def goal(self, info: Info, id: strawberry.ID) -> GoalNode:
        return GoalNode.from_row(await plan.read_goal(info.context, id))

    @field(permission=PLAN_READ, description="De acties van het plan, de eerste deadline eerst; te filteren op status, organisatie, doel en of ze te laat zijn.")
    async def actions(
        self,
        info: Info,
        status: ActionStatus | None = None,  # type: ignore[valid-type]
        partner_id: strawberry.ID | None = None,
        goal_id: strawberry.ID | None = None,
        overdue: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ActionNode]:
        return await plan.actions_page(
            info.context,
            status=status.value if status else None,
            partner_id=partner_id,
            goal_id=goal_id,
            overdue=overdue,
            first=first,
            after=after,
            to_nodes=ActionNode.from_rows,
        )

    @field(permission=PLAN_MANAGE, description="De acties waarvan de deadline voorbij is en die niet gereed of gestopt zijn, de langst verlopen eerst.")
    async def overdue_actions(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[ActionNode]:
        return await plan.overdue_actions(info.context, plan.today(), first=first, after=after, to_nodes=ActionNode.from_rows)
