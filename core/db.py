"""Database access: the model bases, column types, engines, sessions and tenant scoping.

All access is async (SQLAlchemy 2 with aiosqlite or asyncpg). The kinds of tables (the
data shapes, see docs/architecture.md):

* platform tables (tenants, persons): plain `SQLModel, table=True` classes;
* tenant-scoped tables: subclasses of `TenantScopedModel`. Their primary key is
  (`tenant_id`, `id`) so that keys and foreign keys between tenant tables always carry
  the tenant (no cross-tenant references, and the layout Citus needs to distribute
  them by `tenant_id`). Every SELECT, UPDATE and DELETE on them is filtered by the
  session's tenant, new rows are stamped with it, and without a tenant the statement
  raises.
* shared tables: subclasses of `SharedModel` (`owner_tenant_id`, `id`, `published`).
  A tenant reads its own rows and every tenant's published rows; it writes its own rows
  only (stamped with it as owner); the owner never changes.
* national reference data: subclasses of `NationalReferenceModel` (`id`). Everyone reads;
  only the system context (the operator, a platform job) writes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKeyConstraint, MetaData, Uuid, event, inspect, or_
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapper, Session, with_loader_criteria
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.util import find_tables
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from core.errors import Busy, DatabaseUnavailable, DomainError
from core.postgres_driver import TenantBeginConnection, set_local
from core.sqlite_driver import one_hand_off_dbapi
from core.tenancy import (
    CrossTenantWrite,
    NoTenantContext,
    NotOwner,
    ReferenceDataReadOnly,
    TenantContext,
    current_context,
)

# Stable constraint names: Alembic needs them to alter and drop constraints (SQLite batch
# mode in particular), and autogenerate compares them. Set before any table is defined.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

TENANT_CONTEXT_KEY = "kansrijk.tenant_context"
WRITE_OPTION = "kansrijk_write"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored with time zone and always returned as an aware UTC datetime
    (SQLite keeps no zone, so naive values read back are UTC by construction)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None or value.tzinfo is dt.UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TenantScopedModel(SQLModel):
    """Base of every tenant-scoped table: primary key (tenant_id, id)."""

    tenant_id: uuid.UUID = Field(foreign_key="tenants.id", primary_key=True, ondelete="RESTRICT")
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)


def tenant_foreign_key(column: str, target_table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A foreign key from `column` to another tenant-scoped table that includes the tenant:
    (tenant_id, column) -> target(tenant_id, id). Put it in `__table_args__`."""
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target_table}.tenant_id", f"{target_table}.id"],
        ondelete=ondelete,
    )


class SharedModel(SQLModel):
    """Base of a shared table: each row belongs to one tenant, its owner, and every tenant
    reads it once it is published (e.g. a library of practice examples read nationally).

    * `owner_tenant_id`: the owning tenant, stamped from the session's tenant on insert;
      it never changes.
    * `published`: false (the default) while only the owner may see the row; true when
      every tenant may read it. Unpublishing is setting it back to false.

    Reading (layer 1 and 2): published rows of every tenant plus the own tenant's rows.
    Writing (insert, update, delete): the owner's own rows only; writing another tenant's
    row raises `NotOwner` (a `Forbidden`, code `NOT_OWNER`). The system context reads the
    published rows and writes none. The primary key is `id` alone: the rows are read
    across tenants (on Citus a reference table, not distributed by tenant).
    """

    owner_tenant_id: uuid.UUID = Field(foreign_key="tenants.id", ondelete="RESTRICT", index=True)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    published: bool = Field(default=False)


class NationalReferenceModel(SQLModel):
    """Base of national reference data: read by every tenant (e.g. CBS figures per wijk),
    written only in the system context (`core.tenancy.system_context`: the operator's
    import, a platform job). Writing it in a tenant context (or without any context)
    raises `ReferenceDataReadOnly` (a `Forbidden`, code `REFERENCE_DATA_READ_ONLY`);
    PostgreSQL's policy refuses it too. Reading needs no context at all."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)


class DataShape(StrEnum):
    """How a table's rows are isolated between tenants (see docs/architecture.md)."""

    TENANT = "tenant"  # TenantScopedModel: one tenant's rows
    SHARED = "shared"  # SharedModel: the owner writes, everyone reads what is published
    REFERENCE = "reference"  # NationalReferenceModel: everyone reads, the system writes


