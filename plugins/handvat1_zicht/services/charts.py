"""Charts of the figures, rendered on the server without a browser: a Vega-Lite spec built
with altair (data inline, no pandas) and turned into PNG or SVG by vl-convert.

* `wijk-chart`: a bar per wijk of one indicator in one year (the live figures, or as a
  startfoto holds them). A suppressed or unknown wijk keeps its place on the axis, labelled
  "onbekend", without a bar: never a bar of zero.
* `trend-chart`: one line per region over the years. Each series (and each stretch between
  unknown years) is a line of its own (`detail` on a segment key), so no line crosses a
  series break or bridges a year without a figure; the break is marked and explained.

The spec builders (`wijk_chart_spec`, `trend_chart_spec`) are pure functions of rows, so
what a chart shows is testable without rendering. vl-convert is synchronous and CPU-bound:
it runs in a worker thread, never on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert

from core.plugin import DownloadFile, ValidationFailed, Work
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.services import figures
from plugins.handvat1_zicht.services import startfoto as pictures
from plugins.handvat1_zicht.services.exports import choice_parameter, indicator_parameter, startfoto_parameter, text_parameter, year_parameter

PNG = "png"
SVG = "svg"
FORMATS = (PNG, SVG)
MEDIA_TYPES = {PNG: "image/png", SVG: "image/svg+xml"}
#: More lines than this make a trend chart unreadable.
MAX_TREND_REGIONS = 12
UNKNOWN_LABEL = "onbekend"
BAR_COLOUR = "#2f6f9f"
WIDTH = 520


@dataclass(frozen=True)
class Bar:
    """A wijk in a bar chart: its label and value (None: suppressed or unknown)."""

    label: str
    value: float | None
    status: str


@dataclass(frozen=True)
class Point:
    """A region's figure in a year, with its series."""

    region: str
    period: int
    value: float | None
    series: int


def _number(value: float) -> str:
    text = f"{value:,.1f}" if value != int(value) else f"{int(value):,}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def bar_label(name: str | None, code: str, value: float | None) -> str:
    label = name or code
    return f"{label} ({UNKNOWN_LABEL})" if value is None else label


def wijk_chart_spec(bars: Sequence[Bar], *, title: str, unit: str, source: str, note: str | None = None) -> dict[str, Any]:
    """A horizontal bar per wijk in the order given. Every wijk is in the axis' domain, so
    one without a value keeps its place (labelled "onbekend") while its row in the data
    has a null value: Vega-Lite draws no bar for it, and certainly none of zero."""
    rows = [{"wijk": bar.label, "waarde": bar.value, "status": bar.status} for bar in bars]
    domain = [bar.label for bar in bars]
    subtitle = [f"Eenheid: {unit}", f"Bron: {source}"]
    if any(bar.value is None for bar in bars):
        subtitle.append("Onbekend: het cijfer is geheim of niet bekend (geen nul).")
    if note:
        subtitle.append(note)
    bars_chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(color=BAR_COLOUR)
        .encode(
            y=alt.Y("wijk:N", title=None, sort=domain, scale=alt.Scale(domain=domain), axis=alt.Axis(labelLimit=260)),
            x=alt.X("waarde:Q", title=unit),
            tooltip=[alt.Tooltip("wijk:N"), alt.Tooltip("waarde:Q")],
        )
    )
    labels = (
        alt.Chart(alt.Data(values=[row for row in rows if row["waarde"] is not None]))
        .mark_text(align="left", dx=3, fontSize=10)
        .encode(y=alt.Y("wijk:N", sort=domain, scale=alt.Scale(domain=domain)), x="waarde:Q", text=alt.Text("waarde:Q", format=",.2~f"))
    )
    chart = (
        alt.layer(bars_chart, labels)
        .properties(width=WIDTH, height=alt.Step(22), title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))
        .configure(locale={"number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€", ""]}})
        .configure_view(stroke=None)
    )
    return chart.to_dict()


