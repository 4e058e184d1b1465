"""What handvat 1 answers other modules through the tenant hooks: it keeps the coalition's
plan van aanpak, so it takes the actions they propose (`add_plan_action`)."""

from __future__ import annotations

import uuid
from typing import Any

from core.plugin import PlanActionProposal, hookimpl
from plugins.handvat1_zicht.services import plan


@hookimpl
async def add_plan_action(proposal: PlanActionProposal, session: Any, actor: str | None) -> uuid.UUID | None:
    """Add the proposed action to the plan (handvat 4 adopting a practice example, say) and
    answer its id; a proposal it refuses raises (see `plan.add_proposed_action`). Called
    only where handvat 1 is enabled, in the caller's transaction; the calling module
    decides who may propose."""
    return await plan.add_proposed_action(session, proposal, actor)
