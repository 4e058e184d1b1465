"""Handvat 2's work per wijk in a year, for handvat 1's monitoring beside the CBS figures
(the `wijk_activity` hook): signals, families registered, referrals sent, accepted and
completed with a good outcome. Raw counts with the distinct families behind each: the
caller suppresses small cells before anyone sees them.

Counted in the database, three statements whatever the number of wijken (signals,
families, referrals) and one for the wijken. What the figures of handvat 2 count is
counted here too: anonymised families stay in (their wijk, months and referral dates are
kept for exactly this), erased families are gone with their signals and referrals.

Distinct families are never added up: a family signalled in two wijken (it moved) is one
family of the gemeente, so each statement also counts the distinct families over the whole
gemeente (`total_subjects`), and a wijk the gemeente does not know is folded into "wijk
unknown" in SQL, before the families are counted. The figures need handvat 2's own
permission to read (`FIGURES_READ`), also where another module shows them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, bindparam, case, distinct, func, literal_column, null, or_, select, union_all

from core.plugin import ActivityCell, ActivityFigure, UTCDateTime, all_wijken
from plugins.handvat2_signaleren import MODULE_KEY
from plugins.handvat2_signaleren.models import Family, Referral, Signal
from plugins.handvat2_signaleren.permissions import FIGURES_READ
from plugins.handvat2_signaleren.workflows import ReferralState

#: The outcomes of a completed referral that mean the family was helped (also partly, or elsewhere).
GOOD_OUTCOMES = ("geholpen", "deels_geholpen", "elders_geholpen")

SIGNALS = f"{MODULE_KEY}.signals"
FAMILIES_REGISTERED = f"{MODULE_KEY}.families_registered"
REFERRALS_SENT = f"{MODULE_KEY}.referrals_sent"
REFERRALS_ACCEPTED = f"{MODULE_KEY}.referrals_accepted"
REFERRALS_HELPED = f"{MODULE_KEY}.referrals_helped"

#: key -> (name, description, per_births), in the order shown.
FIGURES: dict[str, tuple[str, str, bool]] = {
    SIGNALS: (
        "Signalen",
        "Het aantal signalen dat professionals in het jaar vastlegden, naar de wijk waar het gezin toen woonde; "
        "onderdrukking kijkt naar het aantal verschillende gezinnen.",
        True,
    ),
    FAMILIES_REGISTERED: (
        "Nieuw geregistreerde gezinnen",
        "Het aantal gezinnen dat in het jaar voor het eerst werd vastgelegd, naar hun wijk.",
        True,
    ),
    REFERRALS_SENT: (
        "Verwijzingen verstuurd",
        "Het aantal warme verwijzingen dat in het jaar werd verstuurd, naar de wijk van het gezin.",
        False,
    ),
    REFERRALS_ACCEPTED: (
        "Verwijzingen geaccepteerd",
        "Het aantal verwijzingen dat de ontvangende organisatie in het jaar aannam (ook als ze later werd "
        "afgerond of ingetrokken), naar de wijk van het gezin.",
        False,
    ),
    REFERRALS_HELPED: (
        "Verwijzingen afgerond: gezin geholpen",
        "Het aantal verwijzingen dat in het jaar werd afgerond met de uitkomst geholpen, deels geholpen of "
        "elders geholpen, naar de wijk van het gezin.",
        False,
    ),
}


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January of `year`, 1 January of the next year), in UTC."""
    return dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)


def _within(column: Any, begin: dt.datetime, after: dt.datetime) -> Any:
    """The year as literals in the SQL, not parameters: PostgreSQL then plans for a year's
    rows also when it reuses the plan of a prepared statement (a generic plan guesses a few
    rows and sorts every signal instead of hashing the families)."""
    return and_(column >= _moment(begin), column < _moment(after))


def _moment(value: dt.datetime) -> Any:
    return bindparam(None, value, type_=UTCDateTime, literal_execute=True)


