"""Files that modules serve (`register_downloads`, gateway/downloads.py) and personal feed
links (core/feeds.py): who may fetch what, the problem+json answers, the unit of work, and
links that act as their member with the member's current roles."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, text

from core.feeds import FEED_LINK_MANAGE, MAX_LINKS_PER_MEMBER, FeedLink, token_hash
from core.models import TenantStatus
from core.platform import Platform
from core.processing import ProcessingRecord
from core.services import coalition, tenants
from core.tenancy import TenantContext
from core.testing import Api, World, assert_error, disable_module, make_world, ok
from tests.support import tiny_downloads
from tests.support.tiny_notes.models import TinyNote

KEY = "tiny_notes"
CREATE = "mutation($i: CreateFeedLinkInput!) { createFeedLink(input: $i) { feedLink { id module download createdAt } url } }"
REVOKE = "mutation($id: ID!) { revokeFeedLink(input: {id: $id}) { feedLink { id download } } }"
LINKS = "{ feedLinks(first: 10) { totalCount nodes { id module download } } }"
REVOKE_MEMBER = "mutation($id: ID!) { revokeMemberFeedLinks(input: {membershipId: $id}) { removed } }"


@pytest.fixture(autouse=True)
def serving(platform: Platform) -> Iterator[None]:
    with tiny_downloads.serving(platform):
        yield


@pytest.fixture
async def kit(app: Any, platform: Platform) -> AsyncIterator[Api]:
    """The test kit's own client (core.testing.Api), whose `download` module authors use."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield Api(client, platform)


@pytest.fixture
async def utrecht(platform: Platform) -> World:
    return await make_world(platform, "GM0344", modules=[KEY])


