"""The executor's short path for plain leaf fields answers exactly as graphql-core's own.

Each query runs on two schemas built from the same types: one with strawberry's execution
context, one with the platform's. Data, errors (messages, paths, locations) and the order
of the keys must be the same; and the short path must really be taken.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import functools
import json
from dataclasses import dataclass
from typing import Any, NewType

import pytest
import strawberry
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from graphql import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

from core.access import Principal
from core.graphql.builder import PlatformSchema
from core.graphql.execution import PlatformExecutionContext, field_plans
from core.graphql.fields import RequirePermission

# A field that fails while its siblings' coroutines are pending leaves them unawaited, in
# graphql-core's execution as in the platform's (the broken cases below do this on purpose).
# Collected later, such a coroutine is reported as an exception ignored while closing it.
pytestmark = [
    pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


class Shade(enum.StrEnum):
    """A str of a subclass: serialized by String and ID as the str it is."""

    DARK = "donker"


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Flaky:
    """An attribute that raises when read."""

    def __get__(self, instance: Any, owner: Any) -> Any:
        if instance is None:
            return self
        raise ValueError("kapot")


Blank = NewType("Blank", str)
BlankScalar = strawberry.scalar(
    name="Blank",
    description="Serializes an empty string to null, as a custom scalar may.",
    serialize=lambda value: value or None,
    parse_value=str,
)


class Gate(FieldExtension):
    """Opens the field only when the context says so: a check of the request alone."""

    def check_context(self, context: Any) -> None:
        if not context["open"]:
            raise PermissionError("dicht")

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        self.check_context(info.context)
        return next_(source, info, **kwargs)


class Upper(FieldExtension):
    """Changes the result: no short path for its field."""

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs).upper()


@strawberry.type
class Part:
    label: str

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        if self.label == "async-kapot":
            raise ValueError("later kapot")
        return self.label + "!"

    @strawberry.field
    def fails(self) -> str | None:
        raise ValueError("fails kapot")


def make_part(label: Any) -> Part:
    made = Part.__new__(Part)
    object.__setattr__(made, "label", label)
    return made


def counted_parent(parent: strawberry.Parent[Any], info: Info) -> int:
    """The source by the name `parent`, the info by its type."""
    return int(parent.count) + len(info.field_name)


@strawberry.type
class Item:
    name: str
    count: int
    colour: Colour
    when: dt.date
    maybe: str | None
    tags: list[str]
    holes: list[str | None]
    optional_tags: list[str] | None
    part: Part
    maybe_part: Part | None
    parts: list[Part]
    loose_parts: list[Part | None] | None
    blank: Blank | None
    done: bool
    code: strawberry.ID
    guarded: str = strawberry.field(default="g", extensions=[Gate()])
    shouted: str = strawberry.field(default="s", extensions=[Upper()])

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def repeat(self, times: int) -> str:
        return self.name * times

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return self.name + "!"

    @strawberry.field
    def child(self) -> Item | None:
        return None if self.name == "kind" else make_item(name="kind")

    # Resolver functions that take nothing but the source and the info.

    @strawberry.field
    def where(self, info: Info) -> str:
        """What the info tells a resolver: its field, path and the request's context."""
        return f"{info.field_name} {info.python_name} {info.path.as_list()} {info.context['open']} {info.return_type}"

    @strawberry.field(extensions=[Gate()])
    def guarded_shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def soon(self) -> str:
        return soon_text()  # type: ignore[return-value] # an awaitable from a plain function

    @strawberry.field
    def resolved_parts(self) -> list[Part]:
        return self.parts

    @strawberry.field
    def resolved_loose_parts(self) -> list[Part | None] | None:
        return self.loose_parts

    @strawberry.field
    def resolved_tags(self) -> list[str]:
        return self.tags

    echo: str = strawberry.field(resolver=lambda root: root.name)
    counted_parent: int = strawberry.field(resolver=counted_parent)


async def soon_text() -> str:
    await asyncio.sleep(0)
    return "straks"


def awaiting_part(label: str) -> Part:
    """A part with `__await__` of its own (in its instance's `__dict__`): graphql-core takes it
    for an awaitable, also after other parts of its class that were not."""
    made = make_part(label)
    object.__setattr__(made, "__await__", lambda: iter(()))
    return made


