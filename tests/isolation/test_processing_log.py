"""The processing log: one record per data subject for every read and write, trace
context, the privacy officer's view, append-only storage and the hash chain."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select, text, update

from core.platform import Platform
from core.processing import Anchor, ProcessingLogHead, ProcessingRecord, _chained_fields, chain_head, pseudonym, verify_chain
from core.tenancy import TenantContext
from core.testing import TEST_SECRET, owner_engine
from tests.conftest import Api, World

ADMIN = World.email("coalition_admin", "utrecht")
PRO = World.email("professional", "utrecht")
PRIVACY = World.email("privacy_officer", "utrecht")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@asynccontextmanager
async def tampering(platform: Platform) -> AsyncIterator[Any]:
    """A connection as someone who owns the database and switches its triggers off."""
    async with owner_engine(platform).begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
        yield connection


async def records(platform: Platform, tenant_id) -> list[ProcessingRecord]:
    await platform.seal_processing_logs([tenant_id])
    async with platform.session(TenantContext(tenant_id=tenant_id)) as session:
        return list((await session.execute(select(ProcessingRecord).order_by(ProcessingRecord.seq))).scalars())


async def record_unsealed(platform: Platform, slug: str, operation: str, subjects: int) -> None:
    """`subjects` records committed in the gemeente and left unsealed: the background
    sealer is kept out, for the test to seal them itself (PostgreSQL)."""
    from core.graphql.privacy_schema import LOG_INSPECTION
    from core.processing import record_processing

    async with platform.work_as_system(slug, "test") as work:
        record_processing(work, LOG_INSPECTION, operation, [f"subject-{n}" for n in range(subjects)], "read")
        await work.save()
    platform._unsealed.clear()
    if platform._sealer is not None:
        await platform._sealer


async def assert_all_sealed(platform: Platform, tenant_id: Any) -> None:
    async with platform.session(TenantContext(tenant_id=tenant_id)) as session:
        report = await verify_chain(session, TEST_SECRET)
    assert report.intact and report.unsealed == 0


async def add_notes(api: Api, *texts: str) -> list[str]:
    (await api.gql("utrecht", 'mutation { enableModule(input: {key: "tiny_notes"}) { module { key } } }', user=ADMIN)).ok()
    ids = []
    for value in texts:
        response = await api.gql("utrecht", "mutation($t: String!) { addTinyNote(input: {text: $t}) { note { id } } }", {"t": value}, user=PRO)
        ids.append(response.ok()["addTinyNote"]["note"]["id"])
    return ids


async def test_every_read_and_write_leaves_one_record_per_subject(api: Api, world: World, platform: Platform) -> None:
    first, second = await add_notes(api, "Een", "Twee")
    response = await api.gql("utrecht", "{ tinyNotes { text } }", user=PRO, headers={"traceparent": TRACEPARENT})
    response.ok()
    returned = response.headers["traceparent"]
    assert returned.startswith(f"00-{TRACE_ID}-") and returned != TRACEPARENT  # same trace, our own span
    rows = await records(platform, world.utrecht.id)
    assert [(row.seq, row.operation, row.result, row.status) for row in rows] == [
        (1, "addTinyNote", "created", "ok"),
        (2, "addTinyNote", "created", "ok"),
        (3, "tinyNotes", "read", "ok"),
        (4, "tinyNotes", "read", "ok"),
    ]
    subjects = {pseudonym(TEST_SECRET, world.utrecht.id, note) for note in (first, second)}
    assert {row.data_subject for row in rows[2:]} == subjects
    read = rows[2]
    assert read.trace_id == TRACE_ID and read.parent_span_id == "00f067aa0ba902b7" and read.span_id == returned.split("-")[2]
    assert (read.actor_type, read.actor, read.activity, read.on_behalf_of) == ("person", PRO, "tiny_notes.notes", "gemeente:GM0344")
    assert read.started_at <= read.ended_at
    # No names, notes or tokens: the note texts are nowhere in the log.
    assert not any("Een" in str(vars(row)) or "Twee" in str(vars(row)) for row in rows)
    # Another tenant's log is its own (and empty).
    assert await records(platform, world.bosch.id) == []


async def test_a_failed_write_is_logged_with_status_error(api: Api, world: World, platform: Platform) -> None:
    await add_notes(api)
    failed = await api.gql("utrecht", 'mutation { addTinyNote(input: {text: "fail-after-write"}) { note { id } } }', user=PRO)
    assert failed.codes == ["VALIDATION_FAILED"]
    rows = await records(platform, world.utrecht.id)
    assert [(row.operation, row.result, row.status) for row in rows] == [("addTinyNote", "created", "error")]
    assert (await api.gql("utrecht", "{ tinyNotes { id } }", user=PRO)).ok() == {"tinyNotes": []}


async def test_privacy_officer_sees_who_processed_a_family(api: Api, world: World, platform: Platform) -> None:
    (note,) = await add_notes(api, "Gezin")
    (await api.gql("utrecht", "{ tinyNotes { id } }", user=ADMIN)).ok()
    query = "query($s: ID!) { processingLog(dataSubjectId: $s) { nodes { seq operation actor result activity traceId } } }"
    log = (await api.gql("utrecht", query, {"s": note}, user=PRIVACY)).ok()["processingLog"]["nodes"]
    assert [(entry["operation"], entry["actor"], entry["result"]) for entry in log] == [
        ("addTinyNote", PRO, "CREATED"),
        ("tinyNotes", ADMIN, "READ"),
    ]
    # Looking is itself logged; and only the privacy officer may look.
    rows = await records(platform, world.utrecht.id)
    assert (rows[-1].operation, rows[-1].actor, rows[-1].activity) == ("processingLog", PRIVACY, "core.processing_log_inspection")
    for role in ("coalition_admin", "professional", "analyst"):
        refused = await api.gql("utrecht", query, {"s": note}, user=World.email(role, "utrecht"))
        assert refused.codes == ["FORBIDDEN"], role


async def test_chain_detects_changes_and_removals(api: Api, world: World, platform: Platform) -> None:
    await add_notes(api, "A", "B", "C")
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        unsealed = await verify_chain(session, platform.settings.secret_key.get_secret_value())
    # On PostgreSQL records are committed unchained and sealed within seconds; SQLite seals at once.
    assert unsealed.intact and unsealed.records + unsealed.unsealed == 3
    if platform.engine.dialect.name == "sqlite":
        assert unsealed.unsealed == 0
    await platform.seal_processing_logs([world.utrecht.id])
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        sealed = await verify_chain(session, platform.settings.secret_key.get_secret_value())
        assert sealed.intact and (sealed.records, sealed.unsealed) == (3, 0)
    async with tampering(platform) as connection:
        await connection.execute(update(ProcessingRecord.__table__).where(ProcessingRecord.__table__.c.seq == 2).values(actor="someone@else.example"))
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        report = await verify_chain(session, platform.settings.secret_key.get_secret_value())
    assert not report.intact and report.broken_at == 2 and "changed" in report.reason
    # Recomputing the hash without the platform's key (all that database access gives) does not help.
    async with tampering(platform) as connection:
        row = (await connection.execute(select(ProcessingRecord.__table__).where(ProcessingRecord.__table__.c.seq == 2))).one()
        forged = ProcessingRecord(**{column: getattr(row, column) for column in row._fields})
        unkeyed = hashlib.sha256((forged.previous_hash + json.dumps(_chained_fields(forged, forged.seq), sort_keys=True, separators=(",", ":"), default=str)).encode()).hexdigest()
        await connection.execute(update(ProcessingRecord.__table__).where(ProcessingRecord.__table__.c.seq == 2).values(record_hash=unkeyed))
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        assert (await verify_chain(session, platform.settings.secret_key.get_secret_value())).broken_at == 2
    async with tampering(platform) as connection:
        await connection.execute(update(ProcessingRecord.__table__).where(ProcessingRecord.__table__.c.seq == 2).values(record_hash=row.record_hash))
    async with tampering(platform) as connection:
        await connection.execute(
            update(ProcessingRecord.__table__).where(ProcessingRecord.__table__.c.seq == 2).values(actor=PRO)
        )
        await connection.execute(text("DELETE FROM processing_log WHERE seq = 3"))
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        report = await verify_chain(session, platform.settings.secret_key.get_secret_value())
    assert report.broken_at == 3 and "missing" in report.reason  # the end of the chain removed
    async with tampering(platform) as connection:
        await connection.execute(text("DELETE FROM processing_log WHERE seq = 1"))
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        report = await verify_chain(session, platform.settings.secret_key.get_secret_value())
    assert report.broken_at == 1 and "missing" in report.reason


async def test_an_anchor_shows_newest_records_removed_with_the_head_rewound(api: Api, world: World, platform: Platform) -> None:
    """Someone who owns the database removes the newest records and sets the head back:
    the chain alone is then intact again, but it no longer passes through an anchor taken
    before (`kansrijk audit anchor`)."""
    secret = platform.settings.secret_key.get_secret_value()
    await add_notes(api, "A", "B", "C")
    await platform.seal_processing_logs([world.utrecht.id])
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        anchor = await chain_head(session)
        assert anchor.seq >= 3 and (await verify_chain(session, secret, anchor)).intact
    table, head = ProcessingRecord.__table__, ProcessingLogHead.__table__
    async with tampering(platform) as connection:
        kept = (await connection.execute(select(table.c.record_hash).where(table.c.tenant_id == world.utrecht.id, table.c.seq == anchor.seq - 1))).scalar_one()
        await connection.execute(table.delete().where(table.c.tenant_id == world.utrecht.id, table.c.seq == anchor.seq))
        await connection.execute(head.update().where(head.c.tenant_id == world.utrecht.id).values(seq=anchor.seq - 1, record_hash=kept))
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        assert (await verify_chain(session, secret)).intact  # without the anchor nothing shows
        report = await verify_chain(session, secret, anchor)
        assert report.broken_at == anchor.seq and "the anchor is at" in report.reason
        # An anchor whose hash the chain does not have (a record rewritten) shows too.
        report = await verify_chain(session, secret, Anchor(anchor.seq - 1, "f" * 64))
        assert report.broken_at == anchor.seq - 1 and "differs from the anchor" in report.reason


async def test_app_role_cannot_change_the_log(api: Api, world: World, platform: Platform, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("grants are PostgreSQL's")
    await add_notes(api, "A")
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        with pytest.raises(Exception, match="permission denied"):
            await session.execute(text("UPDATE processing_log SET actor = 'x'"))
        await session.rollback()
        with pytest.raises(Exception, match="permission denied"):
            await session.execute(text("DELETE FROM processing_log"))
        await session.rollback()
        with pytest.raises(Exception, match="permission denied"):
            await session.execute(text("TRUNCATE processing_log"))
        await session.rollback()
    # The sealer may fill in an unsealed record's place in the chain once; nobody may
    # change a sealed one, not even its chain columns.
    await platform.seal_processing_logs([world.utrecht.id])
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        with pytest.raises(Exception, match="a sealed record cannot change"):
            await session.execute(text("UPDATE processing_log SET seq = seq + 100, record_hash = 'x', previous_hash = 'y'"))


def test_trace_context_parsing() -> None:
    from core.processing import Trace

    parsed = Trace.from_header(TRACEPARENT)
    assert parsed.trace_id == TRACE_ID and parsed.parent_span_id == "00f067aa0ba902b7" and len(parsed.span_id) == 16
    for bad in (None, "", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", f"01-{TRACE_ID}-00f067aa0ba902b7"):
        fresh = Trace.from_header(bad)
        assert fresh.parent_span_id is None and len(fresh.trace_id) == 32 and fresh.trace_id != TRACE_ID



async def test_a_sealer_never_waits_for_another(api: Api, world: World, platform: Platform, backend: str) -> None:
    """Two sealers of one chain: the second skips it at once (the first, or a later round,
    seals the records) instead of queueing behind it."""
    if backend != "postgresql":
        pytest.skip("SQLite seals in the writing transaction")
    from core.db import begin_write
    from core.processing import SealerBusy, seal
    from core.tenancy import tenant_context

    await add_notes(api, "A")
    await platform.seal_processing_logs([world.utrecht.id])  # the chain has its head now
    await add_notes(api, "B")
    secret = platform.settings.secret_key.get_secret_value()
    with tenant_context(world.utrecht.id):
        async with platform.session() as first, platform.session() as second:
            await begin_write(first)
            await first.execute(select(ProcessingLogHead).with_for_update())
            await begin_write(second)
            with pytest.raises(SealerBusy):
                await seal(second, secret)
            await second.rollback()
            assert await platform.seal_processing_logs([world.utrecht.id]) == 0
            assert world.utrecht.id in platform._unsealed  # kept for the next round
            await first.rollback()
    await platform.seal_processing_logs([world.utrecht.id])  # (or the background sealer did)
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        report = await verify_chain(session, secret)
    assert report.intact and (report.records, report.unsealed) == (2, 0)


async def test_a_deadlocked_mutation_runs_again_and_logs_once(api: Api, world: World, platform: Platform) -> None:
    """A deadlock (40P01) re-runs the mutation: the attempts that failed leave no note, no
    event and no record; one that keeps failing answers BUSY and logs its last attempt."""
    from core.models import OutboxEvent
    from tests.support import tiny_notes

    await add_notes(api)
    tiny_notes.DEADLOCKS.clear()
    attempts = platform.settings.transaction_attempts
    done = await api.gql("utrecht", 'mutation { addTinyNote(input: {text: "deadlock-2"}) { note { id } } }', user=PRO)
    done.ok()
    refused = await api.gql("utrecht", f'mutation {{ addTinyNote(input: {{text: "deadlock-{attempts}"}}) {{ note {{ id }} }} }}', user=PRO)
    assert refused.codes == ["BUSY"] and refused.headers["Retry-After"]
    assert tiny_notes.DEADLOCKS == {"deadlock-2": 3, f"deadlock-{attempts}": attempts}
    assert [note["id"] for note in (await api.gql("utrecht", "{ tinyNotes { id } }", user=PRO)).ok()["tinyNotes"]] == [done.data["addTinyNote"]["note"]["id"]]
    rows = await records(platform, world.utrecht.id)
    assert [(row.operation, row.status) for row in rows if row.operation == "addTinyNote"] == [("addTinyNote", "ok"), ("addTinyNote", "error")]
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        events = (await session.execute(select(OutboxEvent.type).where(OutboxEvent.type == "tiny_notes.note.added"))).scalars().all()
    assert len(events) == 1


async def test_the_register_is_read_until_this_process_saw_its_entry_committed(api: Api, world: World, platform: Platform) -> None:
    """Entries of the register of processing activities are never removed: once one was
    read committed, writing records of that activity does not read the register again. An
    entry a unit of work inserted and then lost to a rollback is not taken for present."""
    from core.processing import RegisteredActivity, ensure_register
    from core.testing import count_statements
    from tests.support.tiny_notes import ACTIVITY

    tenant_id = world.utrecht.id
    known = platform.runtime.registered_activities
    known.discard((tenant_id, ACTIVITY))
    async with platform.work_as_system("utrecht", "test") as work:
        await ensure_register(work.session, work.runtime, {ACTIVITY})  # inserted here
        await ensure_register(work.session, work.runtime, {ACTIVITY})  # seen, but only by this transaction
        await work.session.rollback()
    assert (tenant_id, ACTIVITY) not in known
    async with platform.session(TenantContext(tenant_id=tenant_id)) as session:
        assert (await session.execute(select(RegisteredActivity).where(RegisteredActivity.key == ACTIVITY))).first() is None

    await add_notes(api, "eerste")  # inserts the entry: not remembered yet (it might roll back)
    assert (tenant_id, ACTIVITY) not in known
    with count_statements(platform) as first:
        await add_notes(api, "tweede")  # reads it, committed: remembered
    assert (tenant_id, ACTIVITY) in known
    with count_statements(platform) as second:
        await add_notes(api, "derde")
    reads = [statement for statement in first if "FROM processing_activities" in statement]
    assert len(reads) == 1
    assert not [statement for statement in second if "processing_activities" in statement]


async def test_the_records_of_a_read_commit_in_its_transaction_even_after_a_failed_statement(world: World, platform: Platform, backend: str) -> None:
    """On PostgreSQL a read's records are committed in the read's own transaction (one
    transaction per read); when a statement of it failed, in a new one. Either way they
    are there."""
    from sqlalchemy import event
    from sqlalchemy.exc import DBAPIError

    from core.processing import record_processing
    from tests.support.tiny_notes import ACTIVITY

    from core.db import BACKGROUND_OPTION

    begun: list[int] = []

    def count(connection: Any) -> None:
        # This unit of work's transactions, not the background sealer's beside it (it seals
        # what earlier tests wrote, whenever its interval comes round).
        if not connection.get_execution_options().get(BACKGROUND_OPTION):
            begun.append(1)

    async def read(fail: bool) -> None:
        async with platform.work_as_system("utrecht", "test") as work:
            await work.session.execute(select(ProcessingRecord.id).limit(1))
            record_processing(work, ACTIVITY, "notes", ["subject-1"], "read")
            if fail:
                with pytest.raises(DBAPIError):
                    await work.session.execute(text("SELECT CAST('geen getal' AS INTEGER) + 1" if backend == "postgresql" else "SELECT no_such_column FROM tenants"))
            begun.clear()
            await work.save_reads()

    event.listen(platform.engine.sync_engine, "begin", count)
    try:
        await read(fail=False)
        assert len(begun) == (0 if backend == "postgresql" else 1)  # SQLite: BEGIN IMMEDIATE for the records
        await read(fail=True)
        assert len(begun) == 1  # the failed transaction is replaced
    finally:
        event.remove(platform.engine.sync_engine, "begin", count)
    logged = await records(platform, world.utrecht.id)
    assert [(record.operation, record.status) for record in logged if record.operation == "notes"] == [("notes", "ok"), ("notes", "ok")]


async def test_the_sealer_takes_a_batch_of_each_gemeente_in_turn(platform: Platform, world: World) -> None:
    """A gemeente with many records waiting does not keep the sealer from the others: each
    round seals one batch of every gemeente, and the rounds go on until all are sealed."""
    if platform.engine.dialect.name == "sqlite":
        pytest.skip("on SQLite a write seals its records itself, in its own transaction")
    from core.processing import SEAL_BATCH

    tenants = {"utrecht": world.utrecht.id, "s-hertogenbosch": world.bosch.id}
    await platform.seal_processing_logs(list(tenants.values()))  # what earlier tests left
    for slug in tenants:
        await record_unsealed(platform, slug, "sealerTurns", SEAL_BATCH + 7)

    async def unsealed(tenant_id: Any) -> int:
        async with platform.session(TenantContext(tenant_id=tenant_id)) as session:
            return len((await session.execute(select(ProcessingRecord.id).where(ProcessingRecord.seq.is_(None)))).all())

    assert [await unsealed(tenant_id) for tenant_id in tenants.values()] == [SEAL_BATCH + 7] * 2
    sealed, more = await platform._seal_round(list(tenants.values()))
    assert (sealed, set(more)) == (2 * SEAL_BATCH, set(tenants.values()))  # a full batch of each, both have more
    assert [await unsealed(tenant_id) for tenant_id in tenants.values()] == [7, 7]
    assert await platform.seal_processing_logs(list(tenants.values())) == 14
    for tenant_id in tenants.values():
        await assert_all_sealed(platform, tenant_id)


async def test_the_background_sealer_goes_on_until_a_gemeente_with_several_batches_is_sealed(
    platform: Platform, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records committed by a unit of work are sealed by the server's own sealer, also when
    they are more than one batch: it goes on round after round, and what it has still to do
    stays noted (a stop would still seal it)."""
    if platform.engine.dialect.name == "sqlite":
        pytest.skip("on SQLite a write seals its records itself, in its own transaction")
    from core.graphql.privacy_schema import LOG_INSPECTION
    from core.processing import SEAL_BATCH, record_processing

    taken: list[set[Any]] = []  # what each round took from the noted gemeenten
    take = platform._take_unsealed
    monkeypatch.setattr(platform, "_take_unsealed", lambda: taken.append(take()) or taken[-1])
    async with platform.work_as_system("utrecht", "test") as work:
        record_processing(work, LOG_INSPECTION, "sealerRounds", [f"subject-{n}" for n in range(2 * SEAL_BATCH + 3)], "read")
        await work.save()  # notes the gemeente: the background sealer starts
    assert world.utrecht.id in platform._unsealed and platform._sealer is not None
    await asyncio.wait_for(platform._sealer, timeout=60)
    await assert_all_sealed(platform, world.utrecht.id)
    assert not platform._unsealed
    assert sum(world.utrecht.id in noted for noted in taken) >= 3  # noted again after each full batch


