"""uitleen: a lending point for baby goods, an extra module installed beside the platform.

It uses only the public plugin API (`core.plugin`): a table with its own migration branch,
a query and a mutation with their permissions, and a per-gemeente configuration.
"""

from __future__ import annotations

from pathlib import Path

from core.plugin import GraphQLContribution, ModuleMeta, Permission, hookimpl

from .models import UitleenItem
from .permissions import KEY, PERMISSIONS
from .schema import Mutation, Query, UitleenConfig


@hookimpl
def module_meta() -> ModuleMeta:
    return ModuleMeta(
        key=KEY,
        name="Uitleenpunt",
        description="Babyspullen die partners van de coalitie uitlenen.",
        category="aanvulling",
        plugin_api=">=1.0",
    )


@hookimpl
def register_models() -> list[type]:
    return [UitleenItem]


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def register_graphql() -> GraphQLContribution:
    return GraphQLContribution(query=(Query,), mutation=(Mutation,))


@hookimpl
def register_permissions() -> list[Permission]:
    return PERMISSIONS


@hookimpl
def module_config_model() -> type[UitleenConfig]:
    return UitleenConfig
