"""The mutations of the startfoto: each takes one `input` to one service function and
answers the picture; the platform runs it in its own transaction."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from plugins.handvat1_zicht.graphql.startfoto.inputs import CreateStartfotoInput, CreateVervolgfotoInput, FixStartfotoInput, UpdateStartfotoInput
from plugins.handvat1_zicht.graphql.startfoto.types import StartfotoNode, StartfotoPayload
from plugins.handvat1_zicht.permissions import STARTFOTO_MANAGE
from plugins.handvat1_zicht.services import startfoto


@strawberry.type
class StartfotoMutation:
    @mutation(
        permission=STARTFOTO_MANAGE,
        description="Een startfoto maken (een concept): de cijfers tot en met het jaar van de peildatum, de partners en het aanbod worden nu gekopieerd.",
    )
    async def create_startfoto(self, info: Info, input: CreateStartfotoInput) -> StartfotoPayload:
        return StartfotoPayload(startfoto=StartfotoNode.from_row(await startfoto.create_startfoto(info.context, input_data(input))))

    @mutation(permission=STARTFOTO_MANAGE, description="Een vervolgfoto maken bij een vastgestelde startfoto (een concept, zoals de startfoto).")
    async def create_vervolgfoto(self, info: Info, input: CreateVervolgfotoInput) -> StartfotoPayload:
        return StartfotoPayload(startfoto=StartfotoNode.from_row(await startfoto.create_vervolgfoto(info.context, input_data(input))))

    @mutation(permission=STARTFOTO_MANAGE, description="De titel of het verhaal van een concept bijwerken; een vastgestelde foto verandert niet (STARTFOTO_FIXED).")
    async def update_startfoto(self, info: Info, input: UpdateStartfotoInput) -> StartfotoPayload:
        row = await startfoto.update_narrative(info.context, input.id, input_data(input, exclude=("id",)))
        return StartfotoPayload(startfoto=StartfotoNode.from_row(row))

    @mutation(permission=STARTFOTO_MANAGE, description="Een concept vaststellen; daarna verandert er niets meer aan (nog eens vaststellen: STARTFOTO_FIXED).")
    async def fix_startfoto(self, info: Info, input: FixStartfotoInput) -> StartfotoPayload:
        return StartfotoPayload(startfoto=StartfotoNode.from_row(await startfoto.fix_startfoto(info.context, input.id)))