_SHAPE_BASES: tuple[tuple[type, DataShape], ...] = (
    (TenantScopedModel, DataShape.TENANT),
    (SharedModel, DataShape.SHARED),
    (NationalReferenceModel, DataShape.REFERENCE),
)


def data_shape(entity: Any) -> DataShape | None:
    """The data shape of a model class (or its mapper), or None for a platform table.
    A class deriving from more than one shape base is a mistake and raises TypeError."""
    cls = getattr(entity, "class_", entity)
    if not isinstance(cls, type):
        return None
    shapes = [shape for base, shape in _SHAPE_BASES if issubclass(cls, base)]
    if len(shapes) > 1:
        raise TypeError(f"{cls.__name__} derives from more than one data shape: {', '.join(shapes)}")
    return shapes[0] if shapes else None


def is_tenant_scoped(entity: Any) -> bool:
    cls = getattr(entity, "class_", entity)
    return isinstance(cls, type) and issubclass(cls, TenantScopedModel)


def is_shared(entity: Any) -> bool:
    cls = getattr(entity, "class_", entity)
    return isinstance(cls, type) and issubclass(cls, SharedModel)


def is_national_reference(entity: Any) -> bool:
    cls = getattr(entity, "class_", entity)
    return isinstance(cls, type) and issubclass(cls, NationalReferenceModel)


def _mapped_tables(shape: DataShape) -> list[str]:
    return sorted(
        mapper.local_table.name
        for mapper in SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
        if data_shape(mapper.class_) is shape
    )


def tenant_scoped_tables() -> list[str]:
    return _mapped_tables(DataShape.TENANT)


def shared_tables() -> list[str]:
    return _mapped_tables(DataShape.SHARED)


def national_reference_tables() -> list[str]:
    return _mapped_tables(DataShape.REFERENCE)


# --------------------------------------------------------------------------------------
# Engines and sessions


@dataclass(frozen=True)
class DatabaseLimits:
    """How long the app waits for the database, in seconds (0: no limit), and its pool.
    Waits are bounded so that contention answers `BUSY` instead of queueing requests."""

    lock_timeout: float = 0
    statement_timeout: float = 0
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout: float = 30


def create_engine(url: str, *, echo: bool = False, limits: DatabaseLimits | None = None) -> AsyncEngine:
    limits = limits or DatabaseLimits()
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        # One file, several pooled connections (WAL lets readers and a writer work at
        # once): wait for the write lock instead of failing at once, but not forever.
        kwargs["connect_args"] = {"timeout": limits.lock_timeout or 30}
        # One hand-off to the driver's thread per statement, and none for the pool's
        # rollback-on-return when no transaction is open (core/sqlite_driver.py).
        kwargs["module"] = one_hand_off_dbapi()
        if ":memory:" in url:
            kwargs["poolclass"] = NullPool
    else:
        kwargs.update(pool_size=limits.pool_size, max_overflow=limits.max_overflow, pool_timeout=limits.pool_timeout)
        server_settings = {
            name: str(int(seconds * 1000))
            for name, seconds in (("lock_timeout", limits.lock_timeout), ("statement_timeout", limits.statement_timeout))
            if seconds
        }
        # The tenant setting of row-level security travels with each BEGIN (core/postgres_driver.py).
        kwargs["connect_args"] = {"connection_class": TenantBeginConnection} | ({"server_settings": server_settings} if server_settings else {})
    engine = create_async_engine(url, **kwargs)
    if not url.startswith("sqlite"):
        _ping_when_idle(engine)
        _drop_unsent_settings(engine)
    busy_timeout_ms = int((limits.lock_timeout or 30) * 1000)
    if url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # We emit BEGIN ourselves (below), so the driver must not.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL is safe against corruption and much faster than FULL; a
            # power cut can lose only the very last commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # A unit of work that will write takes the write lock up front (BEGIN IMMEDIATE):
            # a deferred transaction that reads, then writes after another writer committed,
            # would fail instead of waiting its turn.
            immediate = connection.get_execution_options().get(WRITE_OPTION)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        dialect = engine.sync_engine.dialect
        dialect.colspecs = {**dialect.colspecs, Uuid: _TextUuid}  # this engine's dialect only

    return engine