class LoudPart(Part):
    """A part whose attribute look-up is its own: each one asked, never its class."""

    def __getattr__(self, name: str) -> Any:
        if name == "__await__":
            return lambda: iter(())
        raise AttributeError(name)


def loud_part(label: str) -> Part:
    made = LoudPart.__new__(LoudPart)
    object.__setattr__(made, "label", label)
    return made


def make_item(**overrides: Any) -> Item:
    values: dict[str, Any] = {
        "name": "a",
        "count": 1,
        "colour": Colour.RED,
        "when": dt.date(2026, 12, 5),
        "maybe": None,
        "tags": ["x", "y"],
        "holes": ["x", None],
        "optional_tags": None,
        "part": make_part("p"),
        "maybe_part": None,
        "parts": [make_part("q"), make_part("r")],
        "loose_parts": (make_part("s"),),
        "blank": "b",
        "done": True,
        "code": strawberry.ID("c1"),
        "guarded": "g",
        "shouted": "s",
    }
    values.update(overrides)
    item = Item.__new__(Item)
    for key, value in values.items():
        object.__setattr__(item, key, value)
    return item


class Flawed:
    """An item whose `name` raises when read."""

    name = Flaky()
    count = 1
    colour = Colour.BLUE
    when = dt.date(2026, 1, 1)
    maybe = "m"
    tags: list[str] = []
    holes: list[str | None] = []
    optional_tags = ["o"]
    part = make_part("p")
    maybe_part = make_part("m")
    parts = [make_part("q")]
    loose_parts = None
    blank = "b"
    done = False
    code = "c2"
    guarded = "g"
    shouted = "s"


ITEMS: dict[str, Any] = {}


@strawberry.type
class Query:
    @strawberry.field
    def items(self, case: str = "fine") -> list[Item]:
        return ITEMS[case]

    @strawberry.field
    def nullable_items(self, case: str = "fine") -> list[Item | None]:
        return ITEMS[case]

    @strawberry.field
    def item(self, case: str = "fine") -> Item | None:
        return ITEMS[case][0]


ITEMS.update(
    fine=[make_item(), make_item(name="b", count=2, colour=Colour.BLUE, maybe="m", tags=[], optional_tags=["o"])],
    # A null where a value is promised, in a single leaf and inside a list of leaves.
    null_name=[make_item(), make_item(name=None)],
    null_tag=[make_item(tags=["x", None])],
    # Values the types refuse to serialize.
    not_an_int=[make_item(count="veel")],
    not_a_colour=[make_item(colour="groen")],
    # The value of a member rather than the member.
    colour_as_value=[make_item(colour="red"), make_item(colour=Colour.BLUE)],
    not_a_list=[make_item(tags=5)],
    string_as_list=[make_item(tags="xy")],
    # An item of a list of leaves that does not serialize: null at the item, or the field.
    bad_hole=[make_item(holes=["x", {"niet": "tekst"}, "z"])],
    bad_tag=[make_item(tags=["x", {"niet": "tekst"}])],
    # Values a String, an ID or a Boolean serializes into another value (only a str, or a
    # bool, is answered as it is), and a str of a subclass.
    serialized_otherwise=[make_item(name=7, code=12, done=0, tags=["x", 1, True, 2.5], holes=[None, False]), make_item(name=Colour.RED.name, code=5.0)],
    subclassed_text=[make_item(name=Shade.DARK, tags=[Shade.DARK, "x"], code=Shade.DARK)],
    # A custom scalar that serializes a value to null.
    blank=[make_item(blank="")],
    # An attribute that raises.
    raising=[make_item(), Flawed()],
    # Nulls and errors inside objects and lists of objects, synchronous and awaited.
    null_in_part=[make_item(part=make_part(None))],
    null_in_maybe_part=[make_item(maybe_part=make_part(None))],
    null_in_parts=[make_item(parts=[make_part("q"), make_part(None)])],
    null_in_loose_parts=[make_item(loose_parts=[make_part(None), make_part("s")])],
    null_item_in_parts=[make_item(parts=[make_part("q"), None])],
    null_item_in_loose_parts=[make_item(loose_parts=[None, make_part("s")])],
    parts_not_a_list=[make_item(parts=make_part("q"))],
    awaited_error_in_parts=[make_item(parts=[make_part("q"), make_part("async-kapot")])],
    awaited_error_in_loose_parts=[make_item(loose_parts=[make_part("async-kapot"), make_part("s")])],
    awaited_error_in_maybe_part=[make_item(maybe_part=make_part("async-kapot"))],
    # Awaitable by an instance's own attribute, after plain ones of the same class.
    awaitable_instance_in_parts=[make_item(parts=[make_part("q"), make_part("r"), awaiting_part("s")])],
    awaitable_instance_as_part=[make_item(part=make_part("p")), make_item(part=awaiting_part("s"))],
    awaitable_by_getattr_in_parts=[make_item(parts=[make_part("q"), loud_part("r")])],
)


