"""The output types of the voice of parents. None of them has a field that names who
spoke, which family, or who recorded a session or quote: there is nothing to name (the
tables keep none of it), and a test keeps the schema so."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry
from strawberry.types import Info

from core.plugin import container, readable_with
from plugins.handvat1_zicht.graphql.voices.enums import VoiceGroupKind, member
from plugins.handvat1_zicht.models import Goal, Quote, VoiceSession
from plugins.handvat1_zicht.permissions import PLAN_READ, VOICES_READ
from plugins.handvat1_zicht.services.voices import goals_by_quote, quotes_by_session, sessions_by_id


@readable_with(PLAN_READ)
@strawberry.type(name="LinkedGoal", description="Een doel van het plan waarbij een citaat hoort (zie goal(id) voor de rest).")
class LinkedGoalNode:
    id: strawberry.ID
    title: str

    @classmethod
    def from_row(cls, row: Goal) -> LinkedGoalNode:
        return cls(id=strawberry.ID(str(row.id)), title=row.title)


@readable_with(VOICES_READ)
@strawberry.type(name="VoiceSession", description="Een bijeenkomst met de spiegelgroep, ervaringsdeskundigen of ouders.")
class VoiceSessionNode:
    id: strawberry.ID
    held_on: dt.date
    group_kind: VoiceGroupKind  # type: ignore[valid-type]
    title: str
    themes: list[str] = strawberry.field(description="De thema's die aan bod kwamen, in de woorden van de coalitie.")
    summary: str
    row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="De citaten uit deze bijeenkomst, in een vaste volgorde die niets zegt over wie wanneer sprak.")
    async def quotes(self, info: Info) -> list[QuoteNode]:
        return [QuoteNode.from_row(row) for row in await info.context.load(quotes_by_session, self.row_id)]

    @classmethod
    def from_row(cls, row: VoiceSession) -> VoiceSessionNode:
        return cls(
            id=strawberry.ID(str(row.id)),
            held_on=row.held_on,
            group_kind=member(VoiceGroupKind, row.group_kind),
            title=row.title,
            themes=list(row.themes),
            summary=row.summary,
            row_id=row.id,
        )

    @classmethod
    async def from_rows(cls, rows: list[VoiceSession]) -> list[VoiceSessionNode]:
        return [cls.from_row(row) for row in rows]


@readable_with(VOICES_READ)
@strawberry.type(name="Quote", description="Wat een ouder of ervaringsdeskundige zei: anoniem, met toestemming bewaard.")
class QuoteNode:
    id: strawberry.ID
    text: str
    themes: list[str] = strawberry.field(description="De thema's van het citaat, in de woorden van de coalitie.")
    row_id: strawberry.Private[uuid.UUID]
    session_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="De bijeenkomst waarin het gezegd is.")
    async def session(self, info: Info) -> VoiceSessionNode:
        return VoiceSessionNode.from_row(await info.context.load(sessions_by_id, self.session_id))

    @strawberry.field(description="De doelen van het plan waarbij het citaat hoort.")
    async def goals(self, info: Info) -> list[LinkedGoalNode]:
        return [LinkedGoalNode.from_row(row) for row in await info.context.load(goals_by_quote, self.row_id)]

    @classmethod
    def from_row(cls, row: Quote) -> QuoteNode:
        return cls(id=strawberry.ID(str(row.id)), text=row.text, themes=list(row.themes), row_id=row.id, session_id=row.session_id)

    @classmethod
    async def from_rows(cls, rows: list[Quote]) -> list[QuoteNode]:
        return [cls.from_row(row) for row in rows]


@container
@strawberry.type
class VoiceSessionPayload:
    session: VoiceSessionNode


@container
@strawberry.type
class QuotePayload:
    quote: QuoteNode


@container
@strawberry.type
class WithdrawQuotePayload:
    withdrawn_id: strawberry.ID = strawberry.field(description="Het citaat dat verwijderd is.")
