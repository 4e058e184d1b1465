"""A test module with the two data shapes besides tenant tables: a shared table
(`ShapeExample`, a `SharedModel`) and national reference data (`ShapeFigure`, a
`NationalReferenceModel`). It declares them like any module declares its tables
(`register_models` and its own Alembic branch); the platform isolates them on both layers
without further code. One mutation shows that writing another gemeente's shared row
answers a domain error (`NOT_OWNER`), not an internal one.
"""

from __future__ import annotations

from pathlib import Path

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core.plugin import (
    COALITION_ADMIN,
    TENANT_ROLES,
    GraphQLContribution,
    ModuleMeta,
    NotFound,
    Permission,
    container,
    field,
    hookimpl,
    mutation,
    parse_id,
    readable_with,
)

from .models import ShapeExample, ShapeFigure

KEY = "shapes_module"


@readable_with(f"{KEY}.example.read")
@strawberry.type
class ShapeExampleNode:
    id: strawberry.ID
    title: str
    published: bool

    @classmethod
    def from_row(cls, row: ShapeExample) -> ShapeExampleNode:
        return cls(id=strawberry.ID(str(row.id)), title=row.title, published=row.published)


@strawberry.type
class ShapesQuery:
    @field(permission=f"{KEY}.example.read")
    async def shape_examples(self, info: Info) -> list[ShapeExampleNode]:
        rows = (await info.context.session.execute(select(ShapeExample).order_by(ShapeExample.title))).scalars()
        return [ShapeExampleNode.from_row(row) for row in rows]


@strawberry.input
class RenameShapeExampleInput:
    id: strawberry.ID
    title: str


@container
@strawberry.type
class ShapeExamplePayload:
    example: ShapeExampleNode


@strawberry.type
class ShapesMutation:
    @mutation(permission=f"{KEY}.example.write")
    async def rename_shape_example(self, info: Info, input: RenameShapeExampleInput) -> ShapeExamplePayload:
        session = info.context.session
        example = await session.get(ShapeExample, parse_id(input.id, "input.id"))
        if example is None:  # another gemeente's unpublished row is not even seen
            raise NotFound("Voorbeeld bestaat niet.", field="input.id")
        example.title = input.title
        await session.flush()  # another gemeente's published row: NOT_OWNER
        return ShapeExamplePayload(example=ShapeExampleNode.from_row(example))


@hookimpl
def module_meta() -> ModuleMeta:
    return ModuleMeta(key=KEY, name="Shapes", description="Test module: shared and national reference data.", category="test")


@hookimpl
def register_models() -> list[type]:
    return [ShapeExample, ShapeFigure]


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def register_graphql() -> GraphQLContribution:
    return GraphQLContribution(query=(ShapesQuery,), mutation=(ShapesMutation,))


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(f"{KEY}.example.read", "Voorbeelden lezen.", TENANT_ROLES),
        Permission(f"{KEY}.example.write", "Voorbeelden schrijven.", (COALITION_ADMIN,)),
    ]
