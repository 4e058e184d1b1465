"""Dienende monitoring: per wijk the CBS figures beside the coalition's own work, counted by
handvat 2 and 3 through core's `wijk_activity` hook. Exact counts where enough families are
behind them, small cells hidden (with a complementary cell, so the hidden one cannot be
worked out from the gemeente total), rates per 100 births from CBS's births of the nearest
earlier year, CBS only when the other modules are off, each gemeente only its own, the
permission per role (and another module's counts only with that module's own figures
permission, also for an API client), a family signalled in two wijken counted once in the
gemeente total, the year checked (also in the CSV), and a fixed number of statements per
request."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from core.plugin import ValidationFailed
from core.testing import World, count_statements, disable_module, make_world
from core.testing import assert_error as _assert_error
from core.testing import ok as _ok
from plugins.handvat1_zicht.services import cbs, exports
from plugins.handvat3_toegang.services.check import count_usage
from tests.plugins.handvat1_zicht import kwbfiles
from tests.plugins.handvat2_signaleren.conftest import REGISTER, SIGNAL, next_month

YEAR = dt.date.today().year
MONITORING = """query($y: Int!) { wijkMonitoring(year: $y) {
  year cbsYear birthsYear threshold availableSources
  cbsIndicators { code name unit period }
  platformFigures { key module name description perBirths perWijk }
  rows { regionCode regionType regionName cbs { indicator period value status } platform { figure count suppressed ratePer100Births } }
} }"""
CREATE_WIJK = "mutation($i: CreateWijkInput!) { createWijk(input: $i) { wijk { code } } }"
GRANT = "mutation($c: String!, $s: [String!]!) { grantApiClient(input: {clientId: $c, scopes: $s}) { grant { clientId } } }"
UPDATE_FAMILY = "mutation($i: UpdateFamilyInput!) { updateFamily(input: $i) { family { id } } }"
SIGNALS = "handvat2_signaleren.signals"
FAMILIES = "handvat2_signaleren.families_registered"
SENT = "handvat2_signaleren.referrals_sent"
CHECKED = "handvat3_toegang.checked"
ALL_MODULES = ["handvat1_zicht", "handvat2_signaleren", "handvat3_toegang"]


def ok(response):
    return _ok(response.body)


def assert_error(response, code, field=None):
    return _assert_error(response.body, code, field)


async def import_cbs(platform, tmp_path: Path, wijken: int = 3) -> None:
    """KWB 2024 (with births; none in the first wijk: CBS suppressed them) and 2025 (without births)."""
    for table in ("85984NED", "86165NED"):
        path = kwbfiles.write(tmp_path, f"{table}.json", kwbfiles.odata(table, wijken=wijken))
        async with platform.work_as_platform("test") as work:
            await cbs.import_file(work, path)
            await work.commit()


def births(code: str) -> int:
    return kwbfiles.value("85984NED", code, "GeboorteTotaal")


async def add_wijken(api, world: World, first: int, last: int) -> None:
    for index in range(first, last + 1):
        code = f"WK{world.tenant.code[2:]}{index:02d}"
        ok(await api.gql(world.slug, CREATE_WIJK, {"i": {"code": code, "name": f"Wijk {index:02d}"}}, user=world.email("coalition_admin")))


async def signal_families(api, world: World, wijk: str | None, families: int, *, twice: int = 0) -> None:
    """`families` families registered in `wijk` (None: no wijk), each signalled once, the first `twice` of them twice."""
    for index in range(families):
        data: dict[str, Any] = {"localReference": f"VK-{wijk}-{index}", "phase": "ZWANGER", "expectedMonth": next_month()}
        if wijk is not None:
            data["wijkCode"] = wijk
        family = ok(await api.gql(world.slug, REGISTER, {"i": data}, user=world.email("professional")))["registerFamily"]["family"]
        for _ in range(2 if index < twice else 1):
            signal = {"familyId": family["id"], "worries": ["GELDZORGEN"], "riskFactors": ["financiele_problemen"], "classification": "C"}
            ok(await api.gql(world.slug, SIGNAL, {"i": signal}, user=world.email("professional")))


async def monitoring(api, world: World, year: int = YEAR, role: str = "analyst") -> dict[str, Any]:
    return ok(await api.gql(world.slug, MONITORING, {"y": year}, user=world.email(role)))["wijkMonitoring"]


def platform_cells(data: dict[str, Any], figure: str) -> dict[str | None, tuple[int | None, bool, float | None]]:
    """Region code -> (count, suppressed, rate per 100 births) of one figure."""
    return {
        row["regionCode"]: (cell["count"], cell["suppressed"], cell["ratePer100Births"])
        for row in data["rows"]
        for cell in row["platform"]
        if cell["figure"] == figure
    }


@pytest.fixture
async def utrecht(platform) -> World:
    return await make_world(platform, "GM0344", modules=ALL_MODULES, config={"handvat2_signaleren": {"min_cell_size": 5}})


async def test_the_coalitions_work_beside_the_cbs_figures(api, platform, utrecht: World, tmp_path: Path) -> None:
    await import_cbs(platform, tmp_path)
    await add_wijken(api, utrecht, 1, 3)
    await signal_families(api, utrecht, "WK034401", 2)  # too few families: hidden
    await signal_families(api, utrecht, "WK034402", 12, twice=1)  # 13 signals of 12 families
    await signal_families(api, utrecht, "WK034403", 6)  # enough, but hidden so WK034401's 2 cannot be worked out
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await count_usage(work.session, utrecht.tenant.id, Counter({(await any_regeling(work), "checked", f"{YEAR}-02"): 12}))
        await work.commit()

    data = await monitoring(api, utrecht)
    assert (data["year"], data["threshold"], data["cbsYear"], data["birthsYear"]) == (YEAR, 5, 2025, 2024)
    assert data["availableSources"] == ["handvat2_signaleren", "handvat3_toegang"]
    periods = {indicator["code"]: indicator["period"] for indicator in data["cbsIndicators"]}
    # Births are not in the 2025 table: the nearest earlier year that has them (2024), said per indicator.
    assert periods == {"geboorte_totaal": 2024, "geboorte_relatief": 2024, "inwoners": 2025, "huishoudens_met_kinderen": 2025,
                       "huishoudens_laag_inkomen": None, "personen_in_armoede": None}  # fmt: skip
    assert [(row["regionCode"], row["regionType"], row["regionName"]) for row in data["rows"]] == [
        ("GM0344", "GEMEENTE", utrecht.tenant.name), ("WK034401", "WIJK", "Wijk 01"), ("WK034402", "WIJK", "Wijk 02"), ("WK034403", "WIJK", "Wijk 03"),
    ]  # fmt: skip
    figures = {figure["key"]: figure for figure in data["platformFigures"]}
    assert (figures[SIGNALS]["perBirths"], figures[SIGNALS]["perWijk"], figures[SIGNALS]["module"]) == (True, True, "handvat2_signaleren")
    assert (figures[SENT]["perBirths"], figures[CHECKED]["perWijk"]) == (False, False)

    # Signals: WK034401's 2 families are hidden, WK034403 with it (the smallest other cell).
    gemeente_births, wijk_births = births("GM0344"), births("WK034402")
    assert platform_cells(data, SIGNALS) == {
        "GM0344": (21, False, round(2100 / gemeente_births, 1)),
        "WK034401": (None, True, None),
        "WK034402": (13, False, round(1300 / wijk_births, 1)),
        "WK034403": (None, True, None),
    }
    assert platform_cells(data, FAMILIES) == {
        "GM0344": (20, False, round(2000 / gemeente_births, 1)),
        "WK034401": (None, True, None),
        "WK034402": (12, False, round(1200 / wijk_births, 1)),
        "WK034403": (None, True, None),
    }
    # No referrals this year: zero is shown, and not per births.
    assert platform_cells(data, SENT) == {"GM0344": (0, False, None), "WK034401": (0, False, None), "WK034402": (0, False, None), "WK034403": (0, False, None)}
    # Handvat 3 counts for the whole gemeente: only on its row.
    assert platform_cells(data, CHECKED) == {"GM0344": (12, False, None)}
    # CBS beside it: WK034401's births CBS suppressed itself.
    wijk01 = {value["indicator"]: value for value in data["rows"][1]["cbs"]}
    assert wijk01["geboorte_totaal"] == {"indicator": "geboorte_totaal", "period": 2024, "value": None, "status": "SUPPRESSED"}
    assert wijk01["inwoners"] == {"indicator": "inwoners", "period": 2025, "value": float(kwbfiles.value("86165NED", "WK034401", "AantalInwoners")), "status": "AVAILABLE"}
    assert wijk01["personen_in_armoede"] == {"indicator": "personen_in_armoede", "period": None, "value": None, "status": "UNKNOWN"}

    # A family without a wijk: its own row, hidden; two hidden cells protect each other, so
    # WK034403 is shown again, without its rate (CBS's births of it are known).
    await signal_families(api, utrecht, None, 1)
    data = await monitoring(api, utrecht)
    assert [(row["regionCode"], row["regionType"], row["regionName"], row["cbs"]) for row in data["rows"]][-1] == (None, "WIJK_ONBEKEND", "Wijk onbekend", [])
    assert platform_cells(data, SIGNALS) == {
        "GM0344": (22, False, round(2200 / gemeente_births, 1)),
        "WK034401": (None, True, None),
        "WK034402": (13, False, round(1300 / wijk_births, 1)),
        "WK034403": (6, False, round(600 / births("WK034403"), 1)),
        None: (None, True, None),
    }
    # A year before the 2024 table: no CBS figures, nor work.
    earlier = await monitoring(api, utrecht, 2020)
    assert (earlier["cbsYear"], earlier["birthsYear"]) == (None, None)
    assert platform_cells(earlier, SIGNALS)["WK034402"] == (0, False, None)


async def any_regeling(work) -> Any:
    from sqlalchemy import select

    from plugins.handvat3_toegang.models import Regeling

    return (await work.session.execute(select(Regeling.id).order_by(Regeling.key).limit(1))).scalar_one()


async def test_cbs_only_when_the_other_modules_are_off(api, platform, utrecht: World, tmp_path: Path) -> None:
    await import_cbs(platform, tmp_path)
    await add_wijken(api, utrecht, 1, 2)
    await signal_families(api, utrecht, "WK034402", 6)
    await disable_module(platform, utrecht.slug, "handvat2_signaleren")
    data = await monitoring(api, utrecht)
    assert data["availableSources"] == ["handvat3_toegang"]
    assert {figure["key"] for figure in data["platformFigures"]} == {f"handvat3_toegang.{key}" for key in ("checked", "matched", "referred", "known")}
    assert SIGNALS not in str(data) and data["threshold"] == 10  # handvat 2's own threshold no longer applies
    await disable_module(platform, utrecht.slug, "handvat3_toegang")
    data = await monitoring(api, utrecht)
    assert (data["availableSources"], data["platformFigures"]) == ([], [])
    assert [(row["regionCode"], row["platform"]) for row in data["rows"]] == [("GM0344", []), ("WK034401", []), ("WK034402", [])]
    assert data["rows"][2]["cbs"][0] == {"indicator": "geboorte_totaal", "period": 2024, "value": float(births("WK034402")), "status": "AVAILABLE"}


async def test_another_gemeente_never_sees_these_counts(api, platform, utrecht: World, tmp_path: Path) -> None:
    bosch = await make_world(platform, "GM0796", modules=ALL_MODULES, config={"handvat2_signaleren": {"min_cell_size": 5}})
    await import_cbs(platform, tmp_path)
    await add_wijken(api, utrecht, 1, 1)
    await add_wijken(api, bosch, 1, 1)
    await signal_families(api, utrecht, "WK034401", 7)
    mine = {"GM0344": (7, False, round(700 / births("GM0344"), 1)), "WK034401": (7, False, None)}  # the wijk's births CBS suppressed
    assert platform_cells(await monitoring(api, utrecht), SIGNALS) == mine
    theirs = await monitoring(api, bosch)
    assert [row["regionCode"] for row in theirs["rows"]] == ["GM0796", "WK079601"]
    assert platform_cells(theirs, SIGNALS) == {"GM0796": (0, False, 0.0), "WK079601": (0, False, None)}
    assert theirs["rows"][0]["cbs"][0]["value"] == float(births("GM0796"))
    refused = await api.gql(bosch.slug, MONITORING, {"y": YEAR}, headers={"Authorization": f"Bearer {utrecht.token('analyst')}"})
    assert refused.codes == ["TENANT_MISMATCH"] and refused.data is None


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("coalition_admin", True), ("analyst", True), ("professional", True), ("experience_expert", True),
     ("member", False), ("partner_worker", False), ("privacy_officer", False)],
)  # fmt: skip
async def test_permission_per_role(api, platform, role: str, allowed: bool) -> None:
    world = await make_world(platform, "GM0344", modules=["handvat1_zicht"])
    response = await api.gql(world.slug, MONITORING, {"y": YEAR}, user=world.email(role))
    if allowed:
        assert response.errors == [] and response.data["wijkMonitoring"]["rows"][0]["regionCode"] == "GM0344"
    else:
        assert_error(response, "FORBIDDEN")
        assert (response.data or {}).get("wijkMonitoring") is None


@pytest.mark.parametrize("year", [1999, YEAR + 1, -5])
async def test_a_year_outside_2000_to_now_is_refused(api, platform, year: int) -> None:
    world = await make_world(platform, "GM0344", modules=["handvat1_zicht"])
    assert_error(await api.gql(world.slug, MONITORING, {"y": year}, user=world.email("analyst")), "VALIDATION_FAILED", field="year")
    assert (await monitoring(api, world, 2000))["year"] == 2000


async def test_statements_per_request_do_not_grow_with_the_wijken(api, platform, utrecht: World, tmp_path: Path) -> None:
    async def statements() -> int:
        await api.token(utrecht.slug, utrecht.email("analyst"))
        await platform.identity.keys.refresh(force=True)
        with count_statements(platform) as seen:
            data = await monitoring(api, utrecht)
        assert data["platformFigures"] and all(row["platform"] for row in data["rows"])
        return len(seen)

    await import_cbs(platform, tmp_path, wijken=3)
    await add_wijken(api, utrecht, 1, 3)
    for index in range(1, 4):
        await signal_families(api, utrecht, f"WK03440{index}", 1)
    few = await statements()
    await import_cbs(platform, tmp_path, wijken=12)
    await add_wijken(api, utrecht, 4, 12)
    for index in range(4, 13):
        await signal_families(api, utrecht, f"WK0344{index:02d}", 1)
    await signal_families(api, utrecht, None, 1)
    many = await statements()
    assert many == few


async def client_token(api, platform, world: World, scopes: list[str]) -> str:
    """An API client's access token for the gemeente, granted exactly `scopes`."""
    from core.identity import clients as client_service

    async with platform.session(None) as session:
        created = await client_service.create_client(session, platform.permissions, name=f"Datawarehouse {len(scopes)}", allowed_scopes=scopes)
        await session.commit()
    ok(await api.gql(world.slug, GRANT, {"c": created.client.client_id, "s": scopes}, user=world.email("coalition_admin")))
    response = await api.client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "tenant": world.slug}, auth=(created.client.client_id, created.secret)
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def monitoring_csv(api, world: World, year: str, token: str) -> Any:
    return await api.client.get(
        f"/t/{world.slug}/modules/handvat1_zicht/downloads/table.csv", params={"table": "monitoring", "year": year}, headers={"Authorization": f"Bearer {token}"}
    )


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