async def test_a_batch_is_sealed_in_a_fixed_number_of_statements(platform: Platform, world: World) -> None:
    """Sealing reads the batch's chained columns in one statement and writes the whole batch
    in one more, however many records it holds: never an UPDATE per record (500 of them in
    a pipeline took 0.1-0.8 s a batch, growing as the table grew; one statement ~30 ms)."""
    if platform.engine.dialect.name == "sqlite":
        pytest.skip("on SQLite a write seals its records itself, in its own transaction")
    from sqlalchemy import event

    from core.db import begin_write
    from core.processing import SEAL_BATCH, seal
    from core.tenancy import tenant_context

    await platform.seal_processing_logs([world.utrecht.id])  # what earlier tests left
    statements: dict[int, list[tuple[bool, str]]] = {}
    for size in (1, 3, SEAL_BATCH):  # (the first may make the chain's head)
        await record_unsealed(platform, "utrecht", "sealedAtOnce", size)
        seen = statements[size] = []
        sent = lambda _c, _cursor, statement, _p, _context, many: seen.append((many, " ".join(statement.split())))  # noqa: E731
        event.listen(platform.engine.sync_engine, "before_cursor_execute", sent)
        try:
            with tenant_context(world.utrecht.id):
                async with platform.session() as session:
                    await begin_write(session, background=True)
                    assert await seal(session, TEST_SECRET) == size
                    await session.commit()
        finally:
            event.remove(platform.engine.sync_engine, "before_cursor_execute", sent)
    assert statements[3] == statements[SEAL_BATCH]
    assert not any(many for many, _ in statements[SEAL_BATCH])  # no statement sent once per record
    updates = [statement for _, statement in statements[SEAL_BATCH] if statement.startswith("UPDATE")]
    assert [statement.split()[1] for statement in updates] == ["processing_log", "processing_log_heads"]
    assert "seq IS NULL" in updates[0] and "processing_log.tenant_id =" in updates[0]  # only unsealed records, of this gemeente
    await assert_all_sealed(platform, world.utrecht.id)


