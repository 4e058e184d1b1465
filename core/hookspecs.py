"""The hooks a module can implement. One function each, typed; the docstring says when it
is called and what to return, and the `@spec` decorator says, in the spec itself:

* its **scope**: `PROCESS` (called once at start-up for every installed module), `TENANT`
  (called only for the modules enabled for the tenant concerned), or `LIFECYCLE` (called
  only on the module whose activation changes);
* its **dispatch**: `COLLECT` (every implementation is called in order, errors propagate,
  the answers are collected), `FIRST` (implementations are asked in order until one
  answers something other than None), or `NOTIFY` (each implementation is called on its
  own; one failing does not affect the others).

The runtime reads both from here (`HOOKS`); callers use the typed facade
(`work.hooks.workflow_guard(...)`), never a hook name in a string.

Argument names are the same everywhere: `tenant` (a `TenantInfo`), `session` (the async
database session of the current unit of work, already bound to that tenant), `config`
(the module's validated configuration for the tenant, or None), `actor` (who acts: an
e-mail address or a client id, None for the system), `work` (the unit of work). An
implementation takes any subset of a hook's arguments, by name, and may be `async def`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

if TYPE_CHECKING:
    from pydantic import BaseModel
    from sqlalchemy.ext.asyncio import AsyncSession
    from typer import Typer

    from core.module_types import (
        ActivityFigure,
        DomainEvent,
        Download,
        EventType,
        GraphQLContribution,
        MemberKnowledge,
        ModuleMeta,
        OfferItem,
        Permission,
        PlanActionProposal,
        ScheduledJob,
        TenantInfo,
    )
    from core.processing import ProcessingActivity
    from core.step_links import LinkedSteps
    from core.work import PlatformWork, Work
    from core.workflows import Transition, WorkflowDefinition, WorkflowSubject

PROJECT_NAME = "kansrijkestart"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
_pluggy_spec = pluggy.HookspecMarker(PROJECT_NAME)

#: The attribute `subscribes_to` puts on an `on_domain_event` implementation.
SUBSCRIBED_EVENT_TYPES = f"{PROJECT_NAME}_event_types"

_Function = TypeVar("_Function", bound=Callable[..., Any])


def subscribes_to(*event_types: str) -> Callable[[_Function], _Function]:
    """Declare the event types an `on_domain_event` implementation takes: names, or
    shell-style patterns such as `*.regeling_linked`. It is not called for other types,
    and an event that no module enabled for the tenant takes is settled in the transaction
    that published it (no delivery transaction afterwards). Without it an implementation
    takes every event (plugin API 1.5)."""
    if not event_types or not all(isinstance(name, str) and name for name in event_types):
        raise ValueError("subscribes_to needs one or more event types (names or patterns)")

    def mark(function: _Function) -> _Function:
        setattr(function, SUBSCRIBED_EVENT_TYPES, tuple(event_types))
        return function

    return mark


class Scope(enum.StrEnum):
    PROCESS = "process"
    TENANT = "tenant"
    LIFECYCLE = "lifecycle"


class Dispatch(enum.StrEnum):
    COLLECT = "collect"
    FIRST = "first"
    NOTIFY = "notify"


@dataclass(frozen=True)
class HookSpec:
    name: str
    scope: Scope
    dispatch: Dispatch
    arguments: tuple[str, ...]


#: Every hook by name, with its scope, dispatch and argument names.
HOOKS: dict[str, HookSpec] = {}

F = TypeVar("F", bound=Callable[..., Any])


def spec(scope: Scope, dispatch: Dispatch = Dispatch.COLLECT) -> Callable[[F], F]:
    """Declare a hook: a pluggy hookspec plus its scope and dispatch."""

    def declare(function: F) -> F:
        arguments = tuple(function.__code__.co_varnames[: function.__code__.co_argcount])
        HOOKS[function.__name__] = HookSpec(function.__name__, scope, dispatch, arguments)
        return _pluggy_spec(firstresult=dispatch is Dispatch.FIRST)(function)

    return declare


# -- process: called once at start-up -------------------------------------------------------


@spec(Scope.PROCESS)
def module_meta() -> ModuleMeta:
    """Return a `ModuleMeta`: key (equal to the entry-point name), name, description,
    category, the plugin-API versions it supports and the keys of the modules it depends on."""


@spec(Scope.PROCESS)
def register_models() -> list[type]:
    """Return the module's SQLModel table classes (each a `TenantScopedModel`, `SharedModel`
    or `NationalReferenceModel`, isolated without further code). The platform checks the
    module's migrations against exactly these models."""


