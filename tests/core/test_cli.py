"""The `kansrijk` command line, against a fresh database of each backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

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
    assert code == 0 and "Database at: core_0003" in out

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
    assert code == 0 and out.count("off ") == 4 and "handvat3_toegang" in out
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
    assert code == 0 and "has no tables" in out
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
