"""The mutations of learning activities: one `input`, one service call, a payload back; the
platform runs each in its own transaction (nothing is written when it fails)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from plugins.handvat4_leren.graphql.activities.inputs import (
    CancelActivityRegistrationInput,
    CancelLearningActivityInput,
    CreateLearningActivityInput,
    RecordActivityAttendanceInput,
    RegisterForActivityInput,
    UpdateLearningActivityInput,
)
from plugins.handvat4_leren.graphql.activities.types import (
    ActivityAttendancePayload,
    ActivityRegistrationPayload,
    LearningActivityNode,
    LearningActivityPayload,
)
from plugins.handvat4_leren.permissions import ACTIVITIES_ORGANISE, ACTIVITIES_REGISTER
from plugins.handvat4_leren.services import activities


@strawberry.type
class LearningActivitiesMutation:
    @mutation(
        permission=ACTIVITIES_ORGANISE,
        description="Een leeractiviteit aanbieden: van de eigen organisatie (de coalitieregisseur: van elke organisatie), met één of meer data.",
    )
    async def create_learning_activity(self, info: Info, input: CreateLearningActivityInput) -> LearningActivityPayload:
        return LearningActivityPayload(activity=LearningActivityNode.from_row(await activities.create_activity(info.context, input_data(input))))

    @mutation(permission=ACTIVITIES_ORGANISE, description="Een leeractiviteit wijzigen die nog komt of loopt (de organiserende organisatie of de coalitieregisseur).")
    async def update_learning_activity(self, info: Info, input: UpdateLearningActivityInput) -> LearningActivityPayload:
        row = await activities.update_activity(info.context, input.id, input_data(input, exclude=("id",)))
        return LearningActivityPayload(activity=LearningActivityNode.from_row(row))

    @mutation(
        permission=ACTIVITIES_ORGANISE,
        description="Een leeractiviteit laten vervallen; de inschrijvingen blijven en de ingeschrevenen en wachtenden krijgen bericht (een gebeurtenis).",
    )
    async def cancel_learning_activity(self, info: Info, input: CancelLearningActivityInput) -> LearningActivityPayload:
        return LearningActivityPayload(activity=LearningActivityNode.from_row(await activities.cancel_activity(info.context, input.id)))

    @mutation(
        permission=ACTIVITIES_REGISTER,
        description="Zich inschrijven: een plaats als er een is, anders op de wachtlijst (met de plaats in de rij). Twee keer: ALREADY_REGISTERED.",
    )
    async def register_for_activity(self, info: Info, input: RegisterForActivityInput) -> ActivityRegistrationPayload:
        return ActivityRegistrationPayload.from_result(await activities.register(info.context, input_data(input)))

    @mutation(
        permission=ACTIVITIES_REGISTER,
        description="Zich afmelden; een vrijgekomen plaats gaat meteen naar de eerste op de wachtlijst.",
    )
    async def cancel_activity_registration(self, info: Info, input: CancelActivityRegistrationInput) -> ActivityRegistrationPayload:
        return ActivityRegistrationPayload.from_result(await activities.cancel_registration(info.context, input_data(input)))

    @mutation(
        permission=ACTIVITIES_ORGANISE,
        description="De aanwezigheid registreren na de start (de organiserende organisatie of de coalitieregisseur); aanwezigen krijgen de competenties van de activiteit.",
    )
    async def record_activity_attendance(self, info: Info, input: RecordActivityAttendanceInput) -> ActivityAttendancePayload:
        return ActivityAttendancePayload.from_result(await activities.record_attendance(info.context, input_data(input)))