def problem(response: httpx.Response, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status and body.get("field") == field, body
    return body


async def add_notes(platform: Platform, slug: str, *texts: str) -> None:
    async with platform.work_as_system(slug, "test") as work:
        work.session.add_all([TinyNote(text=text) for text in texts])
        await work.commit()


async def notes(platform: Platform, tenant_id: Any) -> list[str]:
    async with platform.session(TenantContext(tenant_id=uuid.UUID(str(tenant_id)))) as session:
        return sorted((await session.execute(select(TinyNote.text))).scalars())


async def records(platform: Platform, tenant_id: Any, operation: str) -> list[tuple[str, str, str]]:
    async with platform.session(TenantContext(tenant_id=uuid.UUID(str(tenant_id)))) as session:
        rows = (await session.execute(select(ProcessingRecord).where(ProcessingRecord.operation == operation))).scalars()
        return sorted((row.actor, row.result, row.status) for row in rows)


# -- the route, with an access token ------------------------------------------------------------


async def test_a_member_downloads_the_file_with_its_media_type_and_headers(kit: Api, platform: Platform, utrecht: World) -> None:
    await add_notes(platform, utrecht.slug, "Twee", "Een")
    response = await kit.download(utrecht.slug, KEY, "notes.csv", user=utrecht.email("analyst"))
    assert response.status_code == 200
    assert response.content == "tekst,toestand\r\nEen,draft\r\nTwee,draft\r\n".encode()
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="notities.csv"'
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff" and "sandbox" in response.headers["content-security-policy"]
    assert response.headers["api-version"]
    # What the handler recorded is written after it succeeded, as the caller, status ok.
    assert await records(platform, utrecht.tenant_id, "notes.csv") == [(utrecht.email("analyst"), "exported", "ok")] * 2


async def test_parameters_reach_the_handler_and_the_last_of_a_repeated_one_counts(kit: Api, platform: Platform, utrecht: World) -> None:
    await add_notes(platform, utrecht.slug, "Een")
    response = await kit.client.get(
        f"/t/{utrecht.slug}/modules/{KEY}/downloads/notes.csv?state=archived&state=draft", headers=utrecht.headers("analyst")
    )
    assert response.status_code == 200 and response.content.endswith(b"Een,draft\r\n")
    who = await kit.download(utrecht.slug, KEY, "whoami.ics", {"b": "2", "a": "1"}, token=utrecht.token("member"))
    assert b"X-PARAMS:a=1,b=2\r\n" in who.content and b"X-WHO:member@utrecht.example" in who.content
    assert who.headers["content-disposition"] == 'attachment; filename="agenda.ics"'


async def test_a_file_name_with_other_characters_is_also_given_in_utf8(kit: Api, utrecht: World) -> None:
    response = await kit.download(utrecht.slug, KEY, "writers.svg", user=utrecht.email("professional"))
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-disposition"] == "inline; filename=\"grafiek_.svg\"; filename*=UTF-8''grafiek%20%E2%82%AC.svg"


async def test_without_a_token_the_answer_is_401_with_a_challenge(kit: Api, utrecht: World) -> None:
    response = await kit.download(utrecht.slug, KEY, "notes.csv")
    problem(response, 401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == "Bearer"
    problem(await kit.download(utrecht.slug, KEY, "notes.csv", token="not-a-jwt"), 401, "UNAUTHENTICATED")


async def test_another_gemeentes_token_is_refused(kit: Api, platform: Platform, utrecht: World) -> None:
    bosch = await make_world(platform, "GM0796", modules=[KEY])
    response = await kit.download(utrecht.slug, KEY, "notes.csv", token=bosch.token("coalition_admin"))
    problem(response, 403, "TENANT_MISMATCH")


async def test_a_role_without_the_permission_is_refused(kit: Api, utrecht: World) -> None:
    body = problem(await kit.download(utrecht.slug, KEY, "writers.svg", user=utrecht.email("analyst")), 403, "FORBIDDEN")
    assert body["title"] == "U heeft geen toestemming voor deze handeling."


async def test_a_module_the_gemeente_did_not_enable_is_refused(kit: Api, platform: Platform, utrecht: World) -> None:
    await disable_module(platform, utrecht.slug, KEY)
    body = problem(await kit.download(utrecht.slug, KEY, "notes.csv", user=utrecht.email("analyst")), 403, "MODULE_NOT_ENABLED")
    assert body["module"] == KEY


async def test_an_unknown_download_or_module_or_gemeente_is_not_found(kit: Api, utrecht: World) -> None:
    analyst = utrecht.email("analyst")
    problem(await kit.download(utrecht.slug, KEY, "nothing.csv", user=analyst), 404, "NOT_FOUND")
    problem(await kit.download(utrecht.slug, "no_such_module", "notes.csv", user=analyst), 404, "NOT_FOUND")
    problem(await kit.download("nergens", KEY, "notes.csv", user=analyst), 404, "TENANT_NOT_FOUND")


async def test_a_bad_parameter_is_a_validation_error_on_that_parameter(kit: Api, platform: Platform, utrecht: World) -> None:
    await add_notes(platform, utrecht.slug, "Een")
    response = await kit.download(utrecht.slug, KEY, "notes.csv", {"state": "weg"}, user=utrecht.email("analyst"))
    body = problem(response, 422, "VALIDATION_FAILED", field="state")
    assert body["title"] == "Kies een toestand: draft, published of archived." and "weg" not in response.text
    problem(await kit.download(utrecht.slug, KEY, "notes.csv", {"state": "a\x00b"}, user=utrecht.email("analyst")), 400, "INVALID_CHARACTERS", field="state")
    assert await records(platform, utrecht.tenant_id, "notes.csv") == []


async def test_another_domain_error_keeps_its_code_and_status(kit: Api, utrecht: World) -> None:
    problem(await kit.download(utrecht.slug, KEY, "conflicting", user=utrecht.email("analyst")), 409, "CONFLICT")


async def test_an_unexpected_failure_is_a_500_problem(kit: Api, utrecht: World) -> None:
    for name in ("broken", "wrong-type"):
        body = problem(await kit.download(utrecht.slug, KEY, name, user=utrecht.email("analyst")), 500, "INTERNAL_SERVER_ERROR")
        assert "bug" not in body["title"]


async def test_what_a_handler_writes_is_kept_when_it_succeeds_and_rolled_back_when_it_fails(
    kit: Api, platform: Platform, utrecht: World
) -> None:
    pro = utrecht.email("professional")
    assert (await kit.download(utrecht.slug, KEY, "write-note", {"text": "blijft"}, user=pro)).status_code == 200
    problem(await kit.download(utrecht.slug, KEY, "write-note", {"text": "weg", "fail": "1"}, user=pro), 422, "VALIDATION_FAILED", field="fail")
    assert await notes(platform, utrecht.tenant_id) == ["blijft"]


# -- personal feed links --------------------------------------------------------------------------


def secret_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["feed"][0]


async def create_link(kit: Api, world: World, member: str, download: str = "whoami.ics") -> tuple[str, str]:
    """(link id, secret) of a new link of `member`."""
    data = ok(await kit.gql(world.slug, CREATE, {"i": {"module": KEY, "download": download}}, user=world.email(member)))
    link = data["createFeedLink"]
    assert link["feedLink"]["module"] == KEY and link["feedLink"]["download"] == download
    base = kit.platform.settings.public_base_url.rstrip("/")
    assert link["url"].startswith(f"{base}/t/{world.slug}/modules/{KEY}/downloads/{download}?feed=kf_")
    return link["feedLink"]["id"], secret_of(link["url"])


async def test_a_feed_link_fetches_without_a_token_as_its_member_until_revoked(kit: Api, platform: Platform, utrecht: World) -> None:
    link_id, secret = await create_link(kit, utrecht, "professional")
    # Only the hash is stored.
    async with platform.session(TenantContext(tenant_id=uuid.UUID(str(utrecht.tenant_id)))) as session:
        stored = (await session.execute(select(FeedLink))).scalar_one()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored.token_hash
    response = await kit.download(utrecht.slug, KEY, "whoami.ics", {"scope": "mine"}, feed=secret)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert b"X-WHO:professional@utrecht.example" in response.content and b"X-PARAMS:scope=mine\r\n" in response.content
    listed = ok(await kit.gql(utrecht.slug, LINKS, user=utrecht.email("professional")))["feedLinks"]
    assert listed["totalCount"] == 1 and listed["nodes"] == [{"id": link_id, "module": KEY, "download": "whoami.ics"}]
    assert ok(await kit.gql(utrecht.slug, LINKS, user=utrecht.email("analyst")))["feedLinks"]["totalCount"] == 0
    # Another member cannot revoke it: it is not theirs.
    assert_error(await kit.gql(utrecht.slug, REVOKE, {"id": link_id}, user=utrecht.email("coalition_admin")), "NOT_FOUND", field="input.id")
    revoked = ok(await kit.gql(utrecht.slug, REVOKE, {"id": link_id}, user=utrecht.email("professional")))
    assert revoked["revokeFeedLink"]["feedLink"] == {"id": link_id, "download": "whoami.ics"}
    gone = problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 404, "NOT_FOUND")
    unknown = problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed="kf_unknown"), 404, "NOT_FOUND")
    assert gone == unknown  # not telling a revoked link from one that never was
    assert ok(await kit.gql(utrecht.slug, LINKS, user=utrecht.email("professional")))["feedLinks"]["totalCount"] == 0


