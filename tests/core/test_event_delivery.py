"""Domain events are never lost: a subscriber that fails is retried with backoff until it
succeeds or its delivery goes to the dead letter, without touching other subscribers."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from core import events
from core.db import utcnow
from core.events import DeliveryPolicy, error_summary, forget_events, publish_event
from core.models import DeliveryStatus, EventDelivery, OutboxEvent
from core.platform import Platform
from core.services import modules as module_service
from core.testing import make_tenant
from tests.support import tiny_extra, tiny_notes

NOTE_ADDED = "tiny_notes.note.added"


@pytest.fixture(autouse=True)
def _clear_extra() -> Iterator[None]:
    tiny_extra.EVENTS.clear()
    yield
    tiny_extra.EVENTS.clear()


async def publish(platform: Platform, payload: dict, *, slug: str = "utrecht") -> uuid.UUID:
    async with platform.work_as_system(slug, "test") as work:
        event = publish_event(work.session, NOTE_ADDED, payload)
        await work.commit()
    return event.id


async def deliveries(platform: Platform, slug: str = "utrecht") -> list[EventDelivery]:
    async with platform.work_as_system(slug, "test") as work:
        return list((await work.session.execute(select(EventDelivery).order_by(EventDelivery.subscriber))).scalars())


async def only_delivery(platform: Platform, slug: str = "utrecht") -> EventDelivery:
    rows = await deliveries(platform, slug)
    assert len(rows) == 1, rows
    return rows[0]


def notes_calls(event_id: uuid.UUID) -> int:
    return sum(1 for event in tiny_notes.CALLS["on_domain_event"] if event.id == event_id)


def extra_calls(event_id: uuid.UUID) -> int:
    return sum(1 for event in tiny_extra.EVENTS if event.id == event_id)


def later(days: int) -> dt.datetime:
    """A moment well past any backoff (the longest wait is an hour)."""
    return utcnow() + dt.timedelta(days=days)


async def test_a_failed_delivery_is_retried_with_backoff_until_it_succeeds(platform: Platform) -> None:
    await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    before = utcnow()
    event_id = await publish(platform, {"note_id": "n1", "fail_times": 2})
    assert notes_calls(event_id) == 1
    first = await only_delivery(platform)
    assert (first.event_id, first.subscriber, first.status, first.attempts) == (event_id, "tiny_notes", "retrying", 1)
    assert first.last_error == "RuntimeError: subscriber failure (test)"
    # The first retry waits the base delay (30 s), with jitter.
    assert before + dt.timedelta(seconds=24) <= first.next_attempt_at <= utcnow() + dt.timedelta(seconds=36)
    async with platform.work_as_system("utrecht", "test") as work:  # dispatched: the outbox does not deliver it again
        assert (await work.session.execute(select(OutboxEvent.dispatched_at))).scalar_one() is not None

    assert await platform.retry_event_deliveries() == 0  # not due yet
    assert notes_calls(event_id) == 1

    assert await platform.retry_event_deliveries(now=first.next_attempt_at) == 1
    assert notes_calls(event_id) == 2
    second = await only_delivery(platform)
    assert (second.status, second.attempts) == ("retrying", 2)
    # Twice the wait of the first retry (60 s, with jitter).
    assert dt.timedelta(seconds=48) <= second.next_attempt_at - first.next_attempt_at <= dt.timedelta(seconds=72)

    assert await platform.retry_event_deliveries(now=second.next_attempt_at) == 1
    assert notes_calls(event_id) == 3
    done = await only_delivery(platform)
    assert (done.status, done.attempts, done.next_attempt_at) == ("delivered", 3, None)
    assert done.last_error == "RuntimeError: subscriber failure (test)"  # what went wrong before stays visible

    assert await platform.retry_event_deliveries(now=later(30)) == 0
    assert notes_calls(event_id) == 3


async def test_a_delivery_that_keeps_failing_goes_to_the_dead_letter_and_can_be_revived(platform: Platform) -> None:
    await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    maximum = platform.settings.event_max_attempts
    event_id = await publish(platform, {"fail_times": maximum})
    waits = []
    for day in range(1, 3 * maximum):
        moment = later(day)
        if not await platform.retry_event_deliveries(now=moment):
            break
        row = await only_delivery(platform)
        if row.next_attempt_at is not None:
            waits.append((row.next_attempt_at - moment).total_seconds())
    dead = await only_delivery(platform)
    assert (dead.status, dead.attempts, dead.next_attempt_at) == ("dead", maximum, None)
    assert notes_calls(event_id) == maximum
    # 60 s, 120 s, ... doubling after each failed retry (±20 %), at most an hour.
    assert len(waits) == maximum - 2
    for number, wait in enumerate(waits, start=1):
        expected = min(3600, 30 * 2**number)
        assert 0.8 * expected <= wait <= 1.2 * expected, (number, wait)
    # Dead: never tried again by the rounds.
    assert await platform.retry_event_deliveries(now=later(100)) == 0
    assert notes_calls(event_id) == maximum

    # An operator revives it (what `kansrijk events retry ID` does): due now, a new series.
    async with platform.work_as_system("utrecht", "test") as work:
        delivery = await events.find_delivery(work.session, dead.id)
        assert await events.revive(work.session, [delivery]) == [dead.id]
        await work.session.commit()
    assert await platform.retry_event_deliveries() == 1
    revived = await only_delivery(platform)
    assert (revived.status, revived.attempts) == ("delivered", 1)
    assert notes_calls(event_id) == maximum + 1
    # A delivered one cannot be revived.
    async with platform.work_as_system("utrecht", "test") as work:
        from core.errors import Conflict

        with pytest.raises(Conflict, match="al afgeleverd"):
            await events.revive(work.session, [await events.find_delivery(work.session, dead.id)])


async def test_a_failing_subscriber_does_not_affect_another_modules_subscriber(platform: Platform) -> None:
    await make_tenant(platform, "GM0344", enable=["tiny_notes", "tiny_extra"])
    event_id = await publish(platform, {"explode": True})
    # Both were called; only the one that failed has a delivery to retry.
    assert (notes_calls(event_id), extra_calls(event_id)) == (1, 1)
    row = await only_delivery(platform)
    assert row.subscriber == "tiny_notes"
    for day in (1, 2, 3):
        assert await platform.retry_event_deliveries(now=later(day)) == 1
    assert (notes_calls(event_id), extra_calls(event_id)) == (4, 1)

    # And the other way round: tiny_extra fails, tiny_notes got it once.
    other = await publish(platform, {"extra_explode": True})
    assert (notes_calls(other), extra_calls(other)) == (1, 1)
    by_subscriber = {(row.event_id, row.subscriber): row for row in await deliveries(platform)}
    assert by_subscriber[(other, "tiny_extra")].attempts == 1 and (other, "tiny_notes") not in by_subscriber
    assert await platform.retry_event_deliveries(now=later(10)) == 2  # one each: tiny_notes' and tiny_extra's
    assert (notes_calls(other), extra_calls(other)) == (1, 2)


async def test_deliveries_to_a_disabled_module_wait_until_it_is_enabled_again(platform: Platform) -> None:
    await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    event_id = await publish(platform, {"fail_times": 1})
    waiting = await only_delivery(platform)
    async with platform.work_as_system("utrecht", "test") as work:
        await module_service.disable_module(work, "tiny_notes")
        await work.commit()
    assert await platform.retry_event_deliveries(now=later(1)) == 0
    assert notes_calls(event_id) == 1
    unchanged = await only_delivery(platform)
    assert (unchanged.status, unchanged.attempts, unchanged.next_attempt_at) == ("retrying", 1, waiting.next_attempt_at)
    async with platform.work_as_system("utrecht", "test") as work:
        await module_service.enable_module(work, "tiny_notes")
        await work.commit()
    assert await platform.retry_event_deliveries(now=later(1)) == 1
    assert (await only_delivery(platform)).status == "delivered"


async def test_two_workers_never_run_the_same_delivery(platform: Platform) -> None:
    await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    event_ids = [await publish(platform, {"fail_times": 1, "n": str(number)}) for number in range(3)]
    moment = later(1)
    attempted = await asyncio.gather(*(platform.retry_event_deliveries(now=moment) for _ in range(3)))
    assert sum(attempted) == 3
    assert [notes_calls(event_id) for event_id in event_ids] == [2, 2, 2]
    assert {row.status for row in await deliveries(platform)} == {"delivered"}



async def test_a_delivery_held_by_another_worker_is_skipped(platform: Platform, backend: str) -> None:
    """On PostgreSQL a worker claims a delivery with FOR UPDATE SKIP LOCKED: one that
    another worker holds is passed over, not waited for (SQLite has one writer at a time)."""
    if backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    from core.db import begin_write
    from core.tenancy import tenant_context

    tenant = await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    event_id = await publish(platform, {"fail_times": 1})
    with tenant_context(tenant.id):
        async with platform.session() as holder:
            await begin_write(holder)
            await holder.execute(select(EventDelivery).with_for_update())
            assert await asyncio.wait_for(platform.retry_event_deliveries(now=later(1)), timeout=10) == 0
            await holder.rollback()
    assert notes_calls(event_id) == 1
    assert await platform.retry_event_deliveries(now=later(1)) == 1
    assert notes_calls(event_id) == 2

async def test_a_retry_commits_the_subscribers_work_with_its_delivery(platform: Platform) -> None:
    await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    await publish(platform, {"fail_times": 1, "write_note": "Na een nieuwe poging"})
    assert await platform.retry_event_deliveries(now=later(1)) == 1
    async with platform.work_as_system("utrecht", "test") as work:
        texts = list((await work.session.execute(select(tiny_notes.TinyNote.text))).scalars())
    assert texts == ["Na een nieuwe poging"]
    assert (await only_delivery(platform)).status == "delivered"


async def test_deliveries_are_per_tenant(platform: Platform) -> None:
    await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    await make_tenant(platform, "GM0796", enable=["tiny_notes"])
    utrecht = await publish(platform, {"explode": True}, slug="utrecht")
    bosch = await publish(platform, {"explode": True}, slug="s-hertogenbosch")
    assert [row.event_id for row in await deliveries(platform, "utrecht")] == [utrecht]
    assert [row.event_id for row in await deliveries(platform, "s-hertogenbosch")] == [bosch]
    assert await platform.retry_event_deliveries(now=later(1)) == 2
    assert (notes_calls(utrecht), notes_calls(bosch)) == (2, 2)


async def test_last_error_keeps_the_class_and_the_first_line_only(platform: Platform) -> None:
    await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    await publish(platform, {"long_error": True})
    error = (await only_delivery(platform)).last_error
    assert error.startswith("ValueError: xxx") and len(error) == 500 and error.endswith("…") and "second line" not in error
    assert error_summary(KeyError()) == "KeyError"


async def test_forgetting_events_takes_their_deliveries_along(platform: Platform) -> None:
    """An erasure on request deletes the events naming the person; their delivery rows go too."""
    await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    since = utcnow() - dt.timedelta(minutes=1)
    await publish(platform, {"note_id": "te-wissen", "explode": True})
    await publish(platform, {"note_id": "blijft", "explode": True})
    async with platform.work_as_system("utrecht", "test") as work:
        assert await forget_events(work.session, {"te-wissen"}, since=since) == 1
        await work.session.commit()
    async with platform.work_as_system("utrecht", "test") as work:
        remaining = (await work.session.execute(select(func.count()).select_from(EventDelivery))).scalar_one()
    assert remaining == 1


def test_backoff_policy() -> None:
    policy = DeliveryPolicy(base_delay=30, max_delay=3600, max_attempts=8)
    now = utcnow()
    for attempts, expected in ((1, 30), (2, 60), (3, 120), (7, 1920), (6, 960)):
        wait = (policy.next_attempt(attempts, now) - now).total_seconds()
        assert 0.8 * expected <= wait <= 1.2 * expected
    assert policy.next_attempt(8, now) is None
    capped = DeliveryPolicy(base_delay=30, max_delay=100, max_attempts=1000)
    assert (capped.next_attempt(999, now) - now).total_seconds() <= 120
    assert DeliveryPolicy(max_attempts=1).next_attempt(1, now) is None


def test_the_retry_round_is_a_periodic_task(platform: Platform) -> None:
    tasks = {task.name: task for task in platform.periodic_tasks()}
    assert tasks["events.retry"].interval == platform.settings.event_retry_interval
    assert tasks["events.retry"].run == platform.retry_event_deliveries
    assert DeliveryStatus.DEAD == "dead"
