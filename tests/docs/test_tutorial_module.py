"""docs/tutorial-module.md stays true to the platform without running it: its files (each a
fenced block after a `<!-- file: PATH -->` line) compile, import nothing of the platform but
`core.plugin` (and `core.testing` in tests), call the plugin API with arguments it accepts,
sit at the resource paths the `Module` object reads, implement real hooks with real
arguments, and name permissions, a migration branch, an entry point, GraphQL fields, CLI
commands and doc sections that exist, and show outputs that name the modules and migration
heads a fresh clone has. Followed by hand on a fresh clone, the tutorial worked as written;
this keeps it so when the API or the platform's modules change."""

from __future__ import annotations

import ast
import inspect
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
from packaging.specifiers import SpecifierSet

import core.plugin
import core.testing
from core import hookspecs
from core.module import DEFAULT_RESOURCES
from core.runtime import ENTRY_POINT_GROUP
from gateway.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = (ROOT / "docs" / "tutorial-module.md").read_text(encoding="utf-8")
MODULE_KEY = "luierpakket"
PACKAGE = "luierpakket/src/kansrijk_luierpakket"

FILES: dict[str, str] = {
    path: body
    for path, body in re.findall(
        r"^<!-- file: (\S+) -->\n```[a-z]+\n(.*?)^```$", TUTORIAL, re.S | re.M
    )
}
#: Python run from the shell in the tutorial (`uv run python - <<'PY' … PY`): the migration draft.
HEREDOCS = re.findall(r"<<'PY'\n(.*?)^PY$", TUTORIAL, re.S | re.M)
PYTHON = {path: body for path, body in FILES.items() if path.endswith(".py")} | {
    f"heredoc {index}": body for index, body in enumerate(HEREDOCS)
}
TREES = {path: ast.parse(body, filename=path) for path, body in PYTHON.items()}
PLATFORM_PACKAGES = {"core", "gateway", "plugins", "migrations", "tests"}


def package_file(name: str) -> str:
    return f"{PACKAGE}/{name}"


def top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {
                target.id for target in node.targets if isinstance(target, ast.Name)
            }
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def imported_from(tree: ast.Module, module: str) -> set[str]:
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    }


def string_constants(tree: ast.Module) -> dict[str, str]:
    """Top-level NAME = "text" and NAME = f"{MODULE_KEY}.text" assignments, resolved."""
    values: dict[str, str] = {}
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            continue
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            values[node.targets[0].id] = value.value
        elif isinstance(value, ast.JoinedStr):
            parts = []
            for part in value.values:
                if isinstance(part, ast.Constant):
                    parts.append(part.value)
                elif (
                    isinstance(part, ast.FormattedValue)
                    and isinstance(part.value, ast.Name)
                    and part.value.id == "MODULE_KEY"
                ):
                    parts.append(MODULE_KEY)
                else:
                    break
            else:
                values[node.targets[0].id] = "".join(parts)
    return values


def test_the_tutorial_shows_a_whole_module_and_every_code_block_is_a_marked_file() -> (
    None
):
    expected = {
        "luierpakket/pyproject.toml",
        package_file("__init__.py"),
        package_file("models.py"),
        package_file("permissions.py"),
        package_file("workflows.py"),
        package_file("graphql/__init__.py"),
        package_file("hooks.py"),
        "luierpakket/tests/conftest.py",
    }
    assert expected <= set(FILES), (
        f"missing file blocks: {sorted(expected - set(FILES))}"
    )
    assert any(path.startswith(package_file("migrations/versions/")) for path in FILES)
    assert any(re.fullmatch(r"luierpakket/tests/test_\w+\.py", path) for path in FILES)
    # Every python/toml block is a file the reader writes, with its path above it.
    fenced = len(re.findall(r"^```(?:python|toml)$", TUTORIAL, re.M))
    assert fenced == len(FILES), (
        "a ```python or ```toml block without a `<!-- file: PATH -->` line above it"
    )
    assert len(re.findall(r"<!-- file: ", TUTORIAL)) == len(FILES), (
        "a file marker not followed by its code block"
    )
    assert HEREDOCS, "the migration draft (uv run python - <<'PY') is gone"