async def test_a_feed_link_serves_only_its_own_download_in_its_own_gemeente(kit: Api, platform: Platform, utrecht: World) -> None:
    bosch = await make_world(platform, "GM0796", modules=[KEY])
    _link, secret = await create_link(kit, utrecht, "professional")
    problem(await kit.download(utrecht.slug, KEY, "writers.svg", feed=secret), 404, "NOT_FOUND")
    problem(await kit.download(utrecht.slug, KEY, "notes.csv", feed=secret), 404, "NOT_FOUND")
    problem(await kit.download(bosch.slug, KEY, "whoami.ics", feed=secret), 404, "NOT_FOUND")
    problem(await kit.download(utrecht.slug, "tiny_extra", "whoami.ics", feed=secret), 404, "NOT_FOUND")


async def links_of(platform: Platform, world: World, member: str) -> list[str]:
    """The downloads of `member`'s stored links."""
    async with platform.session(TenantContext(tenant_id=uuid.UUID(str(world.tenant_id)))) as session:
        rows = await session.execute(select(FeedLink.download).where(FeedLink.membership_id == uuid.UUID(world.members[member])))
        return sorted(rows.scalars())


async def add_link_rows(platform: Platform, world: World, member: str, secrets: list[str], download: str = "whoami.ics") -> None:
    """Links stored directly, as a link made earlier (e.g. before its membership ended) is."""
    async with platform.session(TenantContext(tenant_id=uuid.UUID(str(world.tenant_id)))) as session:
        membership_id = uuid.UUID(world.members[member])
        session.add_all(
            [FeedLink(membership_id=membership_id, module_key=KEY, download=download, token_hash=token_hash(secret)) for secret in secrets]
        )
        await session.commit()


