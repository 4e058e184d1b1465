"""The unit of work a service function runs in: one tenant, one session, one principal.

Services are plain async functions over a `Work`; the GraphQL layer, the CLI and the demo
seeder each build one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.access import PermissionRegistry, Principal
from core.db import TENANT_CONTEXT_KEY, begin_write
from core.events import EVENT_TYPES_KEY, commit_and_dispatch, dispatch_committed
from core.module_types import TenantInfo
from core.processing import STATUS_OK, ProcessingJournal, Trace, write_records

if TYPE_CHECKING:
    from core.config import Settings
    from core.runtime import ModuleRuntime, TenantHooks


@dataclass
class Work:
    session: Any
    tenant: TenantInfo
    principal: Principal
    hooks: TenantHooks
    runtime: ModuleRuntime
    settings: Settings
    registry: PermissionRegistry | None = None
    journal: ProcessingJournal = field(default_factory=lambda: ProcessingJournal(trace=Trace.from_header(None)))
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.session.info[EVENT_TYPES_KEY] = self.runtime.declared_event_types

    @property
    def actor(self) -> str:
        return self.principal.subject

    @property
    def enabled_modules(self) -> frozenset[str]:
        return self.hooks.enabled

    async def reference_exists(self, kind: str, id: Any) -> bool:
        """Whether an enabled module knows a `kind` (`<module key>.<thing>`) with this id in
        this tenant, asked through the `reference_exists` hook (no module import needed)."""
        answers = await self.hooks.call("reference_exists", kind=kind, id=id, session=self.session)
        return any(answer is True for answer in answers)

    async def module_config(self, key: str) -> Any:
        """The tenant's validated configuration of module `key` (its config model with
        defaults filled in), or None when the module has no configuration."""
        from core.services.modules import stored_config

        return await stored_config(self, key)

    @asynccontextmanager
    async def separate_transaction(self) -> AsyncIterator[Any]:
        """A short transaction of its own (same tenant), committed at the end: for writes
        that must not depend on the unit of work, such as aggregate counters of a query."""
        sibling = type(self.session)(bind=self.session.bind, expire_on_commit=False)
        sibling.info.update({key: value for key, value in self.session.info.items() if key == TENANT_CONTEXT_KEY})
        try:
            await begin_write(sibling)
            yield sibling
            await sibling.commit()
        finally:
            await sibling.close()

    async def commit(self) -> None:
        """Commit the unit of work (with its processing records), then deliver its events."""
        await write_records(self, status=STATUS_OK)
        await commit_and_dispatch(self.session, self.hooks)

    async def dispatch_events(self) -> None:
        """Deliver the events of the transaction that was just committed."""
        await dispatch_committed(self.session, self.hooks)