def trend_segments(points: Sequence[Point]) -> list[dict[str, Any]]:
    """The rows of the line layer: each gets a `segment` that changes at a series break and
    after a year whose value is unknown, so a line never runs across either. Points without a
    value are left out (no line, no dot)."""
    out: list[dict[str, Any]] = []
    by_region: dict[str, list[Point]] = {}
    for point in points:
        by_region.setdefault(point.region, []).append(point)
    for region, listed in by_region.items():
        segment = 0
        previous: Point | None = None
        for point in sorted(listed, key=lambda item: item.period):
            if previous is not None and (point.series != previous.series or previous.value is None):
                segment += 1
            previous = point
            if point.value is None:
                continue
            out.append({"gebied": region, "jaar": point.period, "waarde": point.value, "reeks": point.series, "segment": f"{region} · {segment}"})
    return out


def trend_chart_spec(
    points: Sequence[Point], *, title: str, unit: str, source: str, breaks: Sequence[int] = (), break_note: str | None = None
) -> dict[str, Any]:
    """One line per region (colour), split into segments (`detail`) at series breaks and
    unknown years; a dashed rule marks each break year."""
    rows = trend_segments(points)
    regions = list(dict.fromkeys(point.region for point in points))
    years = sorted({point.period for point in points})
    subtitle = [f"Eenheid: {unit}", f"Bron: {source}"]
    shown_breaks = [year for year in breaks if years and years[0] < year <= years[-1]]
    for year in shown_breaks:
        subtitle.append(f"Reeksbreuk vanaf {year}: de definitie veranderde, de lijn loopt er niet overheen.")
    if shown_breaks and break_note:
        subtitle.append(break_note if len(break_note) <= 160 else break_note[:157] + "…")
    x = alt.X("jaar:Q", title="jaar", axis=alt.Axis(format="d", values=years, labelAngle=0), scale=alt.Scale(domain=[years[0] - 0.3, years[-1] + 0.3] if years else None, nice=False))
    lines = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("waarde:Q", title=unit),
            color=alt.Color("gebied:N", title=None, scale=alt.Scale(domain=regions), legend=alt.Legend(orient="bottom", columns=3)),
            detail=alt.Detail("segment:N"),
            tooltip=[alt.Tooltip("gebied:N"), alt.Tooltip("jaar:Q", format="d"), alt.Tooltip("waarde:Q"), alt.Tooltip("reeks:Q")],
        )
    )
    layers: list[Any] = [lines]
    if shown_breaks:
        marks = [{"breuk": year - 0.5, "tekst": f"reeksbreuk {year}"} for year in shown_breaks]
        layers.append(alt.Chart(alt.Data(values=marks)).mark_rule(strokeDash=[4, 4], color="#888").encode(x=alt.X("breuk:Q")))
        layers.append(
            alt.Chart(alt.Data(values=marks)).mark_text(align="left", dx=4, dy=-4, baseline="top", color="#555", fontSize=10).encode(x=alt.X("breuk:Q"), y=alt.value(0), text="tekst:N")
        )
    chart = (
        alt.layer(*layers)
        .properties(width=WIDTH, height=300, title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))
        .configure(locale={"number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€", ""]}})
        .configure_view(stroke=None)
    )
    return chart.to_dict()


def render(spec: dict[str, Any], fmt: str) -> bytes:
    """The chart as PNG (twice the size, sharp when printed) or SVG: synchronous, call it in a thread."""
    if fmt == PNG:
        return bytes(vl_convert.vegalite_to_png(spec, scale=2))
    return vl_convert.vegalite_to_svg(spec).encode("utf-8")


async def render_async(spec: dict[str, Any], fmt: str) -> bytes:
    return await asyncio.to_thread(render, spec, fmt)


# -- from the figures ---------------------------------------------------------------------------


def _source(indicator: figures.IndicatorInfo, tables: Sequence[tuple[int, str | None]]) -> str:
    """"CBS, Kerncijfers wijken en buurten 2024 (85984NED)" (each table of the chart), or
    the own indicator's source."""
    if indicator.source != figures.CBS:
        return indicator.source_description
    return "CBS, Kerncijfers wijken en buurten " + ", ".join(f"{period} ({table})" if table else str(period) for period, table in tables)


