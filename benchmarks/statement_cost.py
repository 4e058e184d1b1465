"""What one statement costs the platform's process, by the way it is run: the CPU time per
execution of the same read (a page of a gemeente's partners, eight rows) and the same write
(one wijk inserted), each in the platform's own session bound to the gemeente, on the
embedded SQLite database and on PostgreSQL (as the app role, row-level security on).

    uv run python benchmarks/statement_cost.py [--backend sqlite] [--repeat 2000]

The forms, from what the platform does to what the baseline of benchmarks/run.py does:

- *ORM entities, scoped*: `select(Partner)` through the session, as every list is read:
  the tenant-scoping hook (isolation layer 1, core/db.py) adds the gemeente's criteria, the
  rows become entities in the session's identity map.
- *ORM entities, statement built once*: the same, the statement object reused (the hook
  still scopes it on every execution).
- *ORM entities, built once, without the hook*: the same reused statement with the tenant
  filter written into it and the scoping hook switched off for the measurement: what the
  hook's criteria cost.
- *ORM columns, scoped*: the columns instead of entities (as a partner's members are read).
- *Core statement on the session's connection*: the same SQL built with SQLAlchemy Core,
  the tenant filter written by hand, outside the scoping hook (what layer 1 refuses for
  tenant tables: shown for the cost only).
- *text SQL on the session's connection*: the baseline's way, one prepared text statement.

and for the write: the ORM unit of work (`session.add` + `flush`, as every service writes)
against a Core `insert` on the session's connection.

The ratios against text SQL are what docs/performance.md uses to explain the lists' ratios:
the platform runs every tenant table through the ORM and its scoping hook, by design. CPU
time of this process only (the database's own work is the same for every form); these
machines are noisy: compare the rows of one run."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import core.db  # noqa: E402

from core.models import Partner, Wijk  # noqa: E402
from core.platform import Platform  # noqa: E402
from core.tenancy import tenant_context  # noqa: E402
from core.testing import TEST_SECRET, fresh_database, migrate_platform, postgres_unavailable_reason, settings_for_database  # noqa: E402
from gateway.demo import seed_demo  # noqa: E402

GEMEENTE = "utrecht"
PARTNER_COLUMNS = [column.key for column in Partner.__table__.columns]


async def cpu_microseconds(run: Callable[[], Awaitable[Any]], repeat: int) -> float:
    """The median over five batches of the process's CPU time per call, in microseconds."""
    for _ in range(min(repeat, 100)):
        await run()
    batches = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(repeat):
            await run()
        batches.append((time.process_time() - started) / repeat * 1e6)
    return statistics.median(batches)


@contextmanager
def scoping_hook_off() -> Iterator[None]:
    """Isolation layer 1's scoping hook switched off around one measurement (of a statement
    that filters by tenant itself; for measuring what the hook costs, nothing else). Put back
    afterwards, also on an error (as the last listener of its event: the platform has no
    other)."""
    event.remove(Session, "do_orm_execute", core.db._scope_orm_statement)
    try:
        yield
    finally:
        event.listen(Session, "do_orm_execute", core.db._scope_orm_statement)


#: A measured form: its name and µs of CPU per execution.
Measured = list[tuple[str, float]]


