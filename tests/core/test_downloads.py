"""Files that modules serve (`register_downloads`, gateway/downloads.py) and personal feed
links (core/feeds.py): who may fetch what, the problem+json answers, the unit of work, and
links that act as their member with the member's current roles."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from core.feeds import FeedLink
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


async def test_a_feed_link_stops_when_the_membership_ends_and_follows_role_changes(kit: Api, platform: Platform, utrecht: World) -> None:
    _writer_link, writer_secret = await create_link(kit, utrecht, "professional", "writers.svg")
    _link, secret = await create_link(kit, utrecht, "professional")
    assert (await kit.download(utrecht.slug, KEY, "writers.svg", feed=writer_secret)).status_code == 200
    async with platform.work_as_system(utrecht.slug, "test") as work:  # the role that may write notes is taken away
        await coalition.update_member(work, utrecht.members["professional"], {"roles": ["analyst"]})
        await work.commit()
    problem(await kit.download(utrecht.slug, KEY, "writers.svg", feed=writer_secret), 403, "FORBIDDEN")
    assert (await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret)).status_code == 200
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await coalition.deactivate_member(work, utrecht.members["professional"])
        await work.commit()
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 404, "NOT_FOUND")


async def test_a_feed_link_stops_while_the_gemeente_is_suspended_or_the_module_off(kit: Api, platform: Platform, utrecht: World) -> None:
    _link, secret = await create_link(kit, utrecht, "analyst")
    await disable_module(platform, utrecht.slug, KEY)
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 403, "MODULE_NOT_ENABLED")
    async with platform.session(None) as session:
        await tenants.set_status(session, utrecht.slug, TenantStatus.SUSPENDED)
        await session.commit()
    problem(await kit.download(utrecht.slug, KEY, "whoami.ics", feed=secret), 403, "TENANT_SUSPENDED")


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
