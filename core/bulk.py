"""Writing many rows of national reference data at once (a national CBS file: tens of
thousands of figures), far faster than an ORM or `executemany` upsert.

On PostgreSQL the rows are copied (`COPY`, asyncpg's binary protocol) into a temporary
staging table of the transaction, then written with one `INSERT … SELECT` (with
`ON CONFLICT DO UPDATE` when conflict columns are given, only for rows that changed when
`when_changed` columns are); the database makes the ids. On SQLite (one writer,
in-process) they are written with `executemany`, the ids made here. Either way it happens
in the caller's transaction: nothing is kept when it fails.

Only for `NationalReferenceModel` tables, in the system context: the rows bypass the ORM's
tenant checks, so this helper checks the context itself, and PostgreSQL's row-level
security policy still applies to the final INSERT (COPY could not write such a table)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, column, func, literal, or_, select, table, text

from core.db import NationalReferenceModel, dialect_insert
from core.tenancy import ReferenceDataReadOnly, current_context


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def bulk_upsert(
    session: Any,
    model: type[NationalReferenceModel],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    conflict: Sequence[str] = (),
    when_changed: Sequence[str] = (),
) -> int:
    """Insert `rows` (tuples in the order of `columns`) into `model`'s table, each with the
    `constants` (the same value in every row, e.g. the table and period of an import) and a
    new `id`. With `conflict` columns, a row that matches an existing row on them updates
    that row's other columns instead; without, every row is inserted. With `when_changed`
    columns (of the written ones, not of `conflict`), that update happens only when one of
    them differs: a row that is already so stays untouched (no new row version, and its
    other columns, e.g. the import that last changed it, keep their values). Returns the
    number of rows inserted or updated."""
    if not (isinstance(model, type) and issubclass(model, NationalReferenceModel)):
        raise TypeError(f"bulk_upsert writes national reference data only, not {model!r}")
    context = current_context()
    if context is None or not context.system:
        raise ReferenceDataReadOnly(f"bulk writing {model.__name__} (national reference data) outside the system context")
    constants = dict(constants or {})
    target = model.__table__
    written = [*columns, *constants]
    unknown = set(written) - set(target.columns.keys())
    if unknown or "id" in written or len(set(written)) != len(written) or not set(conflict) <= set(written):
        raise ValueError(f"bulk_upsert: unknown {sorted(unknown)}, repeated or id columns, or conflict columns not written")
    if when_changed and (not conflict or not set(when_changed) <= set(written) - set(conflict)):
        raise ValueError("bulk_upsert: when_changed needs conflict columns and names written columns outside them")
    if not rows:
        return 0
    updated = [name for name in written if name not in conflict]
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        driver = (await connection.get_raw_connection()).driver_connection
        if hasattr(driver, "copy_records_to_table"):
            staging = f"bulk_{target.name}"
            names = ", ".join(_quoted(name) for name in columns)
            # The staging table lives for this transaction only and has no constraints:
            # COPY fills it unchecked, the INSERT below checks everything.
            await connection.execute(text(f"DROP TABLE IF EXISTS pg_temp.{_quoted(staging)}"))
            await connection.execute(
                text(f"CREATE TEMPORARY TABLE {_quoted(staging)} ON COMMIT DROP AS SELECT {names} FROM {_quoted(target.name)} WITH NO DATA")
            )
            await driver.copy_records_to_table(staging, records=rows, columns=list(columns))
            source = table(staging, *(column(name) for name in columns))
            chosen = select(
                func.gen_random_uuid(),
                *(source.c[name] for name in columns),
                *(literal(value, type_=target.c[name].type) for name, value in constants.items()),
            )
            insert = dialect_insert(session)(target).from_select(["id", *written], chosen)
            if conflict:
                insert = _on_conflict(insert, target, conflict, updated, when_changed)
            return (await connection.execute(insert)).rowcount
    # SQLite: the rows go to the driver's executemany as tuples, each value converted once by
    # its column's type (an executemany of dicts through SQLAlchemy converts every
    # parameter of every row through the compiled statement, several times slower).
    dialect = connection.dialect
    statement = dialect_insert(session)(target).values({name: bindparam(name) for name in ["id", *written]})
    if conflict:
        statement = _on_conflict(statement, target, conflict, updated, when_changed)
    compiled = statement.compile(dialect=dialect)
    order = list(compiled.positiontup or ())
    if sorted(order) != sorted(["id", *written]):
        raise RuntimeError(f"bulk_upsert: unexpected parameters {order}")
    processors = {name: target.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order}
    position = {name: index for index, name in enumerate(columns)}
    fixed = {name: (processors[name](value) if processors[name] else value) for name, value in constants.items()}  # type: ignore[misc]
    # One list per parameter, in the statement's order, then zipped into the rows' tuples.
    per_parameter: list[Sequence[Any]] = []
    for name in order:
        convert = processors[name]
        if name == "id":
            per_parameter.append(_random_ids(len(rows), convert))
            continue
        if name in fixed:  # converted once
            per_parameter.append([fixed[name]] * len(rows))
            continue
        values = [row[position[name]] for row in rows]
        per_parameter.append([convert(value) for value in values] if convert else values)
    result = await connection.exec_driver_sql(str(compiled), list(zip(*per_parameter, strict=True)))
    # sqlite3's executemany counts the rows each statement changed: an upsert skipped by its
    # WHERE counts none.
    return result.rowcount


_PROBE = uuid.UUID(int=0x0123456789ABCDEF0123456789ABCDEF)


def _random_ids(count: int, convert: Any) -> list[Any]:
    """`count` random (version 4) UUIDs as `convert`, the id column's bind processor, makes
    them: made from one call for random bytes, and, where the column stores 32 hex digits
    (SQLite), sliced from one hex string (a `uuid.UUID` per row took a sixth of a national
    import's time)."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes(byte & 0x0F | 0x40 for byte in raw[6::16])  # version 4
    raw[8::16] = bytes(byte & 0x3F | 0x80 for byte in raw[8::16])  # the RFC 4122 variant
    if convert is not None and convert(_PROBE) == _PROBE.hex:
        digits = raw.hex()
        return [digits[start : start + 32] for start in range(0, 32 * count, 32)]
    ids = [uuid.UUID(bytes=bytes(raw[start : start + 16])) for start in range(0, 16 * count, 16)]
    return [convert(value) for value in ids] if convert is not None else ids


def _on_conflict(insert: Any, target: Any, conflict: Sequence[str], updated: Sequence[str], when_changed: Sequence[str]) -> Any:
    """`ON CONFLICT (conflict) DO UPDATE` of the `updated` columns; with `when_changed`,
    only where one of those differs from the incoming row (NULL-safe)."""
    changed = None
    if when_changed:
        changed = or_(*(target.c[name].is_distinct_from(insert.excluded[name]) for name in when_changed))
    return insert.on_conflict_do_update(index_elements=list(conflict), set_={name: insert.excluded[name] for name in updated}, where=changed)
