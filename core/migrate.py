"""Alembic, driven from code: core's revisions plus one branch per module.

Core's revisions live in `migrations/versions` (branch label `core`); every module returns
its own versions directory from `register_migrations`, whose revisions carry the module key
as branch label and depend on core. `upgrade` brings every branch to its head; `purge`
downgrades one module's branch to base (its tables are gone, the rest stays).
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.sql.sqltypes import AutoString

from core.db import SYSTEM_SETTING, TENANT_SETTING, DataShape, UTCDateTime, create_engine, data_shape, metadata
from core.runtime import ModuleRuntime

log = structlog.get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(runtime: ModuleRuntime, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(path) for path in runtime.migration_dirs()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["target_metadata"] = target_metadata(runtime)
    return config


#: Objects named like this are created by hand in migrations (full-text search indexes and
#: SQLite FTS5 tables with their shadow tables) and left alone by autogenerate.
UNMANAGED_PREFIX = "fts_"


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the platform's column types as plain SQLAlchemy types in generated revisions
    (a revision imports `sqlalchemy as sa`, not sqlmodel or core): a moment, a JSON column,
    and SQLModel's string (`str` fields without an explicit column)."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length is not None else "sa.String()"
    if isinstance(obj, JSON) and getattr(obj, "_variant_mapping", None):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (name or "").startswith(UNMANAGED_PREFIX)


def target_metadata(runtime: ModuleRuntime) -> MetaData:
    """The tables of core and the loaded modules only (other models imported in the same
    process, e.g. by tests, are not part of this platform's schema)."""
    tables = {model.__table__.name for model in runtime.models()}  # type: ignore[attr-defined]
    subset = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        if table.name in tables:
            table.to_metadata(subset)
    return subset


def script_heads(runtime: ModuleRuntime) -> set[str]:
    return set(_script(runtime).get_heads())


def _script(runtime: ModuleRuntime) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(runtime, "sqlite://"))


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def pending_revisions(runtime: ModuleRuntime, current_heads: set[str]) -> set[str]:
    """Revisions not applied yet. The version table keeps only the tips (a module's head
    implies the core revision it depends on), so the applied set is every revision
    reachable from them through down revisions and dependencies."""
    script = _script(runtime)
    revisions = {revision.revision: revision for revision in script.walk_revisions()}
    applied: set[str] = set()
    stack = [head for head in current_heads if head in revisions]
    while stack:
        revision_id = stack.pop()
        if revision_id in applied:
            continue
        applied.add(revision_id)
        revision = revisions[revision_id]
        for parent in (*_as_tuple(revision.down_revision), *_as_tuple(revision.dependencies)):
            target = script.get_revision(parent)  # resolves branch labels such as "core@head"
            if target is not None:
                stack.append(target.revision)
    return set(revisions) - applied


def unknown_revisions(runtime: ModuleRuntime, current_heads: set[str]) -> set[str]:
    """Revisions in the database that no loaded branch provides (a module was uninstalled
    without purging it first, or failed to load)."""
    known = {revision.revision for revision in _script(runtime).walk_revisions()}
    return set(current_heads) - known


def branch_problems(runtime: ModuleRuntime) -> dict[str, str]:
    """Modules whose migrations do not form their own branch on top of core: the first
    revision must carry the module key as branch label and depend on a core revision."""
    script = _script(runtime)
    problems: dict[str, str] = {}
    for key, module in runtime.modules.items():
        directory = module.migrations_dir
        if directory is None:
            continue
        revisions = [
            revision for revision in script.walk_revisions() if Path(revision.path).parent.resolve() == directory.resolve()
        ]
        for revision in revisions:
            if revision.down_revision is not None:
                continue
            if key not in (revision.branch_labels or set()):
                problems[key] = f"first revision {revision.revision} must have branch_labels = ({key!r},)"
            elif not _as_tuple(revision.dependencies):
                problems[key] = f"first revision {revision.revision} must depend on a core revision (depends_on)"
    return problems


