"""The shapes test module's tables: one shared table, one of national reference data."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String
from sqlmodel import Field

from core.plugin import NationalReferenceModel, SharedModel


class ShapeExample(SharedModel, table=True):
    """A practice example: written by the gemeente that owns it, read by every gemeente
    once published."""

    __tablename__ = "shapes_examples"

    title: str = Field(sa_column=Column(String(200), nullable=False))


class ShapeFigure(NationalReferenceModel, table=True):
    """A national figure per wijk (as CBS publishes them): imported by the operator."""

    __tablename__ = "shapes_figures"

    wijkcode: str = Field(sa_column=Column(String(8), nullable=False, unique=True))
    households: int = Field(sa_column=Column(Integer, nullable=False))
