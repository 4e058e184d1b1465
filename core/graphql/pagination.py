"""Relay cursor connections with keyset pagination.

A cursor is an opaque base64 string holding the sort values of the last row seen, so a
page never shifts when rows are added before it. Pages are forward-only (`first`,
`after`), with a maximum page size from the settings.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Integer, Select, TypeDecorator, bindparam, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from core.errors import ValidationFailed
from core.graphql.fields import container

NodeType = TypeVar("NodeType")


@container
@strawberry.type(description="Paginering volgens de Relay-specificatie.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@container
@strawberry.type
class Edge(Generic[NodeType]):
    cursor: str
    node: NodeType


@container
@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo
    #: The number of items over all pages, or an async callable that counts them: a keyset
    #: page counts only when a query asks for `totalCount` (a statement otherwise wasted).
    total: strawberry.Private[int | Callable[[], Awaitable[int]]]

    @strawberry.field(description="De knopen van deze pagina, zonder cursors.")
    def nodes(self) -> list[NodeType]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="Het aantal over alle pagina's.")
    async def total_count(self) -> int:
        if callable(self.total):
            self.total = await self.total()
        return self.total


def _encode(values: Sequence[Any]) -> str:
    plain = [str(value) if isinstance(value, (uuid.UUID, dt.datetime, dt.date)) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode()


def _decode(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError
        values = []
        for value, column in zip(raw, columns, strict=True):
            column_type = column.type
            python_type = (column_type.impl if isinstance(column_type, TypeDecorator) else column_type).python_type
            if python_type is uuid.UUID:
                value = uuid.UUID(value)
            elif python_type is dt.datetime:
                value = dt.datetime.fromisoformat(value)
            elif python_type is dt.date:
                value = dt.date.fromisoformat(value)
            elif not isinstance(value, python_type) or isinstance(value, bool) != (python_type is bool):
                raise TypeError(f"cursor value of the wrong type for {column.key}")
            values.append(value)
        return values
    except (ValueError, TypeError, AttributeError, binascii.Error, json.JSONDecodeError, RecursionError) as exc:
        raise ValidationFailed("Ongeldige cursor.", field="after") from exc


def _page_size(first: int | None, max_page_size: int) -> int:
    page_size = max_page_size if first is None else first
    if page_size < 0 or page_size > max_page_size:
        raise ValidationFailed(f"first moet tussen 0 en {max_page_size} liggen.", field="first")
    return page_size


class _KeysetEdge(Edge):  # type: ignore[type-arg]
    """An edge of a keyset page (answered as its `Edge` type) that writes its cursor from the
    row's sort values when the cursor is asked for: most queries of a list ask only for the
    nodes, and a page of rows would otherwise encode a cursor per row for nothing."""

    def __init__(self, node: Any, sort_values: list[Any]) -> None:
        # Not the dataclass's __init__: the cursor is a property here.
        self.node = node
        self.sort_values = sort_values

    @property
    def cursor(self) -> str:  # type: ignore[override]
        return _encode(self.sort_values)


def _connection(
    nodes: Sequence[Any], cursors: Sequence[str], *, has_next: bool, after: str | None, total: int | Callable[[], Awaitable[int]]
) -> Connection[Any]:
    edges = [Edge(cursor=cursor, node=node) for cursor, node in zip(cursors, nodes, strict=True)]
    return _connection_of(edges, has_next=has_next, after=after, total=total)


def _connection_of(edges: list[Any], *, has_next: bool, after: str | None, total: int | Callable[[], Awaitable[int]]) -> Connection[Any]:
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total=total,
    )


#: No ranked list is this long: a position cursor past it was not made here (and as a
#: database OFFSET it would overflow).
MAX_POSITION = 10_000_000


def position_window(first: int | None, after: str | None, max_page_size: int) -> tuple[int, int]:
    """(start, page size) of a page of a list whose cursor is the position in it (a list
    computed per request: in memory by `paginate_list`, or ranked in SQL by a module that
    pages with OFFSET and LIMIT): `first` checked against the limit, `after` decoded
    (`VALIDATION_FAILED` on `after` for a cursor this code did not make)."""
    page_size = _page_size(first, max_page_size)
    if not after:
        return 0, page_size
    try:
        raw = json.loads(base64.urlsafe_b64decode(after.encode()))
        if not isinstance(raw, list) or len(raw) != 1 or type(raw[0]) is not int or not 0 <= raw[0] < MAX_POSITION:
            raise ValueError
    except (ValueError, binascii.Error, json.JSONDecodeError, RecursionError) as exc:
        raise ValidationFailed("Ongeldige cursor.", field="after") from exc
    return raw[0] + 1, page_size


def position_connection(nodes: Sequence[Any], start: int, *, after: str | None, total: int) -> Connection[Any]:
    """The connection of a page that starts at position `start` of a list of `total` items,
    the cursors being the positions (see `position_window`)."""
    cursors = [_encode([start + offset]) for offset in range(len(nodes))]
    return _connection(nodes, cursors, has_next=start + len(nodes) < total, after=after, total=total)


async def paginate_list(
    items: Sequence[Any],
    *,
    first: int | None,
    after: str | None,
    max_page_size: int,
    to_node: Callable[[Any], Any] | None = None,
    to_nodes: Callable[[list[Any]], Awaitable[list[Any]]] | None = None,
) -> Connection[Any]:
    """One page of a list computed in memory (a check's outcomes, search hits, a small
    register) as a connection: the same shape, arguments and limits as `paginate`, with
    the position in the list as the cursor (such lists are recomputed per request, so a
    keyset has nothing stable to hold on to). Only the page's items become nodes
    (`to_node` one by one, `to_nodes` as a page; neither: the items are the nodes)."""
    if to_node is not None and to_nodes is not None:
        raise TypeError("give to_node or to_nodes, not both")
    start, page_size = position_window(first, after, max_page_size)
    page = list(items[start : start + page_size])
    if to_nodes is not None:
        nodes = await to_nodes(page)
    else:
        nodes = [to_node(item) for item in page] if to_node is not None else page
    return position_connection(nodes, start, after=after, total=len(items))


#: The bound parameters of a page statement: its size (one more, to tell whether a next
#: page follows) and the sort values of the cursor it continues after.
_LIMIT = "page_limit"
_AFTER = tuple(f"page_after_{index}" for index in range(8))
_RESERVED = frozenset({_LIMIT, *_AFTER})

#: A statement paged more than once (one built once, in code) -> its page statements by
#: order, direction and whether a cursor is given. Built once each, the same object every
#: time (the scoping hook and SQLAlchemy's compiled cache then do their work once, not per
#: page); held only while the statement lives.
_PAGE_STATEMENTS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]]] = weakref.WeakKeyDictionary()


def _page_statement(statement: Select[Any], order_by: tuple[InstrumentedAttribute[Any], ...], descending: bool, after: bool) -> Select[Any]:
    """`statement` ordered by `order_by`, after the cursor's position when `after`, limited:
    with `_LIMIT` and the `_AFTER` values bound per call."""
    if len(order_by) > len(_AFTER):
        raise ValueError(f"a keyset of at most {len(_AFTER)} columns")
    forms = _PAGE_STATEMENTS.get(statement)
    if forms is None:
        forms = _PAGE_STATEMENTS[statement] = {}
    # By the columns' ids (comparing model attributes with == builds SQL, not a bool), the
    # columns kept with the form and checked, so that an id is never another's.
    key = (*map(id, order_by), descending, after)
    known = forms.get(key)
    if known is not None and all(mine is theirs for mine, theirs in zip(known[0], order_by, strict=True)):
        return known[1]
    page_statement = statement.order_by(*(column.desc() for column in order_by) if descending else order_by)
    if after:
        # Bound with each column's own type, so that stored forms (UTC datetimes, uuids) compare alike.
        seen = tuple_(*(bindparam(name, type_=column.type) for name, column in zip(_AFTER, order_by, strict=False)))
        position = tuple_(*order_by)
        page_statement = page_statement.where(position < seen if descending else position > seen)
    page_statement = page_statement.limit(bindparam(_LIMIT, type_=Integer()))
    forms[key] = (order_by, page_statement)
    return page_statement


async def paginate(
    session: Any,
    statement: Select[Any],
    *,
    order_by: Sequence[InstrumentedAttribute[Any]],
    first: int | None,
    after: str | None,
    max_page_size: int,
    to_node: Callable[[Any], Any] | None = None,
    to_nodes: Callable[[list[Any]], Awaitable[list[Any]]] | None = None,
    descending: bool = False,
    as_rows: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Connection[Any]:
    """One page of `statement` (a select of one entity) ordered by `order_by` (ending in a
    unique column; all descending with `descending`, e.g. newest first), as a connection.
    One statement for the page and, only when the query asks for `totalCount`, one for the
    count. The rows become nodes one by one (`to_node`) or as a page (`to_nodes`: e.g.
    loading what they need in one query). With `as_rows`, `statement` selects columns of
    one entity (`order_by`'s among them) and the page's rows are its result rows, read by
    column name (no entities: a read-only page is cheaper so, since API 1.8). `params` are
    the values of the statement's own bound parameters: a statement built once (with
    `bindparam`s for what varies) is paged without building its page statement again (1.8)."""
    if (to_node is None) == (to_nodes is None):
        raise TypeError("give either to_node or to_nodes")
    page_size = _page_size(first, max_page_size)
    values = dict(params or {})
    if taken := values.keys() & _RESERVED:
        raise ValueError(f"paginate binds {sorted(taken)} itself: name the statement's own parameters otherwise")

    async def total() -> int:
        return (await session.execute(select(func.count()).select_from(statement.order_by(None).subquery()), values)).scalar_one()

    bound = {**values, _LIMIT: page_size + 1}
    if after:
        bound.update(zip(_AFTER, _decode(after, order_by)))
    result = await session.execute(_page_statement(statement, tuple(order_by), descending, bool(after)), bound)
    rows = list(result.all() if as_rows else result.scalars().all())
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    keys = [column.key for column in order_by]
    sort_values = [[getattr(row, key) for key in keys] for row in rows]  # as read, before the nodes are made
    nodes = await to_nodes(rows) if to_nodes is not None else [to_node(row) for row in rows]
    edges = [_KeysetEdge(node, values) for values, node in zip(sort_values, nodes, strict=True)]
    return _connection_of(edges, has_next=has_next, after=after, total=total)
