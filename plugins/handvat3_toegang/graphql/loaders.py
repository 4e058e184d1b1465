"""Batched reads for the GraphQL types of handvat 3: partner names come from core's
directory (`partners_by_id`), loaded once per request for every field that asks."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from strawberry.types import Info

from core.plugin import partners_by_id


async def partner_name(info: Info, partner_id: uuid.UUID | None) -> str | None:
    """The partner organisation's current name (None: no partner, or none of this gemeente)."""
    if partner_id is None:
        return None
    partner = await info.context.load(partners_by_id, partner_id)
    return partner.name if partner is not None else None


async def partner_names(info: Info, partner_ids: Collection[uuid.UUID]) -> list[str]:
    """The names of these partner organisations, by name."""
    partners = await info.context.load_many(partners_by_id, partner_ids)
    return sorted(partner.name for partner in partners if partner is not None)
