"""The platform's Prometheus metrics (prometheus-client), served at `/metrics`.

Defined once per process at import, in the default registry, so every part of the platform
(the HTTP edge, the job engine, webhook delivery) counts into the same series. Labels are
kept to bounded sets (operation names come from the schema, outcomes from a fixed list);
see docs/observability.md for what each series means.

What is read from the database (the backlogs: jobs, outbox, event and webhook deliveries,
unsealed processing records) is counted when Prometheus asks, within
`metrics_query_timeout` seconds, and kept for `BACKLOG_MAX_AGE` seconds so that several
scrapers do not multiply the work. The connection pool is read from the engine then too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, literal, select, text, union_all

from core.migrate import JOB_SCHEMA
from core.models import DeliveryStatus, EventDelivery, OutboxEvent, Tenant
from core.processing import ProcessingRecord
from core.tenancy import TenantContext

if TYPE_CHECKING:
    from core.platform import Platform

log = structlog.get_logger(__name__)

# No `_created` series beside every counter and histogram: they double the series and
# Prometheus does not need them.
disable_created_metrics()

#: Webhook deliveries by outcome: delivered, failed (will be retried), dead (gave up),
#: refused (the target was not allowed, e.g. a private address).
WEBHOOK_DELIVERIES = Counter(
    "kansrijk_webhook_deliveries_total",
    "Webhook deliveries by outcome.",
    ["outcome"],
)

# -- requests (counted by the HTTP edge) ------------------------------------------------------

#: Up to the pool timeout (10 s) and the statement timeout (30 s) a request may wait.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "kansrijk_http_requests_total",
    "HTTP requests by method, route template (never the raw path) and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "kansrijk_http_request_duration_seconds",
    "Time from the request to the last byte of the answer, by method, route template and outcome class.",
    ["method", "route", "outcome_class"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_OPERATIONS = Counter(
    "kansrijk_graphql_operations_total",
    "GraphQL operations by endpoint (tenant, public), type, operation (its root field, 'multiple' or 'unknown') and"
    " outcome ('ok', the first error's code, or HTTP_<status> when the request was refused before it ran).",
    ["endpoint", "operation_type", "operation", "outcome"],
)
GRAPHQL_DURATION = Histogram(
    "kansrijk_graphql_operation_duration_seconds",
    "Time of a GraphQL request, by endpoint, type, operation and outcome class.",
    ["endpoint", "operation_type", "operation", "outcome_class"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_ROOT_FIELDS = Counter(
    "kansrijk_graphql_root_fields_total",
    "Root fields asked for, one count per field of each operation (which parts of the API are used).",
    ["endpoint", "operation_type", "field"],
)
TENANT_OPERATIONS = Counter(
    "kansrijk_tenant_graphql_operations_total",
    "GraphQL operations per gemeente (only once its tenant was found) and outcome class.",
    ["tenant", "outcome_class"],
)

OUTCOME_OK = "ok"
CLIENT_ERROR = "client_error"
SERVER_ERROR = "server_error"
#: Codes that mean the platform, not the caller, could not do it.
SERVER_ERROR_CODES = frozenset({"INTERNAL_SERVER_ERROR", "BUSY", "DATABASE_UNAVAILABLE", "UNSAFE_DATABASE_ROLE"})


#: (metric, label values) -> the metric's child for them: what `labels()` finds every time,
#: after checking and locking each time (six times a request). As bounded as the metric's
#: own children (routes, operations, root fields, gemeenten, outcomes).
_CHILDREN: dict[tuple[Any, tuple[str, ...]], Any] = {}


def child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, found once per set of label values."""
    key = (metric, labels)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = metric.labels(*labels)
    return found


def outcome_class(outcome: str | int) -> str:
    """ok, client_error or server_error, of an outcome label or an HTTP status."""
    if isinstance(outcome, int):
        return OUTCOME_OK if outcome < 400 else (CLIENT_ERROR if outcome < 500 else SERVER_ERROR)
    if outcome == OUTCOME_OK:
        return OUTCOME_OK
    if outcome in SERVER_ERROR_CODES or outcome.startswith("HTTP_5"):
        return SERVER_ERROR
    return CLIENT_ERROR


# -- backlogs (read from the database at scrape time) ----------------------------------------

#: Seconds a backlog reading is reused by the next scrape.
BACKLOG_MAX_AGE = 10.0


@dataclass(frozen=True)
class Waiting:
    """Rows of one kind of one gemeente waiting for the platform, per status."""

    kind: str
    status: str
    count: int
    #: The oldest moment among them that matters (recorded, or due), or None.
    oldest: dt.datetime | None