_HEX_DIGITS = "0123456789abcdefABCDEF"


#: Ids read lately, by their stored text, shared by every column (a UUID is immutable): the
#: ids of a list repeat (a signal's family and organisation, a referral's), and a look-up
#: costs a fraction of making one. Emptied when full.
_READ_UUIDS: dict[str, uuid.UUID] = {}
_READ_UUIDS_LIMIT = 20_000


class _TextUuid(Uuid):  # type: ignore[type-arg]
    """The Uuid type where a UUID is stored as text (SQLite: its 32 hex digits), read back
    by a shorter path: `uuid.UUID(hex)` strips and checks its argument in Python, for every
    id of every row (families: some 1,800 a page); stored ids are 32 hex digits, made from
    the UUID with the same integer. Anything else is read as SQLAlchemy reads it."""

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        read = super().result_processor(dialect, coltype)
        if read is None or not self.as_uuid:
            return read
        make, set_field, unknown, known = uuid.UUID.__new__, object.__setattr__, uuid.SafeUUID.unknown, _READ_UUIDS

        def to_uuid(value: Any) -> Any:
            made = known.get(value)
            if made is not None:
                return made
            if type(value) is str and len(value) == 32 and not value.strip(_HEX_DIGITS):
                # As uuid.UUID.__init__ ends for such a value (its fields are set so, it is immutable).
                made = make(uuid.UUID)
                set_field(made, "int", int(value, 16))
                set_field(made, "is_safe", unknown)
                if len(known) >= _READ_UUIDS_LIMIT:
                    known.clear()
                known[value] = made
                return made
            return read(value)

        return to_uuid


#: A pooled connection idle longer than this is tested before it is lent out again.
IDLE_BEFORE_PING_SECONDS = 10.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling for connections that sat idle (a database restart,
    a proxy or firewall closing quiet connections), without a round trip on every request
    as `pool_pre_ping` would make: a connection back in use within the last seconds is
    lent out as it is. A dead one is replaced before the request sees it; a connection that
    breaks while busy is handled like any database error (`DATABASE_UNAVAILABLE`, retry)."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means: not usable
            raise sa_exc.DisconnectionError(f"an idle pooled connection is gone: {type(exc).__name__}") from exc
        if not alive:
            raise sa_exc.DisconnectionError("an idle pooled connection is gone")


class SerializedAsyncSession(AsyncSession):
    """An AsyncSession that serialises its I/O.

    GraphQL resolves sibling fields concurrently, but one session (one connection, one
    transaction) must never be used by two coroutines at once. Every method that does I/O
    itself takes the lock; `scalars` and `stream_scalars` are not wrapped because they go
    through `execute` and `stream` (the lock is not reentrant).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._io_lock = asyncio.Lock()


def _serialised(name: str) -> Any:
    unlocked = getattr(AsyncSession, name)

    async def locked(self: SerializedAsyncSession, *args: Any, **kwargs: Any) -> Any:
        async with self._io_lock:
            return await unlocked(self, *args, **kwargs)

    locked.__name__ = name
    locked.__doc__ = unlocked.__doc__
    return locked


_IO_METHODS = (
    "execute", "scalar", "get", "get_one", "delete", "merge", "stream",
    "run_sync", "flush", "commit", "rollback", "refresh", "connection", "close",
)  # fmt: skip
for _name in _IO_METHODS:
    setattr(SerializedAsyncSession, _name, _serialised(_name))


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[SerializedAsyncSession]:
    return async_sessionmaker(engine, class_=SerializedAsyncSession, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def open_session(
    sessionmaker: async_sessionmaker[SerializedAsyncSession],
    context: TenantContext | None = None,
) -> AsyncIterator[SerializedAsyncSession]:
    """A session bound to `context` (default: the current tenant context).

    The context is captured now, so a session never changes tenant while it lives.
    """
    session = sessionmaker()
    session.info[TENANT_CONTEXT_KEY] = context if context is not None else current_context()
    try:
        yield session
    finally:
        await session.close()


#: A deadlock or a serialization failure: the transaction may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
#: Waited too long for a lock or a statement, or too many connections.
BUSY_SQLSTATES = RETRYABLE_SQLSTATES | {"55P03", "57014", "53300"}
#: The connection broke off (class 08) or the server is shutting down or starting.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error (PostgreSQL), or None."""
    return getattr(getattr(error, "orig", None), "sqlstate", None)


