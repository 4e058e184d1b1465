"""`selected_columns`: the columns a query's selected fields read, from a map of field to columns."""

from __future__ import annotations

from core.plugin import selected_columns

COLUMNS = {"__typename": (), "id": (), "name": ("name",), "howToApply": ("steps", "url"), "url": ("url",)}


def test_the_columns_of_the_fields_after_the_ones_always_read_each_once() -> None:
    assert selected_columns(frozenset({"url", "howToApply", "name", "id"}), COLUMNS, always=("tenant_id", "id", "name")) == (
        "tenant_id", "id", "name", "steps", "url",
    )  # fmt: skip
    assert selected_columns(frozenset({"__typename"}), COLUMNS) == ()


def test_a_selection_it_cannot_read_or_a_field_not_in_the_map_reads_whole_rows() -> None:
    assert selected_columns(None, COLUMNS, always=("id",)) is None
    assert selected_columns(frozenset({"name", "conditions"}), COLUMNS) is None
