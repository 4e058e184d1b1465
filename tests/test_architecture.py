"""The layers stay visible: core knows no plugin or gateway; a plugin imports only the
public plugin API of core and never another plugin."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


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
    offending = []
    for package in sorted(path for path in (ROOT / "plugins").iterdir() if (path / "__init__.py").exists()):
        for path in package.rglob("*.py"):
            for name in imports_of(path):
                parts = name.split(".")
                if parts[0] == "core" and name != "core.plugin":
                    offending.append(f"{path.relative_to(ROOT)}: {name}")
                if parts[0] == "gateway":
                    offending.append(f"{path.relative_to(ROOT)}: {name}")
                if parts[0] == "plugins" and (len(parts) < 2 or parts[1] != package.name):
                    offending.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offending, offending


def test_every_plugin_has_the_module_shape() -> None:
    packages = sorted(path for path in (ROOT / "plugins").iterdir() if (path / "__init__.py").exists())
    assert [package.name for package in packages] == [
        "handvat1_zicht",
        "handvat2_signaleren",
        "handvat3_toegang",
        "handvat4_leren",
    ]
    for package in packages:
        assert (package / "migrations" / "versions").is_dir(), package.name
        source = (package / "__init__.py").read_text(encoding="utf-8")
        assert "def module_meta" in source and f'"{package.name}"' in source
