"""GraphQL of the module: the list of items and adding one."""

from __future__ import annotations

import strawberry
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from strawberry.types import Info

from core.plugin import ValidationFailed, container, field, mutation, readable_with

from .models import UitleenItem
from .permissions import ITEM_READ, ITEM_WRITE, KEY


class UitleenConfig(BaseModel):
    """Per gemeente: how many items the lending point may hold."""

    max_items: int = Field(default=50, ge=1, le=1000)


@readable_with(ITEM_READ)
@strawberry.type(name="UitleenItem")
class UitleenItemNode:
    id: strawberry.ID
    name: str
    available: bool
    offered_by_my_organisation: bool


def node(row: UitleenItem, info: Info) -> UitleenItemNode:
    mine = row.partner_id is not None and row.partner_id == info.context.principal.partner_id
    return UitleenItemNode(id=strawberry.ID(str(row.id)), name=row.name, available=row.available, offered_by_my_organisation=mine)


@strawberry.input
class AddUitleenItemInput:
    name: str


@container
@strawberry.type
class UitleenItemPayload:
    item: UitleenItemNode


@strawberry.type
class Query:
    @field(permission=ITEM_READ, description="De spullen van het uitleenpunt, op naam.")
    async def uitleen_items(self, info: Info) -> list[UitleenItemNode]:
        rows = (await info.context.session.execute(select(UitleenItem).order_by(UitleenItem.name))).scalars()
        return [node(row, info) for row in rows]


@strawberry.type
class Mutation:
    @mutation(permission=ITEM_WRITE, description="Een ding aan het uitleenpunt toevoegen.")
    async def add_uitleen_item(self, info: Info, input: AddUitleenItemInput) -> UitleenItemPayload:
        session = info.context.session
        name = input.name.strip()
        if not name or len(name) > 100:
            raise ValidationFailed("Geef een naam van 1 tot 100 tekens.", field="input.name")
        config = await info.context.module_config(KEY)
        count = (await session.execute(select(func.count()).select_from(UitleenItem))).scalar_one()
        if count >= config.max_items:
            raise ValidationFailed(f"Het uitleenpunt is vol ({config.max_items} spullen).", field="input.name", code="UITLEEN_FULL")
        row = UitleenItem(name=name, partner_id=info.context.principal.partner_id)
        session.add(row)
        await session.flush()
        return UitleenItemPayload(item=node(row, info))
