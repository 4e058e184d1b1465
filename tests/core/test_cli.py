"""The `kansrijk` command line, against a fresh database of each backend."""

from __future__ import annotations

from core.runtime import installed_module_sources, platform_module_sources

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.testing import IN_CI, TEST_SECRET, create_postgres_database, drop_postgres_database, postgres_unavailable_reason
from gateway.cli import app

runner = CliRunner()


@pytest.fixture
def cli_database(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if backend == "postgresql":
        reason = asyncio.run(postgres_unavailable_reason())
        if reason:
            if IN_CI:
                pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
            pytest.skip(reason)
        url, name = asyncio.run(create_postgres_database())
    else:
        url, name = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}", None
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("KANSRIJK_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("KANSRIJK_SECRET_KEY", TEST_SECRET)
    yield url
    if name:
        asyncio.run(drop_postgres_database(name))


def kansrijk(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["--strict", *args], input=input)
    return result.exit_code, result.output


def test_cli_end_to_end(cli_database: str, tmp_path: Path) -> None:
    code, out = kansrijk("migrate")
    assert code == 0 and "Database at: " in out and "core_0008" in out

    assert kansrijk("tenant", "create", "GM0344") == (0, "Created GM0344 Utrecht, slug 'utrecht'\n")
    code, out = kansrijk("tenant", "create", "GM9999")
    assert code == 1 and "VALIDATION_FAILED" in out and "GM9999" in out
    code, out = kansrijk("tenant", "create", "GM0344", "--slug", "utrecht-2")
    assert code == 1 and "CONFLICT" in out
    code, out = kansrijk("tenant", "create", "GM1999", "--name", "Nieuwland", "--allow-unlisted")
    assert code == 0 and "nieuwland" in out
    code, out = kansrijk("tenant", "list")
    assert code == 0 and "GM0344  utrecht" in out and "GM1999  nieuwland" in out

    code, out = kansrijk("user", "add", "Regisseur@Utrecht.example", "--tenant", "utrecht", "--role", "coalition_admin", "--name", "Sanne")
    assert code == 0 and "regisseur@utrecht.example is a member of Utrecht with roles coalition_admin" in out
    code, out = kansrijk("user", "add", "x@utrecht.example", "--tenant", "utrecht", "--role", "koning")
    assert code == 1 and "input.roles" in out
    code, out = kansrijk("user", "add", "ops@platform.example", "--operator")
    assert code == 0 and "platform operator" in out
    code, out = kansrijk("user", "add", "no-tenant@example.org")
    assert code == 1

    code, out = kansrijk("module", "list", "--tenant", "utrecht")
    assert code == 0 and out.count("off ") == len(installed_module_sources()) and "handvat3_toegang" in out
    code, out = kansrijk("module", "enable", "handvat3_toegang", "--tenant", "utrecht")
    assert code == 0 and "enabled for Utrecht" in out
    assert "on   handvat3_toegang" in kansrijk("module", "list", "--tenant", "utrecht")[1]
    code, out = kansrijk("module", "enable", "handvat9", "--tenant", "utrecht")
    assert code == 1 and "UNKNOWN_MODULE" in out
    code, out = kansrijk("module", "enable", "handvat1_zicht", "--tenant", "utrecht", "--config", "{nope")
    assert code == 1 and "not valid JSON" in out
    code, out = kansrijk("module", "enable", "handvat1_zicht", "--tenant", "atlantis")
    assert code == 1 and "TENANT_NOT_FOUND" in out
    code, out = kansrijk("jobs", "list")
    assert code == 0 and "handvat2_signaleren.retention" in out and "handvat3_toegang.write_usage" in out
    code, out = kansrijk("jobs", "run", "--job", "handvat2_signaleren.retention", "--now", "2030-01-01T03:00:00+00:00")
    assert (code, out) == (0, "handvat2_signaleren.retention: 0\n")  # no gemeente enabled handvat 2
    code, out = kansrijk("jobs", "run", "--job", "handvat9.nothing")
    assert code == 1 and "UNKNOWN_JOB" in out
    code, out = kansrijk("jobs", "run", "--now", "2030-01-01")
    assert code == 2 and "time zone" in out
    code, out = kansrijk("module", "disable", "handvat3_toegang", "--tenant", "utrecht")
    assert code == 0 and "data is kept" in out

    assert kansrijk("tenant", "suspend", "utrecht") == (0, "Utrecht: suspended\n")
    assert kansrijk("tenant", "resume", "utrecht") == (0, "Utrecht: active\n")
    code, out = kansrijk("tenant", "suspend", "atlantis")
    assert code == 1 and "TENANT_NOT_FOUND" in out

    code, out = kansrijk("module", "purge", "handvat4_leren", input="n\n")
    assert code == 1 and "Aborted" in out
    code, out = kansrijk("module", "purge", "handvat4_leren", "--yes")
    assert code == 0 and "handvat4_leren: data, workflow history and events deleted, activations removed." in out
    code, out = kansrijk("module", "purge", "handvat9", "--yes")
    assert code == 1 and "UNKNOWN_MODULE" in out

    code, out = kansrijk("client", "create", "DWH Utrecht", "--scope", "core.partner.read")
    assert code == 0 and "client_secret:" in out
    client_id = out.split("client_id:")[1].split()[0]
    assert client_id in kansrijk("client", "list")[1]
    code, out = kansrijk("client", "create", "Te veel", "--scope", "core.nothing.here")
    assert code == 1 and "Onbekende scope" in out
    assert kansrijk("client", "revoke", client_id) == (0, f"{client_id} revoked\n")
    assert "revoked" in kansrijk("client", "list")[1]
    code, out = kansrijk("keys", "rotate")
    assert code == 0 and out.startswith("New signing key: ")
    code, out = kansrijk("user", "set-password", "regisseur@utrecht.example", "--password", "wandelpad-eekhoorn-lamp-77")
    assert code == 0 and "Password set" in out
    code, out = kansrijk("user", "set-password", "regisseur@utrecht.example", "--password", "password1234")
    assert code == 1 and "te makkelijk te raden" in out

    target = tmp_path / "schema.graphql"
    code, out = kansrijk("export-schema", "--output", str(target))
    assert code == 0 and "type Query" in target.read_text(encoding="utf-8")


def test_demo_refuses_a_public_address() -> None:
    code, out = kansrijk("serve", "--demo", "--host", "0.0.0.0")
    assert code == 2 and "Refusing to serve the demo on 0.0.0.0" in out


def test_audit_verify(cli_database: str, tmp_path: Path) -> None:
    import uuid

    from sqlalchemy import select

    from core.db import create_engine, utcnow
    from core.models import Tenant
    from core.processing import ProcessingRecord, RegisteredActivity

    assert kansrijk("migrate")[0] == 0
    assert kansrijk("tenant", "create", "GM0344")[0] == 0
    assert kansrijk("audit", "verify") == (0, "utrecht: intact (0 records)\n")
    code, out = kansrijk("audit", "verify", "--tenant", "atlantis")
    assert code == 1 and "TENANT_NOT_FOUND" in out
    code, out = kansrijk("audit", "anchor")
    assert code == 0 and out.splitlines()[1] == f"utrecht 0 {'0' * 64}"
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(out, encoding="utf-8")
    assert kansrijk("audit", "verify", "--anchors", str(anchors)) == (0, "utrecht: intact (0 records)\n")
    anchors.write_text(f"utrecht 3 {'a' * 64}\natlantis 1 {'b' * 64}\n", encoding="utf-8")  # a chain that has lost its records
    code, out = kansrijk("audit", "verify", "--anchors", str(anchors))
    assert code == 1 and "utrecht: BROKEN at record 1: records from 1 on are missing (the anchor is at 3)" in out
    assert "atlantis: BROKEN: the anchors name this gemeente" in out
    anchors.write_text("utrecht drie hash\n", encoding="utf-8")
    code, out = kansrijk("audit", "verify", "--anchors", str(anchors))
    assert code == 2 and "expected '<slug> <seq> <hash>'" in out

    async def forge() -> None:
        engine = create_engine(cli_database)
        async with engine.begin() as connection:
            tenant_id = (await connection.execute(select(Tenant.id))).scalar_one()
            now = utcnow()
            await connection.execute(
                RegisteredActivity.__table__.insert().values(
                    tenant_id=tenant_id, id=uuid.uuid4(), key="x", module="x", name="x", purpose="x", legal_basis="x",
                    data_categories=[], retention="", registered_at=now,
                )
            )
            await connection.execute(
                ProcessingRecord.__table__.insert().values(
                    tenant_id=tenant_id, id=uuid.uuid4(), seq=1, trace_id="0" * 32, span_id="0" * 16, operation="x",
                    activity="x", started_at=now, ended_at=now, status="ok", actor_type="person", actor="x",
                    data_subject="0" * 64, result="read", previous_hash="0" * 64, record_hash="f" * 64,
                )
            )
        await engine.dispose()

    asyncio.run(forge())
    code, out = kansrijk("audit", "verify")
    assert code == 1 and "utrecht: BROKEN at record 1" in out


def in_tenant(slug: str, action: Any) -> Any:
    """Run `await action(session)` in a session of the CLI's database bound to tenant `slug`, and commit."""
    from core.config import Settings
    from core.platform import Platform
    from core.tenancy import tenant_context

    async def runner() -> Any:
        platform = Platform.create(Settings())
        try:
            with tenant_context(await platform.tenant_id_of(slug)):
                async with platform.session() as session:
                    result = await action(session)
                    await session.commit()
                    return result
        finally:
            await platform.dispose()

    return asyncio.run(runner())


def failed_delivery(event_type: str, payload: dict, subscriber: str, status: str, *, error: str = "RuntimeError: boom") -> Any:
    """An action adding a dispatched outbox event with a failed delivery; returns (event id, delivery id)."""
    import datetime as dt

    from core.db import utcnow
    from core.models import EventDelivery, OutboxEvent

    async def add(session: Any) -> tuple[str, str]:
        event = OutboxEvent(type=event_type, payload=payload, dispatched_at=utcnow())
        session.add(event)
        await session.flush()
        due = utcnow() + dt.timedelta(hours=1) if status == "retrying" else None
        delivery = EventDelivery(event_id=event.id, subscriber=subscriber, status=status, attempts=8 if status == "dead" else 2, next_attempt_at=due, last_error=error)
        session.add(delivery)
        await session.flush()
        return str(event.id), str(delivery.id)

    return add


def test_events_list_and_retry(cli_database: str) -> None:
    import uuid

    assert kansrijk("migrate")[0] == 0
    assert kansrijk("tenant", "create", "GM0344")[0] == 0
    assert kansrijk("tenant", "create", "GM0796")[0] == 0
    assert kansrijk("module", "enable", "handvat3_toegang", "--tenant", "utrecht")[0] == 0
    assert kansrijk("events", "list") == (0, "No event deliveries.\n")

    transitioned = "core.workflow.transitioned"
    dead_event, dead = in_tenant("utrecht", failed_delivery(transitioned, {"workflow": "x"}, "handvat3_toegang", "dead"))
    _event, waiting = in_tenant("utrecht", failed_delivery(transitioned, {"workflow": "y"}, "handvat3_toegang", "retrying", error="ValueError: nee"))
    _event, elsewhere = in_tenant("s-hertogenbosch", failed_delivery(transitioned, {"workflow": "z"}, "handvat3_toegang", "dead"))

    code, out = kansrijk("events", "list")
    assert code == 0 and len(out.splitlines()) == 3
    line = next(line for line in out.splitlines() if dead in line)
    assert line.startswith("utrecht  ") and f"event {dead_event}" in line and f"{transitioned} -> handvat3_toegang" in line
    assert "  dead  attempts 8  next -  RuntimeError: boom" in line
    assert "retrying  attempts 2  next 20" in next(line for line in out.splitlines() if waiting in line)
    code, out = kansrijk("events", "list", "--tenant", "utrecht", "--status", "dead")
    assert code == 0 and [line.split()[1] for line in out.splitlines()] == [dead]
    assert len(kansrijk("events", "list", "--limit", "2")[1].splitlines()) == 2
    code, out = kansrijk("events", "list", "--status", "kwijt")
    assert code == 2
    code, out = kansrijk("events", "list", "--tenant", "atlantis")
    assert code == 1 and "TENANT_NOT_FOUND" in out

    # A dead delivery is revived and, its module being enabled, delivered at once.
    code, out = kansrijk("events", "retry", dead)
    assert (code, out) == (0, f"utrecht  {dead}: delivered (attempt 1)\n")
    code, out = kansrijk("events", "list", "--status", "delivered")
    assert code == 0 and dead in out and "attempts 1" in out
    code, out = kansrijk("events", "retry", dead)
    assert code == 1 and "ALREADY_DELIVERED" in out
    code, out = kansrijk("events", "retry", str(uuid.uuid4()))
    assert code == 1 and "DELIVERY_NOT_FOUND" in out
    code, out = kansrijk("events", "retry", "geen-id")
    assert code == 1 and "DELIVERY_NOT_FOUND" in out
    code, out = kansrijk("events", "retry", waiting, "--tenant", "s-hertogenbosch")  # not that tenant's
    assert code == 1 and "DELIVERY_NOT_FOUND" in out
    assert kansrijk("events", "retry")[0] == 2
    assert kansrijk("events", "retry", dead, "--all-dead")[0] == 2

    # Every dead one: in 's-Hertogenbosch handvat 3 is not enabled, so it waits (due now).
    code, out = kansrijk("events", "retry", "--all-dead")
    assert (code, out) == (0, f"s-hertogenbosch  {elsewhere}: waits: handvat3_toegang is not enabled for s-hertogenbosch\n")
    code, out = kansrijk("events", "list", "--tenant", "s-hertogenbosch")
    assert "retrying  attempts 0" in out
    assert kansrijk("events", "retry", "--all-dead", "--tenant", "utrecht") == (0, "No dead deliveries.\n")
    # A retrying one is attempted now instead of at its time.
    code, out = kansrijk("events", "retry", waiting, "--tenant", "utrecht")
    assert (code, out) == (0, f"utrecht  {waiting}: delivered (attempt 3)\n")


def test_module_purge_forgets_workflow_history_events_and_deliveries(cli_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    import core.platform

    # The platform as shipped: a module installed beside it that needs handvat 2
    # (examples/babyspullen, in the dev group) would rightly refuse handvat 2's purge
    # (MODULE_REQUIRED_BY_OTHERS), which the next test shows.
    monkeypatch.setattr(core.platform, "installed_module_sources", platform_module_sources)

    from sqlalchemy import select

    from core.models import EventDelivery, OutboxEvent, WorkflowHistory

    assert kansrijk("migrate")[0] == 0
    subject = uuid.uuid4()
    kept_deliveries = {}
    for code in ("GM0344", "GM0796"):
        assert kansrijk("tenant", "create", code)[0] == 0
    for slug in ("utrecht", "s-hertogenbosch"):
        assert kansrijk("module", "enable", "handvat2_signaleren", "--tenant", slug)[0] == 0

        async def history(session: Any) -> None:
            for workflow, reason in (("handvat2_signaleren.referral", "Gezin verhuisd naar Lisa de Vries"), ("andere_module.aanvraag", None)):
                session.add(WorkflowHistory(workflow=workflow, subject_id=subject, transition="t", from_state="a", to_state="b", reason=reason, actor="x@example.org"))

        in_tenant(slug, history)
        in_tenant(slug, failed_delivery("handvat2_signaleren.consent.revoked", {"consent_id": "1"}, "handvat3_toegang", "dead"))
        in_tenant(slug, failed_delivery("core.workflow.transitioned", {"workflow": "handvat2_signaleren.referral"}, "handvat3_toegang", "dead"))
        other_event, _ = in_tenant(slug, failed_delivery("core.workflow.transitioned", {"workflow": "andere_module.aanvraag"}, "handvat2_signaleren", "retrying"))

        async def keep(session: Any, event_id: str = other_event) -> str:
            row = EventDelivery(event_id=uuid.UUID(event_id), subscriber="handvat3_toegang", status="dead", attempts=8)
            session.add(row)
            await session.flush()
            return str(row.id)

        kept_deliveries[slug] = in_tenant(slug, keep)

    code, out = kansrijk("module", "purge", "handvat2_signaleren", "--yes")
    assert code == 0 and "handvat2_signaleren: data, workflow history and events deleted, activations removed." in out

    async def left(session: Any) -> tuple[list, list, list]:
        return (
            list((await session.execute(select(WorkflowHistory.workflow))).scalars()),
            [(event_type, payload) for event_type, payload in (await session.execute(select(OutboxEvent.type, OutboxEvent.payload))).all()],
            [str(delivery_id) for delivery_id in (await session.execute(select(EventDelivery.id))).scalars()],
        )

    for slug in ("utrecht", "s-hertogenbosch"):
        workflows, outbox, deliveries = in_tenant(slug, left)
        assert workflows == ["andere_module.aanvraag"], slug
        assert outbox == [("core.workflow.transitioned", {"workflow": "andere_module.aanvraag"})], slug
        assert deliveries == [kept_deliveries[slug]], slug


def test_module_purge_of_a_third_party_module_removes_all_of_it_and_nothing_else(cli_database: str) -> None:
    """`kansrijk module purge babyspullen` (the example distribution, installed by the dev
    group): its table, its workflow history, its events and its step links go; handvat 2's
    data, another workflow's history and another module's links stay."""
    import uuid

    from sqlalchemy import inspect, select, text

    from core.db import utcnow
    from core.models import OutboxEvent, Partner, WorkflowHistory
    from core.step_links import StepLink

    if "babyspullen" not in {source.key for source in installed_module_sources()}:
        if IN_CI:
            pytest.fail("examples/babyspullen is not installed: `uv sync` installs it with the dev group")
        pytest.skip("examples/babyspullen is not installed")
    assert kansrijk("migrate")[0] == 0
    assert kansrijk("tenant", "create", "GM0344")[0] == 0
    assert kansrijk("module", "enable", "handvat2_signaleren", "--tenant", "utrecht")[0] == 0  # which it needs
    code, out = kansrijk("module", "enable", "babyspullen", "--tenant", "utrecht")
    assert code == 0, out
    subject = uuid.uuid4()

    async def data(session: Any) -> None:
        foundation = Partner(name="Stichting Babyspullen", domain="informeel", type="overig")
        session.add(foundation)
        await session.flush()
        # The module's own table, written as SQL: the platform's tests import no third-party module.
        as_bound = (lambda value: value.hex) if session.bind.dialect.name == "sqlite" else (lambda value: value)
        await session.execute(
            text("INSERT INTO babyspullen_requests (tenant_id, id, requesting_partner_id, foundation_partner_id, items, handover, state, requested_at) "
                 "SELECT id, :s, :p, :p, '[]', 'ophalen', 'aangevraagd', :now FROM tenants WHERE slug = 'utrecht'"),
            {"s": as_bound(subject), "p": as_bound(foundation.id), "now": utcnow()},
        )
        for workflow in ("babyspullen.request", "handvat2_signaleren.referral"):
            session.add(WorkflowHistory(workflow=workflow, subject_id=subject, transition="t", from_state="a", to_state="b", actor="x@example.org"))
            session.add(
                StepLink(module_key=workflow.split(".")[0], workflow=workflow, subject_id=subject, from_state="a", transitions=["t"],
                         recipient="hulp@stichting.example", token_hash=uuid.uuid4().hex, sent_by="x@example.org", expires_at=utcnow())
            )
        session.add(OutboxEvent(type="babyspullen.request.requested", payload={"request_id": str(subject)}, dispatched_at=utcnow()))

    in_tenant("utrecht", data)
    code, out = kansrijk("module", "purge", "handvat2_signaleren", "--yes")
    assert code == 1 and "MODULE_REQUIRED_BY_OTHERS" in out and "babyspullen" in out  # it needs handvat 2
    code, out = kansrijk("module", "purge", "babyspullen", "--yes")
    assert code == 0 and "babyspullen: data, workflow history and events deleted, activations removed." in out, out

    async def left(session: Any) -> tuple[list, list, list, list]:
        tables = (await session.execute(text("SELECT count(*) FROM partners"))).scalar_one()
        return (
            list((await session.execute(select(WorkflowHistory.workflow))).scalars()),
            list((await session.execute(select(StepLink.workflow))).scalars()),
            list((await session.execute(select(OutboxEvent.type))).scalars()),
            [tables],
        )

    workflows, links, events, partners = in_tenant("utrecht", left)
    assert (workflows, links, events, partners) == (["handvat2_signaleren.referral"], ["handvat2_signaleren.referral"], [], [1])
    code, out = kansrijk("module", "list", "--tenant", "utrecht")
    assert "on   handvat2_signaleren" in out and "babyspullen" not in out.replace("off  babyspullen", "")

    async def has_table(session: Any) -> bool:
        connection = await session.connection()
        return await connection.run_sync(lambda sync: inspect(sync).has_table("babyspullen_requests"))

    assert in_tenant("utrecht", has_table) is False


def test_module_revision_drafts_a_modules_first_and_next_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kansrijk module revision KEY -m …` for a module author: the first revision of a module
    without migrations is its branch (label, depending on core's head), generated from its
    models; run again with nothing changed, it writes nothing. No database is touched (a
    scratch one is used)."""
    import core.platform
    from core.hookspecs import hookimpl
    from core.runtime import ModuleSource
    from tests.support import tiny_notes

    versions = tmp_path / "tiny_notes" / "migrations" / "versions"
    versions.mkdir(parents=True)  # a new module's empty folder (the runtime asks that it exists)

    @hookimpl
    def register_migrations() -> str:
        return str(versions)

    monkeypatch.setattr(tiny_notes, "register_migrations", register_migrations)
    source = ModuleSource(key="tiny_notes", load=lambda: tiny_notes, version="1.0.0")
    monkeypatch.setattr(core.platform, "installed_module_sources", lambda: [*platform_module_sources(), source])
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'untouched.sqlite3'}")
    monkeypatch.setenv("KANSRIJK_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("KANSRIJK_LOG_LEVEL", "WARNING")

    code, out = kansrijk("module", "revision", "tiny_notes", "-m", "notes")
    assert code == 0 and "tiny_notes: wrote" in out, out
    [written] = sorted(versions.glob("*.py"))
    text = written.read_text(encoding="utf-8")
    assert written.name == "tiny_notes_0001_notes.py"
    assert "branch_labels: str | Sequence[str] | None = ('tiny_notes',)" in text and "op.create_table('tiny_notes'" in text
    core_head = sorted(path.name for path in (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("core_*.py"))[-1][:9]
    assert f"depends_on: str | Sequence[str] | None = '{core_head}'" in text
    assert kansrijk("module", "revision", "tiny_notes", "-m", "again") == (0, "tiny_notes: nothing to generate, its migrations already match its models.\n")
    assert sorted(versions.glob("*.py")) == [written] and not (tmp_path / "untouched.sqlite3").exists()
    code, out = kansrijk("module", "revision", "handvat9", "-m", "x")
    assert code == 1 and "UNKNOWN_MODULE" in out
    installed = tmp_path / "venv" / "lib" / "site-packages" / "tiny_notes" / "migrations" / "versions"
    installed.mkdir(parents=True)
    versions = installed
    code, out = kansrijk("module", "revision", "tiny_notes", "-m", "x")
    assert code == 1 and "REVISION_NOT_WRITABLE" in out and not list(installed.glob("*.py"))
