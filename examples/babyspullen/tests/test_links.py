"""Answering without an account: the coalition mails the foundation a single-use, signed,
expiring link (core's step links) that shows only the minimal request and allows only the
foundation's next step."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from conftest import FOUNDATION_MAIL, REQUESTS, Coalitions, mailed_links, move, request_package
from sqlalchemy import text

from core.testing import add_member, assert_error, ok, owner_engine

SEND = "mutation($i: SendStepLinkInput!) { sendStepLink(input: $i) { stepLink { id status transitions recipient fromState expiresAt } } }"
REVOKE = "mutation($id: ID!) { revokeStepLink(input: {id: $id}) { stepLink { id status } } }"
LINKS = "query($s: ID!) { stepLinks(workflow: \"babyspullen.request\", subjectId: $s) { id status usedTransition } }"
JSON = {"Accept": "application/json"}


async def send(api, world, request_id, who="professional", **extra):
    data = {"workflow": "babyspullen.request", "subjectId": request_id, **extra}
    return await api.gql(world.slug, SEND, {"i": data}, user=world.email(who))


def split(url: str) -> tuple[str, str]:
    """(path, secret) of a mailed link."""
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)["link"][0]


async def sent_link(api, world, request_id, mail_dir) -> tuple[str, str]:
    ok(await send(api, world, request_id))
    return split(mailed_links(mail_dir, FOUNDATION_MAIL)[-1])


async def test_the_foundation_accepts_through_the_link_and_the_professional_reads_it(api, coalitions: Coalitions, mail_dir) -> None:
    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht, handover="BEZORGEN", pickupPoint=None, deliveryAddress="Kanaalweg 12, Utrecht")
    answer = ok(await send(api, utrecht, request["id"]))["sendStepLink"]["stepLink"]
    assert answer["transitions"] == ["accepteren", "afwijzen"] and answer["status"] == "OPEN" and answer["recipient"] == FOUNDATION_MAIL
    path, secret = split(mailed_links(mail_dir, FOUNDATION_MAIL)[-1])
    assert path == f"/t/{utrecht.slug}/step-link" and secret.startswith("ks_")

    # Opening shows the minimum (no family, no address before the foundation delivers) and changes nothing.
    for _ in range(2):
        shown = await api.client.get(path, params={"link": secret}, headers=JSON)
        assert shown.status_code == 200, shown.text
    view = shown.json()
    labels = [row["label"] for row in view["summary"]]
    assert labels == ["Uitgerekende datum", "Kledingmaat", "Luiermaat", "Spullen", "Overdracht"]
    assert "Kanaalweg" not in shown.text and request["familyId"] not in shown.text
    assert [step["transition"] for step in view["steps"]] == ["accepteren", "afwijzen"]
    page = await api.client.get(path, params={"link": secret})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"] and "<form method=\"post\">" in page.text

    taken = await api.client.post(path, json={"link": secret, "transition": "accepteren"})
    assert taken.status_code == 200 and taken.json() == {"transition": "accepteren", "state": "geaccepteerd"}, taken.text
    mine = ok(await api.gql(utrecht.slug, REQUESTS, user=utrecht.email("professional")))["starterPackageRequests"]["edges"][0]["node"]
    assert mine["state"] == "GEACCEPTEERD" and mine["feedback"][0]["message"] == "De stichting heeft de aanvraag aangenomen."
    history = ok(await api.gql(utrecht.slug, LINKS, {"s": request["id"]}, user=utrecht.email("professional")))["stepLinks"]
    assert [(link["status"], link["usedTransition"]) for link in history] == [("USED", "accepteren")]

    # Single use: the same link again is refused, whatever the step.
    again = await api.client.post(path, json={"link": secret, "transition": "afwijzen", "reason": "x"})
    assert again.status_code == 410 and again.json()["code"] == "LINK_USED"
    # The next step needs a new link, which now shows the address (the foundation delivers).
    path, secret = await sent_link(api, utrecht, request["id"], mail_dir)
    view = (await api.client.get(path, params={"link": secret}, headers=JSON)).json()
    assert ("Bezorgadres", "Kanaalweg 12, Utrecht") in [(row["label"], row["value"]) for row in view["summary"]]
    assert [step["transition"] for step in view["steps"]] == ["klaarzetten"]


async def test_a_link_allows_only_its_steps_and_a_refused_step_leaves_it_usable(api, coalitions: Coalitions, mail_dir) -> None:
    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht)
    path, secret = await sent_link(api, utrecht, request["id"], mail_dir)
    for body, status, code, field in (
        ({"link": secret, "transition": "klaarzetten"}, 422, "STEP_NOT_ALLOWED", "transition"),
        ({"link": secret, "transition": "intrekken"}, 422, "STEP_NOT_ALLOWED", "transition"),
        ({"link": secret, "transition": "afwijzen"}, 422, "VALIDATION_FAILED", "reason"),
        ({"link": secret, "transition": "afwijzen", "reason": "Mail naar j.jansen@example.org"}, 422, "IDENTIFYING_DATA", "reason"),
        ({"link": secret}, 422, "VALIDATION_FAILED", "transition"),
        ({"link": secret, "transition": ["accepteren"]}, 422, "VALIDATION_FAILED", "transition"),
    ):
        refused = await api.client.post(path, json=body)
        assert (refused.status_code, refused.json()["code"], refused.json().get("field")) == (status, code, field), refused.text
    assert (await api.client.post(path, content=b"\xff\xfe", headers={"Content-Type": "application/json"})).status_code == 422
    still = ok(await api.gql(utrecht.slug, REQUESTS, user=utrecht.email("professional")))["starterPackageRequests"]["edges"][0]["node"]
    assert still["state"] == "AANGEVRAAGD" and still["feedback"] == []
    # As a form (the page's), it still works.
    taken = await api.client.post(path, data={"link": secret, "transition": "afwijzen", "reason": "Geen voorraad"})
    assert taken.status_code == 200 and "afgewezen" in taken.text


async def test_expired_revoked_stale_forged_and_foreign_links_are_refused(api, platform, coalitions: Coalitions, mail_dir) -> None:
    utrecht, den_bosch = coalitions.utrecht, coalitions.den_bosch
    request = await request_package(api, utrecht)

    path, secret = await sent_link(api, utrecht, request["id"], mail_dir)
    # Forged: a changed character breaks the signature; another gemeente's address does not carry it.
    forged = secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")
    for url, token in ((path, forged), (f"/t/{den_bosch.slug}/step-link", secret), ("/t/atlantis/step-link", secret), (path, "")):
        refused = await api.client.get(url, params={"link": token}, headers=JSON)
        assert (refused.status_code, refused.json()["code"]) == (404, "LINK_UNKNOWN"), url

    # Revoked by the coalition.
    link_id = ok(await api.gql(utrecht.slug, LINKS, {"s": request["id"]}, user=utrecht.email("professional")))["stepLinks"][-1]["id"]
    assert ok(await api.gql(utrecht.slug, REVOKE, {"id": link_id}, user=utrecht.email("professional")))["revokeStepLink"]["stepLink"]["status"] == "REVOKED"
    refused = await api.client.post(path, json={"link": secret, "transition": "accepteren"})
    assert (refused.status_code, refused.json()["code"]) == (410, "LINK_REVOKED")

    # A new link revokes the open ones of the same request; expired in the database is refused too.
    path, first = await sent_link(api, utrecht, request["id"], mail_dir)
    path, second = await sent_link(api, utrecht, request["id"], mail_dir)
    assert (await api.client.get(path, params={"link": first}, headers=JSON)).json()["code"] == "LINK_REVOKED"
    async with owner_engine(platform).begin() as connection:
        await connection.execute(text("UPDATE step_links SET expires_at = '2020-01-01 00:00:00+00:00' WHERE used_at IS NULL AND revoked_at IS NULL"))
    expired = await api.client.get(path, params={"link": second}, headers=JSON)
    assert (expired.status_code, expired.json()["code"]) == (410, "LINK_EXPIRED")

    # Stale: the volunteer took the step in the platform after the link was sent.
    path, third = await sent_link(api, utrecht, request["id"], mail_dir)
    ok(await move(api, utrecht, request["id"], "ACCEPTEREN"))
    stale = await api.client.post(path, json={"link": third, "transition": "accepteren"})
    assert (stale.status_code, stale.json()["code"]) == (409, "LINK_STALE")
    page = await api.client.get(path, params={"link": third})
    assert page.status_code == 409 and "LINK_STALE" in page.text and "<script" not in page.text


async def test_who_may_send_a_link_and_for_what(api, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht)
    assert_error(await send(api, utrecht, request["id"], who="analyst"), "FORBIDDEN")
    assert_error(await send(api, utrecht, request["id"], who="partner_worker"), "FORBIDDEN")  # no link permission
    assert_error(await send(api, coalitions.den_bosch, request["id"]), "NOT_FOUND", field="input.subjectId")
    # The address is the foundation's own, as the coalition recorded it: the sender cannot choose one.
    assert_error(await send(api, utrecht, request["id"], email="verloskundige@utrecht.example"), "GRAPHQL_VALIDATION_FAILED")
    assert_error(await send(api, utrecht, request["id"], validDays=30), "VALIDATION_FAILED", field="input.validDays")
    bad = {"workflow": "handvat2_signaleren.referral", "subjectId": request["id"]}
    assert_error(await api.gql(utrecht.slug, SEND, {"i": bad}, user=utrecht.email("professional")), "NOT_FOUND", field="input.workflow")
    ok(await move(api, utrecht, request["id"], "INTREKKEN", who="professional"))
    assert_error(await send(api, utrecht, request["id"]), "NO_STEP_OPEN", field="input.subjectId")


async def test_links_are_logged_in_the_processing_log(api, platform, coalitions: Coalitions, mail_dir) -> None:
    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht)
    path, secret = await sent_link(api, utrecht, request["id"], mail_dir)
    await api.client.get(path, params={"link": secret}, headers=JSON)
    await api.client.post(path, json={"link": secret, "transition": "accepteren"})
    async with owner_engine(platform).connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT operation, actor, result, status FROM processing_log WHERE activity = 'core.step_link' ORDER BY started_at")
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("sendStepLink", utrecht.email("professional"), "shared", "ok"),
        ("viewStepLink", f"{FOUNDATION_MAIL} (via link)", "read", "ok"),
        ("answerStepLink", f"{FOUNDATION_MAIL} (via link)", "updated", "ok"),
    ]


async def test_without_an_address_of_the_foundation_no_link_is_sent(api, platform, coalitions: Coalitions, mail_dir) -> None:
    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht)
    update = "mutation($p: ID!) { updatePartner(input: {id: $p, email: null}) { partner { id email } } }"
    ok(await api.gql(utrecht.slug, update, {"p": utrecht.partners["stichting"]}, user=utrecht.email("coalition_admin")))
    before = len(mailed_links(mail_dir, FOUNDATION_MAIL))
    assert_error(await send(api, utrecht, request["id"]), "NO_RECIPIENT", field="input.subjectId")
    assert len(mailed_links(mail_dir, FOUNDATION_MAIL)) == before


async def test_another_organisation_neither_lists_nor_revokes_the_links_of_a_request(api, platform, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht)
    ok(await send(api, utrecht, request["id"]))
    link_id = ok(await api.gql(utrecht.slug, LINKS, {"s": request["id"]}, user=utrecht.email("professional")))["stepLinks"][0]["id"]
    await add_member(platform, utrecht.slug, "maatje@utrecht.example", ["professional"], partner_id=utrecht.partners["schuldhulp"])
    assert_error(await api.gql(utrecht.slug, LINKS, {"s": request["id"]}, user="maatje@utrecht.example"), "NOT_FOUND", field="subjectId")
    assert_error(await api.gql(utrecht.slug, REVOKE, {"id": link_id}, user="maatje@utrecht.example"), "NOT_FOUND", field="input.id")


async def test_one_link_answered_four_times_at_once_takes_one_step(api, platform, coalitions: Coalitions, mail_dir) -> None:
    """Parallel answers (PostgreSQL: real concurrent transactions): one step, the others
    LINK_USED, no 5xx, one history row."""
    import asyncio

    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht)
    path, secret = await sent_link(api, utrecht, request["id"], mail_dir)
    answers = await asyncio.gather(*(api.client.post(path, json={"link": secret, "transition": "accepteren"}) for _ in range(4)))
    assert sorted(answer.status_code for answer in answers) == [200, 410, 410, 410], [answer.text for answer in answers]
    assert {answer.json()["code"] for answer in answers if answer.status_code == 410} == {"LINK_USED"}
    node = ok(await api.gql(utrecht.slug, REQUESTS, user=utrecht.email("professional")))["starterPackageRequests"]["edges"][0]["node"]
    assert node["state"] == "GEACCEPTEERD" and [step["step"] for step in node["feedback"]] == ["ACCEPTEREN"]
