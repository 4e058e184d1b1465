"""Input types: plain data for the services (validated there)."""

from __future__ import annotations

import datetime as dt

import strawberry

from kansrijk_babyspullen.graphql.enums import Handover, StarterPackageStep


@strawberry.input
class RequestStarterPackageInput:
    family_id: strawberry.ID = strawberry.field(description="Het gezin (handvat 2), dat toestemming gaf om met de stichting te delen.")
    due_date: dt.date | None = strawberry.field(default=strawberry.UNSET, description="De uitgerekende datum (óf de leeftijd van het kind).")
    child_age_months: int | None = strawberry.field(default=strawberry.UNSET, description="De leeftijd van het kind in maanden (0 tot 24).")
    clothing_size: str | None = strawberry.field(default=strawberry.UNSET, description="Kledingmaat (44 tot 86).")
    diaper_size: str | None = strawberry.field(default=strawberry.UNSET, description="Luiermaat (1 tot 6), als er luiers bij horen.")
    items: list[str] = strawberry.field(description="Sleutels van spullen van de lijst van de stichting (starterPackageList).")
    handover: Handover  # type: ignore[valid-type]
    pickup_point: str | None = strawberry.field(default=strawberry.UNSET, description="Bij ophalen: een uitgiftepunt van de lijst.")
    delivery_address: str | None = strawberry.field(
        default=strawberry.UNSET, description="Alleen bij bezorgen: het adres, gewist zodra de aanvraag is afgesloten."
    )


@strawberry.input
class MoveStarterPackageRequestInput:
    id: strawberry.ID
    transition: StarterPackageStep  # type: ignore[valid-type]
    reason: str | None = strawberry.field(default=strawberry.UNSET, description="Verplicht bij afwijzen; geen namen of nummers.")
