"""Test support for the platform and for module authors (a pytest plugin).

Use it from a module's tests with `pytest_plugins = ["core.testing"]`. It gives:

* `backend`: "sqlite" and "postgresql" (every test that uses the database runs on both;
  PostgreSQL is skipped when unreachable, except under `CI=true`, where that fails);
* `database_url`: a fresh, empty database for the session (SQLite file or a new
  PostgreSQL database, dropped afterwards);
* `platform`: a migrated `Platform` on it (debug on, strict module loading), with the
  modules listed in the `kansrijk_test_modules` fixture (override it to add yours);
* `clean_database`: empties every table after the test (autouse for tests using `platform`);
* `execute`: run a GraphQL operation as a member of a tenant, without HTTP.

Set `KANSRIJK_TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`) to
the administrative database the suite may create its databases from.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from core import migrate
from core.config import Settings
from core.db import metadata
from core.graphql.errors import result_body
from core.platform import Platform
from core.runtime import ModuleSource
from core.services import coalition
from core.services import modules as module_service
from core.services.tenants import create_tenant

POSTGRES_ADMIN_URL = os.environ.get("KANSRIJK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ("sqlite", "postgresql")
TEST_SECRET = "test-secret-for-the-kansrijk-test-suite-only"

_postgres_checked: dict[str, str | None] = {}
backends_used: dict[str, int] = {"sqlite": 0, "postgresql": 0}


async def postgres_unavailable_reason() -> str | None:
    """None when the administrative PostgreSQL database answers, else why not."""
    if "reason" not in _postgres_checked:
        import asyncpg

        try:
            connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
            await connection.close()
            _postgres_checked["reason"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means unavailable
            _postgres_checked["reason"] = f"{type(exc).__name__}: {exc}"
    return _postgres_checked["reason"]


def _async_url(admin_url: str, database: str) -> str:
    base = admin_url.rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{database}"


async def create_postgres_database() -> tuple[str, str]:
    """A new, empty PostgreSQL database: (async URL of the administrative role, name)."""
    import asyncpg

    name = f"kansrijk_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return _async_url(POSTGRES_ADMIN_URL, name), name


async def drop_postgres_database(name: str, app_role: str | None = None) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if app_role:
            await connection.execute(f'DROP ROLE IF EXISTS "{app_role}"')
    finally:
        await connection.close()


@dataclass
class FreshDatabase:
    """An empty database: `url` for the app, `migration_url` for the owner. On PostgreSQL
    the app connects as its own role (made by the migration), so row-level security holds
    as in production; on SQLite both are the same file."""

    url: str
    migration_url: str
    backend: str
    _pg_name: str | None = None
    _app_role: str | None = None

    async def drop(self) -> None:
        if self._pg_name:
            await drop_postgres_database(self._pg_name, self._app_role)


async def fresh_database(backend: str, directory: Any) -> FreshDatabase:
    """An empty database of the given backend (SQLite file in `directory`, or PostgreSQL)."""
    if backend == "sqlite":
        path = directory / f"kansrijk-{uuid.uuid4().hex[:8]}.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        return FreshDatabase(url=url, migration_url=url, backend=backend)
    owner_url, name = await create_postgres_database()
    role = f"kansrijk_app_{uuid.uuid4().hex[:10]}"
    app_url = f"postgresql+asyncpg://{role}@{owner_url.split('@', 1)[1]}"
    return FreshDatabase(url=app_url, migration_url=owner_url, backend=backend, _pg_name=name, _app_role=role)


async def require_backend(backend: str) -> None:
    """Skip (or under CI fail) when the backend cannot be reached."""
    if backend != "postgresql":
        return
    reason = await postgres_unavailable_reason()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unreachable ({reason})")


def settings_for_tests(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": TEST_SECRET,
        "debug": True,
        "strict_modules": True,
        "log_json": False,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)


async def migrate_platform(platform: Platform) -> None:
    """Run every migration as the owner, and set up the app role (as `kansrijk migrate`)."""
    settings = platform.settings
    await migrate.upgrade(platform.runtime, settings.effective_migration_url, app_url=settings.database_url)


def settings_for_database(database: FreshDatabase, **overrides: Any) -> Settings:
    return settings_for_tests(database.url, migration_database_url=database.migration_url, **overrides)


_owner_engines: dict[int, Any] = {}


def owner_engine(platform: Platform) -> Any:
    """An engine of the database owner (migrations role): it sees every tenant's rows."""
    from core.db import create_engine

    if platform.settings.effective_migration_url == platform.settings.database_url:
        return platform.engine
    if id(platform) not in _owner_engines:
        _owner_engines[id(platform)] = create_engine(platform.settings.effective_migration_url)
    return _owner_engines[id(platform)]


