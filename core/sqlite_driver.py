"""SQLite through aiosqlite with one hand-off to the driver's thread per statement.

aiosqlite runs each sqlite3 call of a connection in that connection's own thread; every
call is a hand-off: queued there, run, its result handed back to the event loop (a thread
woken, the interpreter lock passed back and forth, the loop woken). SQLAlchemy's adapter
makes a statement four of them (open a cursor, execute, fetch the rows, close the cursor;
three without rows), where the statement itself takes microseconds: a trivial request on
SQLite made 8 hand-offs (BEGIN, one read, ROLLBACK), measured at ~0.08 ms of the process's
CPU each on a 2-core machine. Here:

- a statement is one hand-off: the cursor runs the four steps as one function in the
  driver's thread and keeps the rows, as the stock adapter does;
- a `BEGIN` (or `BEGIN IMMEDIATE`) is sent with the statement that follows it, in the same
  hand-off. A deferred transaction takes no lock and no snapshot before its first statement
  in SQLite anyway. The write lock of `BEGIN IMMEDIATE` is taken with the unit of work's
  first statement instead of when it asked for its connection (`begin_write`): nothing in
  between touches the database, so a writer holds the lock a little shorter and nothing
  else changes. A transaction that ends before any statement ends without a hand-off.
  SQLAlchemy still executes the BEGIN as a statement (its events, statement counts and
  error handling see it); a BEGIN that fails (a locked database) fails the statement it
  travels with, with the driver's error, answered as `BUSY` like before, and stays pending
  (the transaction's next statement tries it again instead of running in autocommit);
- a rollback or commit with no transaction open on the driver (a pooled connection going
  back after its session already ended the transaction; a transaction that only began)
  sends nothing. The pool's rollback-on-return, which made a hand-off after every unit of
  work, is kept: what it finds open (a transaction opened on the driver behind
  SQLAlchemy's back) is still rolled back, and a pending BEGIN is forgotten.

The trivial request makes 2 hand-offs instead of 8. Everything else is SQLAlchemy's own
adapter: the connection, server-side cursors (`stream`; a pending BEGIN is sent before
one opens), and the translation of the driver's errors.

The driver's thread is reached through aiosqlite's own queue (`Connection._execute`, the
call every aiosqlite method makes; SQLAlchemy's adapter reaches into aiosqlite the same way
to set the isolation level). aiosqlite's version is locked in uv.lock, and
tests/core/test_sqlite_driver.py fails if that call goes away or changes its meaning.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


#: Statements that open a transaction: sent with the statement after them.
BEGIN_STATEMENTS = frozenset({"BEGIN", "BEGIN IMMEDIATE"})


class _BeginFailed(Exception):
    """The pending BEGIN failed (the statement after it was not run): carries the driver's error."""

    def __init__(self, error: sqlite3.Error) -> None:
        super().__init__(str(error))
        self.error = error


def _send_begin(driver: Any, begin: str) -> None:
    """In the driver's thread: the pending BEGIN, on a cursor of its own (nothing of it shows
    in the statement's); its failure told apart from the statement's."""
    try:
        driver._conn.execute(begin).close()
    except sqlite3.Error as error:
        raise _BeginFailed(error) from error


def _run_statement(
    driver: Any, begin: str | None, operation: str, parameters: Any, many: bool
) -> tuple[Any, list[Any] | None, int, int | None]:
    """In the driver's thread: the pending BEGIN, then the whole statement, its rows read
    before the cursor closes."""
    if begin is not None:
        _send_begin(driver, begin)
    cursor = driver._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        # After the rows: with RETURNING, sqlite3 counts the rows only as they are read.
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHandOffCursor(AsyncAdapt_aiosqlite_cursor):
    """A DB-API cursor whose `execute` is one trip to the driver's thread and back; the rows,
    description, row count and last row id are kept here, as the stock adapter keeps the rows."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # Not the stock constructor: it opens a driver cursor now (a hand-off of its own).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run(operation, seq_of_parameters, many=True)

    def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: OneHandOffConnection = self._adapt_connection  # type: ignore[assignment]
        self._rows.clear()
        if not many and not parameters and operation in BEGIN_STATEMENTS and connection._pending_begin is None:
            connection._pending_begin = operation
            self._description, self._rowcount, self._lastrowid = None, -1, None
            return
        self._description, rows, self._rowcount, self._lastrowid = connection.in_driver(_run_statement, operation, parameters, many)
        if rows:
            self._rows.extend(rows)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the driver's cursor closed with its statement."""

    def close(self) -> None:
        self._rows.clear()


class OneHandOffServerSideCursor(AsyncAdapt_aiosqlite_ss_cursor):
    """SQLAlchemy's server-side cursor (`stream`), after sending a pending BEGIN."""

    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._adapt_connection.send_pending_begin()  # type: ignore[attr-defined]
        return super().execute(operation, parameters)


class OneHandOffConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_pending_begin",)

    _cursor_cls = OneHandOffCursor
    _ss_cursor_cls = OneHandOffServerSideCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        #: A BEGIN executed but not sent yet: it goes with the next statement.
        self._pending_begin: str | None = None

    def in_driver(self, function: Any, *args: Any) -> Any:
        """`function(driver, pending BEGIN or None, *args)` in the driver's thread, one
        hand-off, with the driver's errors translated as the adapter does. A BEGIN that
        fails stays pending: the transaction's next statement tries it again."""
        begin, self._pending_begin = self._pending_begin, None
        try:
            return await_(self._connection._execute(function, self._connection, begin, *args))
        except _BeginFailed as failed:
            self._pending_begin = begin
            self._handle_exception(failed.error)
        except Exception as error:  # noqa: BLE001 - the adapter translates the driver's errors
            self._handle_exception(error)

    def send_pending_begin(self) -> None:
        if self._pending_begin is not None:
            self.in_driver(_send_begin)

    def _driver_in_transaction(self) -> bool:
        """Whether the driver has a transaction open (none once its connection is closed)."""
        return self._connection._connection is not None and self._connection.in_transaction

    def rollback(self) -> None:
        # Only when the driver has a transaction open (a hand-off saved otherwise): with a
        # BEGIN pending nothing was sent, unless a transaction was opened on the driver
        # behind SQLAlchemy's back, which is rolled back as always.
        self._pending_begin = None
        if self._driver_in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._pending_begin is not None:
            if not self._driver_in_transaction():
                self._pending_begin = None
                return
            # A transaction opened on the driver behind SQLAlchemy's back is never committed
            # by SQLAlchemy's: its BEGIN fails ("within a transaction"), as it would have at once.
            self.send_pending_begin()
        super().commit()  # (nothing once the driver's connection is closed, as the stock adapter)


class OneHandOffDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DB-API module, lending `OneHandOffConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> OneHandOffConnection:
        stock = super().connect(*arg, **kw)
        return OneHandOffConnection(self, stock._connection)


def one_hand_off_dbapi() -> OneHandOffDBAPI:
    """For `create_async_engine(url, module=...)` with a `sqlite+aiosqlite` URL."""
    import aiosqlite

    return OneHandOffDBAPI(aiosqlite, sqlite3)
