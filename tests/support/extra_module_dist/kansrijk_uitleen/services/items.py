"""The lending point's items: the list, and adding one within the gemeente's limit."""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from core.plugin import ValidationFailed, Work, validate

from kansrijk_uitleen import MODULE_KEY
from kansrijk_uitleen.models import UitleenItem


class ItemIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)


@dataclass(frozen=True)
class ItemView:
    """An item as the asking member sees it."""

    item: UitleenItem
    offered_by_my_organisation: bool


def _view(work: Work, item: UitleenItem) -> ItemView:
    mine = item.partner_id is not None and item.partner_id == work.principal.partner_id
    return ItemView(item=item, offered_by_my_organisation=mine)


async def listed(work: Work) -> list[ItemView]:
    """Every item of the gemeente, by name."""
    rows = (await work.session.execute(select(UitleenItem).order_by(UitleenItem.name, UitleenItem.id))).scalars()
    return [_view(work, row) for row in rows]


async def add(work: Work, data: dict[str, Any]) -> ItemView:
    """Add an item, offered by the member's organisation; refused when the lending point is full."""
    item_in = validate(ItemIn, data, prefix="input")
    config = await work.module_config(MODULE_KEY)
    count = (await work.session.execute(select(func.count()).select_from(UitleenItem))).scalar_one()
    if count >= config.max_items:
        raise ValidationFailed(f"Het uitleenpunt is vol ({config.max_items} spullen).", field="input.name", code="UITLEEN_FULL")
    item = UitleenItem(name=item_in.name, partner_id=work.principal.partner_id)
    work.session.add(item)
    await work.session.flush()
    return _view(work, item)
