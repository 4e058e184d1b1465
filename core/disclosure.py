"""Small-cell suppression for every count a module publishes (statistical disclosure control).

A figure that counts families, children or people can point at one of them when the count is
small ("2 families in Noord with classification D"). Before a module publishes a table of
counts, it passes the table through this helper; the helper says, per cell and per total,
whether it may be shown and, if not, why. It is pure (no database, no I/O) and deterministic.

How to call it
--------------

One dimension (counts per wijk, with the total over all wijken)::

    from core.plugin import disclose_list

    figures = disclose_list({"Noord": 12, "Zuid": 3, "Oost": 17}, threshold=config.min_cell_size)
    figures.cells["Zuid"]  # DisclosedCell(value=None, reason=Suppression.SMALL)
    figures.cells["Noord"]  # DisclosedCell(value=None, reason=Suppression.COMPLEMENTARY)
    figures.cells["Oost"]  # DisclosedCell(value=17, reason=None)
    figures.total  # DisclosedCell(value=32, reason=None)

Two dimensions (wijk x label, with row, column and grand totals)::

    from core.plugin import disclose_table

    table = disclose_table({("Noord", "A"): 12, ("Noord", "B"): 3, ("Zuid", "A"): 8, ...}, threshold)
    table.cells["Noord", "B"], table.row_totals["Noord"], table.column_totals["A"], table.total

The helper computes the totals itself, as sums of the cells. Every cell of rows x columns is
in the result (a combination that is not in the mapping counts 0). Publish `cell.value` (None
when suppressed) and `cell.suppressed`; do **not** publish `cell.reason`: knowing which hidden
cell is the small one narrows it down. The threshold the helper used is `result.threshold`;
publish that one.

When one unit can be counted more than once (one family signalled ten times is still one
family), pass `contributors`: the number of distinct units behind each cell and, then
required, behind each total. The threshold applies to contributors; the value shown is the
count.

What it guarantees
------------------

- **Threshold.** The tenant chooses its threshold (a module config field, e.g.
  `min_cell_size: int = Field(default=10, ge=MIN_CELL_SIZE_FLOOR)`), but it is never below
  `MIN_CELL_SIZE_FLOOR` (5). A lower value given to the helper is *raised* to 5, not refused:
  refusing belongs to the config model (`INVALID_CONFIG` when the gemeente sets it), and a
  figure page must not break, nor publish below the floor, because of an old stored value.
- **Primary suppression.** A cell or total with 0 < contributors < threshold is hidden
  (reason `small`). Zero is always shown: "nobody" identifies no one, and hiding zeros
  would only make the figures poorer. Nor is a zero ever used to protect another cell: a
  hidden zero protects little (the hidden cells then add up to just the small one, and
  the small one's largest possible value is its real value), and it is never needed.
- **Complementary suppression.** No hidden value can be computed exactly from what is
  shown: not from one row or column ("total minus the other cells"), and not by combining
  several rows and columns (in 2-D, hiding the next-smallest cell of each line until no line
  has one hidden cell is not enough; see the note in the code). Where needed, further cells,
  or a total where that hides less, are hidden (reason `complementary`), choosing the
  smallest counts; this is a cheap heuristic, not the least possible loss. A total below the
  threshold is hidden like any cell.
- **Its own totals only.** A table is protected against its own row, column and grand
  totals (assume those are known, published by you or not). Other sums the reader may know
  are not known to this call: the same counts per month and per year, per wijk and per
  postcode, or a count of signals next to a table of worries where one signal names several
  worries. Publish such a breakdown as a table of its own only if the combination cannot
  give a cell away, or leave it out.
- The guarantee is about exact recovery; a hidden cell can still be bounded ("between 1
  and 4"). The values shown are the exact counts.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Generic, TypeVar

__all__ = [
    "MIN_CELL_SIZE_FLOOR",
    "DisclosedCell",
    "DisclosedList",
    "DisclosedTable",
    "Suppression",
    "disclose_list",
    "disclose_table",
    "disclosure_threshold",
]

MIN_CELL_SIZE_FLOOR: Final = 5
"""The platform-wide floor: no tenant can publish a count of fewer than 5 units."""

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)
H = TypeVar("H", bound=Hashable)


class Suppression(StrEnum):
    """Why a cell is hidden."""

    SMALL = "small"  # fewer contributors than the threshold (and more than none)
    COMPLEMENTARY = "complementary"  # hidden so that another hidden cell cannot be computed


@dataclass(frozen=True)
class DisclosedCell:
    """One cell or total as it may be published: its value, or None and the reason."""

    value: int | None
    reason: Suppression | None = None

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class DisclosedList(Generic[K]):
    """A one-dimensional table after suppression: the cells in the order given, and their total."""

    threshold: int
    cells: Mapping[K, DisclosedCell]
    total: DisclosedCell


@dataclass(frozen=True)
class DisclosedTable(Generic[R, C]):
    """A two-dimensional table after suppression: every row x column cell and all totals."""

    threshold: int
    rows: tuple[R, ...]
    columns: tuple[C, ...]
    cells: Mapping[tuple[R, C], DisclosedCell]
    row_totals: Mapping[R, DisclosedCell]
    column_totals: Mapping[C, DisclosedCell]
    total: DisclosedCell


def disclosure_threshold(threshold: int) -> int:
    """The threshold to apply: the tenant's own, raised to `MIN_CELL_SIZE_FLOOR` if lower."""
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise TypeError(f"the threshold is a whole number, not {threshold!r}")
    return max(threshold, MIN_CELL_SIZE_FLOOR)


