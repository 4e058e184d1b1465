"""The embedded database's driver adapter (core/sqlite_driver.py): one hand-off to the
driver's thread per statement, a BEGIN sent with the statement after it, and otherwise
exactly what SQLAlchemy's own aiosqlite adapter gives."""

from __future__ import annotations

import sqlite3
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
        assert returned.rowcount == 2  # sqlite3 counts RETURNING's rows as they are read
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


async def test_a_write_transaction_holds_the_write_lock_from_its_first_statement(engine: AsyncEngine) -> None:
    """BEGIN IMMEDIATE travels with the write unit of work's first statement, even a read:
    from then on nobody else can take the write lock. A read-only unit of work takes none."""
    async with engine.connect() as writer, engine.connect() as other:
        other_driver = (await other.get_raw_connection()).driver_connection
        writer = await writer.execution_options(**{db.WRITE_OPTION: True})
        await writer.execute(text("SELECT count(*) FROM items"))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await other_driver.execute("BEGIN IMMEDIATE")
        await writer.rollback()
    async with engine.connect() as reader, engine.connect() as other:
        other_driver = (await other.get_raw_connection()).driver_connection
        await reader.execute(text("SELECT count(*) FROM items"))
        await other_driver.execute("BEGIN IMMEDIATE")  # a reader holds no write lock
        await other_driver.rollback()
        await reader.rollback()


async def test_a_write_transaction_against_a_held_lock_answers_busy_and_can_go_on(engine: AsyncEngine) -> None:
    """When another connection holds the write lock beyond the lock timeout, the statement
    the BEGIN IMMEDIATE travels with fails as a locked database (BUSY) and nothing of it is
    written. The BEGIN stays pending: the transaction's next statement takes the lock then
    (it does not run in autocommit), and a rollback undoes it."""
    async with engine.connect() as holder, engine.connect() as blocked:
        holder_driver = (await holder.get_raw_connection()).driver_connection
        blocked_driver = (await blocked.get_raw_connection()).driver_connection
        blocked = await blocked.execution_options(**{db.WRITE_OPTION: True})
        await holder_driver.execute("BEGIN IMMEDIATE")
        with pytest.raises(sa_exc.OperationalError) as raised:
            await blocked.execute(text("INSERT INTO items (name) VALUES ('blocked')"))
        assert "locked" in str(raised.value)
        assert isinstance(db.database_problem(raised.value), Busy)
        assert not blocked_driver.in_transaction
        await holder_driver.rollback()
        await blocked.execute(text("INSERT INTO items (name) VALUES ('later')"))
        assert blocked_driver.in_transaction
        await blocked.rollback()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one() == 0
        await connection.rollback()
    async with engine.begin() as connection:  # the lock is free again, for anyone
        await connection.execute(text("INSERT INTO items (name) VALUES ('free')"))


async def test_a_stream_as_the_first_statement_begins_the_transaction(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO items (name) VALUES ('a'), ('b')"))
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        streamed = await connection.stream(text("SELECT name FROM items ORDER BY id"))
        assert driver.in_transaction
        assert [row[0] async for row in streamed] == ["a", "b"]
        await connection.rollback()


async def test_sqlalchemy_never_commits_a_transaction_opened_behind_its_back(engine: AsyncEngine) -> None:
    """A transaction opened on the driver directly, then one of SQLAlchemy's begun and
    committed with nothing in it: the BEGIN fails as it would have at once ('within a
    transaction'); the driver's write is not committed."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        await driver.execute("BEGIN")
        await driver.execute("INSERT INTO items (name) VALUES ('behind')")
        await connection.begin()
        with pytest.raises(sa_exc.OperationalError, match="within a transaction"):
            await connection.commit()
        await connection.rollback()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one() == 0
        await connection.rollback()


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
    """A connection back in the pool with a BEGIN that was never sent (left on the driver's
    adapter behind SQLAlchemy's back): the pool's reset forgets it, and the next borrower
    begins its own transaction as usual (no 'transaction within a transaction')."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        await connection.rollback()
        adapter = (await connection.get_raw_connection()).dbapi_connection
        adapter.cursor().execute("BEGIN")  # pending: nothing is sent yet
        assert adapter._pending_begin == "BEGIN"
    assert adapter._pending_begin is None  # the pool's reset, on the way in
    async with engine.begin() as connection:
        assert (await connection.get_raw_connection()).dbapi_connection is adapter  # the same one, lent again
        await connection.execute(text("INSERT INTO items (name) VALUES ('n')"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one() == 1
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
