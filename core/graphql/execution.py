"""GraphQL execution with a short path for plain fields.

Most of a list's answer is fields read straight from an attribute: a regeling's name, a
member's job title, a signal's worries, the edges of a page and the node of an edge.
graphql-core executes each of them like any field: it looks the field up, builds a
resolve info, calls strawberry's resolver (which calls `getattr`), checks for awaitables
and completes the value through its non-null, list, leaf and object branches: some 500
times for a page of 26 regelingen, 3,000 for a page of 40 families. For a field that
strawberry itself calls *basic* (no resolver and no field extension: no module gate or
transaction) and that takes no arguments, the executor here reads the attribute with the
field's own default resolver; a field with a synchronous resolver function and no
arguments (a family's `signals`, a regeling's `providerName`) is answered by calling the
function with the source and strawberry's info as strawberry would, without strawberry's
argument handling and extension chain around it. Then (a field whose only extensions
check the request, such as the permission of the type it returns, is read the same way
after those checks):

* a scalar or an enum (or a list of them) is serialized with the type's own `serialize`
  (an enum's Python members looked up in a table made from it);
* an object (or a list of objects) of a type that has no `is_type_of` is executed field
  by field, an error located and handled as graphql-core does (null at the nearest
  nullable field or item, the error once, at its path).

Each field is checked once and read (its function called) once. Its errors are
graphql-core's: a check or a read that raises is handled as graphql-core handles a
resolver's error, and a value the
short path does not complete itself is completed by graphql-core's own `complete_value`,
as its `execute_field` completes a resolver's result (awaited when awaitable): a null
where the schema promises a value, an exception instance as a value, an awaitable,
anything but exactly a list or tuple for a list, a list with a null item that may not be
null. A leaf that does not serialize is an error at the field, or at the item of a list,
where graphql-core puts it. A middleware (a schema extension that wraps resolvers: it
must see every field) or exception handlers (strawberry's, which wrap resolvers) turn the
short path off. The plans are made once per schema: when it is built for the platform's
(`PlatformSchema`, see `prepare_plans`), else when it is first executed. Whatever
strawberry would do besides calling a resolver function keeps the general path (see
`_plan`: an asynchronous function, arguments, a field or resolver class of one's own,
extensions that reshape arguments or resolve only asynchronously, parameter names that
collide with strawberry's own, an info class of one's own, a resolver not strawberry's).

A field extension opts in by defining, on its own class, a synchronous
`check_context(context)` that raises when the field is refused and returns None, and
that is the whole of what its `resolve` adds (a subclass that only inherits the method
does not opt in; a check that returns anything refuses the field). The platform's are
`RequirePermission`, `PublicField` and `ModuleGate`.
"""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from asyncio import gather
from collections.abc import Awaitable, Callable
from contextlib import suppress
from decimal import Decimal
from types import CoroutineType, GeneratorType
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    located_error,
)
from graphql.pyutils import Path
from graphql.pyutils import inspect as inspect_value
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string
from strawberry.extensions import FieldExtension
from strawberry.schema import schema_converter
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

_DEFINITION = "strawberry-definition"
#: What a class made by `@strawberry.type` carries.
_STRAWBERRY_TYPE = "__strawberry_definition__"

#: The method by which a field extension that checks only the request (never the source,
#: the arguments or the result), such as a permission, offers that check (see above).
CHECK_CONTEXT = "check_context"


class FieldPlan(NamedTuple):
    """How to answer one plain field without the executor's general path."""

    field: GraphQLField
    python_name: str
    #: For a field without a resolver function: reads it (strawberry's default resolver).
    read: Callable[[Any, str], Any]
    #: For a field with one: calls it with the source and the info (None unless `takes_info`).
    resolve: Callable[[Any, Any], Any] | None
    takes_info: bool
    definition: StrawberryField
    #: The `check_context` of the field's extensions, in the order strawberry runs them.
    checks: tuple[Callable[[Any], None], ...]
    #: Types whose values are answered without asking whether they are awaitable or an exception.
    plain_types: frozenset[type]
    #: Whether null is an answer for `field.type` (otherwise graphql-core's completion reports it).
    nullable: bool
    #: For a list: the type of its items (for their errors), else None.
    item_type: GraphQLOutputType | None
    #: For a list: whether an item may be null.
    items_nullable: bool
    #: A leaf's type and its serializer, or None for an object.
    leaf_type: GraphQLScalarType | GraphQLEnumType | None
    serialize: Callable[[Any], Any] | None
    #: A leaf's Python types that `serialize` gives back unchanged (a `str` for a String).
    unchanged_types: frozenset[type]
    #: An object's type, or None for a leaf.
    object_type: GraphQLObjectType | None
    #: A leaf, not a list, without checks: read and serialized by `_bare_leaf`.
    bare_leaf: bool


