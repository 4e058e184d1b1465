"""Declaring GraphQL fields with their permission.

Every root field and mutation declares the permission it needs (or that it is public):

    @field(permission="core.partner.read")
    async def partners(self, info: Info, ...) -> PartnerConnection: ...

    @mutation(permission="core.partner.manage")
    async def create_partner(self, info: Info, input: CreatePartnerInput) -> PartnerPayload: ...

An object type declares the permission needed to read it with `@readable_with(...)`; every
field that returns it (directly, in a list or in a connection) then checks that permission
too, so a type can't leak through a forgotten path. The schema builder adds the module
gate (`MODULE_NOT_ENABLED`) and the transaction around each mutation.
"""

from __future__ import annotations

import asyncio
import enum
import random
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

import structlog
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from core.db import begin_write, database_problem, is_retryable, sqlstate
from core.errors import Conflict, ModuleNotEnabled

log = structlog.get_logger(__name__)

READ_PERMISSION_ATTR = "__kansrijk_read_permission__"


class RequirePermission(FieldExtension):
    """Refuses the field unless the principal holds `permission`."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def check_context(self, context: Any) -> None:
        """The whole check: it needs nothing of the field (core.graphql.execution)."""
        context.principal.require(self.permission)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        self.check_context(info.context)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        self.check_context(info.context)
        return await next_(source, info, **kwargs)


class PublicField(FieldExtension):
    """Marks a field as explicitly needing no permission (checked by the schema test)."""

    def check_context(self, context: Any) -> None:
        """Nothing to check (core.graphql.execution)."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        return await next_(source, info, **kwargs)


class ModuleGate(FieldExtension):
    """Answers MODULE_NOT_ENABLED when the tenant has not enabled the field's module."""

    def __init__(self, module_key: str) -> None:
        self.module_key = module_key

    def check_context(self, context: Any) -> None:
        """The whole check: it needs nothing of the field (core.graphql.execution)."""
        if self.module_key not in context.enabled_modules:
            raise ModuleNotEnabled(
                f"De module {self.module_key} staat niet aan voor deze gemeente.", module=self.module_key
            )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        self.check_context(info.context)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        self.check_context(info.context)
        return await next_(source, info, **kwargs)


class Transactional(FieldExtension):
    """One transaction per mutation: commit (with its processing-log records, then dispatch
    its events) on success, roll back everything on any error, so nothing is half-written.
    A deadlock or serialization failure runs the mutation again (a few times, after a short
    random pause); contention that remains, or a timeout, answers `BUSY`. A uniqueness
    clash with a concurrent request is a conflict, not an internal error. The processing
    records of a failed mutation are still written, with status `error`."""

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        context = info.context
        attempts = context.settings.transaction_attempts
        for attempt in range(1, attempts + 1):
            context.forget_loaded()
            await begin_write(context.session, keep_read=attempt == 1)
            try:
                result = await next_(source, info, **kwargs)
                await context.save()
            except IntegrityError:
                await context.save_failure()
                raise Conflict("Deze gegevens zijn tegelijk door iemand anders gewijzigd of bestaan al. Probeer het opnieuw.") from None
            except SQLAlchemyError as exc:
                if is_retryable(exc) and attempt < attempts:
                    log.info("mutation.retried", attempt=attempt, sqlstate=sqlstate(exc))
                    await context.forget_attempt()
                    await asyncio.sleep(random.uniform(0, RETRY_PAUSE * 2**attempt))
                    continue
                await context.save_failure()
                problem = database_problem(exc)
                if problem is None:
                    raise
                raise problem from None
            except BaseException:
                await context.save_failure()
                raise
            await context.dispatch_events()
            return result
        raise AssertionError("unreachable: the last attempt returns or raises")


#: Seconds: the longest pause before the first retry of a unit of work (doubles per retry).
RETRY_PAUSE = 0.02


def _declaration(permission: str | None, public: bool) -> list[FieldExtension]:
    if public == (permission is not None):
        raise ValueError("declare exactly one of permission=... or public=True")
    return [PublicField()] if public else [RequirePermission(permission)]  # type: ignore[arg-type]


def field(
    resolver: Any = None, *, permission: str | None = None, public: bool = False, **kwargs: Any
) -> Any:
    """A query field with its permission (or `public=True`)."""
    extensions = _declaration(permission, public) + list(kwargs.pop("extensions", []))
    if resolver is None:
        return strawberry.field(extensions=extensions, **kwargs)
    return strawberry.field(resolver, extensions=extensions, **kwargs)


def mutation(
    resolver: Any = None, *, permission: str | None = None, public: bool = False, **kwargs: Any
) -> Any:
    """A mutation with its permission; it runs in its own transaction."""
    extensions = _declaration(permission, public) + list(kwargs.pop("extensions", []))
    if resolver is None:
        return strawberry.mutation(extensions=extensions, **kwargs)
    return strawberry.mutation(resolver, extensions=extensions, **kwargs)


