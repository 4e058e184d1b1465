"""What handvat 3 answers core and other modules, through the tenant and lifecycle hooks."""

from __future__ import annotations

from typing import Any

from core.plugin import ActivityFigure, DomainEvent, MemberKnowledge, OfferItem, TenantInfo, hookimpl, subscribes_to
from plugins.handvat3_toegang import MODULE_KEY
from plugins.handvat3_toegang.events import EVENT_REGELING_REFERRED, LINKED_SUFFIX, counts_as_referral
from plugins.handvat3_toegang.services import activity, catalogue, usage

#: The kind under which another module refers to a regeling of this module (by its id).
REGELING_REFERENCE = f"{MODULE_KEY}.regeling"


@hookimpl
async def module_enabled(tenant: TenantInfo, session: Any) -> None:
    """A gemeente that switches handvat 3 on starts with the national catalogue."""
    await catalogue.sync_national_into(session, tenant)


@hookimpl
@subscribes_to(EVENT_REGELING_REFERRED, f"*{LINKED_SUFFIX}")
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


@hookimpl
async def wijk_activity(tenant: TenantInfo, year: int, session: Any) -> list[ActivityFigure]:
    """The year's checks, matches and referrals to regelingen and the regelingen members
    know, for the whole gemeente (this module keeps no wijk), raw: the caller suppresses."""
    return await activity.wijk_activity(session, tenant, year)


@hookimpl
async def coalition_offer(session: Any) -> list[OfferItem]:
    """The regelingen the gemeente offers families now, for a startfoto."""
    return await activity.coalition_offer(session)


@hookimpl
async def member_knowledge(session: Any) -> list[MemberKnowledge]:
    """Bekendheid: how many of the gemeente's regelingen each member marked known, for the
    coalition's competence coverage (handvat 4's "kennis van regelingen")."""
    return await usage.member_knowledge(session)
