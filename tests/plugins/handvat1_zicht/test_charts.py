"""Handvat 1's files: charts as PNG and SVG (rendered on the server), CSV exports and the
printable startfoto report. The spec builders are checked as data (a suppressed wijk has no
bar, a trend with a series break is two segments); the files through the download route
(as pictures that open, CSV that parses back, HTML that escapes what people typed), with
bad parameters, another gemeente's ids and each role."""

from __future__ import annotations

import csv
import io
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from core.testing import World, make_world
from core.testing import ok as _ok
from plugins.handvat1_zicht.services import cbs
from plugins.handvat1_zicht.services.charts import Bar, Point, bar_label, render, trend_chart_spec, trend_segments, wijk_chart_spec
from plugins.handvat1_zicht.services.exports import csv_bytes, safe_cell
from tests.plugins.handvat1_zicht import kwbfiles

MODULE = "handvat1_zicht"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
CREATE = "mutation($i: CreateStartfotoInput!) { createStartfoto(input: $i) { startfoto { id } } }"
FOLLOW_UP = "mutation($i: CreateVervolgfotoInput!) { createVervolgfoto(input: $i) { startfoto { id } } }"
FIX = "mutation($i: FixStartfotoInput!) { fixStartfoto(input: $i) { startfoto { id state } } }"
CREATE_WIJK = "mutation($i: CreateWijkInput!) { createWijk(input: $i) { wijk { code } } }"


def ok(response):
    return _ok(response.body)


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def bar_marks(svg: str) -> list[str]:
    """The aria-labels of the bars vl-convert drew (one path per bar)."""
    root = ET.fromstring(svg)
    return [
        element.get("aria-label", "")
        for element in root.iter(f"{SVG_NS}path")
        if element.get("aria-roledescription") == "bar"
    ]


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


# -- the spec builders, as data -------------------------------------------------------------------


def test_wijk_chart_spec_keeps_a_suppressed_wijk_on_the_axis_without_a_bar() -> None:
    bars = [Bar("Binnenstad", 12.5, "available"), Bar(bar_label("Noordoost", "WK034402", None), None, "suppressed"), Bar("Zuid", 0.0, "available")]
    spec = wijk_chart_spec(bars, title="Huishoudens met een laag inkomen per wijk, 2024", unit="%", source="CBS, Kerncijfers wijken en buurten 2024 (85984NED)")
    bar_layer = layers(spec)[0]
    assert bar_layer["mark"]["type"] == "bar"
    assert bar_layer["encoding"]["y"]["scale"]["domain"] == ["Binnenstad", "Noordoost (onbekend)", "Zuid"]
    values = {row["wijk"]: row["waarde"] for row in bar_layer["data"]["values"]}
    assert values == {"Binnenstad": 12.5, "Noordoost (onbekend)": None, "Zuid": 0.0}  # null, not zero; a real zero stays
    assert spec["title"]["subtitle"][1] == "Bron: CBS, Kerncijfers wijken en buurten 2024 (85984NED)"
    svg = render(spec, "svg").decode()
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert "Noordoost (onbekend)" in svg and "Binnenstad" in svg
    marks = bar_marks(svg)
    assert len(marks) == 2
    assert not any("Noordoost" in mark for mark in marks) and any("Binnenstad" in mark for mark in marks)
    png = render(spec, "png")
    width, height = png_size(png)
    assert 800 <= width <= 2000 and 200 <= height <= 1200 and len(png) > 5_000


