"""The queries of the voice of parents: sessions with their quotes, and quotes by goal or
theme (Relay connections)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import Connection, field
from plugins.handvat1_zicht.graphql.voices.enums import VoiceGroupKind
from plugins.handvat1_zicht.graphql.voices.types import QuoteNode, VoiceSessionNode
from plugins.handvat1_zicht.permissions import VOICES_READ
from plugins.handvat1_zicht.services import voices


@strawberry.type
class VoicesQuery:
    @field(permission=VOICES_READ, description="De bijeenkomsten met de spiegelgroep, ervaringsdeskundigen of ouders, de laatste eerst.")
    async def voice_sessions(
        self,
        info: Info,
        group_kind: VoiceGroupKind | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[VoiceSessionNode]:
        return await voices.sessions_page(
            info.context, group_kind=group_kind.value if group_kind else None, first=first, after=after, to_nodes=VoiceSessionNode.from_rows
        )

    @field(permission=VOICES_READ, description="De citaten, eventueel van één doel en/of met één thema (hoofdletters tellen niet).")
    async def quotes(
        self,
        info: Info,
        goal_id: strawberry.ID | None = None,
        theme: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[QuoteNode]:
        return await voices.quotes_page(info.context, goal_id=goal_id, theme=theme, first=first, after=after, to_nodes=QuoteNode.from_rows)