def schemas(**kwargs: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    stock = strawberry.Schema(query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext, config=CONFIG, **kwargs)
    platform = strawberry.Schema(query=Query, execution_context_class=PlatformExecutionContext, config=CONFIG, **kwargs)
    return stock, platform


def answer(schema: strawberry.Schema, query: str, variables: dict[str, Any] | None = None, *, open_: bool = True) -> str:
    result = asyncio.run(schema.execute(query, variable_values=variables, context_value={"open": open_}))
    errors = [{"message": e.message, "path": e.path, "locations": [(loc.line, loc.column) for loc in e.locations or []]} for e in result.errors or []]
    # JSON keeps the order of the keys, which the comparison must see too.
    return json.dumps({"data": result.data, "errors": errors})


PARTS = (
    "part { label later } maybePart { label later } parts { label later fails } looseParts { label later } "
    "resolvedParts { label later fails } resolvedLooseParts { label later }"
)
RESOLVED = "where guardedShout soon resolvedTags echo countedParent"
ALL_FIELDS = f"name count colour when maybe tags holes optionalTags guarded shouted shout repeat(times: 2) later child {{ name tags shout where }} {RESOLVED} {PARTS}"

QUERIES = [
    f"{{ items {{ {ALL_FIELDS} }} }}",
    # Fields asked in an order that mixes both paths, under aliases, twice, through fragments.
    "{ items { later a: name shout b: count name w: where ...F ... on Item { colour @include(if: true) maybe @skip(if: true) } } } fragment F on Item { tags name where }",
    "query ($skip: Boolean!) { items { name @skip(if: $skip) count __typename } }",
    '{ items(case: "null_name") { name count } }',
    '{ nullableItems(case: "null_name") { count name } }',
    '{ item(case: "null_name") { name } nullableItems(case: "null_tag") { tags } }',
    '{ nullableItems(case: "null_tag") { name tags holes } }',
    '{ nullableItems(case: "not_an_int") { name count } }',
    '{ nullableItems(case: "not_a_colour") { colour name } }',
    '{ nullableItems(case: "colour_as_value") { colour name } }',
    '{ nullableItems(case: "not_a_list") { tags } }',
    '{ nullableItems(case: "string_as_list") { tags } }',
    '{ nullableItems(case: "not_a_list") { resolvedTags } }',
    '{ nullableItems(case: "null_tag") { name resolvedTags } }',
    '{ nullableItems(case: "bad_tag") { resolvedTags name } }',
    '{ nullableItems(case: "raising") { echo countedParent name } }',
    '{ nullableItems(case: "blank") { name blank } }',
    '{ nullableItems(case: "serialized_otherwise") { name code done tags holes resolvedTags } }',
    '{ nullableItems(case: "subclassed_text") { name code tags } }',
    '{ nullableItems(case: "bad_hole") { name holes } }',
    '{ nullableItems(case: "bad_tag") { name tags } }',
    '{ nullableItems(case: "raising") { count name later } }',
    # The readable fields of an object whose other field raises.
    '{ nullableItems(case: "raising") { maybe optionalTags } }',
    *(
        f'{{ {root}(case: "{case}") {{ name {PARTS} }} }}'
        for root in ("items", "nullableItems")
        for case in (
            "null_in_part",
            "null_in_maybe_part",
            "null_in_parts",
            "null_in_loose_parts",
            "null_item_in_parts",
            "null_item_in_loose_parts",
            "parts_not_a_list",
            "awaited_error_in_parts",
            "awaited_error_in_loose_parts",
            "awaited_error_in_maybe_part",
            "awaitable_instance_in_parts",
            "awaitable_instance_as_part",
            "awaitable_by_getattr_in_parts",
        )
    ),
]
FINE = {
    '{ nullableItems(case: "serialized_otherwise") { name code done tags holes resolvedTags } }',
    '{ nullableItems(case: "subclassed_text") { name code tags } }',
    QUERIES[1],
    QUERIES[2],
    '{ nullableItems(case: "colour_as_value") { colour name } }', '{ nullableItems(case: "raising") { maybe optionalTags } }'}


@pytest.mark.parametrize("query", QUERIES)
def test_the_short_path_answers_as_graphql_core_does(query: str) -> None:
    stock, platform = schemas()
    variables = {"skip": True} if "$skip" in query else None
    expected = answer(stock, query, variables)
    assert answer(platform, query, variables) == expected
    assert ('"errors": []' in expected) == (query in FINE), "each broken case must give an error"


@pytest.mark.parametrize("open_", [True, False])
def test_a_field_behind_a_check_of_the_request_answers_as_before(open_: bool) -> None:
    stock, platform = schemas()
    query = "{ nullableItems { name guarded shouted guardedShout } }"
    expected = answer(stock, query, open_=open_)
    assert answer(platform, query, open_=open_) == expected
    assert ("dicht" in expected) != open_


def test_plain_leaves_do_not_go_through_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    general: list[str] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_field

    def counted(self: Any, parent_type: Any, source: Any, field_nodes: Any, path: Any) -> Any:
        general.append(f"{parent_type.name}.{field_nodes[0].name.value}")
        return original(self, parent_type, source, field_nodes, path)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counted)
    stock, platform = schemas()
    query = "{ items { name count colour when maybe tags holes optionalTags shout where guarded shouted parts { label } } }"
    answer(stock, query)
    assert general.count("Item.name") == 2
    assert general.count("Item.guarded") == 2
    assert general.count("Item.where") == 2
    assert general.count("Part.label") == 4
    general.clear()
    answer(platform, query)
    # The root has arguments; `shouted`'s extension changes its result.
    assert general == ["Query.items", "Item.shouted", "Item.shouted"]


