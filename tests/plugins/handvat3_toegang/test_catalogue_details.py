"""Handvat 3, the catalogue's details: the provider as a partner of the coalition, how to
apply, costs, validity and the date last checked; the readability threshold as a setting;
unknown regelingen named by field; the sociale kaart's contact details; the demo's two
gemeenten answering differently."""

from __future__ import annotations

import datetime as dt

from plugins.handvat3_toegang.services.catalogue import readability
from tests.conftest import Api, World
from tests.plugins.handvat3_toegang.test_catalogue_and_check import (
    ADMIN,
    CHECK,
    PRO,
    SINGLE_PARENT,
    own_regeling,
    public,
    toegang,  # noqa: F401 (fixture)
)

DETAILS = """regeling { id providerName providerPartnerId costs validFrom validTo contentCheckedOn
  howToApply { steps url phone documents } }"""
CREATE = f"mutation($r: RegelingInput!) {{ createRegeling(input: $r) {{ {DETAILS} warnings }} }}"
PARTNER = 'mutation { createPartner(input: {name: "Babyspullen Utrecht", domain: INFORMEEL, type: OVERIG}) { partner { id } } }'


async def test_a_regeling_keeps_its_provider_application_costs_and_dates(api: Api, toegang: None) -> None:
    partner = (await api.gql("utrecht", PARTNER, user=ADMIN)).ok()["createPartner"]["partner"]["id"]
    details = {
        "providerPartnerId": partner,
        "costs": "Gratis",
        "validFrom": "2026-01-01",
        "validTo": "2027-12-31",
        "contentCheckedOn": "2026-11-01",
        "applySteps": ["Vraag het aan bij uw verloskundige.", "U krijgt binnen twee weken bericht."],
        "applyUrl": "https://www.utrecht.nl/babybox",
        "applyPhone": "030 286 0000",
        "applyDocuments": ["Zwangerschapsverklaring"],
    }
    created = (await api.gql("utrecht", CREATE, {"r": own_regeling(**details)}, user=ADMIN)).ok()["createRegeling"]["regeling"]
    assert created["providerName"] == "Babyspullen Utrecht" and created["providerPartnerId"] == partner
    assert (created["costs"], created["validFrom"], created["validTo"], created["contentCheckedOn"]) == ("Gratis", "2026-01-01", "2027-12-31", "2026-11-01")
    assert created["howToApply"] == {
        "steps": details["applySteps"],
        "url": "https://www.utrecht.nl/babybox",
        "phone": "030 286 0000",
        "documents": ["Zwangerschapsverklaring"],
    }
    # The provider's name is the partner's current one, also for parents.
    rename = 'mutation($id: ID!) { updatePartner(input: {id: $id, name: "Stichting Babyspullen Utrecht"}) { partner { id } } }'
    (await api.gql("utrecht", rename, {"id": partner}, user=ADMIN)).ok()
    status, body = await public(api, "utrecht", '{ regeling(key: "utrechtse_babybox") { providerName costs howToApply { phone } } }')
    assert status == 200 and body["data"]["regeling"] == {"providerName": "Stichting Babyspullen Utrecht", "costs": "Gratis", "howToApply": {"phone": "030 286 0000"}}
    # An external provider is a name only; a partner of another gemeente is unknown here.
    external = (await api.gql("utrecht", CREATE, {"r": own_regeling(key="extern", providerName="Stichting Elders")}, user=ADMIN)).ok()
    assert (external["createRegeling"]["regeling"]["providerName"], external["createRegeling"]["regeling"]["providerPartnerId"]) == ("Stichting Elders", None)
    bosch_partner = (await api.gql("s-hertogenbosch", PARTNER, user=World.email("coalition_admin", "s-hertogenbosch"))).ok()["createPartner"]["partner"]["id"]
    foreign = await api.gql("utrecht", CREATE, {"r": own_regeling(key="vreemd", providerPartnerId=bosch_partner)}, user=ADMIN)
    assert foreign.codes == ["NOT_FOUND"] and foreign.errors[0]["extensions"]["field"] == "input.providerPartnerId"


