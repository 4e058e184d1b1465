"""The processing log in the shape of the Logboek Dataverwerkingen standard (Logius), for
the privacy officer or a central collector: one JSON object per record, as a span with the
standard's fields and `dpl.core.*` attributes. See docs/observability.md for the mapping.

An export covers one gemeente and a period; it reads the sealed records (it seals what
was committed first) page by page in the order of the chain, so a long period never sits
in memory. Reading does not touch the chain. The export itself is a processing of
personal data and is logged as one record, whose data subject is the gemeente's log
itself (the tenant's id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.errors import DomainError
from core.graphql.privacy_schema import LOG_INSPECTION
from core.module_types import TenantInfo
from core.processing import STATUS_ERROR, STATUS_OK, ProcessingRecord, record_processing
from core.tenancy import TenantContext

#: Who may export (the privacy officer; an API client granted this scope, e.g. a collector).
EXPORT_PERMISSION = "core.processing_log.read"
EXPORT_OPERATION = "processingLogExport"
#: Dates are whole days as the gemeente lives them.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
MAX_PERIOD = dt.timedelta(days=366)
PAGE_SIZE = 500
#: The standard's `status_code` (its proto enum names): a record `ok` was committed, one
#: `error` was rolled back (nothing of it was stored).
STATUS_CODES = {STATUS_OK: "STATUS_CODE_OK", STATUS_ERROR: "STATUS_CODE_ERROR"}
#: What `dpl.core.data_subject_id` is: a pseudonym (HMAC-SHA256 under a key per gemeente)
#: of the platform's id of the data subject, never the id itself.
DATA_SUBJECT_ID_TYPE = "kansrijkestart-pseudoniem"
#: Our own attributes, outside the standard's `dpl.` namespace.
OWN = "kansrijkestart."


@dataclass(frozen=True)
class Period:
    """From `start` (inclusive) to `end` (exclusive), aware UTC moments."""

    start: dt.datetime
    end: dt.datetime


def _moment(value: str | None, field: str, *, end: bool) -> dt.datetime:
    """A date (the whole day in Dutch time; for `end` up to and including that day) or an
    ISO 8601 moment with its offset."""
    if not value or not value.strip():
        raise DomainError(f"Geef '{field}' op: een datum (2026-01-31) of een tijdstip met tijdzone.", field=field)
    text = value.strip()
    if len(text) > 40:  # nothing valid is longer; no need to parse it
        raise DomainError(f"'{field}' is geen datum of tijdstip.", field=field)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time(), tzinfo=LOCAL_ZONE)
        return start.astimezone(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(f"'{field}' is geen datum (2026-01-31) of tijdstip (2026-01-31T12:00:00+01:00).", field=field) from None
    if moment.tzinfo is None:
        raise DomainError(f"Geef bij '{field}' de tijdzone op, bijvoorbeeld +01:00 of Z.", field=field)
    return moment.astimezone(dt.UTC)


def parse_period(start: str | None, end: str | None) -> Period:
    """The period of an export, from what a caller typed; `DomainError` (400) when it is no
    period, ends before it starts or is longer than MAX_PERIOD."""
    period = Period(_moment(start, "from", end=False), _moment(end, "to", end=True))
    if period.end <= period.start:
        raise DomainError("'to' moet na 'from' liggen.", field="to")
    if period.end - period.start > MAX_PERIOD:
        raise DomainError(f"Een export beslaat hoogstens {MAX_PERIOD.days} dagen; vraag een kortere periode.", field="to")
    return period


def log_export(work: Any) -> None:
    """Note in the log that its records are being exported (one record; its data subject is
    the gemeente's log itself, so `processingLog(dataSubjectId: <tenant id>)` lists exports)."""
    record_processing(work, LOG_INSPECTION, EXPORT_OPERATION, [work.tenant.id], "exported")


def _millis(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def record_span_id(record: ProcessingRecord) -> str:
    """The record's own span id: each data subject of a processing is its own action under
    the request's span (the standard asks so); derived from the record's id, so an export
    made twice names it alike and a collector can drop duplicates."""
    return hashlib.sha256(f"{record.tenant_id}:{record.id}".encode()).hexdigest()[:16]


def as_span(record: ProcessingRecord, *, tenant: TenantInfo, register_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    """One record in the standard's shape (the fields of its Logboek interface)."""
    attributes: dict[str, Any] = {
        "dpl.core.processing_activity_id": f"{register_url}/{record.activity}",
        "dpl.core.data_subject_id": record.data_subject,
        "dpl.core.data_subject_id_type": DATA_SUBJECT_ID_TYPE,
    }
    if record.parent_span_id:  # the caller's span, from its W3C traceparent
        attributes["dpl.core.foreign_operation.span_id"] = record.parent_span_id
    attributes |= {
        f"{OWN}gemeente": tenant.code,
        f"{OWN}result": record.result,
        f"{OWN}actor_type": record.actor_type,
        f"{OWN}actor": record.actor,
        f"{OWN}on_behalf_of": record.on_behalf_of,
        f"{OWN}seq": record.seq,
        f"{OWN}record_hash": record.record_hash,
    }
    return {
        "trace_id": record.trace_id,
        "span_id": record_span_id(record),
        "parent_span_id": record.span_id,
        "name": record.operation,
        "start_time": _millis(record.started_at),
        "end_time": _millis(record.ended_at),
        "status_code": STATUS_CODES.get(record.status, "STATUS_CODE_UNSET"),
        "resource": resource,
        "attributes": {key: value for key, value in attributes.items() if value is not None},
    }


async def sealed_records(session: Any, period: Period, *, page_size: int = PAGE_SIZE) -> AsyncIterator[ProcessingRecord]:
    """The session's gemeente's sealed records that ended in `period`, in chain order: a
    page at a time, each page a short read transaction of its own (a slow reader holds no
    transaction open)."""
    after = 0
    while True:
        page = (
            await session.execute(
                select(ProcessingRecord)
                .where(
                    ProcessingRecord.seq > after,
                    ProcessingRecord.ended_at >= period.start,
                    ProcessingRecord.ended_at < period.end,
                )
                .order_by(ProcessingRecord.seq)
                .limit(page_size)
            )
        ).scalars().all()
        session.expunge_all()  # detached, the rollback does not expire them
        await session.rollback()
        for record in page:
            yield record
        if len(page) < page_size:
            return
        after = page[-1].seq


async def export_lines(platform: Any, tenant: TenantInfo, period: Period) -> AsyncIterator[str]:
    """The gemeente's records of `period` as JSON lines, in the standard's shape."""
    from core.telemetry import tracer_provider

    service = {key: value for key, value in tracer_provider().resource.attributes.items() if key.startswith("service.")}
    resource = {"attributes": service}
    register_url = f"{platform.settings.issuer}/t/{tenant.slug}/processing-activities"
    async with platform.session(TenantContext(tenant_id=tenant.id)) as session:
        async for record in sealed_records(session, period):
            span = as_span(record, tenant=tenant, register_url=register_url, resource=resource)
            yield json.dumps(span, ensure_ascii=False, separators=(",", ":")) + "\n"
