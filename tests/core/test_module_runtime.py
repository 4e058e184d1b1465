"""Loading modules: entry points, broken and incompatible modules, strict mode."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from core import core_module
from core.hookspecs import hookimpl
from core.module_types import Download, EventType, JobScope, ModuleMeta, Permission, ScheduledJob
from core.runtime import ModuleLoadError, ModuleRuntime, ModuleSource, installed_module_sources

HANDVATTEN = {"handvat1_zicht", "handvat2_signaleren", "handvat3_toegang", "handvat4_leren"}


class FakeModule:
    """A module object (pluggy plugins must be hashable, so not a SimpleNamespace)."""


def plugin(key: str, **hooks: object) -> FakeModule:
    """A module object with the given hook implementations (plus module_meta)."""
    namespace = FakeModule()
    meta = hooks.pop("meta", ModuleMeta(key=key, name=key, description="test"))
    namespace.module_meta = hookimpl(lambda: meta)
    for name, function in hooks.items():
        setattr(namespace, name, hookimpl(function))
    return namespace


def source(key: str, obj: object) -> ModuleSource:
    return ModuleSource(key=key, load=lambda: obj, version="0.0.1")


def broken_source(key: str) -> ModuleSource:
    def load() -> object:
        raise ImportError("No module named 'missing_dependency'")

    return ModuleSource(key=key, load=load, version="0.0.1")


def runtime(strict: bool = False) -> ModuleRuntime:
    instance = ModuleRuntime(strict=strict)
    instance.register_core(core_module)
    return instance


def test_handvatten_are_installed_entry_points() -> None:
    sources = {item.key: item for item in installed_module_sources()}
    assert HANDVATTEN <= set(sources)
    loaded = runtime(strict=True)
    loaded.load(installed_module_sources())
    assert HANDVATTEN <= set(loaded.modules)
    for key in HANDVATTEN:
        module = loaded.modules[key]
        assert module.meta.key == key and module.meta.category == "handvat"
        assert module.version == "0.1.0" and module.migrations_dir is not None and module.migrations_dir.is_dir()


class NoDefaults(BaseModel):
    required: int


def undeclared_graphql() -> object:
    import strawberry

    from core.module_types import GraphQLContribution

    @strawberry.type
    class LeakyQuery:
        @strawberry.field  # no permission declared: deny by default refuses the module
        def leaky_field(self) -> str:
            return "secret"

    return GraphQLContribution(query=(LeakyQuery,))


async def _no_job(work: object, now: object) -> int:
    return 0


def raising_hook() -> list:
    raise ZeroDivisionError("bug in the module")


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (broken_source("broken"), "ImportError"),
        (source("old", plugin("old", meta=ModuleMeta(key="old", name="o", description="d", plugin_api=">=2.0"))), "plugin API"),
        (source("wrongkey", plugin("other")), "differs from the entry-point name"),
        (source("badspec", plugin("badspec", meta=ModuleMeta(key="badspec", name="b", description="d", plugin_api="nonsense"))), "specifier"),
        (source("needy", plugin("needy", meta=ModuleMeta(key="needy", name="n", description="d", depends_on=("absent",)))), "absent"),
        (source("badconfig", plugin("badconfig", module_config_model=lambda: dict)), "pydantic"),
        (source("nodefaults", plugin("nodefaults", module_config_model=lambda: NoDefaults)), "ValidationError"),
        (source("nomigrations", plugin("nomigrations", register_migrations=lambda: "/nonexistent/versions")), "does not exist"),
        (source("misspelled", plugin("misspelled", register_permisions=lambda: [])), "unknown hook"),
        (source("leaky", plugin("leaky", register_graphql=undeclared_graphql)), "Query.leaky_field"),
        (source("raising", plugin("raising", register_permissions=raising_hook)), "ZeroDivisionError"),
        (
            source("grabby", plugin("grabby", register_permissions=lambda: [Permission("core.partner.delete", "x")])),
            "is not a Permission of grabby",
        ),
        (
            source("strange", plugin("strange", register_permissions=lambda: [Permission("strange.x.read", "x", ("king",))])),
            "unknown roles",
        ),
        (source("noisy", plugin("noisy", register_event_types=lambda: [EventType("other.thing", "x")])), "must be named"),
        (
            source("greedy", plugin("greedy", register_scheduled_jobs=lambda: [ScheduledJob("greedy.job", "x", 3600, _no_job, ("core.member.write",))])),
            "may only hold greedy's own permissions",
        ),
        (source("hasty", plugin("hasty", register_scheduled_jobs=lambda: [ScheduledJob("hasty.job", "x", 5, _no_job)])), "at most once a minute"),
        (source("typo", plugin("typo", workflow_guard=lambda workflw: None)), "for hook 'workflow_guard'"),
        (
            source("scoped", plugin("scoped", register_scheduled_jobs=lambda: [ScheduledJob("scoped.job", "x", 3600, _no_job, scope="gemeente")])),
            "scoped.job has unknown scope 'gemeente'",
        ),
        (
            source("lofty", plugin("lofty", register_scheduled_jobs=lambda: [ScheduledJob("lofty.job", "x", 3600, _no_job, ("lofty.a.b",), scope=JobScope.PLATFORM)])),
            "cannot hold tenant permissions",
        ),
        (source("shouty", plugin("shouty", register_cli_commands=lambda: ["not", "typer"])), "must return a typer.Typer"),
    ],
)
def test_bad_module_is_skipped_or_fails_in_strict_mode(bad: ModuleSource, reason: str) -> None:
    good = source("good", plugin("good"))
    lenient = runtime()
    lenient.load([bad, good])
    assert bad.key not in lenient.modules and reason in lenient.failed[bad.key]
    assert "good" in lenient.modules
    assert not lenient.manager.has_plugin(bad.key)
    with pytest.raises(ModuleLoadError, match=bad.key):
        runtime(strict=True).load([bad, good])


def test_dependents_of_a_failed_module_are_skipped_too() -> None:
    loaded = runtime()
    needs_broken = plugin("dependent", meta=ModuleMeta(key="dependent", name="d", description="d", depends_on=("broken",)))
    loaded.load([broken_source("broken"), source("dependent", needs_broken)])
    assert set(loaded.failed) == {"broken", "dependent"} and not loaded.modules


def test_duplicate_key_is_refused() -> None:
    loaded = runtime()
    loaded.load([source("twice", plugin("twice")), source("twice", plugin("twice"))])
    assert "already loaded" in loaded.failed["twice"]


async def test_tenant_hooks_reach_only_enabled_modules_and_are_cached() -> None:
    calls: list[str] = []
    first = plugin("first", workflow_guard=lambda workflow: calls.append("first"))
    second = plugin("second", workflow_guard=lambda workflow: calls.append("second"))
    loaded = runtime()
    loaded.load([source("first", first), source("second", second)])
    hooks = loaded.hooks_for({"second"})
    await hooks.workflow_guard(workflow=None, transition=None, subject=None, session=None, actor=None)
    assert calls == ["second"]
    assert loaded.hooks_for({"second"}) is hooks  # built once per set of enabled modules
    assert loaded.hooks_for({"first", "second"}) is not hooks
    calls.clear()
    await loaded.hooks_for({"first", "second", "not-installed"}).workflow_guard(
        workflow=None, transition=None, subject=None, session=None, actor=None
    )
    assert sorted(calls) == ["first", "second"]


def test_module_whose_graphql_clashes_is_skipped() -> None:
    import strawberry

    from core.module_types import GraphQLContribution

    from core.graphql.fields import field

    @strawberry.type
    class ClashingQuery:
        @field(public=True)
        def partners(self) -> str:  # core already has Query.partners
            return ""

    loaded = runtime()
    loaded.load([source("clash", plugin("clash", register_graphql=lambda: GraphQLContribution(query=(ClashingQuery,))))])
    assert "Query.partners (also in core)" in loaded.failed["clash"]
    with pytest.raises(ModuleLoadError):
        runtime(strict=True).load([source("clash", plugin("clash", register_graphql=lambda: GraphQLContribution(query=(ClashingQuery,))))])


def test_a_module_written_for_1_0_that_imports_a_core_table_is_told_what_replaces_it() -> None:
    def load() -> object:
        from core.plugin import Partner  # noqa: F401  (what a 1.0 module could do)

        return plugin("old_style")

    loaded = runtime()
    loaded.load([ModuleSource(key="old_style", load=load, version="1.0")])
    assert "core.plugin no longer exports Partner (plugin API 1.1): use partners_by_id" in loaded.failed["old_style"]


async def test_only_the_owner_of_a_kind_answers_reference_exists() -> None:
    """A module answering for every kind (a bug, or worse) cannot speak for another's things."""
    loaded = runtime()
    greedy = plugin("greedy", reference_exists=lambda kind: True)
    owner = plugin("owner", reference_exists=lambda kind, id: (id == "known") if kind == "owner.thing" else None)
    loaded.load([source("greedy", greedy), source("owner", owner)])
    hooks = loaded.hooks_for({"greedy", "owner"})
    assert await hooks.reference_exists(kind="owner.thing", id="unknown", session=None) is False
    assert await hooks.reference_exists(kind="owner.thing", id="known", session=None) is True
    assert await loaded.hooks_for({"greedy"}).reference_exists(kind="owner.thing", id="known", session=None) is None


