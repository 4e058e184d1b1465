"""Every list at the root of handvat 2 is a Relay connection: `first` and `after` page it,
`pageInfo` and `totalCount` describe it, a cursor that is not one is VALIDATION_FAILED (the
field answers null, the error names `after`), a page larger than allowed too. The lists
that were plain before (feedback, deletion records, overdue referrals) are walked here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import update

from core.db import utcnow
from core.platform import Platform
from plugins.handvat2_signaleren.models import Referral
from tests.conftest import Api, World
from tests.plugins.handvat2_signaleren.conftest import Coalition, Flow

ADMIN = World.email("coalition_admin", "utrecht")
PRIVACY = World.email("privacy_officer", "utrecht")


async def walk(call: Any, field: str, selection: str, first: int) -> tuple[list[dict], int, int]:
    """Every node of a connection, a page of `first` at a time: (nodes, totalCount, pages)."""
    query = f"query($first: Int, $after: String) {{ {field}(first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage endCursor }} edges {{ cursor node {{ {selection} }} }} }} }}"
    nodes, after, pages, total = [], None, 0, None
    while True:
        page = (await call(query, {"first": first, "after": after})).ok()[field]
        pages += 1
        total = page["totalCount"] if total is None else total
        assert page["totalCount"] == total and len(page["edges"]) <= first
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, total, pages
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]


async def assert_bad_pages_refused(call: Any, field: str) -> None:
    for arguments, name in (('(after: "bm9uc2Vuc2U=")', "after"), ('(after: "nonsense")', "after"), ("(first: 1000)", "first"), ("(first: -1)", "first")):
        response = await call(f"{{ {field}{arguments} {{ totalCount }} }}", None)
        assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == name, (field, arguments, response.body)
        assert response.errors[0]["path"] == [field] and (response.data or {}).get(field) is None


async def test_feedback_is_a_connection(api: Api, utrecht: Coalition, flow: Flow) -> None:
    referrals = []
    for index in range(3):
        family = await flow.register(f"VK-2026-{index:03d}")
        referrals.append(await flow.refer(family["id"], (await flow.consent(family["id"]))["id"]))
    for referral in referrals:
        (await flow.move(referral["id"], "accepteren")).ok()

    async def midwife(query: str, variables: dict | None) -> Any:
        return await flow.call("vroedvrouw", query, variables)

    nodes, total, pages = await walk(midwife, "referralFeedback", "referralId transition", first=2)
    assert (total, pages) == (3, 2)
    assert [node["referralId"] for node in nodes] == [referral["id"] for referral in reversed(referrals)]  # newest first
    assert {node["transition"] for node in nodes} == {"ACCEPTEREN"}
    await assert_bad_pages_refused(midwife, "referralFeedback")
    unread = (await flow.call("vroedvrouw", "{ referralFeedback(unreadOnly: true, first: 1) { totalCount nodes { id } } }")).ok()
    assert unread["referralFeedback"]["totalCount"] == 3 and len(unread["referralFeedback"]["nodes"]) == 1


async def test_referrals_are_a_connection(api: Api, utrecht: Coalition, flow: Flow) -> None:
    family = await flow.register()
    consent = await flow.consent(family["id"])
    sent = [(await flow.refer(family["id"], consent["id"]))["id"] for _ in range(3)]

    async def midwife(query: str, variables: dict | None) -> Any:
        return await flow.call("vroedvrouw", query, variables)

    nodes, total, pages = await walk(midwife, "referrals", "id state", first=1)
    assert (total, pages) == (3, 3) and [node["id"] for node in nodes] == list(reversed(sent))
    await assert_bad_pages_refused(midwife, "referrals")


async def test_overdue_referrals_are_a_connection(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    family = await flow.register()
    consent = await flow.consent(family["id"])
    sent = [(await flow.refer(family["id"], consent["id"]))["id"] for _ in range(3)]
    async with platform.work_as_system("utrecht", "test") as work:
        for days, referral_id in zip((3, 5, 1), sent, strict=True):
            await work.session.execute(update(Referral).where(Referral.id == uuid.UUID(referral_id)).values(respond_by=dt.date.today() - dt.timedelta(days=days)))
        await work.commit()

    async def admin(query: str, variables: dict | None) -> Any:
        return await api.gql("utrecht", query, variables, user=ADMIN)

    nodes, total, pages = await walk(admin, "overdueReferrals", "id daysOverdue", first=2)
    assert (total, pages) == (3, 2)
    assert [node["daysOverdue"] for node in nodes] == [5, 3, 1]  # the longest overdue first
    await assert_bad_pages_refused(admin, "overdueReferrals")


async def test_family_deletions_are_a_connection(api: Api, utrecht: Coalition, flow: Flow, platform: Platform) -> None:
    erase = "mutation($id: ID!) { eraseFamily(input: {familyId: $id, reason: \"Verzoek van de ouder\"}) { familyId deletion { batchId action } } }"
    erased = []
    for index in range(3):
        family = await flow.register(f"VK-2026-{index:03d}")
        payload = (await api.gql("utrecht", erase, {"id": family["id"]}, user=PRIVACY)).ok()["eraseFamily"]
        assert payload["familyId"] == family["id"] and payload["deletion"]["action"] == "ERASED"
        erased.append(payload["deletion"]["batchId"])
    closed = await flow.register("VK-2026-009")
    (await flow.call("vroedvrouw", "mutation($id: ID!) { closeFamily(input: {id: $id}) { family { status } } }", {"id": closed["id"]})).ok()
    job = "handvat2_signaleren.retention"
    assert await platform.run_scheduled_jobs(now=utcnow() + dt.timedelta(days=380), names=[job]) == {job: 1}

    async def privacy(query: str, variables: dict | None) -> Any:
        return await api.gql("utrecht", query, variables, user=PRIVACY)

    nodes, total, pages = await walk(privacy, "familyDeletions", "batchId action familyIds", first=3)
    assert (total, pages) == (4, 2)
    # Newest first: the anonymisation (a year later) before the erasures, newest erasure first.
    assert [node["action"] for node in nodes] == ["ANONYMISED", "ERASED", "ERASED", "ERASED"]
    assert [node["batchId"] for node in nodes[1:]] == list(reversed(erased)) and nodes[0]["familyIds"] == [closed["id"]]
    await assert_bad_pages_refused(privacy, "familyDeletions")
