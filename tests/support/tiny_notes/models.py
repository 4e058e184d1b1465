"""The tiny test module's one table."""

from __future__ import annotations

from sqlalchemy import Column, String
from sqlmodel import Field

from core.plugin import TenantScopedModel


class TinyNote(TenantScopedModel, table=True):
    __tablename__ = "tiny_notes"

    text: str = Field(sa_column=Column(String(200), nullable=False))
    state: str = Field(default="draft", sa_column=Column(String(20), nullable=False))
