"""The value objects that modules return from their hooks."""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MODULE_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
PERMISSION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ModuleMeta:
    """What a module is. Returned by `module_meta`.

    `plugin_api` is a PEP 440 specifier of the plugin-API versions the module works
    with, e.g. ">=1.0"; prefer a lower bound only, so that a platform upgrade does not
    lock a module out needlessly. `command`: a short name for the module's own commands
    (`kansrijk <command> ...`, e.g. "zicht"), besides the module key.
    """

    key: str
    name: str
    description: str
    category: str = "handvat"
    plugin_api: str = ">=1.0"
    depends_on: tuple[str, ...] = ()
    command: str | None = None

    def __post_init__(self) -> None:
        if not MODULE_KEY_PATTERN.match(self.key):
            raise ValueError(f"module key {self.key!r} must be lowercase letters, digits and underscores")
        if self.command is not None and not MODULE_KEY_PATTERN.match(self.command):
            raise ValueError(f"module command {self.command!r} must be lowercase letters, digits and underscores")


@dataclass(frozen=True)
class Permission:
    """A permission string `module.resource.action` with the roles granted it by default."""

    name: str
    description: str
    default_roles: tuple[str, ...] = ()
    #: False for a permission whose data is seen through the caller's own partner
    #: organisation (a family, a referral): an API client has none, so it cannot be given
    #: the permission as a scope (refused with `INVALID_SCOPE`, saying why) instead of
    #: getting empty answers.
    for_clients: bool = True

    def __post_init__(self) -> None:
        if not PERMISSION_PATTERN.match(self.name):
            raise ValueError(f"permission {self.name!r} must look like module.resource.action")


#: The types a payload field of an `EventType` may have (JSON Schema in brackets): `uuid`
#: (string, format uuid), `string` (a code or a name from code, never free text), `date`
#: (string, format date), `datetime` (string, format date-time, UTC), `integer`, `boolean`,
#: and a list of any of these, e.g. `string[]`.
PAYLOAD_FIELD_TYPES = ("uuid", "string", "date", "datetime", "integer", "boolean")


@dataclass(frozen=True)
class EventType:
    """A domain event type a module publishes, e.g. `handvat2_signaleren.referral.feedback`.

    `version` is the version of its payload schema: raise it when a field changes meaning or
    goes away (adding a field is no new version). `payload` documents the payload: field name
    -> `(type, description)`, the type one of `PAYLOAD_FIELD_TYPES` (or a list of one, e.g.
    `"uuid[]"`). Payloads hold ids and codes only, never personal details or free text;
    webhooks send exactly the declared fields. `data_subject`: the payload field whose id the
    processing log files a webhook delivery of the event under: the person's id where the
    payload has one (`family_id`), else the record about a person the event concerns (a
    referral); None when the event concerns no person (a regeling was referred to)."""

    name: str
    description: str
    version: int = 1
    payload: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    data_subject: str | None = None

    def __post_init__(self) -> None:
        if self.version < 1:
            raise ValueError(f"event type {self.name}: version must be 1 or more")
        for name, spec in self.payload.items():
            if not (isinstance(spec, tuple) and len(spec) == 2 and spec[0].removesuffix("[]") in PAYLOAD_FIELD_TYPES):
                raise ValueError(f"event type {self.name}: payload field {name!r} must be (type, description), type one of {PAYLOAD_FIELD_TYPES}")
        if self.data_subject is not None and self.data_subject not in self.payload:
            raise ValueError(f"event type {self.name}: data_subject {self.data_subject!r} is not a payload field")

    def json_schema(self) -> dict[str, Any]:
        """The payload (the `data` of a webhook) as a JSON Schema. Other properties are
        allowed: a field added later is no new version, and receivers ignore what they do not know."""
        formats = {"uuid": {"type": "string", "format": "uuid"}, "date": {"type": "string", "format": "date"},
                   "datetime": {"type": "string", "format": "date-time"}, "string": {"type": "string"},
                   "integer": {"type": "integer"}, "boolean": {"type": "boolean"}}  # fmt: skip
        properties: dict[str, Any] = {}
        for name, (kind, description) in self.payload.items():
            item = formats[kind.removesuffix("[]")]
            properties[name] = {"type": "array", "items": item} if kind.endswith("[]") else dict(item)
            properties[name]["description"] = description
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{self.name} v{self.version}",
            "type": "object",
            "properties": properties,
            "required": sorted(self.payload),
        }


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


