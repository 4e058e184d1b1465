"""The test kit: pytest fixtures and helpers for the platform's tests and for module authors.

A module's tests load it as a pytest plugin (`-p core.testing`, see "pytest settings" below)
and import the helpers from it; nothing else of the platform is needed. A module installed in
the test environment (its entry point) is loaded by the `platform` fixture like the built-in
ones. Everything runs on SQLite and, when reachable, PostgreSQL.

pytest settings to copy into the module's pyproject.toml::

    [tool.pytest.ini_options]
    asyncio_mode = "auto"                            # async tests and fixtures without markers
    asyncio_default_fixture_loop_scope = "session"   # `platform` is a session fixture: one loop
    asyncio_default_test_loop_scope = "session"
    addopts = "-ra --strict-markers -p core.testing" # loads these fixtures (no conftest import)

(pytest-asyncio >= 0.24 is needed; no markers are defined. The kit is not registered as an
automatic `pytest11` plugin: it would then be loaded into every pytest run of any project in
an environment where the platform is installed.)

Fixtures
--------
`backend` -> str
    "sqlite" or "postgresql": every test that uses the database runs once per backend.
    PostgreSQL is skipped when unreachable, except under `CI=true`, where that fails. Set
    `KANSRIJK_TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`) to the
    administrative database the suite may create its databases from.
`database` -> FreshDatabase, `database_url` -> str
    A fresh, empty database for the session (a SQLite file, or a new PostgreSQL database with
    its own app role, dropped afterwards).
`platform` -> Platform   (session)
    Migrated, started, debug on, strict module loading (a module that fails to load fails the
    session), with every installed module plus those of `kansrijk_test_modules`.
`kansrijk_test_modules` -> list[ModuleSource]   (session; override in your conftest.py)
    Modules to load besides the installed ones, e.g. `[ModuleSource(key, load=lambda: pkg,
    version="0")]` (`from core.testing import ModuleSource`) for a module that is not installed.
`kansrijk_test_settings` -> dict   (session; override in your conftest.py)
    Settings besides the test defaults, e.g. `{"login_rate_limit": "10000/minute"}`.
`clean_database`   (autouse)
    After each test that used `platform`, every table is emptied: each test builds its own world.
`app` (session) and `api` -> Api
    The real ASGI app on `platform` and an HTTP client for it (no server, no network).

The API client and its answers
------------------------------
`await api.gql(slug, query, variables=None, *, user=None, token=None, headers=None) -> GraphQLResponse`
    POST /t/{slug}/graphql as member `user` (an e-mail address; a token is minted for them
    and cached for the test), or with `token`, or anonymous.
`await api.public_gql(slug, query, variables=None, *, headers=None) -> GraphQLResponse`
    POST /t/{slug}/public/graphql (the public schema, no login).
`await api.download(slug, module, name, params=None, *, user=None, token=None, feed=None) -> httpx.Response`
    GET a module's download as `user`, with `token`, with a feed link's secret `feed`, or
    anonymous: `status_code`, `headers`, `content` (the bytes), `json()` of a problem.
`await api.token(slug, user) -> str`
    The access token `api.gql` uses for `user`. `api.client` is the httpx.AsyncClient for
    any other route.
`GraphQLResponse`: `status`, `body`, `headers`, `data`, `errors`, `codes`, `ok()`.
`ok(response) -> Any`
    The `data` of an answer without errors; otherwise the test fails, showing each error's
    code, field, path and message. `response` is a GraphQLResponse or a body dict (`execute`).
`error_codes(response) -> list[str]`, `error_code(response) -> str | None`
    The `extensions.code` of every error, of the first error (None when there is none).
`assert_error(response, code, field=None) -> dict`
    The first error with that code (and `extensions.field`, when given); otherwise the test
    fails, showing the errors there were.
`await execute(platform, slug, query, variables=None, *, user) -> dict`
    The same operation without HTTP (the resolvers only): the formatted body.

A world to test in
------------------
`await make_world(platform, code="GM0344", *, modules=(), config=None, partners=DEFAULT_PARTNERS,
members=DEFAULT_MEMBERS, name=None) -> World`
    A gemeente (tenant) with `modules` switched on (`config`: module key -> configuration),
    partner organisations and members with roles, each member with a ready access token.
    `partners`: key -> fields of `make_partner` (`name`, `type`, `domain`, ...); `members`:
    name -> `(roles, partner key or None)`, e-mail `{name}@{slug}.example`. By default two
    partners ("verloskundige", "schuldhulp") and one member per tenant role, named after it
    (the professional works at "verloskundige", the partner_worker at "schuldhulp").
    `World`: `tenant`, `slug`, `tenant_id`, `partners` (key -> id), `members` (name -> membership
    id), `tokens` (name -> access token), `email(name)`, `token(name)`, `headers(name)`.
    Call it twice with other codes (e.g. "GM0796") for a second gemeente (isolation tests).
`await make_tenant(platform, code, *, enable=(), name=None) -> Tenant`
    A gemeente by CBS code (a `name` allows a code outside the CBS list).
`await make_partner(platform, slug, name, *, type="overig", domain="sociaal", **fields) -> Partner`
    A partner organisation of the coalition (`type` and `domain`: the values of the GraphQL
    enums PartnerType and PartnerDomain, lowercase).
`await add_member(platform, slug, email, roles, *, partner_id=None, name=None) -> Membership`
    A member of the coalition with these roles (working at the partner, when given).
`await token_for(platform, slug, email, *, amr=("pwd", "otp")) -> str`
    A real access token for a member of `slug` (None: a platform operator's token).

Modules in a test
-----------------
`await enable_module(platform, slug, key, config=None) -> ModuleState`
    Switch a module on for a gemeente (its dependencies first), with `config` handled exactly
    as the `enableModule` mutation handles it (also on an enabled module). Its
    `module_enabled` hook runs as in production; `.enabled` and `.config` (the validated
    configuration) of the result.
`await configure_module(platform, slug, key, config) -> ModuleState`
    Change the configuration as the `configureModule` mutation does, without switching the
    module on or off.
`await disable_module(platform, slug, key) -> ModuleState`
    Switch it off (its data stays).

Counting statements
-------------------
`with count_statements(platform) as statements: ...`
    The SQL statements the platform sends while the block runs (a list of strings), without
    its background sealing of the processing log: test that a request's count stays the same
    when the page size grows (no N+1).

Lower level (the platform's own tests)
--------------------------------------
`fresh_database(backend, directory)`, `require_backend(backend)`, `settings_for_tests(url, **overrides)`,
`settings_for_database(database, **overrides)`, `migrate_platform(platform)`, `owner_engine(platform)`,
`reset_data(platform)`, `platform_module_sources()`, `create_postgres_database()`,
`drop_postgres_database(name, app_role=None)`, `postgres_unavailable_reason()`.
"""

