"""Figures for the coalition: counts of signals and referrals, never a family. A cell with
fewer families than the gemeente's threshold (default 10, never below 5) is suppressed: its
count is not given, so no one can be recognised in a small number. Each table is protected
per month against its own totals (per row, per column, over the month) with core's
small-cell suppression: where one hidden cell could be computed from a total and the other
cells, further cells are hidden too (complementary suppression)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from core.plugin import ValidationFailed, Work, all_partners, all_wijken, disclose_table, disclosure_threshold
from plugins.handvat2_signaleren.models import Referral, Signal
from plugins.handvat2_signaleren import MODULE_KEY


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


Key = tuple[str, ...]
Layout = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # positions in a key: table, row, column


def _cells(counter: Counter[Key], families: dict[Key, set[Any]], names: tuple[str, ...], threshold: int, layout: Layout) -> list[Cell]:
    """The cells of `counter`, each a number of signals or referrals, in key order. A cell is
    shown when it concerns at least `threshold` families (one family signalled ten times in a
    small wijk is still one family), and when it cannot be computed from the totals.

    `layout` cuts a key into the table it belongs to (a month), its row and its column, e.g.
    wijk x worry per month; every table is protected against its row, column and grand totals,
    which a reader may know from elsewhere or add up from another table here."""

    def part(key: Key, positions: tuple[int, ...]) -> Key:
        return tuple(key[position] for position in positions)

    def distinct(selected: Iterable[Key]) -> int:
        return len(set().union(*(families[key] for key in selected)))

    tables: dict[Key, dict[tuple[Key, Key], Key]] = defaultdict(dict)
    for key in counter:
        tables[part(key, layout[0])][part(key, layout[1]), part(key, layout[2])] = key
    cells: dict[Key, Cell] = {}
    for keys in tables.values():
        rows, columns = sorted({row for row, _ in keys}), sorted({column for _, column in keys})
        disclosed = disclose_table(
            {cell: counter[key] for cell, key in keys.items()},
            threshold,
            rows=rows,
            columns=columns,
            contributors={cell: len(families[key]) for cell, key in keys.items()},
            row_contributors={row: distinct(key for (r, _), key in keys.items() if r == row) for row in rows},
            column_contributors={column: distinct(key for (_, c), key in keys.items() if c == column) for column in columns},
            total_contributors=distinct(keys.values()),
        )
        # A combination without signals is not listed: its count is 0, and a zero is never hidden.
        for (row, column), key in keys.items():
            cells[key] = Cell(dict(zip(names, key, strict=True)), disclosed.cells[row, column].value)
    return [cells[key] for key in sorted(cells)]


def _month(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m}"


def _month_bounds(start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """[first moment of `start`, first moment after `end`), in UTC."""
    year, month = int(end[:4]), int(end[5:])
    after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return dt.datetime(int(start[:4]), int(start[5:]), 1, tzinfo=dt.UTC), after


async def coalition_figures(work: Work, period_from: str | None, period_to: str | None) -> Figures:
    config = await work.module_config(MODULE_KEY)
    threshold = disclosure_threshold(config.min_cell_size)
    today = dt.date.today()
    start = period_from or f"{today.year - 1:04d}-{today.month:02d}"
    end = period_to or f"{today:%Y-%m}"
    for value, field in ((start, "from"), (end, "to")):
        if len(value) != 7 or value[4] != "-" or not value.replace("-", "").isdigit() or not 1 <= int(value[5:]) <= 12:
            raise ValidationFailed("Geef een maand als JJJJ-MM.", field=field)
    if start > end:
        raise ValidationFailed("De periode begint na het einde.", field="from")
    begin, after = _month_bounds(start, end)
    wijken = {wijk.id: wijk.name for wijk in await all_wijken(work.session, active_only=False)}
    partner_types = {partner.id: partner.type for partner in await all_partners(work.session, active_only=False)}

    signals = (
        await work.session.execute(
            select(Signal.wijk_id, Signal.recorded_at, Signal.worries, Signal.classification, Signal.family_id).where(
                Signal.recorded_at >= begin, Signal.recorded_at < after
            )
        )
    ).all()
    by_worry: Counter[Key] = Counter()
    by_class: Counter[Key] = Counter()
    worry_families: dict[Key, set[Any]] = defaultdict(set)
    class_families: dict[Key, set[Any]] = defaultdict(set)
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
    by_partner: Counter[Key] = Counter()
    partner_families: dict[Key, set[Any]] = defaultdict(set)
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
        # Per month: wijk x worry, wijk x classification, partner type x (state, outcome).
        signals_by_worry=_cells(by_worry, worry_families, ("wijk", "month", "worry"), threshold, ((1,), (0,), (2,))),
        signals_by_classification=_cells(by_class, class_families, ("wijk", "month", "classification"), threshold, ((1,), (0,), (2,))),
        referrals_by_partner_type_and_state=_cells(
            by_partner, partner_families, ("month", "partner_type", "state", "outcome"), threshold, ((0,), (1,), (2, 3))
        ),
        acceptance_rate=round(accepted / answered * 20) / 20 if answered >= threshold else None,
        acceptance_basis=5 * round(answered / 5) if answered >= threshold else None,
        median_days_to_first_contact=median(to_contact),
        median_days_to_completion=median(to_completion),
    )
