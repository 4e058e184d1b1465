"""The webhook tables: subscriptions and their deliveries (both tenant-scoped)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import JSONType, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow


#: The processing activity of a webhook delivery (declared by the core module).
WEBHOOK_ACTIVITY = "core.webhook_delivery"
#: The event a subscription raises when it is paused for failing (declared by the core module).
WEBHOOK_PAUSED = "core.webhook.paused"


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class PauseReason(enum.StrEnum):
    #: Paused by a coalition admin or the operator.
    MANUAL = "manual"
    #: A delivery went dead with nothing delivered since its first attempt (about a day of failures).
    FAILING = "failing"
    #: The receiver answered 410 Gone: it wants no more deliveries.
    GONE = "gone"


class WebhookDeliveryStatus(enum.StrEnum):
    #: Not attempted yet, or replayed: due at `next_attempt_at`.
    PENDING = "pending"
    #: The last attempt failed; due again at `next_attempt_at`.
    FAILED = "failed"
    DELIVERED = "delivered"
    #: Gave up after `webhook_max_attempts` attempts (the dead letter); a replay revives it.
    DEAD = "dead"


class WebhookSubscription(TenantScopedModel, table=True):
    """A URL of the gemeente's IT that receives the events of some types, signed with a
    secret of its own. The secrets are stored encrypted (Fernet, a key derived from the
    platform's secret); while a secret is rotated the previous one stays valid until
    `previous_secret_expires_at` and every delivery carries both signatures."""

    __tablename__ = "webhook_subscriptions"

    url: str = Field(sa_column=Column(String(2000), nullable=False))
    description: str = Field(default="", sa_column=Column(String(500), nullable=False))
    event_types: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    status: str = Field(default=SubscriptionStatus.ACTIVE, sa_column=Column(String(16), nullable=False))
    secret: str = Field(sa_column=Column(String(500), nullable=False))
    previous_secret: str | None = Field(default=None, sa_column=Column(String(500)))
    previous_secret_expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Failed attempts since the last success, and when that run of failures began.
    consecutive_failures: int = Field(default=0, nullable=False)
    failing_since: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    pause_reason: str | None = Field(default=None, sa_column=Column(String(16)))
    created_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class WebhookDelivery(TenantScopedModel, table=True):
    """One event for one subscription: its attempts, their outcome and when the next is due.
    The `webhook-id` header is `msg_` + the id's hex: the same for every attempt and replay.
    `event_type` is the type the subscription asked for (a workflow's own type, e.g.
    `handvat2_signaleren.referral.transitioned`, for core's transition event). Deleting the
    subscription or the event (erasure, a module purge) deletes its deliveries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "subscription_id", "event_id"),
        tenant_foreign_key("subscription_id", "webhook_subscriptions", ondelete="CASCADE"),
        tenant_foreign_key("event_id", "outbox_events", ondelete="CASCADE"),
        Index("ix_webhook_deliveries_due", "tenant_id", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_log", "tenant_id", "subscription_id", "created_at"),
    )

    subscription_id: uuid.UUID = Field(nullable=False)
    event_id: uuid.UUID = Field(nullable=False)
    event_type: str = Field(sa_column=Column(String(120), nullable=False))
    status: str = Field(default=WebhookDeliveryStatus.PENDING, sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: When the current series of attempts began (a replay begins a new one).
    first_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    #: What went wrong the last time (an HTTP status, a timeout, a refused address): never
    #: the receiver's answer body.
    last_error: str | None = Field(default=None, sa_column=Column(String(500)))
    delivered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    replays: int = Field(default=0, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    @property
    def message_id(self) -> str:
        """The `webhook-id` of every attempt of this delivery."""
        return message_id(self.id)


def message_id(delivery_id: uuid.UUID) -> str:
    return f"msg_{delivery_id.hex}"


WEBHOOK_MODELS: list[type[SQLModel]] = [WebhookSubscription, WebhookDelivery]