@pytest.mark.parametrize("path", sorted(PYTHON))
def test_every_python_block_compiles(path: str) -> None:
    compile(PYTHON[path], path, "exec")


@pytest.mark.parametrize("path", sorted(PYTHON))
def test_only_the_plugin_api_and_the_test_kit_are_imported_from_the_platform(
    path: str,
) -> None:
    allowed = (
        {"core.plugin", "core.testing"}
        if path.startswith("luierpakket/tests/")
        else {"core.plugin"}
    )
    for node in ast.walk(TREES[path]):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, (
                f"{path}: a relative import (import the package absolutely)"
            )
            modules = [node.module or ""]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            if module.split(".")[0] in PLATFORM_PACKAGES:
                assert module in allowed, (
                    f"{path} imports {module}; a module may import only {sorted(allowed)}"
                )
    missing = imported_from(TREES[path], "core.plugin") - set(core.plugin.__all__)
    assert not missing, f"{path}: not in core.plugin.__all__: {sorted(missing)}"
    missing = {
        name
        for name in imported_from(TREES[path], "core.testing")
        if not hasattr(core.testing, name)
    }
    assert not missing, f"{path}: core.testing has no {sorted(missing)}"


@pytest.mark.parametrize("path", sorted(PYTHON))
def test_calls_into_the_platform_fit_their_signatures(path: str) -> None:
    """Each call of a function or class imported from core.plugin / core.testing binds to its
    signature (a renamed keyword, a new required argument or a dropped one fails here)."""
    tree = TREES[path]
    api: dict[str, Any] = {
        name: getattr(core.plugin, name) for name in imported_from(tree, "core.plugin")
    }
    api |= {
        name: getattr(core.testing, name)
        for name in imported_from(tree, "core.testing")
    }
    checked = 0
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in api
        ):
            continue
        if any(isinstance(arg, ast.Starred) for arg in node.args) or any(
            keyword.arg is None for keyword in node.keywords
        ):
            continue
        target = api[node.func.id]
        if not callable(target) or isinstance(target, str):
            continue
        signature = inspect.signature(target)
        try:
            signature.bind(
                *[None] * len(node.args),
                **{keyword.arg: None for keyword in node.keywords},
            )
        except TypeError as error:
            pytest.fail(
                f"{path}, line {node.lineno}: {node.func.id}{signature}: {error}"
            )
        checked += 1
    # Methods of the unit of work the tutorial calls (work.reference_exists(...), ...).
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "work"
        ):
            assert (
                hasattr(core.plugin.Work, node.attr)
                or node.attr in core.plugin.Work.__dataclass_fields__
            ), f"{path}, line {node.lineno}: Work has no {node.attr}"
    if path.endswith(("services/requests.py", "workflows.py", "permissions.py")):
        assert checked, f"{path}: no call into core.plugin was checked"


def test_the_files_are_at_the_resource_paths_the_module_object_reads() -> None:
    declared = {}
    for kind, location in DEFAULT_RESOURCES.items():
        submodule, attribute = location.split(":")
        declared[submodule.replace(".", "/")] = (kind, attribute)
    shown = {
        path[len(PACKAGE) + 1 :].removesuffix(".py").removesuffix("/__init__"): path
        for path in PYTHON
        if path.startswith(PACKAGE + "/")
    }
    for submodule in (
        "config",
        "models",
        "permissions",
        "processing",
        "workflows",
        "graphql",
    ):
        assert submodule in declared, (
            f"core.module no longer reads a resource from {submodule}: update the tutorial"
        )
        kind, attribute = declared[submodule]
        assert submodule in shown, f"the tutorial has no {submodule}"
        assert attribute in top_level_names(TREES[shown[submodule]]), (
            f"{shown[submodule]} must define {attribute} ({kind})"
        )
    init = TREES[package_file("__init__.py")]
    assert top_level_names(init) == {"MODULE_KEY", "module"}, (
        "__init__.py declares nothing but MODULE_KEY and the module object"
    )
    assert string_constants(init)["MODULE_KEY"] == MODULE_KEY


