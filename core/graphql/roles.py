"""The roles of the platform as a GraphQL enum (`Role`): inputs and answers name roles by
this enum, so a typed client knows them; services keep working with the role names."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import strawberry

from core.access import ROLES

RoleEnum = strawberry.enum(
    enum.Enum(  # type: ignore[misc]
        "Role", {name.upper(): strawberry.enum_value(name, description=role.description) for name, role in ROLES.items()}
    ),
    name="Role",
    description="Een rol in een gemeente (of, voor PLATFORM_OPERATOR, op het platform).",
)


def roles_of(names: Iterable[str]) -> list[RoleEnum]:  # type: ignore[valid-type]
    return [RoleEnum(name) for name in names]