def readable_with(permission: str) -> Callable[[type], type]:
    """Class decorator (put it above `@strawberry.type`): reading this type needs `permission`."""

    def decorate(cls: type) -> type:
        setattr(cls, READ_PERMISSION_ATTR, permission)
        return cls

    return decorate


def row_field(column: str) -> Any:
    """A field of a node that holds the row it answers for (`self.row`), read from the row
    when a query asks for it: a page's nodes copy nothing they are not asked for. Declare
    the field on the `@strawberry.type` as usual and assign this on a plain subclass that
    sets `self.row` (see `MemberOfRow` in core and `RegelingOfRow` in handvat 3)."""
    return property(attrgetter(f"row.{column}"))


CONTAINER_ATTR = "__kansrijk_container__"


def container(cls: type) -> type:
    """Class decorator (above `@strawberry.type`) for types without data of their own, such
    as payloads and connections: what they hold is guarded by the field that returns them
    and by the types inside them."""
    setattr(cls, CONTAINER_ATTR, True)
    return cls


def declared_permission(strawberry_field: Any) -> str | None:
    for extension in strawberry_field.extensions:
        if isinstance(extension, RequirePermission):
            return extension.permission
    return None


def is_public(strawberry_field: Any) -> bool:
    return any(isinstance(extension, PublicField) for extension in strawberry_field.extensions)


def undeclared_root_fields(contribution: Any) -> list[str]:
    """Root Query/Mutation fields of a contribution that declare neither a permission nor
    that they are public (deny by default: such a module is not loaded)."""
    missing = []
    for kind, types in (("Query", contribution.query), ("Mutation", contribution.mutation)):
        for type_ in types:
            for strawberry_field in type_.__strawberry_definition__.fields:
                if declared_permission(strawberry_field) is None and not is_public(strawberry_field):
                    missing.append(f"{kind}.{strawberry_field.python_name}")
    return missing


def non_public_fields(contribution: Any) -> list[str]:
    """Fields of a contribution's public schema that are not declared `public=True`."""
    return [
        f"PublicQuery.{strawberry_field.python_name}"
        for type_ in contribution.public_query
        for strawberry_field in type_.__strawberry_definition__.fields
        if not is_public(strawberry_field)
    ]


def input_data(input_object: Any, *, exclude: Sequence[str] = ()) -> dict[str, Any]:
    """A GraphQL input as plain data for a service (and its pydantic validation): the fields
    that were given (UNSET ones are left out, so a patch changes only those), nested inputs
    as dicts, enums as their values."""

    def plain(value: Any) -> Any:
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        if hasattr(type(value), "__strawberry_definition__"):
            return input_data(value)
        return value

    return {name: plain(value) for name, value in vars(input_object).items() if value is not strawberry.UNSET and name not in exclude}


def _selected(selections: Iterable[Any]) -> Iterator[Any]:
    """The fields among `selections`, those of fragments included."""
    from strawberry.types.nodes import SelectedField

    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:  # a fragment spread or an inline fragment
            yield from _selected(selection.selections)


def _children(fields: Iterable[Any], name: str | None = None) -> list[Any]:
    return [child for parent in fields for child in _selected(parent.selections) if name is None or child.name == name]


def _selected_nodes(info: Any, connection: bool) -> list[Any] | None:
    """The selections of what a field answers: its connection's nodes (`edges { node }` and
    `nodes`) or the one object; None when strawberry cannot read the selection."""
    try:
        roots = info.selected_fields
    except AttributeError:  # strawberry cannot convert an inline fragment without a type condition
        return None
    return _children(_children(roots, "edges"), "node") + _children(roots, "nodes") if connection else roots


def selected_node_fields(info: Any, *, connection: bool) -> frozenset[str] | None:
    """The GraphQL names of the fields a query selects on what this field answers: on the
    nodes of a connection (`edges { node { … } }` and `nodes { … }`) or on the one object;
    fragments included, `@skip`/`@include` not applied (a superset does no harm). None when
    the selection cannot be read (then load everything): lists load only what is asked."""
    nodes = _selected_nodes(info, connection)
    return None if nodes is None else frozenset(child.name for child in _children(nodes))


def selected_columns(
    fields: frozenset[str] | None, columns_of_field: Mapping[str, Sequence[Any]], *, always: Sequence[Any] = ()
) -> tuple[Any, ...] | None:
    """The columns a query's `fields` (`selected_node_fields`) read, by `columns_of_field` (a
    GraphQL field name -> the columns it reads), after `always` (a page's key and order),
    each once; None (read whole rows) when the selection cannot be read or names a field
    not in the map."""
    if fields is None or not fields <= columns_of_field.keys():
        return None
    return tuple(dict.fromkeys((*always, *(column for name in sorted(fields) for column in columns_of_field[name]))))


def selected_node_subfields(info: Any, name: str, *, connection: bool) -> frozenset[str] | None:
    """The GraphQL names of the fields a query selects on field `name` of those nodes (or
    that object), as `selected_node_fields` does one level down: what a page reads for a
    nested list (a partner's members). None when the selection cannot be read."""
    nodes = _selected_nodes(info, connection)
    return None if nodes is None else frozenset(child.name for child in _children(_children(nodes, name)))
