"""The processing log of personal data (after the Dutch standard *Logboek Dataverwerkingen*
and NEN 7513): every read or write of a family's personal data leaves one record per data
subject, so that afterwards it can be shown who processed whose data, when, why and with
what result.

Modules declare their processing activities (`register_processing_activities`: purpose,
legal basis); each tenant has its own register of them. Code that touches personal data
calls `record_processing(work, activity, operation, subjects, result)`. The records of a
mutation are inserted in its transaction (with status `ok`), or after its rollback (status
`error`); those of a query after it ran.

Appending is a plain insert: no request waits for another's records. Each tenant's
records are then *sealed* into a hash chain (`seq`, `previous_hash`, `record_hash`, keyed
with the platform's secret) by `seal`, shortly after they were committed and in the order
they were recorded: the process that wrote them seals within `seal_interval` seconds, and a
periodic task of the job engine seals whatever is left (a process that stopped). On SQLite,
which has one writer at a time anyway, records are sealed in the transaction that adds them. One sealer
per tenant at a time holds the chain's head; only sealers take that lock. `verify_chain`
(`kansrijk audit verify`) then detects a changed, removed or reordered sealed record; a
record not yet sealed is counted as such (it is protected from the moment it is sealed).
On PostgreSQL the app role may only add and read records, and fill in an unsealed record's
chain columns once (a trigger refuses any other change).

A record holds no personal details, no free text, no secrets: the data subject is a
pseudonym (an HMAC of its id under a per-tenant key), the operation and activity are
names from code.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import structlog
from sqlalchemy import ARRAY, Column, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, Uuid, bindparam, func, insert, select, text, update
from sqlmodel import Field, SQLModel

from core.db import JSONType, TenantScopedModel, UTCDateTime, dialect_insert, session_tenant_id, utcnow

log = structlog.get_logger(__name__)

GENESIS_HASH = "0" * 64
STATUS_OK = "ok"
STATUS_ERROR = "error"
RESULTS = ("read", "created", "updated", "deleted", "exported", "shared", "anonymised", "refused")
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


@dataclass(frozen=True)
class ProcessingActivity:
    """A processing activity a module declares (an entry of the register)."""

    key: str  # "<module key>.<activity>"
    name: str
    purpose: str
    legal_basis: str
    data_categories: tuple[str, ...] = ()
    retention: str = ""


class RegisteredActivity(TenantScopedModel, table=True):
    """The tenant's register of processing activities."""

    __tablename__ = "processing_activities"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: str = Field(sa_column=Column(String(120), nullable=False))
    module: str = Field(sa_column=Column(String(64), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    purpose: str = Field(sa_column=Column(String(1000), nullable=False))
    legal_basis: str = Field(sa_column=Column(String(1000), nullable=False))
    data_categories: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    retention: str = Field(default="", sa_column=Column(String(500), nullable=False))
    registered_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProcessingRecord(TenantScopedModel, table=True):
    """One processing of one data subject's personal data. Append-only; `seq` and the hashes
    are filled in once, when the record is sealed into its tenant's chain."""

    __tablename__ = "processing_log"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        Index("ix_processing_log_subject", "tenant_id", "data_subject", "started_at"),
        Index(
            "ix_processing_log_unsealed", "tenant_id", "ended_at",
            postgresql_where=text("seq IS NULL"), sqlite_where=text("seq IS NULL"),
        ),
        # The activity is an entry of the tenant's own register.
        ForeignKeyConstraint(
            ["tenant_id", "activity"], ["processing_activities.tenant_id", "processing_activities.key"]
        ),
    )

    #: Place in the tenant's chain; None until sealed.
    seq: int | None = Field(default=None, nullable=True)
    #: Order within its unit of work (records of one unit share `ended_at` and `span_id`).
    position: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": "0"})
    trace_id: str = Field(sa_column=Column(String(32), nullable=False))
    span_id: str = Field(sa_column=Column(String(16), nullable=False))
    parent_span_id: str | None = Field(default=None, sa_column=Column(String(16)))
    operation: str = Field(sa_column=Column(String(120), nullable=False))
    activity: str = Field(sa_column=Column(String(120), nullable=False))
    started_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    ended_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(sa_column=Column(String(8), nullable=False))
    actor_type: str = Field(sa_column=Column(String(8), nullable=False))
    actor: str = Field(sa_column=Column(String(320), nullable=False))
    on_behalf_of: str | None = Field(default=None, sa_column=Column(String(200)))
    data_subject: str = Field(sa_column=Column(String(64), nullable=False))
    result: str = Field(sa_column=Column(String(16), nullable=False))
    previous_hash: str | None = Field(default=None, sa_column=Column(String(64)))
    record_hash: str | None = Field(default=None, sa_column=Column(String(64)))


#: The order in which records are sealed: as they were recorded.
RECORDED_ORDER = (ProcessingRecord.ended_at, ProcessingRecord.span_id, ProcessingRecord.position)


class ProcessingLogHead(TenantScopedModel, table=True):
    """The newest record of a tenant's chain, kept apart: removing records from the end of
    the chain (which leaves the rest of it intact) shows as a head that points past it."""

    __tablename__ = "processing_log_heads"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    seq: int = Field(nullable=False)
    record_hash: str = Field(sa_column=Column(String(64), nullable=False))


PROCESSING_MODELS: list[type[SQLModel]] = [RegisteredActivity, ProcessingRecord, ProcessingLogHead]


@dataclass(frozen=True)
class Trace:
    """W3C Trace Context of the unit of work: taken from the caller's `traceparent` when it
    is valid, with a new span for this request."""

    trace_id: str
    span_id: str
    parent_span_id: str | None = None

    @classmethod
    def from_header(cls, traceparent: str | None) -> Trace:
        match = TRACEPARENT.match((traceparent or "").strip().lower())
        if match and set(match.group(1)) != {"0"} and set(match.group(2)) != {"0"}:
            return cls(trace_id=match.group(1), span_id=secrets.token_hex(8), parent_span_id=match.group(2))
        return cls(trace_id=secrets.token_hex(16), span_id=secrets.token_hex(8))

    @classmethod
    def current(cls) -> Trace:
        """The trace context of the code running now: the span of the request being served
        (bound by the gateway from its OpenTelemetry server span, `use_trace`), so that its
        records carry the ids the trace has; outside a request (CLI, jobs) a new trace."""
        return _CURRENT_TRACE.get() or cls.from_header(None)

    def header(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"


_CURRENT_TRACE: ContextVar[Trace | None] = ContextVar("kansrijk_trace", default=None)


@contextmanager
def use_trace(trace: Trace) -> Iterator[Trace]:
    """Process in `trace` until the block ends (`Trace.current()` answers it)."""
    token = _CURRENT_TRACE.set(trace)
    try:
        yield trace
    finally:
        _CURRENT_TRACE.reset(token)


@dataclass
class PendingRecord:
    activity: str
    operation: str
    subjects: list[str]
    result: str
    started_at: dt.datetime
    ended_at: dt.datetime


@dataclass
class ProcessingJournal:
    """The records of one unit of work, waiting to be written."""

    trace: Trace
    pending: list[PendingRecord] = field(default_factory=list)

    def clear(self) -> None:
        """Forget the pending records: they were committed (or their attempt is retried)."""
        self.pending.clear()


def pseudonym(secret: str, tenant_id: uuid.UUID, subject_id: Any) -> str:
    """The data subject as the log knows it: stable per tenant, not reversible."""
    return hmac.digest(_pseudonym_key(secret, tenant_id), str(subject_id).encode(), "sha256").hex()


@functools.lru_cache(maxsize=1024)
def _pseudonym_key(secret: str, tenant_id: uuid.UUID) -> bytes:
    # Once per gemeente (and secret), not per record; hmac.digest is the one-shot form of
    # hmac.new(...).digest(), the same bytes.
    return hmac.digest(secret.encode(), b"processing-log:" + str(tenant_id).encode(), "sha256")


def record_processing(
    work: Any,
    activity: str,
    operation: str,
    subjects: Iterable[Any],
    result: str,
    *,
    started_at: dt.datetime | None = None,
) -> None:
    """Note that `operation` processed the personal data of `subjects` (their ids) under
    the declared processing `activity`, with `result` (read, created, updated, ...)."""
    if activity not in work.runtime.processing_activity_keys:
        raise ValueError(f"processing activity {activity!r} is not declared by any module")
    if result not in RESULTS:
        raise ValueError(f"result must be one of {RESULTS}")
    subject_ids = [str(subject) for subject in subjects]
    if not subject_ids:
        return
    now = utcnow()
    work.journal.pending.append(PendingRecord(activity, operation, subject_ids, result, started_at or now, now))


def chain_key(secret: str) -> bytes:
    """The key of the log's hash chain, derived from the platform's secret: someone with
    only database access cannot recompute the chain after changing or adding a record."""
    return hashlib.sha256(b"processing-log-chain:" + secret.encode()).digest()


def _hash(key: bytes, previous: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.digest(key, (previous + canonical).encode(), "sha256").hex()


#: What a record's hash covers, besides the previous record's hash: what was recorded, and
#: its place in the chain (`seq`).
CHAINED_FIELDS = (
    "tenant_id", "seq", "trace_id", "span_id", "parent_span_id", "operation", "activity", "started_at", "ended_at",
    "status", "actor_type", "actor", "on_behalf_of", "data_subject", "result",
)
_RECORDED_FIELDS = tuple(name for name in CHAINED_FIELDS if name != "seq")


def _chained_fields(record: Any, seq: int) -> dict[str, Any]:
    """The chained fields of a record (an ORM object or a row of `_SEALED_COLUMNS`) as
    numbered `seq` in its chain, as the hash takes them (the id and moments as text)."""
    return _chained_values({name: getattr(record, name) for name in _RECORDED_FIELDS}, seq)


def _chained_values(values: dict[str, Any], seq: int) -> dict[str, Any]:
    """The chained fields of a record given by name (`values`: at least `_RECORDED_FIELDS`),
    as `_chained_fields`: the moments in UTC, as they are stored and read back."""
    fields = {name: values[name] for name in _RECORDED_FIELDS}
    fields.update(
        seq=seq,
        tenant_id=str(values["tenant_id"]),
        started_at=values["started_at"].astimezone(dt.UTC).isoformat(),
        ended_at=values["ended_at"].astimezone(dt.UTC).isoformat(),
    )
    return fields


#: Session info: the register entries this session inserted (see ensure_register).
REGISTERED_HERE_KEY = "processing.registered_here"


async def ensure_register(session: Any, runtime: Any, keys: Iterable[str]) -> None:
    """Put the declared activities in the session's tenant's register (once each; two
    requests adding the same entry at once both succeed). Entries are never removed: those
    this process has seen committed are not read again (`runtime.registered_activities`)."""
    tenant_id = session_tenant_id(session)
    known = runtime.registered_activities
    wanted = {key for key in keys if (tenant_id, key) not in known}
    if not wanted:
        return
    present = set((await session.execute(select(RegisteredActivity.key).where(RegisteredActivity.key.in_(wanted)))).scalars())
    # Not what this session inserted itself (its transaction may still roll back): that is
    # remembered once a later unit of work reads it committed.
    inserted_here = session.info.setdefault(REGISTERED_HERE_KEY, set())
    known.update((tenant_id, key) for key in present - inserted_here)
    missing = sorted(wanted - present)
    if not missing:
        return
    now = utcnow()
    rows = []
    for key in missing:
        module, declared = runtime.processing_activity(key)
        rows.append(
            {
                "tenant_id": tenant_id,
                "id": uuid.uuid4(),
                "key": key,
                "module": module,
                "name": declared.name,
                "purpose": declared.purpose,
                "legal_basis": declared.legal_basis,
                "data_categories": list(declared.data_categories),
                "retention": declared.retention,
                "registered_at": now,
            }
        )
    inserted_here.update(missing)
    upsert = dialect_insert(session)
    await session.execute(upsert(RegisteredActivity).values(rows).on_conflict_do_nothing(index_elements=["tenant_id", "key"]))


async def write_records(work: Any, *, status: str) -> int:
    """Insert the pending records of the unit of work in the session's current transaction,
    unsealed (`seal` chains them once committed). The journal keeps them until the unit of
    work committed (`ProcessingJournal.clear`), so a failure can still log them as `error`.
    Returns how many were written and still need sealing."""
    pending = work.journal.pending
    if not pending:
        return 0
    session = work.session
    await ensure_register(session, work.runtime, {item.activity for item in pending})
    principal = work.principal
    actor_type = "client" if principal.client_id else ("person" if principal.person_id else "system")
    on_behalf_of = f"partner:{principal.partner_id}" if principal.partner_id else f"gemeente:{work.tenant.code}"
    secret = work.settings.secret_key.get_secret_value()
    trace = work.journal.trace
    # Plain rows in one bulk INSERT (no model object per record: a read of a page of 50
    # families writes 50 records, and building and flushing objects cost more than that).
    common = {
        "tenant_id": work.tenant.id,
        "trace_id": trace.trace_id,
        "span_id": trace.span_id,
        "parent_span_id": trace.parent_span_id,
        "status": status,
        "actor_type": actor_type,
        "actor": principal.subject,
        "on_behalf_of": on_behalf_of,
    }
    records = [
        {
            **common,
            "id": uuid.uuid4(),
            "position": position,
            "operation": item.operation,
            "activity": item.activity,
            "started_at": item.started_at,
            "ended_at": item.ended_at,
            "data_subject": pseudonym(secret, work.tenant.id, subject),
            "result": item.result,
        }
        for position, (item, subject) in enumerate((item, subject) for item in pending for subject in item.subjects)
    ]
    if session.bind.dialect.name == "sqlite":
        # One writer at a time on SQLite anyway: seal them at once, in this transaction.
        if not await _insert_sealed(session, secret, records):
            await session.execute(insert(ProcessingRecord), records)
            await seal(session, secret)
        return 0
    await session.execute(insert(ProcessingRecord), records)
    return len(records)


#: Whether any record of the session's tenant waits to be sealed; the head as a row.
_ANY_UNSEALED = select(ProcessingRecord.id).where(ProcessingRecord.seq.is_(None)).limit(1)
_HEAD = select(ProcessingLogHead.id, ProcessingLogHead.seq, ProcessingLogHead.record_hash)
_MOVE_HEAD = (
    update(ProcessingLogHead)
    .where(ProcessingLogHead.id == bindparam("head_id"))
    .values(seq=bindparam("head_seq"), record_hash=bindparam("head_hash"))
    .execution_options(synchronize_session=False)
)


async def _insert_sealed(session: Any, secret: str, records: list[dict[str, Any]]) -> bool:
    """SQLite: insert `records` already chained after the tenant's head, with the head moved
    in the same transaction, when no record waits to be sealed before them. The write lock
    is held from BEGIN, so nothing else writes meanwhile: the chain is the one `seal` would
    make, without reading the records back and updating each. False (nothing written) when
    older records wait: then they are inserted unsealed and `seal` chains them all in order."""
    if (await session.execute(_ANY_UNSEALED)).first() is not None:
        return False
    head = (await session.execute(_HEAD)).first()
    seq, previous = (0, GENESIS_HASH) if head is None else (head.seq, head.record_hash)
    key = chain_key(secret)
    # In the order `seal` takes them (RECORDED_ORDER; one unit of work's records share their span).
    for record in sorted(records, key=lambda record: (record["ended_at"].astimezone(dt.UTC), record["position"])):
        seq += 1
        record_hash = _hash(key, previous, _chained_values(record, seq))
        record.update(seq=seq, previous_hash=previous, record_hash=record_hash)
        previous = record_hash
    await session.execute(insert(ProcessingRecord), records)
    if head is None:  # the tenant's first records: the chain gets its head
        tenant_id = session_tenant_id(session)
        session.add(ProcessingLogHead(tenant_id=tenant_id, id=uuid.uuid4(), seq=seq, record_hash=previous))
        await session.flush()
    else:
        await session.execute(_MOVE_HEAD, {"head_id": head.id, "head_seq": seq, "head_hash": previous})
    return True


#: Most records one sealing transaction chains.
SEAL_BATCH = 500


class SealerBusy(RuntimeError):
    """Another sealer holds the tenant's chain right now; try again in a moment."""


async def seal(session: Any, secret: str, *, batch: int = SEAL_BATCH) -> int:
    """Chain the session's tenant's unsealed, committed records after its head, in the order
    they were recorded; at most `batch` of them. Holds the head row until the transaction
    ends; a sealer never waits for another (`SealerBusy`), and requests never take this
    lock. The caller commits. Returns how many records were sealed."""
    if (await session.execute(_ANY_UNSEALED)).first() is None:
        return 0
    locked_head = select(ProcessingLogHead).with_for_update(skip_locked=True)
    head = (await session.execute(locked_head)).scalar_one_or_none()
    if head is None and (await session.execute(select(ProcessingLogHead.id))).first() is None:
        # The tenant's first sealing: the chain gets its head (once, whoever comes first).
        insert = dialect_insert(session)
        await session.execute(
            insert(ProcessingLogHead)
            .values(tenant_id=session_tenant_id(session), id=uuid.uuid4(), seq=0, record_hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
        )
        head = (await session.execute(locked_head)).scalar_one_or_none()
    if head is None:  # another sealer is at work on this chain: it or a later round seals these
        raise SealerBusy("another sealer holds this tenant's chain")
    unsealed = select(*_SEALED_COLUMNS).where(ProcessingRecord.seq.is_(None)).order_by(*RECORDED_ORDER).limit(batch)
    records = (await session.execute(unsealed)).all()
    if not records:
        return 0
    key = chain_key(secret)
    seq, previous = head.seq, head.record_hash
    chained = []
    for record in records:
        seq += 1
        record_hash = _hash(key, previous, _chained_fields(record, seq))
        chained.append((record.id, seq, previous, record_hash))
        previous = record_hash
    sealed = await _write_seals(session, chained)
    if sealed != len(chained):  # the head is ours, so nothing else seals them: never chain a gap
        raise RuntimeError(f"sealing changed {sealed} of {len(chained)} records")
    head.seq, head.record_hash = seq, previous
    await session.flush()
    return len(records)


#: The columns a seal reads (what is chained, and the key): never whole ORM objects, which
#: would cost a batch of identity-map entries and a unit-of-work flush for three columns.
_SEALED_COLUMNS = (ProcessingRecord.id, *(getattr(ProcessingRecord, name) for name in _RECORDED_FIELDS))


#: The chain values of a batch as one table of four arrays (PostgreSQL): the batch is written
#: in one UPDATE instead of one per record.
_CHAINED_VALUES = (
    func.unnest(
        bindparam("ids", type_=ARRAY(Uuid())),
        bindparam("seqs", type_=ARRAY(Integer())),
        bindparam("previous", type_=ARRAY(String())),
        bindparam("hashes", type_=ARRAY(String())),
    )
    .table_valued("id", "seq", "previous_hash", "record_hash")
    .render_derived(name="chained")
)


async def _write_seals(session: Any, chained: list[tuple[uuid.UUID, int, str, str]]) -> int:
    """Fill in the chain columns of these (id, seq, previous hash, hash) records, each only
    if still unsealed; returns how many were changed."""
    if session.bind.dialect.name == "postgresql":
        values = _CHAINED_VALUES.c
        statement = (
            update(ProcessingRecord)
            .where(ProcessingRecord.id == values.id, ProcessingRecord.seq.is_(None))
            .values(seq=values.seq, previous_hash=values.previous_hash, record_hash=values.record_hash)
            .execution_options(synchronize_session=False)
        )
        ids, seqs, previous, hashes = (list(column) for column in zip(*chained))
        result = await session.execute(statement, {"ids": ids, "seqs": seqs, "previous": previous, "hashes": hashes})
        return result.rowcount
    # SQLite (a write seals its own records, one writer at a time): by primary key; the ORM
    # itself fails the flush when a row is not matched (StaleDataError).
    tenant_id = session_tenant_id(session)
    rows = [{"tenant_id": tenant_id, "id": i, "seq": q, "previous_hash": p, "record_hash": h} for i, q, p, h in chained]
    await session.execute(update(ProcessingRecord).execution_options(synchronize_session=False), rows)
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    records: int
    broken_at: int | None = None
    reason: str = ""
    #: Records not sealed yet (committed, waiting for the sealer): not yet protected.
    unsealed: int = 0
    #: When the oldest of them was recorded.
    oldest_unsealed: dt.datetime | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


@dataclass(frozen=True)
class Anchor:
    """A point of a tenant's chain (its head at some moment), kept outside the database:
    a later verification checks that the chain still passes through it, which a database
    owner who removes the newest records and rewinds the head cannot fake."""

    seq: int
    record_hash: str


async def chain_head(session: Any) -> Anchor:
    """The session's tenant's chain head: its last record's number and hash."""
    head = (await session.execute(select(ProcessingLogHead))).scalar_one_or_none()
    return Anchor(head.seq, head.record_hash) if head else Anchor(0, GENESIS_HASH)


async def verify_chain(session: Any, secret: str, anchor: Anchor | None = None) -> ChainReport:
    """Recompute the session's tenant's chain (keyed with the platform's `secret`): every
    sealed record's hash, no gap in `seq`, the head at its end, and, given an `anchor`, that
    it still passes through it. Unsealed records are counted, not judged."""
    key = chain_key(secret)
    unsealed, oldest = (
        await session.execute(select(func.count(), func.min(ProcessingRecord.ended_at)).where(ProcessingRecord.seq.is_(None)))
    ).one()
    report = partial(ChainReport, unsealed=unsealed, oldest_unsealed=oldest)
    previous, expected_seq, count = GENESIS_HASH, 1, 0
    rows = await session.stream_scalars(select(ProcessingRecord).where(ProcessingRecord.seq.is_not(None)).order_by(ProcessingRecord.seq))
    async for record in rows:
        count += 1
        if record.seq != expected_seq:
            return report(count, expected_seq, f"record {expected_seq} is missing")
        if record.previous_hash != previous or record.record_hash != _hash(key, previous, _chained_fields(record, record.seq)):
            return report(count, record.seq, f"record {record.seq} was changed")
        if anchor is not None and record.seq == anchor.seq and record.record_hash != anchor.record_hash:
            return report(count, record.seq, f"record {record.seq} differs from the anchor")
        previous, expected_seq = record.record_hash, expected_seq + 1
    if anchor is not None and anchor.seq > expected_seq - 1:
        return report(count, expected_seq, f"records from {expected_seq} on are missing (the anchor is at {anchor.seq})")
    head = await chain_head(session)
    if head.seq != expected_seq - 1 or head.record_hash != previous:
        return report(count, expected_seq, f"records from {expected_seq} on are missing (the chain ends at {head.seq})")
    return report(count)


async def processing_history(work: Any, subject_id: Any) -> list[ProcessingRecord]:
    """Who processed this data subject's personal data, when and why: their records, in order."""
    return await records_about(work.session, work.settings.secret_key.get_secret_value(), work.tenant.id, subject_id)


async def records_about(session: Any, secret: str, tenant_id: uuid.UUID, subject_id: Any) -> list[ProcessingRecord]:
    subject = pseudonym(secret, tenant_id, subject_id)
    rows = await session.execute(
        select(ProcessingRecord).where(ProcessingRecord.data_subject == subject).order_by(*RECORDED_ORDER)
    )
    return list(rows.scalars())
