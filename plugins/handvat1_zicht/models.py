"""The tables of handvat 1.

National reference data (`NationalReferenceModel`: every gemeente reads, only the
operator's import in the system context writes): CBS's figures per gemeente and wijk, the
fields of each imported table as CBS describes them, and a record of every import.

Tenant data (`TenantScopedModel`): a coalition's own indicators per wijk (uploaded as CSV)
and their values."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Column, Float, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field

from core.plugin import JSONType, NationalReferenceModel, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow


class CbsFigure(NationalReferenceModel, table=True):
    """One cell of a KWB table: an indicator of a gemeente or wijk in a period. `value` is
    None when CBS suppressed the cell (`status` suppressed) or left it empty (unknown)."""

    __tablename__ = "zicht_cbs_figures"
    __table_args__ = (
        UniqueConstraint("table_id", "region_code", "indicator", "period"),
        Index("ix_zicht_cbs_figures_gemeente", "gemeente_code", "indicator", "period"),
    )

    table_id: str = Field(sa_column=Column(String(12), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    region_code: str = Field(sa_column=Column(String(10), nullable=False))
    region_type: str = Field(sa_column=Column(String(10), nullable=False))
    gemeente_code: str = Field(sa_column=Column(String(6), nullable=False))
    indicator: str = Field(sa_column=Column(String(60), nullable=False))
    value: float | None = Field(default=None, sa_column=Column(Float))
    status: str = Field(sa_column=Column(String(12), nullable=False))
    series: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    import_id: uuid.UUID = Field(nullable=False)


class CbsField(NationalReferenceModel, table=True):
    """A field of an imported table as its DataProperties describe it: the CBS key with
    its suffix, title, unit and definition."""

    __tablename__ = "zicht_cbs_fields"
    __table_args__ = (UniqueConstraint("table_id", "indicator"),)

    table_id: str = Field(sa_column=Column(String(12), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    indicator: str = Field(sa_column=Column(String(60), nullable=False))
    cbs_key: str = Field(sa_column=Column(String(120), nullable=False))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    unit: str = Field(sa_column=Column(String(60), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))


class CbsImport(NationalReferenceModel, table=True):
    """An import of a KWB file: which table, by whom, and what was skipped."""

    __tablename__ = "zicht_cbs_imports"

    table_id: str = Field(sa_column=Column(String(12), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    format: str = Field(sa_column=Column(String(8), nullable=False))
    source_name: str = Field(sa_column=Column(String(300), nullable=False))
    figures: int = Field(sa_column=Column(Integer, nullable=False))
    report: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    imported_by: str = Field(sa_column=Column(String(320), nullable=False))
    imported_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OwnIndicator(TenantScopedModel, table=True):
    """An indicator the coalition keeps itself (JGZ reach, a vulnerability index)."""

    __tablename__ = "zicht_own_indicators"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: str = Field(sa_column=Column(String(60), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    definition: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(String(300), nullable=False))
    unit: str = Field(sa_column=Column(String(60), nullable=False))
    updated_by: str = Field(sa_column=Column(String(320), nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OwnFigure(TenantScopedModel, table=True):
    """A value of an own indicator for a wijk (or the gemeente) in a period."""

    __tablename__ = "zicht_own_values"
    __table_args__ = (
        UniqueConstraint("tenant_id", "indicator_id", "region_code", "period"),
        tenant_foreign_key("indicator_id", "zicht_own_indicators", ondelete="CASCADE"),
    )

    indicator_id: uuid.UUID = Field(nullable=False)
    region_code: str = Field(sa_column=Column(String(10), nullable=False))
    period: int = Field(sa_column=Column(Integer, nullable=False))
    value: float | None = Field(default=None, sa_column=Column(Float))
    status: str = Field(sa_column=Column(String(12), nullable=False))


MODELS = [CbsFigure, CbsField, CbsImport, OwnIndicator, OwnFigure]
