"""The per-gemeente configuration."""

from pydantic import BaseModel, Field


class Config(BaseModel):
    """Per gemeente: how many items the lending point may hold."""

    max_items: int = Field(default=50, ge=1, le=1000)
