"""The startfoto and vervolgfoto's: a picture copies the figures (exact values, periods and
sources of the imported KWB files), the partners and the offer on its reference date; a
later import changes nothing of it; the narrative is edited until it is fixed and refused
after (STARTFOTO_FIXED, nothing changed); a vervolgfoto needs a fixed startfoto and is
compared indicator by indicator, with no difference across a series break. Another
gemeente's pictures are NOT_FOUND; each role's permission; concurrent fixes and edits end
consistently."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from core.testing import World, count_statements, make_world
from core.testing import assert_error as _assert_error
from core.testing import ok as _ok
from plugins.handvat1_zicht.services import cbs
from plugins.handvat1_zicht.services import startfoto as startfoto_service
from tests.plugins.handvat1_zicht import kwbfiles


def ok(response):
    return _ok(response.body)


def assert_error(response, code, field=None):
    return _assert_error(response.body, code, field)


PICTURE = """id kind state title referenceDate baselineId wentWell gaps ambitions voices createdAt fixedAt
  partners { name partnerType } offer { kind code name description }"""
CREATE = f"mutation($i: CreateStartfotoInput!) {{ createStartfoto(input: $i) {{ startfoto {{ {PICTURE} }} }} }}"
FOLLOW_UP = f"mutation($i: CreateVervolgfotoInput!) {{ createVervolgfoto(input: $i) {{ startfoto {{ {PICTURE} }} }} }}"
UPDATE = f"mutation($i: UpdateStartfotoInput!) {{ updateStartfoto(input: $i) {{ startfoto {{ {PICTURE} }} }} }}"
FIX = f"mutation($i: FixStartfotoInput!) {{ fixStartfoto(input: $i) {{ startfoto {{ {PICTURE} }} }} }}"
READ = f"""query($id: ID!, $ind: String, $r: String, $p: Int, $after: String) {{ startfoto(id: $id) {{ {PICTURE}
  figures(indicator: $ind, regionCode: $r, period: $p, first: 100, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ regionCode regionType regionName indicator indicatorName unit source sourceDescription period value status series tableId cbsKey }} }} }} }}"""
LIST = "query($k: StartfotoKind) { startfotos(kind: $k, first: 10) { totalCount nodes { id kind state title referenceDate } } }"
COMPARE = """query($b: ID!, $f: ID!, $ind: String, $r: String) { startfotoComparison(baselineId: $b, followUpId: $f) {
  baseline { id kind } followUp { id kind }
  rows(indicator: $ind, regionCode: $r, first: 100) { totalCount nodes { indicator regionCode regionType baselinePeriod baselineValue baselineStatus
    followUpPeriod followUpValue followUpStatus difference relativeDifference breakBetween gap reason } } } }"""
CREATE_WIJK = "mutation($i: CreateWijkInput!) { createWijk(input: $i) { wijk { code } } }"


async def import_table(platform, tmp_path: Path, table: str, *, fmt: str = "odata", wijken: int = 3, change=None) -> None:
    text = kwbfiles.odata(table, wijken=wijken) if fmt == "odata" else kwbfiles.csv_text(table, wijken=wijken)
    if change is not None:
        text = change(text)
    path = kwbfiles.write(tmp_path, f"{table}.{'json' if fmt == 'odata' else 'csv'}", text)
    async with platform.work_as_platform("test") as work:
        await cbs.import_file(work, path)
        await work.commit()


async def import_all(platform, tmp_path: Path, wijken: int = 3) -> None:
    await import_table(platform, tmp_path, "85618NED", fmt="csv", wijken=wijken)
    await import_table(platform, tmp_path, "85984NED", wijken=wijken)
    await import_table(platform, tmp_path, "86165NED", wijken=wijken)


@pytest.fixture
async def worlds(platform) -> tuple[World, World]:
    utrecht = await make_world(platform, "GM0344", modules=["handvat1_zicht"])
    bosch = await make_world(platform, "GM0796", modules=["handvat1_zicht"])
    return utrecht, bosch


async def add_wijken(api, world: World, first: int, last: int) -> None:
    for index in range(first, last + 1):
        code = f"WK{world.tenant.code[2:]}{index:02d}"
        ok(await api.gql(world.slug, CREATE_WIJK, {"i": {"code": code, "name": f"Wijk {index:02d}"}}, user=world.email("coalition_admin")))


def new_picture(**changes) -> dict:
    return {"title": "Startfoto Kansrijke Start 2024", "referenceDate": "2024-06-01", **changes}


async def make_startfoto(api, world: World, **changes) -> dict:
    return ok(await api.gql(world.slug, CREATE, {"i": new_picture(**changes)}, user=world.email("analyst")))["createStartfoto"]["startfoto"]


async def read(api, world: World, picture_id: str, user: str = "analyst", **filters) -> dict:
    variables = {"id": picture_id, **filters}
    return ok(await api.gql(world.slug, READ, variables, user=world.email(user)))["startfoto"]


def figure(nodes: list[dict], region: str, indicator: str, period: int) -> dict:
    return next(node for node in nodes if (node["regionCode"], node["indicator"], node["period"]) == (region, indicator, period))


async def test_a_startfoto_copies_the_figures_partners_and_offer(api, platform, worlds, tmp_path: Path) -> None:
    utrecht, _ = worlds
    await add_wijken(api, utrecht, 1, 3)
    await import_all(platform, tmp_path)
    made = await make_startfoto(api, utrecht, wentWell="De kraamzorg en de JGZ werken samen.")
    assert made["kind"] == "STARTFOTO" and made["state"] == "CONCEPT" and made["referenceDate"] == "2024-06-01"
    assert made["title"] == "Startfoto Kansrijke Start 2024" and made["wentWell"] == "De kraamzorg en de JGZ werken samen." and made["fixedAt"] is None
    assert made["partners"] == [
        {"name": "Schuldhulp Samen", "partnerType": "schuldhulpverlening"},
        {"name": "Verloskundigenpraktijk De Wieg", "partnerType": "verloskundige"},
    ]
    assert made["offer"] == []  # no module that keeps regelingen is enabled

    picture = await read(api, utrecht, made["id"])
    figures = picture["figures"]
    # 2023 and 2024 (the reference date's year and before), not 2025: 4 regions × 5 indicators × 2 years.
    assert figures["totalCount"] == 40
    nodes = figures["nodes"]
    assert {node["period"] for node in nodes} == {2023, 2024}
    inwoners = figure(nodes, "WK034403", "inwoners", 2024)
    assert inwoners["value"] == kwbfiles.value("85984NED", "WK034403", "AantalInwoners") and inwoners["status"] == "AVAILABLE"
    assert inwoners["tableId"] == "85984NED" and inwoners["cbsKey"] == "AantalInwoners_5" and inwoners["source"] == "CBS"
    assert inwoners["sourceDescription"] == "CBS, Kerncijfers wijken en buurten 2024 (85984NED)" and inwoners["regionName"] == "Wijk 03"
    earlier = figure(nodes, "GM0344", "huishoudens_met_kinderen", 2023)
    assert earlier["value"] == kwbfiles.value("85618NED", "GM0344", "HuishoudensMetKinderen") and earlier["cbsKey"] == "HuishoudensMetKinderen_31"
    assert earlier["regionType"] == "GEMEENTE" and earlier["regionName"] == utrecht.tenant.name
    births = figure(nodes, "WK034401", "geboorte_totaal", 2024)
    assert births["value"] is None and births["status"] == "SUPPRESSED"
    zero = figure(nodes, "WK034402", "geboorte_relatief", 2024)
    assert zero["value"] == 0 and zero["status"] == "AVAILABLE"
    # Filtered, and paged by keyset.
    only = await read(api, utrecht, made["id"], ind="inwoners", r="wk034401")
    assert [(node["regionCode"], node["period"]) for node in only["figures"]["nodes"]] == [("WK034401", 2023), ("WK034401", 2024)]

    # A later import (other values, an extra wijk) changes nothing of the picture.
    def changed(text: str) -> str:
        data = json.loads(text)
        for row in data["TypedDataSet"]["value"]:
            row["AantalInwoners_5"] = 99999
        return json.dumps(data)

    await add_wijken(api, utrecht, 4, 4)
    await import_table(platform, tmp_path, "85984NED", wijken=4, change=changed)
    again = await read(api, utrecht, made["id"])
    assert again["figures"] == figures
    assert figure(again["figures"]["nodes"], "WK034403", "inwoners", 2024)["value"] == kwbfiles.value("85984NED", "WK034403", "AantalInwoners")


async def test_narrative_is_edited_until_fixed_and_then_refused(api, platform, worlds) -> None:
    utrecht, _ = worlds
    made = await make_startfoto(api, utrecht)
    admin = utrecht.email("coalition_admin")
    edited = ok(
        await api.gql(utrecht.slug, UPDATE, {"i": {"id": made["id"], "gaps": "  Weinig bereik in de wijk Noord. ", "ambitions": "Elk gezin bereikt."}}, user=admin)
    )["updateStartfoto"]["startfoto"]
    assert edited["gaps"] == "Weinig bereik in de wijk Noord." and edited["ambitions"] == "Elk gezin bereikt." and edited["title"] == made["title"]
    # Only the sections given change; a title of spaces is refused.
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"id": made["id"], "title": "   "}}, user=admin), "VALIDATION_FAILED", field="input.title")
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"id": made["id"], "wentWell": "x" * 10_001}}, user=admin), "VALIDATION_FAILED", field="input.wentWell")
    refused = await api.gql(utrecht.slug, UPDATE, {"i": {"id": made["id"], "voices": "Moeder (bel 06-12345678) zei: het hielp."}}, user=admin)
    assert_error(refused, "IDENTIFYING_DATA", field="input.voices")
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"id": made["id"], "gaps": "Mail ons: ouder@voorbeeld.nl"}}, user=admin), "IDENTIFYING_DATA", field="input.gaps")
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"id": made["id"], "title": "Startfoto voor gezin 3511 AB"}}, user=admin), "IDENTIFYING_DATA", field="input.title")
    unchanged = await read(api, utrecht, made["id"])
    assert (unchanged["title"], unchanged["voices"], unchanged["gaps"], unchanged["wentWell"]) == (made["title"], "", "Weinig bereik in de wijk Noord.", "")

    fixed = ok(await api.gql(utrecht.slug, FIX, {"i": {"id": made["id"]}}, user=admin))["fixStartfoto"]["startfoto"]
    assert fixed["state"] == "VASTGESTELD" and fixed["fixedAt"] is not None
    refused = assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"id": made["id"], "gaps": "Later bedacht."}}, user=admin), "STARTFOTO_FIXED", field="input.id")
    assert "vervolgfoto" in refused["message"]
    assert_error(await api.gql(utrecht.slug, FIX, {"i": {"id": made["id"]}}, user=admin), "STARTFOTO_FIXED")
    after = await read(api, utrecht, made["id"])
    assert after["gaps"] == "Weinig bereik in de wijk Noord." and after["fixedAt"] == fixed["fixedAt"] and after["state"] == "VASTGESTELD"


async def test_bad_input_is_refused_and_nothing_written(api, platform, worlds) -> None:
    utrecht, _ = worlds
    analyst = utrecht.email("analyst")
    bad = [
        (new_picture(title=""), "input.title"),
        (new_picture(title="  \n "), "input.title"),
        (new_picture(title="t" * 201), "input.title"),
        (new_picture(referenceDate="2099-01-01"), "input.referenceDate"),
        (new_picture(ambitions="a" * 10_001), "input.ambitions"),
    ]
    for given, field in bad:
        assert_error(await api.gql(utrecht.slug, CREATE, {"i": given}, user=analyst), "VALIDATION_FAILED", field=field)
    assert_error(await api.gql(utrecht.slug, CREATE, {"i": new_picture(voices="Zij woont op 3511 AB.")}, user=analyst), "IDENTIFYING_DATA", field="input.voices")
    assert ok(await api.gql(utrecht.slug, LIST, user=analyst))["startfotos"]["totalCount"] == 0
    assert_error(await api.gql(utrecht.slug, READ, {"id": "geen-id"}, user=analyst), "VALIDATION_FAILED", field="id")


async def test_vervolgfoto_needs_a_fixed_startfoto_and_is_compared(api, platform, worlds, tmp_path: Path) -> None:
    utrecht, bosch = worlds
    await add_wijken(api, utrecht, 1, 3)
    await import_all(platform, tmp_path)
    admin = utrecht.email("coalition_admin")
    start = await make_startfoto(api, utrecht)
    later = {"baselineId": start["id"], "title": "Vervolgfoto 2025", "referenceDate": "2025-09-01"}
    # An unfixed startfoto is no baseline; nothing is made.
    refused = assert_error(await api.gql(utrecht.slug, FOLLOW_UP, {"i": later}, user=admin), "VALIDATION_FAILED", field="input.baselineId")
    assert "Stel de startfoto eerst vast" in refused["message"]
    assert ok(await api.gql(utrecht.slug, LIST, {"k": "VERVOLGFOTO"}, user=admin))["startfotos"]["totalCount"] == 0
    ok(await api.gql(utrecht.slug, FIX, {"i": {"id": start["id"]}}, user=admin))
    assert_error(await api.gql(utrecht.slug, FOLLOW_UP, {"i": {**later, "referenceDate": "2024-01-01"}}, user=admin), "VALIDATION_FAILED", field="input.referenceDate")
    follow = ok(await api.gql(utrecht.slug, FOLLOW_UP, {"i": later}, user=admin))["createVervolgfoto"]["startfoto"]
    assert follow["kind"] == "VERVOLGFOTO" and follow["baselineId"] == start["id"] and follow["state"] == "CONCEPT"
    # A vervolgfoto is no baseline for another one.
    assert_error(await api.gql(utrecht.slug, FOLLOW_UP, {"i": {**later, "baselineId": follow["id"]}}, user=admin), "VALIDATION_FAILED", field="input.baselineId")
    # Another gemeente's startfoto is not found, as an unknown one.
    assert_error(await api.gql(bosch.slug, FOLLOW_UP, {"i": later}, user=bosch.email("coalition_admin")), "NOT_FOUND", field="input.baselineId")

    listed = ok(await api.gql(utrecht.slug, LIST, user=utrecht.email("experience_expert")))["startfotos"]
    assert [(node["kind"], node["referenceDate"]) for node in listed["nodes"]] == [("VERVOLGFOTO", "2025-09-01"), ("STARTFOTO", "2024-06-01")]

    compared = ok(await api.gql(utrecht.slug, COMPARE, {"b": start["id"], "f": follow["id"]}, user=utrecht.email("professional")))["startfotoComparison"]
    assert compared["baseline"]["id"] == start["id"] and compared["followUp"]["kind"] == "VERVOLGFOTO"
    rows = {(row["regionCode"], row["indicator"]): row for row in compared["rows"]["nodes"]}
    kids = rows[("GM0344", "huishoudens_met_kinderen")]
    before, after = kwbfiles.value("85984NED", "GM0344", "HuishoudensMetKinderen"), kwbfiles.value("86165NED", "GM0344", "HuishoudensMetKinderen")
    assert (kids["baselinePeriod"], kids["baselineValue"], kids["followUpPeriod"], kids["followUpValue"]) == (2024, before, 2025, after)
    assert kids["difference"] == pytest.approx(after - before) and kids["breakBetween"] is False and kids["gap"] is None
    inwoners = rows[("WK034402", "inwoners")]
    first, second = kwbfiles.value("85984NED", "WK034402", "AantalInwoners"), kwbfiles.value("86165NED", "WK034402", "AantalInwoners")
    assert inwoners["relativeDifference"] == pytest.approx(round((second - first) / first * 100, 2))
    # The sociaal minimum changed definition in 2025: no difference across the break.
    minimum = rows[("WK034401", "huishoudens_sociaal_minimum")]
    assert (minimum["baselinePeriod"], minimum["followUpPeriod"]) == (2024, 2025)
    assert minimum["baselineValue"] == kwbfiles.value("85984NED", "WK034401", "HuishOnderOfRondSociaalMinimum")
    assert minimum["difference"] is None and minimum["relativeDifference"] is None and minimum["breakBetween"] is True
    assert minimum["gap"] == "SERIES_BREAK" and "2025" in minimum["reason"]
    # A percentage gets no relative difference, only percentage points.
    # Suppressed in both (86165NED has no births): no difference, the reason says why.
    births = rows[("WK034401", "geboorte_totaal")]
    assert births["baselineStatus"] == "SUPPRESSED" and births["difference"] is None and births["gap"] == "UNKNOWN" and births["breakBetween"] is False
    filtered = ok(await api.gql(utrecht.slug, COMPARE, {"b": start["id"], "f": follow["id"], "ind": "inwoners"}, user=admin))["startfotoComparison"]["rows"]
    assert filtered["totalCount"] == 4 and {node["indicator"] for node in filtered["nodes"]} == {"inwoners"}
    # Another gemeente cannot compare (or read) Utrecht's pictures.
    assert_error(await api.gql(bosch.slug, COMPARE, {"b": start["id"], "f": follow["id"]}, user=bosch.email("coalition_admin")), "NOT_FOUND", field="baselineId")
    assert_error(await api.gql(bosch.slug, READ, {"id": start["id"]}, user=bosch.email("coalition_admin")), "NOT_FOUND", field="id")
    assert_error(await api.gql(bosch.slug, FIX, {"i": {"id": follow["id"]}}, user=bosch.email("coalition_admin")), "NOT_FOUND", field="input.id")
    assert ok(await api.gql(bosch.slug, LIST, user=bosch.email("coalition_admin")))["startfotos"]["totalCount"] == 0
    assert (await read(api, utrecht, follow["id"]))["state"] == "CONCEPT"


@pytest.mark.parametrize(
    ("role", "can_read", "can_make"),
    [
        ("coalition_admin", True, True),
        ("analyst", True, True),
        ("professional", True, False),
        ("experience_expert", True, False),
        ("partner_worker", False, False),
        ("privacy_officer", False, False),
    ],
)
async def test_permissions_per_role(api, platform, worlds, role: str, can_read: bool, can_make: bool) -> None:
    utrecht, _ = worlds
    made = await make_startfoto(api, utrecht)
    user = utrecht.email(role)
    response = await api.gql(utrecht.slug, READ, {"id": made["id"]}, user=user)
    if can_read:
        assert response.errors == [] and response.data["startfoto"]["id"] == made["id"]
    else:
        assert_error(response, "FORBIDDEN")
    response = await api.gql(utrecht.slug, CREATE, {"i": new_picture(title="Nog een")}, user=user)
    if can_make:
        ok(response)
    else:
        assert_error(response, "FORBIDDEN")
        assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"id": made["id"], "gaps": "x"}}, user=user), "FORBIDDEN")
        assert_error(await api.gql(utrecht.slug, FIX, {"i": {"id": made["id"]}}, user=user), "FORBIDDEN")
        assert ok(await api.gql(utrecht.slug, LIST, user=utrecht.email("analyst")))["startfotos"]["totalCount"] == 1
        assert (await read(api, utrecht, made["id"]))["state"] == "CONCEPT"


async def test_concurrent_fixes_and_edits_end_consistently(api, platform, worlds, monkeypatch) -> None:
    utrecht, _ = worlds
    admin, analyst = utrecht.email("coalition_admin"), utrecht.email("analyst")
    await api.token(utrecht.slug, admin)
    await api.token(utrecht.slug, analyst)
    made = await make_startfoto(api, utrecht)
    # Widen the window between reading the picture (a concept) and writing it, so that on
    # PostgreSQL both requests have read it before either writes: the write itself decides.
    original = startfoto_service._update_concept

    async def slow(work, row, changes):
        await asyncio.sleep(0.3)
        await original(work, row, changes)

    monkeypatch.setattr(startfoto_service, "_update_concept", slow)
    # Two people fix at once: exactly one wins.
    both = await asyncio.gather(
        api.gql(utrecht.slug, FIX, {"i": {"id": made["id"]}}, user=admin), api.gql(utrecht.slug, FIX, {"i": {"id": made["id"]}}, user=analyst)
    )
    assert sorted(response.codes[0] if response.errors else "OK" for response in both) == ["OK", "STARTFOTO_FIXED"]
    # An edit racing a fix: either the edit came first (and is in the fixed picture) or it is refused.
    for attempt in range(3):
        other = await make_startfoto(api, utrecht, title=f"Race {attempt}")
        text = f"Geschreven tijdens het vaststellen {attempt}."
        edit, fix = await asyncio.gather(
            api.gql(utrecht.slug, UPDATE, {"i": {"id": other["id"], "ambitions": text}}, user=analyst),
            api.gql(utrecht.slug, FIX, {"i": {"id": other["id"]}}, user=admin),
        )
        ok(fix)
        final = await read(api, utrecht, other["id"])
        assert final["state"] == "VASTGESTELD"
        if edit.errors:
            assert edit.codes == ["STARTFOTO_FIXED"] and final["ambitions"] == ""
        else:
            assert final["ambitions"] == text


async def test_statements_of_a_startfoto_do_not_grow_with_the_figures(api, platform, worlds, tmp_path: Path) -> None:
    utrecht, _ = worlds
    analyst = utrecht.email("analyst")

    async def statements() -> int:
        await api.token(utrecht.slug, analyst)
        await platform.identity.keys.refresh(force=True)
        with count_statements(platform) as seen:
            ok(await api.gql(utrecht.slug, CREATE, {"i": new_picture()}, user=analyst))
        return len(seen)

    await add_wijken(api, utrecht, 1, 2)
    await import_table(platform, tmp_path, "85984NED", wijken=2)
    few = await statements()
    await add_wijken(api, utrecht, 3, 12)
    await import_table(platform, tmp_path, "85984NED", wijken=12)
    await import_table(platform, tmp_path, "85618NED", fmt="csv", wijken=12)
    assert await statements() == few
