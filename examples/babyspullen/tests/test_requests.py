"""Asking for a starter package and the steps of a request, through the real API, on SQLite and
PostgreSQL, with only the test kit."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import (
    INBOX,
    REQUEST,
    REQUESTS,
    Coalitions,
    family_with_consent,
    move,
    package,
    request_package,
)

from core.testing import assert_error, configure_module, ok

from kansrijk_babyspullen.workflows import REQUEST_WORKFLOW, RequestState, Step


async def requests_of(api, world, who="professional"):
    return ok(await api.gql(world.slug, REQUESTS, user=world.email(who)))["starterPackageRequests"]


async def test_a_professional_requests_for_a_consenting_family_and_the_foundation_sees_the_minimum(api, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    family_id = await family_with_consent(api, utrecht)
    request = await request_package(api, utrecht, family_id)
    assert request["state"] == "AANGEVRAAGD" and request["familyId"] == family_id and request["requestedByMyOrganisation"]
    assert [item["label"] for item in request["items"]] == ["Babykleding (set voor de eerste maanden)", "Luiers en billendoekjes", "Kinderwagen of buggy"]
    assert (request["clothingSize"], request["diaperSize"]) == ("56", "1")
    # The foundation's volunteer sees it, without the family's id; others in the coalition do not.
    seen = (await requests_of(api, utrecht, "vrijwilliger"))["edges"][0]["node"]
    assert seen["id"] == request["id"] and seen["familyId"] is None and seen["forMyOrganisation"]
    assert (await requests_of(api, utrecht, "partner_worker"))["totalCount"] == 0  # schuldhulp: neither side
    assert_error(await api.gql(utrecht.slug, REQUESTS, user=utrecht.email("analyst")), "FORBIDDEN")


async def test_the_whole_way_with_feedback_to_the_professional_and_the_address_wiped_at_close(api, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    address = "Kanaalweg 12, 3526 KL Utrecht"
    request = await request_package(api, utrecht, handover="BEZORGEN", pickupPoint=None, deliveryAddress=address)
    assert request["deliveryAddress"] == address
    for step in ("ACCEPTEREN", "KLAARZETTEN"):
        ok(await move(api, utrecht, request["id"], step))
    assert_error(await move(api, utrecht, request["id"], "OPHALEN"), "VALIDATION_FAILED", field="input.transition")
    done = ok(await move(api, utrecht, request["id"], "BEZORGEN"))["moveStarterPackageRequest"]["request"]
    assert done["state"] == "BEZORGD" and done["deliveryAddress"] is None and done["closedAt"]
    mine = (await requests_of(api, utrecht))["edges"][0]["node"]
    assert [(item["step"], item["message"]) for item in mine["feedback"]] == [
        ("ACCEPTEREN", "De stichting heeft de aanvraag aangenomen."),
        ("KLAARZETTEN", "Het pakket staat klaar."),
        ("BEZORGEN", "Het pakket is bezorgd."),
    ]


async def test_each_side_takes_only_its_own_steps_and_a_refusal_needs_a_reason(api, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht)
    assert_error(await move(api, utrecht, request["id"], "ACCEPTEREN", who="professional"), "NOT_YOUR_STEP", field="input.transition")
    assert_error(await move(api, utrecht, request["id"], "INTREKKEN"), "NOT_YOUR_STEP", field="input.transition")
    assert_error(await move(api, utrecht, request["id"], "AFWIJZEN"), "VALIDATION_FAILED", field="reason")
    assert_error(await move(api, utrecht, request["id"], "AFWIJZEN", reason="Bel 06-12345678"), "IDENTIFYING_DATA", field="input.reason")
    refused = ok(await move(api, utrecht, request["id"], "AFWIJZEN", reason="Voorraad kinderwagens is op"))
    node = refused["moveStarterPackageRequest"]["request"]
    assert node["state"] == "AFGEWEZEN" and node["feedback"][-1]["reason"] == "Voorraad kinderwagens is op"
    # Another gemeente's volunteer does not find it.
    assert_error(await move(api, coalitions.den_bosch, request["id"], "ACCEPTEREN"), "NOT_FOUND", field="input.id")


async def walk_to(api, world, state: str) -> dict:
    """A fresh request brought to `state` by the usual steps."""
    request = await request_package(api, world)
    path = {
        RequestState.REQUESTED: [],
        RequestState.ACCEPTED: [("ACCEPTEREN", "vrijwilliger")],
        RequestState.REFUSED: [("AFWIJZEN", "vrijwilliger")],
        RequestState.READY: [("ACCEPTEREN", "vrijwilliger"), ("KLAARZETTEN", "vrijwilliger")],
        RequestState.PICKED_UP: [("ACCEPTEREN", "vrijwilliger"), ("KLAARZETTEN", "vrijwilliger"), ("OPHALEN", "vrijwilliger")],
        RequestState.DELIVERED: None,
        RequestState.WITHDRAWN: [("INTREKKEN", "professional")],
    }[state]
    if path is None:
        request = await request_package(api, world, handover="BEZORGEN", pickupPoint=None, deliveryAddress="Dorpsstraat 1, Utrecht")
        path = [("ACCEPTEREN", "vrijwilliger"), ("KLAARZETTEN", "vrijwilliger"), ("BEZORGEN", "vrijwilliger")]
    for step, who in path:
        ok(await move(api, world, request["id"], step, who=who, reason="Reden" if step == "AFWIJZEN" else None))
    return request


@pytest.mark.parametrize("state", list(RequestState))
async def test_every_state_allows_exactly_the_whitelisted_steps(api, coalitions: Coalitions, state: str) -> None:
    """The exhaustive table: from each state, every step either moves or is TRANSITION_NOT_ALLOWED."""
    utrecht = coalitions.utrecht
    allowed = {transition.name for transition in REQUEST_WORKFLOW.allowed_from(state)}
    for step in Step:
        request = await walk_to(api, utrecht, state)
        who = "professional" if step == Step.WITHDRAW else "vrijwilliger"
        answer = await move(api, utrecht, request["id"], step.upper().replace("-", "_"), who=who, reason="Reden")
        if step not in allowed:
            assert_error(answer, "TRANSITION_NOT_ALLOWED")
        elif (step, request["handover"]) in ((Step.PICK_UP, "BEZORGEN"), (Step.DELIVER, "OPHALEN")):
            assert_error(answer, "VALIDATION_FAILED", field="input.transition")  # does not fit the handover
        else:
            target = REQUEST_WORKFLOW.transition(step).target
            assert ok(answer)["moveStarterPackageRequest"]["request"]["state"] == target.upper()


async def count(api, world) -> int:
    return (await requests_of(api, world))["totalCount"]


async def test_bad_input_is_refused_with_the_field_and_nothing_is_written(api, platform, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    family_id = await family_with_consent(api, utrecht)
    other_family = await family_with_consent(api, utrecht, to="schuldhulp")  # consent, but not for the foundation
    cases = [
        (package(other_family), "NO_CONSENT", "input.familyId"),
        (package("4b8d1c9e-0000-4000-8000-000000000000"), "NOT_FOUND", "input.familyId"),
        (package("geen-id"), "VALIDATION_FAILED", "input.familyId"),
        (package(family_id, items=["kleding", "playstation"]), "VALIDATION_FAILED", "input.items"),
        (package(family_id, items=[]), "VALIDATION_FAILED", "input.items"),
        (package(family_id, deliveryAddress="Kanaalweg 12, Utrecht"), "VALIDATION_FAILED", "input.deliveryAddress"),
        (package(family_id, handover="BEZORGEN", pickupPoint=None), "VALIDATION_FAILED", "input.deliveryAddress"),
        (package(family_id, pickupPoint="Achter de kerk"), "VALIDATION_FAILED", "input.pickupPoint"),
        (package(family_id, childAgeMonths=3), "VALIDATION_FAILED", "input.dueDate"),
        (package(family_id, dueDate=(dt.date.today() + dt.timedelta(days=400)).isoformat()), "VALIDATION_FAILED", "input.dueDate"),
        (package(family_id, clothingSize="XL"), "VALIDATION_FAILED", "input.clothingSize"),
        (package(family_id, diaperSize="7"), "VALIDATION_FAILED", "input.diaperSize"),
    ]
    for data, code, field in cases:
        answer = await api.gql(utrecht.slug, REQUEST, {"i": data}, user=utrecht.email("professional"))
        assert_error(answer, code, field=field)
    assert await count(api, utrecht) == 0
    # A family of another gemeente is unknown here.
    elsewhere = await family_with_consent(api, coalitions.den_bosch)
    assert_error(await api.gql(utrecht.slug, REQUEST, {"i": package(elsewhere)}, user=utrecht.email("professional")), "NOT_FOUND", field="input.familyId")
    # No delivery where the foundation does not deliver; nothing at all before the foundation is set.
    await configure_module(platform, utrecht.slug, "babyspullen", {"delivers": False})
    data = package(family_id, handover="BEZORGEN", pickupPoint=None, deliveryAddress="Kanaalweg 12, Utrecht")
    assert_error(await api.gql(utrecht.slug, REQUEST, {"i": data}, user=utrecht.email("professional")), "VALIDATION_FAILED", field="input.handover")
    await configure_module(platform, utrecht.slug, "babyspullen", {"foundation_partner_id": None})
    assert_error(await api.gql(utrecht.slug, REQUEST, {"i": package(family_id)}, user=utrecht.email("professional")), "FOUNDATION_NOT_CONFIGURED")
    assert await count(api, utrecht) == 0


async def test_revoked_consent_stops_new_requests(api, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    family_id = await family_with_consent(api, utrecht)
    consents = ok(await api.gql(utrecht.slug, "query($id: ID!) { family(id: $id) { consents { id } } }", {"id": family_id}, user=utrecht.email("professional")))
    consent_id = consents["family"]["consents"][0]["id"]
    revoke = "mutation($id: ID!) { revokeConsent(input: {id: $id}) { consent { id } } }"
    ok(await api.gql(utrecht.slug, revoke, {"id": consent_id}, user=utrecht.email("professional")))
    answer = await api.gql(utrecht.slug, REQUEST, {"i": package(family_id)}, user=utrecht.email("professional"))
    assert_error(answer, "NO_CONSENT", field="input.familyId")


async def test_erasing_the_family_removes_its_requests_and_anonymising_keeps_them_without_it(api, platform, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    erased = await request_package(api, utrecht)
    kept = await request_package(api, utrecht, handover="BEZORGEN", pickupPoint=None, deliveryAddress="Kanaalweg 12, Utrecht")
    erase = "mutation($id: ID!) { eraseFamily(input: {familyId: $id, reason: \"Verzoek van de ouder\"}) { familyId } }"
    answer = await api.gql(utrecht.slug, erase, {"id": erased["familyId"]}, user=utrecht.email("privacy_officer"))
    if answer.errors:
        pytest.fail(f"eraseFamily: {answer.errors}")
    nodes = {edge["node"]["id"]: edge["node"] for edge in (await requests_of(api, utrecht))["edges"]}
    assert erased["id"] not in nodes and kept["id"] in nodes
    # Nothing of it in another volunteer's inbox either.
    inbox = ok(await api.gql(utrecht.slug, INBOX, user=utrecht.email("vrijwilliger")))["starterPackageInbox"]
    assert [node["id"] for node in inbox[0]["requests"]] == [kept["id"]]


async def test_anonymising_the_family_keeps_the_request_without_the_family_or_the_address(api, platform, coalitions: Coalitions) -> None:
    """handvat 2 anonymises a closed family after its retention period (its job); the request
    stays, for the counts, without the family, the address, who took a step and why."""
    utrecht = coalitions.utrecht
    request = await request_package(api, utrecht, handover="BEZORGEN", pickupPoint=None, deliveryAddress="Kanaalweg 12, Utrecht")
    ok(await move(api, utrecht, request["id"], "AFWIJZEN", reason="Buiten ons werkgebied"))
    close = "mutation($id: ID!) { closeFamily(input: {id: $id, closed: true}) { family { id } } }"
    ok(await api.gql(utrecht.slug, close, {"id": request["familyId"]}, user=utrecht.email("professional")))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=800)
    handled = await platform.run_scheduled_jobs(now=later, names=["handvat2_signaleren.retention"])
    assert handled["handvat2_signaleren.retention"] >= 1
    node = (await requests_of(api, utrecht))["edges"][0]["node"]
    assert (node["id"], node["familyId"], node["deliveryAddress"], node["state"]) == (request["id"], None, None, "AFGEWEZEN")
    assert [(step["step"], step["reason"]) for step in node["feedback"]] == [("AFWIJZEN", None)]