@spec(Scope.PROCESS)
def register_migrations() -> str | Path:
    """Return the path of the module's Alembic versions directory. Its revisions form one
    branch labelled with the module key that depends on a core revision (e.g.
    `depends_on = "core_0001"` on its first revision)."""


@spec(Scope.PROCESS)
def register_graphql() -> GraphQLContribution:
    """Return a `GraphQLContribution`: strawberry types whose fields are merged into Query
    and Mutation, plus extra types. Every field declares its permission
    (`field(permission=...)`, `mutation(permission=...)`); the platform answers
    `MODULE_NOT_ENABLED` for tenants that have not enabled the module and runs each mutation
    in its own transaction."""


@spec(Scope.PROCESS)
def register_permissions() -> list[Permission]:
    """Return the module's `Permission`s (`module.resource.action` with the roles granted
    them by default)."""


@spec(Scope.PROCESS)
def register_workflows() -> list[WorkflowDefinition]:
    """Return the module's `WorkflowDefinition`s: states, the allowed transitions (a
    whitelist) and the permission each one needs."""


@spec(Scope.PROCESS)
def register_event_types() -> list[EventType]:
    """Return the `EventType`s the module publishes. Publishing an undeclared type is an error."""


@spec(Scope.PROCESS)
def register_processing_activities() -> list[ProcessingActivity]:
    """Return the `ProcessingActivity`s of personal data the module does (key
    `<module key>.<activity>`, purpose, legal basis, data categories, retention). Each
    tenant's register of processing activities is filled from these; `record_processing`
    only accepts declared keys."""


@spec(Scope.PROCESS)
def register_scheduled_jobs() -> list[ScheduledJob]:
    """Return the module's `ScheduledJob`s (named `<module key>.<job>`): work run regularly,
    per tenant that enabled the module (`scope="tenant"`) or once for the platform
    (`scope="platform"`), by the job engine and by `kansrijk jobs run`."""


@spec(Scope.PROCESS)
def register_cli_commands() -> Typer | None:
    """Return a `typer.Typer` whose commands become `kansrijk <module key> <command>`. A
    command runs its work with `run_command` (in one tenant, or for the platform)."""


@spec(Scope.PROCESS)
def register_downloads() -> list[Download]:
    """Return the module's `Download`s: files served at
    `GET /t/{slug}/modules/{module key}/downloads/{name}` (charts, CSV exports, reports,
    calendars), each behind one of the module's own permissions, only in tenants that
    enabled the module."""


@spec(Scope.PROCESS)
def register_step_links() -> list[LinkedSteps]:
    """Return the steps of your workflows that someone without an account may take through
    an expiring, single-use, signed link (`LinkedSteps`, core.step_links): a member with
    its `send_permission` mails a link for one subject to an address (`sendStepLink`)."""


@spec(Scope.PROCESS)
def seed_platform_demo_data(work: PlatformWork) -> None:
    """Called once by `kansrijk serve --demo`, for every installed module, before the demo
    tenants are seeded: write the module's national reference data of the demo (handvat 1
    imports its extract of CBS figures) in the platform's unit of work, which the platform
    commits. Must be idempotent."""


@spec(Scope.PROCESS)
def module_config_model() -> type[BaseModel] | None:
    """Return a pydantic model class for the module's per-tenant configuration (every field
    with a default), or None. The configuration a coalition admin gives is validated with it."""


# -- lifecycle: called on the module whose activation changes ---------------------------------


@spec(Scope.LIFECYCLE)
def module_enabled(tenant: TenantInfo, session: AsyncSession, config: Any, actor: str | None) -> None:
    """Called when a tenant enables this module (once per change, inside the enabling
    transaction: raise to refuse it)."""


