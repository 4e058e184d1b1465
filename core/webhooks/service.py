"""Managing webhook subscriptions, the delivery log and replays, for a unit of work of one
gemeente (the GraphQL API of the coalition admin and the operator's CLI).

Everything is checked before anything is written (a URL's address included), so an error
leaves nothing behind. Another gemeente's subscription or delivery is simply not found
(the tenant filter of every statement), never told apart from one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select, update

from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.validation import parse_id
from core.webhooks.catalogue import catalogue
from core.webhooks.errors import UnknownEventType, WebhookLimitReached, WebhookPaused
from core.webhooks.models import (
    PauseReason,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSubscription,
)
from core.webhooks.signing import new_secret, open_secret, seal_secret
from core.webhooks.targets import check_url
from core.work import Work

#: Most subscriptions one gemeente may have.
MAX_SUBSCRIPTIONS = 25
#: Most event types one subscription may list.
MAX_EVENT_TYPES = 100
MAX_DESCRIPTION = 500
#: The longest a rotation may keep the previous secret valid, in hours.
MAX_GRACE_HOURS = 30 * 24
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _not_found(field: str) -> NotFound:
    return NotFound("Dit webhook-abonnement bestaat niet.", field=field)


async def get_subscription(work: Work, subscription_id: Any, *, field: str = "input.id", lock: bool = False) -> WebhookSubscription:
    wanted = parse_id(subscription_id, field)
    statement = select(WebhookSubscription).where(WebhookSubscription.id == wanted)
    if lock:
        statement = statement.with_for_update()
    row = (await work.session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise _not_found(field)
    return row


def subscriptions_statement() -> Select[Any]:
    return select(WebhookSubscription)


def deliveries_statement(subscription_id: uuid.UUID | None = None, status: str | None = None) -> Select[Any]:
    statement = select(WebhookDelivery)
    if subscription_id is not None:
        statement = statement.where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    return statement


def _description(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_DESCRIPTION or _CONTROL.search(text):
        raise ValidationFailed(f"Geef een omschrijving van hoogstens {MAX_DESCRIPTION} tekens, zonder stuurtekens.", field="input.description")
    return text


def _event_types(work: Work, names: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(name.strip() for name in names))
    if not wanted or len(wanted) > MAX_EVENT_TYPES:
        raise ValidationFailed(f"Kies 1 tot {MAX_EVENT_TYPES} gebeurtenistypen.", field="input.eventTypes")
    known = catalogue(work.runtime)
    for index, name in enumerate(wanted):
        if name not in known:  # the name asked for is not repeated
            raise UnknownEventType(
                f"Onbekend gebeurtenistype (nummer {index + 1} in de lijst). De typen staan in webhookEventTypes.",
                field="input.eventTypes",
                index=index,
            )
    return wanted


async def create_subscription(work: Work, *, url: str, event_types: Sequence[str], description: str | None = None) -> tuple[WebhookSubscription, str]:
    """A new active subscription and its secret (shown this once)."""
    types = _event_types(work, event_types)
    text = _description(description)
    target = await check_url(url, work.settings)
    count = (await work.session.execute(select(func.count()).select_from(WebhookSubscription))).scalar_one()
    if count >= MAX_SUBSCRIPTIONS:
        raise WebhookLimitReached(f"Een gemeente heeft hoogstens {MAX_SUBSCRIPTIONS} webhook-abonnementen.")
    secret = new_secret()
    row = WebhookSubscription(
        url=target.url.url,
        description=text,
        event_types=types,
        secret=seal_secret(work.settings.secret_key.get_secret_value(), secret),
        created_by=work.actor,
    )
    work.session.add(row)
    await work.session.flush()
    return row, secret


async def update_subscription(
    work: Work, subscription_id: Any, *, url: str | None = None, event_types: Sequence[str] | None = None, description: str | None = None
) -> WebhookSubscription:
    """Change the URL, the event types or the description (what is given)."""
    types = _event_types(work, event_types) if event_types is not None else None
    text = _description(description) if description is not None else None
    target = await check_url(url, work.settings) if url is not None else None
    row = await get_subscription(work, subscription_id)
    if target is not None:
        row.url = target.url.url
    if types is not None:
        row.event_types = types
    if text is not None:
        row.description = text
    row.updated_at = utcnow()
    await work.session.flush()
    return row


async def rotate_secret(work: Work, subscription_id: Any, *, grace_hours: int | None = None, now: dt.datetime | None = None) -> tuple[WebhookSubscription, str]:
    """A new secret (shown this once); the current one stays valid beside it for the grace
    period (default `webhook_secret_grace`), during which every delivery carries both
    signatures. A secret still in its grace period from an earlier rotation goes at once."""
    if grace_hours is not None and not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise ValidationFailed(f"Geef een overgangstijd van 0 tot {MAX_GRACE_HOURS} uur.", field="input.graceHours")
    row = await get_subscription(work, subscription_id, lock=True)
    now = now or utcnow()
    grace = dt.timedelta(hours=grace_hours) if grace_hours is not None else dt.timedelta(seconds=work.settings.webhook_secret_grace)
    secret = new_secret()
    platform_secret = work.settings.secret_key.get_secret_value()
    row.previous_secret, row.previous_secret_expires_at = (row.secret, now + grace) if grace else (None, None)
    row.secret = seal_secret(platform_secret, secret)
    row.updated_at = utcnow()
    await work.session.flush()
    return row, secret


async def finish_rotation(work: Work, subscription_id: Any) -> WebhookSubscription:
    """End the grace period now: only the newest secret signs from here on."""
    row = await get_subscription(work, subscription_id, lock=True)
    row.previous_secret = row.previous_secret_expires_at = None
    row.updated_at = utcnow()
    await work.session.flush()
    return row


def secrets_in_use(row: WebhookSubscription, platform_secret: str, now: dt.datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during
    its grace period."""
    found = [open_secret(platform_secret, row.secret)]
    if row.previous_secret and row.previous_secret_expires_at and row.previous_secret_expires_at > now:
        found.append(open_secret(platform_secret, row.previous_secret))
    return found


