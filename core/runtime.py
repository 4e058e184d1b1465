"""The module runtime: one pluggy PluginManager per app instance.

Every installed module (entry-point group `kansrijkestart.modules`) is loaded at start-up
into the manager. Process-scoped contributions (models, migrations, GraphQL, permissions,
workflows, event types, config models) are collected once. Tenant-scoped hooks are
dispatched only to the modules a tenant has enabled (core is always on), through a caller
built once per set of enabled modules and cached.
"""

from __future__ import annotations

import fnmatch
import inspect
import re
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy
import structlog
import typer
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from pydantic import BaseModel

from core import hookspecs
from core.hookspecs import Dispatch
from core.access import ROLES
from core.graphql.fields import non_public_fields, undeclared_root_fields
from core.module_types import ActivityFigure, Download, EventType, GraphQLContribution, MemberKnowledge, OfferItem, PlanActionProposal, JobScope, ModuleMeta, Permission, ScheduledJob, TenantInfo

if TYPE_CHECKING:
    from core.workflows import Transition, WorkflowDefinition, WorkflowSubject

log = structlog.get_logger(__name__)

PLUGIN_API_VERSION = "1.8"
ENTRY_POINT_GROUP = "kansrijkestart.modules"
CORE_PLUGIN_NAME = "core"
DOWNLOAD_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,62}")


class ModuleLoadError(RuntimeError):
    """A module could not be loaded (raised in strict mode, logged otherwise)."""


@dataclass
class Contributions:
    """What one plugin (core or a module) contributes, collected once at load."""

    config_model: type[BaseModel] | None = None
    migrations_dir: Path | None = None
    models: list[type] = field(default_factory=list)
    graphql: GraphQLContribution | None = None
    permissions: list[Permission] = field(default_factory=list)
    workflows: list[Any] = field(default_factory=list)
    event_types: list[EventType] = field(default_factory=list)
    processing_activities: list[Any] = field(default_factory=list)
    scheduled_jobs: list[ScheduledJob] = field(default_factory=list)
    cli_commands: typer.Typer | None = None
    downloads: list[Download] = field(default_factory=list)
    step_links: list[Any] = field(default_factory=list)


@dataclass
class LoadedModule:
    key: str
    meta: ModuleMeta
    plugin: Any
    version: str
    contributions: Contributions = field(default_factory=Contributions)

    @property
    def config_model(self) -> type[BaseModel] | None:
        return self.contributions.config_model

    @property
    def migrations_dir(self) -> Path | None:
        return self.contributions.migrations_dir


@dataclass(frozen=True)
class ModuleSource:
    """A module to load: an entry point, or an object given directly (tests)."""

    key: str
    load: Any  # callable returning the plugin object
    version: str


async def resolve(value: Any) -> Any:
    """Await a hook result if it is awaitable (hook implementations may be async)."""
    if inspect.isawaitable(value):
        return await value
    return value


def _bound(impl: Any) -> Callable[..., Awaitable[Any]]:
    """A hook implementation as an async callable taking the hook's arguments by name."""

    async def call(**kwargs: Any) -> Any:
        return await resolve(impl.function(**{arg: kwargs[arg] for arg in impl.argnames}))

    return call


def takes_event(subscriber: Any, event_type: str) -> bool:
    """Whether an `on_domain_event` implementation takes events of this type: every type,
    unless it declared its types with `subscribes_to`."""
    declared = getattr(subscriber, hookspecs.SUBSCRIBED_EVENT_TYPES, None)
    return declared is None or any(fnmatch.fnmatchcase(event_type, pattern) for pattern in declared)


