"""Handvat 1: reading and importing CBS's Kerncijfers wijken en buurten (issue 13, part 1).
Parsing needs no database; the import runs in the system context on both backends."""

from __future__ import annotations

import json

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.plugin import ReferenceDataReadOnly, ValidationFailed
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.demo import seed_platform
from plugins.handvat1_zicht.models import CbsField, CbsFigure, CbsImport
from plugins.handvat1_zicht.services import cbs
from tests.core.test_cli import cli_database, kansrijk  # noqa: F401 (cli_database is a fixture)
from tests.plugins.handvat1_zicht import kwbfiles


def figures_of(parsed: kwb.ParsedTable) -> dict[tuple[str, str], tuple[float | None, str]]:
    return {(figure.region_code, figure.indicator): (figure.value, figure.status) for figure in parsed.figures}


# -- parsing --------------------------------------------------------------------------------------------


def test_odata_and_csv_of_the_same_table_give_the_same_figures() -> None:
    from_json = kwb.parse_odata(kwbfiles.odata("85984NED"))
    from_csv = kwb.parse_csv(kwbfiles.csv_text("85984NED"), table="85984NED")
    assert from_json.table_id == from_csv.table_id == "85984NED" and from_json.period == 2024
    assert figures_of(from_json) == figures_of(from_csv)
    assert from_json.regions == from_csv.regions == 8  # 2 gemeenten + 6 wijken


def test_the_suffix_shifts_but_the_indicator_stays() -> None:
    y2023 = kwb.parse_odata(kwbfiles.odata("85618NED"))
    y2024 = kwb.parse_odata(kwbfiles.odata("85984NED"))
    assert y2023.fields["huishoudens_met_kinderen"].key == "HuishoudensMetKinderen_31"
    assert y2024.fields["huishoudens_met_kinderen"].key == "HuishoudensMetKinderen_32"
    assert {f.indicator for f in y2023.figures} == {f.indicator for f in y2024.figures}
    assert kwb.base_key("HuishoudensMetKinderen_32") == "HuishoudensMetKinderen" == kwb.base_key("HuishoudensMetKinderen")


def test_a_dot_is_suppressed_an_empty_cell_unknown_and_zero_stays_zero() -> None:
    parsed = kwb.parse_csv(kwbfiles.csv_text("85984NED"), table="85984NED")
    figures = figures_of(parsed)
    assert figures[("WK034401", "geboorte_totaal")] == (None, kwb.SUPPRESSED)
    assert figures[("WK034402", "geboorte_relatief")] == (0.0, kwb.AVAILABLE)
    assert parsed.skipped.suppressed_cells == 2  # one wijk per gemeente
    text = kwbfiles.csv_text("85984NED").replace('"       ."', '""')
    assert figures_of(kwb.parse_csv(text, table="85984NED"))[("WK034401", "geboorte_totaal")] == (None, kwb.UNKNOWN)
    # In the typed JSON a suppressed cell is null.
    assert figures_of(kwb.parse_odata(kwbfiles.odata("85984NED")))[("WK034401", "geboorte_totaal")] == (None, kwb.SUPPRESSED)


def test_padded_codes_are_stripped_and_what_is_skipped_is_reported() -> None:
    text = kwbfiles.csv_text("85984NED")
    text = text.replace('"WK034403  "', '"          "', 1)  # a region without a code
    parsed = kwb.parse_csv(text, table="85984NED")
    codes = {figure.region_code for figure in parsed.figures}
    assert "GM0344" in codes and "WK034401" in codes and all(code == code.strip() for code in codes)
    assert {figure.gemeente_code for figure in parsed.figures} == {"GM0344", "GM0796"}
    assert parsed.skipped.buurten == 2 and parsed.skipped.other_regions == 1 and parsed.skipped.regions_without_code == 1
    assert parsed.skipped.unknown_fields == ["Mannen_6"]
    assert "bijstand" in parsed.skipped.missing_indicators
    assert any("Mannen_6" in line for line in parsed.skipped.lines())


def test_a_definition_change_is_a_series_break() -> None:
    indicator = kwb.catalogue().by_code["huishoudens_sociaal_minimum"]
    assert (indicator.series_of(2023), indicator.series_of(2024), indicator.series_of(2025)) == (1, 1, 2)
    assert kwb.catalogue().by_code["inwoners"].series_of(2025) == 1


