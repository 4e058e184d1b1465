"""Domain events through a transactional outbox, delivered at least once.

`publish_event` writes the event to `outbox_events` in the caller's transaction, so an
event exists exactly when the change that caused it was committed. After the commit the
in-process dispatcher hands each event to the `on_domain_event` hook of the modules the
tenant has enabled (each subscriber in its own transaction, errors isolated) and marks
the outbox row dispatched. Rows left undispatched (a crash between commit and dispatch)
are picked up by `dispatch_pending`.

A subscriber that fails is not forgotten: in the transaction that marks the event
dispatched, an `event_deliveries` row records the failed (event, subscriber) pair, and
`retry_due` (run by `Platform.retry_event_deliveries` on a schedule) calls that one
subscriber again with exponential backoff and jitter until it succeeds or, after
`event_max_attempts`, the delivery is dead (kept for `kansrijk events retry`). Only failed
deliveries get a row: the common case costs no extra write, and the table shows exactly
what is behind. A retry claims its row with `FOR UPDATE SKIP LOCKED` and runs the
subscriber in that same transaction (its writes behind a savepoint), so two workers never
run the same delivery and a success is committed together with its `delivered` mark.
Deliveries of a module the tenant has switched off wait, untouched, until it is switched
on again (or purged).

An event that no module enabled for the tenant takes (subscribers may declare their types
with `subscribes_to`) needs no delivery: `settle_unsubscribed` marks it dispatched and
writes its webhook deliveries in the transaction that publishes it, before the commit, so
the common mutation commits once. The others are dispatched after the commit, all of one
unit of work marked dispatched in one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import String, and_, cast, delete, or_, select, update

from core.db import begin_write, session_tenant_id, utcnow
from core.errors import Conflict, NotFound
from core.models import DeliveryStatus, EventDelivery, OutboxEvent
from core.module_types import DomainEvent

log = structlog.get_logger(__name__)

PENDING_EVENTS_KEY = "kansrijk.pending_events"
EVENT_TYPES_KEY = "kansrijk.event_types"
#: The session's `DeliveryPolicy` (the platform's sessionmaker puts it in every session).
DELIVERY_POLICY_KEY = "kansrijk.delivery_policy"
#: Longest `last_error` kept (the column's length).
ERROR_LENGTH = 500


class UndeclaredEventType(ValueError):
    """An event type that no module declared through `register_event_types`."""


def publish_event(session: Any, type: str, payload: dict[str, Any] | None = None, *, actor: str | None = None) -> DomainEvent:
    """Record a domain event in the current transaction. The payload holds ids and codes,
    never personal details or free text (subscribers load what they may see)."""
    declared = session.info.get(EVENT_TYPES_KEY)
    if declared is not None and type not in declared:
        raise UndeclaredEventType(f"event type {type!r} is not declared by any module")
    event = DomainEvent(type=type, tenant_id=session_tenant_id(session), payload=dict(payload or {}), actor=actor)
    session.add(
        OutboxEvent(
            id=event.id,
            tenant_id=event.tenant_id,
            type=event.type,
            payload=event.payload,
            actor=event.actor,
            occurred_at=event.occurred_at,
        )
    )
    session.info.setdefault(PENDING_EVENTS_KEY, []).append(event)
    return event


async def settle_unsubscribed(session: Any, hooks: Any) -> None:
    """Before the commit of the transaction that published them: mark the pending events
    that no enabled module takes dispatched and write their webhook deliveries, in this
    transaction (committed with the change, or rolled back with it). The events some
    module takes stay pending for `dispatch_committed`."""
    pending: list[DomainEvent] = session.info.get(PENDING_EVENTS_KEY) or []
    unsubscribed = [event for event in pending if not hooks.domain_event_subscribers(event.type)]
    if not unsubscribed:
        return
    settled = {event.id for event in unsubscribed}
    now, webhooks = utcnow(), {}
    # Outbox rows not flushed yet are inserted dispatched; those already inserted are marked
    # with one UPDATE.
    unflushed = [row for row in session.new if isinstance(row, OutboxEvent) and row.id in settled]
    for row in unflushed:
        row.dispatched_at = now
    written = sorted(settled - {row.id for row in unflushed})
    if written:
        await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(written)).values(dispatched_at=now))
    for event in unsubscribed:
        await create_webhook_deliveries(session, event, webhooks)
    session.info[PENDING_EVENTS_KEY] = [event for event in pending if event.id not in settled]


async def dispatch_committed(session: Any, hooks: Any) -> None:
    """Deliver the events of the transaction that just committed. The data is committed
    whatever happens here: a failure is logged, and the outbox keeps the undelivered
    events for `dispatch_pending`."""
    events: list[DomainEvent] = session.info.pop(PENDING_EVENTS_KEY, [])
    try:
        await dispatch(session, hooks, events)
    except Exception:
        log.exception("event.dispatch_failed", events=len(events))
        await rollback(session)


async def rollback(session: Any) -> None:
    session.info.pop(PENDING_EVENTS_KEY, None)
    await session.rollback()


async def dispatch(session: Any, hooks: Any, events: list[DomainEvent]) -> None:
    """Hand each event to the subscribers that take it (each in a transaction of its own),
    then mark the events dispatched, record the failed deliveries and write the webhook
    deliveries in one transaction; events the subscribers published follow in turn."""
    batch = list(events)
    webhooks: dict[str, Any] = {}  # the tenant's webhook subscriptions, read once for these events
    while batch:
        published: list[DomainEvent] = []
        failures: dict[uuid.UUID, list[tuple[str, str]]] = {}
        for event in batch:
            for module_key, call in hooks.domain_event_subscribers(event.type):
                try:
                    await call(event=event, session=session)
                    await session.commit()
                    published.extend(session.info.pop(PENDING_EVENTS_KEY, []))  # events a subscriber published
                except Exception as exc:
                    await rollback(session)
                    log.exception("event.subscriber_failed", event_type=event.type, module=module_key)
                    failures.setdefault(event.id, []).append((module_key, error_summary(exc)))
        # Marked dispatched in the same transaction that records the failed deliveries and
        # writes the webhook deliveries: an event is either still pending (delivered again to
        # every subscriber) or dispatched with each failure and each webhook on record.
        await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([event.id for event in batch])).values(dispatched_at=utcnow()))
        for event in batch:
            if event.id in failures:
                await record_failures(session, event.id, failures[event.id])
            await create_webhook_deliveries(session, event, webhooks)
        await session.commit()
        batch = published


async def create_webhook_deliveries(session: Any, event: DomainEvent, known: dict[str, Any]) -> int:
    """The event's webhook deliveries (`core.webhooks.fanout`; imported here, when the
    outbox runs, because the webhooks' catalogue needs the workflows, which need this
    module). `known` keeps the subscriptions read for the first of several events."""
    from core.webhooks.fanout import create_deliveries

    return await create_deliveries(session, event, known)


async def dispatch_pending(session: Any, hooks: Any, *, older_than: dt.timedelta = dt.timedelta(0), limit: int = 100) -> int:
    """Deliver events of the session's tenant that were committed but never dispatched (a
    crash between commit and delivery). Delivery is at least once: subscribers must be
    idempotent."""
    rows = (
        await session.execute(
            select(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.occurred_at <= utcnow() - older_than)
            .order_by(OutboxEvent.occurred_at)
            .limit(limit)
        )
    ).scalars().all()
    events = [event_of(row) for row in rows]
    await dispatch(session, hooks, events)
    return len(events)


def event_of(row: OutboxEvent) -> DomainEvent:
    return DomainEvent(
        type=row.type,
        tenant_id=row.tenant_id,
        payload=row.payload,
        actor=row.actor,
        id=row.id,
        occurred_at=row.occurred_at,
    )


async def forget_events(session: Any, ids: Collection[str], *, since: dt.datetime) -> int:
    """Delete the tenant's outbox events since `since` whose payload names one of `ids`
    (delivered or not): after an erasure on request no old event leads back to the person.
    Their failed deliveries (`event_deliveries`) go with them (ON DELETE CASCADE). Returns
    how many went."""
    wanted = {str(value) for value in ids}
    if not wanted:
        return 0
    # The database narrows down to events whose payload text holds one of the ids; the
    # exact test (a value of the payload) is then made here.
    text = cast(OutboxEvent.payload, String)
    rows = await session.execute(
        select(OutboxEvent.id, OutboxEvent.payload).where(
            OutboxEvent.occurred_at >= since, or_(*(text.contains(value, autoescape=True) for value in wanted))
        )
    )
    naming = [event_id for event_id, payload in rows.all() if wanted & {str(value) for value in (payload or {}).values()}]
    if naming:
        await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(naming)))
    return len(naming)


# -- failed deliveries: retries with backoff, the dead letter ----------------------------


@dataclass(frozen=True)
class DeliveryPolicy:
    """How failed deliveries are retried: the first retry `base_delay` seconds after the
    first failure, each next one twice as long after the previous (at most `max_delay`),
    each with ±20 % jitter so that deliveries that failed together do not retry together;
    after `max_attempts` attempts in all the delivery is dead."""

    base_delay: float = 30.0
    max_delay: float = 3600.0
    max_attempts: int = 8

    @classmethod
    def from_settings(cls, settings: Any) -> DeliveryPolicy:
        return cls(
            base_delay=settings.event_retry_base_delay,
            max_delay=settings.event_retry_max_delay,
            max_attempts=settings.event_max_attempts,
        )

    def next_attempt(self, attempts: int, now: dt.datetime) -> dt.datetime | None:
        """When to try again after `attempts` attempts that failed; None: give up."""
        if attempts >= self.max_attempts:
            return None
        delay = min(self.max_delay, self.base_delay * 2 ** min(max(attempts - 1, 0), 40))
        return now + dt.timedelta(seconds=delay * random.uniform(0.8, 1.2))  # jitter, not security


def policy_of(session: Any) -> DeliveryPolicy:
    return session.info.get(DELIVERY_POLICY_KEY) or DeliveryPolicy()


def error_summary(exc: BaseException) -> str:
    """What a failed delivery keeps of its error: the exception's class and the first line
    of its message, truncated (database errors put the statement and its parameters on
    later lines; no traceback, so no data values)."""
    lines = str(exc).strip().splitlines()
    summary = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return summary if len(summary) <= ERROR_LENGTH else summary[: ERROR_LENGTH - 1] + "…"


def _after_failure(attempts: int, error: str, policy: DeliveryPolicy, now: dt.datetime) -> dict[str, Any]:
    """The new state of a delivery whose attempt number `attempts` just failed."""
    next_attempt_at = policy.next_attempt(attempts, now)
    return {
        "attempts": attempts,
        "last_error": error,
        "next_attempt_at": next_attempt_at,
        "status": DeliveryStatus.RETRYING if next_attempt_at is not None else DeliveryStatus.DEAD,
        "updated_at": utcnow(),
    }


async def record_failures(session: Any, event_id: uuid.UUID, failures: list[tuple[str, str]]) -> None:
    """Record that delivering `event_id` to these (subscriber, error) failed, in the
    current transaction (a row that exists already counts one more attempt)."""
    policy, now = policy_of(session), utcnow()
    subscribers = [subscriber for subscriber, _error in failures]
    existing = {
        row.subscriber: row
        for row in (
            await session.execute(
                select(EventDelivery).where(EventDelivery.event_id == event_id, EventDelivery.subscriber.in_(subscribers))
            )
        ).scalars()
    }
    for subscriber, error in failures:
        row = existing.get(subscriber)
        if row is None:
            row = EventDelivery(event_id=event_id, subscriber=subscriber, attempts=0)
            session.add(row)
        for name, value in _after_failure(row.attempts + 1, error, policy, now).items():
            setattr(row, name, value)
    await session.flush()


def _due(now: dt.datetime) -> Any:
    return and_(EventDelivery.status == DeliveryStatus.RETRYING, EventDelivery.next_attempt_at <= now)


async def retry_due(
    session: Any, hooks: Any, *, now: dt.datetime | None = None, limit: int = 100, ids: Collection[uuid.UUID] | None = None
) -> int:
    """Attempt the session's tenant's failed deliveries that are due as of `now` (only those
    `ids`, when given) to subscribers enabled in `hooks`, the earliest due first, each in a
    transaction of its own. Returns how many were attempted."""
    now = now or utcnow()
    subscribers = sorted({key for key, _call in hooks.domain_event_subscribers()})
    if not subscribers:
        return 0
    query = select(EventDelivery.id).where(_due(now), EventDelivery.subscriber.in_(subscribers))
    if ids is not None:
        query = query.where(EventDelivery.id.in_(list(ids)))
    due = list((await session.execute(query.order_by(EventDelivery.next_attempt_at).limit(limit))).scalars())
    await rollback(session)
    attempted = 0
    for delivery_id in due:
        attempted += await _attempt(session, hooks, delivery_id, now)
    return attempted


async def _attempt(session: Any, hooks: Any, delivery_id: uuid.UUID, now: dt.datetime) -> bool:
    """One more attempt of one delivery, if it is still due and no other worker holds it.
    The subscriber runs in the transaction that holds the row (behind a savepoint), so its
    work and the `delivered` mark are committed together, and a failure is recorded
    without letting the row go in between."""
    await begin_write(session)
    claimed = (
        await session.execute(
            select(EventDelivery.subscriber, EventDelivery.attempts, OutboxEvent)
            .join(OutboxEvent, and_(OutboxEvent.tenant_id == EventDelivery.tenant_id, OutboxEvent.id == EventDelivery.event_id))
            .where(EventDelivery.id == delivery_id, _due(now))
            .with_for_update(of=EventDelivery, skip_locked=True)
        )
    ).first()
    call = hooks.domain_event_subscriber(claimed.subscriber) if claimed is not None else None
    if call is None:  # taken or finished by another worker meanwhile (or the module went)
        await rollback(session)
        return False
    subscriber, attempts, stored = claimed
    event = event_of(stored)
    try:
        async with session.begin_nested():
            await call(event=event, session=session)
    except Exception as exc:
        session.info.pop(PENDING_EVENTS_KEY, None)  # what it published went with the savepoint
        error = error_summary(exc)
        log.warning("event.redelivery_failed", event_type=event.type, module=subscriber, attempt=attempts + 1, error=error, exc_info=True)
        values = _after_failure(attempts + 1, error, policy_of(session), now)
        if values["status"] == DeliveryStatus.DEAD:
            log.error("event.delivery_dead", event_type=event.type, module=subscriber, delivery=str(delivery_id), attempts=attempts + 1)
        await session.execute(update(EventDelivery).where(EventDelivery.id == delivery_id).values(**values))
        await session.commit()
        return True
    await session.execute(
        update(EventDelivery)
        .where(EventDelivery.id == delivery_id)
        .values(status=DeliveryStatus.DELIVERED, attempts=attempts + 1, next_attempt_at=None, updated_at=utcnow())
    )
    await session.commit()
    log.info("event.redelivered", event_type=event.type, module=subscriber, attempts=attempts + 1)
    published = session.info.pop(PENDING_EVENTS_KEY, [])
    if published:  # events the subscriber published: delivered like any other
        await dispatch(session, hooks, published)
    return True


async def list_deliveries(session: Any, *, status: str | None = None, limit: int = 50) -> list[tuple[EventDelivery, str]]:
    """The tenant's recorded deliveries (of one status), most recently changed first, each
    with its event's type."""
    query = select(EventDelivery, OutboxEvent.type).join(
        OutboxEvent, and_(OutboxEvent.tenant_id == EventDelivery.tenant_id, OutboxEvent.id == EventDelivery.event_id)
    )
    if status is not None:
        query = query.where(EventDelivery.status == status)
    rows = await session.execute(query.order_by(EventDelivery.updated_at.desc(), EventDelivery.id).limit(limit))
    return [(delivery, event_type) for delivery, event_type in rows.all()]