#: graphql-core's serializers that give a value of these exact types back as it is (the
#: same object): such a value needs no call. Only theirs: a scalar of one's own may do more.
_UNCHANGED_BY = {serialize_string: frozenset({str}), serialize_id: frozenset({str}), serialize_boolean: frozenset({bool})}

#: A field of a selection: its response name, its nodes and its plan (None: the general way).
_Step = tuple[str, list[Any], FieldPlan | None]

#: What a serialized leaf is: never awaitable, no need to ask.
_SERIALIZED_TYPES = frozenset({str, int, float, bool, list, dict, type(None)})

#: Values of these exact types are neither awaitable nor an exception (graphql-core awaits
#: the one and reports the other as the field's error): no need to ask.
_PLAIN_TYPES = frozenset({str, int, float, bool, dt.date, dt.datetime, dt.time, uuid.UUID, Decimal, dict, list})


def _strip_non_null(type_: Any) -> tuple[Any, bool]:
    """The type inside a non-null wrapper, and whether it was nullable."""
    return (type_.of_type, False) if isinstance(type_, GraphQLNonNull) else (type_, True)


#: What strawberry makes the GraphQL resolver of a field: with no resolver function and no
#: extension, and otherwise (with a synchronous function, or none).
_STRAWBERRY_RESOLVERS = frozenset({"GraphQLCoreConverter.from_resolver.<locals>._get_basic_result", "GraphQLCoreConverter.from_resolver.<locals>._resolver"})


def _is_strawberrys_own(resolve: Any) -> bool:
    """Whether a GraphQL field's resolver is strawberry's own, not something put in its
    place (a wrapper copying its name and flags with `functools.wraps` has code of its own)."""
    code = getattr(resolve, "__code__", None)
    return code is not None and code.co_filename == schema_converter.__file__ and code.co_qualname in _STRAWBERRY_RESOLVERS


def _resolver_call(definition: StrawberryField, reserved: frozenset[str]) -> tuple[Callable[[Any, Any], Any], bool] | None:
    """For a field whose resolver function strawberry calls with nothing but the source and
    the info (no arguments): a call that passes them as strawberry's `get_arguments` does
    (the source first for `self`, by name for `root` and `parent`, the info by name), and
    whether it takes the info. None when strawberry would do more or otherwise: an
    asynchronous function, a resolver class of its own, or parameter names that strawberry
    passes on beside its own (`reserved`: its and the extensions' parameters), which it
    refuses with a TypeError or, for a parent named `info`, answers with the info."""
    resolver = definition.base_resolver
    if resolver is None or definition.is_async or definition.arguments or type(resolver).__call__ is not StrawberryResolver.__call__:
        return None
    function = resolver.wrapped_func
    if not callable(function):
        return None
    source_first = resolver.self_parameter is not None
    by_name = tuple(parameter.name for parameter in (resolver.parent_parameter, resolver.root_parameter) if parameter is not None)
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    if "info" in by_name or reserved.intersection(by_name) or (info_name not in (None, "info") and info_name in reserved):
        return None

    def call(source: Any, info: Any) -> Any:
        keywords = dict.fromkeys(by_name, source)
        if info_name is not None:
            keywords[info_name] = info
        return function(source, **keywords) if source_first else function(**keywords)

    return call, info_name is not None


def _checks(definition: StrawberryField) -> tuple[list[Callable[[Any], None]], frozenset[str]] | None:
    """The `check_context` of the field's extensions in the order strawberry runs them, and
    the names of their `resolve`'s parameters; None when an extension does more than check
    (or strawberry would run it otherwise: asynchronously, or reshaping arguments)."""
    checks = []
    reserved = {"_source"}  # strawberry's own: the source, passed along its chain
    for extension in definition.extensions:
        if type(extension).map_arguments is not FieldExtension.map_arguments:
            return None
    # Strawberry calls the last extension first; one without `resolve` is not in its chain.
    for extension in reversed([extension for extension in definition.extensions if extension.has_resolver]):
        # Declared by the extension's own class: a subclass that changes what the field
        # does (its `resolve`) but inherits the check must not be skipped.
        check = type(extension).__dict__.get(CHECK_CONTEXT)
        if check is None or inspect.iscoroutinefunction(check) or not extension.supports_sync:
            return None
        checks.append(getattr(extension, CHECK_CONTEXT))
        reserved.update(
            name
            for name, parameter in inspect.signature(type(extension).resolve).parameters.items()
            if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
        )
    return checks, frozenset(reserved)


