"""Watching the service: a trace span and metrics for every request
(`ObservabilityMiddleware`), `GET /metrics` for Prometheus, and the processing log's export
in the Logboek Dataverwerkingen shape for the privacy officer or a central collector
(`GET /t/{slug}/processing-log/export`). See docs/observability.md.
"""

from __future__ import annotations

import hmac
import inspect
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from asgi_correlation_id import correlation_id
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response, StreamingResponse
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from opentelemetry.trace import Span, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics, telemetry
from core.errors import Unauthenticated
from core.logboek import EXPORT_PERMISSION, export_lines, log_export, parse_period
from core.metrics import BacklogReader, PlatformCollector
from core.platform import Platform
from core.processing import Trace
from gateway.auth import authenticate
from gateway.graphql_documents import parsed_document

router = APIRouter()

#: FastAPI's own OpenTelemetry instrumentation (in the FastAPI versions that have it) stays
#: off: our span continues the caller's trace and holds the processing log's ids, and it
#: records no query strings or exception messages; FastAPI's would be a second server span.
FASTAPI_OPTIONS: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}} if "telemetry" in inspect.signature(FastAPI).parameters else {}
)
#: Any other method counts as OTHER: a caller must not be able to make new label values.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"
UNKNOWN = "unknown"
MULTIPLE = "multiple"
INTROSPECTION_FIELDS = frozenset({"__typename", "__schema", "__type"})
#: Error codes come from code, never from a caller; anything else is not a code.
ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
GRAPHQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")
TRACE_HEADERS = frozenset(name.encode() for name in telemetry.TRACE_HEADERS)


# -- what one request did -----------------------------------------------------------------------


@dataclass
class GraphQLOperation:
    """The GraphQL operation of a request, as the metrics label it."""

    endpoint: str
    operation_type: str
    operation: str
    root_fields: tuple[str, ...]
    #: The gemeente's slug, once its tenant was found and the caller let in.
    tenant: str | None = None
    #: "ok" or the first error's code, once the operation ran.
    outcome: str | None = None

    def finish(self, body: dict[str, Any]) -> None:
        """Take the outcome from the answer's body."""
        errors = body.get("errors") or []
        if not errors:
            self.outcome = metrics.OUTCOME_OK
            return
        code = (errors[0].get("extensions") or {}).get("code")
        self.outcome = code if isinstance(code, str) and ERROR_CODE.match(code) else "UNKNOWN_ERROR"


@dataclass
class RequestObservation:
    span: Span
    graphql: GraphQLOperation | None = None


_observation: ContextVar[RequestObservation | None] = ContextVar("kansrijk_observation", default=None)


def _root_field_names(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """The field names at the root of an operation, through fragments (each fragment once;
    iterative, so no document nests deep enough to matter)."""
    names: list[str] = []
    seen: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.append(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments and selection.name.value not in seen:
                seen.add(selection.name.value)
                pending.append(fragments[selection.name.value].selection_set)
    return names


@lru_cache(maxsize=512)
def operation_shape(query: str, operation_name: str | None) -> tuple[str, tuple[str, ...]] | None:
    """(type, root field names) of the operation a request runs, or None when the document
    does not parse or does not name one operation (execution then reports why)."""
    document = parsed_document(query)
    if document is None:
        return None
    fragments = {node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)}
    operations = [
        node
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode) and (operation_name is None or (node.name is not None and node.name.value == operation_name))
    ]
    if len(operations) != 1:
        return None
    names = _root_field_names(operations[0].selection_set, fragments)
    return operations[0].operation.value, tuple(dict.fromkeys(names))


@lru_cache(maxsize=16)
def _root_fields(schema: Any, operation_type: str) -> frozenset[str]:
    built = schema._schema  # noqa: SLF001 - strawberry's graphql-core schema
    root = {"query": built.query_type, "mutation": built.mutation_type}.get(operation_type)
    return frozenset(root.fields) | INTROSPECTION_FIELDS if root is not None else frozenset()


def graphql_operation(request: Request, schema: Any, query: str, operation_name: str | None) -> GraphQLOperation:
    """Name the request's span after its GraphQL operation and count the operation when the
    request ends. The operation label is its root field when it asks for one ('multiple'
    for more): names from the schema, so callers cannot add label values."""
    endpoint = "public" if schema is request.app.state.platform.public_schema else "tenant"
    shape = operation_shape(query, operation_name)
    operation = GraphQLOperation(endpoint, UNKNOWN, UNKNOWN, ())
    if shape is not None:
        operation_type, names = shape
        known = _root_fields(schema, operation_type)
        operation.operation_type = operation_type
        operation.root_fields = tuple(name for name in names if name in known)
        if names and len(operation.root_fields) == len(names):
            operation.operation = names[0] if len(names) == 1 else MULTIPLE
    observation = _observation.get()
    if observation is not None:
        observation.graphql = operation
        observation.span.update_name(f"{operation.operation_type} {operation.operation}")
        observation.span.set_attribute("graphql.operation.type", operation.operation_type)
        if operation_name is not None and GRAPHQL_NAME.match(operation_name):
            observation.span.set_attribute("graphql.operation.name", operation_name)
    return operation