def is_retryable(error: BaseException) -> bool:
    """Whether the unit of work that met `error` may run again as it is: nothing of it was
    committed and the database asks to retry (deadlock, serialization failure)."""
    return isinstance(error, sa_exc.DBAPIError) and sqlstate(error) in RETRYABLE_SQLSTATES


def database_problem(error: BaseException) -> DomainError | None:
    """What a caller is told about a database error that is not their fault: `BUSY`
    (contention, a timeout, the pool exhausted) or `DATABASE_UNAVAILABLE` (no connection);
    None for any other error (a bug: answered as an internal error and logged)."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection free in time
        return Busy()
    if isinstance(error, sa_exc.DBAPIError):
        state = sqlstate(error) or ""
        if state in BUSY_SQLSTATES:
            return Busy()
        if error.connection_invalidated or state.startswith("08") or state in UNAVAILABLE_SQLSTATES:
            return DatabaseUnavailable()
        if isinstance(error.orig, sqlite3.OperationalError) and "locked" in str(error.orig):
            return Busy()
        if isinstance(error, sa_exc.InterfaceError):  # asyncpg: the connection is closed
            return DatabaseUnavailable()
        return None
    if isinstance(error, (ConnectionError, TimeoutError)):
        return DatabaseUnavailable()
    return None


def dialect_insert(session: Any) -> Any:
    """The `insert` of the session's database, which knows `on_conflict_do_update` (an
    upsert: PostgreSQL and SQLite both have one, SQLAlchemy's generic insert does not)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


#: Marks the connection of the platform's own background work (sealing the processing
#: log), which runs beside requests: e.g. statement counts per request leave it out.
BACKGROUND_OPTION = "kansrijk_background"


async def begin_write(session: AsyncSession, *, background: bool = False, keep_read: bool = False) -> None:
    """Start the session's next transaction as a write transaction (on SQLite: BEGIN
    IMMEDIATE). A read transaction still open is ended first; nothing is written yet.
    `background`: the platform's own work, not a request's (BACKGROUND_OPTION).

    `keep_read`: on PostgreSQL, the session's first transaction, still open and only read
    in (a request that read who is asking), becomes the write transaction instead of being
    ended. At READ COMMITTED every statement reads what is committed when it starts, so a
    new transaction would see nothing more, and the tenant setting of row-level security is
    made already: it saves a ROLLBACK, a BEGIN and that setting (three round trips of a
    mutation). On SQLite the write lock is taken at BEGIN, so there it always begins anew."""
    first = not session.info.get(_BEGAN_WRITE_KEY)
    session.info[_BEGAN_WRITE_KEY] = True
    if session.in_transaction():
        if keep_read and first and _keepable_read(session):
            connection = await session.connection()
            connection.sync_connection.execution_options(**{WRITE_OPTION: True, BACKGROUND_OPTION: background})
            return
        await session.rollback()
    await session.connection(execution_options={WRITE_OPTION: True, BACKGROUND_OPTION: background})


#: Set in a session's info once it began a write transaction.
_BEGAN_WRITE_KEY = "kansrijk_began_write"


def _keepable_read(session: AsyncSession) -> bool:
    """A healthy PostgreSQL transaction at READ COMMITTED (the platform sets no other
    level) with no object pending in the session."""
    sync = session.sync_session
    transaction = sync.get_transaction()
    bind = sync.get_bind()
    return (
        transaction is not None
        and transaction.is_active
        and not (sync.new or sync.dirty or sync.deleted)
        and bind.dialect.name == "postgresql"
        and bind.dialect.default_isolation_level == "READ COMMITTED"
    )


def session_context(session: Session | AsyncSession) -> TenantContext | None:
    return session.info.get(TENANT_CONTEXT_KEY)


def session_tenant_id(session: Session | AsyncSession) -> uuid.UUID:
    context = session_context(session)
    if context is None or context.tenant_id is None:
        raise NoTenantContext("this session has no tenant context")
    return context.tenant_id


# --------------------------------------------------------------------------------------
# Layer 1 of tenant isolation: the ORM