async def test_a_feed_link_follows_the_roles_permissions_and_needs_feed_link_manage_at_fetch_time(
    kit: Api, platform: Platform, utrecht: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _writer_link, writer_secret = await create_link(kit, utrecht, "professional", "writers.svg")
    _link, secret = await create_link(kit, utrecht, "professional")
    unknown = problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed="kf_unknown"), 404, "NOT_FOUND")
    grants, granted = platform.permissions.grants, platform.permissions.grants["professional"]
    # The role no longer gives core.feed_link.manage (a deployment took it away): no link of it works.
    monkeypatch.setitem(grants, "professional", granted - {FEED_LINK_MANAGE})
    assert problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 404, "NOT_FOUND") == unknown
    assert problem(await kit.download(utrecht.slug, KEY, "writers.svg", feed=writer_secret), 404, "NOT_FOUND") == unknown
    # The role no longer gives the download's own permission: the same 404, no FORBIDDEN.
    monkeypatch.setitem(grants, "professional", granted - {tiny_downloads.WRITE})
    assert problem(await kit.download(utrecht.slug, KEY, "writers.svg", feed=writer_secret), 404, "NOT_FOUND") == unknown
    assert (await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret)).status_code == 200
    # With a token the same caller is told precisely why.
    body = problem(await kit.download(utrecht.slug, KEY, "writers.svg", user=utrecht.email("professional")), 403, "FORBIDDEN")
    assert body["permission"] == tiny_downloads.WRITE
    monkeypatch.undo()
    assert (await kit.download(utrecht.slug, KEY, "writers.svg", feed=writer_secret)).status_code == 200
    assert await records(platform, utrecht.tenant_id, "notes.csv") == []


async def test_a_feed_link_ends_with_its_membership_or_a_role_change_and_does_not_come_back(
    kit: Api, platform: Platform, utrecht: World
) -> None:
    await create_link(kit, utrecht, "professional", "writers.svg")
    _link, secret = await create_link(kit, utrecht, "professional")
    _other, other_secret = await create_link(kit, utrecht, "analyst")
    # Another change of the membership (the name) keeps its links.
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await coalition.update_member(work, utrecht.members["professional"], {"display_name": "Pro Fessional"})
        await work.commit()
    assert await links_of(platform, utrecht, "professional") == ["whoami.ics", "writers.svg"]
    # A role change ends them all, also of the download the new roles could still read; given
    # the old role back, they do not return.
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await coalition.update_member(work, utrecht.members["professional"], {"roles": ["analyst"]})
        await work.commit()
    assert await links_of(platform, utrecht, "professional") == []
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 404, "NOT_FOUND")
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await coalition.update_member(work, utrecht.members["professional"], {"roles": ["professional"]})
        await work.commit()
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 404, "NOT_FOUND")
    # Ending the membership (the admin's mutation) ends them, in its transaction; taking it
    # up again does not bring them back.
    _link, secret = await create_link(kit, utrecht, "professional")
    deactivate = "mutation($id: ID!) { deactivateMember(input: {id: $id}) { member { active } } }"
    ended = ok(await kit.gql(utrecht.slug, deactivate, {"id": utrecht.members["professional"]}, user=utrecht.email("coalition_admin")))
    assert ended["deactivateMember"]["member"] == {"active": False}
    assert await links_of(platform, utrecht, "professional") == []
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await coalition.update_member(work, utrecht.members["professional"], {"active": True})
        await work.commit()
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 404, "NOT_FOUND")
    # A link left on an ended membership (made before links ended with it) goes when it is taken up again.
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await coalition.deactivate_member(work, utrecht.members["professional"])
        await work.commit()
    await add_link_rows(platform, utrecht, "professional", ["kf_from_before"])
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await coalition.update_member(work, utrecht.members["professional"], {"active": True})
        await work.commit()
    assert await links_of(platform, utrecht, "professional") == []
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed="kf_from_before"), 404, "NOT_FOUND")
    # Other members keep theirs.
    assert (await kit.download(utrecht.slug, KEY, "whoami.ics", feed=other_secret)).status_code == 200