def _count_when(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


async def wijk_activity(session: Any, year: int) -> list[ActivityFigure]:
    """The year's counts per wijk (by wijk id in SQL, named by code afterwards), with the
    distinct families over the whole gemeente. Also a year without any work is an answer:
    zero signals in a wijk is what the view is for.

    Distinct families per wijk are counted in two steps, per (wijk, family) and then per
    wijk, rather than with COUNT(DISTINCT): the database then hashes the families once
    instead of sorting every signal (with 10^5 signals about twice as fast on PostgreSQL).
    The gemeente's distinct families are counted in the same statement: for signals (a
    family can have signals in two wijken) with COUNT(DISTINCT) over the same per-family
    step, a CTE, in a UNION ALL (SQLite knows no GROUPING SETS); for new families and
    referrals, one row per family, as the rows counted (a window over the groups)."""
    begin, after = year_bounds(year)
    codes = {wijk.id: wijk.code for wijk in await all_wijken(session, active_only=False)}
    cells: dict[str, list[tuple[uuid.UUID | None, int, int]]] = {key: [] for key in FIGURES}
    totals: dict[str, int] = dict.fromkeys(FIGURES, 0)

    def signals(merge: bool) -> Any:
        signal_rows = (
            select(_wijk(Signal.wijk_id, codes, merge).label("wijk_id"), Signal.family_id.label("family_id"))
            .where(_within(Signal.recorded_at, begin, after))
            .subquery()
        )
        per_family = (
            select(signal_rows.c.wijk_id, signal_rows.c.family_id, func.count().label("signals"))
            .group_by(signal_rows.c.wijk_id, signal_rows.c.family_id)
            .cte("signals_per_family")
        )
        return _with_gemeente(
            per_family,
            [func.sum(per_family.c.signals), func.count()],
            [null(), func.count(distinct(per_family.c.family_id))],
        )

    for gemeente, wijk_id, count, families in await _rows(session, signals, codes):
        if gemeente:
            totals[SIGNALS] = int(families)
        elif count:
            cells[SIGNALS].append((wijk_id, int(count), int(families)))

    def registered(merge: bool) -> Any:
        # One row per family, so rows counted are distinct families, per wijk and (all
        # rows, a window over the groups) in the gemeente.
        new_families = select(_wijk(Family.wijk_id, codes, merge).label("wijk_id")).where(_within(Family.created_at, begin, after)).subquery()
        return select(
            literal_column("0").label("gemeente"), new_families.c.wijk_id, func.count(), func.sum(func.count()).over()
        ).group_by(new_families.c.wijk_id)

    for _gemeente, wijk_id, count, all_families in await _rows(session, registered, codes):
        totals[FAMILIES_REGISTERED] = int(all_families)
        cells[FAMILIES_REGISTERED].append((wijk_id, int(count), int(count)))

    # Referrals by the wijk the family lives in; accepted as handvat 2's figures count it:
    # answered and not rejected (also when withdrawn or completed afterwards).
    sent = _within(Referral.sent_at, begin, after)
    accepted = and_(_within(Referral.responded_at, begin, after), Referral.state != ReferralState.AFGEWEZEN.value)
    helped = and_(_within(Referral.completed_at, begin, after), Referral.outcome.in_(GOOD_OUTCOMES))
    steps = {REFERRALS_SENT: sent, REFERRALS_ACCEPTED: accepted, REFERRALS_HELPED: helped}

    def referrals(merge: bool) -> Any:
        referral_rows = (
            select(
                _wijk(Family.wijk_id, codes, merge).label("wijk_id"),
                Referral.family_id.label("family_id"),
                *(case((condition, 1), else_=0).label(f"step_{index}") for index, condition in enumerate(steps.values())),
            )
            .join(Family, and_(Family.id == Referral.family_id, Family.tenant_id == Referral.tenant_id))
            .where(or_(*steps.values()))
            .subquery()
        )
        # One row per family (its wijk is the family's own): rows counted are distinct
        # families, per wijk and (all rows, a window over the groups) in the gemeente.
        per_family = (
            select(
                referral_rows.c.wijk_id,
                *(func.sum(referral_rows.c[f"step_{index}"]).label(f"step_{index}") for index in range(len(steps))),
            )
            .group_by(referral_rows.c.wijk_id, referral_rows.c.family_id)
            .subquery()
        )
        numbers = [per_family.c[f"step_{index}"] for index in range(len(steps))]
        return select(
            literal_column("0").label("gemeente"),
            per_family.c.wijk_id,
            *(aggregate for number in numbers for aggregate in (func.sum(number), _count_when(number > 0), func.sum(_count_when(number > 0)).over())),
        ).group_by(per_family.c.wijk_id)

    for _gemeente, wijk_id, *counted in await _rows(session, referrals, codes):
        for index, key in enumerate(steps):
            count, families, all_families = (int(number or 0) for number in counted[3 * index : 3 * index + 3])
            totals[key] = all_families
            if count:
                cells[key].append((wijk_id, count, families))

    return [
        ActivityFigure(
            key=key,
            name=name,
            description=description,
            cells=_by_code(cells[key], codes),
            per_births=per_births,
            permission=FIGURES_READ,
            total_subjects=totals[key],
        )
        for key, (name, description, per_births) in FIGURES.items()
    ]


async def _rows(session: Any, statement: Callable[[bool], Any], codes: dict[uuid.UUID, str]) -> list[Any]:
    """The rows of `statement` by the wijk id as stored; when one is not a wijk of the
    gemeente, again with such ids folded into "wijk unknown" in SQL, so that a family in
    both is counted once. Not expected (a family's wijk is a foreign key and a signal copies
    it), so the usual statement leaves the mapping out: it costs every row an IN test."""
    rows = (await session.execute(statement(False))).all()
    if any(row[1] is not None and row[1] not in codes for row in rows):
        rows = (await session.execute(statement(True))).all()
    return list(rows)


def _wijk(column: Any, codes: dict[uuid.UUID, str], merge: bool) -> Any:
    """The wijk id; with `merge`, NULL ("wijk unknown") for one the gemeente does not know.
    Selected in a subquery and grouped outside it: the GROUP BY then names a column, not
    the expression with its parameters."""
    return case((column.in_(list(codes)), column), else_=null()) if merge else column


def _with_gemeente(source: Any, per_wijk: list[Any], gemeente: list[Any]) -> Any:
    """One statement: a row per wijk (`per_wijk` over `source` grouped by its wijk id) and
    the gemeente's row (`gemeente` over all of `source`), told apart by the first column
    (1: the gemeente)."""
    return union_all(
        select(literal_column("0").label("gemeente"), source.c.wijk_id, *per_wijk).select_from(source).group_by(source.c.wijk_id),
        select(literal_column("1").label("gemeente"), null(), *gemeente).select_from(source),
    )


def _by_code(rows: list[tuple[uuid.UUID | None, int, int]], codes: dict[uuid.UUID, str]) -> tuple[ActivityCell, ...]:
    """One cell per wijk code (a wijk of the gemeente: one id, one code), the unknown wijk
    (None) last."""
    named = [(codes[wijk_id] if wijk_id is not None else None, count, families) for wijk_id, count, families in rows]
    named.sort(key=lambda row: (row[0] is None, row[0] or ""))
    return tuple(ActivityCell(region_code=code, count=count, subjects=min(families, count)) for code, count, families in named)
