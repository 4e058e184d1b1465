"""The input types of competences (turned into data with `input_data`; the service
validates them). In the update input a field left out stays as it is."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Een eigen competentie in het kader van de coalitie.")
class AddCompetenceInput:
    key: str = strawberry.field(description="De sleutel: kleine letters, cijfers en _, beginnend met een letter (2 tot 60 tekens); vast.")
    name: str
    description: str = ""


@strawberry.input(description="Een competentie van het kader wijzigen of uit- en aanzetten (ook een landelijke; verwijderen kan niet).")
class UpdateCompetenceInput:
    key: str = strawberry.field(description="De sleutel van de competentie.")
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.field(default=strawberry.UNSET, description="Onwaar: de competentie staat uit (telt niet in de dekking, niet op te geven).")


@strawberry.input(description="Zelf een competentie opgeven, met een onderbouwing, ter bevestiging door de coalitieregisseur.")
class DeclareCompetenceInput:
    competence_key: str = strawberry.field(description="De sleutel van een (aangezette) competentie van het kader.")
    evidence: str = strawberry.field(
        description="De onderbouwing (20 tot 2000 tekens): opleiding, ervaring, een certificaat. Zonder gegevens die een gezin of iemand anders herkenbaar maken."
    )


@strawberry.input(description="Een opgegeven competentie bevestigen.")
class ConfirmCompetenceInput:
    id: strawberry.ID = strawberry.field(description="De opgave.")


@strawberry.input(description="Een opgegeven competentie afwijzen, met een reden voor het lid.")
class RejectCompetenceInput:
    id: strawberry.ID = strawberry.field(description="De opgave.")
    reason: str = strawberry.field(description="Waarom (2 tot 1000 tekens); het lid ziet de reden.")
