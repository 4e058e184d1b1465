"""The Mutation root: `input_data(input)` to a service, a payload back."""

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation

from kansrijk_uitleen.graphql.inputs import AddUitleenItemInput
from kansrijk_uitleen.graphql.types import UitleenItemNode, UitleenItemPayload
from kansrijk_uitleen.permissions import ITEM_WRITE
from kansrijk_uitleen.services import items


@strawberry.type
class Mutation:
    @mutation(permission=ITEM_WRITE, description="Een ding aan het uitleenpunt toevoegen.")
    async def add_uitleen_item(self, info: Info, input: AddUitleenItemInput) -> UitleenItemPayload:
        return UitleenItemPayload(item=UitleenItemNode.from_view(await items.add(info.context, input_data(input))))
