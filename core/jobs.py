"""Running the platform's periodic tasks (`Platform.periodic_tasks()`).

Two engines run the same tasks:

* The embedded deployment (SQLite, `serve --demo`) runs them inside the server process with
  `run_in_process`: one process, so each task runs once per interval by construction.
* On PostgreSQL, `kansrijk worker` processes (any number, on any number of machines) run
  them with procrastinate (`run_worker`): every `PlatformTask` becomes a procrastinate
  periodic task. Each worker's periodic deferrer proposes a job for every period, and the
  database accepts one job per task and period (procrastinate's
  `procrastinate_periodic_defers` is unique on task and timestamp), which then runs on one
  worker. So a task runs once per period across all workers and replicas.

Where the server runs them is `Settings.run_jobs_in_process` (`KANSRIJK_JOBS_IN_PROCESS`:
by default in the server on SQLite, in `kansrijk worker` on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    import procrastinate

log = structlog.get_logger(__name__)

#: How often the in-process runner looks for due tasks, in seconds.
TICK = 1.0

#: procrastinate's queue for the platform's periodic tasks.
QUEUE = "kansrijk"
#: Prefix of the procrastinate task names (`kansrijk.<PlatformTask.name>`).
TASK_PREFIX = "kansrijk."
#: A failing round is tried again this many times (procrastinate's retry), after the task's
#: interval but at most this many seconds; then it waits for its next period.
RETRIES = 2
MAX_RETRY_WAIT = 300
#: Finished jobs are deleted when they succeed; failed ones are kept this long for inspection.
KEEP_FAILED_HOURS = 30 * 24


async def run_in_process(platform: Any, *, per_process_only: bool = False) -> None:
    """Run every periodic task of `platform` (with `per_process_only`: those every server
    process runs itself, when workers run the rest) when its interval has passed, until
    cancelled. A failing task is logged and tried again at its next interval."""
    tasks = [task for task in platform.periodic_tasks() if task.per_process or not per_process_only]
    last_run = {task.name: time.monotonic() for task in tasks}
    while tasks:
        await asyncio.sleep(TICK)
        for task in tasks:
            if time.monotonic() - last_run[task.name] < task.interval:
                continue
            last_run[task.name] = time.monotonic()
            try:
                handled = await task.run()
            except Exception:
                log.exception("task.failed", task=task.name)
                continue
            if handled:
                log.info("task.ran", task=task.name, handled=handled)


# -- procrastinate (PostgreSQL) ----------------------------------------------------------------


def _largest_step(value: int, unit: int) -> int:
    """The largest divisor of `unit` that is at most `value` (at least 1)."""
    return max(step for step in range(1, unit + 1) if unit % step == 0 and step <= max(value, 1))


def cron_for(interval: int) -> str:
    """The cron expression procrastinate schedules an interval of `interval` seconds with.

    procrastinate's cron has a sixth field for seconds. A cron step must divide its unit to
    be regular (every 7 seconds is not a cron schedule), so an interval is rounded down to
    the nearest regular one: a task never runs less often than asked, at most twice as often
    (45 s runs every 30 s, 90 s every minute, 5400 s every hour). Days count as days of the
    month; a month or more runs monthly. Times are UTC."""
    if interval < 1:
        raise ValueError("interval must be at least 1 second")
    if interval < 60:
        step = _largest_step(interval, 60)
        return "* * * * * *" if step == 1 else f"* * * * * */{step}"
    if interval < 3600:
        step = _largest_step(interval // 60, 60)
        return "* * * * *" if step == 1 else f"*/{step} * * * *"
    if interval < 86400:
        step = _largest_step(interval // 3600, 24)
        return "0 * * * *" if step == 1 else f"0 */{step} * * *"
    days = interval // 86400
    if days == 1:
        return "0 0 * * *"
    if days <= 28:
        return f"0 0 */{days} * *"
    return "0 0 1 * *"


def libpq_url(database_url: str) -> str:
    """The plain libpq URL (for psycopg) of a `postgresql+asyncpg://` URL: the driver is
    dropped and asyncpg's `ssl=` becomes libpq's `sslmode=`."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("the job engine needs PostgreSQL")
    query = dict(url.query)
    if "ssl" in query and "sslmode" not in query:
        query["sslmode"] = query.pop("ssl")
    return url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)