def test_another_table_or_a_mangled_file_is_refused_with_line_or_field() -> None:
    with pytest.raises(kwb.KwbError) as error:  # TableInfos says 2023, asked 2024
        kwb.parse_odata(kwbfiles.odata("85618NED"), table="85984NED")
    assert error.value.field == "table"
    with pytest.raises(kwb.KwbError) as error:  # another CBS table: no WijkenEnBuurten
        kwb.parse_csv('"ID";"RegioS";"Perioden";"TotaleBevolking_1"\r\n"0";"GM0344";"2024JJ00";"361966"\r\n', table="85984NED")
    assert error.value.field == "WijkenEnBuurten" and error.value.line == 1
    with pytest.raises(kwb.KwbError) as error:  # a table that is no KWB table
        kwb.parse_odata(kwbfiles.odata("85984NED", identifier="37296NED"))
    assert error.value.field == "table"
    lines = kwbfiles.csv_text("85984NED").split("\r\n")
    short = "\r\n".join([*lines[:4], lines[4].rsplit(";", 1)[0], *lines[5:]])
    with pytest.raises(kwb.KwbError) as error:
        kwb.parse_csv(short, table="85984NED")
    assert error.value.line == 5
    cells = lines[3].split(";")
    cells[5] = '"twaalf"'  # AantalInwoners_5 of the first wijk
    bad = "\r\n".join([*lines[:3], ";".join(cells), *lines[4:]])
    with pytest.raises(kwb.KwbError) as error:
        kwb.parse_csv(bad, table="85984NED")
    assert (error.value.line, error.value.field) == (4, "AantalInwoners_5")
    for not_a_figure in ('"nan"', '"inf"', '"1e999"'):  # float() takes them; a figure they are not
        cells[5] = not_a_figure
        with pytest.raises(kwb.KwbError) as error:
            kwb.parse_csv("\r\n".join([*lines[:3], ";".join(cells), *lines[4:]]), table="85984NED")
        assert (error.value.line, error.value.field) == (4, "AantalInwoners_5")
    document = json.loads(kwbfiles.odata("85984NED"))
    document["TypedDataSet"]["value"][1]["AantalInwoners_5"] = float("nan")
    with pytest.raises(kwb.KwbError) as error:  # NaN in the JSON (Python's json writes and reads it)
        kwb.parse_odata(json.dumps(document))
    assert error.value.field == "AantalInwoners_5"
    with pytest.raises(kwb.KwbError) as error:
        kwb.parse_odata('{"TypedDataSet": {"value": [\n{"ID": 0,\n}')
    assert error.value.line is not None
    with pytest.raises(kwb.KwbError) as error:  # a CSV without a table id anywhere
        kwb.parse_csv(kwbfiles.csv_text("85984NED"))
    assert error.value.field == "table"
    twice = "\r\n".join([*lines[:5], lines[3], *lines[5:]])  # the first wijk again, as line 6
    with pytest.raises(kwb.KwbError) as error:  # one region twice: which figures count?
        kwb.parse_csv(twice, table="85984NED")
    assert (error.value.line, error.value.field) == (6, "WijkenEnBuurten") and "regel 4" in str(error.value)
    header = lines[0].replace('"Mannen_6"', '"AantalInwoners_6"')  # two fields of one indicator
    with pytest.raises(kwb.KwbError) as error:
        kwb.parse_csv("\r\n".join([header, *lines[1:]]), table="85984NED")
    assert (error.value.line, error.value.field) == (1, "AantalInwoners_6")


