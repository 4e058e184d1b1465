"""The declarative module object: default resource paths, only the tenant hooks a module
implements, and clear errors for a declaration that points nowhere."""

from __future__ import annotations

import types

import pytest

from core import core_module
from core.module import Module, ModuleDeclarationError
from core.module_types import ModuleMeta
from core.runtime import ModuleLoadError, ModuleRuntime, ModuleSource
from tests.support import declared_module
from tests.support.declared_module import config, demo, events, hooks, permissions


def loaded(module: object, key: str = "declared", *, strict: bool = True) -> ModuleRuntime:
    runtime = ModuleRuntime(strict=strict)
    runtime.register_core(core_module)
    runtime.load([ModuleSource(key=key, load=lambda: module, version="1.0")])
    return runtime


def test_resources_are_found_at_their_default_paths() -> None:
    contributions = loaded(declared_module.module).modules["declared"].contributions
    assert contributions.permissions == permissions.PERMISSIONS
    assert contributions.event_types == events.EVENT_TYPES
    assert contributions.config_model is config.Config
    assert contributions.models == [] and contributions.graphql is None and contributions.migrations_dir is None
    assert contributions.scheduled_jobs == [] and contributions.cli_commands is None


async def test_only_the_tenant_hooks_the_module_implements_are_offered() -> None:
    runtime = loaded(declared_module.module)
    tenant_hooks = runtime.hooks_for({"declared"})
    assert tenant_hooks.domain_event_subscribers() == []  # no on_domain_event: never asked
    assert await tenant_hooks.reference_exists(kind="declared.thing", id=hooks.KNOWN, session=None) is True
    assert await tenant_hooks.reference_exists(kind="declared.thing", id="other", session=None) is False
    assert await tenant_hooks.reference_exists(kind="other.thing", id=hooks.KNOWN, session=None) is None
    assert "helper_that_is_not_a_hook" not in dir(declared_module.module)


async def test_demo_data_comes_from_demo_seed() -> None:
    runtime = loaded(declared_module.module)
    work = types.SimpleNamespace(tenant=types.SimpleNamespace(slug="utrecht"))
    await runtime.module_hooks("declared").seed_demo_data(tenant=work.tenant, session=None, work=work)
    assert demo.SEEDED[-1] == "utrecht"


def test_a_resource_switched_off_is_absent() -> None:
    module = Module(declared_module.__name__, ModuleMeta(key="declared", name="D", description="d"), migrations=None, event_types=None)
    assert loaded(module).modules["declared"].contributions.event_types == []


def test_a_resource_that_points_nowhere_is_refused_at_load() -> None:
    module = Module(declared_module.__name__, ModuleMeta(key="declared", name="D", description="d"), migrations=None, permissions="permissions:MISSING")
    runtime = loaded(module, strict=False)
    assert "declared" not in runtime.modules
    assert "tests.support.declared_module.permissions has no MISSING (resource permissions)" in runtime.failed["declared"]


def test_an_unknown_resource_kind_is_refused_at_declaration() -> None:
    with pytest.raises(ModuleDeclarationError, match="unknown resources \\['modles'\\]"):
        Module(declared_module.__name__, ModuleMeta(key="declared", name="D", description="d"), modles="models:MODELS")


def test_a_missing_migrations_folder_is_refused_at_load() -> None:
    module = Module(declared_module.__name__, ModuleMeta(key="declared", name="D", description="d"))
    assert "does not exist" in loaded(module, strict=False).failed["declared"]


@pytest.mark.parametrize(
    ("hooks", "reason"),
    [
        ("typo_hooks", "unknown hook 'on_domain_evnt'"),
        ("misplaced_hooks", "register_models in tests.support.declared_module.misplaced_hooks is answered by the module's resources"),
    ],
)
def test_a_misspelt_or_misplaced_hook_function_is_refused_at_load(hooks: str, reason: str) -> None:
    module = Module(declared_module.__name__, ModuleMeta(key="declared", name="D", description="d"), migrations=None, hooks=hooks)
    runtime = loaded(module, strict=False)
    assert "declared" not in runtime.modules and reason in runtime.failed["declared"]
    with pytest.raises(ModuleLoadError, match="declared"):
        loaded(Module(declared_module.__name__, ModuleMeta(key="declared", name="D", description="d"), migrations=None, hooks=hooks))