def test_the_hooks_are_real_tenant_hooks_with_their_own_arguments() -> None:
    tree = TREES[package_file("hooks.py")]
    implemented = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any(
            isinstance(decorator, ast.Name) and decorator.id == "hookimpl"
            for decorator in node.decorator_list
        )
    ]
    assert implemented, "hooks.py implements no hook"
    for function in implemented:
        spec = hookspecs.HOOKS.get(function.name)
        assert spec is not None, (
            f"hooks.py: {function.name} is not a hook of core.hookspecs"
        )
        assert spec.scope.value != "process", (
            f"hooks.py: {function.name} is a process hook (answered by a resource)"
        )
        arguments = [argument.arg for argument in function.args.args]
        assert set(arguments) <= set(spec.arguments), (
            f"hooks.py: {function.name}({arguments}) but the hook has {spec.arguments}"
        )
    # The event it listens to is one handvat 2 declares, with the payload field it reads.
    events = (ROOT / "plugins" / "handvat2_signaleren" / "events.py").read_text(
        encoding="utf-8"
    )
    assert 'f"{MODULE_KEY}.family.erased"' in events and '"family_id"' in events
    assert (
        string_constants(tree)["FAMILY_ERASED"] == "handvat2_signaleren.family.erased"
    )


def test_permissions_are_the_modules_own_and_granted_to_tenant_roles() -> None:
    tree = TREES[package_file("permissions.py")]
    names = string_constants(tree)
    granted = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Permission"
    ]
    assert len(granted) >= 2
    for call in granted:
        name = names[call.args[0].id]  # type: ignore[attr-defined]
        assert re.fullmatch(rf"{MODULE_KEY}\.[a-z_]+\.[a-z_]+", name), name
        roles = call.args[2]
        assert isinstance(roles, ast.Tuple)
        for role in roles.elts:
            assert getattr(core.plugin, role.id) in core.plugin.TENANT_ROLES, (
                f"{role.id} is not a tenant role"
            )  # type: ignore[attr-defined]
    # The services check the permissions the GraphQL layer and the workflow name.
    used = "".join(FILES[path] for path in FILES if path.startswith(PACKAGE))
    for constant in names:
        if constant.startswith("REQUEST_"):
            assert used.count(constant) >= 3, f"{constant} is declared but hardly used"


def test_pyproject_registers_the_module_and_loads_the_test_kit() -> None:
    project = tomllib.loads(FILES["luierpakket/pyproject.toml"])
    entry_points = project["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert entry_points == {MODULE_KEY: "kansrijk_luierpakket:module"}
    assert project["project"]["dependencies"] == []
    assert "kansrijkestart" in project["dependency-groups"]["dev"]
    assert project["tool"]["uv"]["sources"]["kansrijkestart"] == {
        "path": "../kansrijkestart",
        "editable": True,
    }
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/kansrijk_luierpakket"
    ]
    platform = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert platform["project"]["name"] == "kansrijkestart", (
        "the dev dependency names the platform's distribution"
    )
    options = project["tool"]["pytest"]["ini_options"]
    assert "-p core.testing" in options["addopts"] and options["asyncio_mode"] == "auto"
    meta = next(
        node
        for node in ast.walk(TREES[package_file("__init__.py")])
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ModuleMeta"
    )
    keywords = {keyword.arg: keyword.value for keyword in meta.keywords}
    assert isinstance(keywords["key"], ast.Name) and keywords["key"].id == "MODULE_KEY"
    required = ast.literal_eval(keywords["plugin_api"])
    assert core.plugin.PLUGIN_API_VERSION in SpecifierSet(required), (
        f"plugin_api {required} excludes {core.plugin.PLUGIN_API_VERSION}"
    )
    # A lower bound only (a platform upgrade must not lock the module out), and the text
    # beside it names the platform's current version.
    assert all(spec.operator == ">=" for spec in SpecifierSet(required)), required
    assert f'`plugin_api="{required}"`' in TUTORIAL
    stated = re.findall(r"the platform \(now at (\d+\.\d+)\)", TUTORIAL)
    current = core.plugin.PLUGIN_API_VERSION
    assert stated == [current], f"the tutorial says {stated}, the platform is at {current}"