def _plan(field: Any, info_class: type) -> FieldPlan | None:
    definition = field.extensions.get(_DEFINITION)
    if (
        not isinstance(definition, StrawberryField)
        or field.args
        or not _is_strawberrys_own(field.resolve)
        or type(definition).get_result is not StrawberryField.get_result
    ):
        return None
    # Strawberry gives every field but a basic one an info (before any check), whether its
    # function takes it or not: an info class of one's own may do something when made.
    if info_class is not Info and not definition.is_basic_field:
        return None
    found = _checks(definition)
    if found is None:
        return None
    checks, reserved = found
    resolve: Callable[[Any, Any], Any] | None = None
    takes_info = False
    if definition.base_resolver is not None:
        called = _resolver_call(definition, reserved)
        if called is None:
            return None
        resolve, takes_info = called
    inner, nullable = _strip_non_null(field.type)
    item_type = None
    items_nullable = False
    if isinstance(inner, GraphQLList):
        item_type = inner.of_type
        inner, items_nullable = _strip_non_null(item_type)
    if isinstance(inner, GraphQLEnumType):
        serialize, object_type = _enum_serializer(inner), None
    elif isinstance(inner, GraphQLScalarType):
        serialize, object_type = inner.serialize, None
    elif isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
        serialize, object_type = None, inner
    else:
        return None
    plain_types = _PLAIN_TYPES | {python_enum} if (python_enum := getattr(inner, "wrapped_cls", None)) is not None else _PLAIN_TYPES
    leaf_type = inner if object_type is None else None
    return FieldPlan(
        field=field,
        python_name=definition.python_name,
        read=definition.default_resolver,
        resolve=resolve,
        takes_info=takes_info,
        definition=definition,
        checks=tuple(checks),
        plain_types=plain_types,
        nullable=nullable,
        item_type=item_type,
        items_nullable=items_nullable,
        leaf_type=leaf_type,
        serialize=serialize,
        unchanged_types=_UNCHANGED_BY.get(serialize, frozenset()),  # type: ignore[arg-type]
        object_type=object_type,
        bare_leaf=resolve is None and object_type is None and item_type is None and not checks,
    )


def field_plans(schema: GraphQLSchema) -> dict[str, dict[str, FieldPlan]]:
    """Per object type name, the plans of its plain fields (types without any left out)."""
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    info_class = strawberry_schema.config.info_class if strawberry_schema is not None else Info
    plans: dict[str, dict[str, FieldPlan]] = {}
    for name, named_type in schema.type_map.items():
        if not isinstance(named_type, GraphQLObjectType) or name.startswith("__"):
            continue
        fields = {field_name: plan for field_name, field in named_type.fields.items() if (plan := _plan(field, info_class)) is not None}
        if fields:
            plans[name] = fields
    return plans


def _enum_serializer(enum_type: GraphQLEnumType) -> Callable[[Any], Any]:
    """The enum's own serializer, with its Python members' names looked up once: strawberry's
    compares a member with every value of the enum on each call."""
    serialize = enum_type.serialize
    python_enum = getattr(enum_type, "wrapped_cls", None)
    if python_enum is None:
        return serialize
    # By identity: a member is one object for the life of the process, and a plain value
    # equal to a member's (a str enum's text) still goes to the type's own serializer.
    names = {}
    for member in python_enum:
        with suppress(Exception):  # left to the type's serializer, which reports it
            names[id(member)] = serialize(member)

    def serialize_member(value: Any) -> Any:
        name = names.get(id(value))
        return name if name is not None else serialize(value)

    return serialize_member


def _not_serialized(plan: FieldPlan, value: Any, serialized: Any) -> TypeError:
    """graphql-core's error (`complete_leaf_value`) for a leaf that serializes to nothing,
    without serializing it again (a serializer is not bound to give the same twice)."""
    return TypeError(
        f"Expected `{inspect_value(plan.leaf_type)}.serialize({inspect_value(value)})` to return non-nullable value, returned: {inspect_value(serialized)}"
    )