async def test_another_modules_counts_need_that_modules_own_permission(api, platform, utrecht: World, tmp_path: Path) -> None:
    await import_cbs(platform, tmp_path)
    await add_wijken(api, utrecht, 1, 2)
    await signal_families(api, utrecht, "WK034401", 6)
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await count_usage(work.session, utrecht.tenant.id, Counter({(await any_regeling(work), "checked", f"{YEAR}-02"): 12}))
        await work.commit()

    # A client granted handvat 1's figures only: the CBS figures, none of handvat 2's or 3's
    # counts, nor their names or thresholds; in the CSV neither.
    token = await client_token(api, platform, utrecht, ["handvat1_zicht.figures.read"])
    data = ok(await api.gql(utrecht.slug, MONITORING, {"y": YEAR}, headers={"Authorization": f"Bearer {token}"}))["wijkMonitoring"]
    assert (data["availableSources"], data["platformFigures"], data["threshold"]) == ([], [], 10)
    assert [(row["regionCode"], row["platform"]) for row in data["rows"]] == [("GM0344", []), ("WK034401", []), ("WK034402", [])]
    assert data["rows"][0]["cbs"][0]["value"] == float(births("GM0344"))
    rows = csv_rows(await monitoring_csv(api, utrecht, str(YEAR), token))
    assert rows and {row["bron"] for row in rows} == {"CBS"}

    # With handvat 2's figures permission too: handvat 2's counts, still not handvat 3's.
    token = await client_token(api, platform, utrecht, ["handvat1_zicht.figures.read", "handvat2_signaleren.figures.read"])
    data = ok(await api.gql(utrecht.slug, MONITORING, {"y": YEAR}, headers={"Authorization": f"Bearer {token}"}))["wijkMonitoring"]
    assert (data["availableSources"], data["threshold"]) == (["handvat2_signaleren"], 5)
    assert {figure["module"] for figure in data["platformFigures"]} == {"handvat2_signaleren"}
    assert platform_cells(data, SIGNALS) == {"GM0344": (6, False, round(600 / births("GM0344"), 1)), "WK034401": (6, False, None), "WK034402": (0, False, 0.0)}
    assert platform_cells(data, CHECKED) == {}
    rows = csv_rows(await monitoring_csv(api, utrecht, str(YEAR), token))
    assert {row["bron"] for row in rows} == {"CBS", "handvat2_signaleren"}
    assert [row["waarde"] for row in rows if row["cijfer"] == SIGNALS and row["gebiedscode"] == "GM0344"] == ["6"]

    # A professional holds handvat 2's figures permission but not handvat 3's usage
    # permission; an analyst holds both.
    professional = await monitoring(api, utrecht, role="professional")
    assert professional["availableSources"] == ["handvat2_signaleren"] and platform_cells(professional, CHECKED) == {}
    assert platform_cells(professional, SIGNALS)["GM0344"][0] == 6
    analyst = await monitoring(api, utrecht, role="analyst")
    assert analyst["availableSources"] == ["handvat2_signaleren", "handvat3_toegang"] and platform_cells(analyst, CHECKED) == {"GM0344": (12, False, None)}