def test_the_migration_is_a_branch_of_its_own_for_the_models_tables() -> None:
    (path,) = [
        path for path in FILES if path.startswith(package_file("migrations/versions/"))
    ]
    values = {}
    for node in TREES[path].body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    assert values["down_revision"] is None and values["branch_labels"] == (MODULE_KEY,)
    assert values["revision"].startswith(f"{MODULE_KEY}_") and Path(
        path
    ).name.startswith(values["revision"])
    core_revisions = "".join(
        file.read_text(encoding="utf-8")
        for file in (ROOT / "migrations" / "versions").glob("*.py")
    )
    assert re.search(
        rf"^revision(?:: str)? = ['\"]{values['depends_on']}['\"]", core_revisions, re.M
    ), f"no core revision {values['depends_on']}"
    tables = set(
        re.findall(r'__tablename__ = "(\w+)"', FILES[package_file("models.py")])
    )
    created = set(re.findall(r'op\.create_table\(\s*"(\w+)"', FILES[path]))
    dropped = set(re.findall(r'op\.drop_table\("(\w+)"\)', FILES[path]))
    assert tables == created == dropped and all(
        table.startswith(f"{MODULE_KEY}_") for table in tables
    )


def test_the_commands_fields_and_links_it_uses_exist() -> None:
    commands = typer.main.get_command(cli_app)
    used: dict[tuple[str, ...], set[str]] = {}
    for words, rest in re.findall(
        r"\bkansrijk ((?:module \w+)|migrate|serve)\b([^\n`]*)", TUTORIAL
    ):
        used.setdefault(tuple(words.split()), set()).update(
            re.findall(r"(?<!\S)(--[a-z][a-z-]*)", rest)
        )
    assert {
        ("module", "list"),
        ("module", "enable"),
        ("module", "disable"),
        ("migrate",),
        ("serve",),
    } <= set(used)
    assert {"--tenant", "--config"} <= used[("module", "enable")] and {
        "--demo",
        "--port",
    } <= used[("serve",)]
    for words, options in used.items():
        command = commands
        for word in words:
            assert word in command.commands, (
                f"kansrijk has no command {' '.join(words)}"
            )  # type: ignore[attr-defined]
            command = command.commands[word]  # type: ignore[attr-defined]
        have = {
            option
            for parameter in command.params
            for option in getattr(parameter, "opts", [])
        }
        assert options <= have, (
            f"kansrijk {' '.join(words)} has no {sorted(options - have)}"
        )
    # What the curl steps ask of core and handvat 2.
    schema = (ROOT / "docs" / "schema.graphql").read_text(encoding="utf-8")
    for text in (
        "registerFamily(input: RegisterFamilyInput!)",
        "birthMonth: String",
        "KIND_0_2",
        "SCHULDHULPVERLENING",
        "enableModule(input: EnableModuleInput!)",
        "eraseFamily(input: EraseFamilyInput!)",
        "partners(",
    ):
        assert text in schema, f"docs/schema.graphql has no {text}"
    hooks = (ROOT / "plugins" / "handvat2_signaleren" / "hooks.py").read_text(
        encoding="utf-8"
    )
    assert (
        'work.reference_exists("handvat2_signaleren.family", '
        in FILES[package_file("services/requests.py")]
    )
    assert 'FAMILY_REFERENCE = f"{MODULE_KEY}.family"' in hooks, (
        "handvat 2 no longer answers the kind handvat2_signaleren.family"
    )
    # Links into docs/plugins.md land on a heading (GitHub's anchors).
    plugins = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#{2,3} (.+)$", plugins, re.M)
    }
    links = set(re.findall(r"\(plugins\.md#([^)]+)\)", TUTORIAL))
    assert links and not links - anchors, (
        f"docs/plugins.md has no section {sorted(links - anchors)}"
    )
    for document in re.findall(r"\]\((\w[\w-]*\.md)[)#]", TUTORIAL):
        assert (ROOT / "docs" / document).exists(), document