async def pause_subscription(work: Work, subscription_id: Any) -> WebhookSubscription:
    """Stop sending (no new deliveries are made; those waiting are held)."""
    row = await get_subscription(work, subscription_id, lock=True)
    if row.status != SubscriptionStatus.PAUSED:
        row.status, row.paused_at, row.pause_reason = SubscriptionStatus.PAUSED, utcnow(), PauseReason.MANUAL
        row.updated_at = utcnow()
        await work.session.flush()
    return row


async def resume_subscription(work: Work, subscription_id: Any, *, now: dt.datetime | None = None) -> WebhookSubscription:
    """Send again: the held deliveries are due at once, the count of failures starts anew."""
    row = await get_subscription(work, subscription_id, lock=True)
    now = now or utcnow()
    if row.status != SubscriptionStatus.ACTIVE:
        row.status, row.paused_at, row.pause_reason = SubscriptionStatus.ACTIVE, None, None
        row.consecutive_failures, row.failing_since = 0, None
        row.updated_at = now
        await work.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.subscription_id == row.id,
                WebhookDelivery.status.in_([WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.FAILED]),
            )
            .values(next_attempt_at=now, updated_at=now)
        )
        await work.session.flush()
    return row


async def delete_subscription(work: Work, subscription_id: Any) -> WebhookSubscription:
    """Delete the subscription and its delivery log; returns it as it was."""
    row = await get_subscription(work, subscription_id, lock=True)
    await work.session.delete(row)
    await work.session.flush()
    return row


async def get_delivery(work: Work, delivery_id: Any, *, field: str = "input.id") -> WebhookDelivery:
    wanted = parse_id(delivery_id, field)
    row = (await work.session.execute(select(WebhookDelivery).where(WebhookDelivery.id == wanted))).scalar_one_or_none()
    if row is None:
        raise NotFound("Deze webhook-aflevering bestaat niet.", field=field)
    return row


async def replay_delivery(work: Work, delivery_id: Any, *, now: dt.datetime | None = None) -> WebhookDelivery:
    """Send a delivery again (whatever its status), with the same `webhook-id`: it is due at
    once and starts a new series of attempts. The job engine sends it within seconds."""
    row = await get_delivery(work, delivery_id)
    subscription = await get_subscription(work, row.subscription_id, field="input.id")
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise WebhookPaused("Dit webhook-abonnement is gepauzeerd. Hervat het eerst; daarna wordt de aflevering opnieuw verstuurd.", field="input.id")
    now = now or utcnow()
    row.status, row.attempts, row.next_attempt_at, row.first_attempt_at = WebhookDeliveryStatus.PENDING, 0, now, None
    row.replays += 1
    row.updated_at = now
    await work.session.flush()
    return row
