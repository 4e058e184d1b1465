"""Authorization: every field declares its permission (deny by default), and a role x
operation matrix, generated from the declared permissions, is checked against real
requests for every query and mutation of the schema.

Both are built from what the running platform has loaded, so they cover every installed
module too (an extra module installed beside the platform is checked like a handvat)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    is_leaf_type,
)

from core.access import PLATFORM_OPERATOR, TENANT_ROLES
from core.graphql.builder import _unwrap
from core.graphql.fields import CONTAINER_ATTR, READ_PERMISSION_ATTR, RequirePermission, declared_permission, is_public
from core.platform import Platform
from tests.conftest import Api, World

ROLES = (*TENANT_ROLES, PLATFORM_OPERATOR)
OPERATOR = "operator@platform.example"


def test_every_field_declares_its_permission(platform: Platform) -> None:
    """A walk over the whole schema: root fields declare a permission (or are public); every
    other object type is readable only with a declared permission (or only carries what
    guarded fields return); every field that returns a guarded type checks its permission."""
    schema = platform.schema
    problems: list[str] = []
    for name in ("Query", "Mutation"):
        for strawberry_field in schema.get_type_by_name(name).fields:
            if declared_permission(strawberry_field) is None and not is_public(strawberry_field):
                problems.append(f"{name}.{strawberry_field.name}: no permission declared")
    for type_name, graphql_type in schema._schema.type_map.items():  # noqa: SLF001 - the built schema
        definition = schema.get_type_by_name(type_name)
        if type_name.startswith("__") or type_name in ("Query", "Mutation") or definition is None:
            continue
        if not hasattr(definition, "fields") or getattr(definition, "is_input", False) or not hasattr(definition, "origin"):
            continue
        origin = definition.origin
        if getattr(origin, READ_PERMISSION_ATTR, None) is None and not getattr(origin, CONTAINER_ATTR, False):
            problems.append(f"type {type_name}: neither readable_with(...) nor a container")
        for strawberry_field in definition.fields:
            target = _unwrap(strawberry_field.type)
            needed = getattr(target, READ_PERMISSION_ATTR, None)
            guarded = {extension.permission for extension in strawberry_field.extensions if isinstance(extension, RequirePermission)}
            if needed is not None and needed not in guarded:
                problems.append(f"{type_name}.{strawberry_field.name}: returns a type needing {needed} without checking it")
    assert not problems, "\n".join(problems)


def dummy_value(graphql_type: Any) -> Any:
    """A value of the right shape for a required argument."""
    if isinstance(graphql_type, GraphQLNonNull):
        return dummy_value(graphql_type.of_type)
    if isinstance(graphql_type, GraphQLList):
        return [dummy_value(graphql_type.of_type)]
    if isinstance(graphql_type, GraphQLEnumType):
        return next(iter(graphql_type.values))
    if isinstance(graphql_type, GraphQLInputObjectType):
        return {
            name: dummy_value(field.type)
            for name, field in graphql_type.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(graphql_type, GraphQLScalarType), graphql_type
    return {
        "String": "x",
        "ID": "00000000-0000-0000-0000-000000000001",
        "Int": 1,
        "Boolean": True,
        "JSON": {},
        "DateTime": "2026-01-01T00:00:00+00:00",
        "Date": "2026-01-01",
        "Float": 1.0,
    }[graphql_type.name]


def operation(platform: Platform, kind: str, name: str) -> tuple[str, dict[str, Any]]:
    root = platform.schema._schema.query_type if kind == "query" else platform.schema._schema.mutation_type  # noqa: SLF001
    graphql_field = root.fields[name]
    declarations, arguments, variables = [], [], {}
    for index, (argument_name, argument) in enumerate(graphql_field.args.items()):
        if not isinstance(argument.type, GraphQLNonNull):
            continue
        declarations.append(f"$a{index}: {argument.type}")
        arguments.append(f"{argument_name}: $a{index}")
        variables[f"a{index}"] = dummy_value(argument.type)
    selection = "" if is_leaf_type(get_named_type(graphql_field.type)) else " { __typename }"
    header = f"{kind} Matrix({', '.join(declarations)})" if declarations else f"{kind} Matrix"
    call = f"{name}({', '.join(arguments)})" if arguments else name
    return f"{header} {{ {call}{selection} }}", variables


def enabling_order(platform: Platform) -> list[str]:
    """Every loaded module, each after the modules it depends on."""
    modules = platform.runtime.modules
    ordered: list[str] = []

    def visit(key: str) -> None:
        if key not in ordered:
            for dependency in modules[key].meta.depends_on:
                visit(dependency)
            ordered.append(key)

    for key in sorted(modules):
        visit(key)
    return ordered


def matrix(platform: Platform) -> list[tuple[str, str, str]]:
    """(kind, field name, permission) of every root field, from the declarations."""
    rows = []
    for kind, type_name in (("query", "Query"), ("mutation", "Mutation")):
        for strawberry_field in platform.schema.get_type_by_name(type_name).fields:
            rows.append((kind, platform.schema.config.name_converter.get_graphql_name(strawberry_field), declared_permission(strawberry_field) or "public"))
    return rows


@pytest.mark.parametrize("role", ROLES)
async def test_role_operation_matrix(api: Api, world: World, platform: Platform, role: str) -> None:
    admin = World.email("coalition_admin", "utrecht")
    for key in enabling_order(platform):  # whatever is installed, so no field answers MODULE_NOT_ENABLED
        (await api.gql("utrecht", f'mutation {{ enableModule(input: {{key: "{key}"}}) {{ module {{ key }} }} }}', user=admin)).ok()
    states = (await api.gql("utrecht", "{ tenant { modules { key enabled } } }", user=admin)).ok()["tenant"]["modules"]
    assert {state["key"] for state in states if state["enabled"]} == set(platform.runtime.modules)
    if role == PLATFORM_OPERATOR:
        from core.models import Person

        async with platform.session(None) as session:
            session.add(Person(email=OPERATOR, is_platform_operator=True))
            await session.commit()
        user = OPERATOR
    else:
        user = World.email(role, "utrecht")
    granted = platform.permissions.for_roles([role])
    checked = 0
    for kind, name, permission in matrix(platform):
        if name in ("disableModule",):
            continue  # would switch the modules off for the operations after it
        query, variables = operation(platform, kind, name)
        response = await api.gql("utrecht", query, variables, user=user)
        assert response.status in (200, 400), f"{role} {name}: {response.status} {response.body}"
        root_codes = {error["extensions"]["code"] for error in response.errors if error.get("path", [None])[0] == name}
        allowed = permission == "public" or permission in granted
        if allowed:
            assert "FORBIDDEN" not in root_codes, f"{role} may {name} ({permission}) but was refused: {response.body}"
        else:
            assert "FORBIDDEN" in root_codes, f"{role} may not {name} ({permission}) but was not refused: {json.dumps(response.body)[:400]}"
        checked += 1
    assert checked >= 30
