"""The unit of work a service function runs in: one tenant, one session, one principal.

Services are plain async functions over a `Work`; the GraphQL layer, the CLI and the demo
seeder each build one.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import exc as sa_exc

from core.access import PermissionRegistry, Principal
from core.db import TENANT_CONTEXT_KEY, begin_write, sqlstate
from core.events import EVENT_TYPES_KEY, dispatch_committed, rollback, settle_unsubscribed
from core.module_types import TenantInfo
from core.processing import STATUS_ERROR, STATUS_OK, ProcessingJournal, Trace, write_records

log = structlog.get_logger(__name__)

if TYPE_CHECKING:
    from core.config import Settings
    from core.directory import MemberInfo
    from core.runtime import ModuleRuntime, TenantHooks


#: PostgreSQL's "current transaction is aborted": a statement of it failed.
IN_FAILED_TRANSACTION = "25P02"


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
    #: Told the tenant's id after records were committed, so they are sealed soon.
    on_records_committed: Callable[[uuid.UUID], None] | None = None
    #: The caller's person, for a question over all their gemeenten
    #: (core.member_gemeenten.in_member_gemeenten); None for API clients and the system.
    member_gemeenten: Any = None
    #: What may happen only once the unit of work committed (a mail with a link in it): run
    #: after the commit, dropped when the unit of work rolls back or runs again.
    committed_actions: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.session.info[EVENT_TYPES_KEY] = self.runtime.declared_event_types

    @property
    def actor(self) -> str:
        return self.principal.subject

    def acting_as(self, member: MemberInfo | None, permissions: Iterable[str], *, partner_id: uuid.UUID | None = None) -> Work:
        """This unit of work (the same session, tenant and journal) acting as a member of the
        gemeente: their membership, organisation (`partner_id` overrides it) and roles, holding
        exactly `permissions`. For demo data and jobs that take a step as that member would;
        the actor stays whoever runs it."""
        principal = Principal(
            subject=self.actor,
            membership_id=member.id if member else None,
            partner_id=partner_id if partner_id is not None else (member.partner_id if member else None),
            roles=frozenset(member.roles) if member else frozenset(),
            permissions=frozenset(permissions),
        )
        return dataclasses.replace(self, principal=principal)

    @property
    def enabled_modules(self) -> frozenset[str]:
        return self.hooks.enabled

    async def reference_exists(self, kind: str, id: Any) -> bool:
        """Whether an enabled module knows a `kind` (`<module key>.<thing>`) with this id in
        this tenant, asked through the `reference_exists` hook (no module import needed)."""
        return await self.hooks.reference_exists(kind=kind, id=id, session=self.session) is True

    async def consent_to_share(self, kind: str, id: Any, partner_id: uuid.UUID) -> bool:
        """Whether the module that owns `kind` says its subject `id` has a consent, valid
        today, to share with partner organisation `partner_id` (the `consent_to_share`
        hook); False when that module is off or has no such consent."""
        return await self.hooks.consent_to_share(kind=kind, id=id, partner_id=partner_id, session=self.session)

    async def module_config(self, key: str) -> Any:
        """The tenant's validated configuration of module `key` (its config model with
        defaults filled in), or None when the module has no configuration."""
        from core.services.modules import stored_config

        return await stored_config(self, key)

    async def configure_module(self, key: str, changes: dict[str, Any]) -> None:
        """Merge `changes` into the tenant's configuration of module `key` (validated; needs
        `core.module.manage`): for a module's demo data that points its settings at the demo
        coalition's organisations."""
        from core.services.modules import configure_module

        self.principal.require("core.module.manage")
        await configure_module(self, key, changes)

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
        await self.save()
        await self.dispatch_events()

    async def save(self) -> None:
        """Commit the unit of work with its processing records (status `ok`); its events are
        delivered by `dispatch_events`."""
        await settle_unsubscribed(self.session, self.hooks)
        written = await write_records(self, status=STATUS_OK)
        await self.session.commit()
        self.journal.clear()
        if written and self.on_records_committed is not None:
            self.on_records_committed(self.tenant.id)

    async def save_reads(self) -> None:
        """Commit the records of what a query read (it wrote nothing else). On PostgreSQL in
        the read's own transaction: one transaction less per read. On SQLite, and when a
        statement failed in the read's transaction, in a new write transaction."""
        session = self.session
        if session.bind.dialect.name == "postgresql" and session.in_transaction():
            try:
                await self.save()
                return
            except sa_exc.PendingRollbackError:
                pass
            except sa_exc.DBAPIError as error:
                if sqlstate(error) != IN_FAILED_TRANSACTION:
                    raise
        await begin_write(session)  # ends the read's transaction first
        await self.save()

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` once this unit of work has committed (not if it rolls back, and once
        only if it runs again): for what cannot be taken back, such as sending a mail."""
        self.committed_actions.append(action)

    async def forget_attempt(self) -> None:
        """Roll back an attempt that is about to run again: its records and events go."""
        await rollback(self.session)
        self.journal.clear()
        self.committed_actions.clear()

    async def save_failure(self) -> None:
        """Roll the unit of work back, then log what it processed with status `error` in a
        transaction of its own. A database that fails that too is logged, not raised: the
        caller's error is the one to report."""
        await rollback(self.session)
        self.committed_actions.clear()
        if not self.journal.pending:
            return
        try:
            await begin_write(self.session)
            written = await write_records(self, status=STATUS_ERROR)
            await self.session.commit()
        except Exception:
            log.exception("processing.error_records_not_written", records=len(self.journal.pending))
            await rollback(self.session)
            return
        finally:
            self.journal.clear()
        if written and self.on_records_committed is not None:
            self.on_records_committed(self.tenant.id)

    async def dispatch_events(self) -> None:
        """Deliver the events of the transaction that was just committed, then run what was
        to happen after the commit (`after_commit`); one that fails is logged, not raised:
        what it follows is committed."""
        await dispatch_committed(self.session, self.hooks)
        actions, self.committed_actions[:] = list(self.committed_actions), []
        for action in actions:
            try:
                await action()
            except Exception:
                log.exception("work.after_commit_failed", action=getattr(action, "__qualname__", repr(action)))


@dataclass
class PlatformWork:
    """The unit of work of a platform-scoped job or a module's command run without a
    tenant: one session in the system context. National reference data is written here.
    Tenant-scoped and shared tables are out of reach (their statements fail closed); the
    platform's own tables are not, so a module reads and writes only its reference data."""

    session: Any
    runtime: ModuleRuntime
    settings: Settings
    actor: str

    async def commit(self) -> None:
        await self.session.commit()
