"""The input types of the practice library (turned into data with `input_data`; the
service validates them). In the update input a field left out stays as it is."""

from __future__ import annotations

import datetime as dt

import strawberry

from plugins.handvat4_leren.graphql.library.enums import (
    ErkenningsniveauEnum,
    GemeenteSizeEnum,
    InterventionDatabaseEnum,
    PracticeTargetGroup,
    PracticeTheme,
)

NO_FAMILY = " Zonder gegevens die een gezin herkenbaar maken (namen, BSN, telefoonnummers, adressen, datums)."


@strawberry.input(description="Een erkende interventie die het voorbeeld gebruikt, zoals een Nederlandse databank haar noemt.")
class PracticeInterventionInput:
    database: InterventionDatabaseEnum  # type: ignore[valid-type]
    name: str = strawberry.field(description="De naam van de interventie in de databank (2 tot 200 tekens).")
    url: str | None = strawberry.field(default=None, description="De pagina van de interventie in de databank (http:// of https://).")
    erkenningsniveau: ErkenningsniveauEnum  # type: ignore[valid-type]


@strawberry.input(description="Een nieuw praktijkvoorbeeld van de coalitie, als concept (nog niet zichtbaar voor andere coalities)." + NO_FAMILY)
class CreatePracticeExampleInput:
    title: str = strawberry.field(description="3 tot 200 tekens.")
    problem: str = strawberry.field(default="", description="Het probleem dat de aanpak oplost (hoogstens 5000 tekens, net als de andere teksten).")
    target_group: str = strawberry.field(default="", description="De doelgroep, in eigen woorden.")
    approach: str = strawberry.field(default="", description="De aanpak.")
    partners_involved: str = strawberry.field(default="", description="De betrokken partners.")
    experts_role: str = strawberry.field(default="", description="De rol van ervaringsdeskundigen.")
    results: str = strawberry.field(default="", description="De resultaten.")
    what_worked: str = strawberry.field(default="", description="Wat werkte.")
    what_did_not_work: str = strawberry.field(default="", description="Wat niet werkte.")
    preconditions: str = strawberry.field(default="", description="De randvoorwaarden.")
    costs: str = strawberry.field(default="", description="De kosten.")
    contact: str = strawberry.field(default="", description="Contact voor meer informatie: de organisatie of functie (hoogstens 300 tekens).")
    source: str = strawberry.field(default="", description="Bron of meer informatie (hoogstens 500 tekens).")
    themes: list[PracticeTheme] = strawberry.field(description="Minstens één thema.")  # type: ignore[valid-type]
    target_groups: list[PracticeTargetGroup] = strawberry.field(description="Minstens één doelgroep.")  # type: ignore[valid-type]
    gemeente_size: GemeenteSizeEnum  # type: ignore[valid-type]
    practice_gemeente: str = strawberry.field(
        default="", description="De gemeente waar de praktijk loopt, als dat niet die van de coalitie is (bijv. na een werkbezoek); hoogstens 200 tekens."
    )
    interventions: list[PracticeInterventionInput] = strawberry.field(
        default_factory=list, description="Erkende interventies die het voorbeeld gebruikt (hoogstens 10)."
    )


@strawberry.input(
    description="De werkversie van een praktijkvoorbeeld bijwerken, zolang het een concept is (NOT_EDITABLE anders)." + NO_FAMILY
)
class UpdatePracticeExampleInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    problem: str | None = strawberry.UNSET
    target_group: str | None = strawberry.UNSET
    approach: str | None = strawberry.UNSET
    partners_involved: str | None = strawberry.UNSET
    experts_role: str | None = strawberry.UNSET
    results: str | None = strawberry.UNSET
    what_worked: str | None = strawberry.UNSET
    what_did_not_work: str | None = strawberry.UNSET
    preconditions: str | None = strawberry.UNSET
    costs: str | None = strawberry.UNSET
    contact: str | None = strawberry.UNSET
    source: str | None = strawberry.UNSET
    themes: list[PracticeTheme] | None = strawberry.UNSET  # type: ignore[valid-type]
    target_groups: list[PracticeTargetGroup] | None = strawberry.UNSET  # type: ignore[valid-type]
    gemeente_size: GemeenteSizeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    practice_gemeente: str | None = strawberry.UNSET
    interventions: list[PracticeInterventionInput] | None = strawberry.UNSET


@strawberry.input(description="Een nieuwe versie beginnen van een gepubliceerd praktijkvoorbeeld (bijwerken).")
class StartPracticeExampleUpdateInput:
    id: strawberry.ID


@strawberry.input(description="Het concept ter beoordeling aanbieden (indienen).")
class SubmitPracticeExampleInput:
    id: strawberry.ID


@strawberry.input(description="De ingediende versie publiceren voor alle coalities (publiceren; niet door wie haar schreef of indiende).")
class PublishPracticeExampleInput:
    id: strawberry.ID


@strawberry.input(description="De ingediende versie terugsturen, met wat er beter moet (terugsturen; niet door wie haar schreef of indiende).")
class ReturnPracticeExampleInput:
    id: strawberry.ID
    reason: str = strawberry.field(description="Wat er beter moet.")


@strawberry.input(description="Het praktijkvoorbeeld intrekken: geen andere coalitie leest het nog (intrekken).")
class WithdrawPracticeExampleInput:
    id: strawberry.ID
    reason: str = strawberry.field(description="Waarom het wordt ingetrokken.")


@strawberry.input(description="Een ingetrokken praktijkvoorbeeld weer als concept oppakken (heropenen).")
class ReopenPracticeExampleInput:
    id: strawberry.ID


@strawberry.input(description="Een gepubliceerd praktijkvoorbeeld (van elke coalitie) overnemen in het eigen plan van aanpak.")
class AdoptPracticeExampleInput:
    example_id: strawberry.ID
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="De partnerorganisatie die de actie in het plan uitvoert (verplicht waar het plan van aanpak wordt bijgehouden)."
    )
    goal_id: strawberry.ID | None = strawberry.field(default=None, description="Het doel van het plan waaraan de actie bijdraagt.")
    deadline: dt.date | None = strawberry.field(default=None, description="Vandaag of later; weggelaten: over drie maanden.")


@strawberry.input(description="Een korte ervaring bij een gepubliceerd praktijkvoorbeeld ('we probeerden dit, en…')." + NO_FAMILY)
class AddExperienceNoteInput:
    example_id: strawberry.ID
    text: str = strawberry.field(description="10 tot 1000 tekens.")


@strawberry.input(description="Filters op de bibliotheek: binnen een filter volstaat één van de waarden, de filters gelden samen (en met de zoekopdracht).")
class PracticeLibraryFilter:
    themes: list[PracticeTheme] | None = None  # type: ignore[valid-type]
    target_groups: list[PracticeTargetGroup] | None = None  # type: ignore[valid-type]
    gemeente_sizes: list[GemeenteSizeEnum] | None = None  # type: ignore[valid-type]
