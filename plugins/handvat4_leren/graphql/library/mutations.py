"""The mutations of the practice library: one `input`, one service call, a payload back;
the platform runs each in its own transaction (nothing is written when it fails).

Aimed at another coalition's example, a write answers NOT_OWNER when that example is
published (the caller can see it) and NOT_FOUND when it is not, on `input.id`."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from plugins.handvat4_leren.graphql.library.inputs import (
    AddExperienceNoteInput,
    AdoptPracticeExampleInput,
    CreatePracticeExampleInput,
    PublishPracticeExampleInput,
    ReopenPracticeExampleInput,
    ReturnPracticeExampleInput,
    StartPracticeExampleUpdateInput,
    SubmitPracticeExampleInput,
    UpdatePracticeExampleInput,
    WithdrawPracticeExampleInput,
)
from plugins.handvat4_leren.graphql.library.types import (
    AdoptPracticeExamplePayload,
    ExperienceNoteNode,
    ExperienceNotePayload,
    PracticeExampleNode,
    PracticeExamplePayload,
)
from plugins.handvat4_leren.permissions import LIBRARY_ADOPT, LIBRARY_NOTE, LIBRARY_REVIEW, LIBRARY_WITHDRAW, LIBRARY_WRITE
from plugins.handvat4_leren.services import library


def _payload(view: library.ExampleView) -> PracticeExamplePayload:
    return PracticeExamplePayload(example=PracticeExampleNode.from_view(view))


@strawberry.type
class LibraryMutation:
    @mutation(permission=LIBRARY_WRITE, description="Een praktijkvoorbeeld schrijven: een concept met een eerste versie, alleen zichtbaar voor de eigen coalitie.")
    async def create_practice_example(self, info: Info, input: CreatePracticeExampleInput) -> PracticeExamplePayload:
        return _payload(await library.create_example(info.context, input_data(input)))

    @mutation(permission=LIBRARY_WRITE, description="De werkversie van een concept bijwerken (NOT_EDITABLE als het ter beoordeling, gepubliceerd of ingetrokken is).")
    async def update_practice_example(self, info: Info, input: UpdatePracticeExampleInput) -> PracticeExamplePayload:
        return _payload(await library.update_example(info.context, input.id, input_data(input, exclude=("id",))))

    @mutation(
        permission=LIBRARY_WRITE,
        description="Een nieuwe versie beginnen van een gepubliceerd voorbeeld (bijwerken); de andere coalities lezen intussen de gepubliceerde.",
    )
    async def start_practice_example_update(self, info: Info, input: StartPracticeExampleUpdateInput) -> PracticeExamplePayload:
        return _payload(await library.start_update(info.context, input.id))

    @mutation(permission=LIBRARY_WRITE, description="Het concept ter beoordeling aanbieden (indienen).")
    async def submit_practice_example(self, info: Info, input: SubmitPracticeExampleInput) -> PracticeExamplePayload:
        return _payload(await library.submit(info.context, input.id))

    @mutation(
        permission=LIBRARY_REVIEW,
        description="De ingediende versie publiceren voor alle coalities (OWN_REVIEW voor wie haar schreef of indiende; CONFLICT als een ander intussen een stap zette).",
    )
    async def publish_practice_example(self, info: Info, input: PublishPracticeExampleInput) -> PracticeExamplePayload:
        return _payload(await library.publish(info.context, input.id))

    @mutation(permission=LIBRARY_REVIEW, description="De ingediende versie terugsturen met wat er beter moet (OWN_REVIEW voor wie haar schreef of indiende).")
    async def return_practice_example(self, info: Info, input: ReturnPracticeExampleInput) -> PracticeExamplePayload:
        return _payload(await library.send_back(info.context, input.id, input.reason))

    @mutation(permission=LIBRARY_WITHDRAW, description="Het voorbeeld intrekken: geen andere coalitie leest het of een eerdere versie nog; overnames blijven.")
    async def withdraw_practice_example(self, info: Info, input: WithdrawPracticeExampleInput) -> PracticeExamplePayload:
        return _payload(await library.withdraw(info.context, input.id, input.reason))

    @mutation(permission=LIBRARY_WRITE, description="Een ingetrokken voorbeeld weer oppakken als concept, met een nieuwe versie (heropenen).")
    async def reopen_practice_example(self, info: Info, input: ReopenPracticeExampleInput) -> PracticeExamplePayload:
        return _payload(await library.reopen(info.context, input.id))

    @mutation(
        permission=LIBRARY_ADOPT,
        description="Een gepubliceerd voorbeeld (van elke coalitie) overnemen in het eigen plan van aanpak (ALREADY_ADOPTED als dat al gebeurde).",
    )
    async def adopt_practice_example(self, info: Info, input: AdoptPracticeExampleInput) -> AdoptPracticeExamplePayload:
        return AdoptPracticeExamplePayload.from_result(await library.adopt(info.context, input_data(input)))

    @mutation(permission=LIBRARY_NOTE, description="Een korte ervaring achterlaten bij een gepubliceerd voorbeeld; elke coalitie leest haar.")
    async def add_experience_note(self, info: Info, input: AddExperienceNoteInput) -> ExperienceNotePayload:
        note, example = await library.add_note(info.context, input_data(input))
        return ExperienceNotePayload(note=ExperienceNoteNode.from_row(note, ours=True), example=PracticeExampleNode.from_view(example))
