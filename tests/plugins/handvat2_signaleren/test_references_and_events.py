"""What handvat 2 offers other modules without being imported: whether a family exists
(`reference_exists` for the kind `handvat2_signaleren.family`), and an event when a family
is anonymised (retention) or erased (on request), which a subscriber of another module (the
tests' tiny module) receives with the family's id only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.db import utcnow
from core.models import OutboxEvent
from core.platform import Platform
from plugins.handvat2_signaleren.hooks import FAMILY_REFERENCE, reference_exists
from tests.conftest import Api, World
from tests.plugins.handvat2_signaleren.conftest import Coalitions, Flow
from tests.support import tiny_notes

PRIVACY = World.email("privacy_officer", "utrecht")
CLOSE = "mutation($id: ID!) { closeFamily(input: {id: $id}) { family { status } } }"
ERASE = "mutation($id: ID!, $r: String!) { eraseFamily(input: {familyId: $id, reason: $r}) { familyId } }"
RETENTION = "handvat2_signaleren.retention"


async def exists(platform: Platform, family_id: str, slug: str = "utrecht") -> bool:
    async with platform.work_as_system(slug, "test") as work:
        return await work.reference_exists(FAMILY_REFERENCE, family_id)


async def test_another_module_can_ask_whether_a_family_exists(api: Api, coalitions: Coalitions, flow: Flow, platform: Platform) -> None:
    family = await flow.register()
    assert await exists(platform, family["id"]) is True
    assert await exists(platform, "00000000-0000-0000-0000-000000000001") is False
    assert await exists(platform, "geen-id") is False
    assert await exists(platform, family["id"], "s-hertogenbosch") is False  # another gemeente's family
    async with platform.work_as_system("utrecht", "test") as work:
        # Another kind is not handvat 2's to answer (the first answer counts).
        assert await reference_exists(kind="handvat2_signaleren.referral", id=family["id"], session=work.session) is None
        assert await reference_exists(kind="tiny_notes.note", id=family["id"], session=work.session) is None
        assert await work.hooks.reference_exists(kind="handvat3_toegang.regeling", id=family["id"], session=work.session) is None


async def test_anonymisation_and_erasure_reach_the_subscribers_of_other_modules(api: Api, coalitions: Coalitions, flow: Flow, platform: Platform) -> None:
    enable = 'mutation { enableModule(input: {key: "tiny_notes"}) { module { enabled } } }'
    (await api.gql("utrecht", enable, user=World.email("coalition_admin", "utrecht"))).ok()
    family, kept = await flow.register(), await flow.register("VK-2026-002")
    (await flow.call("vroedvrouw", CLOSE, {"id": family["id"]})).ok()

    def received() -> list[tuple[str, dict]]:
        return [(event.type, event.payload) for event in tiny_notes.CALLS["on_domain_event"] if event.type.startswith("handvat2_signaleren.family.")]

    assert await platform.run_scheduled_jobs(now=utcnow() + dt.timedelta(days=380), names=[RETENTION]) == {RETENTION: 1}
    assert received() == [("handvat2_signaleren.family.anonymised", {"family_id": family["id"]})]
    assert await exists(platform, family["id"]) is False  # anonymised: held for the figures only, not to refer to

    (await api.gql("utrecht", ERASE, {"id": family["id"], "r": "Verzoek van de ouder"}, user=PRIVACY)).ok()
    assert received() == [
        ("handvat2_signaleren.family.anonymised", {"family_id": family["id"]}),
        ("handvat2_signaleren.family.erased", {"family_id": family["id"]}),
    ]
    assert await exists(platform, family["id"]) is False and await exists(platform, kept["id"]) is True
    # The erasure forgot every earlier event naming the family (the anonymisation's too); its
    # own event stays in the outbox, delivered.
    async with platform.work_as_system("utrecht", "test") as work:
        naming = (await work.session.execute(select(OutboxEvent.type, OutboxEvent.payload, OutboxEvent.dispatched_at))).all()
    naming = [(kind, dispatched is not None) for kind, payload, dispatched in naming if family["id"] in map(str, payload.values())]
    assert naming == [("handvat2_signaleren.family.erased", True)]
