"""The value objects that modules return from their hooks."""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

MODULE_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
PERMISSION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ModuleMeta:
    """What a module is. Returned by `module_meta`.

    `plugin_api` is a PEP 440 specifier of the plugin-API versions the module works
    with, e.g. ">=1.0"; prefer a lower bound only, so that a platform upgrade does not
    lock a module out needlessly.
    """

    key: str
    name: str
    description: str
    category: str = "handvat"
    plugin_api: str = ">=1.0"
    depends_on: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not MODULE_KEY_PATTERN.match(self.key):
            raise ValueError(f"module key {self.key!r} must be lowercase letters, digits and underscores")


@dataclass(frozen=True)
class Permission:
    """A permission string `module.resource.action` with the roles granted it by default."""

    name: str
    description: str
    default_roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not PERMISSION_PATTERN.match(self.name):
            raise ValueError(f"permission {self.name!r} must look like module.resource.action")


@dataclass(frozen=True)
class EventType:
    """A domain event type a module publishes, e.g. `handvat2_signaleren.referral.accepted`."""

    name: str
    description: str


class JobScope(enum.StrEnum):
    #: Once per tenant that enabled the module, in a unit of work of that tenant.
    TENANT = "tenant"
    #: Once for the whole platform, in a `PlatformWork` (system context): e.g. importing
    #: national reference data.
    PLATFORM = "platform"


@dataclass(frozen=True)
class ScheduledJob:
    """Work a module has done regularly, e.g. retention (per tenant) or an import of
    national figures (once for the platform).

    `run(work, now)` gets, for `scope=TENANT`, a unit of work of each tenant that enabled
    the module (as the system, with a coalition admin's permissions), and for
    `scope=PLATFORM` one `PlatformWork`; and the time to act as of (tests and `kansrijk
    jobs run --now` move it). It returns how many things it handled. The platform commits
    afterwards, one transaction per tenant (or one for the platform) and job. Name it
    `<module key>.<job>`. `permissions`: the module's own permissions a tenant job needs
    beyond a coalition admin's (e.g. to take a workflow step as the system)."""

    name: str
    description: str
    interval: int  # seconds between runs by the in-process worker
    run: Callable[[Any, dt.datetime], Awaitable[int]]
    permissions: tuple[str, ...] = ()
    #: The job handles what each server process holds in memory (e.g. counters): every
    #: server process runs it itself, instead of one worker for the whole platform.
    per_process: bool = False
    scope: JobScope = JobScope.TENANT


@dataclass(frozen=True)
class GraphQLContribution:
    """What a module adds to the one GraphQL schema.

    `query` and `mutation` are strawberry types whose fields are merged into the root
    Query and Mutation; `types` are extra types to include (e.g. interface implementations);
    `public_query` types make up the tenant's public schema.
    """

    query: tuple[type, ...] = ()
    mutation: tuple[type, ...] = ()
    types: tuple[type, ...] = ()
    #: Fields of the public (unauthenticated, rate-limited) schema of each tenant,
    #: `/t/{slug}/public/graphql`: only what anyone may see (declare them `public=True`).
    public_query: tuple[type, ...] = ()


@dataclass(frozen=True)
class TenantInfo:
    """The tenant (gemeente) a tenant-scoped hook is called for."""

    id: uuid.UUID
    code: str
    name: str
    slug: str


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened in a tenant. Published with `publish_event`; delivered to the
    `on_domain_event` hook of the tenant's enabled modules after the transaction commits."""

    type: str
    tenant_id: uuid.UUID
    payload: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
