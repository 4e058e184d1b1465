"""The delivery rows of a dispatched event: one per active subscription to its type.

Called by the outbox dispatcher (`core.events.dispatch`) in the transaction that marks the
event dispatched, so an event is either still pending (dispatched again later) or
dispatched with every delivery on record: none is lost and none is made twice. It costs one
SELECT of the tenant's active subscriptions per dispatch (however many events it has) and,
per event that any subscription matches, one bulk INSERT; the sending is the job engine's
(`core.webhooks.delivery`), never the request's.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select

from core.db import utcnow
from core.module_types import DomainEvent
from core.webhooks.catalogue import webhook_types
from core.webhooks.models import SubscriptionStatus, WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription


async def create_deliveries(session: Any, event: DomainEvent, known: dict[str, Any] | None = None) -> int:
    """Write a pending delivery of `event` for each active subscription of the session's
    tenant to one of its types, in the current transaction. Returns how many. `known`: a
    dict kept across the events of one dispatch, so that the subscriptions are read once
    for all of them (they were read in the same request, milliseconds before)."""
    known = {} if known is None else known
    if "subscriptions" not in known:
        rows = await session.execute(
            select(WebhookSubscription.id, WebhookSubscription.event_types).where(WebhookSubscription.status == SubscriptionStatus.ACTIVE)
        )
        known["subscriptions"] = [(subscription_id, frozenset(subscribed)) for subscription_id, subscribed in rows.all()]
    types = webhook_types(event.type, event.payload)
    now = utcnow()
    deliveries = []
    for subscription_id, subscribed in known["subscriptions"]:
        chosen = next((name for name in types if name in subscribed), None)
        if chosen is not None:
            deliveries.append(
                {
                    "id": uuid.uuid4(),
                    "subscription_id": subscription_id,
                    "event_id": event.id,
                    "event_type": chosen,
                    "status": WebhookDeliveryStatus.PENDING,
                    "attempts": 0,
                    "replays": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if deliveries:
        await session.execute(insert(WebhookDelivery), deliveries)
    return len(deliveries)
