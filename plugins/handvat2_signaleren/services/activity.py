"""Handvat 2's work per wijk in a year, for handvat 1's monitoring beside the CBS figures
(the `wijk_activity` hook): signals, families registered, referrals sent, accepted and
completed with a good outcome. Raw counts with the distinct families behind each: the
caller suppresses small cells before anyone sees them.

Counted in the database, three statements whatever the number of wijken (signals,
families, referrals) and one to name the wijken. What the figures of handvat 2 count is
counted here too: anonymised families stay in (their wijk, months and referral dates are
kept for exactly this), erased families are gone with their signals and referrals."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select

from core.plugin import ActivityCell, ActivityFigure, UTCDateTime, wijken_by_id
from plugins.handvat2_signaleren import MODULE_KEY
from plugins.handvat2_signaleren.models import Family, Referral, Signal
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
    """The year's counts per wijk (by wijk id in SQL, named by code afterwards). Also a year
    without any work is an answer: zero signals in a wijk is what the view is for.

    Distinct families are counted in two steps, per (wijk, family) and then per wijk,
    rather than with COUNT(DISTINCT): the database then hashes the families once instead of
    sorting every signal (with 10^5 signals about twice as fast on PostgreSQL)."""
    begin, after = year_bounds(year)
    cells: dict[str, list[tuple[uuid.UUID | None, int, int]]] = {key: [] for key in FIGURES}

    per_family = (
        select(Signal.wijk_id.label("wijk_id"), func.count().label("signals"))
        .where(_within(Signal.recorded_at, begin, after))
        .group_by(Signal.wijk_id, Signal.family_id)
        .subquery()
    )
    signals = select(per_family.c.wijk_id, func.sum(per_family.c.signals), func.count()).group_by(per_family.c.wijk_id)
    for wijk_id, count, families in (await session.execute(signals)).all():
        cells[SIGNALS].append((wijk_id, int(count), families))

    registered = select(Family.wijk_id, func.count()).where(_within(Family.created_at, begin, after)).group_by(Family.wijk_id)
    for wijk_id, count in (await session.execute(registered)).all():
        cells[FAMILIES_REGISTERED].append((wijk_id, count, count))

    # Referrals by the wijk the family lives in; accepted as handvat 2's figures count it:
    # answered and not rejected (also when withdrawn or completed afterwards).
    sent = _within(Referral.sent_at, begin, after)
    accepted = and_(_within(Referral.responded_at, begin, after), Referral.state != ReferralState.AFGEWEZEN.value)
    helped = and_(_within(Referral.completed_at, begin, after), Referral.outcome.in_(GOOD_OUTCOMES))
    steps = {REFERRALS_SENT: sent, REFERRALS_ACCEPTED: accepted, REFERRALS_HELPED: helped}
    per_family = (
        select(Family.wijk_id.label("wijk_id"), *(_count_when(condition).label(f"step_{index}") for index, condition in enumerate(steps.values())))
        .join(Family, and_(Family.id == Referral.family_id, Family.tenant_id == Referral.tenant_id))
        .where(or_(*steps.values()))
        .group_by(Family.wijk_id, Referral.family_id)
        .subquery()
    )
    numbers = [per_family.c[f"step_{index}"] for index in range(len(steps))]
    referrals = select(
        per_family.c.wijk_id, *(aggregate for number in numbers for aggregate in (func.sum(number), _count_when(number > 0)))
    ).group_by(per_family.c.wijk_id)
    for wijk_id, *counted in (await session.execute(referrals)).all():
        for index, key in enumerate(steps):
            count, families = int(counted[2 * index] or 0), int(counted[2 * index + 1] or 0)
            if count:
                cells[key].append((wijk_id, count, families))

    known = {wijk_id for rows in cells.values() for wijk_id, _, _ in rows if wijk_id is not None}
    codes = {wijk_id: wijk.code for wijk_id, wijk in (await wijken_by_id(session, known)).items()}
    return [
        ActivityFigure(key=key, name=name, description=description, cells=_by_code(cells[key], codes), per_births=per_births)
        for key, (name, description, per_births) in FIGURES.items()
    ]


def _by_code(rows: list[tuple[uuid.UUID | None, int, int]], codes: dict[uuid.UUID, str]) -> tuple[ActivityCell, ...]:
    """One cell per wijk code, the unknown wijk (None) last; a wijk id the gemeente does not
    know counts as unknown. Families of merged groups cannot be told apart any more: their
    distinct count is the sum (at most the count)."""
    merged: dict[str | None, tuple[int, int]] = {}
    for wijk_id, count, families in rows:
        code = codes.get(wijk_id) if wijk_id is not None else None
        before = merged.get(code, (0, 0))
        merged[code] = (before[0] + count, before[1] + families)
    ordered = sorted(merged.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return tuple(ActivityCell(region_code=code, count=count, subjects=min(families, count)) for code, (count, families) in ordered)
