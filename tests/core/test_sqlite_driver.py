"""The embedded database's driver adapter (core/sqlite_driver.py): one hand-off to the
driver's thread per statement, a BEGIN sent with the statement after it, and otherwise
exactly what SQLAlchemy's own aiosqlite adapter gives."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core import db
from core.errors import Busy
from core.platform import Platform
from core.testing import count_statements
from tests.conftest import Api, World


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}", limits=db.DatabaseLimits(lock_timeout=0.2))
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"))
    yield engine
    await engine.dispose()


@contextmanager
def hand_offs() -> Iterator[list[str]]:
    """Every trip to a driver's thread while the block runs (aiosqlite queues each call
    through `Connection._execute`), by the name of what ran there."""
    trips: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield trips
    finally:
        aiosqlite.Connection._execute = real  # type: ignore[method-assign]


async def test_aiosqlite_runs_a_queued_function_in_the_connections_own_thread(engine: AsyncEngine) -> None:
    """The one call of aiosqlite the adapter relies on: if it goes or changes, this fails."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert isinstance(driver, aiosqlite.Connection)
        ran_in = await driver._execute(threading.get_ident)
        assert ran_in != threading.get_ident()
        assert ran_in == await driver._execute(threading.get_ident)  # always the same thread
        assert await driver._execute(lambda: driver._conn.execute("SELECT 41 + 1").fetchone()) == (42,)


async def test_a_unit_of_work_that_reads_is_two_hand_offs(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the pool's first connection is made
        await connection.rollback()
    with hand_offs() as trips:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one() == 0
            await connection.rollback()
    assert trips == ["_run_statement", "rollback"]  # BEGIN and the read in one; the rollback


async def test_results_are_what_the_driver_gives(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO items (name) VALUES ('a')"))
        assert inserted.rowcount == 1 and inserted.lastrowid == 1
        many = await connection.execute(text("INSERT INTO items (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}])
        assert many.rowcount == 2
        returned = await connection.execute(text("INSERT INTO items (name) VALUES ('d'), ('e') RETURNING id, name"))
        assert [tuple(row) for row in returned] == [(4, "d"), (5, "e")]
        updated = await connection.execute(text("UPDATE items SET name = name || '!' WHERE id > 3"))
        assert updated.rowcount == 2
        empty = await connection.execute(text("SELECT id, name FROM items WHERE id > 99"))
        assert list(empty.keys()) == ["id", "name"] and empty.all() == []
        rows = await connection.execute(text("SELECT id, name FROM items ORDER BY id"))
        assert rows.fetchone() == (1, "a")
        assert rows.fetchmany(2) == [(2, "b"), (3, "c")]
        assert rows.fetchall() == [(4, "d!"), (5, "e!")]
        streamed = await connection.stream(text("SELECT name FROM items ORDER BY id"))
        assert [row[0] async for row in streamed] == ["a", "b", "c", "d!", "e!"]


async def test_a_transaction_reads_one_snapshot_from_its_first_statement(engine: AsyncEngine) -> None:
    """The BEGIN travels with the first read, so that read already belongs to the transaction:
    a write committed by someone else after it is not seen by the transaction's next read."""
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO items (name) VALUES ('first')"))
    async with engine.connect() as reader:
        assert (await reader.execute(text("SELECT count(*) FROM items"))).scalar_one() == 1
        async with engine.begin() as writer:
            await writer.execute(text("INSERT INTO items (name) VALUES ('second')"))
        assert (await reader.execute(text("SELECT count(*) FROM items"))).scalar_one() == 1
        await reader.rollback()
        assert (await reader.execute(text("SELECT count(*) FROM items"))).scalar_one() == 2


async def test_a_write_transaction_waits_for_the_write_lock_and_answers_busy(engine: AsyncEngine) -> None:
    """BEGIN IMMEDIATE goes with the first statement; when another connection holds the write
    lock beyond the lock timeout, that statement fails as a locked database (BUSY), nothing
    of it is written, and the connection serves the next unit of work."""
    async with engine.connect() as holder:
        holder_driver = (await holder.get_raw_connection()).driver_connection
        await holder_driver.execute("BEGIN IMMEDIATE")
        try:
            async with engine.connect() as blocked:
                blocked = await blocked.execution_options(**{db.WRITE_OPTION: True})
                with pytest.raises(sa_exc.OperationalError) as raised:
                    await blocked.execute(text("INSERT INTO items (name) VALUES ('blocked')"))
                assert "locked" in str(raised.value)
                assert isinstance(db.database_problem(raised.value), Busy)
                await blocked.rollback()
        finally:
            await holder_driver.rollback()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one() == 0
        await connection.rollback()
    async with engine.begin() as connection:  # the lock is free again, for anyone
        await connection.execute(text("INSERT INTO items (name) VALUES ('later')"))


async def test_a_transaction_that_ends_before_any_statement_costs_no_hand_off(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        await connection.rollback()
        with hand_offs() as trips:
            await connection.begin()
            await connection.commit()
            await connection.begin()
            await connection.rollback()
        assert trips == []
        driver = (await connection.get_raw_connection()).driver_connection
        assert not driver.in_transaction
        # Nothing of those BEGINs is left to go out with a later statement.
        await connection.execute(text("INSERT INTO items (name) VALUES ('x')"))
        await connection.commit()
        assert not driver.in_transaction


async def test_a_failing_statement_is_the_drivers_error_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        with pytest.raises(sa_exc.OperationalError, match="no such table"):
            await connection.execute(text("SELECT * FROM nowhere"))
        await connection.rollback()
        await connection.execute(text("INSERT INTO items (name) VALUES ('x')"))
        with pytest.raises(sa_exc.IntegrityError):
            await connection.execute(text("INSERT INTO items (name) VALUES ('x')"))
        await connection.rollback()
        assert (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one() == 0
        await connection.rollback()


async def test_a_pending_begin_does_not_reach_the_next_borrower(engine: AsyncEngine) -> None:
    """A connection back in the pool with a BEGIN that was never sent: the next borrower
    begins its own transaction as usual (no 'transaction within a transaction')."""
    async with engine.connect() as connection:
        await connection.begin()  # and nothing else: SQLAlchemy's close rolls it back
    for _ in range(2):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO items (name) VALUES (:name)"), {"name": f"n{_}"})
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one() == 2
        await connection.rollback()


async def test_the_trivial_request_makes_two_hand_offs(api: Api, world: World, platform: Platform) -> None:
    """`{ tenant { name } }` on the embedded database: BEGIN with the read of who is asking,
    then the rollback (it was 8 hand-offs with SQLAlchemy's stock adapter). SQLAlchemy still
    sees the BEGIN as a statement of its own."""
    if platform.engine.dialect.name != "sqlite":
        pytest.skip("the embedded database's driver")
    user = World.email("professional", "utrecht")
    (await api.gql("utrecht", "{ tenant { name } }", user=user)).ok()  # token, keys and caches warm
    with hand_offs() as trips, count_statements(platform) as statements:
        assert (await api.gql("utrecht", "{ tenant { name } }", user=user)).ok() == {"tenant": {"name": "Utrecht"}}
    assert trips == ["_run_statement", "rollback"]
    assert statements[0] == "BEGIN" and len(statements) == 2