def test_the_plans_cover_only_plain_fields() -> None:
    """Attributes and synchronous resolver functions without arguments; not `repeat`
    (an argument), `later` (asynchronous), `shouted` (an extension that changes its result)."""
    _stock, platform = schemas()
    plans = field_plans(platform._schema)
    assert set(plans) == {"Item", "Part"}
    assert set(plans["Part"]) == {"label", "fails"}
    leaves = {"name", "count", "colour", "when", "maybe", "tags", "holes", "optionalTags", "blank", "done", "code"}
    resolved = {"shout", "child", "where", "guardedShout", "soon", "resolvedParts", "resolvedLooseParts", "resolvedTags", "echo", "countedParent"}
    assert set(plans["Item"]) == leaves | resolved | {"guarded", "part", "maybePart", "parts", "looseParts"}
    assert all(plans["Item"][name].resolve is None for name in leaves) and all(plans["Item"][name].resolve for name in resolved)
    assert {name for name in resolved if plans["Item"][name].takes_info} == {"where", "countedParent"}
    assert [plan.bare_leaf for plan in (plans["Item"]["name"], plans["Item"]["guarded"], plans["Item"]["shout"], plans["Item"]["tags"])] == [True, False, False, False]
    assert [check.__self__.__class__ for check in plans["Item"]["guarded"].checks] == [Gate]
    assert all(plans["Item"][name].serialize is not None and plans["Item"][name].object_type is None and not plans["Item"][name].checks for name in leaves)
    # Only graphql-core's String, ID and Boolean give a value back unchanged (a str, a bool).
    unchanged = {name: plans["Item"][name].unchanged_types for name in leaves}
    assert unchanged == dict.fromkeys(leaves, frozenset()) | dict.fromkeys(("name", "maybe", "tags", "holes", "optionalTags", "code"), frozenset({str})) | {"done": frozenset({bool})}
    assert plans["Item"]["tags"].items_nullable is False
    assert plans["Item"]["holes"].items_nullable is True
    assert plans["Item"]["name"].item_type is None
    assert plans["Item"]["maybe"].nullable is True
    assert plans["Item"]["name"].nullable is False
    assert plans["Item"]["looseParts"].object_type is platform._schema.type_map["Part"]
    assert plans["Item"]["looseParts"].nullable is True


