"""The processing log for the privacy officer: who processed a family's data, and when
(a family may ask), and the gemeente's register of processing activities."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core.graphql.fields import field, readable_with
from core.graphql.pagination import Connection, paginate, paginate_list
from core.processing import RESULTS, ProcessingRecord, RegisteredActivity, record_processing, records_about
from core.validation import parse_id

LOG_INSPECTION = "core.processing_log_inspection"


@strawberry.enum(name="ProcessingStatus", description="Of de verwerking slaagde.")
class ProcessingStatus(enum.Enum):
    OK = strawberry.enum_value("ok", description="De verwerking is uitgevoerd.")
    ERROR = strawberry.enum_value("error", description="De verwerking mislukte; er is niets opgeslagen.")


@strawberry.enum(name="ProcessingActorType", description="Wie de verwerking deed.")
class ProcessingActorType(enum.Enum):
    PERSON = strawberry.enum_value("person", description="Een ingelogd persoon.")
    CLIENT = strawberry.enum_value("client", description="Een API-client (bijvoorbeeld een systeem van de gemeente).")
    SYSTEM = strawberry.enum_value("system", description="Het platform zelf (een geplande taak).")


ProcessingResult = strawberry.enum(
    enum.Enum("ProcessingResult", {result.upper(): result for result in RESULTS}),  # type: ignore[misc]
    name="ProcessingResult",
    description="Wat er met de gegevens gebeurde.",
)


@readable_with("core.processing_register.read")
@strawberry.type(name="ProcessingActivity", description="Een verwerkingsactiviteit uit het register van de gemeente.")
class ProcessingActivityNode:
    key: str
    module: str
    name: str
    purpose: str
    legal_basis: str
    data_categories: list[str]
    retention: str

    @classmethod
    def from_row(cls, row: RegisteredActivity) -> ProcessingActivityNode:
        return cls(
            key=row.key,
            module=row.module,
            name=row.name,
            purpose=row.purpose,
            legal_basis=row.legal_basis,
            data_categories=list(row.data_categories),
            retention=row.retention,
        )


@readable_with("core.processing_log.read")
@strawberry.type(name="ProcessingRecord", description="Eén verwerking van persoonsgegevens van één betrokkene.")
class ProcessingRecordNode:
    seq: int | None = strawberry.field(description="Plaats in de hash-keten van de gemeente; leeg zolang het record nog niet verzegeld is (enkele seconden).")
    started_at: dt.datetime
    ended_at: dt.datetime
    operation: str
    activity: str
    status: ProcessingStatus
    result: ProcessingResult  # type: ignore[valid-type]
    actor_type: ProcessingActorType
    actor: str
    on_behalf_of: str | None
    trace_id: str
    span_id: str

    @classmethod
    def from_row(cls, row: ProcessingRecord) -> ProcessingRecordNode:
        return cls(
            seq=row.seq,
            started_at=row.started_at,
            ended_at=row.ended_at,
            operation=row.operation,
            activity=row.activity,
            status=ProcessingStatus(row.status),
            result=ProcessingResult(row.result),
            actor_type=ProcessingActorType(row.actor_type),
            actor=row.actor,
            on_behalf_of=row.on_behalf_of,
            trace_id=row.trace_id,
            span_id=row.span_id,
        )


@strawberry.type
class PrivacyQuery:
    @field(
        permission="core.processing_log.read",
        description="Wie de gegevens van deze betrokkene (bijvoorbeeld een gezin) verwerkte, wanneer en waarom.",
    )
    async def processing_log(
        self, info: Info, data_subject_id: strawberry.ID, first: int | None = None, after: str | None = None
    ) -> Connection[ProcessingRecordNode]:
        subject = parse_id(data_subject_id, "dataSubjectId")
        context = info.context
        rows = await records_about(context.session, context.settings.secret_key.get_secret_value(), context.tenant.id, subject)
        record_processing(context, LOG_INSPECTION, "processingLog", [subject], "read")
        records = [ProcessingRecordNode.from_row(row) for row in rows]
        return await paginate_list(records, first=first, after=after, max_page_size=context.settings.graphql_max_page_size)

    @field(permission="core.processing_register.read", description="Het register van verwerkingsactiviteiten van de gemeente.")
    async def processing_activities(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ProcessingActivityNode]:
        from core.processing import ensure_register

        session = info.context.session
        await ensure_register(session, info.context.runtime, info.context.runtime.processing_activity_keys)
        return await paginate(
            session,
            select(RegisteredActivity),
            order_by=[RegisteredActivity.key],
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=ProcessingActivityNode.from_row,
        )