#: The PostgreSQL settings layer 2 reads (core/migrate.py), set per transaction when it
#: begins (`_set_tenant_for_row_level_security`): the tenant of a tenant context, or the
#: mark of the system context. Neither is ever set per connection.
TENANT_SETTING = "app.tenant_id"
SYSTEM_SETTING = "app.system"

_shaped_classes_cache: dict[Any, type] | None = None
#: The shaped classes each statement reaches, by the statement's SQLAlchemy cache key (two
#: statements with one key compile to the same SQL, so reach the same tables): finding
#: them walks the whole statement, which cost more than running a simple one. Bounded:
#: emptied when full (statements are written in code, so there are a few hundred).
_SHAPES_BY_STATEMENT: dict[Any, dict[type, DataShape]] = {}
_SHAPES_BY_STATEMENT_LIMIT = 4096
#: (tenant, classes of a statement) -> its tenant criteria (`_tenant_criteria`), bounded alike.
_CRITERIA_BY_TENANT: dict[tuple[Any, ...], tuple[Any, ...]] = {}
#: A statement object run more than once (one built once, in code) -> its scoped forms, by
#: the criteria options given to it: the same scoped object each time, whose SQLAlchemy
#: cache key is then worked out once (a walk of the whole statement, otherwise on every
#: execution). Held only while the statement lives; a form is exactly the statement with
#: those options (the options themselves are kept with it, so their id is not reused).
_SCOPED_FORMS: weakref.WeakKeyDictionary[Any, dict[int, tuple[tuple[Any, ...], Any]]] = weakref.WeakKeyDictionary()


@event.listens_for(Mapper, "after_mapper_constructed")
def _forget_shaped_classes(_mapper: Any, _cls: type) -> None:
    """A model was added: the table -> class map is built again when next needed."""
    global _shaped_classes_cache
    _shaped_classes_cache = None
    _SHAPES_BY_STATEMENT.clear()
    _CRITERIA_BY_TENANT.clear()
    _SCOPED_FORMS.clear()


def _shaped_table_classes() -> dict[Any, type]:
    """Table -> class of every mapped class with a data shape (tenant, shared, national
    reference), built again after a model is added (not by counting the registry's mappers
    on every statement: that builds a set of them all)."""
    global _shaped_classes_cache
    if _shaped_classes_cache is None:
        mappers = SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
        _shaped_classes_cache = {mapper.local_table: mapper.class_ for mapper in mappers if data_shape(mapper.class_) is not None}
    return _shaped_classes_cache


def _shaped_classes_in(statement: Any, mappers: Callable[[], Sequence[Any]]) -> dict[type, DataShape]:
    """The classes with a data shape that a statement reaches: its entities (`mappers`,
    asked only when the shape is new: the ORM works them out anew on every call, ~15 µs),
    and every table in it, joins and subqueries included (remembered per statement shape)."""
    cache_key = statement._generate_cache_key()
    if cache_key is not None:
        known = _SHAPES_BY_STATEMENT.get(cache_key.key)
        if known is not None:
            return known
    by_table = _shaped_table_classes()
    found = {mapper.class_ for mapper in mappers() if data_shape(mapper) is not None}
    for table in find_tables(statement, include_joins=True, include_aliases=True, include_selects=True, include_crud=True):
        cls = by_table.get(table)
        if cls is not None:
            found.add(cls)
    shapes = {cls: data_shape(cls) for cls in found}
    if cache_key is not None:
        if len(_SHAPES_BY_STATEMENT) >= _SHAPES_BY_STATEMENT_LIMIT:
            _SHAPES_BY_STATEMENT.clear()
        _SHAPES_BY_STATEMENT[cache_key.key] = shapes  # type: ignore[assignment]
    return shapes  # type: ignore[return-value]


def _dml_target(state: Any) -> type | None:
    """The model class an INSERT, UPDATE or DELETE writes to (ORM or Core), if it has a shape."""
    table = getattr(state.statement, "table", None)
    return _shaped_table_classes().get(table) if table is not None else None


def _sets_owner(state: Any) -> bool:
    """Whether an UPDATE sets `owner_tenant_id` (in its values or, for a bulk update by
    primary key, in its parameter rows)."""
    statement = state.statement
    keys = {getattr(key, "key", key) for key in (getattr(statement, "_values", None) or {})}
    keys |= {getattr(key, "key", key) for key, _value in (getattr(statement, "_ordered_values", None) or ())}
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters] if state.parameters else []
    keys |= {key for row in rows for key in row}
    return "owner_tenant_id" in keys


