"""Start-up while the database cannot be used: the server starts anyway, says so on /ready
and answers 503 DATABASE_UNAVAILABLE elsewhere, keeps trying in the background and serves
once the database is back; it never serves with an unsafe database role."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

import gateway.app as gateway_app
import gateway.asgi as gateway_asgi
import gateway.start_up as gateway_start_up
from core.config import Settings
from core.db import create_engine
from core.testing import POSTGRES_ADMIN_URL, migrate_platform, require_backend, settings_for_tests
from gateway.app import create_app

CLOSED_PORT_URL = "postgresql+asyncpg://x@127.0.0.1:1/none"
GRAPHQL = {"query": "{ tenant { name } }"}


@asynccontextmanager
async def running(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, as uvicorn does, and a client for it."""
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            yield client


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "did not happen in time"
        await asyncio.sleep(0.05)


def assert_graphql_refusal(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == code and error["message"]


def assert_problem(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code and response.json()["status"] == 503


async def test_the_server_starts_without_its_database(tmp_path: Path) -> None:
    app = create_app(settings_for_tests(CLOSED_PORT_URL), discover=False)
    try:
        async with running(app) as client:
            health = await client.get("/health")
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            assert_problem(await client.get("/ready"), "DATABASE_UNAVAILABLE")
            for path in ("/t/utrecht/graphql", "/t/utrecht/public/graphql"):
                assert_graphql_refusal(await client.post(path, json=GRAPHQL), "DATABASE_UNAVAILABLE")
            login = await client.post("/t/utrecht/auth/login", json={"email": "a@b.example", "password": "x" * 12})
            assert_problem(login, "DATABASE_UNAVAILABLE")
            assert login.headers["retry-after"]
            assert_problem(await client.get("/.well-known/jwks.json"), "DATABASE_UNAVAILABLE")
            assert app.state.readiness.state == "unavailable"
    finally:
        await app.state.platform.dispose()


async def test_the_server_serves_once_the_database_is_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database file's directory does not exist yet (the volume is not mounted): the
    server waits. Then it appears and is migrated, and the background retry makes the server
    serve, without anyone asking /ready."""
    monkeypatch.setattr(gateway_app, "PREPARE_RETRY_SECONDS", 0.1)
    directory = tmp_path / "not-mounted-yet"
    app = create_app(settings_for_tests(f"sqlite+aiosqlite:///{directory / 'kansrijk.sqlite3'}"), discover=False)
    platform = app.state.platform
    try:
        async with running(app) as client:
            assert_graphql_refusal(await client.post("/t/utrecht/graphql", json=GRAPHQL), "DATABASE_UNAVAILABLE")
            await asyncio.sleep(0.3)  # a few retries fail meanwhile
            assert app.state.readiness.state == "unavailable"

            directory.mkdir()
            await migrate_platform(platform)

            async def serving() -> bool:
                response = await client.post("/t/utrecht/graphql", json=GRAPHQL)
                return response.status_code != 503

            await eventually(serving)
            assert app.state.readiness.state == "ready"
            answer = await client.post("/t/utrecht/graphql", json=GRAPHQL)
            assert answer.status_code == 404 and answer.json()["errors"][0]["extensions"]["code"] == "TENANT_NOT_FOUND"
            assert (await client.get("/ready")).status_code == 200
            assert (await client.get("/.well-known/jwks.json")).json()["keys"]  # the signing key was made
    finally:
        await platform.dispose()


async def test_an_unsafe_role_found_later_is_refused_for_good(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside debug, when the database comes back as a superuser's connection, the server
    keeps refusing (503 UNSAFE_DATABASE_ROLE) instead of serving without row-level security."""
    await require_backend("postgresql")
    monkeypatch.setattr(gateway_app, "PREPARE_RETRY_SECONDS", 0.1)
    app = create_app(settings_for_tests(CLOSED_PORT_URL, debug=False), discover=False)
    platform = app.state.platform
    unreachable = platform.engine
    try:
        async with running(app) as client:
            assert_problem(await client.get("/ready"), "DATABASE_UNAVAILABLE")
            # The database "comes back" as the superuser of the test server.
            platform.engine = create_engine(POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://", 1))

            async def refused() -> bool:
                return app.state.readiness.state == "refused"

            await eventually(refused)
            assert_problem(await client.get("/ready"), "UNSAFE_DATABASE_ROLE")
            assert_graphql_refusal(await client.post("/t/utrecht/graphql", json=GRAPHQL), "UNSAFE_DATABASE_ROLE")
            assert_problem(await client.post("/oauth/token", data={"grant_type": "client_credentials"}), "UNSAFE_DATABASE_ROLE")
            await asyncio.sleep(0.3)
            assert app.state.readiness.state == "refused"  # no more attempts
    finally:
        await platform.engine.dispose()
        await unreachable.dispose()


class FakeCollector:
    """Stands in for the `gc` module in gateway.start_up: counts freezes, tracks on/off."""

    def __init__(self) -> None:
        self.frozen = 0
        self.enabled = True
        self.threshold = (700, 10, 10)

    def get_threshold(self) -> tuple[int, int, int]:
        return self.threshold

    def set_threshold(self, *threshold: int) -> None:
        self.threshold = threshold

    def get_freeze_count(self) -> int:
        return self.frozen

    def collect(self) -> int:
        return 0

    def freeze(self) -> None:
        self.frozen += 1

    def isenabled(self) -> bool:
        return self.enabled

    def disable(self) -> None:
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True


def use_collector(monkeypatch: pytest.MonkeyPatch) -> FakeCollector:
    collector = FakeCollector()
    monkeypatch.setattr(gateway_start_up, "gc", collector)
    return collector


async def test_the_served_app_is_built_with_the_collector_paused_and_frozen_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app uvicorn serves (`gateway.asgi:app_factory`) is built with the garbage
    collector paused, then what the build made is frozen out of its generations (once per
    process) and the collector is on again before the app is returned, so nothing depends
    on a lifespan running; an app made otherwise (as in tests) leaves the collector alone."""
    collector = use_collector(monkeypatch)
    monkeypatch.setattr(gateway_app, "get_settings", lambda: settings_for_tests(CLOSED_PORT_URL))
    collector_while_built: list[bool] = []
    build = gateway_app.create_app

    def observed_build(*args: Any, **kwargs: Any) -> Any:
        collector_while_built.append(collector.enabled)
        return build(*args, **kwargs)

    monkeypatch.setattr(gateway_app, "create_app", observed_build)
    for make, enabled_while_built, frozen_after in (
        (lambda: gateway_app.create_app(settings_for_tests(CLOSED_PORT_URL), discover=False), True, 0),
        (gateway_asgi.app_factory, False, 1),
        (gateway_asgi.app_factory, False, 1),
    ):
        app = make()
        try:
            assert collector_while_built.pop() is enabled_while_built
            assert collector.enabled and collector.frozen == frozen_after
            young = gateway_start_up.YOUNG_GENERATION_THRESHOLD if frozen_after else 700
            assert collector.threshold == (young, 10, 10)
            async with running(app) as client:
                assert (await client.get("/health")).status_code == 200
            assert collector.enabled and collector.frozen == frozen_after
        finally:
            await app.state.platform.dispose()


def test_a_served_app_leaves_the_collector_as_it_found_it_also_when_the_build_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    collector = use_collector(monkeypatch)

    def broken_settings() -> Settings:
        raise RuntimeError("no settings")

    monkeypatch.setattr(gateway_app, "get_settings", broken_settings)
    with pytest.raises(RuntimeError, match="no settings"):
        gateway_asgi.app_factory()
    assert collector.enabled and collector.frozen == 0
    collector.disable()  # switched off on purpose by whoever runs the process: stays off
    monkeypatch.setattr(gateway_app, "get_settings", lambda: settings_for_tests(CLOSED_PORT_URL))
    app = gateway_asgi.app_factory()
    assert not collector.enabled and collector.frozen == 1
    asyncio.run(app.state.platform.dispose())


#: Imported by neither entry point itself: the platform and the libraries it stands on.
HEAVY_MODULES = ("core", "gateway.app", "gateway.cli", "fastapi", "pydantic", "strawberry", "sqlalchemy", "typer")


def run_fresh(script: str) -> str:
    """The last line `script` prints in a fresh Python process with test settings."""
    import os
    import subprocess
    import sys

    from core.testing import TEST_SECRET

    environment = {**os.environ, "KANSRIJK_SECRET_KEY": TEST_SECRET, "KANSRIJK_LOG_LEVEL": "ERROR", "DATABASE_URL": CLOSED_PORT_URL}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=120, check=True)
    return done.stdout.strip().splitlines()[-1]


#: Imports `entry`, lists the heavy modules already imported, then watches whether the
#: collector is on when `watched` is imported.
WATCH_IMPORT = """
import gc, sys
import {entry}
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
seen = {{}}

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == {watched!r}:
            seen["collector on while importing " + name] = gc.isenabled()
        return None

sys.meta_path.insert(0, Watch())
"""


def test_the_served_process_imports_the_platform_with_the_collector_paused() -> None:
    """In a fresh process, as uvicorn runs it: importing the entry point imports nothing of
    the platform; its factory imports the platform with the collector paused and returns
    the app with what start-up made frozen, the collector on again and its youngest
    generation collected less often."""
    script = WATCH_IMPORT.format(entry="gateway.asgi", heavy=HEAVY_MODULES, watched="gateway.app") + """
app = gateway.asgi.app_factory()
print(heavy, seen, gc.isenabled(), gc.get_freeze_count() > 0, gc.get_threshold())
"""
    assert run_fresh(script) == "[] {'collector on while importing gateway.app': False} True True (10000, 10, 10)"


def test_the_command_line_is_imported_with_the_collector_paused() -> None:
    """The `kansrijk` command (gateway.command) imports the command line and loads the
    modules with the collector paused, and switches it on again."""
    script = WATCH_IMPORT.format(entry="gateway.command", heavy=HEAVY_MODULES, watched="gateway.cli") + """
sys.argv = ["kansrijk", "--help"]
try:
    gateway.command.main()
except SystemExit as exit:
    print(heavy, seen, gc.isenabled(), exit.code)
"""
    assert run_fresh(script) == "[] {'collector on while importing gateway.cli': False} True 0"


def test_a_command_runs_with_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import gateway.cli
    import gateway.command

    collector_while_running: list[bool] = []
    monkeypatch.setattr(gateway.cli, "command_line", lambda: lambda: collector_while_running.append(gc.isenabled()))
    gateway.command.main()
    assert collector_while_running == [True] and gc.isenabled()


def test_kansrijk_serve_in_one_process_serves_the_app_a_server_process_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kansrijk serve` (one process, the default) serves the app the processes of
    `--workers N` (`gateway.asgi:app_factory`) serve: `served_app`, with its settings."""
    import uvicorn
    from typer.testing import CliRunner

    from core.testing import TEST_SECRET
    from gateway.cli import app as cli

    made: list[Any] = []
    served: list[Any] = []
    monkeypatch.setattr(gateway_asgi, "served_app", lambda settings=None: made.append(settings) or "the served app")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.append(app))
    monkeypatch.setenv("DATABASE_URL", CLOSED_PORT_URL)
    monkeypatch.setenv("KANSRIJK_SECRET_KEY", TEST_SECRET)
    result = CliRunner().invoke(cli, ["serve", "--port", "8999"])
    assert result.exit_code == 0, result.output
    assert served == ["the served app"] and len(made) == 1 and made[0].database_url == CLOSED_PORT_URL


def test_start_up_leaves_for_later_what_few_requests_need() -> None:
    """Building the app does not import what only a few requests need: textstat (the
    readability of a regeling's summary) pulls in nltk, about a second of every start-up
    when imported at once; holidays (a referral's answer-by date) loads every country's
    calendars, ~0.1 s; zxcvbn (a new password's strength) its dictionaries."""
    script = (
        "import sys, gateway.app as app; app.create_app(); "
        "print(sorted(name for name in ('textstat', 'nltk', 'holidays', 'zxcvbn') if name in sys.modules))"
    )
    assert run_fresh(script) == "[]"