def dependents_of_branch(runtime: ModuleRuntime, key: str) -> list[str]:
    """Revisions of other branches that depend on a revision of this module's branch."""
    script = _script(runtime)
    own = {revision.revision for revision in script.walk_revisions() if key in (revision.branch_labels or set())}
    return sorted(
        revision.revision
        for revision in script.walk_revisions()
        if revision.revision not in own
        and any((target := script.get_revision(dependency)) is not None and target.revision in own for dependency in _as_tuple(revision.dependencies))
    )


async def _run(engine: AsyncEngine, config: Config, action: Callable[[Config], Any]) -> None:
    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        action(config)

    async with engine.begin() as connection:
        await connection.run_sync(run)


class UnknownRevisions(RuntimeError):
    """The database holds revisions of a module that is not installed (or not loaded)."""


async def upgrade(runtime: ModuleRuntime, url: str, *, app_url: str | None = None) -> None:
    """Bring every branch to its head (as the owner, `url`). On PostgreSQL, then give every
    tenant-scoped, shared and national reference table its row-level security and, when
    the app connects as another role (`app_url`), create or update that role and its
    grants."""
    engine = create_engine(url)
    try:
        unknown = unknown_revisions(runtime, await applied_heads(engine))
        if unknown:
            raise UnknownRevisions(
                f"the database has revisions no installed module provides: {', '.join(sorted(unknown))}. "
                "Install that module again (purge it with `kansrijk module purge KEY` before uninstalling it)."
            )
        await _run(engine, alembic_config(runtime, url), lambda config: command.upgrade(config, "heads"))
        if engine.dialect.name == "postgresql":
            async with engine.begin() as connection:
                await install_job_schema(connection)
                await connection.run_sync(lambda sync: secure_postgres(sync, runtime, url, app_url))
    finally:
        await engine.dispose()


# -- layer 2 of tenant isolation: PostgreSQL row-level security ----------------------------

# TENANT_SETTING and SYSTEM_SETTING (core.db) are set per transaction when it begins
# (`_set_tenant_for_row_level_security`): the tenant of a tenant context, or "on" in the
# system context (`core.tenancy.system_context`).
#: Unset or empty (after a transaction that set it ended) means no tenant: no rows.
TENANT_EXPRESSION = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid"
#: The system context: marked as such and no tenant. A tenant transaction never passes
#: (its tenant is set), nor does a transaction without any context (nothing is set).
SYSTEM_EXPRESSION = (
    f"({TENANT_EXPRESSION} IS NULL AND COALESCE(current_setting('{SYSTEM_SETTING}', true), '') = 'on')"
)
POLICY_NAME = "tenant_isolation"
#: The policies of each data shape: name -> (command, USING, WITH CHECK). Permissive
#: policies of one command are OR-ed, so a shared row is read when it is published or
#: the tenant's own, and written (UPDATE and DELETE find, INSERT and UPDATE leave) only
#: when it is the tenant's own.
SHAPE_POLICIES: dict[DataShape, dict[str, tuple[str, str | None, str | None]]] = {
    DataShape.TENANT: {
        POLICY_NAME: ("ALL", f"tenant_id = {TENANT_EXPRESSION}", f"tenant_id = {TENANT_EXPRESSION}"),
    },
    DataShape.SHARED: {
        "shared_read": ("SELECT", f"published OR owner_tenant_id = {TENANT_EXPRESSION}", None),
        "shared_write": ("ALL", f"owner_tenant_id = {TENANT_EXPRESSION}", f"owner_tenant_id = {TENANT_EXPRESSION}"),
    },
    DataShape.REFERENCE: {
        "reference_read": ("SELECT", "true", None),
        "reference_write": ("ALL", SYSTEM_EXPRESSION, SYSTEM_EXPRESSION),
    },
}
#: Every policy name the platform manages (a table whose shape changed loses the old ones).
MANAGED_POLICIES = tuple(name for policies in SHAPE_POLICIES.values() for name in policies)
#: Tables the app role may only add to (and read): the processing log is append-only,
#: apart from the chain columns its sealer fills in once (a trigger refuses any other change).
APPEND_ONLY_TABLES = {"processing_log": ("seq", "previous_hash", "record_hash")}


