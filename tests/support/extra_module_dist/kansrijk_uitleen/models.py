"""The module's one table."""

import uuid

from sqlalchemy import Column, String
from sqlmodel import Field

from core.plugin import TenantScopedModel


class UitleenItem(TenantScopedModel, table=True):
    """Something a partner organisation of the coalition lends to families (a pram, a cot)."""

    __tablename__ = "uitleen_items"

    name: str = Field(sa_column=Column(String(100), nullable=False))
    # The organisation of the member who added it (None: added by someone outside a partner).
    partner_id: uuid.UUID | None = Field(default=None)
    available: bool = Field(default=True, nullable=False)


MODELS = [UitleenItem]