class TenantHooks:
    """The typed facade over the hooks of core and the modules enabled for one tenant (or,
    for lifecycle hooks, of one module). Each method is named after its hook and takes its
    arguments; how the implementations are called (collect, first answer, notify) is read
    from the spec (`core.hookspecs.HOOKS`)."""

    def __init__(self, manager: pluggy.PluginManager, enabled: frozenset[str], removed: list[Any]) -> None:
        self.enabled = enabled
        self._manager = manager
        self._removed = removed
        self._callers: dict[str, pluggy.HookCaller] = {}

    def _caller(self, name: str) -> pluggy.HookCaller:
        hook_caller = self._callers.get(name)
        if hook_caller is None:
            hook_caller = self._manager.subset_hook_caller(name, remove_plugins=self._removed)
            self._callers[name] = hook_caller
        return hook_caller

    def implementations(self, name: str) -> list[tuple[str, Callable[..., Awaitable[Any]]]]:
        """(module key, async callable taking the hook's arguments by name) per enabled
        implementation, in call order: for callers that handle each on its own (the event
        delivery gives every subscriber a transaction and a retry state of its own)."""
        return [(impl.plugin_name, _bound(impl)) for impl in reversed(self._caller(name).get_hookimpls())]

    async def _dispatch(self, name: str, *, only: str | None = None, **kwargs: Any) -> Any:
        """Call the implementations as the spec says (collect, or first answer). Notify hooks
        are delivered per subscriber by their caller (`domain_event_subscribers`)."""
        dispatch = hookspecs.HOOKS[name].dispatch
        if dispatch is Dispatch.NOTIFY:
            raise TypeError(f"{name} is delivered to each subscriber on its own: use its subscribers")
        answers = []
        for plugin_name, call in self.implementations(name):
            if only is not None and plugin_name != only:
                continue
            answer = await call(**kwargs)
            if dispatch is Dispatch.FIRST and answer is not None:
                return answer
            answers.append(answer)
        return None if dispatch is Dispatch.FIRST else answers

    # -- tenant hooks ---------------------------------------------------------------------

    async def workflow_guard(
        self, workflow: WorkflowDefinition, transition: Transition, subject: WorkflowSubject, session: Any, actor: str | None
    ) -> list[str]:
        """The refusals of the guards (empty: allowed)."""
        answers = await self._dispatch("workflow_guard", workflow=workflow, transition=transition, subject=subject, session=session, actor=actor)
        return [str(answer) for answer in answers if answer]

    async def workflow_transitioned(
        self, workflow: WorkflowDefinition, transition: Transition, subject: WorkflowSubject, session: Any, actor: str | None
    ) -> None:
        await self._dispatch("workflow_transitioned", workflow=workflow, transition=transition, subject=subject, session=session, actor=actor)

    async def reference_exists(self, kind: str, id: Any, session: Any) -> bool | None:
        """The answer of the module that owns `kind` (`<module key>.<thing>`), or None when
        that module is not enabled here or does not know the kind. Only the owner is asked:
        no other module can answer for its things."""
        owner = kind.split(".", 1)[0]
        answer = await self._dispatch("reference_exists", only=owner, kind=kind, id=id, session=session)
        return None if answer is None else bool(answer)

    async def consent_to_share(self, kind: str, id: Any, partner_id: uuid.UUID, session: Any) -> bool:
        """Whether the module that owns `kind` says its subject `id` consents, today, to
        sharing with partner organisation `partner_id`; False when it is not enabled here
        or does not know the kind. Only the owner is asked."""
        owner = kind.split(".", 1)[0]
        answer = await self._dispatch("consent_to_share", only=owner, kind=kind, id=id, partner_id=partner_id, session=session)
        return answer is True

    async def wijk_activity(self, tenant: TenantInfo, year: int, session: Any) -> list[ActivityFigure]:
        """Every enabled module's counts of its work per wijk in `year` (raw: suppress
        before showing)."""
        answers = await self._dispatch("wijk_activity", tenant=tenant, year=year, session=session)
        return [figure for answer in answers for figure in answer or ()]

    async def coalition_offer(self, session: Any) -> list[OfferItem]:
        """What the enabled modules say the coalition offers families."""
        answers = await self._dispatch("coalition_offer", session=session)
        return [item for answer in answers for item in answer or ()]

    async def member_knowledge(self, session: Any) -> list[MemberKnowledge]:
        """What the enabled modules know of the members' knowledge (raw, per member and topic)."""
        answers = await self._dispatch("member_knowledge", session=session)
        return [item for answer in answers for item in answer or ()]

    async def add_plan_action(self, proposal: PlanActionProposal, session: Any, actor: str | None) -> uuid.UUID | None:
        """The id of the action the plan's module added, or None when no module keeps a plan here."""
        return await self._dispatch("add_plan_action", proposal=proposal, session=session, actor=actor)

    async def seed_demo_data(self, tenant: TenantInfo, session: Any, work: Any) -> None:
        await self._dispatch("seed_demo_data", tenant=tenant, session=session, work=work)

    def domain_event_subscribers(self, event_type: str | None = None) -> list[tuple[str, Callable[..., Awaitable[Any]]]]:
        """(module key, callable) of every enabled `on_domain_event` implementation (that
        takes `event_type`, when given: see `subscribes_to`): the `on_domain_event` hook
        (dispatch notify) is delivered to each subscriber in a transaction of its own, with
        its own retries (core.events)."""
        return [
            (impl.plugin_name, _bound(impl))
            for impl in reversed(self._caller("on_domain_event").get_hookimpls())
            if event_type is None or takes_event(impl.function, event_type)
        ]

    def domain_event_subscriber(self, module_key: str) -> Callable[..., Awaitable[Any]] | None:
        """One module's `on_domain_event`, or None when it is not enabled here or has none."""
        return next((call for key, call in self.domain_event_subscribers() if key == module_key), None)

    # -- lifecycle hooks (on `ModuleRuntime.module_hooks(key)`) ------------------------------

    async def module_enabled(self, tenant: TenantInfo, session: Any, config: Any, actor: str | None) -> None:
        await self._dispatch("module_enabled", tenant=tenant, session=session, config=config, actor=actor)

    async def module_disabled(self, tenant: TenantInfo, session: Any, actor: str | None) -> None:
        await self._dispatch("module_disabled", tenant=tenant, session=session, actor=actor)