def isolated_tables(runtime: ModuleRuntime) -> dict[str, DataShape]:
    """Every table of core and the loaded modules with a data shape, and its shape."""
    shapes = {model.__table__.name: data_shape(model) for model in runtime.models()}  # type: ignore[attr-defined]
    return {table: shape for table, shape in sorted(shapes.items()) if shape is not None}


def tenant_tables(runtime: ModuleRuntime) -> list[str]:
    """Every tenant-scoped table of core and the loaded modules."""
    return [table for table, shape in isolated_tables(runtime).items() if shape is DataShape.TENANT]


def shared_tables(runtime: ModuleRuntime) -> list[str]:
    """Every shared table (`SharedModel`) of core and the loaded modules."""
    return [table for table, shape in isolated_tables(runtime).items() if shape is DataShape.SHARED]


def national_reference_tables(runtime: ModuleRuntime) -> list[str]:
    """Every national reference table (`NationalReferenceModel`) of core and the loaded modules."""
    return [table for table, shape in isolated_tables(runtime).items() if shape is DataShape.REFERENCE]


def shape_problems(runtime: ModuleRuntime) -> dict[str, str]:
    """Modules with a table that has no data shape (it would be isolated by nothing) or
    more than one: every module table is a `TenantScopedModel`, a `SharedModel` or a
    `NationalReferenceModel`."""
    problems: dict[str, str] = {}
    for key, module in runtime.modules.items():
        for model in module.contributions.models:
            try:
                shape = data_shape(model)
            except TypeError as exc:
                problems[key] = str(exc)
                break
            if shape is None:
                problems[key] = (
                    f"{model.__name__} is neither a TenantScopedModel, a SharedModel nor a NationalReferenceModel"
                )
                break
    return problems


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal (DDL takes no bind parameters)."""
    return "'" + value.replace("'", "''") + "'"


def row_level_security_sql(table: str, shape: DataShape = DataShape.TENANT) -> list[str]:
    """What every table of a data shape gets (idempotent): RLS enabled and forced (also for
    the owner), and exactly the shape's policies (`SHAPE_POLICIES`): a tenant table one
    policy on the transaction's tenant for reading and writing; a shared table reading of
    published or own rows and writing of own rows; national reference data reading for
    everyone and writing in the system context only."""
    name = quote(table)
    statements = [f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY", f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY"]
    statements += [f"DROP POLICY IF EXISTS {quote(policy)} ON {name}" for policy in MANAGED_POLICIES]
    for policy, (applies_to, using, check) in SHAPE_POLICIES[shape].items():
        statement = f"CREATE POLICY {quote(policy)} ON {name} FOR {applies_to}"
        if using is not None:
            statement += f" USING ({using})"
        if check is not None:
            statement += f" WITH CHECK ({check})"
        statements.append(statement)
    return statements


def app_role_sql(role: str, password: str | None, database: str, tables: list[str]) -> list[str]:
    """Create or update the role the app connects as: it owns nothing, is no superuser,
    cannot bypass row-level security, and may only read and write rows (the processing
    log: only add and read)."""
    name = quote(role)
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal(role)}) "
        f"THEN CREATE ROLE {name} LOGIN; END IF; END $$",
        f"ALTER ROLE {name} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"
        + (f" PASSWORD {literal(password)}" if password else ""),
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {name}",
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"REVOKE CREATE ON SCHEMA public FROM {name}",
    ]
    for table in tables:
        if table in APPEND_ONLY_TABLES:
            statements.append(f"REVOKE ALL ON {quote(table)} FROM {name}")
            statements.append(f"GRANT SELECT, INSERT ON {quote(table)} TO {name}")
            if APPEND_ONLY_TABLES[table]:
                columns = ", ".join(quote(column) for column in APPEND_ONLY_TABLES[table])
                statements.append(f"GRANT UPDATE ({columns}) ON {quote(table)} TO {name}")
        elif table == "alembic_version":
            statements.append(f"REVOKE ALL ON {quote(table)} FROM {name}")
            statements.append(f"GRANT SELECT ON {quote(table)} TO {name}")
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {quote(table)} TO {name}")
    return statements


def secure_postgres(connection: Connection, runtime: ModuleRuntime, owner_url: str, app_url: str | None) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    for table, shape in isolated_tables(runtime).items():
        for statement in row_level_security_sql(table, shape):
            connection.execute(text(statement))
    owner, app = make_url(owner_url), make_url(app_url) if app_url else None
    if app is None or app.username in (None, owner.username):
        return
    existing = set(connection.dialect.get_table_names(connection))
    for statement in app_role_sql(app.username, app.password, app.database or "", sorted(existing)):
        connection.execute(text(statement))
    for statement in job_role_sql(app.username):
        connection.execute(text(statement))
    log.info("migrate.app_role_updated", role=app.username)
    log.info("migrate.upgraded", heads=sorted(script_heads(runtime)))


# -- the job engine's schema (procrastinate, PostgreSQL only) -------------------------------

#: procrastinate's tables, types and functions live in a schema of their own: they are not
#: tenant tables (no row-level security; they hold no personal data, only task names and
#: times), Alembic's comparison with the models does not see them, and the app role's
#: grants there are exactly what procrastinate needs. The worker's connections put this
#: schema on their search path (core/jobs.py).
JOB_SCHEMA = "procrastinate"
#: The schema's comment names the procrastinate version whose schema it has.
JOB_SCHEMA_MARK = "procrastinate "


def job_schema_migrations() -> list[tuple[Any, Path]]:
    """procrastinate's migration scripts with the version each belongs to, in order."""
    from packaging.version import InvalidVersion, Version
    from procrastinate.schema import SchemaManager

    scripts = []
    for path in sorted(Path(SchemaManager.get_migrations_path()).glob("*.sql")):
        try:
            scripts.append((Version(path.name.split("_", 1)[0]), path))
        except InvalidVersion:
            continue
    return scripts


