"""The input types of the voice of parents (turned into data with `input_data`; the
service validates them)."""

from __future__ import annotations

import datetime as dt

import strawberry

from plugins.handvat1_zicht.graphql.voices.enums import VoiceGroupKind


@strawberry.input(description="Een bijeenkomst met de spiegelgroep, ervaringsdeskundigen of ouders (geen namen).")
class RecordVoiceSessionInput:
    held_on: dt.date = strawberry.field(description="Wanneer ze was (vandaag of eerder).")
    group_kind: VoiceGroupKind  # type: ignore[valid-type]
    title: str
    themes: list[str] = strawberry.field(default_factory=list, description="De thema's die aan bod kwamen, in eigen woorden (hoogstens 12, elk 2 tot 60 tekens).")
    summary: str = ""


@strawberry.input(description="Een citaat uit een bijeenkomst, anoniem en met toestemming van wie het zei.")
class AddQuoteInput:
    session_id: strawberry.ID
    text: str = strawberry.field(description="Wat er gezegd is, zonder wat iemand herkent (namen, BSN, telefoonnummer, adres, datums).")
    themes: list[str] = strawberry.field(default_factory=list, description="Thema's van het citaat, in eigen woorden.")
    consent_given: bool = strawberry.field(description="Wie het zei, gaf toestemming om het (anoniem) te bewaren: moet waar zijn.")
    goal_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Doelen van het plan waarbij het citaat hoort.")


@strawberry.input(description="De doelen van een citaat vervangen (een lege lijst ontkoppelt het).")
class LinkQuoteGoalsInput:
    quote_id: strawberry.ID
    goal_ids: list[strawberry.ID]


@strawberry.input(description="Een citaat verwijderen, bijvoorbeeld omdat wie het zei de toestemming introk.")
class WithdrawQuoteInput:
    id: strawberry.ID
