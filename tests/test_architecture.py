"""The layers stay visible: core knows no plugin or gateway; a plugin imports only the
public plugin API of core and never another plugin."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> list[str]:
    """Every module imported (a relative import as `.` + its module), and `__import__` calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            names.append("__import__")
    return names


def plugin_packages() -> list[Path]:
    return sorted(path for path in (ROOT / "plugins").iterdir() if (path / "__init__.py").exists())


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_core_imports_no_plugin_and_no_gateway() -> None:
    offending = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in python_files("core")
        for name in imports_of(path)
        if name.split(".")[0] in {"plugins", "gateway"}
    ]
    assert not offending, offending


def test_plugins_import_only_the_public_plugin_api_and_no_other_plugin() -> None:
    """Only `core.plugin`, no gateway, no other plugin; and no way around that check: no
    relative imports (`from ..other import x`) and no importing by name (`importlib`)."""
    offending = []
    for package in plugin_packages():
        for path in package.rglob("*.py"):
            for name in imports_of(path):
                parts = name.split(".")
                where = f"{path.relative_to(ROOT)}: {name}"
                if name.startswith(".") or name == "__import__" or parts[0] == "importlib":
                    offending.append(where)
                elif parts[0] == "core" and name != "core.plugin":
                    offending.append(where)
                elif parts[0] == "gateway":
                    offending.append(where)
                elif parts[0] == "plugins" and (len(parts) < 2 or parts[1] != package.name):
                    offending.append(where)
    assert not offending, offending


def test_a_third_party_distribution_imports_only_the_plugin_api_and_the_test_kit() -> None:
    """examples/*: a module shipped as its own package, as a third party writes it: its code
    imports of the platform only `core.plugin`, its tests also `core.testing`; never the
    gateway, a platform module (`plugins`) or another part of core."""
    offending = []
    for path in sorted((ROOT / "examples").rglob("*.py")):
        allowed = {"core.plugin", "core.testing"} if "tests" in path.relative_to(ROOT).parts else {"core.plugin"}
        for name in imports_of(path):
            parts = name.split(".")
            if name.startswith(".") or name == "__import__" or parts[0] in {"importlib", "gateway", "plugins"}:
                offending.append(f"{path.relative_to(ROOT)}: {name}")
            elif parts[0] == "core" and name not in allowed:
                offending.append(f"{path.relative_to(ROOT)}: {name}")
    assert list((ROOT / "examples").rglob("*.py")), "no example distribution found"
    assert not offending, offending


def test_core_plugin_exports_no_table_of_core() -> None:
    """Modules read core's data through documented functions, so a column rename in core
    cannot break them unnoticed."""
    import core.plugin

    tables = [name for name in core.plugin.__all__ if getattr(getattr(core.plugin, name), "__table__", None) is not None]
    assert not tables, tables


def test_every_plugin_has_the_module_shape() -> None:
    """Judged by what each module registers: a declared `Module` under its entry point, its
    tables in `models`, its GraphQL roots in `graphql[.<part>].queries` / `.mutations`, its
    workflows in `workflows`, its permissions named after it; `__init__` implements no hook."""
    from core import core_module
    from core.module import Module
    from core.runtime import ModuleRuntime, installed_module_sources

    runtime = ModuleRuntime(strict=True)
    runtime.register_core(core_module)
    runtime.load([source for source in installed_module_sources() if source.key in {p.name for p in plugin_packages()}])
    assert sorted(runtime.modules) == [package.name for package in plugin_packages()]
    for key, loaded in runtime.modules.items():
        package = f"plugins.{key}"
        assert isinstance(loaded.plugin, Module) and loaded.plugin.package == package, key
        contributions = loaded.contributions
        assert contributions.migrations_dir == ROOT / "plugins" / key / "migrations" / "versions"
        assert all(model.__module__ == f"{package}.models" for model in contributions.models), key
        if contributions.graphql is not None:
            # Saleor's layout: `graphql/queries.py`, or one package per part of a larger
            # module with the same files (`graphql/startfoto/queries.py`).
            roots = {*contributions.graphql.query, *contributions.graphql.public_query}
            for root, kind in [*((root, "queries") for root in roots), *((root, "mutations") for root in contributions.graphql.mutation)]:
                assert re.fullmatch(rf"{re.escape(package)}\.graphql(\.[a-z_]+)?\.{kind}", root.__module__), (key, root.__module__)
        assert all(type(workflow).__module__ == "core.workflows" for workflow in contributions.workflows)
        assert all(permission.name.startswith(f"{key}.") for permission in contributions.permissions)
        init = ast.parse((ROOT / "plugins" / key / "__init__.py").read_text(encoding="utf-8"))
        functions = [node.name for node in ast.walk(init) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
        assert not functions, f"{key}/__init__.py declares {functions}: only the Module object belongs there"


def test_the_graphql_layer_of_a_module_is_thin() -> None:
    """No SQL, no processing-log call in a module's GraphQL package: what decides (who sees
    what, what is logged) lives in its services, where the CLI, jobs and tests use it too."""
    offending = []
    for package in plugin_packages():
        for path in sorted((package / "graphql").rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for name in imports_of(path):
                if name.split(".")[0] in {"sqlalchemy", "sqlmodel"}:
                    offending.append(f"{path.relative_to(ROOT)}: imports {name}")
            for node in ast.walk(tree):
                called = node.func if isinstance(node, ast.Call) else None
                name = getattr(called, "attr", None) or getattr(called, "id", None)
                if name in {"execute", "scalars", "record_processing", "processing_history"}:
                    offending.append(f"{path.relative_to(ROOT)}:{node.lineno}: calls {name}")
    assert not offending, offending