async def test_a_family_signalled_in_two_wijken_is_one_family_of_the_gemeente(api, utrecht: World) -> None:
    await add_wijken(api, utrecht, 1, 3)
    professional = utrecht.email("professional")
    # Four families signalled in wijk 01, then moved to wijk 02 and signalled there: eight
    # signals of four families, fewer than the threshold (5) in each wijk and in the gemeente.
    for index in range(4):
        data = {"localReference": f"VK-M-{index}", "phase": "ZWANGER", "expectedMonth": next_month(), "wijkCode": "WK034401"}
        family = ok(await api.gql(utrecht.slug, REGISTER, {"i": data}, user=professional))["registerFamily"]["family"]["id"]
        signal = {"familyId": family, "worries": ["GELDZORGEN"], "riskFactors": ["financiele_problemen"], "classification": "C"}
        ok(await api.gql(utrecht.slug, SIGNAL, {"i": signal}, user=professional))
        moved = {"id": family, "phase": "ZWANGER", "expectedMonth": next_month(), "wijkCode": "WK034402"}
        ok(await api.gql(utrecht.slug, UPDATE_FAMILY, {"i": moved}, user=professional))
        ok(await api.gql(utrecht.slug, SIGNAL, {"i": signal}, user=professional))

    data = await monitoring(api, utrecht)
    assert platform_cells(data, SIGNALS) == {"GM0344": (None, True, None), "WK034401": (None, True, None), "WK034402": (None, True, None), "WK034403": (0, False, None)}
    # A fifth family: five families over the gemeente, so the total is shown (nine signals).
    await signal_families(api, utrecht, "WK034403", 1)
    data = await monitoring(api, utrecht)
    assert platform_cells(data, SIGNALS) == {"GM0344": (9, False, None), "WK034401": (None, True, None), "WK034402": (None, True, None), "WK034403": (None, True, None)}


def test_a_year_parameter_is_ascii_digits() -> None:
    assert exports.year_parameter({"year": " 2024 "}, "year") == 2024
    for value in ("²", "٢٠٢٤", "2024²", "+2024", "1899"):
        with pytest.raises(ValidationFailed) as refused:
            exports.year_parameter({"year": value}, "year")
        assert refused.value.field == "year"


@pytest.mark.parametrize("year", ["²", "٢٠٢٤", "20²4"])
async def test_the_csv_refuses_a_year_that_is_not_ascii_digits(api, platform, year: str) -> None:
    world = await make_world(platform, "GM0344", modules=["handvat1_zicht"])
    response = await monitoring_csv(api, world, year, world.token("analyst"))
    assert response.status_code == 422, response.text
    assert (response.json()["code"], response.json()["field"]) == ("VALIDATION_FAILED", "year")
    table = await api.client.get(
        f"/t/{world.slug}/modules/handvat1_zicht/downloads/table.csv", params={"table": "wijk-figures", "period": year}, headers=world.headers("analyst")
    )
    assert table.status_code == 422 and (table.json()["code"], table.json()["field"]) == ("VALIDATION_FAILED", "period")
