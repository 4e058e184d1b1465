"""Contention, timeouts and a lost database are the database's, not a bug: callers get
`BUSY` or `DATABASE_UNAVAILABLE` with a Retry-After, never an internal error."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest
from sqlalchemy import exc as sa_exc

from core.db import database_problem, is_retryable
from core.platform import Platform
from gateway.app import create_app


class FakeDriverError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


def db_error(sqlstate: str | None, cls: type[sa_exc.DBAPIError] = sa_exc.OperationalError, **kwargs: Any) -> sa_exc.DBAPIError:
    return cls("SELECT 1", {}, FakeDriverError(sqlstate), **kwargs)


@pytest.mark.parametrize(
    ("error", "code", "retryable"),
    [
        (db_error("40P01"), "BUSY", True),  # deadlock detected
        (db_error("40001"), "BUSY", True),  # serialization failure
        (db_error("55P03"), "BUSY", False),  # lock_timeout
        (db_error("57014"), "BUSY", False),  # statement_timeout
        (db_error("53300"), "BUSY", False),  # too many connections
        (sa_exc.TimeoutError("QueuePool limit reached"), "BUSY", False),
        (sa_exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")), "BUSY", False),
        (db_error("57P01"), "DATABASE_UNAVAILABLE", False),  # terminated by the administrator
        (db_error("08006"), "DATABASE_UNAVAILABLE", False),  # connection failure
        (db_error(None, sa_exc.InterfaceError), "DATABASE_UNAVAILABLE", False),
        (db_error(None, connection_invalidated=True), "DATABASE_UNAVAILABLE", False),
        (ConnectionRefusedError(111, "refused"), "DATABASE_UNAVAILABLE", False),
        (db_error("23505", sa_exc.IntegrityError), None, False),  # a bug or a conflict: not hidden
        (db_error("42P01", sa_exc.ProgrammingError), None, False),
        (ValueError("nothing to do with the database"), None, False),
    ],
)
def test_database_errors_are_classified(error: BaseException, code: str | None, retryable: bool) -> None:
    problem = database_problem(error)
    assert (problem.code if problem else None) == code
    assert is_retryable(error) is retryable
    if problem is not None:
        assert problem.http_status == 503 and int(problem.headers["Retry-After"]) > 0


async def test_a_rest_route_answers_503_problem_json_with_retry_after(platform: Platform) -> None:
    app = create_app(platform=platform)

    async def busy() -> None:
        raise sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")

    async def gone() -> None:
        raise db_error("57P01")

    app.add_api_route("/test/busy", busy)
    app.add_api_route("/test/gone", gone)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for path, code in (("/test/busy", "BUSY"), ("/test/gone", "DATABASE_UNAVAILABLE")):
            response = await client.get(path)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == code and response.headers["Retry-After"]


async def test_an_idle_pooled_connection_that_died_is_replaced_before_use(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: a pooled connection is tested only after it sat idle (no round trip per
    request); one the server closed meanwhile is replaced, and the caller never sees it."""
    if platform.settings.is_sqlite:
        pytest.skip("the embedded database has no server to lose a connection")
    from sqlalchemy import text

    from core import db
    from core.db import create_engine
    from core.testing import owner_engine

    engine = create_engine(platform.settings.database_url, limits=db.DatabaseLimits(pool_size=1, max_overflow=0))
    pings: list[bool] = []
    real_ping = engine.dialect.do_ping

    def counting_ping(connection: Any) -> bool:
        pings.append(True)
        return real_ping(connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    try:
        async with engine.connect() as connection:
            first_pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with engine.connect() as connection:  # back in use at once: not tested
            assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one() == first_pid
        assert pings == []
        async with owner_engine(platform).connect() as owner:
            await owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
        monkeypatch.setattr(db, "IDLE_BEFORE_PING_SECONDS", 0.0)  # as if it sat idle
        async with engine.connect() as connection:
            second_pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert pings and second_pid != first_pid
    finally:
        await engine.dispose()


async def test_a_pooled_sqlite_connection_never_carries_an_open_transaction_to_the_next_borrower(platform: Platform) -> None:
    """The embedded database: a connection back in the pool is rolled back only when a
    transaction is still open on it (after a session it is already rolled back or
    committed: no second rollback), and then it is, so no write and no lock reaches the
    next borrower."""
    if not platform.settings.is_sqlite:
        pytest.skip("the pool reset of the embedded database")
    from sqlalchemy import text

    from core import db

    engine = db.create_engine(platform.settings.database_url, limits=db.DatabaseLimits(lock_timeout=1))
    rollbacks: list[bool] = []
    try:
        async with engine.connect() as connection:
            await connection.execute(text("CREATE TABLE scratch (n INTEGER)"))
            await connection.commit()
            driver = (await connection.get_raw_connection()).driver_connection
            real_rollback = type(driver).rollback

            async def counted_rollback(self: Any) -> None:
                rollbacks.append(True)
                await real_rollback(self)

        type(driver).rollback = counted_rollback  # type: ignore[method-assign]
        async with engine.connect() as connection:  # a unit of work that rolls back: one rollback
            await connection.execute(text("SELECT n FROM scratch"))
            await connection.rollback()
        assert len(rollbacks) == 1
        async with engine.connect() as connection:  # a unit of work that commits: none
            await connection.execute(text("INSERT INTO scratch VALUES (1)"))
            await connection.commit()
        assert len(rollbacks) == 1
        async with engine.connect() as connection:
            # A transaction the driver opened behind SQLAlchemy's back, with a write in it.
            raw = (await connection.get_raw_connection()).driver_connection
            await raw.execute("BEGIN IMMEDIATE")
            await raw.execute("INSERT INTO scratch VALUES (2)")
        assert len(rollbacks) == 2  # rolled back on its way into the pool
        async with engine.connect() as connection:  # the write lock is free and the row is gone
            await connection.execute(text("INSERT INTO scratch VALUES (3)"))
            await connection.commit()
            assert (await connection.execute(text("SELECT n FROM scratch ORDER BY n"))).scalars().all() == [1, 3]
    finally:
        type(driver).rollback = real_rollback  # type: ignore[method-assign]
        await engine.dispose()
