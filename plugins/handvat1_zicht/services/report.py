"""The startfoto (or vervolgfoto) as a printable report: one self-contained HTML page (CSS
inline with a print layout, charts inline as SVG, nothing fetched from elsewhere) that a
browser prints to paper or PDF.

It shows what the picture holds: the narrative sections, bar charts per wijk of a few key
indicators, the figures of the latest period of each indicator with sources and periods,
the partners and the offer; for a vervolgfoto also the comparison with its startfoto. All
text that people typed (title, narrative, names) is escaped: it can never become markup."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from core.plugin import DownloadFile, Work
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import SnapshotFigure, Startfoto
from plugins.handvat1_zicht.services import startfoto as pictures
from plugins.handvat1_zicht.services.charts import SVG, Bar, bar_label, render, wijk_chart_spec
from plugins.handvat1_zicht.services.exports import startfoto_parameter

#: The indicators charted per wijk, in this order, as far as the picture holds them.
KEY_INDICATORS = ("huishoudens_met_kinderen", "huishoudens_laag_inkomen", "huishoudens_sociaal_minimum", "geboorte_totaal", "jongeren_met_jeugdzorg")
MAX_CHARTS = 4

SECTION_TITLES = {
    "went_well": "Wat gaat goed",
    "gaps": "Lacunes",
    "ambitions": "Ambities",
    "voices": "Wat ouders en ervaringsdeskundigen zeiden",
}
STATUS_TEXT = {kwb.SUPPRESSED: "geheim", kwb.UNKNOWN: "onbekend"}
KIND_TEXT = {pictures.STARTFOTO: "Startfoto", pictures.VERVOLGFOTO: "Vervolgfoto"}
STATE_TEXT = {pictures.CONCEPT: "concept", pictures.FIXED: "vastgesteld"}

CSS = """
:root { --ink: #1d2733; --muted: #5b6670; --line: #d5dbe1; --accent: #2f6f9f; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
.meta { color: var(--muted); margin-top: 0; }
.concept { display: inline-block; border: 1px solid #b35c00; color: #b35c00; padding: 0 .4rem; border-radius: 3px; font-size: .85rem; }
.narrative p { white-space: pre-wrap; margin: .2rem 0 1rem; }
.empty { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f1f4f7; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.chart { margin: 1rem 0; page-break-inside: avoid; break-inside: avoid; }
.chart svg { max-width: 100%; height: auto; }
.note { color: var(--muted); font-size: .85rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  h2.new-page { page-break-before: always; break-before: page; }
  tr, .chart { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 15mm; }
"""


def number(value: float | None, status: str | None = None) -> str:
    """A value as a Dutch reader writes it (1.234,5); a missing one says why, never 0."""
    if value is None:
        return STATUS_TEXT.get(status or "", "onbekend")
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def signed(value: float | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + number(value)


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _date(value: dt.date | dt.datetime | None) -> str:
    return value.strftime("%d-%m-%Y") if value is not None else ""


def latest_figures(rows: Sequence[SnapshotFigure]) -> list[SnapshotFigure]:
    """Per region and indicator the figure of the latest period the picture holds."""
    latest: dict[tuple[str, str], SnapshotFigure] = {}
    for row in rows:
        key = (row.region_code, row.indicator)
        if key not in latest or row.period > latest[key].period:
            latest[key] = row
    return [row for row in rows if latest[(row.region_code, row.indicator)] is row]


def chart_specs(rows: Sequence[SnapshotFigure]) -> list[dict[str, Any]]:
    """Bar charts per wijk of the key indicators the picture holds (latest period each),
    then of its other indicators with values (inhabitants, the coalition's own), up to
    `MAX_CHARTS`."""
    specs = []
    others = sorted({row.indicator for row in rows} - set(KEY_INDICATORS))
    for code in (*KEY_INDICATORS, *others):
        wijken = [row for row in rows if row.indicator == code and row.region_type == kwb.WIJK]
        if not wijken or all(row.value is None for row in wijken):
            continue
        period = max(row.period for row in wijken)
        shown = sorted((row for row in wijken if row.period == period), key=lambda row: row.region_code)
        bars = [Bar(bar_label(row.region_name, row.region_code, row.value), row.value, row.status) for row in shown]
        specs.append(wijk_chart_spec(bars, title=f"{shown[0].indicator_name} per wijk, {period}", unit=shown[0].unit, source=shown[0].source_description))
        if len(specs) == MAX_CHARTS:
            break
    return specs


def _narrative(picture: Startfoto) -> str:
    parts = ['<section class="narrative"><h2>Het verhaal van de coalitie</h2>']
    for section, title in SECTION_TITLES.items():
        text = getattr(picture, section)
        parts.append(f"<h3>{_e(title)}</h3>")
        parts.append(f"<p>{_e(text)}</p>" if text else '<p class="empty">Nog niet ingevuld.</p>')
    parts.append("</section>")
    return "".join(parts)


def _figures_table(rows: Sequence[SnapshotFigure]) -> str:
    if not rows:
        return '<p class="empty">Deze foto bevat geen cijfers (er waren er geen tot en met het jaar van de peildatum).</p>'
    body = "".join(
        "<tr>"
        f"<td>{_e(row.region_name or row.region_code)}</td><td>{_e(row.indicator_name)}</td><td>{row.period}</td>"
        f'<td class="number">{_e(number(row.value, row.status))}</td><td>{_e(row.unit)}</td><td>{_e(row.source_description)}</td>'
        "</tr>"
        for row in rows
    )
    return (
        "<table><thead><tr><th>Gebied</th><th>Indicator</th><th>Jaar</th><th>Waarde</th><th>Eenheid</th><th>Bron</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _partners(picture: Startfoto) -> str:
    if not picture.partners:
        return '<p class="empty">Geen actieve partners toen de foto werd gemaakt.</p>'
    items = "".join(f"<tr><td>{_e(item.get('name'))}</td><td>{_e(item.get('type'))}</td></tr>" for item in picture.partners)
    return f"<table><thead><tr><th>Organisatie</th><th>Soort</th></tr></thead><tbody>{items}</tbody></table>"


def _offer(picture: Startfoto) -> str:
    if not picture.offer:
        return '<p class="empty">Geen aanbod vastgelegd (geen module die het aanbod bijhoudt, of nog niets ingevoerd).</p>'
    items = "".join(f"<tr><td>{_e(item.get('name'))}</td><td>{_e(item.get('description'))}</td></tr>" for item in picture.offer)
    return f"<table><thead><tr><th>Aanbod</th><th>Omschrijving</th></tr></thead><tbody>{items}</tbody></table>"


def _comparison(comparison: pictures.Comparison) -> str:
    baseline = comparison.baseline
    body = "".join(
        "<tr>"
        f"<td>{_e(row.region_name or row.region_code)}</td><td>{_e(row.indicator_name)}</td>"
        f'<td class="number">{_e(number(row.baseline_value, row.baseline_status)) if row.baseline_period else ""} <span class="note">{row.baseline_period or ""}</span></td>'
        f'<td class="number">{_e(number(row.follow_up_value, row.follow_up_status)) if row.follow_up_period else ""} <span class="note">{row.follow_up_period or ""}</span></td>'
        f'<td class="number">{_e(signed(row.difference))}{" (" + _e(signed(row.relative_difference)) + " %)" if row.relative_difference is not None else ""}</td>'
        f'<td class="note">{_e(row.reason or "")}</td>'
        "</tr>"
        for row in comparison.rows
    )
    return (
        f'<h2 class="new-page">Vergelijking met de startfoto</h2><p class="meta">Startfoto: {_e(baseline.title)} (peildatum {_date(baseline.reference_date)}). '
        "Per indicator en gebied het laatste cijfer van elke foto. Geen verschil als een cijfer onbekend is of als er een reeksbreuk tussen ligt.</p>"
        "<table><thead><tr><th>Gebied</th><th>Indicator</th><th>Startfoto</th><th>Vervolgfoto</th><th>Verschil</th><th>Toelichting</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def report_html(
    picture: Startfoto, gemeente: str, rows: Sequence[SnapshotFigure], charts: Sequence[str], comparison: pictures.Comparison | None = None
) -> str:
    """The whole page; `charts` are SVG documents (vl-convert's, which escape their text)."""
    kind = KIND_TEXT.get(picture.kind, picture.kind)
    state = STATE_TEXT.get(picture.state, picture.state)
    badge = ' <span class="concept">concept</span>' if picture.state == pictures.CONCEPT else ""
    fixed = f", vastgesteld op {_date(picture.fixed_at)}" if picture.fixed_at else ""
    chart_html = "".join(f'<div class="chart">{svg}</div>' for svg in charts) or '<p class="empty">Geen cijfers per wijk om te tonen.</p>'
    return (
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(kind)}: {_e(picture.title)}</title>'
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>{_e(picture.title)}{badge}</h1>"
        f'<p class="meta">{_e(kind)} van de coalitie Kansrijke Start {_e(gemeente)}, peildatum {_date(picture.reference_date)} ({_e(state)}{fixed}).</p></header>'
        f"{_narrative(picture)}"
        f'<section><h2 class="new-page">De cijfers per wijk</h2>{chart_html}</section>'
        f'<section><h2>Alle cijfers</h2><p class="meta">Per gebied en indicator het laatste jaar dat de foto heeft; alle jaren staan in de CSV-export. '
        "Geheim of onbekend betekent: het cijfer is niet gepubliceerd, het is geen nul.</p>"
        f"{_figures_table(rows)}</section>"
        f"<section><h2>Partners op {_date(picture.created_at.date())}</h2>{_partners(picture)}</section>"
        f"<section><h2>Aanbod op {_date(picture.created_at.date())}</h2>{_offer(picture)}</section>"
        f"{_comparison(comparison) if comparison is not None else ''}"
        "</body></html>"
    )


def _render_all(specs: Sequence[dict[str, Any]]) -> list[str]:
    return [render(spec, SVG).decode("utf-8") for spec in specs]


async def startfoto_report_file(context: Work, parameters: Mapping[str, str]) -> DownloadFile:
    """`startfoto-report?startfoto=…`: the printable HTML report of a picture."""
    picture = await startfoto_parameter(context, parameters, "startfoto")
    assert picture is not None
    rows = await pictures.snapshot_figures(context, picture.id)
    comparison = None
    if picture.kind == pictures.VERVOLGFOTO and picture.baseline_id is not None:
        comparison = await pictures.compare(context, picture.baseline_id, picture.id)
    charts = await asyncio.to_thread(_render_all, chart_specs(rows))
    html = report_html(picture, context.tenant.name, latest_figures(rows), charts, comparison)
    return DownloadFile(content=html.encode("utf-8"), media_type="text/html; charset=utf-8", filename=f"{picture.kind}-{picture.reference_date.isoformat()}.html")
