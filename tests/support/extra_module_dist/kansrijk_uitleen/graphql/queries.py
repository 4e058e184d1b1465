"""The Query root: call one service, wrap the result."""

import strawberry
from strawberry.types import Info

from core.plugin import field

from kansrijk_uitleen.graphql.types import UitleenItemNode
from kansrijk_uitleen.permissions import ITEM_READ
from kansrijk_uitleen.services import items


@strawberry.type
class Query:
    @field(permission=ITEM_READ, description="De spullen van het uitleenpunt, op naam.")
    async def uitleen_items(self, info: Info) -> list[UitleenItemNode]:
        return [UitleenItemNode.from_view(view) for view in await items.listed(info.context)]