async def reset_data(platform: Platform) -> None:
    """Delete every row of every table (fast enough between tests), as the owner."""
    # Signing keys survive: they belong to the running platform, not to a test's data.
    tables = [table.name for table in reversed(metadata.sorted_tables) if table.name != "signing_keys"]
    async with owner_engine(platform).begin() as connection:
        existing = set(await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync)))
        names = [name for name in tables if name in existing]
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(names)} CASCADE"))
        else:
            for name in names:
                await connection.execute(text(f"DELETE FROM {name}"))


# -- factories -------------------------------------------------------------------------------


async def make_tenant(platform: Platform, code: str, *, enable: Iterable[str] = (), name: str | None = None) -> Any:
    async with platform.session(None) as session:
        tenant = await create_tenant(session, code=code, name=name, allow_unlisted=name is not None)
        await session.commit()
    for key in enable:
        async with platform.work_as_system(tenant.slug, "test") as work:
            await module_service.enable_module(work, key)
            await work.commit()
    return tenant


async def add_member(
    platform: Platform, slug: str, email: str, roles: Iterable[str], *, partner_id: Any = None, name: str | None = None
) -> Any:
    async with platform.work_as_system(slug, "test") as work:
        member = await coalition.create_member(
            work, {"email": email, "display_name": name or email.split("@")[0], "roles": list(roles), "partner_id": partner_id}
        )
        await work.commit()
        return member


async def token_for(platform: Platform, slug: str | None, email: str, *, amr: Iterable[str] = ("pwd", "otp")) -> str:
    """A real access token for a person (as after a login), for tenant `slug` or, with
    None, a platform operator's token."""
    from sqlalchemy import select

    from core.db import begin_write
    from core.identity.login import roles_at
    from core.identity.sessions import start_session
    from core.models import Person, Tenant
    from core.tenancy import TenantContext

    async with platform.session(None) as lookup:
        tenant = (await lookup.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one() if slug else None
    async with platform.session(TenantContext(tenant_id=tenant.id) if tenant else None) as session:
        await begin_write(session)  # reads, then writes: on SQLite take the write lock first
        person = (await session.execute(select(Person).where(Person.email == email.lower()))).scalar_one()
        roles = await roles_at(session, person, tenant) or []
        pair = await start_session(
            session,
            platform.identity.tokens,
            person_id=person.id,
            email=person.email,
            tenant_id=tenant.id if tenant else None,
            tenant_slug=slug,
            roles=roles,
            amr=list(amr),
        )
        await session.commit()
    return pair.access_token


async def execute(
    platform: Platform, slug: str, query: str, variables: dict[str, Any] | None = None, *, user: str
) -> dict[str, Any]:
    """Run a GraphQL operation as member `user` in tenant `slug`; the formatted body."""
    token = await token_for(platform, slug, user)
    claims = await platform.identity.tokens.verify_access_token(token)
    async with platform.request_context(slug, claims) as context:
        result = await platform.schema.execute(query, variable_values=variables, context_value=context)
    return result_body(result, debug=True)


@contextmanager
def count_statements(platform: Platform) -> Iterator[list[str]]:
    """The SQL statements the platform sends while the block runs (for tests that the
    number per request stays constant), leaving out its background work beside them
    (sealing the processing log)."""
    from sqlalchemy import event

    from core.db import BACKGROUND_OPTION

    statements: list[str] = []

    def record(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not connection.get_execution_options().get(BACKGROUND_OPTION):
            statements.append(statement)

    event.listen(platform.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(platform.engine.sync_engine, "before_cursor_execute", record)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
async def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FreshDatabase]:
    await require_backend(backend)
    fresh = await fresh_database(backend, tmp_path_factory.mktemp("db"))
    try:
        yield fresh
    finally:
        await fresh.drop()


@pytest.fixture(scope="session")
def database_url(database: FreshDatabase) -> str:
    return database.url


@pytest.fixture(scope="session")
def kansrijk_test_modules() -> list[ModuleSource]:
    """Modules loaded besides the installed ones; override in a conftest to add yours."""
    return []


@pytest.fixture(scope="session")
def kansrijk_test_settings() -> dict[str, Any]:
    """Settings for the test platform besides the defaults; override in a conftest."""
    return {}


@pytest.fixture(scope="session")
async def platform(
    database: FreshDatabase, kansrijk_test_modules: list[ModuleSource], kansrijk_test_settings: dict[str, Any]
) -> AsyncIterator[Platform]:
    instance = Platform.create(settings_for_database(database, **kansrijk_test_settings), extra_modules=kansrijk_test_modules)
    await migrate_platform(instance)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.dispose()
        if id(instance) in _owner_engines:
            await _owner_engines.pop(id(instance)).dispose()


@pytest.fixture(autouse=True)
async def clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "platform" in request.fixturenames:
        platform: Platform = request.getfixturevalue("platform")
        backends_used[platform.engine.dialect.name] += 1
        await reset_data(platform)
