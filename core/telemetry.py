"""Tracing with OpenTelemetry: one server span per HTTP request, continuing the caller's
W3C `traceparent`, whose ids the request's processing-log records carry.

Configured from the standard OTEL_* environment, nothing of our own: spans are exported
over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set or
`OTEL_TRACES_EXPORTER=otlp`, printed with `OTEL_TRACES_EXPORTER=console`, and otherwise
not exported at all; `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` and
`OTEL_TRACES_SAMPLER` work as everywhere. Without an exporter a request's span is only its
ids (the processing log needs them whether or not anyone collects traces), which costs
little; docs/observability.md has the numbers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from core.processing import Trace, use_trace

SERVICE = "kansrijkestart"
INSTRUMENTATION = "kansrijkestart"
#: W3C Trace Context only (no baggage: a caller's baggage has no business in our spans).
PROPAGATOR = TraceContextTextMapPropagator()
TRACE_HEADERS = frozenset(PROPAGATOR.fields)

_provider: TracerProvider | None = None
#: Whether spans go anywhere (an exporter, another processor): if not, a request's span is
#: only its ids, which is all the processing log needs, at a fraction of the cost.
_recording = False
_ids = RandomIdGenerator()


@cache
def _service_version() -> str:
    try:
        return version("kansrijkestart")
    except PackageNotFoundError:
        return "unknown"


def _exporter() -> object | None:
    """The span exporter the OTEL_* environment asks for, or None."""
    chosen = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if chosen == "none":
        return None
    if chosen == "console":
        return ConsoleSpanExporter()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if chosen == "otlp" or endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    return None


def tracer_provider() -> TracerProvider:
    """The process's tracer provider, made once: one that is already configured globally
    (e.g. by `opentelemetry-instrument`), else ours, which then becomes the global one."""
    global _provider, _recording
    if _provider is None:
        existing = trace.get_tracer_provider()
        if isinstance(existing, TracerProvider):
            _provider, _recording = existing, True
        else:
            resource = Resource.create({SERVICE_VERSION: _service_version()})
            if resource.attributes.get(SERVICE_NAME, "").startswith("unknown_service"):
                resource = resource.merge(Resource({SERVICE_NAME: SERVICE}))  # OTEL_SERVICE_NAME still wins
            _provider = TracerProvider(resource=resource)
            exporter = _exporter()
            if exporter is not None:
                add_span_processor(BatchSpanProcessor(exporter))  # type: ignore[arg-type]
            trace.set_tracer_provider(_provider)
    return _provider


def add_span_processor(processor: SpanProcessor) -> None:
    """Send the spans to `processor` too (from now on they are recorded)."""
    global _recording
    tracer_provider().add_span_processor(processor)
    _recording = True


@cache
def tracer() -> trace.Tracer:
    return tracer_provider().get_tracer(INSTRUMENTATION, _service_version())


@contextmanager
def server_span(name: str, headers: Mapping[str, str], attributes: Mapping[str, str]) -> Iterator[tuple[Span, Trace]]:
    """The span of one incoming request, current until the block ends, and its `Trace` for
    the processing log. A valid `traceparent` among `headers` is continued (same trace, the
    caller's span as parent); anything else starts a new trace. Exceptions are not recorded
    on the span (their messages may hold data values); the caller sets the outcome."""
    parent_context = PROPAGATOR.extract(headers) if headers else Context()  # (most requests send none)
    parent = trace.get_current_span(parent_context).get_span_context()
    span: Span = trace.INVALID_SPAN
    if _recording:
        span = tracer().start_span(name, context=parent_context, kind=SpanKind.SERVER, attributes=attributes)
    own = span.get_span_context()
    if not own.is_valid or own.is_remote:
        # Nothing records the span (or the SDK is off, OTEL_SDK_DISABLED): its ids only.
        trace_id, flags = (parent.trace_id, parent.trace_flags) if parent.is_valid else (_ids.generate_trace_id(), TraceFlags(TraceFlags.SAMPLED))
        own = SpanContext(trace_id, _ids.generate_span_id(), is_remote=False, trace_flags=flags)
        span = NonRecordingSpan(own)
    request_trace = Trace(
        trace_id=trace.format_trace_id(own.trace_id),
        span_id=trace.format_span_id(own.span_id),
        parent_span_id=trace.format_span_id(parent.span_id) if parent.is_valid else None,
    )
    with trace.use_span(span, end_on_exit=True, record_exception=False, set_status_on_exception=False), use_trace(request_trace):
        yield span, request_trace


def traceparent(span: Span) -> str:
    """The `traceparent` header naming `span` (with its sampling flag)."""
    context = span.get_span_context()
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