async def test_a_feed_link_on_an_ended_membership_goes_when_an_invitation_takes_it_up_again(
    kit: Api, platform: Platform, utrecht: World
) -> None:
    from tests.identity.test_clients_and_invitations import sent_token
    from tests.identity.test_login import give_password

    pro = utrecht.email("professional")
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await coalition.deactivate_member(work, utrecht.members["professional"])
        await work.commit()
    await add_link_rows(platform, utrecht, "professional", ["kf_from_before"])
    await give_password(platform, pro, "lantaarnpaal-vlinder-koffie-8")
    invite = "mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { id } } }"
    invited = {"i": {"email": pro, "displayName": "Pro", "roles": ["PROFESSIONAL"]}}
    ok(await kit.gql(utrecht.slug, invite, invited, user=utrecht.email("coalition_admin")))
    accepted = await kit.client.post(
        f"/t/{utrecht.slug}/auth/invitations/accept", json={"token": sent_token(pro), "password": "lantaarnpaal-vlinder-koffie-8"}
    )
    assert accepted.status_code == 200, accepted.text
    assert await links_of(platform, utrecht, "professional") == []
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed="kf_from_before"), 404, "NOT_FOUND")


async def test_a_refused_feed_fetch_never_tells_that_the_link_is_real(kit: Api, platform: Platform, utrecht: World) -> None:
    _link, secret = await create_link(kit, utrecht, "analyst")

    async def both_unknown(slug: str = utrecht.slug, module: str = KEY, name: str = "whoami.ics") -> None:
        real = problem(await kit.download(slug, module, name, feed=secret), 404, "NOT_FOUND")
        unknown = problem(await kit.download(slug, module, name, feed="kf_unknown"), 404, "NOT_FOUND")
        assert real == unknown == {"type": "about:blank", "title": "Deze feedlink bestaat niet (meer).", "status": 404, "code": "NOT_FOUND"}

    await both_unknown(slug="nergens")
    await both_unknown(name="nothing.ics")
    await both_unknown(module="no_such_module")
    await disable_module(platform, utrecht.slug, KEY)
    await both_unknown()
    # With a token the reason is told.
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", user=utrecht.email("analyst")), 403, "MODULE_NOT_ENABLED")
    async with platform.session(None) as session:
        await tenants.set_status(session, utrecht.slug, TenantStatus.SUSPENDED)
        await session.commit()
    await both_unknown()
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", user=utrecht.email("analyst")), 403, "TENANT_SUSPENDED")


