"""Core's closed sets that modules name too, as GraphQL enums: the roles (`Role`) and the
kinds of partner organisation (`PartnerType`). Inputs and answers name them by these enums,
so a typed client knows them; services keep working with the stored values. Modules use
them through `core.plugin` (`RoleEnum`, `PartnerTypeEnum`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry

from core.access import ROLES
from core.graphql.enums import value_enum
from core.models import PartnerType

RoleEnum = value_enum(
    "Role",
    ROLES,
    "Een rol in een gemeente (of, voor PLATFORM_OPERATOR, op het platform).",
    {name: role.description for name, role in ROLES.items()},
)


PartnerTypeEnum = strawberry.enum(PartnerType, name="PartnerType", description="Soort partnerorganisatie.")


def roles_of(names: Iterable[str]) -> list[Any]:
    return [RoleEnum(name) for name in names]
