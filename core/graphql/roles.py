"""The roles of the platform as a GraphQL enum (`Role`): inputs and answers name roles by
this enum, so a typed client knows them; services keep working with the role names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.access import ROLES
from core.graphql.enums import value_enum

RoleEnum = value_enum(
    "Role",
    ROLES,
    "Een rol in een gemeente (of, voor PLATFORM_OPERATOR, op het platform).",
    {name: role.description for name, role in ROLES.items()},
)


def roles_of(names: Iterable[str]) -> list[Any]:
    return [RoleEnum(name) for name in names]
