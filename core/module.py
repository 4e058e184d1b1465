"""The declarative module object: what a module is, and where its parts live.

    # plugins/my_module/__init__.py
    from core.plugin import Module, ModuleMeta

    MODULE_KEY = "my_module"
    module = Module(__name__, ModuleMeta(key=MODULE_KEY, name="...", description="..."))

    # pyproject.toml
    [project.entry-points."kansrijkestart.modules"]
    my_module = "my_module:module"

Every process-scoped hook is answered from a resource at a default path inside the
package (override any of them with a keyword argument; `None` switches one off):

| hook                              | default resource                  |
|-----------------------------------|-----------------------------------|
| `register_models`                 | `models:MODELS`                   |
| `register_migrations`             | the folder `migrations/versions`  |
| `register_graphql`                | `graphql:CONTRIBUTION`            |
| `register_permissions`            | `permissions:PERMISSIONS`         |
| `register_workflows`              | `workflows:WORKFLOWS`             |
| `register_event_types`            | `events:EVENT_TYPES`              |
| `register_processing_activities`  | `processing:ACTIVITIES`           |
| `register_scheduled_jobs`         | `jobs:JOBS`                       |
| `register_cli_commands`           | `cli:COMMANDS`                    |
| `register_downloads`              | `downloads:DOWNLOADS`             |
| `register_step_links`             | `links:STEP_LINKS`                |
| `module_config_model`             | `config:Config`                   |
| `seed_demo_data`                  | `demo:seed` (an `async def seed(work)`) |
| `seed_platform_demo_data`         | `demo:seed_platform` (an `async def seed_platform(work)`, a `PlatformWork`) |

A resource whose submodule does not exist is simply absent (the module has no models, no
jobs...); a submodule that exists without the named attribute is an error at load, except
`demo:seed_platform`, which a demo module may leave out.
Resources are imported when the platform asks for them, not when the package is imported.

Tenant and lifecycle hooks (`on_domain_event`, `workflow_guard`, `workflow_transitioned`,
`reference_exists`, `consent_to_share`, `wijk_activity`, `coalition_offer`, `member_knowledge`, `add_plan_action`, `module_enabled`,
`module_disabled`) are plain `@hookimpl` functions
in the submodule `hooks` (override with `hooks=`): the object offers exactly those the
submodule defines, so a module that does not subscribe to events is not asked. A marked
function whose name is no hook is refused at load (`unknown hook`), like in any module.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from core.hookspecs import HOOKS, PROJECT_NAME, Scope, hookimpl
from core.module_types import ModuleMeta

_ABSENT = object()
#: The attribute pluggy's marker puts on a hook implementation.
MARKER = f"{PROJECT_NAME}_impl"

DEFAULT_RESOURCES = {
    "models": "models:MODELS",
    "graphql": "graphql:CONTRIBUTION",
    "permissions": "permissions:PERMISSIONS",
    "workflows": "workflows:WORKFLOWS",
    "event_types": "events:EVENT_TYPES",
    "processing_activities": "processing:ACTIVITIES",
    "scheduled_jobs": "jobs:JOBS",
    "cli_commands": "cli:COMMANDS",
    "downloads": "downloads:DOWNLOADS",
    "step_links": "links:STEP_LINKS",
    "config_model": "config:Config",
    "demo": "demo:seed",
    "platform_demo": "demo:seed_platform",
}

#: Resources that share a submodule with another one, so the submodule may lack them (a
#: `demo` module with only a per-gemeente `seed`).
OPTIONAL_IN_SUBMODULE = frozenset({"platform_demo"})


class ModuleDeclarationError(RuntimeError):
    """A module object points at a resource that is not there."""


class Module:
    """A module, declared: its metadata and where its resources live (see the module doc)."""

    def __init__(
        self,
        package: str,
        meta: ModuleMeta,
        *,
        migrations: str | None = "migrations/versions",
        hooks: str | None = "hooks",
        **resources: str | None,
    ) -> None:
        unknown = sorted(set(resources) - set(DEFAULT_RESOURCES))
        if unknown:
            raise ModuleDeclarationError(f"{meta.key}: unknown resources {unknown} (known: {', '.join(DEFAULT_RESOURCES)})")
        self.package = package
        self.meta = meta
        self.migrations = migrations
        self.hooks_module = hooks
        self.resources = {**DEFAULT_RESOURCES, **resources}
        self._hooks: ModuleType | None | object = _ABSENT

    def __repr__(self) -> str:
        return f"Module({self.meta.key!r})"

    # -- resources -----------------------------------------------------------------------

    def _submodule(self, name: str) -> ModuleType | None:
        qualified = f"{self.package}.{name}"
        if importlib.util.find_spec(qualified) is None:
            return None
        return importlib.import_module(qualified)

    def resource(self, kind: str) -> Any:
        """The resource `kind` (a key of DEFAULT_RESOURCES), or None when the module has none."""
        path = self.resources[kind]
        if path is None:
            return None
        submodule_name, _, attribute = path.partition(":")
        submodule = self._submodule(submodule_name)
        if submodule is None:
            return None
        value = getattr(submodule, attribute, _ABSENT)
        if value is _ABSENT and kind in OPTIONAL_IN_SUBMODULE:
            return None
        if value is _ABSENT:
            raise ModuleDeclarationError(f"{self.meta.key}: {self.package}.{submodule_name} has no {attribute} (resource {kind})")
        return value

    def _package_dir(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or spec.origin is None:
            raise ModuleDeclarationError(f"{self.meta.key}: package {self.package} not found")
        return Path(spec.origin).parent

    # -- tenant and lifecycle hooks: whatever the hooks submodule implements ----------------

    def _hook_functions(self) -> ModuleType | None:
        if self._hooks is _ABSENT:
            self._hooks = self._submodule(self.hooks_module) if self.hooks_module else None
        return self._hooks  # type: ignore[return-value]

    def _implemented(self) -> list[str]:
        """Every `@hookimpl` function of the hooks submodule. Offered to pluggy whatever its
        name, so a misspelt hook is refused at load (`unknown hook`) as in any module; a
        process hook there is refused too: the resources answer those."""
        hooks = self._hook_functions()
        if hooks is None:
            return []
        marked = [name for name, value in vars(hooks).items() if callable(value) and hasattr(value, MARKER)]
        misplaced = [name for name in marked if name in HOOKS and HOOKS[name].scope is Scope.PROCESS]
        if misplaced:
            raise ModuleDeclarationError(
                f"{self.meta.key}: {', '.join(misplaced)} in {self.package}.{self.hooks_module} is answered by the module's "
                "resources (see the Module object), not by a hook function"
            )
        return marked

    def __dir__(self) -> list[str]:
        # pluggy finds implementations by listing the object and reading its attributes
        # statically: the hooks submodule's functions become attributes when it lists us,
        # after the package has been imported completely.
        hooks = self._hook_functions()
        for name in self._implemented():
            vars(self)[name] = getattr(hooks, name)
        return super().__dir__()

    # -- process hooks, answered from the resources ----------------------------------------

    @hookimpl
    def module_meta(self) -> ModuleMeta:
        return self.meta

    @hookimpl
    def register_models(self) -> list[type]:
        return list(self.resource("models") or [])

    @hookimpl
    def register_migrations(self) -> str | None:  # None: a module without tables
        if self.migrations is None:
            return None
        return str(self._package_dir() / self.migrations)

    @hookimpl
    def register_graphql(self) -> Any:
        return self.resource("graphql")

    @hookimpl
    def register_permissions(self) -> list[Any]:
        return list(self.resource("permissions") or [])

    @hookimpl
    def register_step_links(self) -> list[Any]:
        return list(self.resource("step_links") or [])

    @hookimpl
    def register_workflows(self) -> list[Any]:
        return list(self.resource("workflows") or [])

    @hookimpl
    def register_event_types(self) -> list[Any]:
        return list(self.resource("event_types") or [])

    @hookimpl
    def register_processing_activities(self) -> list[Any]:
        return list(self.resource("processing_activities") or [])

    @hookimpl
    def register_scheduled_jobs(self) -> list[Any]:
        return list(self.resource("scheduled_jobs") or [])

    @hookimpl
    async def seed_platform_demo_data(self, work: Any) -> None:
        seed = self.resource("platform_demo")
        if seed is not None:
            await seed(work)

    @hookimpl
    def register_downloads(self) -> list[Any]:
        return list(self.resource("downloads") or [])

    @hookimpl
    def register_cli_commands(self) -> Any:
        return self.resource("cli_commands")

    @hookimpl
    def module_config_model(self) -> Any:
        return self.resource("config_model")

    @hookimpl
    async def seed_demo_data(self, work: Any) -> None:
        seed = self.resource("demo")
        if seed is not None:
            await seed(work)