def _entry_point_keys(pyproject: Path) -> set[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return set(project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {}))


def _workspace_members() -> list[Path]:
    platform = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    workspace = platform.get("tool", {}).get("uv", {}).get("workspace", {})
    return [
        folder
        for pattern in workspace.get("members", [])
        for folder in sorted(ROOT.glob(pattern))
    ]


def _revisions(folder: Path) -> dict[str, str | None]:
    """revision -> down_revision of every revision file in an Alembic versions folder."""
    found: dict[str, str | None] = {}
    for file in folder.glob("*.py"):
        text = file.read_text(encoding="utf-8")
        revision = re.search(r"^revision(?:: [^=]+)? = ['\"](\w+)['\"]", text, re.M)
        down = re.search(
            r"^down_revision(?:: [^=]+)? = (?:['\"](\w+)['\"]|None)", text, re.M
        )
        if revision and down:
            found[revision.group(1)] = down.group(1)
    return found


def test_the_outputs_name_the_installed_modules_and_the_newest_revisions() -> None:
    """The outputs of `kansrijk module list`, `serve` and `migrate` in the tutorial name what
    a fresh clone has: the platform's own modules, the workspace members its dev group
    installs (examples/babyspullen) and luierpakket; the head of every migration branch."""
    members = _workspace_members()
    installed = _entry_point_keys(ROOT / "pyproject.toml") | {MODULE_KEY}
    for member in members:
        installed |= _entry_point_keys(member / "pyproject.toml")
    expected = sorted(installed)
    listings: list[list[str]] = []
    current: list[str] = []
    for line in [*TUTORIAL.splitlines(), ""]:
        match = re.match(r"^(?:on   |off  )?([a-z]\w*) +\d+\.\d+\.\d+ {2,}\S", line)
        if match:
            current.append(match.group(1))
        elif current:
            listings.append(current)
            current = []
    assert len(listings) == 3, "the tutorial shows `kansrijk module list` three times"
    for listing in listings:
        assert listing == expected, f"a module list shows {listing}, not {expected}"
    (started,) = re.findall(r"app\.started .*? modules=(\[[^\]]*\])", TUTORIAL)
    assert ast.literal_eval(started) == expected, "the demo server's app.started line"
    # `kansrijk migrate` answers the head of every branch, sorted.
    folders = [
        ROOT / "migrations" / "versions",
        *sorted(ROOT.glob("plugins/*/migrations/versions")),
        *(
            folder
            for member in members
            for folder in sorted(member.glob("src/*/migrations/versions"))
        ),
    ]
    revisions: dict[str, str | None] = {}
    for folder in folders:
        revisions |= _revisions(folder)
    (migration,) = [
        path for path in FILES if path.startswith(package_file("migrations/versions/"))
    ]
    ours = re.search(r'^revision = "(\w+)"', FILES[migration], re.M)
    assert ours is not None
    revisions[ours.group(1)] = None
    heads = sorted(set(revisions) - set(revisions.values()))
    (shown,) = re.findall(r"^Database at: (.+)$", TUTORIAL, re.M)
    assert shown.split(", ") == heads, f"`kansrijk migrate` answers {', '.join(heads)}"
    # Links to the platform's examples land on a folder or file that exists.
    for target in re.findall(r"\]\(\.\./([\w./-]+)\)", TUTORIAL):
        assert (ROOT / target).exists(), target