class SeesEveryField(SchemaExtension):
    seen: list[str] = []

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        SeesEveryField.seen.append(info.field_name)
        return _next(root, info, *args, **kwargs)


def test_a_middleware_still_sees_every_field() -> None:
    _stock, platform = schemas(extensions=[SeesEveryField])
    SeesEveryField.seen = []
    answer(platform, "{ items { name count } }")
    assert SeesEveryField.seen == ["items", "name", "count", "name", "count"]


# -- values graphql-core does more with, and reading once ------------------------------------

LOG: list[str] = []


class Logged(FieldExtension):
    def __init__(self, name: str) -> None:
        self.name = name

    def check_context(self, context: Any) -> None:
        LOG.append(f"check {self.name}")

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        self.check_context(info.context)
        return next_(source, info, **kwargs)


class Masked(Logged):
    """Inherits the check but changes the answer: must not be skipped."""

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return "***"


class AsyncGate(FieldExtension):
    async def check_context(self, context: Any) -> None:
        raise PermissionError("dicht")

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        await self.check_context(info.context)
        return await next_(source, info, **kwargs)


Counted = NewType("Counted", str)
CountedScalar = strawberry.scalar(
    name="Counted",
    description="Fails the first time it serializes a value, as a serializer of a one-shot value would.",
    serialize=lambda value: value.pop() if isinstance(value, list) else value,
    parse_value=str,
)


#: The test scalars, as the platform maps its own (core.graphql.contract.SCALAR_MAP).
CONFIG = StrawberryConfig(scalar_map={Blank: BlankScalar, Counted: CountedScalar})


async def awaited_text() -> str:
    return "later"


async def awaited_part() -> Part:
    return make_part("awaited")


class Odd:
    """Values graphql-core completes differently from plain data, and reads that count."""

    def __init__(self, case: str) -> None:
        self.case = case
        self.reads = 0

    @property
    def text(self) -> Any:
        self.reads += 1
        LOG.append(f"read {self.reads}")
        if self.case == "fails_once" and self.reads == 1:
            raise RuntimeError("eerste keer mislukt")
        return {
            "coroutine": awaited_text(),
            "exception": ValueError("een fout als waarde"),
            "undefined": Undefined,
        }.get(self.case, "tekst")

    @property
    def texts(self) -> Any:
        return ["a", awaited_text()] if self.case == "coroutine" else ["a", ValueError("in de lijst")] if self.case == "exception" else ["a"]

    @property
    def one_part(self) -> Any:
        return awaited_part() if self.case == "coroutine" else ValueError("geen deel") if self.case == "exception" else make_part("p")

    @property
    def more_parts(self) -> Any:
        return [make_part("p"), awaited_part()] if self.case == "coroutine" else [make_part("p")]

    @property
    def counted(self) -> Any:
        return ["x"] if self.case == "one_shot" else ["x", None] if self.case == "one_shot_none" else "y"


class Later:
    """Awaitable: what an asynchronous check hands back when called without `await`."""

    def __await__(self) -> Any:
        raise PermissionError("dicht")
        yield


class ReturnsAwaitable(FieldExtension):
    """A synchronous check that hands back an awaitable instead of checking."""

    def check_context(self, context: Any) -> Any:
        return Later()

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs)


@strawberry.type
class OddItem:
    text: str | None = strawberry.field(extensions=[Logged("A"), Logged("B")])
    texts: list[str | None] | None
    one_part: Part | None
    more_parts: list[Part] | None
    counted: Counted | None
    masked: str = strawberry.field(default="geheim", extensions=[Masked("M")])
    async_gated: str | None = strawberry.field(default="geheim", extensions=[AsyncGate()])
    not_a_check: str | None = strawberry.field(default="geheim", extensions=[ReturnsAwaitable()])