def disclose_list(
    counts: Mapping[K, int],
    threshold: int,
    *,
    contributors: Mapping[K, int] | None = None,
    total_contributors: int | None = None,
) -> DisclosedList[K]:
    """Suppress the small cells of a list of counts whose total (their sum) is, or may be,
    known to the reader.

    `contributors` (optional): distinct units per cell when one unit can count more than once;
    then `total_contributors` (distinct units over the whole list) is required too.
    """
    threshold = disclosure_threshold(threshold)
    keys = list(counts)
    values = [_count(counts[key], key) for key in keys]
    total = sum(values)
    if contributors is None:
        if total_contributors is not None:
            raise ValueError("total_contributors is given without contributors per cell")
        units, total_units = list(values), total
    else:
        units = [_contributors(contributors.get(key, 0), value, key) for key, value in zip(keys, values, strict=True)]
        total_units = _total_contributors(total_contributors, units, total, "total_contributors")

    # Position len(keys) is the total; the list is one equation: sum(cells) = total.
    everything = [*values, total]
    hidden = {index: Suppression.SMALL for index, unit in enumerate([*units, total_units]) if 0 < unit < threshold}
    if len(hidden) == 1:
        shown = [index for index in range(len(everything)) if index not in hidden and everything[index] > 0]
        # The total is larger than every shown cell, so it is chosen only when no cell will do.
        hidden[min(shown, key=lambda index: (everything[index], index))] = Suppression.COMPLEMENTARY

    def cell(index: int) -> DisclosedCell:
        reason = hidden.get(index)
        return DisclosedCell(None if reason else everything[index], reason)

    return DisclosedList(threshold, {key: cell(index) for index, key in enumerate(keys)}, cell(len(keys)))