async def install_job_schema(connection: Any) -> str | None:
    """Install procrastinate's schema in JOB_SCHEMA (as the owner, in the caller's
    transaction), or bring an installed one up to the installed procrastinate's version
    with procrastinate's migration scripts. Returns what was done, or None.

    Upgrading procrastinate: stop the workers, run `kansrijk migrate`, start the new ones
    (its migrations then apply as one step; procrastinate splits some in a part before and
    a part after the deploy for zero-downtime upgrades, which this does not attempt)."""
    from importlib.metadata import version

    from packaging.version import InvalidVersion, Version
    from procrastinate.schema import SchemaManager
    from sqlalchemy import text

    target = Version(version("procrastinate"))
    row = (
        await connection.execute(
            text("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = :schema"), {"schema": JOB_SCHEMA}
        )
    ).first()
    if row is None:
        scripts, done = [SchemaManager.get_schema()], f"installed procrastinate {target}"
        await connection.execute(text(f"CREATE SCHEMA {quote(JOB_SCHEMA)}"))
    else:
        mark = row[0] or ""
        try:
            installed = Version(mark.removeprefix(JOB_SCHEMA_MARK)) if mark.startswith(JOB_SCHEMA_MARK) else None
        except InvalidVersion:
            installed = None
        if installed is None:
            raise RuntimeError(f"schema {JOB_SCHEMA} exists but was not made by `kansrijk migrate` (comment {mark!r})")
        if installed >= target:
            return None
        scripts = [path.read_text(encoding="utf-8") for script_version, path in job_schema_migrations() if installed < script_version <= target]
        done = f"migrated procrastinate {installed} to {target}"
    search_path = (await connection.execute(text("SELECT current_setting('search_path')"))).scalar_one()
    await connection.execute(text("SELECT set_config('search_path', :path, true)"), {"path": JOB_SCHEMA})
    driver = (await connection.get_raw_connection()).driver_connection
    for script in scripts:
        await driver.execute(script)  # several statements: the simple query protocol, no parameters
    await connection.execute(text("SELECT set_config('search_path', :path, true)"), {"path": search_path})
    await connection.execute(text(f"COMMENT ON SCHEMA {quote(JOB_SCHEMA)} IS {literal(JOB_SCHEMA_MARK + str(target))}"))
    log.info("migrate.job_schema", done=done)
    return done


