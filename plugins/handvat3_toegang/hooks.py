"""What handvat 3 answers core and other modules, through the tenant and lifecycle hooks."""

from __future__ import annotations

from typing import Any

from core.plugin import DomainEvent, TenantInfo, hookimpl
from plugins.handvat3_toegang import MODULE_KEY
from plugins.handvat3_toegang.events import counts_as_referral
from plugins.handvat3_toegang.services import catalogue, usage

#: The kind under which another module refers to a regeling of this module (by its id).
REGELING_REFERENCE = f"{MODULE_KEY}.regeling"


@hookimpl
async def module_enabled(tenant: TenantInfo, session: Any) -> None:
    """A gemeente that switches handvat 3 on starts with the national catalogue."""
    await catalogue.sync_national_into(session, tenant)


@hookimpl
async def on_domain_event(event: DomainEvent, session: Any) -> None:
    """Referrals to a regeling (from this module or another, e.g. a support plan in
    handvat 2) count towards its use."""
    if counts_as_referral(event):
        await usage.count_referral(session, event)


@hookimpl
async def reference_exists(kind: str, id: Any, session: Any) -> bool | None:
    """Other modules may name a regeling (e.g. handvat 2's support plan)."""
    if kind != REGELING_REFERENCE:
        return None
    return await catalogue.regeling_exists(session, id)
