"""Batch reads for the resolvers of handvat 2: each is `fetch(session, keys) -> {key: value}`,
used as `info.context.load(fetch, key)` or `load_many`, so that every resolver asking the
same thing in one request shares one query. Core's data comes through core's own batch
functions (`partners_by_id`, `members_by_id`, `wijken_by_id`), passed as they are.

A family's signals, consents, referrals and support plan are keyed by the family as its
viewer sees it (`FamilyView`): who asks decides what comes back, by the services' rules."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from strawberry.types import Info

from core.plugin import HistoryEntry, workflow_history
from plugins.handvat2_signaleren.services.consent import consents_as_seen
from plugins.handvat2_signaleren.services.plan import plans_as_seen
from plugins.handvat2_signaleren.services.referrals import referrals_as_seen
from plugins.handvat2_signaleren.services.signals import signals_as_seen
from plugins.handvat2_signaleren.workflows import REFERRAL_WORKFLOW

__all__ = ["consents_as_seen", "names", "plans_as_seen", "referral_history", "referrals_as_seen", "signals_as_seen"]


async def referral_history(session: Any, referral_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[HistoryEntry]]:
    """The steps of each referral, oldest first."""
    return await workflow_history(session, REFERRAL_WORKFLOW, referral_ids)


async def names(info: Info, fetch: Any, ids: Collection[Any], attribute: str = "name") -> dict[Any, str]:
    """Names by id through one of core's batch functions (`attribute`: `display_name` for
    members), batched over the whole request; ids it does not know are left out."""
    wanted = list({value for value in ids if value is not None})
    found = await info.context.load_many(fetch, wanted)
    return {key: getattr(item, attribute) for key, item in zip(wanted, found, strict=True) if item is not None}
