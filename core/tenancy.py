"""The tenant context: which gemeente the current unit of work belongs to.

The gateway sets it per request after authentication; CLI commands and jobs set it
explicitly. Database sessions capture it when they are opened (see `core.db`), and
every tenant-scoped statement is filtered by it. Without a tenant a tenant-scoped
statement raises (fail closed). Platform jobs (the outbox worker, retention, the
operator's lists) declare themselves with `system_context()`, which is logged; they read
platform tables in it and reach tenant data tenant by tenant, each in its own tenant
context, exactly as PostgreSQL's row-level security allows.

Besides tenant data there are shared rows (`core.db.SharedModel`: the owning tenant
writes, every tenant reads what is published) and national reference data
(`core.db.NationalReferenceModel`: every tenant reads, only the system context writes).
Writing them where that is not allowed raises `NotOwner` or `ReferenceDataReadOnly`,
which are `Forbidden` domain errors: a caller can aim a write at another gemeente's
published row, and is then told so instead of meeting an internal error.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import structlog

from core.errors import Forbidden

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TenantContext:
    """Either one tenant (`tenant_id`) or the explicit system context (`system=True`)."""

    tenant_id: uuid.UUID | None = None
    system: bool = False
    reason: str = ""

    def __post_init__(self) -> None:
        if self.system == (self.tenant_id is not None):
            raise ValueError("a tenant context is either one tenant or the system context")


_current: ContextVar[TenantContext | None] = ContextVar("kansrijk_tenant_context", default=None)


class NoTenantContext(RuntimeError):
    """A tenant-scoped operation ran without a tenant context (fail closed)."""


class CrossTenantWrite(RuntimeError):
    """A row of another tenant was written under the current tenant context."""


class NotOwner(Forbidden, CrossTenantWrite):
    """A shared row (`SharedModel`) was written by a tenant that does not own it, or its
    owner was changed. Code `NOT_OWNER` (HTTP 403); `detail` says which model, for logs."""

    code = "NOT_OWNER"

    def __init__(self, detail: str = "", *, field: str | None = None) -> None:
        super().__init__("Dit is van een andere gemeente: alleen die gemeente kan het wijzigen.", field=field)
        self.detail = detail


class ReferenceDataReadOnly(Forbidden):
    """National reference data (`NationalReferenceModel`) was written outside the system
    context. Code `REFERENCE_DATA_READ_ONLY` (HTTP 403); `detail` says which model."""

    code = "REFERENCE_DATA_READ_ONLY"

    def __init__(self, detail: str = "", *, field: str | None = None) -> None:
        super().__init__(
            "Landelijke referentiegegevens zijn alleen te lezen; de platformbeheerder werkt ze bij.", field=field
        )
        self.detail = detail


def current_context() -> TenantContext | None:
    return _current.get()


def current_tenant_id() -> uuid.UUID:
    context = _current.get()
    if context is None or context.tenant_id is None:
        raise NoTenantContext("no tenant context is set")
    return context.tenant_id


@contextmanager
def tenant_context(tenant_id: uuid.UUID) -> Iterator[TenantContext]:
    token = _current.set(TenantContext(tenant_id=tenant_id))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


@contextmanager
def system_context(reason: str) -> Iterator[TenantContext]:
    """Run platform work outside any one tenant (migrations, seeding, the operator's lists)."""
    if not reason:
        raise ValueError("a system context needs a reason")
    log.info("system_context.enter", reason=reason)
    token = _current.set(TenantContext(system=True, reason=reason))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)
        log.info("system_context.exit", reason=reason)
