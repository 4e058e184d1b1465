"""Core tables: the coalition shared by every handvat.

Platform tables (no tenant): `tenants`, `persons`. Everything else is tenant-scoped.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import JSONType, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class PartnerDomain(enum.StrEnum):
    MEDISCH = "medisch"
    SOCIAAL = "sociaal"
    INFORMEEL = "informeel"


class PartnerType(enum.StrEnum):
    VERLOSKUNDIGE = "verloskundige"
    KRAAMZORG = "kraamzorg"
    JGZ = "jgz"
    HUISARTS = "huisarts"
    ZIEKENHUIS = "ziekenhuis"
    WIJKTEAM = "wijkteam"
    MAATSCHAPPELIJK_WERK = "maatschappelijk_werk"
    SCHULDHULPVERLENING = "schuldhulpverlening"
    VOEDSELBANK = "voedselbank"
    WONINGCORPORATIE = "woningcorporatie"
    WELZIJN = "welzijn"
    GEMEENTE = "gemeente"
    OVERIG = "overig"


class Tenant(SQLModel, table=True):
    """A gemeente. Platform table: the list of tenants is not tenant data."""

    __tablename__ = "tenants"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(sa_column=Column(String(6), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    slug: str = Field(sa_column=Column(String(63), nullable=False, unique=True))
    status: str = Field(default=TenantStatus.ACTIVE, sa_column=Column(String(16), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Bumped on every module activation change; per-tenant hook callers are cached by it,
    # so every app replica notices a change on its next request for the tenant.
    modules_revision: int = Field(default=0, nullable=False)
    # Two-step login for every member, not only for coalition admins.
    mfa_required_for_all: bool = Field(default=False, nullable=False)


class Person(SQLModel, table=True):
    """Someone who can log in. Platform table: one person may be a member of many
    tenants (a JGZ nurse often works for several gemeenten). What a tenant knows of a
    person (name, roles, organisation) lives on the membership, so one tenant never sees
    what another recorded."""

    __tablename__ = "persons"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(sa_column=Column(String(320), nullable=False, unique=True))
    is_platform_operator: bool = Field(default=False, nullable=False)
    active: bool = Field(default=True, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Partner(TenantScopedModel, table=True):
    """A partner organisation of the coalition."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: str = Field(sa_column=Column(String(200), nullable=False))
    domain: str = Field(sa_column=Column(String(16), nullable=False))
    type: str = Field(sa_column=Column(String(32), nullable=False))
    contact_name: str | None = Field(default=None, sa_column=Column(String(200)))
    email: str | None = Field(default=None, sa_column=Column(String(320)))
    phone: str | None = Field(default=None, sa_column=Column(String(40)))
    website: str | None = Field(default=None, sa_column=Column(String(500)))
    active: bool = Field(default=True, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Membership(TenantScopedModel, table=True):
    """A person's membership of one tenant, with roles and optionally a partner organisation."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("tenant_id", "person_id"),
        tenant_foreign_key("partner_id", "partners"),
        Index("ix_memberships_tenant_id_partner_id", "tenant_id", "partner_id"),
    )

    person_id: uuid.UUID = Field(foreign_key="persons.id", nullable=False, ondelete="RESTRICT")
    display_name: str = Field(sa_column=Column(String(200), nullable=False))
    email: str = Field(sa_column=Column(String(320), nullable=False))
    job_title: str | None = Field(default=None, sa_column=Column(String(200)))
    roles: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    partner_id: uuid.UUID | None = Field(default=None)
    active: bool = Field(default=True, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Wijk(TenantScopedModel, table=True):
    """A CBS wijk (district) of the gemeente."""

    __tablename__ = "wijken"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: str = Field(sa_column=Column(String(8), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    active: bool = Field(default=True, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ModuleActivation(TenantScopedModel, table=True):
    """Whether a module is switched on for a tenant, with its validated configuration."""

    __tablename__ = "module_activations"
    __table_args__ = (UniqueConstraint("tenant_id", "module_key"),)

    module_key: str = Field(sa_column=Column(String(64), nullable=False))
    enabled: bool = Field(default=False, nullable=False)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    version: str | None = Field(default=None, sa_column=Column(String(64)))
    enabled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    enabled_by: str | None = Field(default=None, sa_column=Column(String(320)))
    disabled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_by: str | None = Field(default=None, sa_column=Column(String(320)))


class OutboxEvent(TenantScopedModel, table=True):
    """A domain event, written in the transaction that caused it (transactional outbox)."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_undispatched", "dispatched_at", "occurred_at"),)

    type: str = Field(sa_column=Column(String(120), nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    actor: str | None = Field(default=None, sa_column=Column(String(320)))
    occurred_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    dispatched_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class WorkflowHistory(TenantScopedModel, table=True):
    """One row per workflow transition, written in the same transaction as the change."""

    __tablename__ = "workflow_history"
    __table_args__ = (Index("ix_workflow_history_subject", "tenant_id", "workflow", "subject_id"),)

    workflow: str = Field(sa_column=Column(String(120), nullable=False))
    subject_id: uuid.UUID = Field(nullable=False)
    transition: str = Field(sa_column=Column(String(64), nullable=False))
    from_state: str = Field(sa_column=Column(String(64), nullable=False))
    to_state: str = Field(sa_column=Column(String(64), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(String(1000)))
    actor: str | None = Field(default=None, sa_column=Column(String(320)))
    occurred_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DeliveryStatus(enum.StrEnum):
    RETRYING = "retrying"
    DELIVERED = "delivered"
    DEAD = "dead"


class EventDelivery(TenantScopedModel, table=True):
    """The delivery of one outbox event to one subscriber (a module's `on_domain_event`)
    that failed at least once: a row is written only when an attempt fails, in the
    transaction that marks the event dispatched. Deliveries that succeed at once (nearly
    all) cost no extra write, and the table holds exactly what needs an operator's eye:
    `retrying` (due again at `next_attempt_at`, with exponential backoff), `dead` (gave up
    after `event_max_attempts`; `kansrijk events retry` revives it) and `delivered` (made it
    after a retry). `last_error` is the exception's class and the first line of its
    message, truncated: never a traceback, so no data values end up here."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "subscriber"),
        tenant_foreign_key("event_id", "outbox_events", ondelete="CASCADE"),
        Index("ix_event_deliveries_due", "tenant_id", "status", "next_attempt_at"),
    )

    event_id: uuid.UUID = Field(nullable=False)
    subscriber: str = Field(sa_column=Column(String(64), nullable=False))
    status: str = Field(default=DeliveryStatus.RETRYING, sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_column=Column(String(500)))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


CORE_MODELS: list[type[SQLModel]] = [
    Tenant,
    Person,
    Partner,
    Membership,
    Wijk,
    ModuleActivation,
    OutboxEvent,
    WorkflowHistory,
    EventDelivery,
]