def _answered_by_class(kind: type) -> bool:
    """Whether what graphql-core asks of a value before completing it (an exception? an
    awaitable: a coroutine, a generator-based one, or anything with `__await__`) has one
    answer for every instance of `kind`, but for an `__await__` in an instance's own
    `__dict__`: a strawberry type without attribute access of its own (`__getattr__`,
    `__getattribute__`, a `__class__` property) and none of those kinds."""
    return (
        hasattr(kind, _STRAWBERRY_TYPE)
        and not issubclass(kind, (Exception, CoroutineType, GeneratorType))
        and not hasattr(kind, "__await__")
        and kind.__getattribute__ is object.__getattribute__  # type: ignore[comparison-overlap]
        and not hasattr(kind, "__getattr__")
        and all("__class__" not in vars(base) for base in kind.__mro__[:-1])
    )


class PlatformExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, answering plain fields the short way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A middleware wraps every resolver; with one, every field goes the general way.
        self._plans: dict[str, dict[str, FieldPlan]] = {} if manager is not None and manager.middlewares else _plans_of(self.schema)
        #: Classes whose instances graphql-core completes as they are, found in this request (`_plain`).
        self._plain_classes: set[type] = set()
        #: id(fields) -> (fields, parent type, the fields with their plans): see `_steps`.
        self._steps_by_fields: dict[int, tuple[dict[str, list[Any]], GraphQLObjectType, tuple[_Step, ...] | None]] = {}

    def _steps(self, parent_type: GraphQLObjectType, fields: dict[str, list[Any]]) -> tuple[_Step, ...] | None:
        """The fields to answer with the plan of each (None: the type has no plans), found
        once per selection: graphql-core collects a selection once per request and type
        (`collect_subfields`) and passes that same dict for every object of a list."""
        known = self._steps_by_fields.get(id(fields))
        # The dict itself is kept with its steps, so its id is not reused while they are.
        if known is not None and known[0] is fields and known[1] is parent_type:
            return known[2]
        plans = self._plans.get(parent_type.name)
        steps = None if plans is None else tuple((name, nodes, plans.get(nodes[0].name.value)) for name, nodes in fields.items())
        self._steps_by_fields[id(fields)] = (fields, parent_type, steps)
        return steps

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None, fields: dict[str, list[Any]]) -> Any:
        steps = self._steps(parent_type, fields)
        if steps is None:
            return super().execute_fields(parent_type, source_value, path, fields)
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        awaiting: list[str] = []
        for response_name, field_nodes, plan in steps:
            if plan is not None:
                if plan.bare_leaf:
                    # The commonest field of all (a name, a flag) read here, without a call of its own.
                    try:
                        value = plan.read(source_value, plan.python_name)
                    except Exception as raw_error:
                        results[response_name] = self._field_error(raw_error, field_nodes, plan.field.type, Path(path, response_name, parent_type.name))
                        continue
                    if type(value) in plan.unchanged_types:
                        results[response_name] = value
                        continue
                    answer = self._bare_leaf(plan, value, parent_type, field_nodes, path, response_name)
                else:
                    answer = self._short_answer(plan, parent_type, source_value, field_nodes, path, response_name)
                results[response_name] = answer
                if type(answer) not in _SERIALIZED_TYPES and is_awaitable(answer):
                    awaiting.append(response_name)
                continue
            result = self.execute_field(parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name))
            if result is not Undefined:
                results[response_name] = result
                if is_awaitable(result):
                    awaiting.append(response_name)
        if not awaiting:
            return results
        return _completed_fields(results, awaiting)

    def _bare_leaf(self, plan: FieldPlan, value: Any, parent_type: GraphQLObjectType, field_nodes: list[Any], path: Path | None, response_name: str) -> Any:
        """A leaf without checks (a date, an enum) serialized from the value read (by
        `execute_fields`); anything unusual goes on as `_short_answer` would."""
        try:
            if value is None:
                if plan.nullable:
                    return None
            elif type(value) in plan.plain_types:
                return self._serialized(plan, value)
        except Exception as raw_error:
            return self._field_error(raw_error, field_nodes, plan.field.type, Path(path, response_name, parent_type.name))
        return self._answer_to(plan, value, parent_type, field_nodes, Path(path, response_name, parent_type.name))

    def _short_answer(self, plan: FieldPlan, parent_type: GraphQLObjectType, source: Any, field_nodes: list[Any], path: Path | None, response_name: str) -> Any:
        field_path = Path(path, response_name, parent_type.name)
        try:
            for check in plan.checks:
                if check(self.context_value) is not None:
                    # Not a check as this module means it (an awaitable, say): refused, never skipped.
                    raise TypeError(f"{check.__qualname__} returned a value; a check returns None or raises")
            if plan.resolve is None:
                value = plan.read(source, plan.python_name)
            else:
                info = self._strawberry_info(plan, parent_type, field_nodes, field_path) if plan.takes_info else None
                value = plan.resolve(source, info)
        except Exception as raw_error:
            # What graphql-core does with an error of a field's resolver (strawberry's runs
            # the same checks, then the same read).
            return self._field_error(raw_error, field_nodes, plan.field.type, field_path)
        return self._answer_to(plan, value, parent_type, field_nodes, field_path)

    def _answer_to(self, plan: FieldPlan, value: Any, parent_type: GraphQLObjectType, field_nodes: list[Any], field_path: Path) -> Any:
        """The answer of a plain field to the value read from it."""
        is_awaitable = self.is_awaitable
        if value is None:
            if plan.nullable:
                return None
            return self._completed_generally(plan, value, parent_type, field_nodes, field_path)
        if plan.item_type is None:
            if not self._plain(value, plan.plain_types):
                return self._completed_generally(plan, value, parent_type, field_nodes, field_path)
        elif type(value) not in (list, tuple):
            return self._completed_generally(plan, value, parent_type, field_nodes, field_path)
        elif plan.object_type is None and {type(item) for item in value} <= plan.unchanged_types:
            return list(value)  # leaves that serialize to themselves (a list of strings): as they are
        elif not self._plain_items(plan, value):
            return self._completed_generally(plan, value, parent_type, field_nodes, field_path)
        try:
            if plan.object_type is None:
                return self._leaf(plan, value, field_nodes, field_path)
            if plan.item_type is None:
                completed = self.execute_fields(plan.object_type, value, field_path, self.collect_subfields(plan.object_type, field_nodes))
            else:
                completed = self._object_items(plan, value, field_nodes, field_path)
        except Exception as raw_error:
            return self._field_error(raw_error, field_nodes, plan.field.type, field_path)
        if is_awaitable(completed):
            return self._awaited(completed, field_nodes, plan.field.type, field_path)
        return completed

    def _plain(self, value: Any, plain_types: frozenset[type]) -> bool:
        """Whether graphql-core completes `value` as it is: neither awaits it nor reports it
        as the field's error (an exception instance, graphql-core's `Undefined`). Asked once
        per class in this request where one answer holds for every instance of the class
        (`_answered_by_class`: a page's nodes)."""
        kind = type(value)
        if kind in plain_types:
            return True
        if kind in self._plain_classes:
            return "__await__" not in getattr(value, "__dict__", ())
        if isinstance(value, Exception) or self.is_awaitable(value):
            return False
        if _answered_by_class(kind):
            self._plain_classes.add(kind)
        return True

    def _plain_items(self, plan: FieldPlan, items: list[Any] | tuple[Any, ...]) -> bool:
        """Whether graphql-core completes every item as it is: none null where items may not
        be, none awaitable or an exception."""
        plain_types, known = plan.plain_types, self._plain_classes
        for item in items:
            kind = type(item)
            if kind in plain_types:
                continue
            if kind in known:
                if "__await__" in getattr(item, "__dict__", ()):
                    return False
                continue
            if item is None:
                if not plan.items_nullable:
                    return False
            elif not self._plain(item, plain_types):
                return False
        return True

    def _strawberry_info(self, plan: FieldPlan, parent_type: GraphQLObjectType, field_nodes: list[Any], field_path: Path) -> Info:
        """The info strawberry gives a resolver function: its own, around graphql-core's (a
        schema with an info class of its own has no plans for such fields, see `_plan`)."""
        return Info(_raw_info=self.build_resolve_info(plan.field, field_nodes, parent_type, field_path), _field=plan.definition)

    def _completed_generally(self, plan: FieldPlan, value: Any, parent_type: GraphQLObjectType, field_nodes: list[Any], field_path: Path) -> Any:
        """The value read, completed by graphql-core itself as its `execute_field` completes
        a resolver's result: awaited if awaitable, then its errors where it puts them."""
        info = self.build_resolve_info(plan.field, field_nodes, parent_type, field_path)
        try:
            if self.is_awaitable(value):
                completed = self._completed_when_awaited(plan, info, field_nodes, field_path, value)
            else:
                completed = self.complete_value(plan.field.type, field_nodes, info, field_path, value)
        except Exception as raw_error:
            return self._field_error(raw_error, field_nodes, plan.field.type, field_path)
        if self.is_awaitable(completed):
            return self._awaited(completed, field_nodes, plan.field.type, field_path)
        return completed

    async def _completed_when_awaited(self, plan: FieldPlan, info: Any, field_nodes: list[Any], field_path: Path, value: Awaitable[Any]) -> Any:
        completed = self.complete_value(plan.field.type, field_nodes, info, field_path, await value)
        return await completed if self.is_awaitable(completed) else completed

    def _leaf(self, plan: FieldPlan, value: Any, field_nodes: list[Any], field_path: Path) -> Any:
        """A leaf or a list of leaves, serialized; an item's error handled at the item, as
        graphql-core does (raised to the field when the item may not be null)."""
        if plan.item_type is None:
            return value if type(value) in plan.unchanged_types else self._serialized(plan, value)
        answer = []
        for index, item in enumerate(value):
            try:
                answer.append(None if item is None else self._serialized(plan, item))
            except Exception as raw_error:
                answer.append(self._field_error(raw_error, field_nodes, plan.item_type, field_path.add_key(index, None)))
        return answer

    def _serialized(self, plan: FieldPlan, value: Any) -> Any:
        serialized = plan.serialize(value)  # type: ignore[misc]
        if serialized is None or serialized is Undefined:
            raise _not_serialized(plan, value, serialized)
        return serialized

    def _object_items(self, plan: FieldPlan, items: list[Any] | tuple[Any, ...], field_nodes: list[Any], field_path: Path) -> Any:
        object_type, item_type = plan.object_type, plan.item_type
        assert object_type is not None and item_type is not None
        sub_fields = self.collect_subfields(object_type, field_nodes)
        is_awaitable = self.is_awaitable
        completed_items: list[Any] = []
        awaiting: list[int] = []
        for index, item in enumerate(items):
            item_path = field_path.add_key(index, None)
            if item is None:  # an item that may be null (checked before)
                completed_items.append(None)
                continue
            try:
                completed = self.execute_fields(object_type, item, item_path, sub_fields)
            except Exception as raw_error:
                # Raises again when the item may not be null: the list field handles it.
                completed = self._field_error(raw_error, field_nodes, item_type, item_path)
            else:
                if is_awaitable(completed):
                    completed = self._awaited(completed, field_nodes, item_type, item_path)
                    awaiting.append(index)
            completed_items.append(completed)
        if not awaiting:
            return completed_items
        return _completed_items(completed_items, awaiting)

    def _field_error(self, raw_error: Exception, field_nodes: list[Any], return_type: GraphQLOutputType, path: Path) -> None:
        """As graphql-core handles an error completing a field: located at `path`, then
        collected (the value is null) or, for a non-null type, raised to the parent."""
        error: GraphQLError = located_error(raw_error, field_nodes, path.as_list())
        self.handle_field_error(error, return_type, path)
        return None

    async def _awaited(self, completed: Awaitable[Any], field_nodes: list[Any], return_type: GraphQLOutputType, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            return self._field_error(raw_error, field_nodes, return_type, path)


async def _completed_fields(results: dict[str, Any], awaiting: list[str]) -> dict[str, Any]:
    """An object's answer once its awaited fields are done (all at once, as graphql-core does)."""
    results.update(zip(awaiting, await gather(*(results[name] for name in awaiting))))
    return results


async def _completed_items(items: list[Any], awaiting: list[int]) -> list[Any]:
    for index, value in zip(awaiting, await gather(*(items[index] for index in awaiting))):
        items[index] = value
    return items


def prepare_plans(schema: GraphQLSchema) -> None:
    """The plans made now, from the fields' extensions as they are when the schema is built
    (when strawberry fixes each field's chain of extensions), rather than at the first
    execution: a type shared with a schema built later may be given more extensions."""
    _plans_of(schema)


def _plans_of(schema: GraphQLSchema) -> dict[str, dict[str, FieldPlan]]:
    # Made once per schema and kept on it: schemas live as long as their platform.
    plans = getattr(schema, "_platform_field_plans", None)
    if plans is None:
        strawberry_schema = getattr(schema, "_strawberry_schema", None)
        # Strawberry's exception handlers wrap the resolvers of the fields they may answer.
        plans = {} if getattr(strawberry_schema, "exception_handlers", ()) else field_plans(schema)
        schema._platform_field_plans = plans  # type: ignore[attr-defined]
    return plans