@dataclass
class Backlog:
    """What the database holds waiting, as read at `read_at`."""

    read_at: dt.datetime
    tenants: dict[str, list[Waiting]] = field(default_factory=dict)
    #: procrastinate's jobs (PostgreSQL): (queue, status) -> (count, oldest due todo job).
    jobs: dict[tuple[str, str], tuple[int, dt.datetime | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class BacklogKind:
    """Something a gemeente's rows can wait for, shown as two gauges per gemeente: how many
    wait, by status, and the age of the oldest (since it was recorded or became due)."""

    name: str
    count_metric: str
    count_help: str
    age_metric: str
    age_help: str
    #: Every status counted (shown as 0 when none); `timed` ones count for the age.
    statuses: tuple[str, ...]
    timed: tuple[str, ...]
    #: (kind, status, count, oldest moment) of the session's gemeente.
    statement: Any


@cache
def backlog_kinds() -> tuple[BacklogKind, ...]:
    """The backlogs of this platform: webhooks only when they are part of it."""

    def by_status(kind: str, model: Any, statuses: tuple[str, ...], since: Any) -> Any:
        return select(literal(kind), model.status, func.count(), func.min(since)).where(model.status.in_(statuses)).group_by(model.status)

    def waiting(kind: str, status: str, where: Any, since: Any) -> Any:
        return select(literal(kind), literal(status), func.count(), func.min(since)).where(where)

    kinds = [
        BacklogKind(
            "outbox",
            "kansrijk_outbox_undispatched_events", "Domain events committed but not yet dispatched to the modules, per gemeente.",
            "kansrijk_outbox_oldest_undispatched_age_seconds", "Age of the oldest undispatched domain event.",
            ("undispatched",), ("undispatched",),
            waiting("outbox", "undispatched", OutboxEvent.dispatched_at.is_(None), OutboxEvent.occurred_at),
        ),
        BacklogKind(
            "event_deliveries",
            "kansrijk_event_deliveries_waiting", "Failed deliveries of domain events to a module: retrying or dead, per gemeente.",
            "kansrijk_event_deliveries_overdue_seconds", "How long the most overdue retry of an event delivery has been due.",
            (DeliveryStatus.RETRYING, DeliveryStatus.DEAD), (DeliveryStatus.RETRYING,),
            by_status("event_deliveries", EventDelivery, (DeliveryStatus.RETRYING, DeliveryStatus.DEAD), EventDelivery.next_attempt_at),
        ),
        BacklogKind(
            "processing_log",
            "kansrijk_processing_log_unsealed_records", "Processing-log records committed but not yet sealed into the hash chain, per gemeente.",
            "kansrijk_processing_log_oldest_unsealed_age_seconds", "Age of the oldest unsealed processing-log record.",
            ("unsealed",), ("unsealed",),
            waiting("processing_log", "unsealed", ProcessingRecord.seq.is_(None), ProcessingRecord.ended_at),
        ),
    ]
    try:  # imported here: webhook delivery imports this module for its counter
        from core.webhooks.models import WebhookDelivery, WebhookDeliveryStatus
    except ImportError:  # webhooks are not part of this platform (yet)
        return tuple(kinds)
    statuses = (WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.FAILED, WebhookDeliveryStatus.DEAD)
    kinds.append(
        BacklogKind(
            "webhook_deliveries",
            "kansrijk_webhook_deliveries_waiting", "Webhook deliveries not (yet) delivered: pending, failed (retried) or dead, per gemeente.",
            "kansrijk_webhook_deliveries_overdue_seconds", "How long the most overdue webhook delivery has been due.",
            statuses, statuses[:2],
            by_status("webhook_deliveries", WebhookDelivery, statuses, WebhookDelivery.next_attempt_at),
        )
    )
    return tuple(kinds)


def _backlog_statement() -> Any:
    """One statement reading every backlog of the session's gemeente: (kind, status, count,
    oldest). ORM statements, so that layer 1 scopes each part to the session's tenant."""
    return union_all(*(kind.statement for kind in backlog_kinds()))


#: Jobs by queue and status, and when the oldest due job to do became due (scheduled, or
#: else deferred). procrastinate deletes the jobs that succeeded; failed ones stay a while.
JOBS_SQL = """
SELECT j.queue_name, j.status::text, count(*),
       min(CASE WHEN j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now()) THEN coalesce(
           j.scheduled_at, (SELECT min(e.at) FROM {schema}.procrastinate_events e WHERE e.job_id = j.id AND e.type = 'deferred')
       ) END)
FROM {schema}.procrastinate_jobs j
WHERE j.status IN ('todo', 'doing', 'failed')
GROUP BY 1, 2
"""


async def _read_jobs(platform: Platform) -> dict[tuple[str, str], tuple[int, dt.datetime | None]]:
    if platform.engine.dialect.name != "postgresql":
        return {}  # the embedded deployment runs its tasks in the server process: no queue
    async with platform.engine.connect() as connection:
        installed = (await connection.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{JOB_SCHEMA}.procrastinate_jobs"})).scalar()
        if not installed:
            return {}
        rows = await connection.execute(text(JOBS_SQL.format(schema=JOB_SCHEMA)))
        return {(queue, status): (count, oldest) for queue, status, count, oldest in rows}


async def read_backlog(platform: Platform) -> Backlog:
    """Every gemeente's backlogs (each read in a session bound to it, so row-level security
    holds) and the job queue."""
    backlog = Backlog(read_at=dt.datetime.now(dt.UTC), jobs=await _read_jobs(platform))
    async with platform.session(None) as lookup:  # tenants is a platform table
        tenants = (await lookup.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.slug))).all()
    statement = _backlog_statement()
    for tenant_id, slug in tenants:
        async with platform.session(TenantContext(tenant_id=tenant_id)) as session:
            rows = await session.execute(statement)
            backlog.tenants[slug] = [Waiting(kind, status, count, oldest) for kind, status, count, oldest in rows]
    return backlog


class BacklogReader:
    """Reads the backlogs for scrapes: at most one reading at a time, reused for
    BACKLOG_MAX_AGE seconds, given up after `metrics_query_timeout` seconds."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._lock = asyncio.Lock()
        self._latest: Backlog | None = None
        self._read_monotonic = 0.0
        self.last_duration = 0.0

    async def read(self) -> Backlog | None:
        """The latest backlog, or None when the database could not be read in time."""
        async with self._lock:
            if self._latest is not None and time.monotonic() - self._read_monotonic < BACKLOG_MAX_AGE:
                return self._latest
            started = time.monotonic()
            try:
                self._latest = await asyncio.wait_for(read_backlog(self.platform), timeout=self.platform.settings.metrics_query_timeout)
            except Exception as exc:  # noqa: BLE001 - a scrape still answers, without the backlogs
                log.warning("metrics.backlog_unreadable", error=type(exc).__name__)
                self._latest = None
            self.last_duration = time.monotonic() - started
            self._read_monotonic = time.monotonic()
            return self._latest


def _age(now: dt.datetime, since: dt.datetime | None) -> float:
    """Seconds since `since` (0 when nothing waits or it is not due yet)."""
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


def _backlog_metrics(backlog: Backlog) -> Iterator[Metric]:
    for kind in backlog_kinds():
        counts = GaugeMetricFamily(kind.count_metric, kind.count_help, labels=["tenant", "status"])
        ages = GaugeMetricFamily(kind.age_metric, kind.age_help, labels=["tenant"])
        for slug, rows in backlog.tenants.items():
            found = {waiting.status: waiting for waiting in rows if waiting.kind == kind.name}
            for status in kind.statuses:
                counts.add_metric([slug, status], found[status].count if status in found else 0)
            oldest = [found[status].oldest for status in kind.timed if status in found and found[status].oldest is not None]
            ages.add_metric([slug], _age(backlog.read_at, min(oldest)) if oldest else 0.0)
        yield counts
        yield ages
    jobs = GaugeMetricFamily("kansrijk_job_queue_jobs", "Jobs of the job engine (PostgreSQL) by queue and status.", labels=["queue", "status"])
    oldest_job = GaugeMetricFamily(
        "kansrijk_job_queue_oldest_todo_age_seconds", "How long the oldest due job has waited for a worker, per queue.", labels=["queue"]
    )
    due_by_queue: dict[str, list[dt.datetime]] = {}
    for (queue, status), (count, oldest) in sorted(backlog.jobs.items()):
        jobs.add_metric([queue, status], count)
        due_by_queue.setdefault(queue, []).extend([oldest] if oldest is not None else [])
    for queue, moments in due_by_queue.items():
        oldest_job.add_metric([queue], _age(backlog.read_at, min(moments)) if moments else 0.0)
    yield jobs
    yield oldest_job


@dataclass
class PlatformCollector:
    """The series of one platform read at scrape time: its connection pool (this process)
    and, when it could be read, the backlog."""

    platform: Platform
    backlog: Backlog | None
    backlog_duration: float

    def collect(self) -> Iterator[Metric]:
        yield from _pool_metrics(self.platform.engine)
        success = GaugeMetricFamily("kansrijk_backlog_read_success", "1 when this scrape could read the backlogs from the database, else 0.")
        success.add_metric([], 1.0 if self.backlog is not None else 0.0)
        yield success
        duration = GaugeMetricFamily("kansrijk_backlog_read_duration_seconds", "How long the last reading of the backlogs took.")
        duration.add_metric([], self.backlog_duration)
        yield duration
        if self.backlog is not None:
            yield from _backlog_metrics(self.backlog)


def _pool_metrics(engine: Any) -> Iterable[Metric]:
    pool = engine.sync_engine.pool
    if not hasattr(pool, "checkedout"):  # NullPool (SQLite in memory) keeps nothing to report
        return []
    connections = GaugeMetricFamily(
        "kansrijk_db_pool_connections", "Database connections of this process's pool: in use (checked out) or idle.", labels=["state"]
    )
    connections.add_metric(["in_use"], pool.checkedout())
    connections.add_metric(["idle"], pool.checkedin())
    limit = GaugeMetricFamily("kansrijk_db_pool_limit", "Most connections this process's pool opens (pool size plus overflow).")
    limit.add_metric([], pool.size() + max(pool._max_overflow, 0))  # no public accessor for the overflow limit
    return [connections, limit]


def process_registry() -> Any:
    """The registry of the counters and histograms: this process's, or, with
    PROMETHEUS_MULTIPROC_DIR set (several server processes), all processes' summed."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def render(collector: PlatformCollector) -> bytes:
    """The text exposition of every series: the process's (or processes') and the platform's."""
    return generate_latest(process_registry()) + generate_latest(collector)  # type: ignore[arg-type]
