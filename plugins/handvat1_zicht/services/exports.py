"""Every table of handvat 1 as CSV (`table.csv?table=…`): the figures per wijk, a
startfoto, the comparison of a vervolgfoto with its startfoto, and the monitoring.

The files are made for Excel in a Dutch locale, where most people open them: separated by
semicolons (a Dutch Excel reads a comma as the decimal sign), numbers with a decimal
comma, UTF-8 with a byte order mark (without it Excel reads é as Ã©), one header line.
A suppressed or unknown value is an EMPTY cell, with a status column beside it that says
which: never 0. Cells that start with = + - @ (or a tab or carriage return) get a leading
apostrophe, so a title or narrative someone typed cannot run as a formula in a spreadsheet
(CSV injection); negative numbers are written as numbers and are not touched.

Also the parameters every download of handvat 1 shares (`text_parameter`,
`year_parameter`, `startfoto_parameter`): a bad one is a `ValidationFailed` naming the
query parameter."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.plugin import DownloadFile, ValidationFailed, Work
from plugins.handvat1_zicht.models import Startfoto
from plugins.handvat1_zicht.services import figures
from plugins.handvat1_zicht.services import startfoto as pictures

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
DELIMITER = ";"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

WIJK_FIGURES = "wijk-figures"
STARTFOTO = "startfoto"
COMPARISON = "comparison"
MONITORING = "monitoring"


# -- parameters ---------------------------------------------------------------------------------


def text_parameter(parameters: Mapping[str, str], name: str, *, required: bool = False) -> str | None:
    value = (parameters.get(name) or "").strip()
    if not value:
        if required:
            raise ValidationFailed(f"Geef de parameter {name} op.", field=name)
        return None
    return value


def year_parameter(parameters: Mapping[str, str], name: str, *, required: bool = False) -> int | None:
    value = text_parameter(parameters, name, required=required)
    if value is None:
        return None
    # ASCII digits only: str.isdigit() also takes "²" or "٣", which int() refuses or reads.
    if not (value.isascii() and value.isdigit()) or not 1900 <= int(value) <= 2200:
        raise ValidationFailed(f"De parameter {name} is een jaartal, zoals 2024.", field=name)
    return int(value)


async def startfoto_parameter(work: Work, parameters: Mapping[str, str], name: str, *, required: bool = True) -> Startfoto | None:
    """The picture of this gemeente that parameter `name` names (another gemeente's id is
    NOT_FOUND, as an unknown one)."""
    value = text_parameter(parameters, name, required=required)
    if value is None:
        return None
    return await pictures.read_startfoto(work, value, field=name)


async def indicator_parameter(work: Work, parameters: Mapping[str, str], name: str = "indicator", *, required: bool = True) -> figures.IndicatorInfo | None:
    """The indicator (CBS's or the gemeente's own) that parameter `name` names."""
    code = text_parameter(parameters, name, required=required)
    if code is None:
        return None
    found = next((item for item in await figures.indicators(work) if item.code == code), None)
    if found is None:
        raise ValidationFailed("Deze indicator bestaat niet.", field=name)
    return found


def choice_parameter(parameters: Mapping[str, str], name: str, choices: Sequence[str], default: str) -> str:
    value = (text_parameter(parameters, name) or default).lower()
    if value not in choices:
        raise ValidationFailed(f"Kies voor {name} een van: {', '.join(choices)}.", field=name)
    return value


# -- writing ------------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    """A cell as text: numbers with a decimal comma, None empty, text defused against
    formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.10g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))
        return text.replace(".", ",")
    if isinstance(value, dt.datetime | dt.date | uuid.UUID):
        return str(value.isoformat() if not isinstance(value, uuid.UUID) else value)
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=DELIMITER, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def _file(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> DownloadFile:
    return DownloadFile(content=csv_bytes(header, rows), media_type=CSV_MEDIA_TYPE, filename=name)


FIGURE_HEADER = (
    "gebiedscode", "gebiedstype", "gebied", "indicator", "indicatornaam", "jaar", "waarde", "status", "eenheid",
    "bron", "reeks", "cbs_tabel", "cbs_sleutel",
)  # fmt: skip


async def wijk_figures_csv(work: Work, parameters: Mapping[str, str]) -> DownloadFile:
    period = year_parameter(parameters, "period")
    indicator = await indicator_parameter(work, parameters, required=False)
    rows = await figures.wijk_figures(work, indicators=[indicator.code] if indicator else None, periods=[period] if period else None)
    own_sources = {item.code: item.source_description for item in await figures.indicators(work) if item.source == figures.OWN}
    name = "cijfers-per-wijk" + (f"-{indicator.code}" if indicator else "") + (f"-{period}" if period else "") + ".csv"
    return _file(
        name,
        FIGURE_HEADER,
        (
            [
                row.region_code, row.region_type, row.region_name, row.indicator, row.indicator_name, row.period, row.value, row.status, row.unit,
                pictures.cbs_source(row.period, row.table_id) if row.source == figures.CBS else own_sources.get(row.indicator, ""),
                row.series, row.table_id, row.cbs_key,
            ]
            for row in rows
        ),
    )  # fmt: skip


async def startfoto_csv(work: Work, parameters: Mapping[str, str]) -> DownloadFile:
    picture = await startfoto_parameter(work, parameters, "id")
    assert picture is not None
    rows = await pictures.snapshot_figures(work, picture.id)
    return _file(
        f"{picture.kind}-{picture.reference_date.isoformat()}.csv",
        ("foto", "peildatum", "staat", *FIGURE_HEADER),
        (
            [
                picture.title, picture.reference_date, picture.state,
                row.region_code, row.region_type, row.region_name, row.indicator, row.indicator_name, row.period, row.value, row.status,
                row.unit, row.source_description, row.series, row.table_id, row.cbs_key,
            ]
            for row in rows
        ),
    )  # fmt: skip


COMPARISON_HEADER = (
    "gebiedscode", "gebiedstype", "gebied", "indicator", "indicatornaam", "eenheid",
    "jaar_startfoto", "waarde_startfoto", "status_startfoto", "jaar_vervolgfoto", "waarde_vervolgfoto", "status_vervolgfoto",
    "verschil", "verschil_procent", "reeksbreuk", "geen_verschil_omdat",
)  # fmt: skip


async def comparison_csv(work: Work, parameters: Mapping[str, str]) -> DownloadFile:
    text_parameter(parameters, "baseline", required=True)
    text_parameter(parameters, "followUp", required=True)
    comparison = await pictures.compare(work, parameters["baseline"].strip(), parameters["followUp"].strip(), baseline_field="baseline", follow_up_field="followUp")
    return _file(
        f"vergelijking-{comparison.baseline.reference_date.isoformat()}-{comparison.follow_up.reference_date.isoformat()}.csv",
        COMPARISON_HEADER,
        (
            [
                row.region_code, row.region_type, row.region_name, row.indicator, row.indicator_name, row.unit,
                row.baseline_period, row.baseline_value, row.baseline_status, row.follow_up_period, row.follow_up_value, row.follow_up_status,
                row.difference, row.relative_difference, row.break_between, row.reason,
            ]
            for row in comparison.rows
        ),
    )  # fmt: skip


MONITORING_HEADER = ("gebiedscode", "gebiedstype", "gebied", "bron", "cijfer", "cijfernaam", "jaar", "waarde", "status", "per_100_geboorten")


async def monitoring_csv(work: Work, parameters: Mapping[str, str]) -> DownloadFile:
    """The dienende monitoring of a year (`monitoring.wijk_monitoring`), one line per region
    and figure: CBS's figures with their own table year, and the coalition's own work as
    the monitoring disclosed it (a small count suppressed: empty, status suppressed)."""
    from plugins.handvat1_zicht.services import monitoring

    year = year_parameter(parameters, "year", required=True)
    assert year is not None
    view = await monitoring.wijk_monitoring(work, year)
    cbs_names = {item.code: item.name for item in view.cbs_indicators}
    platform_names = {item.key: (item.module, item.name) for item in view.platform_figures}
    rows: list[list[Any]] = []
    for region in view.rows:
        where = [region.region_code, region.region_type, region.region_name]
        rows += [[*where, "CBS", value.indicator, cbs_names.get(value.indicator, value.indicator), value.period, value.value, value.status, None] for value in region.cbs]
        for value in region.platform:
            module, name = platform_names.get(value.figure, ("", value.figure))
            status = "suppressed" if value.suppressed else "available"
            rows.append([*where, module, value.figure, name, view.year, value.count, status, value.rate_per_100_births])
    return _file(f"monitoring-{year}.csv", MONITORING_HEADER, rows)


TABLES = {WIJK_FIGURES: wijk_figures_csv, STARTFOTO: startfoto_csv, COMPARISON: comparison_csv, MONITORING: monitoring_csv}


async def table_csv_file(context: Work, parameters: Mapping[str, str]) -> DownloadFile:
    """`table.csv?table=wijk-figures[&period=…][&indicator=…]`, `table=startfoto&id=…`,
    `table=comparison&baseline=…&followUp=…`, `table=monitoring&year=…`."""
    table = text_parameter(parameters, "table", required=True)
    if table not in TABLES:
        raise ValidationFailed(f"Kies voor table een van: {', '.join(TABLES)}.", field="table")
    return await TABLES[table](context, parameters)  # type: ignore[index]

