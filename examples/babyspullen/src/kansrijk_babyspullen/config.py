"""The per-gemeente configuration: which partner organisation of the coalition is the
foundation, the foundation's list of items, its pick-up points and whether it delivers."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

ItemKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: ItemKey
    label: Label


DEFAULT_ITEMS = [
    Item(key="kleding", label="Babykleding (set voor de eerste maanden)"),
    Item(key="luiers", label="Luiers en billendoekjes"),
    Item(key="kinderwagen", label="Kinderwagen of buggy"),
    Item(key="autostoeltje", label="Autostoeltje (groep 0+)"),
    Item(key="bedje", label="Babybedje met matras en beddengoed"),
    Item(key="badje", label="Badje en verzorgingsspullen"),
    Item(key="draagzak", label="Draagzak"),
]
#: Clothing sizes of baby clothes in the Netherlands (body length in cm).
CLOTHING_SIZES = ("44", "50", "56", "62", "68", "74", "80", "86")
#: Diaper sizes as the packs say them (1: newborn, 2–5 kg … 6: from 16 kg).
DIAPER_SIZES = ("1", "2", "3", "4", "5", "6")


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    foundation_partner_id: str | None = Field(
        default=None,
        description="De partnerorganisatie van de coalitie die de stichting is (haar id). Zonder deze instelling kan niemand aanvragen.",
    )
    items: list[Item] = Field(default_factory=lambda: list(DEFAULT_ITEMS), min_length=1, max_length=40)
    pickup_points: list[Label] = Field(default_factory=lambda: ["Uitgiftepunt van de stichting"], min_length=1, max_length=20)
    delivers: bool = Field(default=True, description="Of de stichting in deze gemeente ook bezorgt.")

    @field_validator("foundation_partner_id")
    @classmethod
    def _an_id(cls, value: str | None) -> str | None:
        return None if value is None else str(uuid.UUID(value))

    @field_validator("items")
    @classmethod
    def _unique_keys(cls, value: list[Item]) -> list[Item]:
        keys = [item.key for item in value]
        if len(keys) != len(set(keys)):
            raise ValueError("elk artikel heeft een eigen sleutel")
        return value

    @property
    def foundation_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.foundation_partner_id) if self.foundation_partner_id else None
