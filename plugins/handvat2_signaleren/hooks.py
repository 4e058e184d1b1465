"""What handvat 2 answers other modules, through core's tenant hooks."""

from __future__ import annotations

import uuid
from typing import Any

from core.plugin import ActivityFigure, hookimpl
from plugins.handvat2_signaleren import MODULE_KEY
from plugins.handvat2_signaleren.services import activity
from plugins.handvat2_signaleren.services.consent import family_consents_to
from plugins.handvat2_signaleren.services.families import family_exists

#: The kind under which another module refers to a family of this module (by its id).
FAMILY_REFERENCE = f"{MODULE_KEY}.family"


@hookimpl
async def reference_exists(kind: str, id: Any, session: Any) -> bool | None:
    """Whether the family exists in this gemeente and may be referred to (not anonymised,
    not erased); None for any other kind."""
    if kind != FAMILY_REFERENCE:
        return None
    return await family_exists(session, id)


@hookimpl
async def consent_to_share(kind: str, id: Any, partner_id: uuid.UUID, session: Any) -> bool | None:
    """Whether the family has a consent, valid today (not revoked, not expired), that names
    this partner organisation; None for any other kind."""
    if kind != FAMILY_REFERENCE:
        return None
    return await family_consents_to(session, id, partner_id)


@hookimpl
async def wijk_activity(year: int, session: Any) -> list[ActivityFigure]:
    """Signals, families registered and referrals (sent, accepted, helped) of `year` per
    wijk, raw: handvat 1 suppresses small cells before showing them."""
    return await activity.wijk_activity(session, year)
