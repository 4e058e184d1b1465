"""The domain events handvat 4 publishes (so a webhook or a mail can follow). Payloads
hold ids and codes only."""

from __future__ import annotations

from core.plugin import EventType
from plugins.handvat4_leren import MODULE_KEY

EVENT_REMINDER = f"{MODULE_KEY}.registration.reminder"
EVENT_PROMOTED = f"{MODULE_KEY}.registration.promoted"
EVENT_ACTIVITY_CANCELLED = f"{MODULE_KEY}.activity.cancelled"
EVENT_COMPETENCE_GAINED = f"{MODULE_KEY}.competence.gained"
EVENT_EXAMPLE_PUBLISHED = f"{MODULE_KEY}.practice_example.published"
EVENT_EXAMPLE_WITHDRAWN = f"{MODULE_KEY}.practice_example.withdrawn"
EVENT_EXAMPLE_ADOPTED = f"{MODULE_KEY}.practice_example.adopted"

EVENT_TYPES = [
    EventType(
        EVENT_REMINDER,
        "Herinnering: een datum van een leeractiviteit waarvoor het lid is ingeschreven komt eraan.",
        payload={
            "registration_id": ("uuid", "De inschrijving."),
            "activity_id": ("uuid", "De leeractiviteit."),
            "activity_date_id": ("uuid", "De datum die eraan komt."),
            "membership_id": ("uuid", "Het lid."),
            "starts_at": ("datetime", "Het begin van die datum."),
        },
        data_subject="membership_id",
    ),
    EventType(
        EVENT_PROMOTED,
        "Een lid schoof van de wachtlijst door naar een plaats bij een leeractiviteit.",
        payload={
            "registration_id": ("uuid", "De inschrijving."),
            "activity_id": ("uuid", "De leeractiviteit."),
            "membership_id": ("uuid", "Het lid."),
        },
        data_subject="membership_id",
    ),
    EventType(
        EVENT_ACTIVITY_CANCELLED,
        "Een leeractiviteit gaat niet door.",
        payload={"activity_id": ("uuid", "De leeractiviteit."), "membership_ids": ("uuid[]", "De ingeschreven leden en die op de wachtlijst.")},
    ),
    EventType(
        EVENT_COMPETENCE_GAINED,
        "Een lid heeft een competentie: door deelname aan een activiteit of een bevestigde opgave.",
        payload={
            "membership_id": ("uuid", "Het lid."),
            "competence_key": ("string", "De competentie (sleutel uit het kader)."),
            "source": ("string", "activiteit of verklaring."),
        },
        data_subject="membership_id",
    ),
    EventType(
        EVENT_EXAMPLE_PUBLISHED,
        "Een praktijkvoorbeeld (of een nieuwe versie ervan) is gepubliceerd voor alle coalities.",
        payload={"example_id": ("uuid", "Het praktijkvoorbeeld."), "version": ("integer", "Het versienummer.")},
    ),
    EventType(
        EVENT_EXAMPLE_WITHDRAWN,
        "Een praktijkvoorbeeld is ingetrokken.",
        payload={"example_id": ("uuid", "Het praktijkvoorbeeld.")},
    ),
    EventType(
        EVENT_EXAMPLE_ADOPTED,
        "De coalitie nam een praktijkvoorbeeld over in haar plan van aanpak.",
        payload={
            "example_id": ("uuid", "Het praktijkvoorbeeld."),
            "adoption_id": ("uuid", "De overname."),
            "plan_action_id": ("uuid", "De actie in het plan van aanpak (leeg als geen module het plan bijhoudt)."),
        },
    ),
]
