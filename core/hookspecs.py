"""The hooks a module can implement. One function each; the docstring says when it is
called and what to return. Argument names are the same everywhere:

* `tenant`: a `TenantInfo` (id, code, name, slug) of the gemeente concerned;
* `session`: the async database session of the current unit of work, already bound to
  that tenant (every tenant-scoped statement is filtered by it);
* `config`: the module's validated configuration for the tenant (an instance of the
  model from `module_config_model`, or None when it has none);
* `actor`: who acts (an e-mail address or a client id), or None for the system.

Any hook implementation may be `async def`; the platform awaits it.

Process-scoped hooks (`module_meta`, `register_*`, `module_config_model`) are called once
at start-up for every installed module. Tenant-scoped hooks (`on_domain_event`,
`workflow_guard`, `workflow_transitioned`, `reference_exists`, `seed_demo_data`) are called only for the
modules enabled for that tenant. `module_enabled` and `module_disabled` are called only
on the module whose activation changes.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT_NAME = "kansrijkestart"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def module_meta() -> Any:
    """Called once when the module is loaded. Return a `ModuleMeta`: key (equal to the
    entry-point name), name, description, category, the plugin-API versions it supports
    and the keys of the modules it depends on."""


@hookspec
def register_models() -> Any:
    """Called once at start-up. Return the list of the module's SQLModel table classes.
    Tenant-scoped ones subclass `TenantScopedModel` and get tenant isolation without
    further code. The platform checks its migrations against exactly these models."""


@hookspec
def register_migrations() -> Any:
    """Called once at start-up. Return the path of the module's Alembic versions directory.
    Its revisions form one branch whose label is the module key and which depends on a core
    revision (e.g. `depends_on = "core_0001"` on its first revision)."""


@hookspec
def register_graphql() -> Any:
    """Called once when the schema is built. Return a `GraphQLContribution`: strawberry
    types whose fields are merged into Query and Mutation, plus extra types. Every field
    must declare its permission (`field(permission=...)`, `mutation(permission=...)`);
    the platform answers `MODULE_NOT_ENABLED` for tenants that have not enabled the module
    and runs each mutation in its own transaction."""


@hookspec
def register_permissions() -> Any:
    """Called once at start-up. Return a list of `Permission` (`module.resource.action`
    strings with the roles granted them by default)."""


@hookspec
def register_workflows() -> Any:
    """Called once at start-up. Return a list of `WorkflowDefinition`: states, the allowed
    transitions (a whitelist) and the permission each one needs."""


@hookspec
def register_event_types() -> Any:
    """Called once at start-up. Return a list of `EventType`: the domain events the module
    publishes. Publishing an undeclared type is an error."""


@hookspec
def register_processing_activities() -> Any:
    """Called once at start-up. Return a list of `ProcessingActivity`: the processing of
    personal data the module does (key `<module key>.<activity>`, name, purpose, legal
    basis, data categories, retention). Each tenant's register of processing activities is
    filled from these; `record_processing` only accepts declared keys."""


@hookspec
def register_scheduled_jobs() -> Any:
    """Called once at start-up. Return a list of `ScheduledJob` (named `<module key>.<job>`):
    work run regularly in every tenant that enabled the module, by the in-process worker
    and by `kansrijk jobs run` (for cron)."""


@hookspec
def module_config_model() -> Any:
    """Called once at start-up. Return a pydantic model class for the module's per-tenant
    configuration (all fields with defaults), or None when it has no configuration. The
    configuration a coalition admin gives when enabling the module is validated with it."""


@hookspec
def module_enabled(tenant: Any, session: Any, config: Any, actor: Any) -> None:
    """Called when a tenant enables this module (once per change, inside the enabling
    transaction: raise to refuse it). Return nothing."""


@hookspec
def module_disabled(tenant: Any, session: Any, actor: Any) -> None:
    """Called when a tenant disables this module (once per change, inside the disabling
    transaction). The module's data stays. Return nothing."""


@hookspec
def on_domain_event(event: Any, session: Any) -> None:
    """Called after the transaction that published `event` (a `DomainEvent`) committed,
    for each module enabled for the event's tenant. Runs in its own transaction; an error
    is logged and does not affect other subscribers. Return nothing."""


@hookspec
def workflow_guard(workflow: Any, transition: Any, subject: Any, session: Any, actor: Any) -> Any:
    """Called before a workflow transition of an enabled module's tenant is carried out.
    Return None to allow it, or a message (Dutch, for the user) to refuse it."""


@hookspec
def workflow_transitioned(workflow: Any, transition: Any, subject: Any, session: Any, actor: Any) -> None:
    """Called right after a workflow transition, inside its transaction (the history row
    is written; raising undoes everything). Return nothing."""


@hookspec
def reference_exists(kind: str, id: Any, session: Any) -> Any:
    """Called when another module wants to refer to something of yours by id without
    importing you (e.g. a support plan naming a regeling). `kind` is `<module key>.<thing>`.
    Return True or False for your own kinds, and None for any other kind. Only modules
    enabled for the tenant are asked; nobody answering means the reference is unknown."""


@hookspec
def seed_demo_data(tenant: Any, session: Any) -> None:
    """Called by `kansrijk serve --demo` for each demo tenant that enabled the module, after
    the core demo data (partners, members, wijken) exists. Must be idempotent: running the
    demo twice does not duplicate data. Return nothing."""