def _require_system(context: TenantContext | None, cls: type) -> None:
    """National reference data is written in the system context only."""
    if context is None or not context.system:
        where = "a tenant context" if context is not None else "no context"
        raise ReferenceDataReadOnly(f"writing {cls.__name__} (national reference data) in {where}")


def _check_bulk_insert(
    state: Any, context: TenantContext | None, column: str = "tenant_id", refuse: Any = None
) -> None:
    """ORM bulk INSERTs (`session.execute(insert(Model), ...)`) bypass the flush: stamp the
    tenant (`column`: `tenant_id`, or a shared row's `owner_tenant_id`) where none is given
    and refuse rows of another tenant (`refuse`: the exception to raise)."""
    if refuse is None:
        refuse = lambda: CrossTenantWrite("bulk insert of a row of another tenant")  # noqa: E731
    if context is None or context.tenant_id is None:
        raise NoTenantContext("tenant-scoped insert without a tenant context")
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters] if state.parameters else []
    for row in rows:
        if row.get(column, context.tenant_id) != context.tenant_id:
            raise refuse()
        row.setdefault(column, context.tenant_id)
    statement = state.statement
    has_inline = bool(getattr(statement, "_values", None) or getattr(statement, "_multi_values", None))
    # (Compiled only when it has inline values: a bare ORM `insert(Model)` given rows to
    # insert cannot be compiled outside its execution.)
    inline = {name: value for name, value in statement.compile().params.items() if name.startswith(column)} if has_inline else {}
    if any(value is not None and value != context.tenant_id for value in inline.values()):
        raise refuse()
    if not rows and not inline:
        state.statement = state.statement.values(**{column: context.tenant_id})


def _check_insert(state: Any, context: TenantContext | None) -> None:
    if state.bind_mapper is not None and is_tenant_scoped(state.bind_mapper):
        _check_bulk_insert(state, context)
        return
    target = _dml_target(state)
    shape = data_shape(target) if target is not None else None
    if shape is DataShape.SHARED:
        if not state.is_orm_statement:
            raise NoTenantContext("a statement on shared tables must use the models, not their tables")
        name = target.__name__  # type: ignore[union-attr]
        # An upsert's update would reach a row whose owner the insert check never sees (the
        # key is the id alone): shared rows are changed by an UPDATE, which is filtered.
        if getattr(state.statement, "_post_values_clause", None) is not None:
            raise NotOwner(f"an upsert (ON CONFLICT) on the shared table of {name} could change a row of another tenant: update it instead")
        _check_bulk_insert(state, context, "owner_tenant_id", lambda: NotOwner(f"bulk insert of a {name} owned by another tenant"))
    elif shape is DataShape.REFERENCE:
        _require_system(context, target)  # type: ignore[arg-type]


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_statement(state: Any) -> None:
    context: TenantContext | None = state.session.info.get(TENANT_CONTEXT_KEY)
    if state.is_insert:
        _check_insert(state, context)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    shapes = _shaped_classes_in(state.statement, lambda: state.all_mappers)
    if not shapes:
        return
    writes = state.is_update or state.is_delete
    target = _dml_target(state) if writes else None
    if target is not None and shapes.get(target) is DataShape.REFERENCE:
        _require_system(context, target)
    if target is not None and shapes.get(target) is DataShape.SHARED and state.is_update and _sets_owner(state):
        raise NotOwner(f"{target.__name__}: the owner of a shared row never changes")
    tenant_classes = [cls for cls, shape in shapes.items() if shape is DataShape.TENANT]
    shared_classes = [cls for cls, shape in shapes.items() if shape is DataShape.SHARED]
    if not (tenant_classes or shared_classes):
        return  # national reference data only: everyone reads it
    _refuse_bound_tenant(state.parameters)
    if not state.is_orm_statement:
        # A Core statement (on the Table, not the model) would not get the criteria below:
        # refused, so that tenant and shared data are only reached through the models.
        raise NoTenantContext("a statement on tenant-scoped or shared tables must use the models, not their tables")
    locks = state.is_select and getattr(state.statement, "_for_update_arg", None) is not None
    # Shared rows a statement writes (its target; every shared row a SELECT … FOR UPDATE
    # locks, as PostgreSQL's UPDATE policy does) are the tenant's own; what it reads
    # besides is what the tenant may read.
    owned = {cls for cls in shared_classes if cls is target or locks}
    if context is None or context.tenant_id is None:
        # No tenant (none at all, or the system context of a platform job): platform
        # tables only. Tenant data is reached tenant by tenant, as with row-level security;
        # the system context reads the published shared rows and writes none.
        if tenant_classes:
            raise NoTenantContext("tenant-scoped statement without a tenant context")
        if context is None:
            raise NoTenantContext("statement on shared rows without any context")
        if owned:
            raise NoTenantContext("writing shared rows needs the tenant context of their owner")
        state.statement = _scoped(state.statement, _published_criteria(tuple(shared_classes)))
        return
    state.statement = _scoped(state.statement, _tenant_criteria(context.tenant_id, tuple(tenant_classes), tuple(shared_classes), frozenset(owned)))


