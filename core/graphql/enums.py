"""GraphQL enums over stored values: a module stores lowercase codes (`kind_0_2`), its API
answers enum members (`KIND_0_2`). Building the enum from the values the services use keeps
the schema from drifting from them; `enum_member` maps a stored value at the edge (inputs
come back as values through `input_data` or `.value`)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

import strawberry


def value_enum(name: str, values: Iterable[Any], description: str, members: Mapping[Any, str]) -> Any:
    """A strawberry enum named `name`, one member per stored value (its name the value in
    capitals), each with its Dutch description from `members` (every value needs one)."""
    values = list(values)
    missing = [str(value) for value in values if value not in members]
    if missing:
        raise ValueError(f"{name}: no description for {', '.join(missing)}")
    python_enum = enum.Enum(  # type: ignore[misc]
        name, {str(value).upper(): strawberry.enum_value(str(value), description=members[value]) for value in values}
    )
    return strawberry.enum(python_enum, name=name, description=description)


def enum_member(enum_type: Any, value: Any) -> Any:
    """The GraphQL member for a stored value (None, or an empty text, stays None; a member
    of the enum is itself)."""
    if value is None or value == "":
        return None
    if isinstance(value, enum_type):
        return value
    # The enum's own map from value to member: a dict lookup, where calling the enum goes
    # through EnumType.__call__ (several members a row, in every list). Anything else (a
    # value that is not stored text, an unknown value: ValueError) as the call does it.
    member = enum_type._value2member_map_.get(value) if isinstance(value, str) else None
    return member if member is not None else enum_type(str(value))


def enum_members(enum_type: Any, values: Iterable[Any]) -> list[Any]:
    """The GraphQL members for stored values (a list column such as a signal's worries)."""
    return [enum_member(enum_type, value) for value in values]