from __future__ import annotations

import json
import os
import pkgutil
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from core import migrate
from core.config import Settings
from core.db import metadata
from core.graphql.errors import result_body
from core.platform import Platform
from core.runtime import ModuleSource, platform_module_sources  # noqa: F401  (part of the kit)
from core.services import coalition
from core.services import modules as module_service
from core.services.tenants import create_tenant

POSTGRES_ADMIN_URL = os.environ.get("KANSRIJK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ("sqlite", "postgresql")
TEST_SECRET = "test-secret-for-the-kansrijk-test-suite-only"
#: The ASGI app factory of the `app` fixture. Named, not imported: core does not import the
#: gateway (tests/test_architecture.py); the test kit needs the whole app, as uvicorn does.
APP_FACTORY = "gateway.app:create_app"

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
    """A gemeente by CBS code, with the modules `enable` switched on (a `name` allows a code
    outside the CBS list). For partners and members too, see `make_world`."""
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
    """A member of the coalition of `slug` with these roles, working at partner `partner_id`
    when given (the person is created when the address is new)."""
    async with platform.work_as_system(slug, "test") as work:
        member = await coalition.create_member(
            work, {"email": email, "display_name": name or email.split("@")[0], "roles": list(roles), "partner_id": partner_id}
        )
        await work.commit()
        return member


async def make_partner(
    platform: Platform, slug: str, name: str, *, type: str = "overig", domain: str = "sociaal", **fields: Any
) -> Any:
    """A partner organisation of the coalition of `slug` (validated as `createPartner` does)."""
    async with platform.work_as_system(slug, "test") as work:
        partner = await coalition.create_partner(work, {"name": name, "type": type, "domain": domain, **fields})
        await work.commit()
        return partner


async def enable_module(platform: Platform, slug: str, key: str, config: dict[str, Any] | None = None) -> Any:
    """Switch module `key` on for `slug`, with `config` handled as the `enableModule` mutation
    handles it (also on an enabled module), after the modules it depends on (each with its
    defaults, when not on yet). Its `module_enabled` hook runs, as in production."""
    module = platform.runtime.modules.get(key)
    for dependency in module.meta.depends_on if module is not None else ():
        async with platform.work_as_system(slug, "test") as work:
            already_on = dependency in work.enabled_modules
        if not already_on:
            await enable_module(platform, slug, dependency)
    async with platform.work_as_system(slug, "test") as work:
        state = await module_service.enable_module(work, key, config)
        await work.commit()
        return state


async def configure_module(platform: Platform, slug: str, key: str, config: dict[str, Any]) -> Any:
    """Change module `key`'s configuration for `slug` as the `configureModule` mutation does,
    without switching it on or off."""
    async with platform.work_as_system(slug, "test") as work:
        state = await module_service.configure_module(work, key, config)
        await work.commit()
        return state


async def disable_module(platform: Platform, slug: str, key: str) -> Any:
    """Switch module `key` off for `slug` (its data stays); `module_disabled` runs."""
    async with platform.work_as_system(slug, "test") as work:
        state = await module_service.disable_module(work, key)
        await work.commit()
        return state


#: The partners of `make_world` by default: key -> fields of `make_partner`.
DEFAULT_PARTNERS: Mapping[str, Mapping[str, Any]] = {
    "verloskundige": {"name": "Verloskundigenpraktijk De Wieg", "type": "verloskundige", "domain": "medisch"},
    "schuldhulp": {"name": "Schuldhulp Samen", "type": "schuldhulpverlening", "domain": "sociaal"},
}
#: The members of `make_world` by default: name -> (roles, partner key or None); one per role.
DEFAULT_MEMBERS: Mapping[str, tuple[Sequence[str], str | None]] = {
    "coalition_admin": (("coalition_admin",), None),
    "member": (("member",), None),
    "professional": (("professional",), "verloskundige"),
    "partner_worker": (("partner_worker",), "schuldhulp"),
    "analyst": (("analyst",), None),
    "experience_expert": (("experience_expert",), None),
    "privacy_officer": (("privacy_officer",), None),
}


@dataclass
class World:
    """A gemeente made by `make_world`: ids of its partners and members, and their tokens."""

    tenant: Any
    slug: str
    tenant_id: str
    partners: dict[str, str] = field(default_factory=dict)  # partner key -> partner id
    members: dict[str, str] = field(default_factory=dict)  # member name -> membership id
    tokens: dict[str, str] = field(default_factory=dict)  # member name -> access token

    def email(self, name: str) -> str:
        return f"{name}@{self.slug}.example"

    def token(self, name: str) -> str:
        return self.tokens[name]

    def headers(self, name: str) -> dict[str, str]:
        """The Authorization header of member `name`, for requests made with `api.client`."""
        return {"Authorization": f"Bearer {self.tokens[name]}"}


async def make_world(
    platform: Platform,
    code: str = "GM0344",
    *,
    modules: Iterable[str] = (),
    config: Mapping[str, dict[str, Any]] | None = None,
    partners: Mapping[str, Mapping[str, Any]] = DEFAULT_PARTNERS,
    members: Mapping[str, tuple[Sequence[str] | str, str | None]] = DEFAULT_MEMBERS,
    name: str | None = None,
) -> World:
    """A gemeente with `modules` on (in the order given; `config`: key -> configuration), its
    partner organisations and members with roles, each member with an access token."""
    tenant = await make_tenant(platform, code, name=name)
    world = World(tenant=tenant, slug=tenant.slug, tenant_id=str(tenant.id))
    for key in modules:
        await enable_module(platform, tenant.slug, key, (config or {}).get(key))
    for key, fields in partners.items():
        partner = await make_partner(platform, tenant.slug, **fields)
        world.partners[key] = str(partner.id)
    for member_name, (roles, partner_key) in members.items():
        partner_id = uuid.UUID(world.partners[partner_key]) if partner_key else None
        role_list = [roles] if isinstance(roles, str) else list(roles)
        member = await add_member(platform, tenant.slug, world.email(member_name), role_list, partner_id=partner_id, name=member_name)
        world.members[member_name] = str(member.id)
        world.tokens[member_name] = await token_for(platform, tenant.slug, world.email(member_name))
    return world


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


# -- the API client and its answers ----------------------------------------------------------


@dataclass
class GraphQLResponse:
    """An HTTP answer of a GraphQL route."""

    status: int
    body: dict[str, Any]
    headers: httpx.Headers = field(default_factory=httpx.Headers)

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return error_codes(self)

    def ok(self) -> Any:
        """`data`, or the test fails showing the errors (as `ok(response)`)."""
        __tracebackhide__ = True
        return ok(self)


def _status_and_body(response: GraphQLResponse | Mapping[str, Any]) -> tuple[int | None, Mapping[str, Any]]:
    if isinstance(response, GraphQLResponse):
        return response.status, response.body
    return None, response


def _describe_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for error in errors:
        extensions = error.get("extensions") or {}
        where = f" field {extensions['field']}" if extensions.get("field") else ""
        path = f" at {'.'.join(str(part) for part in error['path'])}" if error.get("path") else ""
        lines.append(f"  {extensions.get('code', '?')}{where}{path}: {error.get('message')}")
    return "\n".join(lines) or "  (no errors)"


def ok(response: GraphQLResponse | Mapping[str, Any]) -> Any:
    """The `data` of an answer without errors (and HTTP 200); otherwise the test fails,
    showing the errors. Takes a `GraphQLResponse` or a body dict (as `execute` returns)."""
    __tracebackhide__ = True
    status, body = _status_and_body(response)
    errors = body.get("errors") or []
    if errors or (status is not None and status != 200):
        shown = f"HTTP {status}, " if status is not None else ""
        pytest.fail(f"GraphQL request failed ({shown}{len(errors)} error(s)):\n{_describe_errors(errors)}")
    return body.get("data")


def error_codes(response: GraphQLResponse | Mapping[str, Any]) -> list[str]:
    """`extensions.code` of every error of the answer, in order."""
    _status, body = _status_and_body(response)
    return [(error.get("extensions") or {}).get("code") for error in body.get("errors") or []]


def error_code(response: GraphQLResponse | Mapping[str, Any]) -> str | None:
    """`extensions.code` of the first error; None when the answer has no errors."""
    codes = error_codes(response)
    return codes[0] if codes else None


def assert_error(response: GraphQLResponse | Mapping[str, Any], code: str, field: str | None = None) -> dict[str, Any]:
    """The first error with `extensions.code == code` (and `extensions.field == field` when
    given); otherwise the test fails, showing the errors the answer had."""
    __tracebackhide__ = True
    _status, body = _status_and_body(response)
    errors = body.get("errors") or []
    for error in errors:
        extensions = error.get("extensions") or {}
        if extensions.get("code") == code and (field is None or extensions.get("field") == field):
            return dict(error)
    wanted = f"{code}" + (f" on field {field}" if field is not None else "")
    pytest.fail(f"expected an error {wanted}; the answer had:\n{_describe_errors(errors)}\ndata: {json.dumps(body.get('data'))[:300]}")


@dataclass
class Api:
    """An HTTP client for the app (in process, through httpx's ASGI transport)."""

    client: httpx.AsyncClient
    platform: Platform
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    async def token(self, slug: str | None, user: str) -> str:
        """A real access token of `user` for tenant `slug` (None: a platform token), cached
        for the test. A person who is not a member gets a token for a tenant they may not
        use; an unknown person gets none (`user_token` then gives None)."""
        key = (slug or "", user)
        if key not in self.tokens:
            self.tokens[key] = await token_for(self.platform, slug, user)
        return self.tokens[key]

    async def user_token(self, slug: str | None, user: str) -> str | None:
        from sqlalchemy.exc import NoResultFound

        try:
            return await self.token(slug, user)
        except NoResultFound:
            return None  # nobody by that address: the request goes without a token

    async def gql(
        self,
        slug: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        """POST /t/{slug}/graphql as `user` (an e-mail address), with `token`, or anonymous."""
        if token is None and user is not None:
            token = await self.user_token(slug, user)
        return await self._post(f"/t/{slug}/graphql", query, variables, token, headers)

    async def public_gql(
        self, slug: str, query: str, variables: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None
    ) -> GraphQLResponse:
        """POST /t/{slug}/public/graphql: the gemeente's public schema, without logging in."""
        return await self._post(f"/t/{slug}/public/graphql", query, variables, None, headers)

    async def download(
        self,
        slug: str,
        module: str,
        name: str,
        params: dict[str, str] | None = None,
        *,
        user: str | None = None,
        token: str | None = None,
        feed: str | None = None,
    ) -> httpx.Response:
        """GET /t/{slug}/modules/{module}/downloads/{name} with the query `params`, as
        member `user`, with `token`, with a personal feed link's secret `feed` (the `kf_…`
        after `?feed=` in the URL `createFeedLink` answered), or anonymous. The answer's
        `status_code`, `headers` and `content` (the file's bytes), and `json()` of an error
        (problem+json: `code`, `status`, `field`)."""
        if token is None and user is not None:
            token = await self.user_token(slug, user)
        query = dict(params or {})
        if feed is not None:
            query["feed"] = feed
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return await self.client.get(f"/t/{slug}/modules/{module}/downloads/{name}", params=query, headers=headers)

    async def _post(
        self, path: str, query: str, variables: dict[str, Any] | None, token: str | None, headers: dict[str, str] | None
    ) -> GraphQLResponse:
        request_headers = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            request_headers["Authorization"] = f"Bearer {token}"
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        response = await self.client.post(path, content=json.dumps(payload), headers=request_headers)
        return GraphQLResponse(response.status_code, response.json(), response.headers)


# -- counting statements ---------------------------------------------------------------------


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


@pytest.fixture(scope="session")
def app(platform: Platform) -> Any:
    """The platform's ASGI app (the real routes and middleware) on the test `platform`."""
    create_app = pkgutil.resolve_name(APP_FACTORY)
    return create_app(platform=platform)


@pytest.fixture
async def api(app: Any, platform: Platform) -> AsyncIterator[Api]:
    """An `Api` client for `app`, with a token cache for the test."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, platform)


@pytest.fixture(autouse=True)
async def clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "platform" in request.fixturenames:
        platform: Platform = request.getfixturevalue("platform")
        backends_used[platform.engine.dialect.name] += 1
        await reset_data(platform)


# -- which backends ran (for CI: KANSRIJK_BACKEND_REPORT) -------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Report which database backends ran (a JSON file at `KANSRIJK_BACKEND_REPORT`), for a
    CI script to check that PostgreSQL did (the platform's .ci/run does). Under
    pytest-xdist each worker hands its counts to the controller, which writes the report."""
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        worker_output["backends_used"] = dict(backends_used)
        return
    report = os.environ.get("KANSRIJK_BACKEND_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as handle:
            json.dump(backends_used, handle)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker finished; add the backends it ran to the controller's count."""
    for backend, count in getattr(node, "workeroutput", {}).get("backends_used", {}).items():
        backends_used[backend] = backends_used.get(backend, 0) + count