class ModuleRuntime:
    """Loads modules and dispatches their hooks. One per app instance."""

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self.manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self.modules: dict[str, LoadedModule] = {}
        self.failed: dict[str, str] = {}
        self._hooks_cache: OrderedDict[frozenset[str], TenantHooks] = OrderedDict()
        self.core = Contributions()
        self._event_type_names: frozenset[str] | None = None
        #: (tenant id, activity key) seen in a tenant's register of processing activities
        #: (core.processing.ensure_register): entries are never removed, so a unit of work
        #: that writes records of known activities need not read the register again.
        self.registered_activities: set[tuple[Any, str]] = set()

    # -- loading ------------------------------------------------------------------

    def register_core(self, plugin: Any) -> None:
        self.manager.register(plugin, name=CORE_PLUGIN_NAME)
        self.core = self._contributions(CORE_PLUGIN_NAME, plugin)

    def load(self, sources: Iterable[ModuleSource]) -> None:
        for source in sources:
            try:
                self._load_one(source)
            except Exception as exc:  # a broken module must not take the platform down
                self.fail(source.key, f"{type(exc).__name__}: {exc}")
        self.drop_unmet_dependencies()
        self._drop_graphql_clashes()

    def fail(self, key: str, reason: str) -> None:
        self._event_type_names = None
        module = self.modules.pop(key, None)
        if module is not None and self.manager.is_registered(module.plugin):
            self.manager.unregister(module.plugin)
        self.failed[key] = reason
        log.error("module.skipped", module=key, reason=reason)
        if self.strict:
            raise ModuleLoadError(f"module {key!r} could not be loaded: {reason}")

    def _load_one(self, source: ModuleSource) -> None:
        if source.key == CORE_PLUGIN_NAME or source.key in self.modules:
            raise ModuleLoadError(f"a module named {source.key!r} is already loaded")
        plugin = source.load()
        self.manager.register(plugin, name=source.key)
        try:
            self.modules[source.key] = self._describe(source, plugin)
        except Exception:
            self.manager.unregister(plugin)
            raise
        log.info("module.loaded", module=source.key, version=source.version)

    def _describe(self, source: ModuleSource, plugin: Any) -> LoadedModule:
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as exc:
            raise ModuleLoadError(str(exc)) from exc
        meta = self._only_result(plugin, "module_meta")
        if not isinstance(meta, ModuleMeta):
            raise ModuleLoadError("module_meta must return a ModuleMeta")
        if meta.key != source.key:
            raise ModuleLoadError(f"module_meta key {meta.key!r} differs from the entry-point name {source.key!r}")
        try:
            supported = SpecifierSet(meta.plugin_api)
        except InvalidSpecifier as exc:
            raise ModuleLoadError(f"invalid plugin_api specifier {meta.plugin_api!r}") from exc
        if Version(PLUGIN_API_VERSION) not in supported:
            raise ModuleLoadError(f"needs plugin API {meta.plugin_api}, this platform offers {PLUGIN_API_VERSION}")
        return LoadedModule(
            key=source.key, meta=meta, plugin=plugin, version=source.version, contributions=self._contributions(source.key, plugin)
        )

    def _contributions(self, key: str, plugin: Any) -> Contributions:
        """Call each process-scoped hook of one plugin once and check what it returns."""
        contributions = Contributions()
        config_model = self._only_result(plugin, "module_config_model")
        if config_model is not None:
            if not (isinstance(config_model, type) and issubclass(config_model, BaseModel)):
                raise ModuleLoadError("module_config_model must return a pydantic model class")
            config_model()  # every field needs a default: enabling without configuration must work
            contributions.config_model = config_model
        migrations = self._only_result(plugin, "register_migrations")
        if migrations is not None:
            contributions.migrations_dir = Path(migrations)
            if not contributions.migrations_dir.is_dir():
                raise ModuleLoadError(f"migrations directory {migrations} does not exist")
        contributions.models = list(self._only_result(plugin, "register_models") or [])
        for model in contributions.models:
            if getattr(model, "__table__", None) is None:
                raise ModuleLoadError(f"register_models: {model!r} is not a table model")
        contributions.permissions = list(self._only_result(plugin, "register_permissions") or [])
        for permission in contributions.permissions:
            if not isinstance(permission, Permission) or permission.name.split(".", 1)[0] != key:
                raise ModuleLoadError(f"register_permissions: {permission!r} is not a Permission of {key}")
            unknown = [role for role in permission.default_roles if role not in ROLES]
            if unknown:
                raise ModuleLoadError(f"permission {permission.name} grants unknown roles {unknown}")
        contributions.workflows = list(self._only_result(plugin, "register_workflows") or [])
        for workflow in contributions.workflows:
            if not str(getattr(workflow, "key", "")).startswith(f"{key}."):
                raise ModuleLoadError(f"register_workflows: {workflow!r} must be named '{key}.<subject>'")
        contributions.event_types = list(self._only_result(plugin, "register_event_types") or [])
        for event_type in contributions.event_types:
            if not isinstance(event_type, EventType) or not event_type.name.startswith(f"{key}."):
                raise ModuleLoadError(f"register_event_types: {event_type!r} must be named '{key}.…'")
        contributions.processing_activities = list(self._only_result(plugin, "register_processing_activities") or [])
        for activity in contributions.processing_activities:
            if not str(getattr(activity, "key", "")).startswith(f"{key}.") or not getattr(activity, "legal_basis", ""):
                raise ModuleLoadError(f"register_processing_activities: {activity!r} needs a key '{key}.…' and a legal basis")
        contributions.scheduled_jobs = list(self._only_result(plugin, "register_scheduled_jobs") or [])
        for job in contributions.scheduled_jobs:
            if not isinstance(job, ScheduledJob) or not job.name.startswith(f"{key}.") or job.interval < 60:
                raise ModuleLoadError(f"register_scheduled_jobs: {job!r} must be a ScheduledJob named '{key}.…', at most once a minute")
            if job.scope not in tuple(JobScope):
                raise ModuleLoadError(f"register_scheduled_jobs: {job.name} has unknown scope {job.scope!r} (known: tenant, platform)")
            if job.scope == JobScope.PLATFORM and job.permissions:
                raise ModuleLoadError(f"register_scheduled_jobs: {job.name} runs for the platform and cannot hold tenant permissions")
            if any(not permission.startswith(f"{key}.") for permission in job.permissions):
                raise ModuleLoadError(f"register_scheduled_jobs: {job.name} may only hold {key}'s own permissions")
        commands = self._only_result(plugin, "register_cli_commands")
        if commands is not None and not isinstance(commands, typer.Typer):
            raise ModuleLoadError("register_cli_commands must return a typer.Typer")
        contributions.cli_commands = commands
        contributions.downloads = list(self._only_result(plugin, "register_downloads") or [])
        own_permissions = {permission.name for permission in contributions.permissions}
        names: set[str] = set()
        for download in contributions.downloads:
            if not isinstance(download, Download) or not DOWNLOAD_NAME.fullmatch(download.name) or download.name in names:
                raise ModuleLoadError(f"register_downloads: {download!r} must be a Download with a unique name of a-z, 0-9, . and -")
            if download.permission not in own_permissions:
                raise ModuleLoadError(f"register_downloads: {download.name} must need one of {key}'s own permissions")
            names.add(download.name)
        contributions.step_links = list(self._only_result(plugin, "register_step_links") or [])
        own_workflows = {workflow.key for workflow in contributions.workflows}
        for steps in contributions.step_links:
            workflow = getattr(steps, "workflow", None)
            if getattr(workflow, "key", None) not in own_workflows:
                raise ModuleLoadError(f"register_step_links: {steps!r} must name one of {key}'s own workflows")
            if not workflow.taken_by(steps.side):
                raise ModuleLoadError(f"register_step_links: {workflow.key} has no steps of side {steps.side!r}")
            if steps.send_permission not in own_permissions:
                raise ModuleLoadError(f"register_step_links: {workflow.key} must be sent with one of {key}'s own permissions")
        contributions.graphql = self._only_result(plugin, "register_graphql")
        if contributions.graphql is not None:
            undeclared = undeclared_root_fields(contributions.graphql)
            if undeclared:
                raise ModuleLoadError(f"GraphQL fields without a declared permission: {', '.join(undeclared)}")
            not_public = non_public_fields(contributions.graphql)
            if not_public:
                raise ModuleLoadError(f"fields of the public schema must be declared public=True: {', '.join(not_public)}")
        return contributions

    def _only_result(self, plugin: Any, hook_name: str) -> Any:
        """The result of one plugin's implementation of a process-scoped hook (None if absent)."""
        for impl in getattr(self.manager.hook, hook_name).get_hookimpls():
            if impl.plugin is plugin:
                return impl.function()
        return None

    def drop_unmet_dependencies(self) -> None:
        changed = True
        while changed:
            changed = False
            for key, module in list(self.modules.items()):
                missing = [dep for dep in module.meta.depends_on if dep not in self.modules]
                if missing:
                    self.fail(key, f"depends on modules that are not loaded: {', '.join(missing)}")
                    changed = True

    def _drop_graphql_clashes(self) -> None:
        """A module whose root Query or Mutation field clashes with core's or an earlier
        module's cannot be composed into the schema: skip it."""
        owners: dict[tuple[str, str], str] = {}
        for key, contributions in self.contributions():
            contribution = contributions.graphql
            if contribution is None:
                continue
            names = [
                (kind, strawberry_field.python_name)
                for kind, types in (
                    ("Query", contribution.query),
                    ("Mutation", contribution.mutation),
                    ("PublicQuery", contribution.public_query),
                )
                for type_ in types
                for strawberry_field in type_.__strawberry_definition__.fields
            ]
            clashes = [f"{kind}.{name} (also in {owners[(kind, name)]})" for kind, name in names if (kind, name) in owners]
            if clashes:
                self.fail(key, f"GraphQL fields clash: {', '.join(clashes)}")
                continue
            owners.update(dict.fromkeys(names, key))

    # -- process-scoped contributions (collected once at load) ---------------------------

    def contributions(self) -> list[tuple[str, Contributions]]:
        """Core's first, then every loaded module's."""
        return [(CORE_PLUGIN_NAME, self.core), *((key, module.contributions) for key, module in self.modules.items())]

    def permissions(self) -> list[tuple[str, Permission]]:
        return [(key, item) for key, contributions in self.contributions() for item in contributions.permissions]

    def workflows(self) -> list[tuple[str, Any]]:
        return [(key, item) for key, contributions in self.contributions() for item in contributions.workflows]

    def event_types(self) -> list[tuple[str, EventType]]:
        return [(key, item) for key, contributions in self.contributions() for item in contributions.event_types]

    def processing_activities(self) -> dict[str, tuple[str, Any]]:
        """Every declared processing activity by key: (module key, activity)."""
        return {
            activity.key: (key, activity)
            for key, contributions in self.contributions()
            for activity in contributions.processing_activities
        }

    async def seed_platform_demo_data(self, work: Any) -> None:
        """Every installed module's national demo data (`seed_platform_demo_data`), in `work`."""
        for impl in reversed(self.manager.hook.seed_platform_demo_data.get_hookimpls()):
            await resolve(impl.function(**{arg: {"work": work}[arg] for arg in impl.argnames}))

    def download(self, key: str, name: str) -> Download | None:
        """Module `key`'s download `name`, or None."""
        module = self.modules.get(key)
        if module is None:
            return None
        return next((download for download in module.contributions.downloads if download.name == name), None)

    def step_links(self, workflow_key: str) -> tuple[str, Any] | None:
        """(module key, `LinkedSteps`) of the workflow whose steps may be taken by link, or None."""
        return next(
            ((key, steps) for key, contributions in self.contributions() for steps in contributions.step_links if steps.workflow.key == workflow_key),
            None,
        )

    def scheduled_jobs(self) -> list[tuple[str, ScheduledJob]]:
        """(module key, job) of every module."""
        return [(key, job) for key, contributions in self.contributions() for job in contributions.scheduled_jobs]

    @property
    def processing_activity_keys(self) -> frozenset[str]:
        return frozenset(self.processing_activities())

    def processing_activity(self, key: str) -> tuple[str, Any]:
        return self.processing_activities()[key]

    @property
    def declared_event_types(self) -> frozenset[str]:
        if self._event_type_names is None:
            self._event_type_names = frozenset(event_type.name for _key, event_type in self.event_types())
        return self._event_type_names

    def models(self) -> list[type]:
        return [model for _key, contributions in self.contributions() for model in contributions.models]

    def migration_dirs(self) -> list[Path]:
        """Core's versions directory and every loaded module's."""
        return [
            contributions.migrations_dir
            for _key, contributions in self.contributions()
            if contributions.migrations_dir is not None
        ]

    # -- tenant-scoped dispatch -------------------------------------------------------

    def hooks_for(self, enabled: Iterable[str]) -> TenantHooks:
        """Hook callers for a tenant with these modules enabled (cached per set)."""
        enabled_set = frozenset(key for key in enabled if key in self.modules)
        hooks = self._hooks_cache.get(enabled_set)
        if hooks is None:
            removed = [module.plugin for key, module in self.modules.items() if key not in enabled_set]
            hooks = TenantHooks(self.manager, enabled_set, removed)
            self._hooks_cache[enabled_set] = hooks
            if len(self._hooks_cache) > 256:
                self._hooks_cache.popitem(last=False)
        else:
            self._hooks_cache.move_to_end(enabled_set)
        return hooks

    def module_hooks(self, key: str) -> TenantHooks:
        """Hook callers for exactly one module (lifecycle hooks), without core."""
        removed = [module.plugin for other, module in self.modules.items() if other != key]
        removed.append(self.manager.get_plugin(CORE_PLUGIN_NAME))
        return TenantHooks(self.manager, frozenset({key}), [plugin for plugin in removed if plugin is not None])


def installed_module_sources() -> list[ModuleSource]:
    """Every installed entry point of the group, in a stable order."""
    sources = []
    for entry_point in _sorted_entry_points():
        version = entry_point.dist.version if entry_point.dist is not None else "0"
        sources.append(ModuleSource(key=entry_point.name, load=entry_point.load, version=version))
    return sources


#: The distribution of the platform itself (its own modules are its entry points).
PLATFORM_DISTRIBUTION = "kansrijkestart"


def platform_module_sources() -> list[ModuleSource]:
    """The modules the platform itself ships (the entry points of its own distribution), not
    those installed beside it: for what is compared with committed documents (the SDL, the
    permissions table), which describe the platform, whatever else an installation has."""
    return [
        source
        for source, entry_point in zip(installed_module_sources(), _sorted_entry_points(), strict=True)
        if entry_point.dist is not None and _normalized(entry_point.dist.metadata["Name"]) == PLATFORM_DISTRIBUTION
    ]


def _sorted_entry_points() -> list[Any]:
    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
