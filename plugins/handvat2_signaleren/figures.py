"""Figures for the coalition: counts of signals and referrals, never a family. A cell with
fewer than the gemeente's threshold (default 10) is suppressed: its count is not given, so
no one can be recognised in a small number."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from core.plugin import Partner, ValidationFailed, Wijk, Work
from plugins.handvat2_signaleren.models import Referral, Signal
from plugins.handvat2_signaleren.permissions import KEY


@dataclass(frozen=True)
class Cell:
    dimensions: dict[str, str]
    count: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Figures:
    period_from: str
    period_to: str
    threshold: int
    signals_by_worry: list[Cell]
    signals_by_classification: list[Cell]
    referrals_by_partner_type_and_state: list[Cell]
    acceptance_rate: float | None
    acceptance_basis: int | None
    median_days_to_first_contact: float | None
    median_days_to_completion: float | None


def _cells(counter: Counter[tuple[str, ...]], families: dict[tuple[str, ...], set[Any]], names: tuple[str, ...], threshold: int) -> list[Cell]:
    """A cell is shown when it concerns at least `threshold` families (one family signalled
    ten times in a small wijk is still one family)."""
    return [
        Cell(dict(zip(names, key, strict=True)), count if len(families[key]) >= threshold else None)
        for key, count in sorted(counter.items())
    ]


def _month(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m}"


def _month_bounds(start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """[first moment of `start`, first moment after `end`), in UTC."""
    year, month = int(end[:4]), int(end[5:])
    after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return dt.datetime(int(start[:4]), int(start[5:]), 1, tzinfo=dt.UTC), after


async def coalition_figures(work: Work, period_from: str | None, period_to: str | None) -> Figures:
    config = await work.module_config(KEY)
    threshold = config.min_cell_size
    today = dt.date.today()
    start = period_from or f"{today.year - 1:04d}-{today.month:02d}"
    end = period_to or f"{today:%Y-%m}"
    for value, field in ((start, "from"), (end, "to")):
        if len(value) != 7 or value[4] != "-" or not value.replace("-", "").isdigit() or not 1 <= int(value[5:]) <= 12:
            raise ValidationFailed("Geef een maand als JJJJ-MM.", field=field)
    if start > end:
        raise ValidationFailed("De periode begint na het einde.", field="from")
    begin, after = _month_bounds(start, end)
    wijken = dict((await work.session.execute(select(Wijk.id, Wijk.name))).all())
    partner_types = dict((await work.session.execute(select(Partner.id, Partner.type))).all())

    signals = (
        await work.session.execute(
            select(Signal.wijk_id, Signal.recorded_at, Signal.worries, Signal.classification, Signal.family_id).where(
                Signal.recorded_at >= begin, Signal.recorded_at < after
            )
        )
    ).all()
    by_worry: Counter[tuple[str, ...]] = Counter()
    by_class: Counter[tuple[str, ...]] = Counter()
    worry_families: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    class_families: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    for row in signals:
        wijk, month = wijken.get(row.wijk_id, "onbekend"), _month(row.recorded_at)
        for worry in row.worries:
            by_worry[(wijk, month, worry)] += 1
            worry_families[(wijk, month, worry)].add(row.family_id)
        by_class[(wijk, month, row.classification)] += 1
        class_families[(wijk, month, row.classification)].add(row.family_id)

    referrals = list(
        (await work.session.execute(select(Referral).where(Referral.sent_at >= begin, Referral.sent_at < after))).scalars()
    )
    first_signal = dict(
        (
            await work.session.execute(
                select(Signal.family_id, func.min(Signal.recorded_at))
                .where(Signal.family_id.in_({row.family_id for row in referrals}))
                .group_by(Signal.family_id)
            )
        ).all()
    )
    by_partner: Counter[tuple[str, ...]] = Counter()
    partner_families: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    for row in referrals:
        key = (_month(row.sent_at), partner_types.get(row.to_partner_id, "overig"), row.state, row.outcome or "")
        by_partner[key] += 1
        partner_families[key].add(row.family_id)
    # Accepted: answered and not rejected (also when withdrawn or finished afterwards).
    accepted = sum(1 for row in referrals if row.responded_at is not None and row.state != "afgewezen")
    rejected = sum(1 for row in referrals if row.state == "afgewezen")
    answered = accepted + rejected
    to_contact = [
        (row.started_at - first_signal[row.family_id]).total_seconds() / 86400
        for row in referrals
        if row.started_at and row.family_id in first_signal
    ]
    to_completion = [
        (row.completed_at - first_signal[row.family_id]).total_seconds() / 86400
        for row in referrals
        if row.completed_at and row.family_id in first_signal
    ]

    # Totals over a period the caller chooses: rounded, so that comparing two overlapping
    # periods does not give away the exact difference (statistical disclosure control).
    def median(values: list[float]) -> float | None:
        return float(round(statistics.median(values))) if len(values) >= threshold else None

    return Figures(
        period_from=start,
        period_to=end,
        threshold=threshold,
        signals_by_worry=_cells(by_worry, worry_families, ("wijk", "month", "worry"), threshold),
        signals_by_classification=_cells(by_class, class_families, ("wijk", "month", "classification"), threshold),
        referrals_by_partner_type_and_state=_cells(by_partner, partner_families, ("month", "partner_type", "state", "outcome"), threshold),
        acceptance_rate=round(accepted / answered * 20) / 20 if answered >= threshold else None,
        acceptance_basis=5 * round(answered / 5) if answered >= threshold else None,
        median_days_to_first_contact=median(to_contact),
        median_days_to_completion=median(to_completion),
    )
