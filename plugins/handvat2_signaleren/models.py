"""The tables of handvat 2 (all tenant-scoped). A family is pseudonymous by design: no BSN,
no name, no address, no date of birth; a local reference the professional chooses, optional
initials, the phase in months, the wijk and the registering organisation."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Column, Date, Index, String, Text
from sqlmodel import Field

from core.plugin import JSONType, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow


class Family(TenantScopedModel, table=True):
    """A gezin, known to the coalition by a reference only the registering professional
    can connect to the family."""

    __tablename__ = "signaleren_families"
    __table_args__ = (
        tenant_foreign_key("wijk_id", "wijken"),
        tenant_foreign_key("registering_partner_id", "partners"),
        Index("ix_signaleren_families_partner", "tenant_id", "registering_partner_id"),
    )

    local_reference: str | None = Field(default=None, sa_column=Column(String(40)))  # None once anonymised
    initials: str | None = Field(default=None, sa_column=Column(String(8)))
    phase: str = Field(sa_column=Column(String(16), nullable=False))  # preconceptie, zwanger, kind_0_2
    expected_month: str | None = Field(default=None, sa_column=Column(String(7)))  # YYYY-MM, when zwanger
    birth_month: str | None = Field(default=None, sa_column=Column(String(7)))  # YYYY-MM, when kind_0_2
    wijk_id: uuid.UUID | None = Field(default=None)
    registering_partner_id: uuid.UUID = Field(nullable=False)
    registered_by: uuid.UUID = Field(nullable=False)  # membership
    status: str = Field(default="open", sa_column=Column(String(12), nullable=False))  # open, closed, anonymised
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Signal(TenantScopedModel, table=True):
    """What a professional noticed, with the classification as a dated snapshot: a signal
    is never changed afterwards (a new situation is a new signal)."""

    __tablename__ = "signaleren_signals"
    __table_args__ = (
        tenant_foreign_key("family_id", "signaleren_families", ondelete="CASCADE"),
        Index("ix_signaleren_signals_family", "tenant_id", "family_id"),
    )

    family_id: uuid.UUID = Field(nullable=False)
    worries: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    risk_factors: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    protective_factors: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    note: str | None = Field(default=None, sa_column=Column(String(500)))
    suggested_classification: str = Field(sa_column=Column(String(1), nullable=False))  # A-D
    classification: str = Field(sa_column=Column(String(1), nullable=False))
    classification_reason: str | None = Field(default=None, sa_column=Column(String(500)))
    wijk_id: uuid.UUID | None = Field(default=None)  # where the family lived then (for the figures)
    partner_id: uuid.UUID = Field(nullable=False)
    recorded_by: uuid.UUID = Field(nullable=False)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Consent(TenantScopedModel, table=True):
    """The parent's consent to share with named organisations for a purpose."""

    __tablename__ = "signaleren_consents"
    __table_args__ = (
        tenant_foreign_key("family_id", "signaleren_families", ondelete="CASCADE"),
        Index("ix_signaleren_consents_family", "tenant_id", "family_id"),
    )

    family_id: uuid.UUID = Field(nullable=False)
    purpose: str = Field(sa_column=Column(String(300), nullable=False))
    partner_ids: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    method: str = Field(sa_column=Column(String(12), nullable=False))  # mondeling, schriftelijk
    given_on: dt.date = Field(sa_column=Column(Date, nullable=False))
    valid_until: dt.date = Field(sa_column=Column(Date, nullable=False))
    recorded_by: uuid.UUID = Field(nullable=False)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: uuid.UUID | None = Field(default=None)
    revocation_note: str | None = Field(default=None, sa_column=Column(String(300)))


class Referral(TenantScopedModel, table=True):
    """A warm referral to a partner organisation (and optionally a named contact there)."""

    __tablename__ = "signaleren_referrals"
    __table_args__ = (
        tenant_foreign_key("family_id", "signaleren_families", ondelete="CASCADE"),
        tenant_foreign_key("consent_id", "signaleren_consents"),
        tenant_foreign_key("to_partner_id", "partners"),
        Index("ix_signaleren_referrals_to", "tenant_id", "to_partner_id", "state"),
        Index("ix_signaleren_referrals_family", "tenant_id", "family_id"),
    )

    family_id: uuid.UUID = Field(nullable=False)
    consent_id: uuid.UUID = Field(nullable=False)
    from_partner_id: uuid.UUID = Field(nullable=False)
    referred_by: uuid.UUID = Field(nullable=False)  # membership
    to_partner_id: uuid.UUID = Field(nullable=False)
    to_contact_id: uuid.UUID | None = Field(default=None)  # membership at the receiving organisation
    support: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    note: str | None = Field(default=None, sa_column=Column(String(500)))
    state: str = Field(default="concept", sa_column=Column(String(16), nullable=False))
    rejection_reason: str | None = Field(default=None, sa_column=Column(String(500)))
    outcome: str | None = Field(default=None, sa_column=Column(String(24)))
    outcome_note: str | None = Field(default=None, sa_column=Column(String(500)))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    respond_by: dt.date | None = Field(default=None, sa_column=Column(Date))
    responded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # accepted or rejected
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # first contact with the family
    completed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue_reported_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Notification(TenantScopedModel, table=True):
    """Feedback to a professional about a referral (terugkoppeling)."""

    __tablename__ = "signaleren_notifications"
    __table_args__ = (
        tenant_foreign_key("referral_id", "signaleren_referrals", ondelete="CASCADE"),
        Index("ix_signaleren_notifications_recipient", "tenant_id", "recipient_id", "read_at"),
    )

    recipient_id: uuid.UUID = Field(nullable=False)  # membership
    referral_id: uuid.UUID = Field(nullable=False)
    transition: str = Field(sa_column=Column(String(24), nullable=False))
    message: str = Field(sa_column=Column(String(300), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    read_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class PlanItem(TenantScopedModel, table=True):
    """An item of the family's support plan, optionally pointing at a regeling (handvat 3)."""

    __tablename__ = "signaleren_plan_items"
    __table_args__ = (
        tenant_foreign_key("family_id", "signaleren_families", ondelete="CASCADE"),
        Index("ix_signaleren_plan_items_family", "tenant_id", "family_id"),
    )

    family_id: uuid.UUID = Field(nullable=False)
    domain: str = Field(sa_column=Column(String(12), nullable=False))  # financieel, materieel, opvoeding, sociaal
    description: str = Field(sa_column=Column(String(300), nullable=False))
    status: str = Field(default="open", sa_column=Column(String(12), nullable=False))  # open, bezig, gereed, gestopt
    regeling_id: uuid.UUID | None = Field(default=None)  # handvat 3's regeling, by id only
    created_by: uuid.UUID = Field(nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DeletionRecord(TenantScopedModel, table=True):
    """That families were anonymised or erased, when, why and in which batch: ids only."""

    __tablename__ = "signaleren_deletions"

    batch_id: uuid.UUID = Field(nullable=False)
    family_ids: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    action: str = Field(sa_column=Column(String(12), nullable=False))  # anonymised, erased
    reason: str = Field(sa_column=Column(Text, nullable=False))
    performed_by: str = Field(sa_column=Column(String(320), nullable=False))
    performed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


MODELS = [Family, Signal, Consent, Referral, Notification, PlanItem, DeletionRecord]