@strawberry.type
class OddQuery:
    @strawberry.field
    def odd(self, case: str) -> OddItem:
        return Odd(case)  # type: ignore[return-value]


def odd_answers(case: str, query: str = "text texts onePart { label later } moreParts { label } counted masked") -> tuple[str, str, list[str], list[str]]:
    logs = []
    answers = []
    for context_class in (StrawberryGraphQLCoreExecutionContext, PlatformExecutionContext):
        LOG.clear()
        schema = strawberry.Schema(query=OddQuery, execution_context_class=context_class, config=CONFIG)
        answers.append(answer(schema, f'{{ odd(case: "{case}") {{ {query} }} }}'))
        logs.append(list(LOG))
    return answers[0], answers[1], logs[0], logs[1]


@pytest.mark.parametrize("case", ["plain", "coroutine", "exception", "undefined", "fails_once", "one_shot", "one_shot_none"])
def test_awaitables_exceptions_and_reads_as_graphql_core(case: str) -> None:
    stock, platform, stock_log, platform_log = odd_answers(case)
    assert platform == stock
    # Checked and read once each, in strawberry's order (its last extension first).
    assert platform_log == stock_log
    if case in ("plain", "one_shot"):
        assert stock_log == ["check B", "check A", "read 1"]
    # `one_shot_none`: serialized once, to null (an error), as graphql-core does; never again.
    assert ('"errors": []' not in stock) == (case in ("exception", "undefined", "fails_once", "one_shot_none"))


def test_extensions_that_are_not_plain_checks_keep_the_general_path() -> None:
    schema = strawberry.Schema(query=OddQuery, execution_context_class=PlatformExecutionContext, config=CONFIG)
    plans = field_plans(schema._schema)["OddItem"]
    assert "masked" not in plans and "asyncGated" not in plans and "text" in plans
    stock, platform, _, _ = odd_answers("plain", "masked asyncGated")
    assert platform == stock
    assert '"masked": "***"' in stock and "dicht" in stock


# -- the platform's own permission check -----------------------------------------------------


@strawberry.type
class Secret:
    text: str


@strawberry.type
class Folder:
    name: str
    secret: Secret | None = strawberry.field(extensions=[RequirePermission("test.secret.read")])


@strawberry.type
class FolderQuery:
    @strawberry.field
    def folders(self) -> list[Folder]:
        return [Folder(name="a", secret=Secret(text="geheim")), Folder(name="b", secret=None)]


@dataclass
class PermissionContext:
    principal: Principal


@pytest.mark.parametrize("permissions", [frozenset({"test.secret.read"}), frozenset()])
def test_a_type_read_permission_is_checked_on_the_short_path(permissions: frozenset[str]) -> None:
    answers = []
    for context_class in (StrawberryGraphQLCoreExecutionContext, PlatformExecutionContext):
        schema = strawberry.Schema(query=FolderQuery, execution_context_class=context_class)
        result = asyncio.run(schema.execute("{ folders { name secret { text } } }", context_value=PermissionContext(Principal("iemand", permissions=permissions))))
        answers.append((result.data, [(error.message, error.path, type(error.original_error).__name__) for error in result.errors or []]))
    assert answers[0] == answers[1]
    assert "secret" in field_plans(strawberry.Schema(query=FolderQuery)._schema)["Folder"]
    if permissions:
        assert answers[1][0] == {"folders": [{"name": "a", "secret": {"text": "geheim"}}, {"name": "b", "secret": None}]}
    else:
        assert answers[1][0] == {"folders": [{"name": "a", "secret": None}, {"name": "b", "secret": None}]}
        assert answers[1][1] == [("U heeft geen toestemming voor deze handeling.", ["folders", index, "secret"], "Forbidden") for index in (0, 1)]


