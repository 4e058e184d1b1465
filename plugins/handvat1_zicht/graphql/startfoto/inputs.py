"""The inputs of the startfoto mutations (turned into data with `input_data`; the service
validates them)."""

from __future__ import annotations

import datetime as dt

import strawberry

_SECTION = "Hoogstens 10 000 tekens; geen gegevens die een persoon herkennen (BSN, telefoonnummer, e-mailadres, postcode, geboortedatum)."


@strawberry.input(description="Een nieuwe startfoto: de cijfers, partners en het aanbod op de peildatum worden meteen gekopieerd.")
class CreateStartfotoInput:
    title: str = strawberry.field(description="De titel (verplicht, hoogstens 200 tekens).")
    reference_date: dt.date = strawberry.field(description="De peildatum; niet in de toekomst. De cijfers van alle jaren tot en met dit jaar gaan mee.")
    went_well: str | None = strawberry.field(default=None, description=f"Wat gaat goed. {_SECTION}")
    gaps: str | None = strawberry.field(default=None, description=f"De lacunes. {_SECTION}")
    ambitions: str | None = strawberry.field(default=None, description=f"De ambities. {_SECTION}")
    voices: str | None = strawberry.field(default=None, description=f"Wat ouders en ervaringsdeskundigen zeiden. {_SECTION}")


@strawberry.input(description="Een nieuwe vervolgfoto bij een vastgestelde startfoto.")
class CreateVervolgfotoInput:
    baseline_id: strawberry.ID = strawberry.field(description="De vastgestelde startfoto om mee te vergelijken.")
    title: str = strawberry.field(description="De titel (verplicht, hoogstens 200 tekens).")
    reference_date: dt.date = strawberry.field(description="De peildatum; niet in de toekomst en niet vóór die van de startfoto.")
    went_well: str | None = strawberry.field(default=None, description=f"Wat gaat goed. {_SECTION}")
    gaps: str | None = strawberry.field(default=None, description=f"De lacunes. {_SECTION}")
    ambitions: str | None = strawberry.field(default=None, description=f"De ambities. {_SECTION}")
    voices: str | None = strawberry.field(default=None, description=f"Wat ouders en ervaringsdeskundigen zeiden. {_SECTION}")


@strawberry.input(description="De titel of het verhaal van een concept bijwerken; alleen de gegeven velden veranderen.")
class UpdateStartfotoInput:
    id: strawberry.ID
    title: str | None = strawberry.field(default=strawberry.UNSET, description="De titel (niet leeg, hoogstens 200 tekens).")
    went_well: str | None = strawberry.field(default=strawberry.UNSET, description=f"Wat gaat goed. {_SECTION}")
    gaps: str | None = strawberry.field(default=strawberry.UNSET, description=f"De lacunes. {_SECTION}")
    ambitions: str | None = strawberry.field(default=strawberry.UNSET, description=f"De ambities. {_SECTION}")
    voices: str | None = strawberry.field(default=strawberry.UNSET, description=f"Wat ouders en ervaringsdeskundigen zeiden. {_SECTION}")


@strawberry.input(description="Een concept vaststellen: daarna verandert er niets meer aan.")
class FixStartfotoInput:
    id: strawberry.ID
