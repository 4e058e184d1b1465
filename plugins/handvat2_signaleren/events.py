"""The domain events handvat 2 publishes. Payloads hold ids and codes only, never anything
about a family: a subscriber loads what it may see."""

from __future__ import annotations

from core.plugin import EventType
from plugins.handvat2_signaleren import MODULE_KEY

EVENT_FEEDBACK = f"{MODULE_KEY}.referral.feedback"
EVENT_OVERDUE = f"{MODULE_KEY}.referral.overdue"
EVENT_CONSENT_REVOKED = f"{MODULE_KEY}.consent.revoked"
EVENT_REGELING_LINKED = f"{MODULE_KEY}.plan_item.regeling_linked"
EVENT_FAMILY_ANONYMISED = f"{MODULE_KEY}.family.anonymised"
EVENT_FAMILY_ERASED = f"{MODULE_KEY}.family.erased"

EVENT_TYPES = [
    EventType(
        EVENT_FEEDBACK,
        "Terugkoppeling over een stap van een verwijzing voor een lid van de coalitie.",
        payload={
            "notification_id": ("uuid", "De melding (terugkoppeling) voor het lid."),
            "referral_id": ("uuid", "De verwijzing."),
            "recipient_id": ("uuid", "Het lidmaatschap dat de melding krijgt."),
            "transition": ("string", "De stap van de verwijzing (bijv. accepteren)."),
        },
        data_subject="referral_id",
    ),
    EventType(
        EVENT_OVERDUE,
        "Een verwijzing is niet op tijd beantwoord.",
        payload={
            "referral_id": ("uuid", "De verwijzing."),
            "to_partner_id": ("uuid", "De organisatie waarnaar verwezen is."),
            "respond_by": ("date", "De uiterste datum voor het antwoord."),
        },
        data_subject="referral_id",
    ),
    EventType(
        EVENT_CONSENT_REVOKED,
        "Een ouder trok toestemming in.",
        payload={"consent_id": ("uuid", "De ingetrokken toestemming."), "family_id": ("uuid", "Het gezin (pseudoniem id).")},
        data_subject="family_id",
    ),
    EventType(
        EVENT_REGELING_LINKED,
        "Een onderdeel van een ondersteuningsplan verwijst naar een regeling.",
        payload={"regeling_id": ("uuid", "De regeling."), "plan_item_id": ("uuid", "Het onderdeel van het plan.")},
        data_subject="plan_item_id",
    ),
    EventType(
        EVENT_FAMILY_ANONYMISED,
        "Een gezin is na de bewaartermijn geanonimiseerd: anonimiseer wat u erover bijhoudt.",
        payload={"family_id": ("uuid", "Het gezin (pseudoniem id).")},
        data_subject="family_id",
    ),
    EventType(
        EVENT_FAMILY_ERASED,
        "Een gezin is op verzoek gewist: wis wat u erover bijhoudt.",
        payload={"family_id": ("uuid", "Het gezin (pseudoniem id).")},
        data_subject="family_id",
    ),
]
