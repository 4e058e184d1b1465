"""Dienende monitoring: per wijk, CBS's figures beside what the coalition itself did there
in a year (signals, referrals and their outcomes, checks on regelingen), so a coalition
sees where it signals too little for the number of births.

The coalition's own work comes from the other modules through core's `wijk_activity` hook
(no import: a module that is off simply answers nothing, and the view shows what there
is). A figure that names a permission (its module's own figures permission) is left out
for a reader without it, as if the module had not answered: holding handvat 1's figures
permission does not open another module's counts. Every count passes core's small-cell
suppression (`disclose_table`) first, one table per figure: its wijken (and "wijk
onbekend") as rows, protected against the gemeente total too, which is judged by the
module's distinct subjects over the whole gemeente (a family signalled in two wijken is
one family). A rate per 100 births is computed only from a count that is shown.

CBS's figures are read with `figures.wijk_figures`, of the latest table year up to the year
asked for, per indicator (a newer table can lack a field, e.g. births), and each says which
year it is. A request costs a fixed number of statements, whatever the number of wijken:
the hooks' own (a few each), the wijken, the latest CBS year per indicator, the figures
(`wijk_figures`: four) and the threshold of each module that answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select

from core.plugin import ActivityFigure, DisclosedTable, ValidationFailed, Work, all_wijken, disclose_table, disclosure_threshold
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import CbsFigure
from plugins.handvat1_zicht.services import figures as figures_service

#: The CBS indicators shown beside the coalition's work, in this order.
INDICATORS = (
    "geboorte_totaal",
    "geboorte_relatief",
    "inwoners",
    "huishoudens_met_kinderen",
    "huishoudens_laag_inkomen",
    "personen_in_armoede",
)
#: The indicator a rate "per 100 births" divides by.
BIRTHS = "geboorte_totaal"
FIRST_YEAR = 2000
#: The threshold when no module that answered has one of its own (handvat 2's default).
DEFAULT_MIN_CELL_SIZE = 10

GEMEENTE = kwb.GEMEENTE
WIJK = kwb.WIJK
UNKNOWN_WIJK = "wijk_onbekend"
REGION_TYPES = (GEMEENTE, WIJK, UNKNOWN_WIJK)
UNKNOWN_WIJK_NAME = "Wijk onbekend"


@dataclass(frozen=True)
class CbsIndicator:
    code: str
    name: str
    unit: str
    period: int | None  # the table year used; None: no table up to the year has it


@dataclass(frozen=True)
class PlatformFigure:
    key: str
    module: str
    name: str
    description: str
    per_births: bool
    per_wijk: bool  # False: counted for the whole gemeente only


@dataclass(frozen=True)
class CbsValue:
    indicator: str
    period: int | None
    value: float | None
    status: str


@dataclass(frozen=True)
class PlatformValue:
    figure: str
    count: int | None  # None: suppressed
    suppressed: bool
    rate_per_100_births: float | None


@dataclass
class MonitoringRow:
    region_code: str | None
    region_type: str
    region_name: str
    cbs: list[CbsValue] = field(default_factory=list)
    platform: list[PlatformValue] = field(default_factory=list)


@dataclass(frozen=True)
class WijkMonitoring:
    year: int
    cbs_year: int | None  # the latest CBS table year used (each indicator says its own)
    births_year: int | None  # the CBS year of the births the rates divide by
    threshold: int
    cbs_indicators: list[CbsIndicator]
    platform_figures: list[PlatformFigure]
    available_sources: list[str]
    rows: list[MonitoringRow]


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= dt.date.today().year:
        raise ValidationFailed(f"Kies een jaar van {FIRST_YEAR} tot en met dit jaar.", field="year")


def _module_of(figure: ActivityFigure) -> str:
    return figure.key.split(".", 1)[0]


def _readable(work: Work, figure: ActivityFigure) -> bool:
    return figure.permission is None or work.principal.has(figure.permission)


async def _threshold(work: Work, modules: Sequence[str]) -> int:
    """The strictest threshold of the modules whose counts are shown (a module with a
    `min_cell_size` in its configuration, such as handvat 2), else the default; never below
    core's floor."""
    chosen = []
    for key in modules:
        if key in work.enabled_modules:
            value = getattr(await work.module_config(key), "min_cell_size", None)
            if isinstance(value, int):
                chosen.append(value)
    return disclosure_threshold(max(chosen, default=DEFAULT_MIN_CELL_SIZE))


async def _cbs(work: Work, year: int) -> tuple[dict[str, int], dict[tuple[str, str], figures_service.FigureRow]]:
    """Per indicator the latest table year up to `year` that has it for the gemeente, and
    the figures of that year by (region code, indicator)."""
    latest = dict(
        (
            await work.session.execute(
                select(CbsFigure.indicator, func.max(CbsFigure.period))
                .where(CbsFigure.gemeente_code == work.tenant.code, CbsFigure.indicator.in_(INDICATORS), CbsFigure.period <= year)
                .group_by(CbsFigure.indicator)
            )
        ).all()
    )
    if not latest:
        return {}, {}
    rows = await figures_service.wijk_figures(work, indicators=sorted(latest), periods=sorted(set(latest.values())))
    return latest, {(row.region_code, row.indicator): row for row in rows if latest[row.indicator] == row.period}


def _subjects(count: int, subjects: int) -> int:
    """A module's number of distinct subjects, kept possible (1..count when count > 0)."""
    return min(max(subjects, 1), count) if count > 0 else 0


def _rate(count: int | None, births: float | None) -> float | None:
    """Per 100 births: only of a count that is shown, and of births CBS knows."""
    if count is None or births is None or births <= 0:
        return None
    return round(count * 100 / births, 1)