def test_trend_chart_spec_never_draws_a_line_across_a_series_break() -> None:
    points = [Point("Utrecht", year, value, 1 if year < 2025 else 2) for year, value in [(2022, 11.0), (2023, 10.5), (2024, 9.5), (2025, 14.0), (2026, 13.0)]]
    points += [Point("Wijk 01", year, value, 1) for year, value in [(2022, 12.0), (2023, None), (2024, 11.5)]]
    spec = trend_chart_spec(points, title="Verloop", unit="%", source="CBS", breaks=[2025], break_note="Vanaf 2025 een andere definitie.")
    line = layers(spec)[0]
    assert line["mark"]["type"] == "line" and line["encoding"]["detail"]["field"] == "segment" and line["encoding"]["color"]["field"] == "gebied"
    segments: dict[str, set[str]] = {}
    for row in line["data"]["values"]:
        segments.setdefault(row["gebied"], set()).add(row["segment"])
    assert len(segments["Utrecht"]) == 2  # before and after the break
    assert len(segments["Wijk 01"]) == 2  # the unknown 2023 is no bridge
    before = {row["jaar"] for row in line["data"]["values"] if row["gebied"] == "Utrecht" and row["reeks"] == 1}
    after = {row["jaar"] for row in line["data"]["values"] if row["gebied"] == "Utrecht" and row["reeks"] == 2}
    assert before == {2022, 2023, 2024} and after == {2025, 2026}
    assert all(row["waarde"] is not None for row in line["data"]["values"])
    rule = layers(spec)[1]
    assert rule["mark"]["type"] == "rule" and rule["data"]["values"][0]["breuk"] == 2024.5
    assert any("Reeksbreuk vanaf 2025" in line for line in spec["title"]["subtitle"])
    # Without a break: one segment per region.
    plain = trend_segments([Point("Utrecht", year, 1.0 + year, 1) for year in (2022, 2023, 2024)])
    assert len({row["segment"] for row in plain}) == 1
    svg = render(spec, "svg").decode()
    assert ET.fromstring(svg).tag == f"{SVG_NS}svg" and "reeksbreuk 2025" in svg


def test_csv_cells_are_excel_friendly_and_defused() -> None:
    assert [safe_cell(value) for value in (None, 0.0, 12.5, -1.5, 1234567.0, 3)] == ["", "0", "12,5", "-1,5", "1234567", "3"]
    assert [safe_cell(text) for text in ("=SUM(A1)", "+31", "-2", "@cmd", "\tx", "gewoon")] == ["'=SUM(A1)", "'+31", "'-2", "'@cmd", "'\tx", "gewoon"]
    content = csv_bytes(["titel", "waarde"], [['=HYPERLINK("http://x")', None], ["a;b", 1.5]])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["titel", "waarde"], ['\'=HYPERLINK("http://x")', ""], ["a;b", "1,5"]]


# -- through the download route ---------------------------------------------------------------------


async def import_tables(platform, tmp_path: Path, wijken: int = 3) -> None:
    for table, fmt in (("85618NED", "csv"), ("85984NED", "odata"), ("86165NED", "odata")):
        text = kwbfiles.odata(table, wijken=wijken) if fmt == "odata" else kwbfiles.csv_text(table, wijken=wijken)
        path = kwbfiles.write(tmp_path, f"{table}.{'json' if fmt == 'odata' else 'csv'}", text)
        async with platform.work_as_platform("test") as work:
            await cbs.import_file(work, path)
            await work.commit()


@pytest.fixture
async def worlds(api, platform, tmp_path: Path) -> tuple[World, World]:
    utrecht = await make_world(platform, "GM0344", modules=[MODULE])
    bosch = await make_world(platform, "GM0796", modules=[MODULE])
    for world in (utrecht, bosch):
        for index in range(1, 4):
            code = f"WK{world.tenant.code[2:]}{index:02d}"
            ok(await api.gql(world.slug, CREATE_WIJK, {"i": {"code": code, "name": f"Wijk {index:02d}"}}, user=world.email("coalition_admin")))
    await import_tables(platform, tmp_path)
    return utrecht, bosch


