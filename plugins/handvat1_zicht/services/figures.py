"""What a gemeente reads of the figures: the indicator catalogue (CBS's and its own) and
the values of its own gemeente and wijken. CBS's figures are national reference data that
every gemeente may read; this service is what keeps each gemeente to its own: every query
is filtered by the gemeente code of the tenant (`work.tenant.code`).

A request costs a fixed number of statements, however many wijken, indicators or periods:
the figures (one), the fields of the tables concerned (one), the own figures (one) and the
wijk names (one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from core.plugin import ValidationFailed, Work, wijken_by_code
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.models import CbsField, CbsFigure, OwnFigure, OwnIndicator

CBS = "cbs"
OWN = "own"
SOURCES = (CBS, OWN)


@dataclass
class IndicatorInfo:
    code: str
    name: str
    unit: str
    definition: str
    source: str  # cbs | own
    source_description: str
    break_before: list[int] = field(default_factory=list)
    break_note: str | None = None
    #: CBS: the tables imported for it, with the field key each uses (the suffix shifts).
    tables: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass
class FigureRow:
    region_code: str
    region_type: str
    region_name: str | None
    indicator: str
    indicator_name: str
    source: str
    period: int
    value: float | None
    status: str
    unit: str
    definition: str
    series: int
    break_before: bool
    table_id: str | None
    cbs_key: str | None


async def indicators(work: Work) -> list[IndicatorInfo]:
    """The catalogue: CBS's indicators (with the tables imported for each) and the
    gemeente's own, CBS's first in catalogue order, then the own ones by code."""
    fields = (await work.session.execute(select(CbsField).order_by(CbsField.period))).scalars().all()
    by_indicator: dict[str, list[CbsField]] = {}
    for row in fields:
        by_indicator.setdefault(row.indicator, []).append(row)
    listed = []
    for indicator in kwb.catalogue().indicators:
        rows = by_indicator.get(indicator.code, [])
        latest = rows[-1] if rows else None
        listed.append(
            IndicatorInfo(
                code=indicator.code,
                name=indicator.name,
                unit=latest.unit if latest else indicator.unit,
                definition=latest.description if latest and latest.description else indicator.definition,
                source=CBS,
                source_description="CBS, Kerncijfers wijken en buurten",
                break_before=list(indicator.break_before),
                break_note=indicator.break_note,
                tables=[(row.table_id, row.period, row.cbs_key) for row in rows],
            )
        )
    own = (await work.session.execute(select(OwnIndicator).order_by(OwnIndicator.code))).scalars().all()
    listed += [
        IndicatorInfo(code=row.code, name=row.name, unit=row.unit, definition=row.definition, source=OWN, source_description=row.source)
        for row in own
    ]
    return listed


def _check_codes(work: Work, wijk_codes: Sequence[str] | None) -> list[str] | None:
    if wijk_codes is None:
        return None
    gemeente = work.tenant.code
    codes = [code.strip().upper() for code in wijk_codes]
    for code in codes:
        if not (code == gemeente or (code.startswith("WK" + gemeente[2:]) and len(code) == 8)):
            raise ValidationFailed("Deze wijkcode hoort niet bij deze gemeente.", field="wijkCodes")
    return codes


async def wijk_figures(
    work: Work,
    *,
    wijk_codes: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    periods: Sequence[int] | None = None,
) -> list[FigureRow]:
    """The figures of the gemeente and its wijken (or of `wijk_codes`: the gemeente's own
    code or its wijk codes), by region, indicator and period. `breakBefore` marks a value
    whose series differs from the period before it: never draw a line across."""
    codes = _check_codes(work, wijk_codes)
    own_rows = (await work.session.execute(select(OwnIndicator))).scalars().all()
    own_by_code = {row.code: row for row in own_rows}
    cbs = kwb.catalogue().by_code
    if indicators is not None:
        unknown = [code for code in indicators if code not in cbs and code not in own_by_code]
        if unknown:
            raise ValidationFailed("Deze indicator bestaat niet.", field="indicators")
    gemeente = work.tenant.code

    statement = select(CbsFigure).where(CbsFigure.gemeente_code == gemeente)
    if codes is not None:
        statement = statement.where(CbsFigure.region_code.in_(codes))
    if indicators is not None:
        statement = statement.where(CbsFigure.indicator.in_([code for code in indicators if code in cbs]))
    if periods is not None:
        statement = statement.where(CbsFigure.period.in_(list(periods)))
    figures = (await work.session.execute(statement)).scalars().all()
    tables = sorted({row.table_id for row in figures})
    fields = {}
    if tables:
        for row in (await work.session.execute(select(CbsField).where(CbsField.table_id.in_(tables)))).scalars():
            fields[(row.table_id, row.indicator)] = row

    rows: list[FigureRow] = []
    for figure in figures:
        indicator = cbs[figure.indicator] if figure.indicator in cbs else None
        meta = fields.get((figure.table_id, figure.indicator))
        rows.append(
            FigureRow(
                region_code=figure.region_code,
                region_type=figure.region_type,
                region_name=None,
                indicator=figure.indicator,
                indicator_name=indicator.name if indicator else figure.indicator,
                source=CBS,
                period=figure.period,
                value=figure.value,
                status=figure.status,
                unit=meta.unit if meta else (indicator.unit if indicator else ""),
                definition=(meta.description if meta and meta.description else (indicator.definition if indicator else "")),
                series=figure.series,
                break_before=False,
                table_id=figure.table_id,
                cbs_key=meta.cbs_key if meta else None,
            )
        )

    wanted_own = [row for row in own_rows if indicators is None or row.code in indicators]
    if wanted_own:
        own_statement = select(OwnFigure).where(OwnFigure.indicator_id.in_([row.id for row in wanted_own]))
        if codes is not None:
            own_statement = own_statement.where(OwnFigure.region_code.in_(codes))
        if periods is not None:
            own_statement = own_statement.where(OwnFigure.period.in_(list(periods)))
        by_id = {row.id: row for row in wanted_own}
        for figure in (await work.session.execute(own_statement)).scalars():
            own = by_id[figure.indicator_id]
            rows.append(
                FigureRow(
                    region_code=figure.region_code,
                    region_type=kwb.GEMEENTE if figure.region_code.startswith("GM") else kwb.WIJK,
                    region_name=None,
                    indicator=own.code,
                    indicator_name=own.name,
                    source=OWN,
                    period=figure.period,
                    value=figure.value,
                    status=figure.status,
                    unit=own.unit,
                    definition=own.definition,
                    series=1,
                    break_before=False,
                    table_id=None,
                    cbs_key=None,
                )
            )

    wijk_codes_found = sorted({row.region_code for row in rows if row.region_type == kwb.WIJK})
    names = await wijken_by_code(work.session, wijk_codes_found) if wijk_codes_found else {}
    order = {indicator.code: position for position, indicator in enumerate(kwb.catalogue().indicators)}
    rows.sort(key=lambda row: (row.region_type != kwb.GEMEENTE, row.region_code, order.get(row.indicator, len(order)), row.indicator, row.period))
    previous: FigureRow | None = None
    for row in rows:
        if row.region_type == kwb.GEMEENTE:
            row.region_name = work.tenant.name
        else:
            wijk = names.get(row.region_code)
            row.region_name = wijk.name if wijk is not None else None
        if previous is not None and (previous.region_code, previous.indicator) == (row.region_code, row.indicator):
            row.break_before = row.series != previous.series
        previous = row
    return rows