def cited_inhabitants() -> dict[str, float]:
    """The inhabitants of 2024 as data/SOURCES.md cites them (its table of region, value pairs)."""
    cited: dict[str, float] = {}
    for line in (kwb.DATA / "SOURCES.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for code, value in zip(cells[::2], cells[1::2], strict=False):
            if code[:2] in ("GM", "WK") and value.isdigit():
                cited[code] = float(value)
    return cited


def test_the_shipped_extract_parses_and_holds_only_cited_numbers() -> None:
    available: dict[tuple[str, str, int], float | None] = {}
    for name in ("85618NED_demo_extract.csv", "85984NED_demo_extract.json"):
        parsed = kwb.parse_file(kwb.DATA / name)
        assert {figure.gemeente_code for figure in parsed.figures} == {"GM0344", "GM0796"}
        assert parsed.regions == 26  # 2 gemeenten, 10 + 14 wijken
        for figure in parsed.figures:
            assert figure.status in (kwb.AVAILABLE, kwb.UNKNOWN), figure
            if figure.status == kwb.AVAILABLE:
                available[(figure.region_code, figure.indicator, parsed.period)] = figure.value
    # Every number in the extract is one that data/SOURCES.md cites (the inhabitants of
    # 2024 of all 26 regions); every other cell is unknown, never an invented number.
    cited = cited_inhabitants()
    assert len(cited) == 26
    assert available == {(code, "inwoners", 2024): value for code, value in cited.items()}
    # CBS rounds wijk counts to fives: the wijken add up to their gemeente within that.
    for gemeente in ("GM0344", "GM0796"):
        wijken = [value for code, value in cited.items() if code.startswith("WK" + gemeente[2:])]
        assert abs(sum(wijken) - cited[gemeente]) <= 5 * len(wijken)


# -- importing ----------------------------------------------------------------------------------------------


async def run_import(platform, path: Path, **options) -> cbs.ImportResult:
    async with platform.work_as_platform("test:import-cbs") as work:
        result = await cbs.import_file(work, path, **options)
        await work.commit()
        return result


async def count(platform, model) -> int:
    async with platform.session(None) as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_import_is_idempotent_and_upserts(platform, tmp_path: Path) -> None:
    path = kwbfiles.write(tmp_path, "85984NED_TypedDataSet.json", kwbfiles.odata("85984NED"))
    first = await run_import(platform, path)
    rows = await count(platform, CbsFigure)
    assert rows == first.figures == 8 * 5  # 8 regions, 5 indicators of the catalogue in the file
    assert (first.written, first.removed) == (rows, 0)
    again = await run_import(platform, path)
    assert await count(platform, CbsFigure) == rows
    assert await count(platform, CbsField) == 5 and await count(platform, CbsImport) == 2
    assert (again.written, again.removed) == (0, 0)  # the same file again writes no figure
    assert "0 nieuw of gewijzigd, 40 ongewijzigd, 0 verwijderd" in again.lines()[0]
    # A corrected file (the country's and GM0344's inhabitants; the country is not kept): the
    # changed value is updated, nothing is duplicated, and the other figures keep the import
    # that last changed them.
    async with platform.session(None) as session:
        first_import = set((await session.execute(select(CbsFigure.import_id).distinct())).scalars())
    path.write_text(kwbfiles.odata("85984NED").replace('"AantalInwoners_5": ', '"AantalInwoners_5": 1', 2), encoding="utf-8")
    corrected = await run_import(platform, path)
    assert await count(platform, CbsFigure) == rows and corrected.written == 1
    async with platform.session(None) as session:
        inwoners = (await session.execute(select(CbsFigure.value).where(CbsFigure.region_code == "GM0344", CbsFigure.indicator == "inwoners"))).scalar_one()
        by_import = dict((await session.execute(select(CbsFigure.import_id, func.count()).group_by(CbsFigure.import_id))).all())
    assert inwoners == float("1" + str(int(kwbfiles.value("85984NED", "GM0344", "AantalInwoners"))))
    assert len(first_import) == 1 and by_import[first_import.pop()] == rows - 1 and sorted(by_import.values()) == [1, rows - 1]
    # A figure's import_id is the import (with its report) that last wrote it.
    async with platform.session(None) as session:
        reports = {id_: report for id_, report in (await session.execute(select(CbsImport.id, CbsImport.report))).all()}
    assert set(by_import) <= set(reports)
    assert sorted((report["written"], report["removed"]) for report in reports.values()) == [(0, 0), (1, 0), (rows, 0)]
    assert reports[min(by_import, key=by_import.get)]["written"] == 1
    # A file with fewer wijken: the figures of the wijken it no longer has go.
    fewer = await run_import(platform, kwbfiles.write(tmp_path, "85984NED_fewer.json", kwbfiles.odata("85984NED", wijken=2)))
    assert fewer.figures < rows and await count(platform, CbsFigure) == fewer.figures and fewer.removed == rows - fewer.figures
    await run_import(platform, path)
    assert await count(platform, CbsFigure) == rows
    # The CSV of 2023 adds its own rows beside 2024's.
    await run_import(platform, kwbfiles.write(tmp_path, "85618NED_UntypedDataSet.csv", kwbfiles.csv_text("85618NED")))
    assert await count(platform, CbsFigure) == rows * 2
    async with platform.session(None) as session:
        series = (await session.execute(select(CbsFigure.series).where(CbsFigure.indicator == "huishoudens_sociaal_minimum").distinct())).scalars().all()
    assert series == [1]


async def test_a_refused_file_imports_nothing(platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await run_import(platform, kwbfiles.write(tmp_path, "85984NED.json", kwbfiles.odata("85984NED")))
    before = await count(platform, CbsFigure)
    lines = kwbfiles.csv_text("85618NED").split("\r\n")
    mangled = "\r\n".join([*lines[:6], lines[6] + ';"extra"', *lines[7:]])
    # Batches of one region: the lines before the mangled one are written before it is read,
    # and go with the transaction.
    monkeypatch.setattr(kwb, "BATCH_SIZE", 1)
    written: list[int] = []
    upsert = cbs.bulk_upsert

    async def counted(*args, **kwargs) -> int:
        written.append(await upsert(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(cbs, "bulk_upsert", counted)
    with pytest.raises(ValidationFailed) as error:
        await run_import(platform, kwbfiles.write(tmp_path, "85618NED.csv", mangled))
    assert "regel 7" in str(error.value)
    assert sum(written) > 0
    with pytest.raises(ValidationFailed) as error:
        await run_import(platform, kwbfiles.write(tmp_path, "other.json", kwbfiles.odata("85618NED")), table="85984NED")
    assert error.value.field == "table"
    assert await count(platform, CbsFigure) == before and await count(platform, CbsImport) == 1


async def test_a_gemeente_cannot_write_the_national_figures(platform) -> None:
    from core.testing import make_world

    world = await make_world(platform, "GM0344", modules=["handvat1_zicht"])
    async with platform.work_as_system(world.slug, "test") as work:
        with pytest.raises(ReferenceDataReadOnly):
            await seed_platform(work)  # type: ignore[arg-type]
        await work.session.rollback()


async def test_the_demo_extract_imports_for_the_demo_gemeenten(platform) -> None:
    async with platform.work_as_platform("test:demo") as work:
        results = await seed_platform(work)
        await work.commit()
    assert [result.table_id for result in results] == ["85618NED", "85984NED"]
    assert await count(platform, CbsFigure) == 2 * 26 * 5


async def test_the_demo_never_replaces_a_table_the_operator_imported(platform, tmp_path: Path) -> None:
    national = kwbfiles.write(tmp_path, "85984NED_TypedDataSet.json", kwbfiles.odata("85984NED", wijken=3))
    await run_import(platform, national)
    before = await count(platform, CbsFigure)
    async with platform.work_as_platform("test:demo") as work:
        results = await seed_platform(work)
        await work.commit()
    assert [result.table_id for result in results] == ["85618NED"]  # 85984NED stays the operator's
    async with platform.session(None) as session:
        sources = dict((await session.execute(select(CbsFigure.table_id, func.count()).group_by(CbsFigure.table_id))).all())
    assert sources["85984NED"] == before and sources["85618NED"] == 26 * 5



def test_the_operator_command_imports_reports_and_refuses(cli_database: str, tmp_path: Path) -> None:  # noqa: F811
    """`kansrijk zicht import-cbs FILE` as the operator runs it: the report, a re-import that
    changes nothing, and a mangled file refused with its line, nothing written."""
    import typer
    from typer.testing import CliRunner

    from core.runtime import ModuleRuntime, installed_module_sources
    from gateway.cli import add_module_commands

    assert kansrijk("migrate")[0] == 0
    runtime = ModuleRuntime(strict=True)
    runtime.load(installed_module_sources())
    commands = typer.Typer()
    add_module_commands(commands, runtime)

    def zicht(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(commands, ["zicht", *args])
        return result.exit_code, result.output

    path = kwbfiles.write(tmp_path, "85984NED_UntypedDataSet.csv", kwbfiles.csv_text("85984NED"))
    code, out = zicht("import-cbs", str(path), "--quiet")
    assert code == 0 and "Tabel 85984NED (2024, csv): 8 regio's, 40 cijfers geïmporteerd (40 nieuw of gewijzigd, 0 ongewijzigd, 0 verwijderd)" in out
    code, out = zicht("import-cbs", str(path), "--quiet")
    assert code == 0 and "(0 nieuw of gewijzigd, 40 ongewijzigd, 0 verwijderd)" in out
    lines = kwbfiles.csv_text("85984NED").split("\r\n")
    twice = kwbfiles.write(tmp_path, "85984NED_twice.csv", "\r\n".join([*lines[:5], lines[3], *lines[5:]]))
    code, out = zicht("import-cbs", str(twice), "--quiet")
    assert code == 1 and "VALIDATION_FAILED" in out and "regel 6" in out and "WK034401" in out
    code, out = zicht("import-cbs", str(path), "--quiet")
    assert code == 0 and "(0 nieuw of gewijzigd, 40 ongewijzigd, 0 verwijderd)" in out  # the refused file changed nothing