async def test_a_regeling_no_longer_valid_leaves_the_check_and_the_public_catalogue(api: Api, toegang: None) -> None:
    (await api.gql("utrecht", CREATE, {"r": own_regeling(validTo="2026-06-30")}, user=ADMIN)).ok()
    profile = {**SINGLE_PARENT, "dueDate": "2026-12-01"}
    keys = {
        day: {row["regelingKey"] for row in (await api.gql("utrecht", CHECK, {"p": profile, "d": day}, user=PRO)).ok()["eligibilityCheck"]["nodes"]}
        for day in ("2026-03-01", "2026-09-01")
    }
    assert "utrechtse_babybox" in keys["2026-03-01"] and "utrechtse_babybox" not in keys["2026-09-01"]
    status, body = await public(api, "utrecht", '{ regeling(key: "utrechtse_babybox") { name } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # expired today (2026-06-30 has passed)
    bad = await api.gql("utrecht", CREATE, {"r": own_regeling(key="omgekeerd", validFrom="2027-01-01", validTo="2026-01-01")}, user=ADMIN)
    assert bad.codes == ["VALIDATION_FAILED"]


async def test_the_readability_threshold_is_the_gemeentes_setting(api: Api, toegang: None) -> None:
    summary = "Indien belanghebbende gerechtigd is tot een tegemoetkoming, geschiedt uitbetaling na beoordeling van de aanvraag door de uitvoeringsorganisatie."
    score = readability(summary)
    warned = (await api.gql("utrecht", CREATE, {"r": own_regeling(summary=summary)}, user=ADMIN)).ok()["createRegeling"]["warnings"]
    assert warned and "eenvoudige taal" in warned[0]
    configure = "mutation($c: JSON!) { configureModule(input: {key: \"handvat3_toegang\", config: $c}) { module { key } } }"
    assert 0 <= score < 60  # kept on the 0-100 scale, so a threshold can always reach it
    (await api.gql("utrecht", configure, {"c": {"readability_min_score": score}}, user=ADMIN)).ok()
    calm = (await api.gql("utrecht", CREATE, {"r": own_regeling(key="ambtelijk", summary=summary)}, user=ADMIN)).ok()["createRegeling"]["warnings"]
    assert calm == []
    assert (await api.gql("utrecht", configure, {"c": {"readability_min_score": 101}}, user=ADMIN)).codes == ["INVALID_CONFIG"]


async def test_unknown_regelingen_are_named_by_field(api: Api, toegang: None) -> None:
    unknown = "00000000-0000-0000-0000-000000000001"
    calls = [
        ("query($id: ID!) { regeling(id: $id) { key } }", PRO, "id"),
        ("mutation($id: ID!) { updateRegeling(input: {id: $id, regeling: {key: \"x\", name: \"X\", summary: \"Een korte tekst.\", category: SPULLEN, level: GEMEENTE}}) { regeling { key } } }", ADMIN, "input.id"),
        ("mutation($id: ID!) { markRegelingKnown(input: {regelingId: $id}) { regeling { key } } }", PRO, "input.regelingId"),
        ("mutation($id: ID!) { markRegelingReferred(input: {regelingId: $id}) { regeling { key } } }", PRO, "input.regelingId"),
    ]
    for query, user, field in calls:
        for value, code in ((unknown, "NOT_FOUND"), ("geen-id", "VALIDATION_FAILED")):
            response = await api.gql("utrecht", query, {"id": value}, user=user)
            assert (response.codes, response.errors[0]["extensions"].get("field")) == ([code], field), (query, value, response.body)
    status, body = await public(api, "utrecht", '{ regeling(key: "bestaat_niet") { name } }')
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "key"}


async def test_a_service_keeps_its_contact_and_opening_hours(api: Api, toegang: None) -> None:
    partner = (await api.gql("utrecht", PARTNER, user=ADMIN)).ok()["createPartner"]["partner"]["id"]
    create = "mutation($s: ServiceInput!) { createService(input: $s) { service { name contact openingHours audience } } }"
    service = {"partnerId": partner, "name": "Uitgifte", "audience": "Zwangere vrouwen", "contact": "030 123 4567", "openingHours": "di 10-12 uur"}
    created = (await api.gql("utrecht", create, {"s": service}, user=ADMIN)).ok()["createService"]["service"]
    assert created == {"name": "Uitgifte", "contact": "030 123 4567", "openingHours": "di 10-12 uur", "audience": "Zwangere vrouwen"}
    status, body = await public(api, "utrecht", "{ services { nodes { name contact openingHours } } }")
    assert body["data"]["services"]["nodes"] == [{"name": "Uitgifte", "contact": "030 123 4567", "openingHours": "di 10-12 uur"}]