async def find_delivery(session: Any, delivery_id: uuid.UUID) -> EventDelivery | None:
    return (await session.execute(select(EventDelivery).where(EventDelivery.id == delivery_id))).scalar_one_or_none()


async def revive(session: Any, deliveries: Collection[EventDelivery], *, now: dt.datetime | None = None) -> list[uuid.UUID]:
    """Make these deliveries due now (in the current transaction): a retrying one keeps its
    count, a dead one starts a new series of attempts. A delivered one is refused."""
    done = [delivery for delivery in deliveries if delivery.status == DeliveryStatus.DELIVERED]
    if done:
        raise Conflict(f"Aflevering {done[0].id} is al afgeleverd.", code="ALREADY_DELIVERED", field="id")
    now = now or utcnow()
    for delivery in deliveries:
        if delivery.status == DeliveryStatus.DEAD:
            delivery.attempts = 0
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now
        delivery.updated_at = utcnow()
    await session.flush()
    return [delivery.id for delivery in deliveries]


async def dead_deliveries(session: Any) -> list[EventDelivery]:
    return list((await session.execute(select(EventDelivery).where(EventDelivery.status == DeliveryStatus.DEAD))).scalars())


def delivery_not_found(delivery_id: Any) -> NotFound:
    return NotFound(f"Er is geen aflevering met id '{delivery_id}'.", code="DELIVERY_NOT_FOUND", field="id")