# -- what modules tell each other about a coalition's work (tenant hooks) ------------------------


@dataclass(frozen=True)
class ActivityCell:
    """One count of a module's work in a wijk: `region_code` is a wijk code (WK…) of the
    gemeente, the gemeente code (GM…) for work that is not per wijk, or None when the wijk is
    not known. `subjects` is the number of distinct families (or people) behind `count`:
    small-cell suppression looks at it, so one family counted ten times is still one."""

    region_code: str | None
    count: int
    subjects: int


@dataclass(frozen=True)
class ActivityFigure:
    """A module's count of its own work per wijk in a year (`wijk_activity`), shown beside
    the CBS figures ("dienende monitoring"). Raw counts: whoever shows them suppresses small
    cells first (`disclose_table`). `per_births`: meaningful per 100 births of the wijk
    (e.g. signals), so a coalition sees where it signals too little. `permission`: the
    permission a reader needs to see this figure (None: the caller's own permission
    suffices). `total_subjects`: the distinct subjects over the whole gemeente (None: the sum
    of the cells' subjects, correct only when every subject is in one cell)."""

    key: str  # <module key>.<figure>
    name: str  # Dutch, for coalition members
    description: str
    cells: tuple[ActivityCell, ...]
    per_births: bool = False
    permission: str | None = None
    total_subjects: int | None = None


@dataclass(frozen=True)
class OfferItem:
    """Something the coalition offers families that a baseline (startfoto) lists, e.g. a
    regeling of the gemeente's catalogue (`coalition_offer`)."""

    kind: str  # <module key>.<thing>
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class MemberKnowledge:
    """What a module knows about a member's knowledge of one topic (`member_knowledge`):
    `known` of `total` things (e.g. 12 of the gemeente's 30 regelingen marked "I know this
    one and can explain it"), as of `since` (the latest moment it grew, or None).
    `topic` is a word the hook's docstring defines: `regelingen` today."""

    membership_id: uuid.UUID
    topic: str
    known: int
    total: int
    since: dt.datetime | None = None


@dataclass(frozen=True)
class PlanActionProposal:
    """An action another module adds to the coalition's plan van aanpak (`add_plan_action`),
    e.g. adopting a practice example. `reference` names the proposing module's thing
    (`<module key>.<thing>:<id>`) so the plan can link back; `partner_id` is the owning
    partner organisation and `goal_id` an existing goal of the plan, both optional."""

    title: str
    description: str
    reference: str | None = None
    partner_id: uuid.UUID | None = None
    goal_id: uuid.UUID | None = None
    deadline: dt.date | None = None


# -- files a module serves over HTTP (process hook) -------------------------------------------


@dataclass(frozen=True)
class DownloadFile:
    """What a download handler returns: the bytes, their media type and a file name."""

    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True)
class Download:
    """A file a module serves at `GET /t/{slug}/modules/{module key}/downloads/{name}` (a
    chart as PNG or SVG, a CSV export, a printable report, a calendar), for a caller with
    `permission` in a tenant that enabled the module. `handler(context, parameters)` gets
    the request context (as a resolver's `info.context`) and the query parameters, and
    returns a `DownloadFile`; a `DomainError` it raises is answered as problem+json.
    `feed=True`: the file may also be fetched with a member's personal feed link (calendar
    apps cannot send a token), with that member's current permissions."""

    name: str
    permission: str
    description: str
    handler: Callable[[Any, Mapping[str, str]], Awaitable[DownloadFile]]
    feed: bool = False