def connector_for(database_url: str, *, concurrency: int = 1) -> Any:
    """procrastinate's psycopg connector for the app's database, with the job schema first
    on its search path. It keeps a session (LISTEN/NOTIFY): point it at PostgreSQL itself
    or at a PgBouncer pool in session mode, not in transaction mode."""
    from procrastinate import PsycopgConnector

    from core.migrate import JOB_SCHEMA

    return PsycopgConnector(
        conninfo=libpq_url(database_url),
        kwargs={"options": f"-c search_path={JOB_SCHEMA}", "application_name": "kansrijk-worker"},
        min_size=1,
        # One per running job, one for LISTEN, one each for the deferrer, the heartbeat and fetching.
        max_size=concurrency + 4,
    )


def build_job_app(platform: Any, *, tasks: Iterable[Any] | None = None, connector: Any = None, concurrency: int = 1) -> procrastinate.App:
    """A procrastinate app whose periodic tasks are `tasks` (default: the platform's).

    Each task runs under a procrastinate lock of its name (two rounds of one task never run
    at once, on any worker) and a queueing lock (at most one round waits in the queue, so a
    slow or failing task does not pile up rounds). A failing round is retried (RETRIES times,
    after the task's interval, at most MAX_RETRY_WAIT seconds)."""
    import procrastinate

    app = procrastinate.App(connector=connector or connector_for(platform.settings.database_url, concurrency=concurrency))
    for task in platform.periodic_tasks() if tasks is None else tasks:
        if not task.per_process:  # those run in every server process (run_in_process)
            _register(app, task)
    _register_cleanup(app)
    return app


def _register(app: procrastinate.App, task: Any) -> None:
    import procrastinate

    async def one_round(timestamp: int) -> int:
        handled = await task.run()
        if handled:
            log.info("task.ran", task=task.name, handled=handled, period=timestamp)
        return handled

    one_round.__name__ = one_round.__qualname__ = f"round_{task.name}"
    retry = procrastinate.RetryStrategy(max_attempts=RETRIES + 1, wait=min(max(task.interval, 1), MAX_RETRY_WAIT))
    job_task = app.task(
        name=f"{TASK_PREFIX}{task.name}", queue=QUEUE, lock=task.name, queueing_lock=task.name, retry=retry
    )(one_round)
    app.periodic(cron=cron_for(task.interval))(job_task)


def _register_cleanup(app: procrastinate.App) -> None:
    """Once a day: delete finished jobs (failed ones after KEEP_FAILED_HOURS)."""

    async def cleanup(timestamp: int) -> int:
        await app.job_manager.delete_old_jobs(
            nb_hours=KEEP_FAILED_HOURS, include_failed=True, include_cancelled=True, include_aborted=True
        )
        return 0

    job_task = app.task(name=f"{TASK_PREFIX}engine.cleanup", queue=QUEUE, queueing_lock="engine.cleanup")(cleanup)
    app.periodic(cron="17 3 * * *")(job_task)


async def worker_problem(platform: Any) -> str | None:
    """Why a worker must not run against this database (for the operator), or None."""
    from core import migrate

    if platform.engine.dialect.name != "postgresql":
        return (
            "`kansrijk worker` runs on PostgreSQL only (DATABASE_URL=postgresql+asyncpg://…). On the embedded "
            "SQLite database the server runs the periodic tasks itself: start no worker there."
        )
    unsafe = await platform.unsafe_database_role()
    if unsafe and not platform.settings.debug:
        return f"Refusing to work: {unsafe}. Run `kansrijk migrate`, which creates the app role."
    applied = await migrate.applied_heads(platform.engine)
    if migrate.pending_revisions(platform.runtime, applied) or migrate.unknown_revisions(platform.runtime, applied):
        return "The database is not up to date: run `kansrijk migrate` first."
    if not await migrate.job_schema_installed(platform.engine):
        return "The job engine's schema (procrastinate) is missing: run `kansrijk migrate` first."
    return None


async def run_worker(
    platform: Any,
    *,
    concurrency: int = 1,
    tasks: Iterable[Any] | None = None,
    connector: Any = None,
    name: str | None = None,
    **options: Any,
) -> None:
    """Run a procrastinate worker for the platform's periodic tasks until it is stopped
    (SIGINT/SIGTERM, or cancelled). `options` go to procrastinate's `run_worker_async`."""
    app = build_job_app(platform, tasks=tasks, connector=connector, concurrency=concurrency)
    options.setdefault("delete_jobs", "successful")
    async with app.open_async():
        log.info(
            "worker.started",
            concurrency=concurrency,
            tasks=sorted(task.name for task in app.tasks.values() if task.name.startswith(TASK_PREFIX)),
        )
        await app.run_worker_async(
            concurrency=concurrency,
            queues=[QUEUE],
            name=name or f"kansrijk-{socket.gethostname()}-{os.getpid()}",
            **options,
        )
