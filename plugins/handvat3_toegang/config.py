"""The per-gemeente configuration of handvat 3."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Config(BaseModel):
    """Per gemeente."""

    readability_min_score: float = Field(
        default=60, ge=0, le=100, description="Laagste leesbaarheid (Flesch-Douma) van een samenvatting zonder waarschuwing."
    )
