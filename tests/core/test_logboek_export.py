"""The processing log exported in the shape of the Logboek Dataverwerkingen standard: per
gemeente and period, over REST (for the privacy officer or a collector) and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.logboek import LOCAL_ZONE, PAGE_SIZE, Period, parse_period, sealed_records
from core.platform import Platform
from core.processing import ProcessingRecord, pseudonym, verify_chain
from core.tenancy import TenantContext
from core.testing import TEST_SECRET
from tests.conftest import Api, World
from tests.core.test_cli import cli_database, kansrijk  # noqa: F401 - the CLI's database fixture

PRIVACY = World.email("privacy_officer", "utrecht")
PRO = World.email("professional", "utrecht")
ADMIN = World.email("coalition_admin", "utrecht")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
HEX16 = re.compile(r"^[0-9a-f]{16}$")


async def add_notes(api: Api, slug: str, *texts: str, headers: dict[str, str] | None = None) -> list[str]:
    admin, pro = World.email("coalition_admin", slug), World.email("professional", slug)
    await api.gql(slug, 'mutation { enableModule(input: {key: "tiny_notes"}) { module { key } } }', user=admin)
    ids = []
    for text in texts:
        response = await api.gql(slug, "mutation($t: String!) { addTinyNote(input: {text: $t}) { note { id } } }", {"t": text}, user=pro, headers=headers)
        ids.append(response.ok()["addTinyNote"]["note"]["id"])
    return ids


async def export(api: Api, slug: str, user: str | None, **params: str) -> Any:
    headers = {}
    token = await api.user_token(slug, user) if user is not None else None
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await api.client.get(f"/t/{slug}/processing-log/export", params=params, headers=headers)


def lines(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def today() -> str:
    """The export's days are Amsterdam's (core.logboek.LOCAL_ZONE)."""
    return dt.datetime.now(LOCAL_ZONE).date().isoformat()


async def test_the_export_has_the_standards_fields(api: Api, world: World) -> None:
    caller = {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"}
    first, second = await add_notes(api, "utrecht", "Een", "Twee", headers=caller)
    read = await api.gql("utrecht", "{ tinyNotes { text } }", user=PRO, headers=caller)
    request_span = read.headers["traceparent"].split("-")[2]
    spans = lines(await export(api, "utrecht", PRIVACY, **{"from": today(), "to": today()}))
    reads = [span for span in spans if span["name"] == "tinyNotes"]
    assert len(reads) == 2  # one per data subject, each its own span under the request's
    subjects = {pseudonym(TEST_SECRET, world.utrecht.id, note) for note in (first, second)}
    assert {span["attributes"]["dpl.core.data_subject_id"] for span in reads} == subjects
    for span in reads:
        assert set(span) == {"trace_id", "span_id", "parent_span_id", "name", "start_time", "end_time", "status_code", "resource", "attributes"}
        assert span["trace_id"] == TRACE_ID and span["parent_span_id"] == request_span and HEX16.match(span["span_id"])
        assert span["status_code"] == "STATUS_CODE_OK"
        assert isinstance(span["start_time"], int) and span["start_time"] <= span["end_time"]
        assert span["resource"]["attributes"]["service.name"]
        attributes = span["attributes"]
        assert attributes["dpl.core.processing_activity_id"] == "http://127.0.0.1:8000/t/utrecht/processing-activities/tiny_notes.notes"
        assert attributes["dpl.core.data_subject_id_type"] == "kansrijkestart-pseudoniem"
        assert attributes["dpl.core.foreign_operation.span_id"] == CALLER_SPAN
        assert (attributes["kansrijkestart.gemeente"], attributes["kansrijkestart.actor"], attributes["kansrijkestart.result"]) == (
            "GM0344",
            PRO,
            "read",
        )
        assert attributes["kansrijkestart.seq"] >= 1 and len(attributes["kansrijkestart.record_hash"]) == 64
    assert len({span["span_id"] for span in spans}) == len(spans)
    # No note texts, no ids of data subjects: only pseudonyms.
    text = json.dumps(spans)
    assert "Een" not in text and "Twee" not in text and first not in text and second not in text
    # The same records exported again get the same span ids (a collector drops duplicates).
    again = lines(await export(api, "utrecht", PRIVACY, **{"from": today(), "to": today()}))
    assert {span["span_id"] for span in spans} <= {span["span_id"] for span in again}


async def test_an_export_is_itself_logged(api: Api, world: World, platform: Platform) -> None:
    lines(await export(api, "utrecht", PRIVACY, **{"from": today(), "to": today()}))
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        rows = (await session.execute(select(ProcessingRecord).where(ProcessingRecord.operation == "processingLogExport"))).scalars().all()
    ((actor, result, activity, subject),) = [(row.actor, row.result, row.activity, row.data_subject) for row in rows]
    assert (actor, result, activity) == (PRIVACY, "exported", "core.processing_log_inspection")
    assert subject == pseudonym(TEST_SECRET, world.utrecht.id, world.utrecht.id)
    # The next export shows it; all the reading left the chain intact.
    logged = [span for span in lines(await export(api, "utrecht", PRIVACY, **{"from": today(), "to": today()})) if span["name"] == "processingLogExport"]
    assert len(logged) == 2 and {span["attributes"]["kansrijkestart.actor"] for span in logged} == {PRIVACY}
    await platform.seal_processing_logs([world.utrecht.id])
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        report = await verify_chain(session, TEST_SECRET)
    assert report.intact and (report.records, report.unsealed) == (2, 0)


async def test_the_export_is_of_one_gemeente_and_one_period(api: Api, world: World) -> None:
    await add_notes(api, world.bosch.slug, "Bosch")
    await add_notes(api, "utrecht", "Vroeg")
    between = dt.datetime.now(dt.UTC)
    await add_notes(api, "utrecht", "Laat")
    hour = dt.timedelta(hours=1)
    before = lines(await export(api, "utrecht", PRIVACY, **{"from": (between - hour).isoformat(), "to": between.isoformat()}))
    after = lines(await export(api, "utrecht", PRIVACY, **{"from": between.isoformat(), "to": (between + hour).isoformat()}))
    assert [span["name"] for span in before if span["name"] == "addTinyNote"] == ["addTinyNote"]
    assert [span["name"] for span in after if span["name"] == "addTinyNote"] == ["addTinyNote"]
    assert all(span["end_time"] < between.timestamp() * 1000 for span in before)
    assert all(span["end_time"] >= between.timestamp() * 1000 for span in after)
    # Never another gemeente's records; an old period is simply empty.
    assert {span["attributes"]["kansrijkestart.gemeente"] for span in before + after} == {"GM0344"}
    assert lines(await export(api, "utrecht", PRIVACY, **{"from": "2020-01-01", "to": "2020-01-31"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "from"),
        ({"from": "2026-01-01"}, "to"),
        ({"from": "gisteren", "to": "2026-01-31"}, "from"),
        ({"from": "2026-01-01", "to": "2026-13-45"}, "to"),
        ({"from": "2026-01-01T10:00:00", "to": "2026-01-31"}, "from"),  # no time zone
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "to"),  # longer than a year
        ({"from": "2026-01-01" + "0" * 500, "to": "2026-01-31"}, "from"),
        ({"from": "2026-01-01\x00", "to": "2026-01-31"}, "from"),
    ],
)
async def test_bad_periods_are_400s(api: Api, world: World, params: dict[str, str], field: str) -> None:
    response = await export(api, "utrecht", PRIVACY, **params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["field"]) == ("BAD_REQUEST", field)


@pytest.mark.parametrize(
    ("slug", "user", "status", "code"),
    [
        ("utrecht", None, 401, "UNAUTHENTICATED"),
        ("utrecht", World.email("privacy_officer", "s-hertogenbosch"), 403, "TENANT_MISMATCH"),
        ("utrecht", PRO, 403, "FORBIDDEN"),
        ("utrecht", ADMIN, 403, "FORBIDDEN"),
        ("atlantis", PRIVACY, 404, "TENANT_NOT_FOUND"),
    ],
)
async def test_who_may_export(api: Api, world: World, platform: Platform, slug: str, user: str | None, status: int, code: str) -> None:
    await add_notes(api, "utrecht", "Een")
    headers = {}
    if user is not None:
        token = await api.token(user.split("@")[1].removesuffix(".example"), user)
        headers["Authorization"] = f"Bearer {token}"
    response = await api.client.get(f"/t/{slug}/processing-log/export", params={"from": today(), "to": today()}, headers=headers)
    assert response.status_code == status and response.json()["code"] == code, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:  # a refusal is no export
        assert not (await session.execute(select(ProcessingRecord).where(ProcessingRecord.operation == "processingLogExport"))).first()
    garbage = await api.client.get(f"/t/{slug}/processing-log/export", params={"from": "x"}, headers={"Authorization": "Bearer not-a-token"})
    assert garbage.status_code == 401


async def test_records_are_read_a_page_at_a_time(api: Api, world: World, platform: Platform) -> None:
    await add_notes(api, "utrecht", *(f"Notitie {n}" for n in range(5)))
    await platform.seal_processing_logs([world.utrecht.id])
    period = parse_period(today(), today())
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        paged = [record.seq async for record in sealed_records(session, period, page_size=2)]
        whole = [record.seq async for record in sealed_records(session, period, page_size=PAGE_SIZE)]
    assert paged == whole == sorted(whole) and len(whole) >= 5


def test_periods() -> None:
    winter = parse_period("2026-01-01", "2026-01-31")
    assert winter == Period(dt.datetime(2025, 12, 31, 23, tzinfo=dt.UTC), dt.datetime(2026, 1, 31, 23, tzinfo=dt.UTC))
    summer = parse_period("2026-07-01", "2026-07-01")  # one day, in summer time
    assert summer == Period(dt.datetime(2026, 6, 30, 22, tzinfo=dt.UTC), dt.datetime(2026, 7, 1, 22, tzinfo=dt.UTC))
    exact = parse_period("2026-07-01T12:00:00Z", "2026-07-01T15:00:00+02:00")
    assert exact == Period(dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC), dt.datetime(2026, 7, 1, 13, tzinfo=dt.UTC))


def test_the_cli_exports_to_a_new_file(cli_database: str, tmp_path: Path) -> None:  # noqa: F811
    assert kansrijk("migrate")[0] == 0
    assert kansrijk("tenant", "create", "GM0344")[0] == 0
    target = tmp_path / "utrecht.jsonl"
    day = today()
    code, out = kansrijk("audit", "export", "--tenant", "utrecht", "--from", day, "--to", day, "--output", str(target))
    assert code == 0 and f"1 record of utrecht exported to {target}" in out, out
    (span,) = [json.loads(line) for line in target.read_text().splitlines()]  # the export logged itself
    assert (span["name"], span["attributes"]["kansrijkestart.actor"], span["attributes"]["kansrijkestart.result"]) == (
        "processingLogExport",
        "cli",
        "exported",
    )
    assert target.stat().st_mode & 0o777 == 0o600
    code, out = kansrijk("audit", "export", "--tenant", "utrecht", "--from", day, "--to", day, "--output", str(target))
    assert code == 2 and "exists" in out
    code, out = kansrijk("audit", "export", "--tenant", "utrecht", "--from", day, "--to", day, "--output", str(tmp_path / "nowhere" / "x.jsonl"))
    assert code == 2 and "not a directory" in out
    code, out = kansrijk("audit", "export", "--tenant", "utrecht", "--from", day, "--to", day)
    assert code == 0 and out.count('"processingLogExport"') == 2
    code, out = kansrijk("audit", "export", "--tenant", "utrecht", "--from", "2026-02-01", "--to", "2026-01-01")
    assert code == 1 and "BAD_REQUEST" in out
    code, out = kansrijk("audit", "export", "--tenant", "atlantis", "--from", day, "--to", day)
    assert code == 1 and "TENANT_NOT_FOUND" in out
