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
    EventType(EVENT_FEEDBACK, "Terugkoppeling over een verwijzing voor een professional (notification_id, referral_id, recipient_id, transition)."),
    EventType(EVENT_OVERDUE, "Een verwijzing is niet op tijd beantwoord (referral_id, to_partner_id, respond_by)."),
    EventType(EVENT_CONSENT_REVOKED, "Een ouder trok toestemming in (consent_id, family_id)."),
    EventType(EVENT_REGELING_LINKED, "Een onderdeel van een ondersteuningsplan verwijst naar een regeling (regeling_id, plan_item_id)."),
    EventType(
        EVENT_FAMILY_ANONYMISED,
        "Een gezin is na de bewaartermijn geanonimiseerd (family_id): anonimiseer wat u erover bijhoudt.",
    ),
    EventType(EVENT_FAMILY_ERASED, "Een gezin is op verzoek gewist (family_id)."),
]