@dataclass
class _Tally:
    """One module figure's counts and distinct subjects per row: the gemeente (work not per
    wijk), a wijk code of the gemeente, or None (wijk unknown)."""

    figure: ActivityFigure
    counts: dict[str | None, int] = field(default_factory=dict)
    subjects: dict[str | None, int] = field(default_factory=dict)

    def add(self, region: str | None, count: int, subjects: int) -> None:
        # Cells that land in one row (a code the gemeente does not know beside "wijk
        # unknown") may share subjects: the larger of their distinct counts is the most that
        # is known for sure, so suppression errs on hiding. Never their sum.
        self.counts[region] = self.counts.get(region, 0) + count
        self.subjects[region] = _subjects(self.counts[region], max(self.subjects.get(region, 0), _subjects(count, subjects)))

    def total_subjects(self) -> int:
        """The figure's distinct subjects over the gemeente, as the module counted them (else
        the sum of its cells': each subject in one cell), kept possible for the rows."""
        parts = list(self.subjects.values())
        if not parts or not sum(self.counts.values()):
            return 0
        given = self.figure.total_subjects
        total = sum(parts) if given is None else given
        return min(max(total, max(parts)), sum(parts), sum(self.counts.values()))

    def per_wijk(self, gemeente: str) -> bool:
        return not self.counts or any(region != gemeente for region in self.counts)


def _disclosed(tally: _Tally, rows: list[str | None], threshold: int) -> DisclosedTable[str | None, str]:
    """The figure as a one-column table, its rows the wijken: small cells hidden, and
    further cells or the gemeente total where a hidden one could be worked out."""
    column = tally.figure.key
    counts, subjects = tally.counts, tally.subjects
    total = tally.total_subjects()
    return disclose_table(
        {(region, column): counts.get(region, 0) for region in rows},
        threshold,
        rows=rows,
        columns=[column],
        contributors={(region, column): subjects.get(region, 0) for region in rows},
        row_contributors={region: subjects.get(region, 0) for region in rows},
        column_contributors={column: total},
        total_contributors=total,
    )


async def wijk_monitoring(work: Work, year: int) -> WijkMonitoring:
    check_year(year)
    session = work.session
    gemeente = work.tenant.code
    # By module (hooks answer in no fixed order), each module's figures in its own order.
    # Only what the reader may see of each module: the rest is not counted, listed or shown.
    answered = await work.hooks.wijk_activity(tenant=work.tenant, year=year, session=session)
    activity = sorted((figure for figure in answered if _readable(work, figure)), key=_module_of)
    wijken = {wijk.code: wijk for wijk in await all_wijken(session, active_only=False)}
    latest, cbs = await _cbs(work, year)
    modules = list(dict.fromkeys(_module_of(figure) for figure in activity))
    threshold = await _threshold(work, modules)

    tallies = []
    for figure in activity:
        tally = _Tally(figure)
        for cell in figure.cells:
            code = cell.region_code
            tally.add(gemeente if code and code.startswith("GM") else (code if code in wijken else None), cell.count, cell.subjects)
        tallies.append(tally)
    counted = {region for tally in tallies for region, count in tally.counts.items() if count}
    # Every active wijk, and an inactive one where work was counted; "wijk onbekend" when some was.
    wijk_codes = sorted({*(code for code, wijk in wijken.items() if wijk.active), *(region for region in counted if region in wijken)})
    unknown_counted = None in counted
    births = {code: row.value for (code, indicator), row in cbs.items() if indicator == BIRTHS}

    platform_figures: list[PlatformFigure] = []
    values: dict[str | None, list[PlatformValue]] = {}
    for tally in tallies:
        figure, per_wijk = tally.figure, tally.per_wijk(gemeente)
        rows: list[str | None] = [*wijk_codes, *([None] if unknown_counted else [])] if per_wijk else []
        if gemeente in tally.counts:
            rows.append(gemeente)  # work not per wijk: a part of the total, not shown on its own
        table = _disclosed(tally, rows, threshold)
        platform_figures.append(PlatformFigure(figure.key, _module_of(figure), figure.name, figure.description, figure.per_births, per_wijk))
        shown = [(gemeente, table.column_totals[figure.key])] + [(region, table.cells[region, figure.key]) for region in rows if region != gemeente]
        for region, cell in shown:
            rate = _rate(cell.value, births.get(region)) if figure.per_births and region is not None else None
            values.setdefault(region, []).append(PlatformValue(figure.key, cell.value, cell.suppressed, rate))

    def cbs_values(code: str) -> list[CbsValue]:
        found = {indicator: cbs.get((code, indicator)) for indicator in INDICATORS}
        return [
            CbsValue(indicator, latest.get(indicator), row.value, row.status) if row else CbsValue(indicator, latest.get(indicator), None, kwb.UNKNOWN)
            for indicator, row in found.items()
        ]

    rows_out = [MonitoringRow(gemeente, GEMEENTE, work.tenant.name, cbs_values(gemeente), values.get(gemeente, []))]
    rows_out += [MonitoringRow(code, WIJK, wijken[code].name, cbs_values(code), values.get(code, [])) for code in wijk_codes]
    if unknown_counted:
        rows_out.append(MonitoringRow(None, UNKNOWN_WIJK, UNKNOWN_WIJK_NAME, [], values.get(None, [])))
    catalogue = kwb.catalogue().by_code
    return WijkMonitoring(
        year=year,
        cbs_year=max(latest.values(), default=None),
        births_year=latest.get(BIRTHS),
        threshold=threshold,
        cbs_indicators=[CbsIndicator(code, catalogue[code].name, catalogue[code].unit, latest.get(code)) for code in INDICATORS],
        platform_figures=platform_figures,
        available_sources=modules,
        rows=rows_out,
    )
