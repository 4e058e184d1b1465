"""Handvat 3: the national catalogue, the gemeente's catalogue, eligibility as data, the
check (professional and public), parameters over time, bekendheid, search."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.platform import Platform
from core.testing import count_statements
from core.processing import ProcessingRecord
from core.tenancy import TenantContext
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.eligibility import check_rule
from plugins.handvat3_toegang.services import catalogue as catalogue_service
from plugins.handvat3_toegang.services import check as check_service
from plugins.handvat3_toegang.models import CatalogueRevision, Regeling, UsageCount
from plugins.handvat3_toegang.services.rules import Parameters, compile_conditions, run_vectors
from tests.conftest import Api, World

ADMIN = World.email("coalition_admin", "utrecht")
PRO = World.email("professional", "utrecht")
ENABLE = 'mutation { enableModule(input: {key: "handvat3_toegang"}) { module { enabled } } }'
CHECK = """query($p: HouseholdProfileInput!, $d: Date) { eligibilityCheck(profile: $p, referenceDate: $d) { totalCount nodes {
  regelingKey outcome missingFacts conditions { id status explanation missingFacts } parameters { key value validFrom setByGemeente legalBasisUrl } } } }"""
SINGLE_PARENT = {
    "householdType": "ALLEENSTAANDE_OUDER",
    "netMonthlyIncome": 1500,
    "pregnant": True,
    "dueDate": "2026-06-01",
    "age": 29,
    "assets": 500,
    "livesInGemeente": True,
    "childrenBirthDates": [],
}
REQUIRED = {
    "zorgtoeslag", "huurtoeslag", "kindgebonden_budget", "kinderbijslag", "kinderopvangtoeslag", "bijzondere_bijstand",
    "individuele_inkomenstoeslag", "kwijtschelding_gemeentelijke_belastingen", "gemeentepolis", "kindpakket",
    "stichting_babyspullen", "voedselbank", "schuldhulpverlening", "geldfit", "nibud_wat_kost_een_kind",
    "stichting_leergeld", "jeugdfonds_sport_en_cultuur",
}  # fmt: skip


# -- the national seed ----------------------------------------------------------------------------


def test_national_catalogue_is_complete_and_its_test_vectors_pass() -> None:
    regelingen = catalogue.national_regelingen()
    keys = {item["key"] for item in regelingen}
    assert REQUIRED <= keys and len(keys) == len(regelingen) >= 20
    parameters = catalogue.national_parameters()
    national = Parameters()
    failures = []
    for item in regelingen:
        assert item["source_url"].startswith("https://"), item["key"]
        assert item["category"] in catalogue.CATEGORIES and item["level"] in catalogue.LEVELS, item["key"]
        conditions = compile_conditions(item.get("conditions") or [])
        for condition in item.get("conditions") or []:
            check_rule(condition["rule"], parameters)
        if conditions:
            expected = {vector["expected"] for vector in item["test_vectors"]}
            assert {"ELIGIBLE", "NOT_ELIGIBLE"} <= expected, item["key"]
        for result in run_vectors(conditions, item.get("test_vectors") or [], national, dt.date(2026, 3, 1)):
            if not result.passed:
                failures.append(f"{item['key']}: {result.name}: expected {result.expected}, got {result.actual}")
    assert not failures, "\n".join(failures)


def test_parameters_are_versioned_with_their_legal_basis() -> None:
    parameters = catalogue.national_parameters()
    norm = parameters["bijstandsnorm_alleenstaande_ouder"]
    assert norm.version_on(dt.date(2026, 2, 1)).value == 1401.50
    assert norm.version_on(dt.date(2025, 8, 1)).value == 1369.06
    assert all(definition.legal_basis_url.startswith("https://") for definition in parameters.values())
    assert {key for key, definition in parameters.items() if definition.overridable} >= {
        "minima_inkomensgrens_pct", "bijzondere_bijstand_inkomensgrens_pct", "kwijtschelding_inkomensgrens_pct",
    }  # fmt: skip


# -- the gemeente's catalogue ------------------------------------------------------------------------


@pytest.fixture
async def toegang(api: Api, world: World) -> None:
    for slug in ("utrecht", "s-hertogenbosch"):
        (await api.gql(slug, ENABLE, user=World.email("coalition_admin", slug))).ok()


async def regelingen(api: Api, slug: str = "utrecht", user: str = PRO) -> list[dict]:
    data = (await api.gql(slug, "{ regelingen(includeHidden: true) { totalCount nodes { id key hidden position adapted nationalKey published } } }", user=user)).ok()
    assert data["regelingen"]["totalCount"] == len(data["regelingen"]["nodes"])  # one page holds the catalogue
    return data["regelingen"]["nodes"]


async def test_enabling_copies_the_national_catalogue(api: Api, toegang: None) -> None:
    rows = await regelingen(api)
    assert {row["key"] for row in rows} >= REQUIRED
    assert all(row["nationalKey"] == row["key"] and not row["adapted"] for row in rows)
    # Copying again changes nothing twice and keeps the order.
    sync = (await api.gql("utrecht", "mutation { syncNationalCatalogue { changed } }", user=ADMIN)).ok()
    assert sync["syncNationalCatalogue"]["changed"] == 0
    assert [row["key"] for row in await regelingen(api)] == [row["key"] for row in rows]


def own_regeling(**overrides: object) -> dict:
    regeling = {
        "key": "utrechtse_babybox",
        "name": "Utrechtse babybox",
        "summary": "Krijg je een baby en heb je weinig geld? Dan krijg je een doos met spullen voor je baby.",
        "category": "SPULLEN",
        "level": "GEMEENTE",
        "sourceUrl": "https://www.utrecht.nl/",
        "conditions": [
            {
                "id": "inkomen",
                "question": "Is uw inkomen niet hoger dan 120% van het sociaal minimum?",
                "met": "Uw inkomen is laag genoeg.",
                "notMet": "Uw inkomen is te hoog.",
                "rule": {"<=": [{"var": "income_pct_social_minimum"}, {"var": "param.minima_inkomensgrens_pct"}]},
            },
            {
                "id": "baby",
                "question": "Bent u zwanger?",
                "met": "U bent zwanger.",
                "notMet": "De babybox is voor zwangere vrouwen.",
                "rule": {"==": [{"var": "pregnant"}, True]},
            },
        ],
        "testVectors": [
            {"name": "laag inkomen, zwanger", "referenceDate": "2026-03-01", "household": {"household_type": "alleenstaand", "net_monthly_income": 1200, "pregnant": True}, "expected": "ELIGIBLE"},
            {"name": "hoog inkomen", "referenceDate": "2026-03-01", "household": {"household_type": "alleenstaand", "net_monthly_income": 3000, "pregnant": True}, "expected": "NOT_ELIGIBLE"},
            {"name": "inkomen onbekend", "referenceDate": "2026-03-01", "household": {"household_type": "alleenstaand", "pregnant": True}, "expected": "POSSIBLY"},
        ],
    }
    regeling.update(overrides)
    return regeling


CREATE = """mutation($r: RegelingInput!) { createRegeling(input: $r) { regeling { id key readability conditions { id facts } } warnings } }"""


async def test_own_regeling_with_rules_and_vectors(api: Api, toegang: None) -> None:
    created = (await api.gql("utrecht", CREATE, {"r": own_regeling()}, user=ADMIN)).ok()["createRegeling"]
    assert created["regeling"]["conditions"] == [{"id": "inkomen", "facts": ["INCOME_PCT_SOCIAL_MINIMUM"]}, {"id": "baby", "facts": ["PREGNANT"]}]
    assert created["warnings"] == []
    check = (await api.gql("utrecht", CHECK, {"p": {"householdType": "ALLEENSTAAND", "netMonthlyIncome": 1200, "pregnant": True}, "d": "2026-03-01"}, user=PRO)).ok()
    box = next(result for result in check["eligibilityCheck"]["nodes"] if result["regelingKey"] == "utrechtse_babybox")
    assert box["outcome"] == "ELIGIBLE"
    assert [condition["explanation"] for condition in box["conditions"]] == ["Uw inkomen is laag genoeg.", "U bent zwanger."]
    used = {parameter["key"]: parameter for parameter in box["parameters"]}
    assert used["minima_inkomensgrens_pct"]["value"] == 120 and used["minima_inkomensgrens_pct"]["legalBasisUrl"].startswith("https://")
    # Another gemeente knows nothing of it.
    other = await regelingen(api, "s-hertogenbosch", World.email("professional", "s-hertogenbosch"))
    assert "utrechtse_babybox" not in {row["key"] for row in other}


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"conditions": [{"id": "x", "question": "?", "met": "ja", "notMet": "nee", "rule": "niet json logic"}]}, "VALIDATION_FAILED", "input.conditions.0.rule"),
        ({"conditions": [{"id": "x", "question": "?", "met": "ja", "notMet": "nee", "rule": {"regex": [1, 2]}}]}, "RULE_INVALID", "input.conditions.0.rule"),
        ({"conditions": [{"id": "x", "question": "?", "met": "ja", "notMet": "nee", "rule": {"==": [{"var": "shoe_size"}, 42]}}]}, "RULE_INVALID", "input.conditions.0.rule"),
        ({"conditions": [{"id": "x", "question": "?", "met": "ja", "notMet": "nee", "rule": {"<": [{"var": "age"}, {"var": "param.nope"}]}}]}, "RULE_INVALID", "input.conditions.0.rule"),
        ({"testVectors": [{"name": "fout", "household": {"household_type": "alleenstaand", "net_monthly_income": 3000, "pregnant": True}, "expected": "ELIGIBLE"}, {"name": "b", "household": {"pregnant": False}, "expected": "NOT_ELIGIBLE"}]}, "TEST_VECTORS_FAILED", "input.testVectors"),
        ({"testVectors": [{"name": "a", "household": {"shoe_size": 42}, "expected": "ELIGIBLE"}, {"name": "b", "household": {}, "expected": "NOT_ELIGIBLE"}]}, "VALIDATION_FAILED", "input.testVectors.0.household"),
        ({"testVectors": []}, "VALIDATION_FAILED", "input"),
        ({"key": "Met Spaties"}, "VALIDATION_FAILED", "input.key"),
        ({"key": "kindpakket"}, "CONFLICT", "input.key"),
    ],
)
async def test_invalid_rules_and_failing_vectors_are_refused(api: Api, toegang: None, change: dict, code: str, field: str) -> None:
    response = await api.gql("utrecht", CREATE, {"r": own_regeling(**change)}, user=ADMIN)
    assert response.codes == [code], response.body
    assert response.errors[0]["extensions"]["field"] == field
    assert "utrechtse_babybox" not in {row["key"] for row in await regelingen(api)}


async def test_readability_warning(api: Api, toegang: None) -> None:
    summary = (
        "Ingevolge de gemeentelijke beleidsregels inzake maatschappelijke participatie van ten laste komende minderjarige "
        "kinderen wordt een tegemoetkoming in de noodzakelijke kosten verstrekt aan belanghebbenden."
    )
    created = (await api.gql("utrecht", CREATE, {"r": own_regeling(summary=summary)}, user=ADMIN)).ok()["createRegeling"]
    assert created["warnings"] and "eenvoudige taal" in created["warnings"][0]
    assert created["regeling"]["readability"] < 60


async def test_adapt_hide_and_order(api: Api, toegang: None) -> None:
    rows = {row["key"]: row for row in await regelingen(api)}
    kindpakket = rows["kindpakket"]
    current = (await api.gql("utrecht", "query($id: ID!) { regeling(id: $id) { key name summary category level conditions { id question met notMet rule } testVectors { name referenceDate household expected } } }", {"id": kindpakket["id"]}, user=ADMIN)).ok()["regeling"]
    adapted = {
        "key": current["key"],
        "name": "Utrechtse kindpakket",
        "summary": current["summary"],
        "category": current["category"],
        "level": current["level"],
        "conditions": current["conditions"],
        "testVectors": current["testVectors"],
    }
    update = "mutation($id: ID!, $r: RegelingInput!) { updateRegeling(input: {id: $id, regeling: $r}) { regeling { name adapted nationalKey } } }"
    updated = (await api.gql("utrecht", update, {"id": kindpakket["id"], "r": adapted}, user=ADMIN)).ok()["updateRegeling"]["regeling"]
    assert updated == {"name": "Utrechtse kindpakket", "adapted": True, "nationalKey": "kindpakket"}
    (await api.gql("utrecht", "mutation { syncNationalCatalogue { changed } }", user=ADMIN)).ok()
    assert (await api.gql("utrecht", "query($id: ID!) { regeling(id: $id) { name } }", {"id": kindpakket["id"]}, user=ADMIN)).ok()["regeling"]["name"] == "Utrechtse kindpakket"
    hide = "mutation($id: ID!) { setRegelingVisibility(input: {id: $id, hidden: true}) { regeling { hidden } } }"
    (await api.gql("utrecht", hide, {"id": rows["geldfit"]["id"]}, user=ADMIN)).ok()
    visible = (await api.gql("utrecht", "{ regelingen { nodes { key } } }", user=PRO)).ok()["regelingen"]["nodes"]
    assert "geldfit" not in {row["key"] for row in visible}
    order = "mutation($ids: [ID!]!) { reorderRegelingen(input: {ids: $ids}) { regelingen { key position } } }"
    reordered = (await api.gql("utrecht", order, {"ids": [rows["voedselbank"]["id"], rows["zorgtoeslag"]["id"]]}, user=ADMIN)).ok()["reorderRegelingen"]["regelingen"]
    assert [row["key"] for row in reordered[:2]] == ["voedselbank", "zorgtoeslag"] and len(reordered) == len(rows)
    assert (await api.gql("utrecht", "{ regelingen(first: 1) { nodes { key } } }", user=PRO)).ok()["regelingen"]["nodes"][0]["key"] == "voedselbank"
    bad = await api.gql("utrecht", order, {"ids": ["00000000-0000-0000-0000-000000000001"]}, user=ADMIN)
    assert bad.codes == ["NOT_FOUND"]
    # Only the coalition admin edits the catalogue.
    refused = await api.gql("utrecht", hide, {"id": rows["zorgtoeslag"]["id"]}, user=PRO)
    assert refused.codes == ["FORBIDDEN"]


# -- the check ------------------------------------------------------------------------------------------


def outcomes(data: dict) -> dict[str, str]:
    return {result["regelingKey"]: result["outcome"] for result in data["eligibilityCheck"]["nodes"]}


async def test_check_explains_and_sorts(api: Api, toegang: None) -> None:
    data = (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    results = data["eligibilityCheck"]["nodes"]
    order = [result["outcome"] for result in results]
    assert order == sorted(order, key=["ELIGIBLE", "POSSIBLY", "NOT_ELIGIBLE"].index)
    possibly = [result for result in results if result["outcome"] == "POSSIBLY"]
    assert possibly and all(result["missingFacts"] for result in possibly)
    assert all(len(a["missingFacts"]) <= len(b["missingFacts"]) for a, b in zip(possibly, possibly[1:], strict=False))
    for result in results:
        statuses = {condition["status"] for condition in result["conditions"]}
        if result["outcome"] == "NOT_ELIGIBLE":
            assert "NOT_MET" in statuses
        if result["outcome"] == "ELIGIBLE":
            assert statuses <= {"MET"}
    geldfit = next(result for result in results if result["regelingKey"] == "geldfit")
    assert geldfit["outcome"] == "ELIGIBLE" and geldfit["conditions"] == []


async def test_the_two_gemeenten_answer_differently_where_their_limits_differ(api: Api, toegang: None) -> None:
    set_limit = "mutation($v: Float!) { setToegangParameter(input: {key: \"bijzondere_bijstand_inkomensgrens_pct\", validFrom: \"2025-01-01\", value: $v}) { parameter { value setByGemeente } } }"
    (await api.gql("utrecht", set_limit, {"v": 110.0}, user=ADMIN)).ok()
    (await api.gql("s-hertogenbosch", set_limit, {"v": 100.0}, user=World.email("coalition_admin", "s-hertogenbosch"))).ok()
    utrecht = outcomes((await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok())
    bosch = outcomes((await api.gql("s-hertogenbosch", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=World.email("professional", "s-hertogenbosch"))).ok())
    # 1500 / 1401.50 = 107 % of the social minimum: under Utrecht's 110 %, over 's-Hertogenbosch's 100 %.
    assert utrecht["bijzondere_bijstand"] != "NOT_ELIGIBLE" and bosch["bijzondere_bijstand"] == "NOT_ELIGIBLE"


async def test_a_new_limit_from_a_date_changes_answers_from_that_date(api: Api, toegang: None) -> None:
    profile = {**SINGLE_PARENT, "netMonthlyIncome": 1750, "childrenBirthDates": ["2024-05-01"]}  # 125 % of the 2026 social minimum
    assert outcomes((await api.gql("utrecht", CHECK, {"p": profile, "d": "2026-05-01"}, user=PRO)).ok())["kindpakket"] == "NOT_ELIGIBLE"
    set_limit = 'mutation { setToegangParameter(input: {key: "minima_inkomensgrens_pct", validFrom: "2026-06-01", value: 130, legalBasisUrl: "https://lokaleregelgeving.overheid.nl/"}) { parameter { key value validFrom setByGemeente } } }'
    parameter = (await api.gql("utrecht", set_limit, user=ADMIN)).ok()["setToegangParameter"]["parameter"]
    assert parameter == {"key": "minima_inkomensgrens_pct", "value": 130.0, "validFrom": "2026-06-01", "setByGemeente": True}
    before = (await api.gql("utrecht", CHECK, {"p": profile, "d": "2026-05-01"}, user=PRO)).ok()
    after = (await api.gql("utrecht", CHECK, {"p": profile, "d": "2026-07-01"}, user=PRO)).ok()
    limit_before = next(p for r in before["eligibilityCheck"]["nodes"] if r["regelingKey"] == "kindpakket" for p in r["parameters"] if p["key"] == "minima_inkomensgrens_pct")
    limit_after = next(p for r in after["eligibilityCheck"]["nodes"] if r["regelingKey"] == "kindpakket" for p in r["parameters"] if p["key"] == "minima_inkomensgrens_pct")
    assert (limit_before["value"], limit_before["setByGemeente"]) == (120.0, False)
    assert (limit_after["value"], limit_after["validFrom"], limit_after["setByGemeente"]) == (130.0, "2026-06-01", True)
    income_before = next(c for r in before["eligibilityCheck"]["nodes"] if r["regelingKey"] == "kindpakket" for c in r["conditions"] if "INCOME_PCT_SOCIAL_MINIMUM" not in c["missingFacts"] and c["status"] != "UNKNOWN" and "inkomen" in c["id"])
    income_after = next(c for r in after["eligibilityCheck"]["nodes"] if r["regelingKey"] == "kindpakket" for c in r["conditions"] if c["id"] == income_before["id"])
    assert (income_before["status"], income_after["status"]) == ("NOT_MET", "MET")
    assert (outcomes(before)["kindpakket"], outcomes(after)["kindpakket"]) == ("NOT_ELIGIBLE", "ELIGIBLE")


async def test_a_national_amount_past_its_next_change_is_marked_possibly_outdated(api: Api, toegang: None) -> None:
    """The bijstandsnormen change on 1 January and 1 July: after 1 July, while the catalogue
    has no newer value, a check says the amount it used may be outdated."""
    query = """query($p: HouseholdProfileInput!, $d: Date) { eligibilityCheck(profile: $p, referenceDate: $d) { nodes {
      regelingKey parameters { key validFrom setByGemeente possiblyOutdated } } } }"""

    async def used(day: str) -> dict[str, dict]:
        profile = {**SINGLE_PARENT, "dueDate": "2026-12-01"}
        data = (await api.gql("utrecht", query, {"p": profile, "d": day}, user=PRO)).ok()
        return {parameter["key"]: parameter for result in data["eligibilityCheck"]["nodes"] for parameter in result["parameters"]}

    march, august = await used("2026-03-01"), await used("2026-08-01")
    assert march["bijstandsnorm_alleenstaande_ouder"]["possiblyOutdated"] is False
    assert august["bijstandsnorm_alleenstaande_ouder"] == {
        "key": "bijstandsnorm_alleenstaande_ouder", "validFrom": "2026-01-01", "setByGemeente": False, "possiblyOutdated": True,
    }  # fmt: skip
    assert august["minima_inkomensgrens_pct"]["possiblyOutdated"] is False  # the gemeente's own limit has no planned change
    listed = (await api.gql("utrecht", '{ toegangParameters(referenceDate: "2026-08-01") { nodes { key possiblyOutdated } } }', user=ADMIN)).ok()
    assert {row["key"] for row in listed["toegangParameters"]["nodes"] if row["possiblyOutdated"]} >= {"bijstandsnorm_alleenstaand", "bijstandsnorm_paar"}


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"netMonthlyIncome": -10}, "profile.netMonthlyIncome"),
        ({"childrenBirthDates": ["2027-01-01"]}, "profile.childrenBirthDates"),
        ({"dueDate": "2020-01-01"}, "profile.dueDate"),
        ({"age": 300}, "profile.age"),
    ],
)
async def test_impossible_profiles_are_refused(api: Api, toegang: None, profile: dict, field: str) -> None:
    response = await api.gql("utrecht", CHECK, {"p": profile, "d": "2026-03-01"}, user=PRO)
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == field


async def test_an_unknown_household_type_is_not_a_member_of_the_enum(api: Api, toegang: None) -> None:
    response = await api.gql("utrecht", CHECK, {"p": {"householdType": "drie"}, "d": "2026-03-01"}, user=PRO)
    assert (response.status, response.codes) == (400, ["GRAPHQL_VALIDATION_FAILED"]) and "HouseholdType" in response.errors[0]["message"]
    lower = await api.gql("utrecht", CHECK, {"p": {"householdType": "alleenstaand"}, "d": "2026-03-01"}, user=PRO)
    assert lower.codes == ["GRAPHQL_VALIDATION_FAILED"]  # the member's name, not the stored value


async def test_statements_per_check_do_not_grow_with_the_catalogue(
    api: Api, toegang: None, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_service.catalogue_cache, "revalidate_after", 0.0)  # the worst case: every check revalidates
    await api.token("utrecht", PRO)
    await platform.identity.keys.refresh(force=True)
    (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()  # warms the module cache
    with count_statements(platform) as small:
        (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    for index in range(30):
        regeling = own_regeling(key=f"extra_{index}", name=f"Extra {index}")
        (await api.gql("utrecht", CREATE, {"r": regeling}, user=ADMIN)).ok()
    await platform.identity.keys.refresh(force=True)
    (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    with count_statements(platform) as large:
        data = (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    assert len(data["eligibilityCheck"]["nodes"]) >= 50
    assert len(small) == len(large), "\n".join(s[:120] for s in small) + "\n----\n" + "\n".join(s[:120] for s in large)


def keys_of(data: dict) -> list[str]:
    return [result["regelingKey"] for result in data["eligibilityCheck"]["nodes"]]


async def checked_keys(api: Api) -> list[str]:
    """The regelingen a professional's check of the single parent lists (on 1 March 2026)."""
    return keys_of((await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok())


async def test_a_check_within_the_revalidation_window_reads_no_catalogue_table(
    api: Api, toegang: None, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_service.catalogue_cache, "revalidate_after", 3600.0)
    (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    with count_statements(platform) as statements:
        (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    assert statements and not [statement for statement in statements if "toegang_" in statement]


@pytest.fixture
async def cached(api: Api, toegang: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check's catalogue cached, with a revalidation window longer than any test."""
    monkeypatch.setattr(check_service.catalogue_cache, "revalidate_after", 3600.0)
    assert "geldfit" in await checked_keys(api)


async def hide_geldfit_and_check(work: Any) -> list[str]:
    """Hide geldfit in the unit of work and check within it (as a job or the CLI might)."""
    row = (await work.session.execute(select(Regeling).where(Regeling.key == "geldfit"))).scalar_one()
    await catalogue_service.set_visibility(work, row.id, hidden=True)
    results = await check_service.check(work, {"household_type": "alleenstaande_ouder"}, dt.date(2026, 3, 1), public=False)
    return [result.regeling.key for result in results]


async def test_a_change_by_another_server_process_is_seen_once_revalidated(
    api: Api, cached: None, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process hides a regeling: its rows and the revision token change, this
    # process's cache is not told.
    async with platform.work_as_system("utrecht", "other-process") as work:
        await work.session.execute(update(Regeling).where(Regeling.key == "geldfit").values(hidden=True))
        await work.session.execute(update(CatalogueRevision).values(token=uuid.uuid4()))
        await work.commit()
    assert "geldfit" in await checked_keys(api)  # within the window
    monkeypatch.setattr(check_service.catalogue_cache, "revalidate_after", 0.0)  # the window has passed
    assert "geldfit" not in await checked_keys(api)


async def test_a_rolled_back_catalogue_change_is_not_kept(api: Api, cached: None, platform: Platform) -> None:
    async with platform.work_as_system("utrecht", "editor") as work:
        assert "geldfit" not in await hide_geldfit_and_check(work)  # the transaction sees its own change
        await work.session.rollback()
    assert "geldfit" in await checked_keys(api)


async def test_an_uncommitted_catalogue_change_is_not_served_to_other_requests(api: Api, cached: None, platform: Platform) -> None:
    async with platform.work_as_system("utrecht", "editor") as work:
        await hide_geldfit_and_check(work)
        during = await checked_keys(api)  # another request while the change is not committed
        await work.commit()
    assert "geldfit" in during
    assert "geldfit" not in await checked_keys(api)


async def test_a_check_loading_while_the_catalogue_changes_does_not_keep_the_old_one(
    api: Api, toegang: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_service.catalogue_cache, "revalidate_after", 3600.0)
    geldfit = {row["key"]: row for row in await regelingen(api)}["geldfit"]["id"]
    loaded, release = asyncio.Event(), asyncio.Event()
    load = check_service._load_snapshot

    async def slow_load(work: Any, token: Any) -> Any:
        snapshot = await load(work, token)
        if not loaded.is_set():
            loaded.set()
            await release.wait()  # the catalogue changes meanwhile
        return snapshot

    monkeypatch.setattr(check_service, "_load_snapshot", slow_load)
    first = asyncio.create_task(checked_keys(api))
    await loaded.wait()
    hide = "mutation($id: ID!) { setRegelingVisibility(input: {id: $id, hidden: true}) { regeling { hidden } } }"
    (await api.gql("utrecht", hide, {"id": geldfit}, user=ADMIN)).ok()
    release.set()
    assert "geldfit" in await first  # it read the catalogue before the change ...
    assert "geldfit" not in await checked_keys(api)  # ... and did not keep it


async def test_every_catalogue_change_reaches_the_next_check(api: Api, toegang: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_service.catalogue_cache, "revalidate_after", 3600.0)  # changes in this process are seen at once
    def keys(data: dict) -> list[str]:
        return [result["regelingKey"] for result in data["eligibilityCheck"]["nodes"]]

    variables = {"p": SINGLE_PARENT, "d": "2026-03-01"}
    before = keys((await api.gql("utrecht", CHECK, variables, user=PRO)).ok())  # caches the catalogue
    created = (await api.gql("utrecht", CREATE, {"r": own_regeling()}, user=ADMIN)).ok()["createRegeling"]["regeling"]
    assert "utrechtse_babybox" in keys((await api.gql("utrecht", CHECK, variables, user=PRO)).ok())
    hide = "mutation($id: ID!) { setRegelingVisibility(input: {id: $id, hidden: true}) { regeling { hidden } } }"
    (await api.gql("utrecht", hide, {"id": created["id"]}, user=ADMIN)).ok()
    assert keys((await api.gql("utrecht", CHECK, variables, user=PRO)).ok()) == before
    rows = {row["key"]: row for row in await regelingen(api)}
    eligible = [key for key in before if key in ("geldfit", "nibud_wat_kost_een_kind")]
    assert len(eligible) == 2  # both without conditions, so ordered by the gemeente's order
    order = "mutation($ids: [ID!]!) { reorderRegelingen(input: {ids: $ids}) { regelingen { key } } }"
    (await api.gql("utrecht", order, {"ids": [rows[key]["id"] for key in reversed(eligible)]}, user=ADMIN)).ok()
    after = keys((await api.gql("utrecht", CHECK, variables, user=PRO)).ok())
    assert [key for key in after if key in eligible] == list(reversed(eligible))


async def test_usage_of_checks_is_counted_in_memory_and_written_later(api: Api, toegang: None, platform: Platform) -> None:
    def written() -> int:
        async def total() -> int:
            async with platform.work_as_system("utrecht", "test") as work:
                return (await work.session.execute(select(func.coalesce(func.sum(UsageCount.count), 0)))).scalar_one()

        return total()

    (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    assert await written() == 0  # a check writes nothing itself ...
    interval, check_service.usage_tally.interval = check_service.usage_tally.interval, 0.0
    try:
        data = (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    finally:
        check_service.usage_tally.interval = interval
    checked = len(data["eligibilityCheck"]["nodes"])
    matched = sum(1 for result in data["eligibilityCheck"]["nodes"] if result["outcome"] == "ELIGIBLE")
    assert await written() == 2 * (checked + matched)  # ... until the interval passed: both checks at once
    usage = (await api.gql("utrecht", "{ regelingUsage { nodes { checked } } }", user=ADMIN)).ok()["regelingUsage"]["nodes"]
    assert sum(item["checked"] for item in usage) == 2 * checked


async def test_run_test_vectors_from_the_api(api: Api, toegang: None) -> None:
    listed = (await api.gql("utrecht", "{ runTestVectors { totalCount nodes { regelingKey name passed expected actual } } }", user=ADMIN)).ok()["runTestVectors"]
    results = listed["nodes"]
    assert listed["totalCount"] == len(results) >= 40 and all(result["passed"] for result in results)
    assert {result["expected"] for result in results} == {"ELIGIBLE", "POSSIBLY", "NOT_ELIGIBLE"}
    # A gemeente's own limit does not fail the national examples (written for the national values) ...
    raise_limit = 'mutation { setToegangParameter(input: {key: "minima_inkomensgrens_pct", validFrom: "2025-01-01", value: 130}) { parameter { value } } }'
    (await api.gql("utrecht", raise_limit, user=ADMIN)).ok()
    results = (await api.gql("utrecht", "{ runTestVectors { nodes { regelingKey passed } } }", user=ADMIN)).ok()["runTestVectors"]["nodes"]
    assert all(result["passed"] for result in results)
    # ... but an adapted regeling is tested with the gemeente's values: its example above 120 % now fails.
    polis = next(row for row in await regelingen(api) if row["key"] == "gemeentepolis")
    current = (await api.gql("utrecht", "query($id: ID!) { regeling(id: $id) { key name summary category level conditions { id question met notMet rule } testVectors { name referenceDate household expected } } }", {"id": polis["id"]}, user=ADMIN)).ok()["regeling"]
    update = "mutation($id: ID!, $r: RegelingInput!) { updateRegeling(input: {id: $id, regeling: $r}) { regeling { adapted } } }"
    refused = await api.gql("utrecht", update, {"id": polis["id"], "r": {**current, "name": "Utrechtse gemeentepolis"}}, user=ADMIN)
    assert refused.codes == ["TEST_VECTORS_FAILED"] and refused.errors[0]["extensions"]["field"] == "input.testVectors"
    assert (await api.gql("utrecht", "{ runTestVectors { nodes { passed } } }", user=PRO)).codes == ["FORBIDDEN"]


async def test_parameters_only_declared_ones_can_be_overridden(api: Api, toegang: None) -> None:
    mutation = "mutation($k: String!) { setToegangParameter(input: {key: $k, validFrom: \"2026-01-01\", value: 100}) { parameter { key } } }"
    for key in ("bijstandsnorm_alleenstaand", "onbekend"):
        response = await api.gql("utrecht", mutation, {"k": key}, user=ADMIN)
        assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == "input.key"
    listed = (await api.gql("utrecht", "{ toegangParameters(referenceDate: \"2026-02-01\") { nodes { key value overridable unit } } }", user=ADMIN)).ok()
    values = {item["key"]: item for item in listed["toegangParameters"]["nodes"]}
    assert values["bijstandsnorm_alleenstaand"] == {"key": "bijstandsnorm_alleenstaand", "value": 1401.5, "overridable": False, "unit": "EURO_PER_MAAND"}


# -- public -------------------------------------------------------------------------------------------------


async def public(api: Api, slug: str, query: str, variables: dict | None = None, **headers: str) -> tuple[int, dict]:
    response = await api.client.post(f"/t/{slug}/public/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return response.status_code, response.json()


async def test_public_check_without_login_stores_nothing_about_the_household(api: Api, toegang: None, platform: Platform, world: World) -> None:
    query = CHECK.replace("setByGemeente legalBasisUrl", "setByGemeente")
    status, body = await public(api, "utrecht", query, {"p": SINGLE_PARENT, "d": "2026-03-01"})
    assert status == 200 and "errors" not in body
    assert len(body["data"]["eligibilityCheck"]["nodes"]) == body["data"]["eligibilityCheck"]["totalCount"] >= 20
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        assert (await session.execute(select(func.count()).select_from(ProcessingRecord))).scalar_one() == 0
    # The public schema has no mutations and nothing behind login.
    status, body = await public(api, "utrecht", "mutation { syncNationalCatalogue { changed } }")
    assert status == 400
    status, body = await public(api, "utrecht", "{ members { totalCount } }")
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_public_sees_only_published_regelingen(api: Api, toegang: None) -> None:
    (await api.gql("utrecht", CREATE, {"r": own_regeling(published=False)}, user=ADMIN)).ok()
    status, body = await public(api, "utrecht", "{ regelingen { nodes { key questions category } } }")
    keys = {row["key"] for row in body["data"]["regelingen"]["nodes"]}
    assert {row["category"] for row in body["data"]["regelingen"]["nodes"]} <= {"INKOMEN", "TOESLAGEN", "ZORGVERZEKERING", "SPULLEN", "VOEDSEL", "SCHULDEN", "OPVOEDEN", "KINDEROPVANG", "KENNIS", "VRIJE_TIJD", "VERLOF", "ZORG", "WONEN"}
    assert "utrechtse_babybox" not in keys and "kindpakket" in keys
    status, body = await public(api, "utrecht", '{ regeling(key: "utrechtse_babybox") { name } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    status, body = await public(api, "utrecht", CHECK.replace("setByGemeente legalBasisUrl", "setByGemeente"), {"p": {"pregnant": True}})
    assert "utrechtse_babybox" not in {row["regelingKey"] for row in body["data"]["eligibilityCheck"]["nodes"]}


async def test_public_endpoint_is_gated_and_rate_limited(api: Api, world: World, app: Any) -> None:
    status, body = await public(api, "utrecht", "{ regelingen { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "MODULE_NOT_ENABLED"
    status, body = await public(api, "atlantis", "{ regelingen { totalCount } }")
    assert status == 404 and body["errors"][0]["extensions"]["code"] == "TENANT_NOT_FOUND"
    from gateway.rate_limit import RateLimiter

    # The app is shared by the session (and starlette's State does not survive monkeypatch's undo).
    configured = app.state.public_rate_limiter
    app.state.public_rate_limiter = RateLimiter("3/minute", "async+memory://")
    try:
        statuses = [(await public(api, "utrecht", "{ regelingen { totalCount } }"))[0] for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = await api.client.post("/t/utrecht/public/graphql", json={"query": "{ regelingen { totalCount } }"})
        assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
        assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        other = await public(api, "s-hertogenbosch", "{ regelingen { totalCount } }")
        assert other[0] == 200  # the window is per gemeente
    finally:
        app.state.public_rate_limiter = configured


# -- sociale kaart, bekendheid, search ------------------------------------------------------------------------


async def test_bekendheid_and_usage(api: Api, toegang: None, platform: Platform) -> None:
    from core.testing import add_member

    rows = {row["key"]: row for row in await regelingen(api)}
    mark = "mutation($id: ID!) { markRegelingKnown(input: {regelingId: $id}) { regeling { key } } }"
    (await api.gql("utrecht", mark, {"id": rows["kindpakket"]["id"]}, user=PRO)).ok()
    (await api.gql("utrecht", mark, {"id": rows["kindpakket"]["id"]}, user=PRO)).ok()  # once per member
    jgz = (
        await api.gql("utrecht", 'mutation { createPartner(input: {name: "JGZ Utrecht", domain: MEDISCH, type: JGZ}) { partner { id } } }', user=ADMIN)
    ).ok()["createPartner"]["partner"]["id"]
    nurse = "jgz.verpleegkundige@utrecht.example"
    await add_member(platform, "utrecht", nurse, ["professional"], partner_id=uuid.UUID(jgz))
    (await api.gql("utrecht", mark, {"id": rows["kindpakket"]["id"]}, user=nurse)).ok()
    refer = "mutation($id: ID!) { markRegelingReferred(input: {regelingId: $id}) { regeling { key } } }"
    referred = (await api.gql("utrecht", refer, {"id": rows["voedselbank"]["id"]}, user=PRO)).ok()["markRegelingReferred"]
    assert referred == {"regeling": {"key": "voedselbank"}}
    (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    usage = (await api.gql("utrecht", "{ regelingUsage { nodes { regelingKey knownByMembers knownByPartners checked matched referred } } }", user=ADMIN)).ok()["regelingUsage"]["nodes"]
    by_key = {item["regelingKey"]: item for item in usage}
    assert by_key["kindpakket"]["knownByMembers"] == 2 and by_key["kindpakket"]["knownByPartners"] == ["JGZ Utrecht"]
    assert by_key["voedselbank"]["referred"] == 1 and by_key["voedselbank"]["checked"] == 1
    assert usage[0]["knownByMembers"] == 0  # the gaps first
    assert (await api.gql("utrecht", "{ regelingUsage { nodes { regelingKey } } }", user=PRO)).codes == ["FORBIDDEN"]


async def test_sociale_kaart(api: Api, toegang: None) -> None:
    partner = (
        await api.gql("utrecht", 'mutation { createPartner(input: {name: "Voedselbank Utrecht", domain: INFORMEEL, type: VOEDSELBANK}) { partner { id } } }', user=ADMIN)
    ).ok()["createPartner"]["partner"]["id"]
    (await api.gql("utrecht", 'mutation { createWijk(input: {code: "WK034403", name: "Overvecht"}) { wijk { id } } }', user=ADMIN)).ok()
    create = "mutation($s: ServiceInput!) { createService(input: $s) { service { name partnerName wijkCodes } } }"
    service = {"partnerId": partner, "name": "Voedselpakket", "description": "Elke week een pakket eten.", "wijkCodes": ["WK034403"]}
    created = (await api.gql("utrecht", create, {"s": service}, user=ADMIN)).ok()["createService"]["service"]
    assert created == {"name": "Voedselpakket", "partnerName": "Voedselbank Utrecht", "wijkCodes": ["WK034403"]}
    unknown = await api.gql("utrecht", create, {"s": {**service, "name": "Ander", "wijkCodes": ["WK034499"]}}, user=ADMIN)
    assert unknown.codes == ["VALIDATION_FAILED"] and unknown.errors[0]["extensions"]["field"] == "input.wijkCodes"
    status, body = await public(api, "utrecht", '{ services(wijkCode: "WK034403") { nodes { name partnerName } } }')
    assert body["data"]["services"]["nodes"] == [{"name": "Voedselpakket", "partnerName": "Voedselbank Utrecht"}]


#: Queries and their top three, the same on SQLite (FTS5 over Snowball stems) and PostgreSQL
#: (to_tsvector('dutch')): both backends must give exactly these, in this order.
SEARCHES = {
    "zorgtoeslag": ["zorgtoeslag", "kindgebonden_budget"],
    "kinderbijslag": ["kinderbijslag", "kindgebonden_budget"],
    "voedselbank": ["voedselbank"],
    "schulden": ["schuldhulpmaatje", "schuldhulpverlening", "geldfit"],
    "babyspullen": ["stichting_babyspullen", "kindpakket"],
    "kinderopvang toeslag": ["kinderopvangtoeslag"],
}


@pytest.mark.parametrize(("query", "top"), SEARCHES.items())
async def test_dutch_search_gives_the_same_top_results_on_both_databases(api: Api, toegang: None, query: str, top: list[str]) -> None:
    hits = (await api.gql("utrecht", "query($q: String!) { toegangSearch(query: $q) { nodes { kind key name } } }", {"q": query}, user=PRO)).ok()["toegangSearch"]["nodes"]
    assert [hit["key"] for hit in hits[:3]] == top and hits[0]["kind"] == "REGELING"
    bad = await api.gql("utrecht", "query($q: String!) { toegangSearch(query: $q) { nodes { key } } }", {"q": ""}, user=PRO)
    assert bad.codes == ["VALIDATION_FAILED"] and bad.errors[0]["extensions"]["field"] == "query"


async def test_search_is_per_gemeente_and_public_search_only_published(api: Api, toegang: None) -> None:
    (await api.gql("utrecht", CREATE, {"r": own_regeling(published=False)}, user=ADMIN)).ok()
    own = (await api.gql("utrecht", 'query { toegangSearch(query: "babybox") { nodes { key } } }', user=PRO)).ok()["toegangSearch"]["nodes"]
    assert [hit["key"] for hit in own] == ["utrechtse_babybox"]
    status, body = await public(api, "utrecht", '{ search(query: "babybox") { totalCount nodes { key } } }')
    assert body["data"]["search"] == {"totalCount": 0, "nodes": []}
    other = (await api.gql("s-hertogenbosch", 'query { toegangSearch(query: "babybox") { nodes { key } } }', user=World.email("professional", "s-hertogenbosch"))).ok()
    assert other["toegangSearch"]["nodes"] == []