#: The names SQLAlchemy gives the values the criteria below bind (`tenant_id_1`, ...): a value
#: passed under such a name with a statement would take the criteria's place.
_CRITERIA_PARAMETER = re.compile(r"(owner_)?tenant_id_\d+")


def _refuse_bound_tenant(parameters: Any) -> None:
    """A statement's parameters may not name the tenant criteria's values: the tenant is
    bound by this hook only (isolation layer 1, on SQLite the only one)."""
    if not parameters:
        return
    for row in parameters if isinstance(parameters, list) else (parameters,):
        for name in row:
            if type(name) is str and _CRITERIA_PARAMETER.fullmatch(name):
                raise NoTenantContext(f"parameter {name!r}: the tenant of a statement is bound by the platform, not by its caller")


def _scoped(statement: Any, options: tuple[Any, ...]) -> Any:
    """`statement` with these criteria options: the same object for the same statement
    object and options (see `_SCOPED_FORMS`)."""
    forms = _SCOPED_FORMS.get(statement)
    if forms is None:
        forms = _SCOPED_FORMS[statement] = {}
    known = forms.get(id(options))
    if known is not None and known[0] is options:
        return known[1]
    scoped = statement.options(*options)
    if len(forms) >= 16:  # a form per gemeente (and set of classes) that ran it: bounded
        forms.clear()
    forms[id(options)] = (options, scoped)
    return scoped


def _published_criteria(shared_classes: tuple[type, ...]) -> tuple[Any, ...]:
    """The system context's criteria: the published shared rows (made once per set of classes)."""
    key = (None, (), shared_classes, frozenset())
    options = _CRITERIA_BY_TENANT.get(key)
    if options is None:
        options = tuple(with_loader_criteria(cls, lambda row: row.published.is_(True), include_aliases=True) for cls in shared_classes)
        if len(_CRITERIA_BY_TENANT) >= _SHAPES_BY_STATEMENT_LIMIT:
            _CRITERIA_BY_TENANT.clear()
        _CRITERIA_BY_TENANT[key] = options
    return options


def _tenant_criteria(tenant_id: uuid.UUID, tenant_classes: tuple[type, ...], shared_classes: tuple[type, ...], owned: frozenset[type]) -> tuple[Any, ...]:
    """One criteria option per class in the statement (a lambda: the compiled statement is
    cached and only the tenant id is bound per execution). Relationship loads of these
    entities inherit the criteria. Made once per tenant and set of classes: building an
    option analyses its lambda, a cost on every statement otherwise."""
    key = (tenant_id, tenant_classes, shared_classes, owned)
    options = _CRITERIA_BY_TENANT.get(key)
    if options is None:
        options = (
            *(
                with_loader_criteria(cls, lambda scoped: scoped.tenant_id == tenant_id, include_aliases=True)
                for cls in tenant_classes
            ),
            *(
                with_loader_criteria(cls, lambda row: row.owner_tenant_id == tenant_id, include_aliases=True)
                for cls in shared_classes
                if cls in owned
            ),
            *(
                with_loader_criteria(cls, lambda row: or_(row.published.is_(True), row.owner_tenant_id == tenant_id), include_aliases=True)
                for cls in shared_classes
                if cls not in owned
            ),
        )
        if len(_CRITERIA_BY_TENANT) >= _SHAPES_BY_STATEMENT_LIMIT:
            _CRITERIA_BY_TENANT.clear()
        _CRITERIA_BY_TENANT[key] = options
    return options


