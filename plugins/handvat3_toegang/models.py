"""The tables of handvat 3 (all tenant-scoped: each gemeente has its own catalogue, copied
from the national seed when the module is enabled and adapted by the gemeente)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Column, Date, Float, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field

from core.plugin import JSONType, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow


class Regeling(TenantScopedModel, table=True):
    """A regeling or voorziening in the gemeente's catalogue."""

    __tablename__ = "toegang_regelingen"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        tenant_foreign_key("provider_partner_id", "partners"),
        Index("ix_toegang_regelingen_listing", "tenant_id", "published", "hidden", "position"),
    )

    key: str = Field(sa_column=Column(String(80), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    summary: str = Field(sa_column=Column(String(1000), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    category: str = Field(sa_column=Column(String(32), nullable=False))
    level: str = Field(sa_column=Column(String(16), nullable=False))
    provider_name: str | None = Field(default=None, sa_column=Column(String(200)))
    provider_partner_id: uuid.UUID | None = Field(default=None)
    apply_steps: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    apply_url: str | None = Field(default=None, sa_column=Column(String(500)))
    apply_phone: str | None = Field(default=None, sa_column=Column(String(40)))
    apply_documents: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    costs: str | None = Field(default=None, sa_column=Column(String(500)))
    valid_from: dt.date | None = Field(default=None, sa_column=Column(Date))
    valid_to: dt.date | None = Field(default=None, sa_column=Column(Date))
    tags: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    source_url: str | None = Field(default=None, sa_column=Column(String(500)))
    content_checked_on: dt.date | None = Field(default=None, sa_column=Column(Date))
    conditions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    test_vectors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    published: bool = Field(default=True, nullable=False)
    hidden: bool = Field(default=False, nullable=False)
    position: int = Field(default=1000, sa_column=Column(Integer, nullable=False))
    # From the national seed: its key, and whether the gemeente changed its content (then
    # an update of the seed no longer overwrites it).
    national_key: str | None = Field(default=None, sa_column=Column(String(80)))
    adapted: bool = Field(default=False, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_by: str | None = Field(default=None, sa_column=Column(String(320)))


class ParameterOverride(TenantScopedModel, table=True):
    """The gemeente's own value of an overridable parameter, from a date on."""

    __tablename__ = "toegang_parameter_values"
    __table_args__ = (UniqueConstraint("tenant_id", "key", "valid_from"),)

    key: str = Field(sa_column=Column(String(80), nullable=False))
    valid_from: dt.date = Field(sa_column=Column(Date, nullable=False))
    value: float = Field(sa_column=Column(Float, nullable=False))
    legal_basis_url: str | None = Field(default=None, sa_column=Column(String(500)))
    set_by: str = Field(sa_column=Column(String(320), nullable=False))
    set_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Service(TenantScopedModel, table=True):
    """An offer of a partner organisation on the sociale kaart."""

    __tablename__ = "toegang_services"
    __table_args__ = (UniqueConstraint("tenant_id", "name"), tenant_foreign_key("partner_id", "partners"))

    partner_id: uuid.UUID = Field(nullable=False)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    audience: str = Field(default="", sa_column=Column(String(500), nullable=False))
    wijk_codes: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    contact: str | None = Field(default=None, sa_column=Column(String(300)))
    opening_hours: str | None = Field(default=None, sa_column=Column(String(300)))
    published: bool = Field(default=True, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Knowledge(TenantScopedModel, table=True):
    """A member marks "I know this regeling and can explain it" (bekendheid)."""

    __tablename__ = "toegang_knowledge"
    __table_args__ = (
        UniqueConstraint("tenant_id", "regeling_id", "membership_id"),
        tenant_foreign_key("regeling_id", "toegang_regelingen", ondelete="CASCADE"),
        tenant_foreign_key("membership_id", "memberships"),
    )

    regeling_id: uuid.UUID = Field(nullable=False)
    membership_id: uuid.UUID = Field(nullable=False)
    partner_id: uuid.UUID | None = Field(default=None)
    marked_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UsageCount(TenantScopedModel, table=True):
    """How often a regeling was checked, matched (ELIGIBLE) or referred to, per month."""

    __tablename__ = "toegang_usage"
    __table_args__ = (
        UniqueConstraint("tenant_id", "regeling_id", "month", "kind"),
        tenant_foreign_key("regeling_id", "toegang_regelingen", ondelete="CASCADE"),
    )

    regeling_id: uuid.UUID = Field(nullable=False)
    month: str = Field(sa_column=Column(String(7), nullable=False))  # YYYY-MM
    kind: str = Field(sa_column=Column(String(12), nullable=False))  # checked, matched, referred
    count: int = Field(default=0, sa_column=Column(Integer, nullable=False))


class SearchDocument(TenantScopedModel, table=True):
    """The searchable text of a regeling or service (Dutch full-text search: PostgreSQL's
    `dutch` configuration, SQLite FTS5 over the same text stemmed the same way)."""

    __tablename__ = "toegang_search_documents"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "item_id"),)

    kind: str = Field(sa_column=Column(String(12), nullable=False))  # regeling, service
    item_id: uuid.UUID = Field(nullable=False)
    title: str = Field(sa_column=Column(String(200), nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    stemmed: str = Field(default="", sa_column=Column(Text, nullable=False))
    public: bool = Field(default=True, nullable=False)


class CatalogueRevision(TenantScopedModel, table=True):
    """One row per gemeente whose token changes with every change to its regelingen or
    parameter values: a check reads only this token while its cached catalogue is current."""

    __tablename__ = "toegang_catalogue_revisions"

    token: uuid.UUID = Field(default_factory=uuid.uuid4, nullable=False)
    changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RuleVersion(TenantScopedModel, table=True):
    """Conditions a regeling had until they were changed: a check on an earlier reference
    date uses the conditions that applied then ("what did the rules say on that date")."""

    __tablename__ = "toegang_rule_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "regeling_id", "applied_until"),
        tenant_foreign_key("regeling_id", "toegang_regelingen", ondelete="CASCADE"),
    )

    regeling_id: uuid.UUID = Field(nullable=False)
    conditions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    applied_until: dt.date = Field(sa_column=Column(Date, nullable=False))  # the first day they no longer applied
    replaced_by: str = Field(sa_column=Column(String(320), nullable=False))
    replaced_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


MODELS = [Regeling, ParameterOverride, Service, Knowledge, UsageCount, SearchDocument, CatalogueRevision, RuleVersion]
