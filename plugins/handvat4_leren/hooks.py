"""What handvat 4 answers through the lifecycle hooks: a gemeente that switches it on starts
with the national competence framework."""

from __future__ import annotations

from typing import Any

from core.plugin import TenantInfo, hookimpl
from plugins.handvat4_leren.services import competences


@hookimpl
async def module_enabled(tenant: TenantInfo, session: Any) -> None:
    """The national default framework, for the coalition to adapt."""
    await competences.ensure_framework(session, tenant.id)