@event.listens_for(Session, "after_begin")
def _set_tenant_for_row_level_security(session: Session, _transaction: Any, connection: Any) -> None:
    """Layer 2 (PostgreSQL): the transaction's tenant (or the system mark), for the
    row-level security policies. Set per transaction (`is_local`), never per connection: a
    pooled connection never carries a tenant or the system mark into someone else's work."""
    if connection.dialect.name != "postgresql":
        return
    context: TenantContext | None = session.info.get(TENANT_CONTEXT_KEY)
    driver = connection.connection.driver_connection
    if type(driver) is TenantBeginConnection and not driver.is_in_transaction():
        # In the message of the transaction's BEGIN, sent before its first statement: no
        # round trip of its own (core/postgres_driver.py). None drops an earlier hand-over.
        if context is not None and context.tenant_id is not None:
            driver.begin_with(set_local(TENANT_SETTING, context.tenant_id))
        else:
            driver.begin_with(_SET_SYSTEM_LOCALLY if context is not None and context.system else None)
        return
    if context is None:
        return
    # Otherwise as the driver's own SQL: building, caching and compiling a statement cost
    # more than the round trip.
    if context.tenant_id is not None:
        connection.exec_driver_sql(_SET_TENANT, (str(context.tenant_id),))
    elif context.system:
        connection.exec_driver_sql(_SET_SYSTEM)


_SET_TENANT = f"SELECT set_config('{TENANT_SETTING}', $1, true)"  # asyncpg's numbered parameters
_SET_SYSTEM = f"SELECT set_config('{SYSTEM_SETTING}', 'on', true)"
_SET_SYSTEM_LOCALLY = set_local(SYSTEM_SETTING, "on")


def _drop_unsent_settings(engine: AsyncEngine) -> None:
    """A setting handed over for a BEGIN that never came (a transaction without a statement)
    is dropped when that transaction ends, and again when the connection goes back to the
    pool: it never starts another's (not even a later transaction on the same connection)."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _forget(_dbapi_connection: Any, record: Any) -> None:
        driver = record.driver_connection
        if type(driver) is TenantBeginConnection:
            driver.begin_with(None)

    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def _forget_at_end(connection: Any) -> None:
        if connection.invalidated:
            return
        driver = connection.connection.driver_connection
        if type(driver) is TenantBeginConnection:
            driver.begin_with(None)


def _check_shared_write(instance: SharedModel, context: TenantContext | None, new: bool) -> None:
    name = type(instance).__name__
    if context is None or context.tenant_id is None:
        raise NoTenantContext(f"writing {name} (a shared row) needs the tenant context of its owner")
    if new:
        if instance.owner_tenant_id is None:
            instance.owner_tenant_id = context.tenant_id
    elif inspect(instance).attrs.owner_tenant_id.history.has_changes():
        raise NotOwner(f"{name}: the owner of a shared row never changes")
    if instance.owner_tenant_id != context.tenant_id:
        raise NotOwner(f"{name} belongs to another tenant")


@event.listens_for(Session, "before_flush")
def _stamp_and_check_tenant(session: Session, _flush_context: Any, _instances: Any) -> None:
    context: TenantContext | None = session.info.get(TENANT_CONTEXT_KEY)
    new, dirty = session.new, session.dirty
    for instance in list(new) + list(dirty) + list(session.deleted):
        if isinstance(instance, TenantScopedModel):
            if context is None or context.tenant_id is None:
                raise NoTenantContext(f"writing {type(instance).__name__} without a tenant context")
            if instance in new and instance.tenant_id is None:
                instance.tenant_id = context.tenant_id
            if instance.tenant_id != context.tenant_id:
                raise CrossTenantWrite(f"{type(instance).__name__} belongs to another tenant")
            continue
        if not isinstance(instance, (SharedModel, NationalReferenceModel)):
            continue
        if instance in dirty and not session.is_modified(instance):
            continue  # loaded and touched, but nothing to write
        if isinstance(instance, SharedModel):
            _check_shared_write(instance, context, instance in new)
        else:
            _require_system(context, type(instance))
