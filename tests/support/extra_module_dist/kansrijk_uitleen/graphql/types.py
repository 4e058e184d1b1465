"""Output types, from a service's result (no SQL, no rules)."""

import strawberry

from core.plugin import container, readable_with

from kansrijk_uitleen.permissions import ITEM_READ
from kansrijk_uitleen.services.items import ItemView


@readable_with(ITEM_READ)
@strawberry.type(name="UitleenItem")
class UitleenItemNode:
    id: strawberry.ID
    name: str
    available: bool
    offered_by_my_organisation: bool

    @classmethod
    def from_view(cls, view: ItemView) -> "UitleenItemNode":
        item = view.item
        return cls(id=strawberry.ID(str(item.id)), name=item.name, available=item.available,
                   offered_by_my_organisation=view.offered_by_my_organisation)


@container
@strawberry.type
class UitleenItemPayload:
    item: UitleenItemNode
