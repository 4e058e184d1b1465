"""The job engine of the PostgreSQL deployment: the platform's periodic tasks as
procrastinate periodic tasks, run by any number of `kansrijk worker` processes, each task
once per period across all of them; its schema and grants come from `kansrijk migrate`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from core import migrate
from core.jobs import QUEUE, TASK_PREFIX, cron_for, libpq_url, run_worker, worker_problem
from core.platform import Platform, PlatformTask
from core.testing import (
    TEST_SECRET,
    _owner_engines,
    FreshDatabase,
    fresh_database,
    migrate_platform,
    owner_engine,
    require_backend,
    settings_for_database,
)
from gateway.cli import app as cli


@pytest.mark.parametrize(
    ("interval", "cron"),
    [
        (1, "* * * * * *"),
        (2, "* * * * * */2"),
        (7, "* * * * * */6"),  # not a divisor of a minute: rounded down to one that is
        (30, "* * * * * */30"),
        (45, "* * * * * */30"),
        (60, "* * * * *"),
        (90, "* * * * *"),
        (300, "*/5 * * * *"),
        (3600, "0 * * * *"),
        (7200, "0 */2 * * *"),
        (86400, "0 0 * * *"),
        (7 * 86400, "0 0 */7 * *"),
        (90 * 86400, "0 0 1 * *"),
    ],
)
def test_intervals_become_cron_schedules_never_less_often(interval: int, cron: str) -> None:
    assert cron_for(interval) == cron


def test_the_worker_connects_with_a_plain_libpq_url() -> None:
    assert libpq_url("postgresql+asyncpg://app:s%40cret@db.example:5433/kansrijk") == "postgresql://app:s%40cret@db.example:5433/kansrijk"
    assert libpq_url("postgresql+asyncpg://app@db/kansrijk?ssl=require") == "postgresql://app@db/kansrijk?sslmode=require"
    with pytest.raises(ValueError):
        libpq_url("sqlite+aiosqlite:///./kansrijk.sqlite3")


def test_kansrijk_worker_refuses_sqlite_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'kansrijk.sqlite3'}")
    monkeypatch.setenv("KANSRIJK_SECRET_KEY", TEST_SECRET)
    result = CliRunner().invoke(cli, ["worker"])
    output = result.output + (getattr(result, "stderr", "") or "")
    assert result.exit_code == 2
    assert "runs on PostgreSQL only" in output and "SQLite" in output
    assert not (tmp_path / "kansrijk.sqlite3").exists()  # it did not even open the database


@pytest.fixture
async def postgres(tmp_path: Path) -> AsyncIterator[FreshDatabase]:
    await require_backend("postgresql")
    database = await fresh_database("postgresql", tmp_path)
    try:
        yield database
    finally:
        await database.drop()


@pytest.fixture
async def migrated(postgres: FreshDatabase) -> AsyncIterator[Platform]:
    """A migrated platform connected as the app role, like a production worker."""
    platform = Platform.create(settings_for_database(postgres, debug=False))
    await migrate_platform(platform)
    try:
        yield platform
    finally:
        await platform.dispose()
        await _owner_engines.pop(id(platform)).dispose()


async def test_migrate_installs_the_job_schema_for_the_app_role(migrated: Platform) -> None:
    assert await migrate.job_schema_installed(migrated.engine)
    schema = migrate.JOB_SCHEMA
    async with migrated.engine.connect() as connection:  # as the app role
        rights = (
            await connection.execute(
                text(
                    "SELECT bool_and(has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE')) FILTER (WHERE c.relkind = 'r'),"
                    " bool_or(has_table_privilege(c.oid, 'TRUNCATE')) FILTER (WHERE c.relkind = 'r'),"
                    " bool_and(has_sequence_privilege(c.oid, 'USAGE')) FILTER (WHERE c.relkind = 'S'),"
                    " bool_or(c.relrowsecurity), bool_or(pg_get_userbyid(c.relowner) = current_user),"
                    " count(*) FILTER (WHERE c.relkind = 'r')"
                    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind IN ('r', 'S')"
                ),
                {"schema": schema},
            )
        ).one()
        functions = (
            await connection.execute(
                text(
                    "SELECT bool_and(has_function_privilege(p.oid, 'EXECUTE')), bool_or(pg_get_userbyid(p.proowner) = current_user), count(*)"
                    " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema"
                ),
                {"schema": schema},
            )
        ).one()
        can_create = (await connection.execute(text("SELECT has_schema_privilege(:schema, 'CREATE')"), {"schema": schema})).scalar_one()
    read_write, truncate, sequences, row_security, owns_a_table, tables = rights
    assert tables >= 4 and read_write and sequences  # jobs, events, periodic defers, workers
    assert not truncate and not owns_a_table and not can_create
    assert not row_security  # not tenant tables
    assert functions[0] and not functions[1] and functions[2] > 10
    # The platform's own checks still hold: the app role owns nothing, migrations are complete.
    assert await migrated.unsafe_database_role() is None
    assert await worker_problem(migrated) is None
    # Migrating again changes nothing.
    async with owner_engine(migrated).begin() as connection:
        assert await migrate.install_job_schema(connection) is None


async def test_the_worker_refuses_a_database_that_is_not_migrated(postgres: FreshDatabase) -> None:
    platform = Platform.create(settings_for_database(postgres, database_url=postgres.migration_url))  # the owner, debug on
    try:
        assert "kansrijk migrate" in (await worker_problem(platform) or "")
    finally:
        await platform.dispose()


async def test_two_workers_run_a_periodic_task_once_per_period(migrated: Platform) -> None:
    """Two workers (as two `kansrijk worker` processes would) with a task every second: both
    defer every period, the database accepts one job per period, one worker runs it."""
    runs: list[float] = []

    async def count() -> int:
        runs.append(time.time())
        return 1

    task = PlatformTask("test.count", 1, count)
    workers = [
        asyncio.create_task(
            run_worker(migrated, tasks=[task], name=f"test-worker-{number}", install_signal_handlers=False, delete_jobs="never")
        )
        for number in (1, 2)
    ]
    await asyncio.sleep(4.5)
    for worker in workers:
        worker.cancel()
    results = await asyncio.gather(*workers, return_exceptions=True)
    assert all(isinstance(result, asyncio.CancelledError) for result in results), results

    async with owner_engine(migrated).connect() as connection:
        jobs = (
            await connection.execute(
                text(
                    f"SELECT (args->>'timestamp')::bigint AS period, status::text, worker_id FROM {migrate.JOB_SCHEMA}.procrastinate_jobs"
                    " WHERE task_name = :name AND queue_name = :queue ORDER BY id"
                ),
                {"name": f"{TASK_PREFIX}test.count", "queue": QUEUE},
            )
        ).all()
        defers = (
            await connection.execute(
                text(f"SELECT count(*) FROM {migrate.JOB_SCHEMA}.procrastinate_periodic_defers WHERE task_name = :name"),
                {"name": f"{TASK_PREFIX}test.count"},
            )
        ).scalar_one()
    periods = [job.period for job in jobs]
    assert len(periods) >= 3, jobs  # about one a second for 4.5 s
    assert len(periods) == len(set(periods)), f"a period was deferred twice: {periods}"
    assert periods == sorted(periods), periods
    assert defers >= 1
    succeeded = [job for job in jobs if job.status == "succeeded"]
    # Every run is one job of its own period: no period ran twice, on either worker.
    assert len(runs) == len(succeeded) >= 3, (runs, jobs)


async def test_per_process_tasks_run_in_every_server_not_in_the_workers(platform: Platform) -> None:
    """handvat3 counts usage in each server's memory: its job that writes the counts must run
    in every server process, so the job engine leaves it out and the server runs it even
    when workers run the rest."""
    from procrastinate.testing import InMemoryConnector

    from core.jobs import build_job_app

    tasks = {task.name: task for task in platform.periodic_tasks()}
    assert tasks["job.handvat3_toegang.write_usage"].per_process
    assert not tasks["processing_log.seal"].per_process and not tasks["events.retry"].per_process
    registered = set(build_job_app(platform, connector=InMemoryConnector()).tasks)
    assert f"{TASK_PREFIX}processing_log.seal" in registered
    assert not any("write_usage" in name for name in registered)