def disclose_table(
    counts: Mapping[tuple[R, C], int],
    threshold: int,
    *,
    rows: Iterable[R] | None = None,
    columns: Iterable[C] | None = None,
    contributors: Mapping[tuple[R, C], int] | None = None,
    row_contributors: Mapping[R, int] | None = None,
    column_contributors: Mapping[C, int] | None = None,
    total_contributors: int | None = None,
) -> DisclosedTable[R, C]:
    """Suppress the small cells of a rows x columns table of counts whose row totals, column
    totals and grand total (all sums of the cells) are, or may be, known to the reader.

    `rows` and `columns` fix the order (default: as first met in `counts`); a combination
    missing from `counts` is 0. `contributors` (optional): distinct units per cell when one unit
    can count more than once; then the distinct units per row, per column and over the whole
    table are required too.
    """
    threshold = disclosure_threshold(threshold)
    row_keys = _keys(rows, (key[0] for key in counts))
    column_keys = _keys(columns, (key[1] for key in counts))
    unknown = [key for key in counts if key[0] not in row_keys or key[1] not in column_keys]
    if unknown:
        raise ValueError(f"cells outside the given rows and columns: {unknown[:5]!r}")
    m, n = len(row_keys), len(column_keys)
    rindex = {key: i for i, key in enumerate(row_keys)}
    cindex = {key: j for j, key in enumerate(column_keys)}

    # The table with its margins as an (m+1) x (n+1) grid: row m holds the column totals,
    # column n the row totals, (m, n) the grand total.
    value = [[0] * (n + 1) for _ in range(m + 1)]
    for key, count in counts.items():
        value[rindex[key[0]]][cindex[key[1]]] = _count(count, key)
    for i in range(m):
        value[i][n] = sum(value[i][:n])
    for j in range(n + 1):
        value[m][j] = sum(value[i][j] for i in range(m))

    if contributors is None:
        if row_contributors is not None or column_contributors is not None or total_contributors is not None:
            raise ValueError("contributors of totals are given without contributors per cell")
        units = [row[:] for row in value]
    else:
        if row_contributors is None or column_contributors is None:
            raise ValueError("with contributors per cell, row_contributors and column_contributors are required too")
        units = [[0] * (n + 1) for _ in range(m + 1)]
        for (r, c), i, j in ((key, rindex[key[0]], cindex[key[1]]) for key in _product(row_keys, column_keys)):
            units[i][j] = _contributors(contributors.get((r, c), 0), value[i][j], (r, c))
        for r, i in rindex.items():
            units[i][n] = _total_contributors(row_contributors.get(r, 0), units[i][:n], value[i][n], f"row_contributors[{r!r}]")
        for c, j in cindex.items():
            column = [units[i][j] for i in range(m)]
            units[m][j] = _total_contributors(column_contributors.get(c, 0), column, value[m][j], f"column_contributors[{c!r}]")
        units[m][n] = _total_contributors(total_contributors, [units[i][j] for i in range(m) for j in range(n)], value[m][n], "total_contributors")

    hidden: dict[tuple[int, int], Suppression] = {
        (i, j): Suppression.SMALL for i in range(m + 1) for j in range(n + 1) if 0 < units[i][j] < threshold
    }
    if m and n:
        _complete(value, hidden)

    def cell(i: int, j: int) -> DisclosedCell:
        reason = hidden.get((i, j))
        return DisclosedCell(None if reason else value[i][j], reason)

    return DisclosedTable(
        threshold=threshold,
        rows=row_keys,
        columns=column_keys,
        cells={(r, c): cell(rindex[r], cindex[c]) for r, c in _product(row_keys, column_keys)},
        row_totals={r: cell(i, n) for r, i in rindex.items()},
        column_totals={c: cell(m, j) for c, j in cindex.items()},
        total=cell(m, n),
    )


# -- complementary suppression in two dimensions -------------------------------------------------
#
# Negate the margins and every row and every column of the (m+1) x (n+1) grid sums to zero.
# Read the grid as a bipartite graph, one node per row and per column, one edge per entry: a
# published entry is a known number, a hidden one an unknown, and each node is one equation
# over its edges. The hidden edges can take other values consistent with all equations exactly
# along cycles (add t, subtract t, alternately, around an even cycle), so a hidden entry is
# exactly recoverable if and only if it lies on no cycle of hidden edges: it is a bridge. (A
# row or column with exactly one hidden entry is the simplest case; two groups of hidden cells
# joined by one cell is the case the row-by-row rule misses.) So: for every hidden edge that
# is a bridge, hide the cheapest path between its two ends. Hiding edges never turns an edge
# into a bridge, so one pass suffices. Zeros are never needed on such a path: a hidden edge
# is not zero, so its row (or column) total, the grand total and the totals or cells around
# it are not zero either, and they always make a path of non-zero entries.