async def test_sqlite_chains_a_writes_records_as_it_inserts_them(platform: Platform, world: World) -> None:
    """On SQLite (one writer, the lock held from BEGIN) a write's records are inserted already
    chained after the head, in the order the sealer would take them, and never updated
    afterwards; a record left waiting before them is chained first (then the sealer's way).
    Moments given in another time zone are chained as they are stored, in UTC."""
    if platform.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL commits records unsealed, for its sealer")
    import datetime as dt
    import uuid

    from sqlalchemy import event

    from core.graphql.privacy_schema import LOG_INSPECTION
    from core.processing import record_processing

    async def write(operation: str, subjects: int, started_at: dt.datetime | None = None) -> list[str]:
        sent: list[str] = []
        listener = lambda _c, _cursor, statement, _p, _context, _many: sent.append(" ".join(statement.split()))  # noqa: E731
        event.listen(platform.engine.sync_engine, "before_cursor_execute", listener)
        try:
            async with platform.work_as_system("utrecht", "test") as work:
                record_processing(work, LOG_INSPECTION, operation, [f"{operation}-{n}" for n in range(subjects)], "read", started_at=started_at)
                await work.save()
        finally:
            event.remove(platform.engine.sync_engine, "before_cursor_execute", listener)
        return [statement for statement in sent if "processing_activities" not in statement]  # (the register: read until seen committed)

    await write("first", 1)
    one, many = await write("second", 1), await write("third", 30, dt.datetime.now(dt.timezone(dt.timedelta(hours=-5))))
    assert not any(statement.startswith("UPDATE processing_log ") for statement in one + many)
    assert one == many, (one, many)  # the same statements for 1 record as for 30
    await assert_all_sealed(platform, world.utrecht.id)
    # A record that waits unsealed (committed by other means) is chained before the next write's.
    async with tampering(platform) as connection:
        table = ProcessingRecord.__table__
        last = (await connection.execute(select(table).order_by(table.c.seq.desc()).limit(1))).one()._asdict()
        waiting = last | {"id": uuid.uuid4(), "seq": None, "previous_hash": None, "record_hash": None, "operation": "waiting"}
        await connection.execute(table.insert().values(**waiting))
    await write("fourth", 2)
    await assert_all_sealed(platform, world.utrecht.id)
    chained = [(row.seq, row.operation) for row in await records(platform, world.utrecht.id) if row.operation in ("waiting", "fourth")]
    last_seq = chained[0][0]
    assert chained == [(last_seq, "waiting"), (last_seq + 1, "fourth"), (last_seq + 2, "fourth")]


def test_a_pseudonym_is_the_keyed_hash_of_the_subject_under_its_gemeentes_key() -> None:
    """What a record's data subject is (written down here by hand, so that a faster way to
    compute it cannot change a single pseudonym already in a log): HMAC-SHA256 of the
    subject's id under a key per gemeente, itself HMAC-SHA256 of the gemeente's id under
    the platform's secret; different per gemeente, per subject and per secret."""
    import hmac
    import uuid

    gemeente, other, subject = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
    key = hmac.new(TEST_SECRET.encode(), b"processing-log:" + str(gemeente).encode(), hashlib.sha256).digest()
    assert pseudonym(TEST_SECRET, gemeente, subject) == hmac.new(key, str(subject).encode(), hashlib.sha256).hexdigest()
    assert len({pseudonym(TEST_SECRET, gemeente, subject), pseudonym(TEST_SECRET, other, subject), pseudonym(TEST_SECRET, gemeente, other), pseudonym("x" * 40, gemeente, subject)}) == 4
