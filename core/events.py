"""Domain events through a transactional outbox.

`publish_event` writes the event to `outbox_events` in the caller's transaction, so an
event exists exactly when the change that caused it was committed. After the commit the
in-process dispatcher hands each event to the `on_domain_event` hook of the modules the
tenant has enabled (each subscriber in its own transaction, errors isolated) and marks
the outbox row dispatched. Rows left undispatched (a crash between commit and dispatch)
are picked up by `dispatch_pending`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import structlog
from sqlalchemy import String, cast, delete, or_, select, update

from core.db import session_tenant_id, utcnow
from core.models import OutboxEvent
from core.module_types import DomainEvent

log = structlog.get_logger(__name__)

PENDING_EVENTS_KEY = "kansrijk.pending_events"
EVENT_TYPES_KEY = "kansrijk.event_types"


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


async def commit_and_dispatch(session: Any, hooks: Any) -> None:
    """Commit the unit of work, then deliver the events it published."""
    await session.commit()
    await dispatch_committed(session, hooks)


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
    queue = list(events)
    while queue:
        event = queue.pop(0)
        for module_key, call in hooks.each("on_domain_event"):
            try:
                await call(event=event, session=session)
                await session.commit()
                queue.extend(session.info.pop(PENDING_EVENTS_KEY, []))  # events a subscriber published
            except Exception:
                await rollback(session)
                log.exception("event.subscriber_failed", event_type=event.type, module=module_key)
        await session.execute(update(OutboxEvent).where(OutboxEvent.id == event.id).values(dispatched_at=utcnow()))
        await session.commit()


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
    events = [
        DomainEvent(
            type=row.type,
            tenant_id=row.tenant_id,
            payload=row.payload,
            actor=row.actor,
            id=row.id,
            occurred_at=row.occurred_at,
        )
        for row in rows
    ]
    await dispatch(session, hooks, events)
    return len(events)


async def forget_events(session: Any, ids: Collection[str], *, since: dt.datetime) -> int:
    """Delete the tenant's outbox events since `since` whose payload names one of `ids`
    (delivered or not): after an erasure on request no old event leads back to the person.
    Returns how many went."""
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
