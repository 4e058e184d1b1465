"""Limits on the shape of a GraphQL document, checked before it is validated.

graphql-core's validation rules, strawberry's depth limiter and the executor all recurse
through fragment spreads and nested selections. A document of a few hundred tokens can
therefore exhaust Python's recursion limit (a chain of fragment spreads, which the depth
limit does not count), or blow up exponentially (every fragment spreading the next one
twice). The check here walks the document without recursion and refuses, before any
rule runs:

* selections nested deeper than `max_nesting` (fields, inline fragments and fragment
  spreads each count as a level, fragments expanded);
* more than `max_selections` selections once every fragment spread is expanded;
* fragments that spread themselves (directly or through others);
* list and object values nested deeper than `max_value_nesting`.

A refused document answers like the other limits: `GRAPHQL_VALIDATION_FAILED`. A string
value that holds NUL (the escape \\u0000: PostgreSQL cannot store it) answers
`INVALID_CHARACTERS`, like such a character anywhere else in a request (the gateway
refuses raw ones in the request body before parsing).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    Visitor,
    visit,
)
from strawberry.extensions import ValidationCache

TOO_DEEP = "De query is te diep genest (fragmenten meegeteld): hoogstens {limit} niveaus."
TOO_LARGE = "De query is te groot als alle fragmenten zijn ingevuld: hoogstens {limit} velden."
CYCLE = "Een fragment verwijst (via andere fragmenten) naar zichzelf."
VALUES_TOO_DEEP = "Een waarde in de query is te diep genest: hoogstens {limit} niveaus."
INVALID_CHARACTERS = "De query bevat een teken dat niet is toegestaan (zoals een nul-teken)."
_UNSEEN: Any = object()


@dataclass
class _Shape:
    """A selection set without its fragment spreads resolved: how deep its own fields and
    inline fragments nest, how many there are, and the spreads with their level."""

    depth: int = 0
    size: int = 0
    spreads: list[tuple[str, int]] = field(default_factory=list)


def _shape(selection_set: SelectionSetNode | None) -> _Shape:
    """The shape of a selection set, by an explicit stack (no recursion)."""
    shape = _Shape()
    pending: list[tuple[SelectionSetNode, int]] = [(selection_set, 1)] if selection_set is not None else []
    while pending:
        current, level = pending.pop()
        shape.depth = max(shape.depth, level)
        for selection in current.selections:
            if isinstance(selection, FragmentSpreadNode):
                shape.spreads.append((selection.name.value, level))
                continue
            shape.size += 1
            if isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set is not None:
                pending.append((selection.selection_set, level + 1))
    return shape


def _fragment_order(shapes: dict[str, _Shape]) -> list[str] | None:
    """The fragments, each after every fragment it spreads (post-order, by an explicit
    stack); None when fragments spread themselves."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in shapes:
        if start in state:
            continue
        state[start] = 1
        stack: list[tuple[str, Iterator[str]]] = [(start, iter([name for name, _ in shapes[start].spreads]))]
        while stack:
            name, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif target not in shapes:
                continue  # an unknown fragment: KnownFragmentNames reports it
            elif state.get(target) == 1:
                return None
            elif target not in state:
                state[target] = 1
                stack.append((target, iter([spread for spread, _ in shapes[target].spreads])))
    return order


class _Values(Visitor):
    """How deep list and object values nest, and whether a string value holds NUL (graphql-core's
    visitor keeps its own stack: no recursion)."""

    def __init__(self) -> None:
        super().__init__()
        self.level = self.deepest = 0
        self.nul = False

    def enter_list_value(self, *_args: Any) -> None:
        self.level += 1
        self.deepest = max(self.deepest, self.level)

    def leave_list_value(self, *_args: Any) -> None:
        self.level -= 1

    enter_object_value = enter_list_value
    leave_object_value = leave_list_value

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.nul = True