async def wijk_chart_data(work: Work, parameters: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    """The spec of a wijk chart and its file name (without extension)."""
    indicator = await indicator_parameter(work, parameters)
    assert indicator is not None
    period = year_parameter(parameters, "period")
    picture = await startfoto_parameter(work, parameters, "startfoto", required=False)
    rows: list[Any]
    if picture is not None:
        rows = [row for row in await pictures.snapshot_figures(work, picture.id, indicator=indicator.code) if row.region_type == kwb.WIJK]
    else:
        rows = [row for row in await figures.wijk_figures(work, indicators=[indicator.code]) if row.region_type == kwb.WIJK]
    available = sorted({row.period for row in rows})
    if period is None:
        if not available:
            raise ValidationFailed("Er zijn nog geen cijfers per wijk van deze indicator.", field="indicator")
        period = available[-1]
    rows = [row for row in rows if row.period == period]
    if not rows:
        raise ValidationFailed(f"Er zijn geen cijfers per wijk van deze indicator in {period}.", field="period")
    bars = [Bar(bar_label(row.region_name, row.region_code, row.value), row.value, row.status) for row in sorted(rows, key=lambda row: row.region_code)]
    unit = rows[0].unit or indicator.unit
    tables = sorted({(row.period, row.table_id) for row in rows})
    note = f"Zoals vastgelegd in de {picture.kind} '{picture.title}' (peildatum {picture.reference_date:%d-%m-%Y})." if picture is not None else None
    spec = wijk_chart_spec(bars, title=f"{indicator.name} per wijk, {period}", unit=unit, source=_source(indicator, tables), note=note)
    return spec, f"{indicator.code}-per-wijk-{period}"


async def trend_chart_data(work: Work, parameters: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    indicator = await indicator_parameter(work, parameters)
    assert indicator is not None
    gemeente = work.tenant.code
    codes = [code.strip().upper() for code in (text_parameter(parameters, "regions") or gemeente).split(",") if code.strip()]
    if not codes:
        codes = [gemeente]
    if len(codes) > MAX_TREND_REGIONS:
        raise ValidationFailed(f"Kies hoogstens {MAX_TREND_REGIONS} gebieden.", field="regions")
    for code in codes:
        if not (code == gemeente or (len(code) == 8 and code.startswith("WK" + gemeente[2:]))):
            raise ValidationFailed("Dit gebied hoort niet bij deze gemeente (gebruik de gemeentecode of wijkcodes).", field="regions")
    codes = list(dict.fromkeys(codes))
    rows = await figures.wijk_figures(work, wijk_codes=codes, indicators=[indicator.code])
    if not rows:
        raise ValidationFailed("Er zijn geen cijfers van deze indicator voor deze gebieden.", field="regions")
    names = {row.region_code: row.region_name or row.region_code for row in rows}
    order = {code: position for position, code in enumerate(codes)}
    rows.sort(key=lambda row: (order.get(row.region_code, len(order)), row.period))
    points = [Point(names[row.region_code], row.period, row.value, row.series) for row in rows]
    unit = rows[-1].unit or indicator.unit
    years = sorted({row.period for row in rows})
    spec = trend_chart_spec(
        points,
        title=f"{indicator.name}: verloop {years[0]}–{years[-1]}" if len(years) > 1 else f"{indicator.name}: {years[0]}",
        unit=unit,
        source=_source(indicator, sorted({(row.period, row.table_id) for row in rows})),
        breaks=indicator.break_before,
        break_note=indicator.break_note,
    )
    return spec, f"{indicator.code}-verloop"


async def wijk_chart_file(context: Work, parameters: Mapping[str, str]) -> DownloadFile:
    """`wijk-chart?indicator=…&period=…|startfoto=…&format=png|svg`."""
    fmt = choice_parameter(parameters, "format", FORMATS, PNG)
    spec, name = await wijk_chart_data(context, parameters)
    return DownloadFile(content=await render_async(spec, fmt), media_type=MEDIA_TYPES[fmt], filename=f"{name}.{fmt}")


async def trend_chart_file(context: Work, parameters: Mapping[str, str]) -> DownloadFile:
    """`trend-chart?indicator=…&regions=GM…,WK…&format=png|svg`."""
    fmt = choice_parameter(parameters, "format", FORMATS, PNG)
    spec, name = await trend_chart_data(context, parameters)
    return DownloadFile(content=await render_async(spec, fmt), media_type=MEDIA_TYPES[fmt], filename=f"{name}.{fmt}")
