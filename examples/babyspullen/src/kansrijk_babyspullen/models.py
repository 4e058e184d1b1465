"""The module's table (tenant-scoped). The family is an id of handvat 2 only, no foreign key
across modules; no name, no BSN. The delivery address is kept only when the package is
delivered, and wiped when the request closes."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Column, Index, String
from sqlmodel import Field

from core.plugin import JSONType, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow


class StarterPackageRequest(TenantScopedModel, table=True):
    __tablename__ = "babyspullen_requests"
    __table_args__ = (
        tenant_foreign_key("requesting_partner_id", "partners"),
        tenant_foreign_key("foundation_partner_id", "partners"),
        Index("ix_babyspullen_requests_foundation", "tenant_id", "foundation_partner_id", "state"),
        Index("ix_babyspullen_requests_requester", "tenant_id", "requesting_partner_id", "state"),
        Index("ix_babyspullen_requests_family", "tenant_id", "family_id"),
    )

    #: handvat 2's family (pseudonymous id); None once the family is anonymised.
    family_id: uuid.UUID | None = Field(default=None)
    requested_by_membership_id: uuid.UUID | None = Field(default=None)
    requesting_partner_id: uuid.UUID = Field(nullable=False)
    foundation_partner_id: uuid.UUID = Field(nullable=False)
    due_date: dt.date | None = Field(default=None)
    child_age_months: int | None = Field(default=None)
    clothing_size: str | None = Field(default=None, sa_column=Column(String(8)))
    diaper_size: str | None = Field(default=None, sa_column=Column(String(8)))
    items: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    handover: str = Field(sa_column=Column(String(16), nullable=False))
    pickup_point: str | None = Field(default=None, sa_column=Column(String(80)))
    delivery_address: str | None = Field(default=None, sa_column=Column(String(200)))
    state: str = Field(sa_column=Column(String(32), nullable=False))
    requested_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    responded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    ready_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


MODELS = [StarterPackageRequest]