def document_refusal(
    document: DocumentNode, *, max_nesting: int, max_selections: int, max_value_nesting: int
) -> GraphQLError | None:
    """The error that refuses this document before validation, or None."""
    values = _Values()
    visit(document, values)
    if values.nul:
        return GraphQLError(INVALID_CHARACTERS, extensions={"code": "INVALID_CHARACTERS", "field": "query"})
    if values.deepest > max_value_nesting:
        return GraphQLError(VALUES_TOO_DEEP.format(limit=max_value_nesting), extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
    problem = selection_problem(document, max_nesting=max_nesting, max_selections=max_selections)
    return GraphQLError(problem, extensions={"code": "GRAPHQL_VALIDATION_FAILED"}) if problem else None


def selection_problem(document: DocumentNode, *, max_nesting: int, max_selections: int) -> str | None:
    """Why the selections of this document are refused (a Dutch message), or None."""
    fragments: dict[str, FragmentDefinitionNode] = {}
    operations: list[OperationDefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition  # the last one counts, as for the rules
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
    shapes = {name: _shape(definition.selection_set) for name, definition in fragments.items()}
    order = _fragment_order(shapes)
    if order is None:
        return CYCLE
    # Fragments first (each after those it spreads), then the operations: depth and size
    # with every spread expanded. Sizes are capped, so a fragment bomb stays a small number.
    cap = max_selections + 1
    depth: dict[str, int] = {}
    size: dict[str, int] = {}

    def expanded(shape: _Shape) -> tuple[int, int]:
        total_depth, total_size = shape.depth, shape.size
        for name, level in shape.spreads:
            if name in depth:
                total_depth = max(total_depth, level + depth[name])
                total_size = min(cap, total_size + 1 + size[name])
        return total_depth, min(cap, total_size)

    for name in order:
        depth[name], size[name] = expanded(shapes[name])
    for operation in operations:
        nesting, selections = expanded(_shape(operation.selection_set))
        if nesting > max_nesting:
            return TOO_DEEP.format(limit=max_nesting)
        if selections > max_selections:
            return TOO_LARGE.format(limit=max_selections)
    # A fragment no operation uses is refused by NoUnusedFragments; its rules still walk it.
    for name in fragments:
        if depth[name] > max_nesting:
            return TOO_DEEP.format(limit=max_nesting)
        if size[name] > max_selections:
            return TOO_LARGE.format(limit=max_selections)
    return None


def limited_validation(*, max_nesting: int, max_selections: int, max_value_nesting: int, maxsize: int) -> type[ValidationCache]:
    """strawberry's validation cache, refusing documents of a shape that the validation
    rules (or execution) could not handle before any rule runs."""

    # The verdict per document text (most requests repeat a few documents), bounded.
    verdicts: OrderedDict[str, tuple[str, dict[str, Any]] | None] = OrderedDict()

    def refusal_of(query: str | None, document: DocumentNode) -> GraphQLError | None:
        verdict = verdicts.get(query, _UNSEEN) if query is not None else _UNSEEN
        if verdict is _UNSEEN:
            error = document_refusal(document, max_nesting=max_nesting, max_selections=max_selections, max_value_nesting=max_value_nesting)
            verdict = (error.message, dict(error.extensions or {})) if error is not None else None
            if query is not None:
                verdicts[query] = verdict
                while len(verdicts) > maxsize:
                    verdicts.popitem(last=False)
        elif query in verdicts:
            verdicts.move_to_end(query)
        return GraphQLError(verdict[0], extensions=verdict[1]) if verdict is not None else None

    class LimitedValidationCache(ValidationCache):
        def __init__(self) -> None:
            super().__init__(maxsize=maxsize)

        def on_validate(self) -> Iterator[None]:
            context: Any = self.execution_context
            refusal = refusal_of(context.query, context.graphql_document)
            if refusal is None:
                yield from super().on_validate()
                return
            # Validation is skipped when errors are already there; the operation is not run.
            context.pre_execution_errors = [refusal]
            yield

    return LimitedValidationCache