def test_a_module_command_group_does_not_take_a_platform_commands_name() -> None:
    import typer

    from gateway.cli import add_module_commands

    loaded = runtime()
    loaded.load([source("migrate", plugin("migrate", register_cli_commands=lambda: typer.Typer())), source("fine", plugin("fine", register_cli_commands=lambda: typer.Typer()))])
    target = typer.Typer()

    @target.command()
    def migrate() -> None:  # named after its function, as the platform's own commands are
        """Taken."""

    assert add_module_commands(target, loaded) == ["fine"]


async def _no_file(context: object, parameters: object) -> object:
    return None


def _downloads_of(key: str, *downloads: object) -> ModuleSource:
    permissions = [Permission(f"{key}.file.read", "x")]
    return source(key, plugin(key, register_permissions=lambda: permissions, register_downloads=lambda: list(downloads)))


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_downloads_of("borrower", Download("list.csv", "core.member.read", "x", _no_file)), "must need one of borrower's own permissions"),
        (_downloads_of("undeclared", Download("list.csv", "undeclared.file.write", "x", _no_file)), "own permissions"),
        (_downloads_of("shouting", Download("List.CSV", "shouting.file.read", "x", _no_file)), "unique name of a-z, 0-9, . and -"),
        (_downloads_of("slashed", Download("a/b", "slashed.file.read", "x", _no_file)), "unique name"),
        (_downloads_of("dotted", Download(".hidden", "dotted.file.read", "x", _no_file)), "unique name"),
        (
            _downloads_of("twice", Download("a.csv", "twice.file.read", "x", _no_file), Download("a.csv", "twice.file.read", "y", _no_file)),
            "unique name",
        ),
        (_downloads_of("plain", {"name": "a.csv"}), "must be a Download"),
    ],
)
def test_a_download_with_another_modules_permission_or_a_bad_name_refuses_the_module(bad: ModuleSource, reason: str) -> None:
    lenient = runtime()
    lenient.load([bad, _downloads_of("fine", Download("chart.png", "fine.file.read", "x", _no_file, feed=True))])
    assert bad.key not in lenient.modules and reason in lenient.failed[bad.key]
    assert lenient.download("fine", "chart.png") is not None and lenient.download("fine", "chart.png").feed
    assert lenient.download(bad.key, "a.csv") is None
    with pytest.raises(ModuleLoadError, match=bad.key):
        runtime(strict=True).load([bad])