def _complete(value: list[list[int]], hidden: dict[tuple[int, int], Suppression]) -> None:
    for edge in sorted(hidden):
        if _is_bridge(edge, hidden):
            for added in _cheapest_cycle(edge, value, hidden):
                hidden[added] = Suppression.COMPLEMENTARY


def _is_bridge(edge: tuple[int, int], hidden: Mapping[tuple[int, int], Suppression]) -> bool:
    """Whether the row and column of `edge` are disconnected by hidden edges other than it."""
    neighbours: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for i, j in hidden:
        if (i, j) != edge:
            neighbours.setdefault(("r", i), []).append(("c", j))
            neighbours.setdefault(("c", j), []).append(("r", i))
    start, goal = ("r", edge[0]), ("c", edge[1])
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return False
        for other in neighbours.get(node, ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return True


def _cheapest_cycle(edge: tuple[int, int], value: list[list[int]], hidden: Mapping[tuple[int, int], Suppression]) -> list[tuple[int, int]]:
    """The shown entries to hide so that `edge` lies on a cycle of hidden entries: the path
    from its row to its column (not over `edge`, nor over a zero) that hides the smallest sum
    of counts and then the fewest entries. Hidden entries are free."""
    rows, columns = len(value), len(value[0])
    start, goal = ("r", edge[0]), ("c", edge[1])
    best: dict[tuple[str, int], tuple[int, int]] = {start: (0, 0)}
    previous: dict[tuple[str, int], tuple[str, int]] = {}
    queue: list[tuple[tuple[int, int], tuple[str, int]]] = [((0, 0), start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > best[node]:
            continue
        kind, index = node
        for other in range(columns if kind == "r" else rows):
            entry = (index, other) if kind == "r" else (other, index)
            if entry == edge:
                continue
            count = value[entry[0]][entry[1]]
            if entry in hidden:
                candidate = cost
            elif count:
                candidate = (cost[0] + count, cost[1] + 1)
            else:
                continue
            target = ("c", other) if kind == "r" else ("r", other)
            if target not in best or candidate < best[target]:
                best[target], previous[target] = candidate, node
                heapq.heappush(queue, (candidate, target))
    path: list[tuple[int, int]] = []
    node = goal
    assert goal in previous, "a hidden entry is always on a path of non-zero entries"
    while node != start:
        before = previous[node]
        entry = (before[1], node[1]) if before[0] == "r" else (node[1], before[1])
        if entry not in hidden:
            path.append(entry)
        node = before
    return path


# -- input checks -------------------------------------------------------------------------------


def _count(count: int, key: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"a count is a whole number of at least 0, not {count!r} (cell {key!r})")
    return count


def _contributors(units: int, count: int, key: object) -> int:
    _count(units, key)
    if units > count or (units == 0) != (count == 0):
        raise ValueError(f"cell {key!r}: {units} contributors cannot make a count of {count}")
    return units


def _total_contributors(units: int | None, parts: list[int], count: int, name: str) -> int:
    if units is None:
        raise ValueError(f"with contributors per cell, {name} is required too")
    _count(units, name)
    if units > count or units < max(parts, default=0) or units > sum(parts) or (units == 0) != (count == 0):
        raise ValueError(f"{name}: {units} distinct contributors do not fit cells with {parts} and a count of {count}")
    return units


def _keys(given: Iterable[H] | None, seen: Iterable[H]) -> tuple[H, ...]:
    return tuple(dict.fromkeys(given if given is not None else seen))


def _product(rows: tuple[R, ...], columns: tuple[C, ...]) -> Iterable[tuple[R, C]]:
    return ((r, c) for r in rows for c in columns)
