"""A service municipal IT can watch: `/metrics` (requests by operation and outcome, the
pool, the backlogs per gemeente), its token, and traces that continue a caller's
`traceparent` with the processing log carrying the same ids."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import select, text

from core import metrics, telemetry
from core.models import DeliveryStatus, EventDelivery, OutboxEvent
from core.platform import Platform
from core.processing import ProcessingRecord, Trace
from core.tenancy import TenantContext
from tests.conftest import Api, World

ADMIN = World.email("coalition_admin", "utrecht")
PRO = World.email("professional", "utrecht")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TENANT_GRAPHQL = "/t/{tenant_slug}/graphql"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: Api, **headers: str) -> Samples:
    response = await api.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def label_values(samples: Samples, name: str, label: str) -> set[str]:
    return {dict(labels)[label] for sample, labels in samples if sample == name and label in dict(labels)}


async def headers(api: Api, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api.token('utrecht', user)}"}


@pytest.fixture
def fresh_backlogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scrape reads the backlogs anew (they are otherwise reused for seconds)."""
    monkeypatch.setattr(metrics, "BACKLOG_MAX_AGE", 0.0)


async def test_metrics_count_requests_by_operation_and_outcome(api: Api, world: World) -> None:
    before = await scrape(api)
    (await api.gql("utrecht", "{ tenant { name } }", user=ADMIN)).ok()
    # The caller's operation names are not labels: the root field (from the schema) is.
    for name in ("Dashboard", "Portal_7", "x" * 90):
        named = await api.client.post("/t/utrecht/graphql", json={"query": f"query {name} {{ tenant {{ name }} }}"}, headers=await headers(api, ADMIN))
        assert named.status_code == 200 and "errors" not in named.json()
    (await api.gql("utrecht", "{ tenant { name } partners(first: 1) { totalCount } }", user=ADMIN)).ok()
    forbidden = await api.gql("utrecht", f'{{ processingLog(dataSubjectId: "{uuid.uuid4()}") {{ __typename }} }}', user=ADMIN)
    assert forbidden.codes == ["FORBIDDEN"]
    invalid = await api.gql("utrecht", "{ noSuchField }", user=ADMIN)
    assert invalid.status == 400
    refused = await api.gql("utrecht", "{ tenant { name } }")  # no token
    assert refused.status == 401
    assert (await api.client.post("/t/atlantis/graphql", json={"query": "{ tenant { name } }"})).status_code == 404
    assert (await api.client.get("/nowhere/near/anything")).status_code == 404
    assert (await api.client.request("BREW", "/health")).status_code == 405
    after = await scrape(api)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    operations = "kansrijk_graphql_operations_total"
    query = {"endpoint": "tenant", "operation_type": "query"}
    assert grew(operations, **query, operation="tenant", outcome="ok") == 4
    assert grew(operations, **query, operation="multiple", outcome="ok") == 1
    assert grew(operations, **query, operation="processingLog", outcome="FORBIDDEN") == 1
    assert grew(operations, **query, operation="unknown", outcome="GRAPHQL_VALIDATION_FAILED") == 1
    assert grew(operations, **query, operation="tenant", outcome="HTTP_401") == 1
    assert grew(operations, **query, operation="tenant", outcome="HTTP_404") == 1
    assert grew("kansrijk_graphql_root_fields_total", **query, field="partners") == 1
    assert grew("kansrijk_graphql_operation_duration_seconds_count", **query, operation="tenant", outcome_class="ok") == 4
    assert grew("kansrijk_graphql_operation_duration_seconds_count", **query, operation="tenant", outcome_class="client_error") == 2
    # Per gemeente only once the gemeente was found: an unknown slug makes no label.
    assert grew("kansrijk_tenant_graphql_operations_total", tenant="utrecht", outcome_class="ok") == 5
    assert grew("kansrijk_tenant_graphql_operations_total", tenant="utrecht", outcome_class="client_error") == 2
    assert "atlantis" not in label_values(after, "kansrijk_tenant_graphql_operations_total", "tenant")
    assert not {"Dashboard", "Portal_7", "x" * 90} & label_values(after, operations, "operation")
    # HTTP: the route template, never the raw path; unknown methods are OTHER.
    assert grew("kansrijk_http_requests_total", method="POST", route=TENANT_GRAPHQL, status="200") == 6
    assert grew("kansrijk_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert grew("kansrijk_http_requests_total", method="OTHER", route="/health", status="405") == 1
    assert "/nowhere/near/anything" not in label_values(after, "kansrijk_http_requests_total", "route")
    assert grew("kansrijk_http_request_duration_seconds_count", method="POST", route=TENANT_GRAPHQL, outcome_class="ok") == 6
    # The pool of this process, and the backlogs read from the database.
    assert value(after, "kansrijk_db_pool_limit") >= 1
    assert value(after, "kansrijk_backlog_read_success") == 1



@asynccontextmanager
async def job_schema(platform: Platform) -> AsyncIterator[Any]:
    """A transaction in the job engine's schema (its triggers name its tables unqualified)."""
    async with platform.engine.begin() as connection:
        await connection.execute(text("SET LOCAL search_path = procrastinate"))
        yield connection


async def test_backlogs_are_shown_per_gemeente(api: Api, world: World, platform: Platform, backend: str, fresh_backlogs: None) -> None:
    async with platform.work_as_system("utrecht", "test") as work:
        waiting = OutboxEvent(type="tiny_notes.note.added", payload={}, occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
        failed = OutboxEvent(type="tiny_notes.note.added", payload={}, dispatched_at=dt.datetime.now(dt.UTC))
        work.session.add_all([waiting, failed])
        await work.session.flush()
        work.session.add(EventDelivery(event_id=failed.id, subscriber="tiny_notes", status=DeliveryStatus.DEAD, attempts=8))
        await work.session.commit()
    samples = await scrape(api)
    assert value(samples, "kansrijk_backlog_read_success") == 1
    assert value(samples, "kansrijk_outbox_undispatched_events", tenant="utrecht", status="undispatched") == 1
    assert value(samples, "kansrijk_outbox_undispatched_events", tenant=world.bosch.slug, status="undispatched") == 0
    assert value(samples, "kansrijk_outbox_oldest_undispatched_age_seconds", tenant="utrecht") >= 300
    assert value(samples, "kansrijk_event_deliveries_waiting", tenant="utrecht", status="dead") == 1
    assert value(samples, "kansrijk_event_deliveries_waiting", tenant=world.bosch.slug, status="dead") == 0
    assert ("kansrijk_processing_log_unsealed_records", frozenset({("tenant", "utrecht"), ("status", "unsealed")})) in samples
    if backend == "postgresql":  # the job engine's queue: depth and the age of the oldest due job
        todo = value(samples, "kansrijk_job_queue_jobs", queue="kansrijk", status="todo")
        async with job_schema(platform) as connection:
            job = (
                await connection.execute(
                    text("INSERT INTO procrastinate_jobs (queue_name, task_name, args) VALUES ('kansrijk', 'kansrijk.test', '{}') RETURNING id")
                )
            ).scalar_one()
            await connection.execute(
                text("INSERT INTO procrastinate_events (job_id, type, at) VALUES (:job, 'deferred', now() - interval '90 seconds')"),
                {"job": job},
            )
        try:
            samples = await scrape(api)
            assert value(samples, "kansrijk_job_queue_jobs", queue="kansrijk", status="todo") == todo + 1
            assert value(samples, "kansrijk_job_queue_oldest_todo_age_seconds", queue="kansrijk") >= 90
        finally:
            async with job_schema(platform) as connection:
                await connection.execute(text("DELETE FROM procrastinate_jobs WHERE id = :job"), {"job": job})


async def test_metrics_answer_without_backlogs_when_the_database_does_not(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch, fresh_backlogs: None
) -> None:
    async def unreachable(_platform: Platform) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr(metrics, "read_backlog", unreachable)
    samples = await scrape(api)
    assert value(samples, "kansrijk_backlog_read_success") == 0
    assert not label_values(samples, "kansrijk_outbox_undispatched_events", "tenant")
    assert value(samples, "kansrijk_db_pool_limit") >= 1


async def test_metrics_token(api: Api, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "settings", platform.settings.model_copy(update={"metrics_token": SecretStr("prometheus-only-4f1c")}))
    for sent in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic cHJvbWV0aGV1czo="}, {"Authorization": "prometheus-only-4f1c"}):
        refused = await api.client.get("/metrics", headers=sent)
        assert refused.status_code == 401, sent
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "UNAUTHENTICATED" and refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "kansrijk_" not in refused.text
    await scrape(api, Authorization="Bearer prometheus-only-4f1c")


# -- traces -------------------------------------------------------------------------------------


class CapturedSpans(SpanProcessor):
    """Keeps the spans that end while a test listens (an exporter would keep all of them)."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] | None = None

    def on_end(self, span: ReadableSpan) -> None:
        if self.spans is not None:
            self.spans.append(span)


_capture = CapturedSpans()
telemetry.add_span_processor(_capture)


@pytest.fixture
def spans() -> Iterator[list[ReadableSpan]]:
    _capture.spans = []
    yield _capture.spans
    _capture.spans = None


async def log_records(platform: Platform, tenant_id: Any) -> list[ProcessingRecord]:
    await platform.seal_processing_logs([tenant_id])
    async with platform.session(TenantContext(tenant_id=tenant_id)) as session:
        return list((await session.execute(select(ProcessingRecord).order_by(ProcessingRecord.seq))).scalars())


async def test_a_trace_is_continued_and_the_processing_log_carries_its_ids(
    api: Api, world: World, platform: Platform, spans: list[ReadableSpan]
) -> None:
    (await api.gql("utrecht", 'mutation { enableModule(input: {key: "tiny_notes"}) { module { key } } }', user=ADMIN)).ok()
    caller = {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01", "tracestate": "gemeente=utrecht"}
    added = await api.gql("utrecht", 'mutation { addTinyNote(input: {text: "Een"}) { note { id } } }', user=PRO, headers=caller)
    added.ok()
    read = await api.gql("utrecht", "{ tinyNotes { text } }", user=PRO, headers=caller)
    read.ok()
    answered = [response.headers["traceparent"].split("-") for response in (added, read)]
    for version, trace_id, span_id, flags in answered:
        assert (version, trace_id, flags) == ("00", TRACE_ID, "01") and span_id != CALLER_SPAN
    assert answered[0][2] != answered[1][2]  # each request its own span
    # The server spans: continued from the caller's span, named after the operation.
    servers = {format(span.context.span_id, "016x"): span for span in spans if span.kind is SpanKind.SERVER}
    # One span per request: no second server span of the framework's own (FastAPI's telemetry is off).
    assert len([span for span in spans if format(span.context.trace_id, "032x") == TRACE_ID]) == 2
    for (_, _, span_id, _), name in zip(answered, ("mutation addTinyNote", "query tinyNotes"), strict=True):
        server = servers[span_id]
        assert format(server.context.trace_id, "032x") == TRACE_ID and server.parent is not None and server.parent.is_remote
        assert format(server.parent.span_id, "016x") == CALLER_SPAN
        assert server.name == name and server.attributes["http.route"] == TENANT_GRAPHQL
        assert server.attributes["http.response.status_code"] == 200 and server.attributes["graphql.operation.type"] == name.split()[0]
        assert server.context.trace_state.get("gemeente") == "utrecht"
    # The records of each request carry exactly that trace and the request's span.
    records = [row for row in await log_records(platform, world.utrecht.id) if row.activity == "tiny_notes.notes"]
    assert [(row.operation, row.trace_id, row.span_id, row.parent_span_id) for row in records] == [
        ("addTinyNote", TRACE_ID, answered[0][2], CALLER_SPAN),
        ("tinyNotes", TRACE_ID, answered[1][2], CALLER_SPAN),
    ]


@pytest.mark.parametrize(
    "traceparent",
    [
        "garbage",
        f"00-{'0' * 32}-{CALLER_SPAN}-01",  # an all-zero trace id
        f"00-{TRACE_ID}-{'0' * 16}-01",  # an all-zero parent
        f"ff-{TRACE_ID}-{CALLER_SPAN}-01",  # a forbidden version
        f"00-{TRACE_ID.upper()}-{CALLER_SPAN}-01",  # not lowercase hex
        f"00-{TRACE_ID}-{CALLER_SPAN}",  # no flags
    ],
)
async def test_an_invalid_traceparent_starts_a_new_trace(
    api: Api, world: World, platform: Platform, spans: list[ReadableSpan], traceparent: str
) -> None:
    (await api.gql("utrecht", 'mutation { enableModule(input: {key: "tiny_notes"}) { module { key } } }', user=ADMIN)).ok()
    added = await api.gql("utrecht", 'mutation { addTinyNote(input: {text: "Een"}) { note { id } } }', user=PRO, headers={"traceparent": traceparent})
    added.ok()
    _, trace_id, span_id, _ = added.headers["traceparent"].split("-")
    assert trace_id.lower() != TRACE_ID and trace_id != "0" * 32
    (server,) = [span for span in spans if span.kind is SpanKind.SERVER and format(span.context.span_id, "016x") == span_id]
    assert server.parent is None
    (record,) = [row for row in await log_records(platform, world.utrecht.id) if row.operation == "addTinyNote"]
    assert (record.trace_id, record.span_id, record.parent_span_id) == (trace_id, span_id, None)


async def test_an_unsampled_caller_is_continued_too(api: Api, world: World, platform: Platform, spans: list[ReadableSpan]) -> None:
    """A caller that does not sample (flags 00): nothing is recorded for the trace backend,
    but the processing log still carries the caller's trace and span."""
    (await api.gql("utrecht", 'mutation { enableModule(input: {key: "tiny_notes"}) { module { key } } }', user=ADMIN)).ok()
    added = await api.gql(
        "utrecht", 'mutation { addTinyNote(input: {text: "Een"}) { note { id } } }', user=PRO, headers={"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-00"}
    )
    added.ok()
    _, trace_id, span_id, flags = added.headers["traceparent"].split("-")
    assert (trace_id, flags) == (TRACE_ID, "00") and span_id != CALLER_SPAN
    assert not [span for span in spans if format(span.context.span_id, "016x") == span_id]
    (record,) = [row for row in await log_records(platform, world.utrecht.id) if row.operation == "addTinyNote"]
    assert (record.trace_id, record.span_id, record.parent_span_id) == (TRACE_ID, span_id, CALLER_SPAN)


async def test_every_answer_names_its_span(api: Api, spans: list[ReadableSpan]) -> None:
    for path, status in (("/health", 200), ("/nowhere", 404), ("/metrics", 200)):
        response = await api.client.get(path, headers={"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"})
        assert response.status_code == status
        _, trace_id, span_id, _ = response.headers["traceparent"].split("-")
        assert trace_id == TRACE_ID and span_id != CALLER_SPAN
    names = {span.name for span in spans if span.kind is SpanKind.SERVER}
    assert {"GET /health", "GET unmatched", "GET /metrics"} <= names


def test_outside_a_request_each_unit_of_work_gets_a_new_trace() -> None:
    first, second = Trace.current(), Trace.current()
    assert first.trace_id != second.trace_id and first.parent_span_id is None


def test_several_server_processes_are_summed_with_a_multiprocess_directory(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR (uvicorn --workers, or a worker beside the server on one
    machine) every process counts into the directory and /metrics shows the sum."""
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from core import metrics; metrics.WEBHOOK_DELIVERIES.labels('delivered').inc()"
    for _process in range(2):
        subprocess.run([sys.executable, "-c", count], env=environment, check=True)
    show = "from core import metrics; from prometheus_client import generate_latest; print(generate_latest(metrics.process_registry()).decode())"
    shown = subprocess.run([sys.executable, "-c", show], env=environment, check=True, capture_output=True, text=True).stdout
    assert 'kansrijk_webhook_deliveries_total{outcome="delivered"} 2.0' in shown


def test_without_anything_recording_a_request_span_is_only_its_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telemetry, "_recording", False)
    with telemetry.server_span("GET", {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"}, {}) as (span, bound):
        assert not span.is_recording() and Trace.current() == bound
        assert (bound.trace_id, bound.parent_span_id) == (TRACE_ID, CALLER_SPAN) and bound.span_id not in (CALLER_SPAN, "0" * 16)
        assert telemetry.traceparent(span) == f"00-{TRACE_ID}-{bound.span_id}-01"
    assert Trace.current() != bound


async def test_a_long_chain_of_fragments_is_labelled_without_trouble(api: Api, world: World) -> None:
    chain = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(1500))
    document = f"query {{ ...F0 }} {chain} fragment F1500 on Query {{ tenant {{ name }} }}"
    response = await api.client.post("/t/utrecht/graphql", json={"query": document}, headers=await headers(api, ADMIN))
    assert response.status_code in (200, 400)
    samples = await scrape(api)
    assert not {name for name in label_values(samples, "kansrijk_graphql_operations_total", "operation") if name.startswith("F")}


async def test_a_failure_on_our_side_marks_the_span_and_the_metrics(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch, spans: list[ReadableSpan]
) -> None:
    from core.services import coalition

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire: secret detail")

    monkeypatch.setattr(coalition, "get_wijk", broken)
    before = await scrape(api)
    response = await api.gql("utrecht", '{ wijk(id: "00000000-0000-0000-0000-000000000001") { code } }', user=ADMIN)
    assert response.codes == ["INTERNAL_SERVER_ERROR"]
    after = await scrape(api)
    labels = {"endpoint": "tenant", "operation_type": "query", "operation": "wijk"}
    name = "kansrijk_graphql_operations_total"
    assert value(after, name, **labels, outcome="INTERNAL_SERVER_ERROR") - value(before, name, **labels, outcome="INTERNAL_SERVER_ERROR") == 1
    span_id = response.headers["traceparent"].split("-")[2]
    (server,) = [span for span in spans if format(span.context.span_id, "016x") == span_id]
    assert server.status.status_code is StatusCode.ERROR and server.attributes["error.type"] == "INTERNAL_SERVER_ERROR"
    assert not server.events and "secret" not in str(server.attributes)  # no exception message recorded


def test_spans_are_exported_as_the_otel_environment_says(tmp_path: Path) -> None:
    """A process with OTEL_TRACES_EXPORTER=console prints each request's span (an OTLP
    endpoint works alike); without any OTEL_* setting nothing is exported."""
    program = """
import asyncio
from core import telemetry
from gateway.observability import ObservabilityMiddleware

async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})

async def nothing(*_args):
    return {"type": "http.request"}

scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"traceparent", b"00-%s-%s-01")]}
asyncio.run(ObservabilityMiddleware(app)(scope, nothing, nothing))
telemetry.tracer_provider().force_flush()
""" % (TRACE_ID, CALLER_SPAN)
    quiet = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    printed = subprocess.run([sys.executable, "-c", program], env={**quiet, "OTEL_TRACES_EXPORTER": "console"}, capture_output=True, text=True, check=True)
    assert f'"trace_id": "0x{TRACE_ID}"' in printed.stdout and '"name": "GET unmatched"' in printed.stdout
    assert f'"parent_id": "0x{CALLER_SPAN}"' in printed.stdout
    silent = subprocess.run([sys.executable, "-c", program], env=quiet, capture_output=True, text=True, check=True)
    assert silent.stdout == ""


def test_an_otlp_endpoint_chooses_the_otlp_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert telemetry._exporter() is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.gemeente.internal:4318")
    assert isinstance(telemetry._exporter(), OTLPSpanExporter)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert telemetry._exporter() is None
