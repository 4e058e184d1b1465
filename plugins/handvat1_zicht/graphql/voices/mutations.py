"""The mutations of the voice of parents: one `input`, one service call, a payload back."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from plugins.handvat1_zicht.graphql.voices.inputs import AddQuoteInput, LinkQuoteGoalsInput, RecordVoiceSessionInput, WithdrawQuoteInput
from plugins.handvat1_zicht.graphql.voices.types import QuoteNode, QuotePayload, VoiceSessionNode, VoiceSessionPayload, WithdrawQuotePayload
from plugins.handvat1_zicht.permissions import VOICES_CONTRIBUTE
from plugins.handvat1_zicht.services import voices


@strawberry.type
class VoicesMutation:
    @mutation(permission=VOICES_CONTRIBUTE, description="Een bijeenkomst vastleggen: wanneer, met wie (een soort groep), thema's en een samenvatting.")
    async def record_voice_session(self, info: Info, input: RecordVoiceSessionInput) -> VoiceSessionPayload:
        return VoiceSessionPayload(session=VoiceSessionNode.from_row(await voices.record_session(info.context, input_data(input))))

    @mutation(
        permission=VOICES_CONTRIBUTE,
        description="Een citaat vastleggen: anoniem (niets over wie het zei of vastlegt), alleen met toestemming, zonder gegevens die iemand herkennen.",
    )
    async def add_quote(self, info: Info, input: AddQuoteInput) -> QuotePayload:
        return QuotePayload(quote=QuoteNode.from_row(await voices.add_quote(info.context, input_data(input))))

    @mutation(permission=VOICES_CONTRIBUTE, description="De doelen van een citaat vervangen.")
    async def link_quote_goals(self, info: Info, input: LinkQuoteGoalsInput) -> QuotePayload:
        return QuotePayload(quote=QuoteNode.from_row(await voices.link_quote_goals(info.context, input_data(input))))

    @mutation(permission=VOICES_CONTRIBUTE, description="Een citaat verwijderen (echt verwijderd), bijvoorbeeld omdat wie het zei de toestemming introk.")
    async def withdraw_quote(self, info: Info, input: WithdrawQuoteInput) -> WithdrawQuotePayload:
        return WithdrawQuotePayload(withdrawn_id=strawberry.ID(str(await voices.withdraw_quote(info.context, input.id))))