def test_a_check_that_returns_something_refuses_its_field() -> None:
    schema = strawberry.Schema(query=OddQuery, execution_context_class=PlatformExecutionContext, config=CONFIG)
    assert "notACheck" in field_plans(schema._schema)["OddItem"]
    result = asyncio.run(schema.execute('{ odd(case: "plain") { text notACheck } }', context_value={"open": True}))
    assert result.data == {"odd": {"text": "tekst", "notACheck": None}}
    assert [(error.path, "returned a value" in error.message) for error in result.errors or []] == [(["odd", "notACheck"], True)]


def test_a_field_whose_resolver_was_wrapped_keeps_the_general_path() -> None:
    """Only strawberry's own resolvers are read the short way: a resolver something else
    put in their place (as a library wrapping a schema's resolvers may) is called."""
    schema = strawberry.Schema(query=Query, execution_context_class=PlatformExecutionContext, config=CONFIG)
    fields = schema._schema.type_map["Item"].fields  # type: ignore[union-attr]
    for name in ("name", "shout"):
        original = fields[name].resolve

        # As a library wraps resolvers: its name, qualified name and flags copied.
        @functools.wraps(original)
        def wrapper(source: Any, info: Any, _original: Any = original, **kwargs: Any) -> Any:
            return _original(source, info, **kwargs) + "?"

        fields[name].resolve = wrapper
    assert not {"name", "shout"} & set(field_plans(schema._schema)["Item"])
    assert json.loads(answer(schema, "{ items { name shout } }"))["data"]["items"][0] == {"name": "a?", "shout": "A?"}


# -- what strawberry does besides calling a resolver: such fields keep the general path -------


class QuietGate(FieldExtension):
    """A check strawberry never runs: an extension without `resolve` is not in its chain."""

    def check_context(self, context: Any) -> None:
        raise PermissionError("nooit gevraagd")


class GateThatMaps(Gate):
    """A check that also reshapes the arguments (strawberry calls `map_arguments` first)."""

    def check_context(self, context: Any) -> None:
        LOG.append("check")

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        LOG.append("map")
        return kwargs


class AsyncOnlyGate(FieldExtension):
    """A synchronous check on an extension that resolves only asynchronously: strawberry
    runs a synchronous field behind it later, awaited."""

    def check_context(self, context: Any) -> None:
        LOG.append("check")

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        self.check_context(info.context)
        return await strawberry_await(next_(source, info, **kwargs))


