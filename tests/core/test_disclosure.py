"""Small-cell suppression (core.disclosure): what is shown is never small, and no hidden cell can
be computed from what is shown: not from one row or column, and not by combining several.

The property tests run the helper on many random tables (fixed seeds) and attack every result
with exact linear algebra over the shown cells and totals."""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping
from fractions import Fraction

import pytest

from core.disclosure import (
    MIN_CELL_SIZE_FLOOR,
    DisclosedCell,
    DisclosedList,
    DisclosedTable,
    Suppression,
    disclose_list,
    disclose_table,
    disclosure_threshold,
)

SMALL, COMPLEMENTARY = Suppression.SMALL, Suppression.COMPLEMENTARY

# -- an attacker: which hidden entries does the system of totals pin down exactly? ---------------

Equation = tuple[Hashable, list[Hashable]]  # total = sum(parts)


def recoverable(known: Mapping[Hashable, int | None], equations: list[Equation]) -> set[Hashable]:
    """The unknown entries (None) whose value follows from the equations and the known entries.

    An unknown x is determined exactly when the unit vector of x lies in the row space of the
    equations' coefficients over the unknowns (the known values only shift the right-hand side).
    Exact arithmetic: Gaussian elimination over the rationals."""
    unknowns = sorted((key for key, value in known.items() if value is None), key=repr)
    position = {key: index for index, key in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    for total, parts in equations:
        row = [Fraction(0)] * len(unknowns)
        for key, sign in [(total, -1), *((part, 1) for part in parts)]:
            if key in position:
                row[position[key]] += sign
        if any(row):
            rows.append(row)
    # Reduced row echelon form.
    pivots: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        for column, pivot_row in pivots:
            if row[column]:
                factor = row[column]
                row = [a - factor * b for a, b in zip(row, pivot_row, strict=True)]
        column = next((index for index, value in enumerate(row) if value), None)
        if column is None:
            continue
        row = [value / row[column] for value in row]
        pivots = [
            (other, [a - other_row[column] * b for a, b in zip(other_row, row, strict=True)]) for other, other_row in pivots
        ]
        pivots.append((column, row))
    found = set()
    for key, index in position.items():
        vector = [Fraction(int(i == index)) for i in range(len(unknowns))]
        for column, pivot_row in pivots:
            if vector[column]:
                factor = vector[column]
                vector = [a - factor * b for a, b in zip(vector, pivot_row, strict=True)]
        if not any(vector):
            found.add(key)
    return found


def list_view(result: DisclosedList[Hashable]) -> tuple[dict[Hashable, int | None], list[Equation]]:
    known: dict[Hashable, int | None] = {("cell", key): cell.value for key, cell in result.cells.items()}
    known["total"] = result.total.value
    return known, [("total", [("cell", key) for key in result.cells])]


def table_view(result: DisclosedTable[Hashable, Hashable]) -> tuple[dict[Hashable, int | None], list[Equation]]:
    known: dict[Hashable, int | None] = {("cell", r, c): cell.value for (r, c), cell in result.cells.items()}
    known.update({("row", r): cell.value for r, cell in result.row_totals.items()})
    known.update({("column", c): cell.value for c, cell in result.column_totals.items()})
    known["total"] = result.total.value
    equations: list[Equation] = [(("row", r), [("cell", r, c) for c in result.columns]) for r in result.rows]
    equations += [(("column", c), [("cell", r, c) for r in result.rows]) for c in result.columns]
    equations += [("total", [("row", r) for r in result.rows]), ("total", [("column", c) for c in result.columns])]
    return known, equations


def single_line_leaks(known: Mapping[Hashable, int | None], equations: list[Equation]) -> list[Equation]:
    """The row-by-row attack: a line with exactly one hidden entry gives it away."""
    return [(total, parts) for total, parts in equations if [known[key] for key in [total, *parts]].count(None) == 1]


def test_the_attacker_finds_what_a_row_by_row_rule_misses() -> None:
    """Two blocks of hidden cells joined by one hidden cell: every row and column has two or more
    hidden cells, yet the joining cell follows from the totals. The helper must (and does) look
    further than one line; this checks that the attacker in these tests does too."""
    hidden = {(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (3, 4), (4, 3), (4, 4), (2, 3)}
    known: dict[Hashable, int | None] = {("cell", r, c): None if (r, c) in hidden else 20 for r in range(1, 6) for c in range(1, 6)}
    known.update({("row", r): 100 for r in range(1, 6)} | {("column", c): 100 for c in range(1, 6)} | {"total": 500})
    equations = [(("row", r), [("cell", r, c) for c in range(1, 6)]) for r in range(1, 6)]
    equations += [(("column", c), [("cell", r, c) for r in range(1, 6)]) for c in range(1, 6)]
    assert single_line_leaks(known, equations) == []
    assert recoverable(known, equations) == {("cell", 2, 3)}


def test_a_table_where_hiding_the_next_smallest_per_line_is_not_enough() -> None:
    """Rows w0-w2, columns l0-l2, threshold 5; only (w1, l2) = 1 is small. Hiding, line by line,
    the next-smallest non-zero cell until no line has exactly one hidden entry gives the pattern
    below, and yet (w1, l2) follows: row w0 gives l1 + l2 = 29, the column totals give
    l1 + l2 = 30, and column l1 is zeros apart from w0, so 30 - 29 = 1. The helper hides a
    pattern from which nothing follows."""
    counts = {("w0", "l0"): 14, ("w0", "l1"): 5, ("w0", "l2"): 24, ("w1", "l0"): 5, ("w1", "l2"): 1, ("w2", "l0"): 8}
    rows, columns = ["w0", "w1", "w2"], ["l0", "l1", "l2"]
    line_by_line = {("w0", "l1"), ("w0", "l2"), ("w1", "l0"), ("w1", "l2"), ("w2", "l0")}
    known: dict[Hashable, int | None] = {("cell", r, c): None if (r, c) in line_by_line else counts.get((r, c), 0) for r in rows for c in columns}
    known.update({("row", "w0"): 43, ("row", "w1"): None, ("row", "w2"): None, ("column", "l0"): 27, ("column", "l1"): None, ("column", "l2"): None})
    known["total"] = 57
    equations = table_view(disclose_table(counts, 5, rows=rows, columns=columns))[1]
    assert single_line_leaks(known, equations) == [] and recoverable(known, equations) == {("cell", "w1", "l2")}

    result = disclose_table(counts, 5, rows=rows, columns=columns)
    assert result.cells["w1", "l2"].reason == SMALL and recoverable(*table_view(result)) == set()


# -- the threshold --------------------------------------------------------------------------------


def test_the_threshold_is_the_tenants_but_never_below_the_floor() -> None:
    assert MIN_CELL_SIZE_FLOOR == 5
    assert [disclosure_threshold(value) for value in (-3, 0, 1, 4, 5, 6, 10, 100)] == [5, 5, 5, 5, 5, 6, 10, 100]
    result = disclose_list({"Noord": 4, "Zuid": 40, "Oost": 30}, threshold=2)
    assert result.threshold == 5 and result.cells["Noord"] == DisclosedCell(None, SMALL)
    assert disclose_table({("Noord", "A"): 4}, threshold=1).threshold == 5
    for wrong in (True, 7.5, "10", None):
        with pytest.raises(TypeError):
            disclosure_threshold(wrong)  # type: ignore[arg-type]


# -- one dimension ------------------------------------------------------------------------------


def test_a_list_hides_small_cells_and_the_next_smallest_so_the_total_does_not_give_them_away() -> None:
    result = disclose_list({"Noord": 12, "Zuid": 3, "Oost": 17, "West": 0}, threshold=10)
    assert result.cells == {
        "Noord": DisclosedCell(None, COMPLEMENTARY),  # else Zuid = 32 - 12 - 17 - 0
        "Zuid": DisclosedCell(None, SMALL),
        "Oost": DisclosedCell(17, None),
        "West": DisclosedCell(0, None),  # nobody identifies no one; a zero is never the complement
    }
    assert result.total == DisclosedCell(32, None) and result.threshold == 10
    assert list(result.cells) == ["Noord", "Zuid", "Oost", "West"]  # the order given


def test_two_small_cells_protect_each_other_and_a_small_total_is_hidden_too() -> None:
    both = disclose_list({"Noord": 3, "Zuid": 4, "Oost": 17}, threshold=5)
    assert [cell.reason for cell in both.cells.values()] == [SMALL, SMALL, None] and both.total.value == 24
    small = disclose_list({"Noord": 3, "Zuid": 0}, threshold=5)
    assert small.cells["Noord"] == DisclosedCell(None, SMALL) and small.total == DisclosedCell(None, SMALL)
    assert small.cells["Zuid"] == DisclosedCell(0, None)


def test_when_only_zeros_are_left_the_total_is_hidden_instead() -> None:
    result = disclose_list({"Noord": 3, "Zuid": 0, "Oost": 0}, threshold=2)  # the floor makes 3 small
    assert result.total == DisclosedCell(None, SMALL)
    result = disclose_list({"Noord": 6, "Zuid": 0}, threshold=5, contributors={"Noord": 6, "Zuid": 0}, total_contributors=6)
    assert result.cells["Noord"].value == 6 and result.total.value == 6
    # A total with fewer distinct families than its one cell's signals, e.g. inconsistent input, is refused:
    with pytest.raises(ValueError, match="total_contributors"):
        disclose_list({"Noord": 6}, threshold=5, contributors={"Noord": 6}, total_contributors=4)


def test_an_empty_list_and_a_list_of_zeros_show_everything() -> None:
    assert disclose_list({}, threshold=10) == DisclosedList(10, {}, DisclosedCell(0, None))
    assert disclose_list({"Noord": 0}, threshold=10).cells["Noord"] == DisclosedCell(0, None)


def test_contributors_count_units_not_events() -> None:
    """One family signalled nine times is one family: the threshold applies to families."""
    result = disclose_list(
        {"Noord": 9, "Zuid": 20, "Oost": 25}, threshold=5, contributors={"Noord": 1, "Zuid": 8, "Oost": 12}, total_contributors=21
    )
    assert result.cells["Noord"] == DisclosedCell(None, SMALL) and result.cells["Zuid"] == DisclosedCell(None, COMPLEMENTARY)
    assert result.cells["Oost"].value == 25 and result.total.value == 54
    with pytest.raises(ValueError, match="total_contributors is required"):
        disclose_list({"Noord": 9}, threshold=5, contributors={"Noord": 1})
    with pytest.raises(ValueError, match="cannot make a count"):
        disclose_list({"Noord": 2}, threshold=5, contributors={"Noord": 3}, total_contributors=3)
    for wrong in (-1, 2.5, True):
        with pytest.raises(ValueError, match="whole number"):
            disclose_list({"Noord": wrong}, threshold=5)  # type: ignore[dict-item]


# -- two dimensions ------------------------------------------------------------------------------


def test_a_table_hides_a_rectangle_around_one_small_cell() -> None:
    counts = {("Noord", "A"): 12, ("Noord", "B"): 3, ("Zuid", "A"): 8, ("Zuid", "B"): 20, ("Oost", "A"): 30, ("Oost", "B"): 40}
    result = disclose_table(counts, threshold=5)
    assert {key: cell.reason for key, cell in result.cells.items() if cell.suppressed} == {
        ("Noord", "B"): SMALL,
        ("Noord", "A"): COMPLEMENTARY,  # the next-smallest of its row
        ("Zuid", "A"): COMPLEMENTARY,  # the smallest that protects column A in turn
        ("Zuid", "B"): COMPLEMENTARY,  # and row Zuid
    }
    assert [cell.value for cell in result.row_totals.values()] == [15, 28, 70]
    assert [cell.value for cell in result.column_totals.values()] == [50, 63] and result.total.value == 113
    assert result.rows == ("Noord", "Zuid", "Oost") and result.columns == ("A", "B")
    assert recoverable(*table_view(result)) == set()


def test_missing_combinations_count_zero_and_rows_and_columns_can_be_given() -> None:
    result = disclose_table({("Noord", "A"): 12}, threshold=5, rows=["Zuid", "Noord"], columns=["A", "B"])
    assert result.rows == ("Zuid", "Noord") and result.cells["Zuid", "B"] == DisclosedCell(0, None)
    assert result.cells["Noord", "A"].value == 12 and result.row_totals["Zuid"].value == 0
    with pytest.raises(ValueError, match="outside"):
        disclose_table({("West", "A"): 12}, threshold=5, rows=["Noord"])
    assert disclose_table({}, threshold=5).total == DisclosedCell(0, None)


def test_a_small_total_is_hidden_and_protected_like_a_cell() -> None:
    counts = {("Noord", "A"): 2, ("Noord", "B"): 2, ("Zuid", "A"): 30, ("Zuid", "B"): 40}
    result = disclose_table(counts, threshold=5)
    assert result.row_totals["Noord"] == DisclosedCell(None, SMALL)
    assert result.cells["Noord", "A"].reason == SMALL and result.cells["Noord", "B"].reason == SMALL
    assert recoverable(*table_view(result)) == set()


def test_a_table_needs_the_contributors_of_its_totals_too() -> None:
    counts = {("Noord", "A"): 9, ("Noord", "B"): 20}
    with pytest.raises(ValueError, match="row_contributors and column_contributors are required"):
        disclose_table(counts, threshold=5, contributors={("Noord", "A"): 1, ("Noord", "B"): 8})
    with pytest.raises(ValueError, match="without contributors per cell"):
        disclose_table(counts, threshold=5, total_contributors=9)
    result = disclose_table(
        counts,
        threshold=5,
        contributors={("Noord", "A"): 1, ("Noord", "B"): 8},
        row_contributors={"Noord": 8},  # the one family of A is among the eight of B
        column_contributors={"A": 1, "B": 8},
        total_contributors=8,
    )
    assert result.cells["Noord", "A"].reason == SMALL and result.column_totals["A"].reason == SMALL
    assert result.cells["Noord", "B"].suppressed and result.row_totals["Noord"].value == 29


# -- properties, on random tables ----------------------------------------------------------------


def random_count(rng: random.Random) -> int:
    """Zeros, small counts and large ones, in about equal measure."""
    return rng.choice([0, rng.randint(1, 12), rng.randint(1, 60)])


def assert_shown_are_true_and_not_small(result_cells: list[tuple[DisclosedCell, int, int]], threshold: int) -> None:
    for cell, value, units in result_cells:
        if cell.suppressed:
            assert cell.value is None
            assert cell.reason == COMPLEMENTARY or 0 < units < threshold
        else:
            assert cell.value == value and not 0 < units < threshold


@pytest.mark.parametrize("seed", range(4))
def test_random_lists_never_show_a_small_cell_nor_give_a_hidden_one_away(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(250):
        counts = {f"w{index}": random_count(rng) for index in range(rng.randint(0, 8))}
        asked = rng.randint(0, 15)
        result = disclose_list(counts, asked)
        assert result.threshold == max(asked, MIN_CELL_SIZE_FLOOR)
        total = sum(counts.values())
        assert_shown_are_true_and_not_small(
            [(result.cells[key], value, value) for key, value in counts.items()] + [(result.total, total, total)], result.threshold
        )
        known, equations = list_view(result)
        assert single_line_leaks(known, equations) == [] and recoverable(known, equations) == set()
        assert disclose_list(counts, asked) == result  # deterministic


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_never_show_a_small_cell_nor_give_a_hidden_one_away(seed: int) -> None:
    rng = random.Random(1000 + seed)
    for _ in range(60):
        rows, columns = [f"w{index}" for index in range(rng.randint(1, 6))], [f"l{index}" for index in range(rng.randint(1, 5))]
        counts = {(r, c): random_count(rng) for r in rows for c in columns if rng.random() < 0.85}
        asked = rng.randint(0, 15)
        result = disclose_table(counts, asked, rows=rows, columns=columns)
        threshold = result.threshold
        assert threshold == max(asked, MIN_CELL_SIZE_FLOOR)
        full = {(r, c): counts.get((r, c), 0) for r in rows for c in columns}
        row_sums = {r: sum(full[r, c] for c in columns) for r in rows}
        column_sums = {c: sum(full[r, c] for r in rows) for c in columns}
        entries = [(result.cells[key], value, value) for key, value in full.items()]
        entries += [(result.row_totals[r], value, value) for r, value in row_sums.items()]
        entries += [(result.column_totals[c], value, value) for c, value in column_sums.items()]
        entries += [(result.total, sum(full.values()), sum(full.values()))]
        assert_shown_are_true_and_not_small(entries, threshold)
        known, equations = table_view(result)
        assert single_line_leaks(known, equations) == []  # no row or column: total minus the others
        assert recoverable(known, equations) == set()  # nor any combination of rows and columns
        assert disclose_table(counts, asked, rows=rows, columns=columns) == result


@pytest.mark.parametrize("seed", range(3))
def test_random_tables_of_families_apply_the_threshold_to_families(seed: int) -> None:
    """Events (signals) of families: a cell counts events, the threshold counts families."""
    rng = random.Random(2000 + seed)
    for _ in range(40):
        rows, columns = [f"w{index}" for index in range(rng.randint(1, 5))], [f"l{index}" for index in range(rng.randint(1, 4))]
        events = [(rng.choice(rows), rng.choice(columns), rng.randint(1, rng.choice([3, 15, 60]))) for _ in range(rng.randint(0, 120))]
        counts: dict[tuple[str, str], int] = {}
        families: dict[tuple[str, str], set[int]] = {}
        for r, c, family in events:
            counts[r, c] = counts.get((r, c), 0) + 1
            families.setdefault((r, c), set()).add(family)

        def distinct(keys: list[tuple[str, str]], families: dict[tuple[str, str], set[int]] = families) -> int:
            return len(set().union(*(families.get(key, set()) for key in keys)))

        result = disclose_table(
            counts,
            5,
            rows=rows,
            columns=columns,
            contributors={key: len(value) for key, value in families.items()},
            row_contributors={r: distinct([(r, c) for c in columns]) for r in rows},
            column_contributors={c: distinct([(r, c) for r in rows]) for c in columns},
            total_contributors=distinct([(r, c) for r in rows for c in columns]),
        )
        entries = [(result.cells[r, c], counts.get((r, c), 0), distinct([(r, c)])) for r in rows for c in columns]
        entries += [(result.row_totals[r], sum(counts.get((r, c), 0) for c in columns), distinct([(r, c) for c in columns])) for r in rows]
        entries += [(result.column_totals[c], sum(counts.get((r, c), 0) for r in rows), distinct([(r, c) for r in rows])) for c in columns]
        entries += [(result.total, len(events), distinct(list(counts)))]
        assert_shown_are_true_and_not_small(entries, 5)
        assert recoverable(*table_view(result)) == set()


@pytest.mark.parametrize("seed", range(3))
def test_a_zero_is_never_hidden(seed: int) -> None:
    """Not as small, and not to protect another cell (it is never needed, and protects little)."""
    rng = random.Random(3000 + seed)
    for _ in range(150):
        rows, columns = [f"w{index}" for index in range(rng.randint(1, 5))], [f"l{index}" for index in range(rng.randint(1, 5))]
        counts = {(r, c): rng.choice([0, 0, rng.randint(1, 6), rng.randint(1, 30)]) for r in rows for c in columns}
        result = disclose_table(counts, rng.randint(5, 12), rows=rows, columns=columns)
        assert all(cell == DisclosedCell(0, None) for key, cell in result.cells.items() if counts[key] == 0)
        assert all(cell == DisclosedCell(0, None) for r, cell in result.row_totals.items() if not any(counts[r, c] for c in columns))
        values = {key: rng.choice([0, 0, rng.randint(1, 6), rng.randint(1, 30)]) for key in columns}
        assert all(cell == DisclosedCell(0, None) for key, cell in disclose_list(values, 5).cells.items() if values[key] == 0)


def test_a_large_table_is_quick() -> None:
    """30 wijken x 10 labels (a big gemeente's month), many small cells: well under a second."""
    import time

    rng = random.Random(11)
    counts = {(f"w{r}", f"l{c}"): rng.choice([0, 1, 2, 3, 8, 20, 40]) for r in range(30) for c in range(10)}
    started = time.perf_counter()
    result = disclose_table(counts, 10)
    assert time.perf_counter() - started < 2
    assert single_line_leaks(*table_view(result)) == []