async def measure(backend: str, repeat: int) -> tuple[Measured, Measured]:
    """The reads and the writes, each group's last form the one the others are compared with."""
    with tempfile.TemporaryDirectory() as directory:
        database = await fresh_database(backend, Path(directory))
        platform = Platform.create(settings_for_database(database, log_level="WARNING", secret_key=TEST_SECRET))
        try:
            await migrate_platform(platform)
            await platform.start()
            await seed_demo(platform)
            tenant_id = await platform.tenant_id_of(GEMEENTE)
            bound_id: Any = tenant_id if backend == "postgresql" else tenant_id.hex
            table, wijken = Partner.__table__, Wijk.__table__
            built_once = select(Partner).order_by(Partner.name, Partner.id).limit(51)
            page_sql = text("SELECT * FROM partners WHERE tenant_id = :tenant ORDER BY name, id LIMIT 51")
            with tenant_context(tenant_id):
                async with platform.session() as session:
                    connection = await session.connection()

                    async def orm_entities() -> Any:
                        return (await session.execute(select(Partner).order_by(Partner.name, Partner.id).limit(51))).scalars().all()

                    async def orm_entities_built_once() -> Any:
                        return (await session.execute(built_once)).scalars().all()

                    unhooked = select(Partner).where(Partner.tenant_id == tenant_id).order_by(Partner.name, Partner.id).limit(51)

                    async def orm_entities_without_hook() -> Any:
                        # Measured only with the hook off (`scoping_hook_off`).
                        return (await session.execute(unhooked)).scalars().all()

                    async def orm_columns() -> Any:
                        columns = [getattr(Partner, key) for key in PARTNER_COLUMNS]
                        return (await session.execute(select(*columns).order_by(Partner.name, Partner.id).limit(51))).all()

                    async def core_statement() -> Any:
                        statement = select(table).where(table.c.tenant_id == tenant_id).order_by(table.c.name, table.c.id).limit(51)
                        return (await connection.execute(statement)).all()

                    async def text_sql() -> Any:
                        return (await connection.execute(page_sql, {"tenant": bound_id})).all()

                    rows = len(await orm_entities())
                    if rows != len(await text_sql()) or rows == 0:
                        raise RuntimeError("the forms do not read the same rows")
                    reads = [
                        (f"read {rows} partners: ORM entities, scoped", orm_entities),
                        ("  ORM entities, statement built once", orm_entities_built_once),
                        ("  ORM entities, built once, without the scoping hook", orm_entities_without_hook),
                        ("  ORM columns, scoped", orm_columns),
                        ("  Core statement on the connection", core_statement),
                        ("  text SQL on the connection (the baseline's way)", text_sql),
                    ]

                    # Wijk codes are unique per gemeente and 8 characters long: counted, not random.
                    codes = (f"M{number:07d}" for number in itertools.count())

                    async def orm_insert() -> None:
                        session.add(Wijk(code=next(codes), name="Meetwijk"))
                        await session.flush()

                    async def core_insert() -> None:
                        await connection.execute(
                            insert(wijken).values(tenant_id=tenant_id, id=uuid.uuid4(), code=next(codes), name="Meetwijk", active=True)
                        )

                    writes = [("insert a wijk: ORM unit of work (add + flush)", orm_insert), ("  Core insert on the connection", core_insert)]
                    measured: tuple[Measured, Measured] = ([], [])
                    for group, forms in zip(measured, (reads, writes), strict=True):
                        for name, run in forms:
                            if run is orm_entities_without_hook:
                                with scoping_hook_off():
                                    group.append((name, await cpu_microseconds(run, repeat)))
                            else:
                                group.append((name, await cpu_microseconds(run, repeat)))
                    session.expunge_all()
                    await session.rollback()  # nothing of the measurement stays
            return measured
        finally:
            await platform.dispose()
            await database.drop()


def table(backend: str, measured: tuple[Measured, Measured]) -> str:
    lines = [f"\n{backend}: CPU time of this process per execution, median of 5 batches", "", "| form | µs | × text SQL / Core insert |", "|---|---|---|"]
    for group in measured:
        base = group[-1][1]
        lines += [f"| {name} | {micros:.0f} | {micros / base:.2f} |" for name, micros in group]
    return "\n".join(lines)


async def main(backends: list[str], repeat: int) -> None:
    for backend in backends:
        if backend == "postgresql" and (reason := await postgres_unavailable_reason()) is not None:
            print(f"\npostgresql: skipped ({reason})")
            continue
        print(table(backend, await measure(backend, repeat)), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=2000)
    arguments = parser.parse_args()
    asyncio.run(main([arguments.backend] if arguments.backend else ["sqlite", "postgresql"], arguments.repeat))