async def strawberry_await(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


class LoudField(strawberry.types.field.StrawberryField):
    """A field class of one's own that changes the result."""

    def get_result(self, source: Any, info: Any, args: list[Any], kwargs: Any) -> Any:
        return f"{super().get_result(source, info, args, kwargs)}!"


def parent_named_source(source: strawberry.Parent[Any]) -> str:
    return "bron"


def parent_named_info(info: strawberry.Parent[Any]) -> str:
    return type(info).__name__


@strawberry.type
class Unusual:
    quiet: str = strawberry.field(default="q", extensions=[QuietGate()])

    @strawberry.field(extensions=[QuietGate()])
    def quiet_resolved(self) -> str:
        return "qr"

    @strawberry.field(extensions=[GateThatMaps()])
    def mapped(self) -> str:
        LOG.append("mapped")
        return "m"

    @strawberry.field(extensions=[AsyncOnlyGate()])
    def async_gated(self) -> str | None:
        LOG.append("async gated")
        raise ValueError("async gated kapot")

    @strawberry.field
    def sibling(self) -> str | None:
        LOG.append("sibling")
        raise ValueError("sibling kapot")

    loud: str = LoudField(graphql_name="loud", default="l")
    gated_source: str | None = strawberry.field(resolver=parent_named_source, extensions=[Gate()])
    info_parent: str = strawberry.field(resolver=parent_named_info)


@strawberry.type
class UnusualQuery:
    @strawberry.field
    def unusual(self) -> Unusual:
        return Unusual()


UNUSUAL = "{ unusual { quiet quietResolved mapped asyncGated sibling loud gatedSource infoParent } }"


def test_what_strawberry_does_besides_calling_the_resolver_is_not_skipped() -> None:
    """Checks strawberry never runs, arguments mapped, an asynchronous chain, a field class
    of one's own, parameter names strawberry passes on beside its own (a TypeError there,
    the info for a parent named `info`): the same answers and calls as strawberry's."""
    answers, logs = [], []
    for context_class in (StrawberryGraphQLCoreExecutionContext, PlatformExecutionContext):
        LOG.clear()
        schema = strawberry.Schema(query=UnusualQuery, execution_context_class=context_class, config=CONFIG)
        answers.append(answer(schema, UNUSUAL))
        logs.append(list(LOG))
    assert answers[1] == answers[0]
    assert logs[1] == logs[0]
    assert '"quiet": "q"' in answers[0] and '"loud": "l!"' in answers[0] and '"infoParent": "Info"' in answers[0]
    assert "multiple values for argument 'source'" in answers[0]
    plans = field_plans(strawberry.Schema(query=UnusualQuery, execution_context_class=PlatformExecutionContext)._schema)["Unusual"]
    assert set(plans) == {"quiet", "quietResolved", "sibling"}
    assert plans["quiet"].checks == () and plans["quietResolved"].checks == ()


@dataclass
class NoisyInfo(Info):  # type: ignore[type-arg]
    """An info class of one's own that does something when made."""

    def __post_init__(self) -> None:
        LOG.append("info")


def test_an_info_class_of_ones_own_is_made_as_strawberry_makes_it() -> None:
    answers, logs = [], []
    config = StrawberryConfig(scalar_map=CONFIG.scalar_map, info_class=NoisyInfo)
    for context_class in (StrawberryGraphQLCoreExecutionContext, PlatformExecutionContext):
        LOG.clear()
        schema = strawberry.Schema(query=Query, execution_context_class=context_class, config=config)
        answers.append(answer(schema, "{ items { name shout where guarded } }"))
        logs.append(list(LOG))
    assert answers[1] == answers[0] and logs[1] == logs[0]
    assert logs[0] == ["info"] * 7  # the root, then `shout`, `where` and `guarded` of each item


@strawberry.type
class Shared:
    @strawberry.field
    def text(self) -> str:
        return "t"


@strawberry.type
class SharedQuery:
    @strawberry.field
    def shared(self) -> Shared:
        return Shared()


def test_a_platform_schema_plans_its_fields_as_they_were_when_it_was_built() -> None:
    """Strawberry fixes a field's extensions when a schema is built; a schema built later
    from the same types may add more (the builder adds its extensions to shared types)."""
    stock = strawberry.Schema(query=SharedQuery, execution_context_class=StrawberryGraphQLCoreExecutionContext)
    platform = PlatformSchema(query=SharedQuery)
    Shared.__strawberry_definition__.fields[0].extensions.append(Gate())
    expected = answer(stock, "{ shared { text } }", open_=False)
    try:
        assert expected == answer(platform, "{ shared { text } }", open_=False)
        assert '"text": "t"' in expected
    finally:
        Shared.__strawberry_definition__.fields[0].extensions.clear()


@strawberry.type
class Bare:
    """A leaf without checks (the inline path): its values may be anything graphql-core
    completes otherwise than a plain value."""

    text: str | None


@strawberry.type
class BareQuery:
    @strawberry.field
    def bare(self, case: str) -> list[Bare]:
        values = {"coroutine": awaited_text(), "exception": ValueError("een fout als waarde"), "undefined": Undefined, "plain": "tekst"}
        made = Bare.__new__(Bare)
        object.__setattr__(made, "text", values[case])
        return [made]


@pytest.mark.parametrize("case", ["plain", "coroutine", "exception", "undefined"])
def test_a_leaf_without_checks_answers_unusual_values_as_graphql_core(case: str) -> None:
    answers = []
    for context_class in (StrawberryGraphQLCoreExecutionContext, PlatformExecutionContext):
        schema = strawberry.Schema(query=BareQuery, execution_context_class=context_class, config=CONFIG)
        answers.append(answer(schema, f'{{ bare(case: "{case}") {{ text }} }}'))
    assert field_plans(strawberry.Schema(query=BareQuery, execution_context_class=PlatformExecutionContext)._schema)["Bare"]["text"].bare_leaf
    assert answers[1] == answers[0]
    assert ('"errors": []' in answers[0]) == (case in ("plain", "coroutine"))