async def forget_module_events(
    session: Any, module_key: str, event_types: Collection[str], workflows: Collection[str], *, workflow_event_type: str
) -> tuple[int, int]:
    """Delete, in the session's tenant, what the outbox holds of a purged module: its events
    (the types it declared, and the `workflow_event_type` events of its workflows, whose
    payload names its subjects), the deliveries of those events and every delivery to its
    subscriber. Returns (events, deliveries) deleted."""
    flows = set(workflows)
    event_ids: list[uuid.UUID] = []
    if event_types:
        event_ids += (await session.execute(select(OutboxEvent.id).where(OutboxEvent.type.in_(list(event_types))))).scalars()
    if flows:
        rows = await session.execute(select(OutboxEvent.id, OutboxEvent.payload).where(OutboxEvent.type == workflow_event_type))
        event_ids += [event_id for event_id, payload in rows.all() if (payload or {}).get("workflow") in flows]
    deliveries = 0
    for chunk in _chunks(event_ids):
        deliveries += (await session.execute(delete(EventDelivery).where(EventDelivery.event_id.in_(chunk)))).rowcount or 0
    deliveries += (await session.execute(delete(EventDelivery).where(EventDelivery.subscriber == module_key))).rowcount or 0
    for chunk in _chunks(event_ids):
        await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(chunk)))
    return len(event_ids), deliveries


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]