# -- the middleware -----------------------------------------------------------------------------


class ObservabilityMiddleware:
    """A server span per HTTP request (continuing a valid `traceparent`; the answer names
    the span in its own `traceparent`) and the request metrics: by method, route template
    and status, and for GraphQL by operation and outcome."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        telemetry.tracer_provider()  # set up from the OTEL_* environment, once per process

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        carrier = {name.decode(): value.decode("latin-1") for name, value in scope["headers"] if name in TRACE_HEADERS}
        attributes = {"http.request.method": method, "url.path": scope["path"], "url.scheme": scope.get("scheme", "http")}
        with telemetry.server_span(method, carrier, attributes) as (span, _trace):
            observation = RequestObservation(span)
            token = _observation.set(observation)
            traceparent = (b"traceparent", telemetry.traceparent(span).encode())
            status = 500  # what an exception that escapes the app becomes

            async def send_observed(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message["headers"] = [*(h for h in message.get("headers", []) if h[0].lower() != b"traceparent"), traceparent]
                await send(message)

            try:
                await self.app(scope, receive, send_observed)
            finally:
                _observation.reset(token)
                route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
                self._record(observation, method, route, status, time.perf_counter() - started)

    @staticmethod
    def _record(observation: RequestObservation, method: str, route: str, status: int, seconds: float) -> None:
        span, operation = observation.span, observation.graphql
        metrics.child(metrics.HTTP_REQUESTS, method, route, str(status)).inc()
        metrics.child(metrics.HTTP_DURATION, method, route, metrics.outcome_class(status)).observe(seconds)
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        # A span failed when the platform failed (semantic conventions: 4xx is the caller's).
        error_type = str(status) if status >= 500 else None
        if operation is None:
            span.update_name(f"{method} {route}")
        else:
            outcome = operation.outcome or f"HTTP_{status}"
            outcome_class = metrics.outcome_class(outcome)
            labels = (operation.endpoint, operation.operation_type, operation.operation)
            metrics.child(metrics.GRAPHQL_OPERATIONS, *labels, outcome).inc()
            metrics.child(metrics.GRAPHQL_DURATION, *labels, outcome_class).observe(seconds)
            for field in operation.root_fields:
                metrics.child(metrics.GRAPHQL_ROOT_FIELDS, operation.endpoint, operation.operation_type, field).inc()
            if operation.tenant is not None:
                metrics.child(metrics.TENANT_OPERATIONS, operation.tenant, outcome_class).inc()
            if outcome_class == metrics.SERVER_ERROR:
                error_type = outcome
        if error_type is not None:
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute("error.type", error_type)


# -- the routes ---------------------------------------------------------------------------------


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    """The metrics in Prometheus's text format. With `metrics_token` set, only for
    `Authorization: Bearer <token>`."""
    platform: Platform = request.app.state.platform
    expected = platform.settings.metrics_token
    if expected is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.get_secret_value().encode()):
            raise Unauthenticated("Geef het metrics-token mee als 'Authorization: Bearer <token>'.")
    reader: BacklogReader | None = getattr(request.app.state, "backlog_reader", None)
    if reader is None:
        reader = request.app.state.backlog_reader = BacklogReader(platform)
    backlog = await reader.read()
    body = metrics.render(PlatformCollector(platform, backlog, reader.last_duration))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/t/{tenant_slug}/processing-log/export", response_model=None, tags=["privacy"])
async def export_processing_log(
    tenant_slug: str,
    request: Request,
    start: str | None = Query(None, alias="from", description="Eerste dag (2026-01-01) of tijdstip met tijdzone."),
    end: str | None = Query(None, alias="to", description="Laatste dag (tot en met) of tijdstip (tot) met tijdzone."),
) -> StreamingResponse:
    """The gemeente's processing log of a period in the Logboek Dataverwerkingen shape, as
    JSON lines: for the privacy officer, or a collector granted `core.processing_log.read`."""
    platform: Platform = request.app.state.platform
    claims = await authenticate(request, platform)
    context_of = platform.request_context(tenant_slug, claims, request=request, request_id=correlation_id.get(), trace=Trace.current())
    async with context_of as context:
        context.principal.require(EXPORT_PERMISSION)
        period = parse_period(start, end)
        log_export(context)  # written when the context closes, before anything is read
        tenant = context.tenant
    await platform.seal_processing_logs([tenant.id])
    return StreamingResponse(
        export_lines(platform, tenant, period),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="processing-log-{tenant.slug}.jsonl"'},
    )
