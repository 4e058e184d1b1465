"""The processing log of personal data (after the Dutch standard *Logboek Dataverwerkingen*
and NEN 7513): every read or write of a family's personal data leaves one record per data
subject, so that afterwards it can be shown who processed whose data, when, why and with
what result.

Modules declare their processing activities (`register_processing_activities`: purpose,
legal basis); each tenant has its own register of them. Code that touches personal data
calls `record_processing(work, activity, operation, subjects, result)`. The records of a
mutation are written in its transaction (with status `ok`), or after its rollback (status
`error`); those of a query after it ran. Each tenant's records form a hash chain (`seq`,
`previous_hash`, `record_hash`), so a changed or removed record is detectable
(`kansrijk audit verify`); on PostgreSQL the app role may only add and read them.

A record holds no personal details, no free text, no secrets: the data subject is a
pseudonym (an HMAC of its id under a per-tenant key), the operation and activity are
names from code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import Column, ForeignKeyConstraint, Index, String, UniqueConstraint, select
from sqlmodel import Field, SQLModel

from core.db import JSONType, TenantScopedModel, UTCDateTime, utcnow

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
    """One processing of one data subject's personal data. Append-only."""

    __tablename__ = "processing_log"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        Index("ix_processing_log_subject", "tenant_id", "data_subject", "started_at"),
        # The activity is an entry of the tenant's own register.
        ForeignKeyConstraint(
            ["tenant_id", "activity"], ["processing_activities.tenant_id", "processing_activities.key"]
        ),
    )

    seq: int = Field(nullable=False)
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
    previous_hash: str = Field(sa_column=Column(String(64), nullable=False))
    record_hash: str = Field(sa_column=Column(String(64), nullable=False))


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

    def header(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"


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


def pseudonym(secret: str, tenant_id: uuid.UUID, subject_id: Any) -> str:
    """The data subject as the log knows it: stable per tenant, not reversible."""
    key = hmac.new(secret.encode(), b"processing-log:" + str(tenant_id).encode(), hashlib.sha256).digest()
    return hmac.new(key, str(subject_id).encode(), hashlib.sha256).hexdigest()


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
    return hmac.new(key, (previous + canonical).encode(), hashlib.sha256).hexdigest()


def _chained_fields(record: ProcessingRecord) -> dict[str, Any]:
    return {
        "tenant_id": str(record.tenant_id),
        "seq": record.seq,
        "trace_id": record.trace_id,
        "span_id": record.span_id,
        "parent_span_id": record.parent_span_id,
        "operation": record.operation,
        "activity": record.activity,
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat(),
        "status": record.status,
        "actor_type": record.actor_type,
        "actor": record.actor,
        "on_behalf_of": record.on_behalf_of,
        "data_subject": record.data_subject,
        "result": record.result,
    }


async def ensure_register(session: Any, runtime: Any, keys: Iterable[str]) -> None:
    """Put the declared activities in the session's tenant's register (once each)."""
    wanted = set(keys)
    present = set((await session.execute(select(RegisteredActivity.key).where(RegisteredActivity.key.in_(wanted)))).scalars())
    for key in sorted(wanted - present):
        module, declared = runtime.processing_activity(key)
        session.add(
            RegisteredActivity(
                key=key,
                module=module,
                name=declared.name,
                purpose=declared.purpose,
                legal_basis=declared.legal_basis,
                data_categories=list(declared.data_categories),
                retention=declared.retention,
            )
        )
    await session.flush()


async def write_records(work: Any, *, status: str) -> int:
    """Write the pending records of the unit of work in the session's current transaction,
    chained after the tenant's last record. Returns how many were written."""
    from core.services.tenants import lock_tenant

    pending, work.journal.pending = work.journal.pending, []
    if not pending:
        return 0
    session = work.session
    await lock_tenant(session, work.tenant.id)  # one writer of the chain at a time
    await ensure_register(session, work.runtime, {item.activity for item in pending})
    head = (await session.execute(select(ProcessingLogHead))).scalar_one_or_none()
    if head is None:
        head = ProcessingLogHead(seq=0, record_hash=GENESIS_HASH)
        session.add(head)
    seq, previous = head.seq, head.record_hash
    principal = work.principal
    actor_type = "client" if principal.client_id else ("person" if principal.person_id else "system")
    on_behalf_of = f"partner:{principal.partner_id}" if principal.partner_id else f"gemeente:{work.tenant.code}"
    secret = work.settings.secret_key.get_secret_value()
    key = chain_key(secret)
    trace = work.journal.trace
    written = 0
    for item in pending:
        for subject in item.subjects:
            seq += 1
            record = ProcessingRecord(
                seq=seq,
                trace_id=trace.trace_id,
                span_id=trace.span_id,
                parent_span_id=trace.parent_span_id,
                operation=item.operation,
                activity=item.activity,
                started_at=item.started_at,
                ended_at=item.ended_at,
                status=status,
                actor_type=actor_type,
                actor=principal.subject,
                on_behalf_of=on_behalf_of,
                data_subject=pseudonym(secret, work.tenant.id, subject),
                result=item.result,
                previous_hash=previous,
                record_hash="",
            )
            record.tenant_id = work.tenant.id
            record.record_hash = _hash(key, previous, _chained_fields(record))
            previous = record.record_hash
            session.add(record)
            written += 1
    head.seq, head.record_hash = seq, previous
    await session.flush()
    return written


@dataclass(frozen=True)
class ChainReport:
    records: int
    broken_at: int | None = None
    reason: str = ""

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
    record's hash, no gap in `seq`, and, given an `anchor`, that it still passes through it."""
    key = chain_key(secret)
    previous, expected_seq, count = GENESIS_HASH, 1, 0
    rows = await session.stream_scalars(select(ProcessingRecord).order_by(ProcessingRecord.seq))
    async for record in rows:
        count += 1
        if record.seq != expected_seq:
            return ChainReport(count, expected_seq, f"record {expected_seq} is missing")
        if record.previous_hash != previous or record.record_hash != _hash(key, previous, _chained_fields(record)):
            return ChainReport(count, record.seq, f"record {record.seq} was changed")
        if anchor is not None and record.seq == anchor.seq and record.record_hash != anchor.record_hash:
            return ChainReport(count, record.seq, f"record {record.seq} differs from the anchor")
        previous, expected_seq = record.record_hash, expected_seq + 1
    if anchor is not None and anchor.seq > expected_seq - 1:
        return ChainReport(count, expected_seq, f"records from {expected_seq} on are missing (the anchor is at {anchor.seq})")
    head = await chain_head(session)
    if head.seq != expected_seq - 1 or head.record_hash != previous:
        return ChainReport(count, expected_seq, f"records from {expected_seq} on are missing (the chain ends at {head.seq})")
    return ChainReport(count)


async def processing_history(work: Any, subject_id: Any) -> list[ProcessingRecord]:
    """Who processed this data subject's personal data, when and why: their records, in order."""
    return await records_about(work.session, work.settings.secret_key.get_secret_value(), work.tenant.id, subject_id)


async def records_about(session: Any, secret: str, tenant_id: uuid.UUID, subject_id: Any) -> list[ProcessingRecord]:
    subject = pseudonym(secret, tenant_id, subject_id)
    rows = await session.execute(
        select(ProcessingRecord).where(ProcessingRecord.data_subject == subject).order_by(ProcessingRecord.seq)
    )
    return list(rows.scalars())