@spec(Scope.LIFECYCLE)
def module_disabled(tenant: TenantInfo, session: AsyncSession, actor: str | None) -> None:
    """Called when a tenant disables this module (once per change, inside the disabling
    transaction). The module's data stays."""


# -- tenant: called for the modules enabled for the tenant ----------------------------------


@spec(Scope.TENANT, Dispatch.NOTIFY)
def on_domain_event(event: DomainEvent, session: AsyncSession) -> None:
    """Called after the transaction that published `event` committed, in a transaction of
    its own per subscriber, for the subscribers that take its type (`subscribes_to`; every
    type without it). A subscriber that raises is retried with backoff (its delivery is
    recorded) and does not affect other subscribers."""


@spec(Scope.TENANT)
def workflow_guard(
    workflow: WorkflowDefinition, transition: Transition, subject: WorkflowSubject, session: AsyncSession, actor: str | None
) -> str | None:
    """Called before a workflow transition is carried out. Return None to allow it, or a
    message (Dutch, for the user) to refuse it; the first refusal is shown."""


@spec(Scope.TENANT)
def workflow_transitioned(
    workflow: WorkflowDefinition, transition: Transition, subject: WorkflowSubject, session: AsyncSession, actor: str | None
) -> None:
    """Called right after a workflow transition, inside its transaction (the history row
    is written; raising undoes everything)."""


@spec(Scope.TENANT, Dispatch.FIRST)
def reference_exists(kind: str, id: Any, session: AsyncSession) -> bool | None:
    """Whether a thing of yours exists, for another module that refers to it by id without
    importing you (e.g. a support plan naming a regeling). `kind` is `<module key>.<thing>`.
    Return True or False for your own kinds and None for any other kind: the first answer
    that is not None counts; nobody answering means the reference is unknown."""


@spec(Scope.TENANT, Dispatch.FIRST)
def consent_to_share(kind: str, id: Any, partner_id: uuid.UUID, session: AsyncSession) -> bool | None:
    """Whether the data subject `id` of your `kind` (`<module key>.<thing>`, e.g. a family of
    handvat 2) has a consent, valid today, to share with the partner organisation
    `partner_id` of this gemeente. Return True or False for your own kinds and None for any
    other kind; nobody answering means there is no such consent."""


@spec(Scope.TENANT)
def seed_demo_data(tenant: TenantInfo, session: AsyncSession, work: Work) -> None:
    """Called by `kansrijk serve --demo` for each demo tenant that enabled the module, after
    the core demo data (partners, members, wijken) exists. Must be idempotent."""


@spec(Scope.TENANT)
def wijk_activity(tenant: TenantInfo, year: int, session: AsyncSession) -> list[ActivityFigure]:
    """Counts of your module's work in the gemeente `tenant` in `year` (calendar year, UTC), per
    wijk, for a view beside the CBS figures (e.g. signals per wijk). Count in the database
    (`GROUP BY`), one or a few statements whatever the number of wijken; return raw counts
    with the number of distinct families behind each: the caller suppresses small cells with
    core's `disclose_table` before anyone sees them. Return [] when you have nothing to count."""


@spec(Scope.TENANT)
def coalition_offer(session: AsyncSession) -> list[OfferItem]:
    """What the coalition offers families that your module keeps (e.g. the regelingen of the
    gemeente's catalogue), for a baseline (startfoto) to list as it is on that date."""


@spec(Scope.TENANT)
def member_knowledge(session: AsyncSession) -> list[MemberKnowledge]:
    """What your module knows of the members' knowledge, per member and topic, for the
    coalition's competence coverage (handvat 4): e.g. how many of the gemeente's regelingen
    a member marked as known (topic `regelingen`). Answer only for active members you have
    a record of; the caller decides what counts as enough. Count in SQL, one statement or a
    few, whatever the number of members."""


@spec(Scope.TENANT, Dispatch.FIRST)
def add_plan_action(proposal: PlanActionProposal, session: AsyncSession, actor: str | None) -> uuid.UUID | None:
    """Add an action to the coalition's plan van aanpak on another module's behalf (e.g. a
    practice example the coalition adopts). The module that keeps the plan answers the new
    action's id (raising a `DomainError` for a proposal it refuses); every other module
    answers None. Nobody answering means no plan module is enabled."""