async def download(api, slug: str, module: str, name: str, params: dict | None = None, *, user: str):
    """GET a download as `user` (core.testing's `Api.download`; the suite's own `Api` in
    tests/conftest.py does not have it yet)."""
    if hasattr(api, "download"):
        return await api.download(slug, module, name, params, user=user)
    token = await api.user_token(slug, user)
    return await api.client.get(f"/t/{slug}/modules/{module}/downloads/{name}", params=params or {}, headers={"Authorization": f"Bearer {token}"})


def problem(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body.get("field") == field, body
    return body


async def test_wijk_chart_as_png_and_svg(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    user = utrecht.email("experience_expert")
    png = await download(api, utrecht.slug, MODULE, "wijk-chart", {"indicator": "inwoners", "period": "2024"}, user=user)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    width, height = png_size(png.content)
    assert 800 <= width <= 2000 and 150 <= height <= 1200
    svg = await download(api, utrecht.slug, MODULE, "wijk-chart", {"indicator": "geboorte_totaal", "period": "2024", "format": "svg"}, user=user)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    text = svg.content.decode()
    assert ET.fromstring(text).tag == f"{SVG_NS}svg"
    assert "Wijk 01 (onbekend)" in text and "Wijk 02" in text and "Wijk 03" in text
    assert "Bron: CBS, Kerncijfers wijken en buurten 2024 (85984NED)" in text
    marks = bar_marks(text)
    assert len(marks) == 2 and not any("Wijk 01" in mark for mark in marks)  # the suppressed wijk has no bar
    # Without a period: the latest year.
    latest = await download(api, utrecht.slug, MODULE, "wijk-chart", {"indicator": "inwoners", "format": "svg"}, user=user)
    assert "per wijk, 2025" in latest.content.decode()
    # Bad parameters, each naming the parameter; another gemeente's wijken are never drawn.
    bad = [
        ({"indicator": "inwoners", "format": "gif"}, "format"),
        ({"indicator": "bestaat_niet"}, "indicator"),
        ({}, "indicator"),
        ({"indicator": "inwoners", "period": "twintig"}, "period"),
        ({"indicator": "inwoners", "period": "2010"}, "period"),
        ({"indicator": "inwoners", "startfoto": "geen-id"}, "startfoto"),
    ]
    for params, field in bad:
        problem(await download(api, utrecht.slug, MODULE, "wijk-chart", params, user=user), 422, "VALIDATION_FAILED", field)
    theirs = await download(api, bosch.slug, MODULE, "wijk-chart", {"indicator": "inwoners", "period": "2024", "format": "svg"}, user=bosch.email("analyst"))
    assert "Utrecht" not in theirs.content.decode()
    problem(await download(api, utrecht.slug, MODULE, "wijk-chart", {"indicator": "inwoners"}, user=utrecht.email("partner_worker")), 403, "FORBIDDEN")


async def test_wijk_chart_of_a_startfoto_and_its_tenant(api, platform, worlds, tmp_path: Path) -> None:
    utrecht, bosch = worlds
    made = ok(await api.gql(utrecht.slug, CREATE, {"i": {"title": "Startfoto", "referenceDate": "2024-05-01"}}, user=utrecht.email("analyst")))
    picture = made["createStartfoto"]["startfoto"]["id"]
    svg = await download(api, utrecht.slug, MODULE, "wijk-chart", {"indicator": "inwoners", "startfoto": picture, "format": "svg"}, user=utrecht.email("professional"))
    text = svg.content.decode()
    assert svg.status_code == 200 and "per wijk, 2024" in text and "Startfoto" in text
    problem(await download(api, bosch.slug, MODULE, "wijk-chart", {"indicator": "inwoners", "startfoto": picture}, user=bosch.email("analyst")), 404, "NOT_FOUND", "startfoto")


async def test_trend_chart_with_a_series_break(api, platform, worlds) -> None:
    utrecht, _ = worlds
    user = utrecht.email("analyst")
    params = {"indicator": "huishoudens_sociaal_minimum", "regions": "GM0344,wk034402", "format": "svg"}
    svg = await download(api, utrecht.slug, MODULE, "trend-chart", params, user=user)
    assert svg.status_code == 200, svg.text
    text = svg.content.decode()
    assert ET.fromstring(text).tag == f"{SVG_NS}svg" and "Wijk 02" in text and "reeksbreuk 2025" in text
    png = await download(api, utrecht.slug, MODULE, "trend-chart", {"indicator": "inwoners"}, user=user)
    assert png.status_code == 200 and png.content[:8] == PNG_SIGNATURE
    problem(await download(api, utrecht.slug, MODULE, "trend-chart", {"indicator": "inwoners", "regions": "WK079601"}, user=user), 422, "VALIDATION_FAILED", "regions")
    problem(await download(api, utrecht.slug, MODULE, "trend-chart", {"indicator": "inwoners", "format": "pdf"}, user=user), 422, "VALIDATION_FAILED", "format")


def parse_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv") and response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


async def test_csv_exports(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    admin, reader = utrecht.email("coalition_admin"), utrecht.email("experience_expert")
    rows = parse_csv(await download(api, utrecht.slug, MODULE, "table.csv", {"table": "wijk-figures", "period": "2024"}, user=reader))
    assert {row["jaar"] for row in rows} == {"2024"} and len(rows) == 4 * 5
    births = next(row for row in rows if row["gebiedscode"] == "WK034401" and row["indicator"] == "geboorte_totaal")
    assert births["waarde"] == "" and births["status"] == "suppressed"  # empty, never 0
    zero = next(row for row in rows if row["gebiedscode"] == "WK034402" and row["indicator"] == "geboorte_relatief")
    assert zero["waarde"] == "0" and zero["status"] == "available"
    share = next(row for row in rows if row["gebiedscode"] == "GM0344" and row["indicator"] == "huishoudens_sociaal_minimum")
    assert share["waarde"] == str(kwbfiles.value("85984NED", "GM0344", "HuishOnderOfRondSociaalMinimum")).replace(".", ",")
    assert share["bron"] == "CBS, Kerncijfers wijken en buurten 2024 (85984NED)" and share["cbs_sleutel"] == "HuishOnderOfRondSociaalMinimum_86"

    title = '=HYPERLINK("http://evil.example","klik")'
    start = ok(await api.gql(utrecht.slug, CREATE, {"i": {"title": title, "referenceDate": "2024-05-01"}}, user=admin))["createStartfoto"]["startfoto"]["id"]
    picture_rows = parse_csv(await download(api, utrecht.slug, MODULE, "table.csv", {"table": "startfoto", "id": start}, user=reader))
    assert picture_rows[0]["foto"] == "'" + title and len(picture_rows) == 40
    ok(await api.gql(utrecht.slug, FIX, {"i": {"id": start}}, user=admin))
    follow = ok(await api.gql(utrecht.slug, FOLLOW_UP, {"i": {"baselineId": start, "title": "Vervolg", "referenceDate": "2025-10-01"}}, user=admin))
    follow_id = follow["createVervolgfoto"]["startfoto"]["id"]
    compared = parse_csv(await download(api, utrecht.slug, MODULE, "table.csv", {"table": "comparison", "baseline": start, "followUp": follow_id}, user=reader))
    broken = next(row for row in compared if row["gebiedscode"] == "GM0344" and row["indicator"] == "huishoudens_sociaal_minimum")
    assert broken["verschil"] == "" and broken["reeksbreuk"] == "ja" and "2025" in broken["geen_verschil_omdat"]
    kids = next(row for row in compared if row["gebiedscode"] == "GM0344" and row["indicator"] == "huishoudens_met_kinderen")
    expected = kwbfiles.value("86165NED", "GM0344", "HuishoudensMetKinderen") - kwbfiles.value("85984NED", "GM0344", "HuishoudensMetKinderen")
    assert kids["verschil"] == safe_cell(float(expected)) and kids["reeksbreuk"] == "nee"

    bad = [
        ({"table": "geheim"}, "table"),
        ({}, "table"),
        ({"table": "startfoto"}, "id"),
        ({"table": "wijk-figures", "period": "x"}, "period"),
        ({"table": "comparison", "baseline": start}, "followUp"),
    ]
    for params, field in bad:
        problem(await download(api, utrecht.slug, MODULE, "table.csv", params, user=reader), 422, "VALIDATION_FAILED", field)
    problem(await download(api, bosch.slug, MODULE, "table.csv", {"table": "startfoto", "id": start}, user=bosch.email("analyst")), 404, "NOT_FOUND", "id")
    problem(
        await download(api, bosch.slug, MODULE, "table.csv", {"table": "comparison", "baseline": start, "followUp": follow_id}, user=bosch.email("analyst")),
        404,
        "NOT_FOUND",
        "baseline",
    )


async def test_monitoring_csv(api, platform, worlds) -> None:
    utrecht, _ = worlds
    rows = parse_csv(await download(api, utrecht.slug, MODULE, "table.csv", {"table": "monitoring", "year": "2024"}, user=utrecht.email("analyst")))
    births = next(row for row in rows if row["gebiedscode"] == "WK034401" and row["cijfer"] == "geboorte_totaal")
    assert births["bron"] == "CBS" and births["waarde"] == "" and births["status"] == "suppressed" and births["jaar"] == "2024"
    problem(await download(api, utrecht.slug, MODULE, "table.csv", {"table": "monitoring"}, user=utrecht.email("analyst")), 422, "VALIDATION_FAILED", "year")


async def test_printable_report_escapes_what_people_typed(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    admin = utrecht.email("coalition_admin")
    made = {
        "title": "<script>alert('x')</script> Startfoto",
        "referenceDate": "2024-05-01",
        "wentWell": "Samenwerking <b>verloskundigen</b> & kraamzorg",
        "voices": "Een moeder: \"ik wist niet waar ik heen moest\"",
    }
    start = ok(await api.gql(utrecht.slug, CREATE, {"i": made}, user=admin))["createStartfoto"]["startfoto"]["id"]
    response = await download(api, utrecht.slug, MODULE, "startfoto-report", {"startfoto": start}, user=utrecht.email("experience_expert"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.content.decode()
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Startfoto" in html
    assert "Samenwerking &lt;b&gt;verloskundigen&lt;/b&gt; &amp; kraamzorg" in html and "&quot;ik wist niet waar ik heen moest&quot;" in html
    assert html.count("<svg") >= 2 and "@media print" in html  # the key indicators per wijk, inline
    assert "Verloskundigenpraktijk De Wieg" in html and "Huishoudens met kinderen per wijk, 2024" in html
    assert "geheim" in html  # the suppressed births of wijk 01 in the figures table, never 0
    assert "Vergelijking met de startfoto" not in html
    ok(await api.gql(utrecht.slug, FIX, {"i": {"id": start}}, user=admin))
    follow = ok(await api.gql(utrecht.slug, FOLLOW_UP, {"i": {"baselineId": start, "title": "Vervolg", "referenceDate": "2025-10-01"}}, user=admin))
    follow_id = follow["createVervolgfoto"]["startfoto"]["id"]
    follow_html = (await download(api, utrecht.slug, MODULE, "startfoto-report", {"startfoto": follow_id}, user=admin)).content.decode()
    assert "Vergelijking met de startfoto" in follow_html and "Reeksbreuk vanaf 2025" in follow_html
    problem(await download(api, bosch.slug, MODULE, "startfoto-report", {"startfoto": start}, user=bosch.email("analyst")), 404, "NOT_FOUND", "startfoto")
    problem(await download(api, utrecht.slug, MODULE, "startfoto-report", {}, user=admin), 422, "VALIDATION_FAILED", "startfoto")
