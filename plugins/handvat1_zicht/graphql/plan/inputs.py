"""The input types of the plan van aanpak (turned into data with `input_data`; the service
validates them). In the update inputs a field left out stays as it is."""

from __future__ import annotations

import datetime as dt

import strawberry

from plugins.handvat1_zicht.graphql.plan.enums import ActionStatus


@strawberry.input(description="Een nieuw doel: een indicator in de gemeente of een wijk, van de nulmeting in een vastgestelde startfoto naar een streefwaarde.")
class CreateGoalInput:
    title: str
    description: str = ""
    indicator: str = strawberry.field(description="De code van de indicator (zie indicators), zoals de startfoto haar heeft.")
    region_code: str = strawberry.field(description="De gemeentecode (GM…) of de wijkcode (WK…) van een wijk van de gemeente.")
    baseline_startfoto_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="De vastgestelde startfoto waaruit de nulmeting komt; weggelaten: de vastgestelde foto met de laatste peildatum.",
    )
    target_value: float = strawberry.field(description="De streefwaarde, in de eenheid van de indicator.")
    target_date: dt.date = strawberry.field(description="Wanneer de streefwaarde bereikt moet zijn (vandaag of later).")


@strawberry.input(description="Een doel bijwerken; de indicator, het gebied en de nulmeting blijven (iets anders meten is een nieuw doel).")
class UpdateGoalInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    target_value: float | None = strawberry.UNSET
    target_date: dt.date | None = strawberry.UNSET


@strawberry.input(description="Een nieuwe actie van een partnerorganisatie, met een deadline.")
class CreateActionInput:
    goal_id: strawberry.ID | None = strawberry.field(default=None, description="Het doel waaraan de actie bijdraagt; null: een losse actie.")
    title: str
    description: str = ""
    partner_id: strawberry.ID = strawberry.field(description="De (actieve) partnerorganisatie die de actie uitvoert.")
    owner_membership_id: strawberry.ID | None = strawberry.field(
        default=None, description="Het lid van die organisatie dat de actie trekt (haar deadline staat in diens kalender)."
    )
    deadline: dt.date = strawberry.field(description="Vandaag of later.")


@strawberry.input(description="Een actie bijwerken; de status verandert met recordActionProgress.")
class UpdateActionInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    deadline: dt.date | None = strawberry.UNSET
    owner_membership_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Een lid van de uitvoerende organisatie; null: geen trekker."
    )


@strawberry.input(description="Voortgang op een actie noteren, eventueel met een nieuwe status.")
class RecordActionProgressInput:
    action_id: strawberry.ID
    note: str = strawberry.field(description="Wat er gebeurd is (zonder gegevens die iemand herkennen: geen namen van gezinnen, BSN, telefoonnummers, datums).")
    status: ActionStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="De nieuwe status (één stap, zie ActionStatus); weggelaten: de status blijft."
    )
