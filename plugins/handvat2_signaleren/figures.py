"""Figures for the coalition: counts of signals and referrals, never a family. A cell with
fewer families than the gemeente's threshold (default 10, never below 5) is suppressed: its
count is not given, so no one can be recognised in a small number. Each table is protected
per month against its own totals (per row, per column, over the month) with core's
small-cell suppression: where one hidden cell could be computed from a total and the other
cells, further cells are hidden too (complementary suppression).

The counting happens in the database: per table one statement groups the period's signals
(or referrals) by cell, and counts the distinct families per cell, per row, per column and per
month (a UNION ALL of four GROUP BYs over one CTE: SQLite has no GROUPING SETS), and one more
reads the moments behind the two medians, one row per referral that was started or
completed. Only those aggregates come to Python, where the suppression is applied. The
number of statements does not depend on the data."""

from __future__ import annotations

import datetime as dt
import functools
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, and_, bindparam, case, cast, distinct, func, literal, literal_column, null, or_, select, true, tuple_, type_coerce, union_all

from core.plugin import UTCDateTime, ValidationFailed, Work, all_partners, all_wijken, disclose_table, disclosure_threshold
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

#: The wijk of a signal without one (or of a wijk that no longer exists), and the type of a
#: partner that is not known.
UNKNOWN_WIJK = "onbekend"
OTHER_PARTNER_TYPE = "overig"
REJECTED = "afgewezen"


def _part(key: Key, positions: tuple[int, ...]) -> Key:
    return tuple(key[position] for position in positions)


@dataclass
class _Grouped:
    """One table's counts: per cell the number of signals (or referrals) and of distinct
    families, and the distinct families per (table, row), per (table, column) and per table."""

    counts: dict[Key, int] = field(default_factory=dict)
    contributors: dict[Key, int] = field(default_factory=dict)
    row_contributors: dict[tuple[Key, Key], int] = field(default_factory=dict)
    column_contributors: dict[tuple[Key, Key], int] = field(default_factory=dict)
    total_contributors: dict[Key, int] = field(default_factory=dict)


def _disclosed_cells(grouped: _Grouped, names: tuple[str, ...], threshold: int, layout: Layout) -> list[Cell]:
    """The cells of `grouped`, each a number of signals or referrals, in key order. A cell is
    shown when it concerns at least `threshold` families (one family signalled ten times in a
    small wijk is still one family), and when it cannot be computed from the totals.

    `layout` cuts a key into the table it belongs to (a month), its row and its column, e.g.
    wijk x worry per month; every table is protected against its row, column and grand totals,
    which a reader may know from elsewhere or add up from another table here."""
    tables: dict[Key, dict[tuple[Key, Key], Key]] = defaultdict(dict)
    for key in grouped.counts:
        tables[_part(key, layout[0])][_part(key, layout[1]), _part(key, layout[2])] = key
    cells: dict[Key, Cell] = {}
    for table, keys in tables.items():
        rows, columns = sorted({row for row, _ in keys}), sorted({column for _, column in keys})
        disclosed = disclose_table(
            {cell: grouped.counts[key] for cell, key in keys.items()},
            threshold,
            rows=rows,
            columns=columns,
            contributors={cell: grouped.contributors[key] for cell, key in keys.items()},
            row_contributors={row: grouped.row_contributors[table, row] for row in rows},
            column_contributors={column: grouped.column_contributors[table, column] for column in columns},
            total_contributors=grouped.total_contributors[table],
        )
        # A combination without signals is not listed: its count is 0, and a zero is never hidden.
        for (row, column), key in keys.items():
            cells[key] = Cell(dict(zip(names, key, strict=True)), disclosed.cells[row, column].value)
    return [cells[key] for key in sorted(cells)]


