"""An event that no module enabled for the tenant takes is settled in the transaction that
published it: marked dispatched and its webhook deliveries written before the commit, so a
mutation commits once. Subscribers declare the types they take with `subscribes_to`; the
events some module takes are delivered after the commit, all of a unit of work marked
dispatched in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from core.events import publish_event, rollback, settle_unsubscribed
from core.models import OutboxEvent
from core.platform import Platform
from core.plugin import subscribes_to
from core.runtime import takes_event
from core.testing import make_tenant
from core.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.support import tiny_extra, tiny_notes

NOTE_ADDED = "tiny_notes.note.added"
FEEDBACK = "handvat2_signaleren.referral.feedback"


@pytest.fixture(autouse=True)
def _clear_calls() -> Iterator[None]:
    tiny_extra.EVENTS.clear()
    yield
    tiny_extra.EVENTS.clear()


@contextmanager
def commits(platform: Platform) -> Iterator[list[int]]:
    """Counts the transactions committed on the platform's engine inside the block."""
    counted = [0]

    def count(_connection: object) -> None:
        counted[0] += 1

    event.listen(platform.engine.sync_engine, "commit", count)
    try:
        yield counted
    finally:
        event.remove(platform.engine.sync_engine, "commit", count)


async def subscribe_webhook(platform: Platform, slug: str, event_type: str) -> None:
    async with platform.work_as_system(slug, "test") as work:
        work.session.add(WebhookSubscription(url="https://example.org/hook", event_types=[event_type], secret="sealed", created_by="test"))
        await work.commit()


async def outbox_and_webhooks(platform: Platform, slug: str) -> tuple[list[tuple[object, bool]], list[object]]:
    async with platform.work_as_system(slug, "test") as work:
        outbox = [(row.id, row.dispatched_at is not None) for row in (await work.session.execute(select(OutboxEvent))).scalars()]
        webhooks = list((await work.session.execute(select(WebhookDelivery.event_id))).scalars())
    return outbox, webhooks


def test_an_unmarked_subscriber_takes_every_type_a_marked_one_only_its_own() -> None:
    async def unmarked(event: object, session: object) -> None: ...

    @subscribes_to("handvat3_toegang.regeling.referred", "*.regeling_linked")
    async def marked(event: object, session: object) -> None: ...

    assert takes_event(unmarked, "anything.at.all")
    assert takes_event(marked, "handvat3_toegang.regeling.referred")
    assert takes_event(marked, "handvat2_signaleren.plan_item.regeling_linked")
    assert not takes_event(marked, "handvat3_toegang.regeling.changed")
    assert not takes_event(marked, "handvat2_signaleren.plan_item.regeling_linked.extra")
    with pytest.raises(ValueError, match="one or more event types"):
        subscribes_to()
    with pytest.raises(ValueError):
        subscribes_to("")


def test_the_subscribers_of_a_type_are_those_that_take_it(platform: Platform) -> None:
    hooks = platform.runtime.hooks_for({"tiny_notes", "tiny_extra"})
    assert {key for key, _call in hooks.domain_event_subscribers(NOTE_ADDED)} == {"tiny_notes", "tiny_extra"}
    assert {key for key, _call in hooks.domain_event_subscribers(FEEDBACK)} == {"tiny_notes"}  # tiny_extra: tiny_notes.* only
    assert platform.runtime.hooks_for({"tiny_extra"}).domain_event_subscribers(FEEDBACK) == []
    assert {key for key, _call in hooks.domain_event_subscribers()} == {"tiny_notes", "tiny_extra"}  # every subscriber


async def test_an_event_nobody_takes_is_dispatched_with_its_webhooks_in_the_one_commit(platform: Platform) -> None:
    tenant = await make_tenant(platform, "GM0344")  # no module that takes it
    await subscribe_webhook(platform, tenant.slug, FEEDBACK)
    with commits(platform) as counted:
        async with platform.work_as_system(tenant.slug, "test") as work:
            published = publish_event(work.session, FEEDBACK, {"notification_id": "n", "referral_id": "r", "recipient_id": "p", "transition": "accepteren"})
            await work.session.flush()  # already inserted when settled: marked by an UPDATE
            await work.commit()
    assert counted[0] == 1  # no delivery transaction after the commit
    assert await outbox_and_webhooks(platform, tenant.slug) == ([(published.id, True)], [published.id])


async def test_a_settled_event_goes_with_a_rollback(platform: Platform) -> None:
    tenant = await make_tenant(platform, "GM0344")
    await subscribe_webhook(platform, tenant.slug, FEEDBACK)
    async with platform.work_as_system(tenant.slug, "test") as work:
        publish_event(work.session, FEEDBACK, {"notification_id": "n", "referral_id": "r", "recipient_id": "p", "transition": "accepteren"})
        await settle_unsubscribed(work.session, work.hooks)
        await work.session.flush()
        await rollback(work.session)
    assert await outbox_and_webhooks(platform, tenant.slug) == ([], [])


async def test_events_a_module_takes_are_delivered_after_the_commit_in_one_more_transaction(platform: Platform) -> None:
    tenant = await make_tenant(platform, "GM0344", enable=["tiny_notes", "tiny_extra"])
    await subscribe_webhook(platform, tenant.slug, NOTE_ADDED)
    with commits(platform) as counted:
        async with platform.work_as_system(tenant.slug, "test") as work:
            taken = [publish_event(work.session, NOTE_ADDED, {"note_id": f"n{number}"}) for number in range(2)]
            await work.commit()
    # The unit of work, then one transaction marking both events dispatched with their
    # webhook deliveries (the subscribers wrote nothing, so theirs never began).
    assert counted[0] == 2
    ids = [published.id for published in taken]
    assert [seen.id for seen in tiny_extra.EVENTS] == ids
    assert [seen.id for seen in tiny_notes.CALLS["on_domain_event"] if seen.id in ids] == ids
    outbox, webhooks = await outbox_and_webhooks(platform, tenant.slug)
    assert sorted(outbox) == sorted((event_id, True) for event_id in ids)
    assert sorted(webhooks) == sorted(ids)
