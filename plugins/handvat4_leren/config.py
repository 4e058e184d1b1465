"""The per-gemeente configuration of handvat 4 (a coalition admin sets it when enabling the
module or later)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Config(BaseModel):
    """Per gemeente; every setting has a default."""

    min_cell_size: int = Field(default=10, ge=5, le=100, description="Kleinste aantal dat in de cijfers en de dekking wordt getoond.")
    reminder_hours: int = Field(default=48, ge=1, le=336, description="Zoveel uur voor een datum van een activiteit gaat de herinnering uit.")
    regelingen_known_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Wie zo'n deel van de regelingen van de gemeente kent (handvat 3, bekendheid), heeft de competentie 'kennis van regelingen en sociale kaart'.",
    )