async def test_an_admin_revokes_all_feed_links_of_a_member(kit: Api, platform: Platform, utrecht: World) -> None:
    bosch = await make_world(platform, "GM0796", modules=[KEY])
    await create_link(kit, utrecht, "professional", "writers.svg")
    _link, secret = await create_link(kit, utrecht, "professional")
    _other, other_secret = await create_link(kit, utrecht, "analyst")
    _bosch_link, bosch_secret = await create_link(kit, bosch, "professional")
    admin = utrecht.email("coalition_admin")
    pro_id = utrecht.members["professional"]
    # Only who manages members may; the member themself cannot (they revoke one by one).
    refused = assert_error(await kit.gql(utrecht.slug, REVOKE_MEMBER, {"id": pro_id}, user=utrecht.email("professional")), "FORBIDDEN")
    assert refused["extensions"]["permission"] == "core.member.manage"
    # Another gemeente's member is not found there, and keeps their links.
    assert_error(await kit.gql(utrecht.slug, REVOKE_MEMBER, {"id": bosch.members["professional"]}, user=admin), "NOT_FOUND", field="input.membershipId")
    assert_error(await kit.gql(utrecht.slug, REVOKE_MEMBER, {"id": "geen-id"}, user=admin), "VALIDATION_FAILED", field="input.membershipId")
    assert await links_of(platform, utrecht, "professional") == ["whoami.ics", "writers.svg"]
    removed = ok(await kit.gql(utrecht.slug, REVOKE_MEMBER, {"id": pro_id}, user=admin))
    assert removed == {"revokeMemberFeedLinks": {"removed": 2}}
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 404, "NOT_FOUND")
    assert ok(await kit.gql(utrecht.slug, REVOKE_MEMBER, {"id": pro_id}, user=admin)) == {"revokeMemberFeedLinks": {"removed": 0}}
    assert (await kit.download(utrecht.slug, KEY, "whoami.ics", feed=other_secret)).status_code == 200
    assert (await kit.download(bosch.slug, KEY, "whoami.ics", feed=bosch_secret)).status_code == 200
    # The member can make new ones.
    await create_link(kit, utrecht, "professional")


async def test_the_link_limit_holds_when_links_are_made_at_once(kit: Api, platform: Platform, utrecht: World, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: creates cannot overlap")
    racers = 6
    await add_link_rows(platform, utrecht, "professional", [f"kf_{n}" for n in range(MAX_LINKS_PER_MEMBER - 2)])
    await kit.token(utrecht.slug, utrecht.email("professional"))  # one token, made before they race
    async with platform.session(TenantContext(tenant_id=uuid.UUID(str(utrecht.tenant_id)))) as gate:
        # New links wait for this lock (reading them does not): every create gets as far as
        # it can (counting, or waiting for another's turn) before any link is written.
        await gate.execute(text("LOCK TABLE feed_links IN SHARE MODE"))
        creates = [
            asyncio.ensure_future(
                kit.gql(utrecht.slug, CREATE, {"i": {"module": KEY, "download": "whoami.ics"}}, user=utrecht.email("professional"))
            )
            for _ in range(racers)
        ]
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        async with platform.session(None) as watcher:
            for _ in range(200):
                if (await watcher.execute(text(waiting))).scalar_one() >= racers:
                    break
                await watcher.rollback()
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the creates did not all get to wait")
        await gate.commit()
        answers = await asyncio.gather(*creates)
    assert sorted(answer.codes[0] if answer.errors else "OK" for answer in answers) == ["CONFLICT"] * (racers - 2) + ["OK"] * 2
    assert len(await links_of(platform, utrecht, "professional")) == MAX_LINKS_PER_MEMBER


async def test_a_feed_link_is_refused_for_a_download_that_is_no_feed_or_not_the_callers(kit: Api, platform: Platform, utrecht: World) -> None:
    def create(download: str, member: str = "professional", module: str = KEY) -> Any:
        return kit.gql(utrecht.slug, CREATE, {"i": {"module": module, "download": download}}, user=utrecht.email(member))

    assert_error(await create("notes.csv"), "VALIDATION_FAILED", field="input.download")
    assert_error(await create("nothing.ics"), "NOT_FOUND", field="input.download")
    assert_error(await create("whoami.ics", module="no_such_module"), "NOT_FOUND", field="input.module")
    refused = assert_error(await create("writers.svg", member="analyst"), "FORBIDDEN")
    assert refused["extensions"]["permission"] == tiny_downloads.WRITE
    await disable_module(platform, utrecht.slug, KEY)
    assert_error(await create("whoami.ics"), "MODULE_NOT_ENABLED", field="input.module")
    async with platform.session(TenantContext(tenant_id=uuid.UUID(str(utrecht.tenant_id)))) as session:
        assert (await session.execute(select(FeedLink))).first() is None
