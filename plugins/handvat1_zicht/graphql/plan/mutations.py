"""The mutations of the plan van aanpak: one `input`, one service call, a payload back; the
platform runs each in its own transaction (nothing is written when it fails)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from plugins.handvat1_zicht.graphql.plan.inputs import (
    CreateActionInput,
    CreateGoalInput,
    RecordActionProgressInput,
    UpdateActionInput,
    UpdateGoalInput,
)
from plugins.handvat1_zicht.graphql.plan.types import ActionNode, ActionNoteNode, ActionPayload, ActionProgressPayload, GoalNode, GoalPayload
from plugins.handvat1_zicht.permissions import PLAN_MANAGE
from plugins.handvat1_zicht.services import plan


@strawberry.type
class PlanMutation:
    @mutation(
        permission=PLAN_MANAGE,
        description="Een doel toevoegen; de nulmeting komt uit een vastgestelde startfoto (zonder nulmeting geen doel: BASELINE_MISSING).",
    )
    async def create_goal(self, info: Info, input: CreateGoalInput) -> GoalPayload:
        return GoalPayload(goal=GoalNode.from_row(await plan.create_goal(info.context, input_data(input))))

    @mutation(permission=PLAN_MANAGE, description="De titel, omschrijving, streefwaarde of streefdatum van een doel wijzigen.")
    async def update_goal(self, info: Info, input: UpdateGoalInput) -> GoalPayload:
        return GoalPayload(goal=GoalNode.from_row(await plan.update_goal(info.context, input.id, input_data(input, exclude=("id",)))))

    @mutation(permission=PLAN_MANAGE, description="Een actie toevoegen, van een partnerorganisatie van de coalitie, met een deadline.")
    async def create_action(self, info: Info, input: CreateActionInput) -> ActionPayload:
        return ActionPayload(action=ActionNode.from_row(await plan.create_action(info.context, input_data(input))))

    @mutation(permission=PLAN_MANAGE, description="De titel, omschrijving, deadline of trekker van een actie wijzigen.")
    async def update_action(self, info: Info, input: UpdateActionInput) -> ActionPayload:
        return ActionPayload(action=ActionNode.from_row(await plan.update_action(info.context, input.id, input_data(input, exclude=("id",)))))

    @mutation(
        permission=PLAN_MANAGE,
        description="Voortgang noteren op een actie, eventueel met een nieuwe status (één stap; CONFLICT als een ander de status intussen wijzigde).",
    )
    async def record_action_progress(self, info: Info, input: RecordActionProgressInput) -> ActionProgressPayload:
        action, note = await plan.record_progress(info.context, input_data(input))
        return ActionProgressPayload(action=ActionNode.from_row(action), note=ActionNoteNode.from_row(note))