async def test_the_demo_gemeenten_answer_differently_where_their_limits_differ(api: Api, platform: object) -> None:
    from gateway.demo import seed_demo

    await seed_demo(platform)  # type: ignore[arg-type]
    query = "query($p: HouseholdProfileInput!) { eligibilityCheck(profile: $p) { nodes { regelingKey outcome } } }"
    profile = {**SINGLE_PARENT, "dueDate": (dt.date.today() + dt.timedelta(days=90)).isoformat()}
    answers = {}
    for slug in ("utrecht", "s-hertogenbosch"):
        status, body = await public(api, slug, query, {"p": profile})
        assert status == 200, body
        answers[slug] = {row["regelingKey"]: row["outcome"] for row in body["data"]["eligibilityCheck"]["nodes"]}
    differing = {key for key in answers["utrecht"] if answers["utrecht"][key] != answers["s-hertogenbosch"].get(key)}
    assert "bijzondere_bijstand" in differing, answers


async def test_a_test_vector_gets_the_date_checks_of_a_real_profile(api: Api, toegang: None) -> None:
    vector = {"name": "toekomstkind", "referenceDate": "2026-03-01", "household": {"children_birth_dates": ["2026-05-01"], "pregnant": True}, "expected": "ELIGIBLE"}
    regeling = own_regeling()
    regeling["testVectors"] = [*regeling["testVectors"], vector]
    response = await api.gql("utrecht", CREATE, {"r": regeling}, user=ADMIN)
    assert response.codes == ["VALIDATION_FAILED"] and "na de peildatum" in response.errors[0]["message"]
    assert response.errors[0]["extensions"]["field"] == f"input.testVectors.{len(regeling['testVectors']) - 1}.household"


async def test_a_check_on_an_earlier_date_uses_the_conditions_that_applied_then(api: Api, toegang: None, platform: object) -> None:
    """What did the rules say on a date: a regeling's conditions changed today are kept as
    they were, and a check on an earlier date uses them."""
    created = (await api.gql("utrecht", CREATE, {"r": own_regeling()}, user=ADMIN)).ok()["createRegeling"]["regeling"]
    stricter = own_regeling()
    stricter["conditions"] = [
        {**stricter["conditions"][0], "rule": {"<=": [{"var": "income_pct_social_minimum"}, 50]}, "question": "Is uw inkomen niet hoger dan de helft van het sociaal minimum?"},
        stricter["conditions"][1],
    ]
    stricter["testVectors"] = [
        {"name": "laag", "referenceDate": "2026-03-01", "household": {"household_type": "alleenstaande_ouder", "net_monthly_income": 300, "pregnant": True}, "expected": "ELIGIBLE"},
        {"name": "midden", "referenceDate": "2026-03-01", "household": {"household_type": "alleenstaande_ouder", "net_monthly_income": 1500, "pregnant": True}, "expected": "NOT_ELIGIBLE"},
    ]
    update = "mutation($id: ID!, $r: RegelingInput!) { updateRegeling(input: {id: $id, regeling: $r}) { regeling { id } } }"
    (await api.gql("utrecht", update, {"id": created["id"], "r": stricter}, user=ADMIN)).ok()
    (await api.gql("utrecht", update, {"id": created["id"], "r": stricter}, user=ADMIN)).ok()  # unchanged: no new version

    query = "query($p: HouseholdProfileInput!, $d: Date) { eligibilityCheck(profile: $p, referenceDate: $d) { nodes { regelingKey outcome } } }"
    profile = {**SINGLE_PARENT, "dueDate": (dt.date.today() + dt.timedelta(days=90)).isoformat()}
    outcomes = {}
    for day in (dt.date.today() - dt.timedelta(days=1), dt.date.today()):
        rows = (await api.gql("utrecht", query, {"p": profile, "d": day.isoformat()}, user=PRO)).ok()["eligibilityCheck"]["nodes"]
        outcomes[day] = next(row["outcome"] for row in rows if row["regelingKey"] == "utrechtse_babybox")
    assert outcomes == {dt.date.today() - dt.timedelta(days=1): "ELIGIBLE", dt.date.today(): "NOT_ELIGIBLE"}

    from sqlalchemy import func, select

    from plugins.handvat3_toegang.models import RuleVersion

    async with platform.work_as_system("utrecht", "test") as work:  # type: ignore[attr-defined]
        versions = (await work.session.execute(select(func.count()).select_from(RuleVersion))).scalar_one()
    assert versions == 1
