"""The domain events of handvat 3, and which events (of any module) count as a referral."""

from __future__ import annotations

from core.plugin import DomainEvent, EventType
from plugins.handvat3_toegang import MODULE_KEY

#: A professional referred a family to a regeling (payload: regeling_id; nothing about the family).
EVENT_REGELING_REFERRED = f"{MODULE_KEY}.regeling.referred"

EVENT_TYPES = [
    EventType(
        EVENT_REGELING_REFERRED,
        "Een professional verwees naar een regeling (niets over het gezin).",
        payload={"regeling_id": ("uuid", "De regeling.")},
    )
]

#: Another module linked one of its records to a regeling (e.g. handvat 2's support plan:
#: `handvat2_signaleren.plan_item.regeling_linked`): any event type ending in this, with a
#: `regeling_id` in its payload.
LINKED_SUFFIX = ".regeling_linked"


def counts_as_referral(event: DomainEvent) -> bool:
    """Referrals to a regeling, from this module or another, count towards its use."""
    return event.type == EVENT_REGELING_REFERRED or bool(event.payload.get("regeling_id") and event.type.endswith(LINKED_SUFFIX))