def _cells(counter: Counter[Key], families: Mapping[Key, set[Any]], names: tuple[str, ...], threshold: int, layout: Layout) -> list[Cell]:
    """`_disclosed_cells` of counts and the set of families behind each key, counted here
    (the figures themselves are counted by the database, see `_grouped_statement`)."""
    grouped = _Grouped(counts=dict(counter), contributors={key: len(families[key]) for key in counter})
    rows: dict[tuple[Key, Key], set[Any]] = defaultdict(set)
    columns: dict[tuple[Key, Key], set[Any]] = defaultdict(set)
    totals: dict[Key, set[Any]] = defaultdict(set)
    for key in counter:
        table = _part(key, layout[0])
        rows[table, _part(key, layout[1])] |= families[key]
        columns[table, _part(key, layout[2])] |= families[key]
        totals[table] |= families[key]
    grouped.row_contributors = {part: len(units) for part, units in rows.items()}
    grouped.column_contributors = {part: len(units) for part, units in columns.items()}
    grouped.total_contributors = {part: len(units) for part, units in totals.items()}
    return _disclosed_cells(grouped, names, threshold, layout)


def _month_bounds(start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """[first moment of `start`, first moment after `end`), in UTC."""
    year, month = int(end[:4]), int(end[5:])
    after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return dt.datetime(int(start[:4]), int(start[5:]), 1, tzinfo=dt.UTC), after


# -- the statements ---------------------------------------------------------------------------


def _sql_within(column: Any, begin: dt.datetime, after: dt.datetime) -> tuple[Any, Any]:
    """[begin, after) with the moments as literals in the SQL, not parameters (as
    services/activity.py does): PostgreSQL then plans for the period's rows also when it
    reuses a prepared statement, instead of a generic plan that guesses a few rows."""
    return (
        column >= bindparam(None, begin, type_=UTCDateTime, literal_execute=True),
        column < bindparam(None, after, type_=UTCDateTime, literal_execute=True),
    )


def _sql_month(column: Any, dialect: str) -> Any:
    """The month of a timestamp, in UTC. PostgreSQL stores a timestamptz: grouped by the
    first moment of the month (`date_trunc`, written as "YYYY-MM" by `_month_text`), which
    costs the database a sixth less than grouping by the text of `to_char` (measured over
    10^5 signals). SQLite stores the UTC moment as text ("2026-01-31 23:30:00.000000", see
    core's UTCDateTime) and gives "YYYY-MM" itself."""
    if dialect == "postgresql":
        return func.date_trunc(literal_column("'month'"), func.timezone(literal_column("'UTC'"), column))
    return func.strftime(literal_column("'%Y-%m'"), column)


@functools.lru_cache(maxsize=1024)
def _month_text(value: dt.datetime) -> str:
    """"YYYY-MM" of a month PostgreSQL grouped by (an answer has a few, on thousands of rows)."""
    return f"{value:%Y-%m}"


def _sql_elements(column: Any, dialect: str) -> Any:
    """The elements of a JSON list (JSONB on PostgreSQL), one row each, as column `value`."""
    elements = func.jsonb_array_elements_text if dialect == "postgresql" else func.json_each
    return elements(column).table_valued("value")


def _sql_by_name(column: Any, names: Mapping[uuid.UUID, str], fallback: str) -> tuple[Any, Callable[[Any], str]]:
    """`column` (an id) as a key that stands for a name, and the name of such a key.

    The figures are per name (of a wijk, or the type of a partner), and several ids can have
    the same name: their families are counted once over all of them, so the database must
    group them as one. Ids that share a name get the smallest of them as their key; an id
    with a name of its own is its own key; every other id (NULL, an id that is not known, or
    one named `fallback`) gets NULL, which stands for `fallback`."""
    ids_by_name: dict[str, list[uuid.UUID]] = defaultdict(list)
    for id_, name in names.items():
        ids_by_name[name].append(id_)
    name_of: dict[Any, str] = {}
    alone: list[uuid.UUID] = []
    whens: list[tuple[Any, Any]] = []
    for name, ids in sorted(ids_by_name.items()):
        if name == fallback:
            continue  # the ELSE below
        ids.sort()
        name_of[ids[0]] = name
        if len(ids) == 1:
            alone.append(ids[0])
        else:
            whens.append((column.in_(ids), literal(ids[0], column.type)))
    if alone:
        whens.append((column.in_(alone), column))
    key = case(*whens, else_=null()) if whens else null()
    return type_coerce(key, column.type), lambda value: name_of.get(value, fallback)


def _grouped_statement(keyed: Any, names: tuple[str, ...], layout: Layout, dialect: str, *sums: str) -> Any:
    """One statement over `keyed` (a CTE with the columns `names`, `family_id` and `sums`):
    per cell (all of `names`) the number of rows and of distinct families, and the distinct
    families per row, per column and per table of `layout`. The column `level` says which one
    a result row is; the key columns that are not grouped are NULL.

    PostgreSQL groups them in one pass (GROUPING SETS, `grouping()` telling the levels apart,
    since a key may itself be NULL); SQLite, which has no grouping sets, in a UNION ALL of
    one GROUP BY per level."""
    table, row, column = ({names[position] for position in positions} for positions in layout)
    levels = (("cell", table | row | column), ("row", table | row), ("column", table | column), ("table", table))
    measures = (
        func.count().label("count"),
        func.count(distinct(keyed.c.family_id)).label("families"),
        *(func.sum(keyed.c[total]).label(total) for total in sums),
    )
    if dialect == "postgresql":
        keys = [keyed.c[key] for key in names]
        # grouping(k1, ..., kn): a bit per key, the first the most significant, set when the
        # key is not grouped in that set.
        masks = {sum(1 << (len(names) - 1 - index) for index, key in enumerate(names) if key not in grouped): name for name, grouped in levels}
        sets = [tuple_(*(keyed.c[key] for key in names if key in grouped)) for _name, grouped in levels]
        return select(
            case(masks, value=func.grouping(*keys)).label("level"),
            *keys,
            *(cast(measure, BigInteger).label(measure.name) for measure in measures),
        ).group_by(func.grouping_sets(*sets))

    def level(name: str, grouped: set[str]) -> Any:
        return select(
            literal_column(f"'{name}'").label("level"),
            *(keyed.c[key] if key in grouped else null().label(key) for key in names),
            *measures,
        ).group_by(*(keyed.c[key] for key in names if key in grouped))

    return union_all(*(level(name, grouped) for name, grouped in levels))


async def _grouped(
    work: Work, keyed: Any, names: tuple[str, ...], layout: Layout, decode: Mapping[str, Callable[[Any], str]], *sums: str
) -> tuple[_Grouped, dict[str, int]]:
    """The counts of a table (`_grouped_statement`), the keys decoded to names, and the
    totals of the `sums` columns over its cells."""
    grouped, totals = _Grouped(), dict.fromkeys(sums, 0)
    plain: Callable[[Any], Any] = lambda value: value  # noqa: E731
    statement = _grouped_statement(keyed, names, layout, work.session.bind.dialect.name, *sums)
    for result in await work.session.execute(statement):
        level, values = result[0], result[1 : 1 + len(names)]
        key = tuple(decode.get(name, plain)(value) for name, value in zip(names, values, strict=True))
        count, families = result[1 + len(names)], result[2 + len(names)]
        table = _part(key, layout[0])
        if level == "cell":
            grouped.counts[key], grouped.contributors[key] = count, families
            for index, name in enumerate(sums):
                totals[name] += result[3 + len(names) + index]
        elif level == "row":
            grouped.row_contributors[table, _part(key, layout[1])] = families
        elif level == "column":
            grouped.column_contributors[table, _part(key, layout[2])] = families
        else:
            grouped.total_contributors[table] = families
    return grouped, totals


def _days(since: Sequence[tuple[dt.datetime | None, dt.datetime | None]]) -> list[float]:
    return [(moment - first).total_seconds() / 86400 for moment, first in since if moment and first is not None]


async def coalition_figures(work: Work, period_from: str | None, period_to: str | None) -> Figures:
    config = await work.module_config(MODULE_KEY)
    threshold = disclosure_threshold(config.min_cell_size)
    today = dt.date.today()
    start = period_from or f"{today.year - 1:04d}-{today.month:02d}"
    end = period_to or f"{today:%Y-%m}"
    for value, field_name in ((start, "from"), (end, "to")):
        if len(value) != 7 or value[4] != "-" or not value.replace("-", "").isdigit() or not 1 <= int(value[5:]) <= 12:
            raise ValidationFailed("Geef een maand als JJJJ-MM.", field=field_name)
    if start > end:
        raise ValidationFailed("De periode begint na het einde.", field="from")
    begin, after = _month_bounds(start, end)
    dialect = work.session.bind.dialect.name
    wijk, wijk_name = _sql_by_name(
        Signal.wijk_id, {wijk.id: wijk.name for wijk in await all_wijken(work.session, active_only=False)}, UNKNOWN_WIJK
    )
    partner_type, type_name = _sql_by_name(
        Referral.to_partner_id,
        {partner.id: partner.type for partner in await all_partners(work.session, active_only=False)},
        OTHER_PARTNER_TYPE,
    )
    signals_in_period = _sql_within(Signal.recorded_at, begin, after)
    referrals_in_period = _sql_within(Referral.sent_at, begin, after)
    signal_month = _sql_month(Signal.recorded_at, dialect).label("month")
    as_names: dict[str, Callable[[Any], str]] = {"month": _month_text} if dialect == "postgresql" else {}

    # Per month: wijk x worry (a signal counts once for each worry it names), wijk x
    # classification, partner type x (state, outcome).
    worries = _sql_elements(Signal.worries, dialect)
    by_worry = (
        select(wijk.label("wijk"), signal_month, worries.c.value.label("worry"), Signal.family_id)
        .select_from(Signal)
        .join(worries, true())
        .where(*signals_in_period)
        .cte("signal_worries")
    )
    by_class = (
        select(wijk.label("wijk"), signal_month, Signal.classification.label("classification"), Signal.family_id)
        .where(*signals_in_period)
        .cte("signal_classifications")
    )
    # Accepted: answered and not rejected (also when withdrawn or finished afterwards).
    accepted = case((and_(Referral.responded_at.is_not(None), Referral.state != REJECTED), 1), else_=0)
    by_partner = (
        select(
            _sql_month(Referral.sent_at, dialect).label("month"),
            partner_type.label("partner_type"),
            Referral.state.label("state"),
            func.coalesce(Referral.outcome, literal_column("''")).label("outcome"),
            Referral.family_id,
            accepted.label("accepted"),
        )
        .where(*referrals_in_period)
        .cte("referral_states")
    )
    worry_names, class_names = ("wijk", "month", "worry"), ("wijk", "month", "classification")
    partner_names = ("month", "partner_type", "state", "outcome")
    wijk_layout: Layout = ((1,), (0,), (2,))
    partner_layout: Layout = ((0,), (1,), (2, 3))
    worry_counts, _ = await _grouped(work, by_worry, worry_names, wijk_layout, {**as_names, "wijk": wijk_name})
    class_counts, _ = await _grouped(work, by_class, class_names, wijk_layout, {**as_names, "wijk": wijk_name})
    partner_counts, sums = await _grouped(
        work, by_partner, partner_names, partner_layout, {**as_names, "partner_type": type_name}, "accepted"
    )
    rejected = sum(count for key, count in partner_counts.counts.items() if key[2] == REJECTED)
    answered = sums["accepted"] + rejected

    # The moments behind the medians: per referral that was started or completed, from the
    # family's first signal (of any time).
    first_signal = (
        select(func.min(Signal.recorded_at)).where(Signal.family_id == Referral.family_id).correlate(Referral).scalar_subquery()
    )
    moments = (
        await work.session.execute(
            select(Referral.started_at, Referral.completed_at, first_signal.label("first_signal")).where(
                *referrals_in_period, or_(Referral.started_at.is_not(None), Referral.completed_at.is_not(None))
            )
        )
    ).all()
    to_contact = _days([(row.started_at, row.first_signal) for row in moments])
    to_completion = _days([(row.completed_at, row.first_signal) for row in moments])

    # Totals over a period the caller chooses: rounded, so that comparing two overlapping
    # periods does not give away the exact difference (statistical disclosure control).
    def median(values: list[float]) -> float | None:
        return float(round(statistics.median(values))) if len(values) >= threshold else None

    return Figures(
        period_from=start,
        period_to=end,
        threshold=threshold,
        signals_by_worry=_disclosed_cells(worry_counts, worry_names, threshold, wijk_layout),
        signals_by_classification=_disclosed_cells(class_counts, class_names, threshold, wijk_layout),
        referrals_by_partner_type_and_state=_disclosed_cells(partner_counts, partner_names, threshold, partner_layout),
        acceptance_rate=round(sums["accepted"] / answered * 20) / 20 if answered >= threshold else None,
        acceptance_basis=5 * round(answered / 5) if answered >= threshold else None,
        median_days_to_first_contact=median(to_contact),
        median_days_to_completion=median(to_completion),
    )