def job_role_sql(role: str) -> list[str]:
    """What the app role (which `kansrijk worker` connects as too) may do in the job schema:
    use it, read and write rows of its tables, draw from its sequences and call its
    functions and procedures; it creates and owns nothing there."""
    name, schema = quote(role), quote(JOB_SCHEMA)
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {name}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
        f"GRANT EXECUTE ON ALL ROUTINES IN SCHEMA {schema} TO {name}",
    ]


async def job_schema_installed(engine: AsyncEngine) -> bool:
    """Whether procrastinate's schema is there (PostgreSQL; installed by `kansrijk migrate`)."""
    from sqlalchemy import text

    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT to_regclass(:table) IS NOT NULL"), {"table": f"{JOB_SCHEMA}.procrastinate_jobs"}
        )
        return bool(found.scalar_one())


def module_has_revisions(runtime: ModuleRuntime, key: str) -> bool:
    script = _script(runtime)
    return any(key in (revision.branch_labels or ()) for revision in script.walk_revisions())


async def purge_module(runtime: ModuleRuntime, url: str, key: str) -> bool:
    """Downgrade the module's branch to base. False when it has no revisions at all."""
    if not module_has_revisions(runtime, key):
        return False
    engine = create_engine(url)
    try:
        await _run(engine, alembic_config(runtime, url), lambda config: command.downgrade(config, f"{key}@base"))
    finally:
        await engine.dispose()
    log.info("migrate.purged", module=key)
    return True


async def applied_heads(engine: AsyncEngine) -> set[str]:
    def read(connection: Connection) -> set[str]:
        if not connection.dialect.has_table(connection, "alembic_version"):
            return set()
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        return await connection.run_sync(read)


# -- a module author's next revision ---------------------------------------------------------------


class RevisionNotWritable(RuntimeError):
    """The module's migrations folder is not its source (an installed copy) or cannot be written."""


async def draft_module_revision(runtime: ModuleRuntime, key: str, message: str, scratch: Path) -> Path | None:
    """Write the next revision of module `key`'s branch into its migrations folder: what its
    models add to the schema that every branch's migrations make, found by Alembic's
    autogenerate against a scratch SQLite database (in `scratch`) brought to every head.
    The first revision carries the module key as branch label and depends on core's head;
    later ones follow the branch's head. Returns the file, or None when the models and the
    migrations already agree (no file is left). Review the draft before committing it: a
    rename reads as a drop and an add, and data migrations are never generated."""
    directory = runtime.modules[key].migrations_dir
    if directory is None:
        raise RevisionNotWritable(f"{key} declares no migrations folder (register_migrations / the Module's `migrations`)")
    directory = Path(directory)
    if "site-packages" in directory.parts or "dist-packages" in directory.parts:
        raise RevisionNotWritable(
            f"{key} runs from an installed copy ({directory}): run this in the module's own project, where it is installed editable"
        )
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{scratch / 'draft.sqlite3'}"
    await upgrade(runtime, url)
    script = _script(runtime)
    own = [revision for revision in script.walk_revisions() if Path(revision.path).parent.resolve() == directory.resolve()]
    options: dict[str, Any] = {"rev_id": f"{key}_{len(own) + 1:04d}"}
    if own:
        options["head"] = f"{key}@head"
    else:
        core_head = script.get_revision("core@head")
        options.update(head="base", branch_label=key, depends_on=core_head.revision if core_head else None)
    engine = create_engine(url)
    written: list[Path] = []

    def generate(config: Config) -> None:
        with contextlib.redirect_stdout(io.StringIO()):  # Alembic's "Generating …": the caller says what it wrote
            made = command.revision(config, message=message, autogenerate=True, version_path=str(directory), **options)
        written.extend(Path(item.path) for item in (made if isinstance(made, list) else [made]) if item is not None)

    try:
        await _run(engine, alembic_config(runtime, url), generate)
    finally:
        await engine.dispose()
    path = written[0] if written else None
    if path is not None and _upgrade_is_empty(path):
        path.unlink()  # nothing to migrate: no empty revision
        return None
    return path


def _upgrade_is_empty(path: Path) -> bool:
    """Whether the revision's `upgrade()` does nothing (only `pass`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    upgrade_function = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "upgrade")
    return all(isinstance(statement, ast.Pass) for statement in upgrade_function.body)
