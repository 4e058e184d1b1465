"""Handvat 1's API: each gemeente reads only its own gemeente and wijken of the national
figures, a coalition uploads its own indicator (and is refused with the field on bad
input), permissions per role, and a constant number of statements per request."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.testing import World, count_statements, make_world
from core.testing import assert_error as _assert_error
from core.testing import ok as _ok


def ok(response):
    return _ok(response.body)


def assert_error(response, code, field=None):
    return _assert_error(response.body, code, field)
from plugins.handvat1_zicht.services import cbs
from tests.plugins.handvat1_zicht import kwbfiles

FIGURES = """query($w: [String!], $i: [String!], $p: [Int!]) {
  wijkFigures(wijkCodes: $w, indicators: $i, periods: $p, first: 100) {
    totalCount nodes { regionCode regionType regionName indicator period value status series breakBefore tableId cbsKey source unit }
  }
}"""
INDICATORS = "{ indicators(first: 100) { totalCount nodes { code source unit breakBefore tables { tableId period cbsKey } } } }"
UPLOAD = "mutation($i: ImportOwnIndicatorInput!) { importOwnIndicator(input: $i) { imported indicator { code source definition } } }"
CREATE_WIJK = "mutation($i: CreateWijkInput!) { createWijk(input: $i) { wijk { code } } }"


async def import_tables(platform, tmp_path: Path, tables: dict[str, str], wijken: int = 3) -> None:
    for table, fmt in tables.items():
        text = kwbfiles.odata(table, wijken=wijken) if fmt == "odata" else kwbfiles.csv_text(table, wijken=wijken)
        path = kwbfiles.write(tmp_path, f"{table}.{'json' if fmt == 'odata' else 'csv'}", text)
        async with platform.work_as_platform("test") as work:
            await cbs.import_file(work, path)
            await work.commit()


@pytest.fixture
async def worlds(platform) -> tuple[World, World]:
    utrecht = await make_world(platform, "GM0344", modules=["handvat1_zicht"])
    bosch = await make_world(platform, "GM0796", modules=["handvat1_zicht"])
    return utrecht, bosch


async def add_wijken(api, world: World, count: int) -> None:
    for index in range(1, count + 1):
        code = f"WK{world.tenant.code[2:]}{index:02d}"
        ok(await api.gql(world.slug, CREATE_WIJK, {"i": {"code": code, "name": f"Wijk {index:02d}"}}, user=world.email("coalition_admin")))


async def test_each_gemeente_sees_only_its_own_figures(api, platform, worlds, tmp_path: Path) -> None:
    utrecht, bosch = worlds
    await import_tables(platform, tmp_path, {"85618NED": "csv", "85984NED": "odata", "86165NED": "odata"})
    await add_wijken(api, utrecht, 3)
    data = ok(await api.gql(utrecht.slug, FIGURES, user=utrecht.email("professional")))["wijkFigures"]
    codes = {node["regionCode"] for node in data["nodes"]}
    assert codes == {"GM0344", "WK034401", "WK034402", "WK034403"}
    gemeente = next(node for node in data["nodes"] if node["regionCode"] == "GM0344")
    assert gemeente["regionType"] == "GEMEENTE" and gemeente["regionName"] == utrecht.tenant.name
    wijk = next(node for node in data["nodes"] if node["regionCode"] == "WK034401" and node["indicator"] == "geboorte_totaal")
    assert wijk["status"] == "SUPPRESSED" and wijk["value"] is None and wijk["regionName"] == "Wijk 01"
    # 's-Hertogenbosch sees its own, nothing of Utrecht; asking for Utrecht's wijk is refused.
    theirs = ok(await api.gql(bosch.slug, FIGURES, user=bosch.email("professional")))["wijkFigures"]["nodes"]
    assert {node["regionCode"][:6] for node in theirs} == {"GM0796", "WK0796"}
    assert_error(await api.gql(bosch.slug, FIGURES, {"w": ["WK034401"]}, user=bosch.email("professional")), "VALIDATION_FAILED", field="wijkCodes")
    # Utrecht's token at 's-Hertogenbosch's endpoint: refused before anything runs.
    refused = await api.gql(bosch.slug, FIGURES, headers={"Authorization": f"Bearer {utrecht.token('professional')}"})
    assert refused.codes == ["TENANT_MISMATCH"] and refused.data is None
    # The suffix moved, the indicator is the same; the 2025 break is marked.
    series = ok(await api.gql(utrecht.slug, FIGURES, {"w": ["GM0344"], "i": ["huishoudens_sociaal_minimum", "huishoudens_met_kinderen"]}, user=utrecht.email("analyst")))
    nodes = series["wijkFigures"]["nodes"]
    kids = [(node["period"], node["cbsKey"]) for node in nodes if node["indicator"] == "huishoudens_met_kinderen"]
    assert kids == [(2023, "HuishoudensMetKinderen_31"), (2024, "HuishoudensMetKinderen_32"), (2025, "HuishoudensMetKinderen_33")]
    minimum = [(node["period"], node["series"], node["breakBefore"]) for node in nodes if node["indicator"] == "huishoudens_sociaal_minimum"]
    assert minimum == [(2023, 1, False), (2024, 1, False), (2025, 2, True)]
    listed = ok(await api.gql(utrecht.slug, INDICATORS, user=utrecht.email("experience_expert")))["indicators"]["nodes"]
    entry = next(node for node in listed if node["code"] == "huishoudens_met_kinderen")
    assert [table["cbsKey"] for table in entry["tables"]] == ["HuishoudensMetKinderen_31", "HuishoudensMetKinderen_32", "HuishoudensMetKinderen_33"]
    assert next(node for node in listed if node["code"] == "huishoudens_sociaal_minimum")["breakBefore"] == [2025]
    assert_error(await api.gql(utrecht.slug, FIGURES, {"i": ["bestaat_niet"]}, user=utrecht.email("analyst")), "VALIDATION_FAILED", field="indicators")


def upload(**changes) -> dict:
    return {
        "code": "jgz_bereik",
        "name": "Bereik JGZ",
        "definition": "Het percentage kinderen van 0 tot 4 jaar dat het consultatiebureau bezocht.",
        "source": "JGZ-registratie",
        "unit": "%",
        "period": 2024,
        "csv": "wijkcode;waarde\nWK034401;91,5\nWK034402;.\nGM0344;88\n",
        **changes,
    }


async def test_own_indicator_upload_and_its_bad_input(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    await add_wijken(api, utrecht, 2)
    analyst = utrecht.email("analyst")
    data = ok(await api.gql(utrecht.slug, UPLOAD, {"i": upload()}, user=analyst))["importOwnIndicator"]
    assert data["imported"] == 3 and data["indicator"]["source"] == "OWN"
    ok(await api.gql(utrecht.slug, UPLOAD, {"i": upload()}, user=utrecht.email("coalition_admin")))  # again: replaced, not added
    nodes = ok(await api.gql(utrecht.slug, FIGURES, {"i": ["jgz_bereik"]}, user=utrecht.email("professional")))["wijkFigures"]["nodes"]
    assert {(node["regionCode"], node["value"], node["status"]) for node in nodes} == {
        ("WK034401", 91.5, "AVAILABLE"), ("WK034402", None, "SUPPRESSED"), ("GM0344", 88.0, "AVAILABLE")
    }
    # Another gemeente does not see it.
    assert ok(await api.gql(bosch.slug, FIGURES, {"i": None}, user=bosch.email("professional")))["wijkFigures"]["totalCount"] == 0
    bad = [
        (upload(definition="  "), "input.definition"),
        (upload(definition=""), "input.definition"),
        (upload(code="Niet Goed"), "input.code"),
        (upload(code="inwoners"), "input.code"),
        (upload(period=1800), "input.period"),
        (upload(csv="wijkcode;waarde\nWK079601;12\n"), "input.csv"),  # a wijk of another gemeente
        (upload(csv="wijkcode;waarde\nWK034409;12\n"), "input.csv"),  # a wijk the gemeente does not have
        (upload(csv="code,getal\nWK034401,1\n"), "input.csv"),  # wrong header
        (upload(csv="wijkcode;waarde\nWK034401;1;2\n"), "input.csv"),  # mangled line
        (upload(csv="wijkcode;waarde\nWK034401;veel\n"), "input.csv"),
        (upload(csv="wijkcode;waarde\nWK034401;nan\n"), "input.csv"),  # float() takes it; a value it is not
        (upload(csv="wijkcode;waarde\nWK034401;1e999\n"), "input.csv"),
        (upload(csv="wijkcode;waarde\nWK034401;1\nWK034401;2\n"), "input.csv"),
        (upload(csv="wijkcode;waarde\n"), "input.csv"),
    ]
    for given, field in bad:
        given = {**given, "code": given["code"] if given["code"] != "jgz_bereik" else "kwetsbaarheid"}
        assert_error(await api.gql(utrecht.slug, UPLOAD, {"i": given}, user=analyst), "VALIDATION_FAILED", field=field)
    refused = await api.gql(utrecht.slug, UPLOAD, {"i": upload(code="kwetsbaarheid", csv="wijkcode;waarde\nWK034401;1\nWK079601;2\n")}, user=analyst)
    assert refused.errors[0]["extensions"].get("line") == 3
    listed = ok(await api.gql(utrecht.slug, INDICATORS, user=analyst))["indicators"]["nodes"]
    assert [node["code"] for node in listed if node["source"] == "OWN"] == ["jgz_bereik"]  # nothing of the refused uploads


@pytest.mark.parametrize(
    ("role", "read", "edit"),
    [
        ("coalition_admin", True, True),
        ("analyst", True, True),
        ("professional", True, False),
        ("experience_expert", True, False),
        ("partner_worker", False, False),
        ("privacy_officer", False, False),
    ],
)
async def test_permissions_per_role(api, platform, worlds, role: str, read: bool, edit: bool) -> None:
    utrecht, _ = worlds
    await add_wijken(api, utrecht, 1)
    response = await api.gql(utrecht.slug, INDICATORS, user=utrecht.email(role))
    assert (response.errors == []) is read, response.body
    if not read:
        assert_error(response, "FORBIDDEN")
    response = await api.gql(utrecht.slug, UPLOAD, {"i": upload(csv="wijkcode;waarde\nWK034401;1\n")}, user=utrecht.email(role))
    assert (response.errors == []) is edit, response.body


async def test_statements_per_request_do_not_grow_with_the_wijken(api, platform, worlds, tmp_path: Path) -> None:
    utrecht, _ = worlds

    async def statements() -> int:
        await api.token(utrecht.slug, utrecht.email("analyst"))
        await platform.identity.keys.refresh(force=True)
        with count_statements(platform) as seen:
            ok(await api.gql(utrecht.slug, FIGURES, user=utrecht.email("analyst")))
        return len(seen)

    await add_wijken(api, utrecht, 2)
    await import_tables(platform, tmp_path, {"85984NED": "odata"}, wijken=2)
    ok(await api.gql(utrecht.slug, UPLOAD, {"i": upload(csv="wijkcode;waarde\nWK034401;1\n")}, user=utrecht.email("analyst")))
    few = await statements()
    await add_wijken_more(api, utrecht, 3, 12)
    await import_tables(platform, tmp_path, {"85984NED": "odata"}, wijken=12)
    many = await statements()
    assert many == few


async def add_wijken_more(api, world: World, start: int, end: int) -> None:
    for index in range(start, end + 1):
        code = f"WK{world.tenant.code[2:]}{index:02d}"
        ok(await api.gql(world.slug, CREATE_WIJK, {"i": {"code": code, "name": f"Wijk {index:02d}"}}, user=world.email("coalition_admin")))
