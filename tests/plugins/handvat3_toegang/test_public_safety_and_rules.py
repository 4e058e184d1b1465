"""Handvat 3 under pressure: nothing about a household ends up in a table or a log line, not
even when something fails; one check per public request; the client behind a proxy;
rules that cannot read unchecked facts; test vectors checked like real profiles; the
parameters an outcome rests on; the stemmer PostgreSQL uses."""

from __future__ import annotations

import io
import logging
import re

import pytest
import structlog
from sqlalchemy import text

from core.config import Settings
from core.platform import Platform
from core.testing import TEST_SECRET, owner_engine
from gateway.logging import configure_logging
from gateway.rate_limit import client_key
from plugins.handvat3_toegang import catalogue
from core.search import DUTCH_STOP_WORDS as STOP_WORDS
from core.search import dutch_stems
from tests.conftest import Api, World
from tests.plugins.handvat3_toegang.test_catalogue_and_check import (
    ADMIN,
    CHECK,
    CREATE,
    PRO,
    SINGLE_PARENT,
    own_regeling,
    public,
    regelingen,
    toegang,  # noqa: F401 (fixture)
)

#: A value no test data contains: if it shows up in a table or the log, the household leaked.
TRACER_RENT = 987.65
TRACER_TEXT = "987.65"


async def row_counts(platform: Platform) -> dict[str, int]:
    tables = sorted({model.__table__.name for model in platform.runtime.models()})  # type: ignore[attr-defined]
    async with owner_engine(platform).connect() as connection:
        return {table: (await connection.execute(text(f'SELECT count(*) FROM "{table}"'))).scalar_one() for table in tables}


async def test_a_public_check_writes_no_row_and_no_log_line_with_the_household(
    api: Api, toegang: None, platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    # A rule that divides by the income: with an income of 0 it cannot be evaluated.
    divide = own_regeling(
        key="deelt_door_inkomen",
        conditions=[{"id": "deling", "question": "?", "met": "ja", "notMet": "nee", "rule": {"<": [{"/": [1000, {"var": "net_monthly_income"}]}, 2]}}],
        testVectors=[
            {"name": "hoog", "referenceDate": "2026-03-01", "household": {"net_monthly_income": 1000}, "expected": "ELIGIBLE"},
            {"name": "laag", "referenceDate": "2026-03-01", "household": {"net_monthly_income": 100}, "expected": "NOT_ELIGIBLE"},
        ],
    )
    (await api.gql("utrecht", CREATE, {"r": divide}, user=ADMIN)).ok()
    (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()  # warm, and counted in memory
    before = await row_counts(platform)
    caplog.set_level(logging.DEBUG)
    profile = {**SINGLE_PARENT, "netMonthlyIncome": 0, "monthlyRent": TRACER_RENT, "rentsHome": True}
    status, body = await public(api, "utrecht", CHECK, {"p": profile, "d": "2026-03-01"})
    assert status == 200 and "errors" not in body, body
    division = next(result for result in body["data"]["eligibilityCheck"]["nodes"] if result["regelingKey"] == "deelt_door_inkomen")
    assert division["conditions"][0]["status"] == "UNKNOWN"  # not evaluable: unknown, not an error
    # Out-of-range dates are refused before anything is computed.
    for day in ("9999-12-31", "0001-01-01", "2025-06-01"):
        status, body = await public(api, "utrecht", CHECK, {"p": {**profile, "dueDate": None}, "d": day})
        assert body["errors"][0]["extensions"] == {"code": "VALIDATION_FAILED", "field": "referenceDate"}, body
    assert await row_counts(platform) == before
    assert TRACER_TEXT not in caplog.text


def test_json_logs_have_no_local_variables_in_tracebacks() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        configure_logging(Settings(debug=True, secret_key=TEST_SECRET, log_json=True))
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        household_income = TRACER_RENT  # a local variable of the failing frame
        try:
            raise ZeroDivisionError(str(1 / 1))
        except ZeroDivisionError:
            structlog.get_logger("test").exception("failed", income_present=household_income is not None)
    finally:
        root.handlers, root.level = saved_handlers, saved_level
        structlog.reset_defaults()
    output = stream.getvalue()
    assert "ZeroDivisionError" in output and "household_income" not in output and TRACER_TEXT not in output


async def test_aliases_cannot_multiply_public_checks_and_a_cold_cache_serves_two_checks(api: Api, toegang: None) -> None:
    double = """query($p: HouseholdProfileInput!) { a: eligibilityCheck(profile: $p, referenceDate: "2026-03-01") { nodes { regelingKey } }
      b: eligibilityCheck(profile: $p, referenceDate: "2026-03-01") { nodes { regelingKey } } }"""
    status, body = await public(api, "utrecht", double, {"p": SINGLE_PARENT})
    assert [error["extensions"]["code"] for error in body["errors"]] == ["TOO_MANY_CHECKS"]
    # Behind login two checks in one query are fine, also right after a change (cold cache).
    (await api.gql("utrecht", CREATE, {"r": own_regeling()}, user=ADMIN)).ok()
    data = (await api.gql("utrecht", double, {"p": SINGLE_PARENT}, user=PRO)).ok()
    assert data["a"] == data["b"] and "utrechtse_babybox" in {row["regelingKey"] for row in data["a"]["nodes"]}


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("198.51.100.7", "203.0.113.9", [], "198.51.100.7"),  # not from a proxy: the header is the client's own
        ("10.0.0.2", "203.0.113.9", ["10.0.0.0/8"], "203.0.113.9"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.9", ["10.0.0.0/8"], "203.0.113.9"),  # a spoofed leftmost entry is ignored
        ("10.0.0.2", "203.0.113.9, 10.0.0.5", ["10.0.0.0/8"], "203.0.113.9"),  # two proxies
        ("10.0.0.2", None, ["10.0.0.0/8"], "10.0.0.2"),
        ("2001:db8:1:2:aaaa::1", None, [], "2001:db8:1:2::/64"),  # one subscriber's IPv6 block counts once
    ],
)
def test_the_client_behind_trusted_proxies(peer: str, forwarded: str | None, trusted: list[str], expected: str) -> None:
    assert client_key(peer, forwarded, trusted) == expected


def test_trusted_proxies_must_be_networks() -> None:
    with pytest.raises(ValueError, match="not an address or network"):
        Settings(debug=True, secret_key=TEST_SECRET, trusted_proxies=["proxy.example"])


async def test_editing_does_not_republish(api: Api, toegang: None, world: World) -> None:
    created = (await api.gql("utrecht", CREATE, {"r": own_regeling(published=False)}, user=ADMIN)).ok()["createRegeling"]["regeling"]
    update = "mutation($id: ID!, $r: RegelingInput!) { updateRegeling(input: {id: $id, regeling: $r}) { regeling { published } } }"
    updated = (await api.gql("utrecht", update, {"id": created["id"], "r": own_regeling(name="Babybox, nieuwe tekst")}, user=ADMIN)).ok()
    assert updated["updateRegeling"]["regeling"]["published"] is False
    status, body = await public(api, "utrecht", '{ regeling(key: "utrechtse_babybox") { name } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    partner = (
        await api.gql("utrecht", 'mutation { createPartner(input: {name: "Wijkteam Oost", domain: SOCIAAL, type: WIJKTEAM}) { partner { id } } }', user=ADMIN)
    ).ok()["createPartner"]["partner"]["id"]
    service = {"partnerId": partner, "name": "Spreekuur geldzaken", "published": False}
    created_service = (await api.gql("utrecht", "mutation($s: ServiceInput!) { createService(input: $s) { service { id } } }", {"s": service}, user=ADMIN)).ok()
    service_id = created_service["createService"]["service"]["id"]
    edit = "mutation($id: ID!, $s: ServiceInput!) { updateService(input: {id: $id, service: $s}) { service { published } } }"
    edited = (await api.gql("utrecht", edit, {"id": service_id, "s": {"partnerId": partner, "name": "Spreekuur geldzaken", "description": "Elke dinsdag."}}, user=ADMIN)).ok()
    assert edited["updateService"]["service"]["published"] is False
    status, body = await public(api, "utrecht", "{ services { nodes { name } } }")
    assert "Spreekuur geldzaken" not in {row["name"] for row in body["data"]["services"]["nodes"]}


@pytest.mark.parametrize(
    "rule",
    [
        {"==": [{"var": {"cat": ["preg", "nant"]}}, True]},  # a computed name would read an unchecked fact
        {"missing": ["pregnant"]},
        {"==": [{"var": ["pregnant", {"var": "age"}]}, True]},
    ],
)
async def test_rules_read_facts_by_name_only(api: Api, toegang: None, rule: dict) -> None:
    condition = {"id": "x", "question": "?", "met": "ja", "notMet": "nee", "rule": rule}
    response = await api.gql("utrecht", CREATE, {"r": own_regeling(conditions=[condition])}, user=ADMIN)
    assert response.codes == ["RULE_INVALID"] and response.errors[0]["extensions"]["field"] == "input.conditions.0.rule"


@pytest.mark.parametrize(
    "household",
    [{"household_type": "marsbewoner"}, {"net_monthly_income": -5}, {"pregnant": "misschien"}, {"youngest_child_months": "jong"}],
)
async def test_test_vector_households_are_checked_like_profiles(api: Api, toegang: None, household: dict) -> None:
    vectors = [
        {"name": "fout", "referenceDate": "2026-03-01", "household": household, "expected": "ELIGIBLE"},
        {"name": "b", "referenceDate": "2026-03-01", "household": {"pregnant": False}, "expected": "NOT_ELIGIBLE"},
    ]
    response = await api.gql("utrecht", CREATE, {"r": own_regeling(testVectors=vectors)}, user=ADMIN)
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == "input.testVectors.0.household"


async def test_vectors_with_birth_dates_derive_the_ages(api: Api, toegang: None) -> None:
    baby = own_regeling(
        key="babypakket",
        conditions=[{"id": "baby", "question": "Is uw kind jonger dan een jaar?", "met": "ja", "notMet": "nee", "rule": {"==": [{"var": "has_child_under_12_months"}, True]}}],
        testVectors=[
            {"name": "baby van 8 maanden", "referenceDate": "2026-03-01", "household": {"children_birth_dates": ["2025-07-01"]}, "expected": "ELIGIBLE"},
            {"name": "peuter", "referenceDate": "2026-03-01", "household": {"children_birth_dates": ["2023-01-15"]}, "expected": "NOT_ELIGIBLE"},
            {"name": "zwanger", "referenceDate": "2026-03-01", "household": {"children_birth_dates": [], "due_date": "2026-05-01"}, "expected": "NOT_ELIGIBLE"},
        ],
    )
    (await api.gql("utrecht", CREATE, {"r": baby}, user=ADMIN)).ok()
    results = (await api.gql("utrecht", "{ runTestVectors { nodes { regelingKey name passed } } }", user=ADMIN)).ok()["runTestVectors"]["nodes"]
    assert [row["passed"] for row in results if row["regelingKey"] == "babypakket"] == [True, True, True]


async def test_the_outcome_names_the_bijstandsnorm_and_the_profile_fields_to_ask(api: Api, toegang: None) -> None:
    data = (await api.gql("utrecht", CHECK, {"p": SINGLE_PARENT, "d": "2026-03-01"}, user=PRO)).ok()
    kindpakket = next(result for result in data["eligibilityCheck"]["nodes"] if result["regelingKey"] == "kindpakket")
    used = {parameter["key"]: parameter for parameter in kindpakket["parameters"]}
    assert used["bijstandsnorm_alleenstaande_ouder"]["value"] == 1401.5 and used["bijstandsnorm_alleenstaande_ouder"]["validFrom"] == "2026-01-01"
    without_income = {key: value for key, value in SINGLE_PARENT.items() if key != "netMonthlyIncome"}
    data = (await api.gql("utrecht", CHECK, {"p": without_income, "d": "2026-03-01"}, user=PRO)).ok()
    polis = next(result for result in data["eligibilityCheck"]["nodes"] if result["regelingKey"] == "gemeentepolis")
    assert "NET_MONTHLY_INCOME" in polis["missingFacts"] and "INCOME_PCT_SOCIAL_MINIMUM" not in polis["missingFacts"]


async def test_a_limit_that_breaks_an_adapted_regeling_is_refused(api: Api, toegang: None) -> None:
    rows = {row["key"]: row for row in await regelingen(api)}
    polis = rows["gemeentepolis"]["id"]
    current = (
        await api.gql("utrecht", "query($id: ID!) { regeling(id: $id) { key name summary category level conditions { id question met notMet rule } testVectors { name referenceDate household expected } } }", {"id": polis}, user=ADMIN)
    ).ok()["regeling"]
    update = "mutation($id: ID!, $r: RegelingInput!) { updateRegeling(input: {id: $id, regeling: $r}) { regeling { adapted } } }"
    (await api.gql("utrecht", update, {"id": polis, "r": {**current, "name": "Utrechtse gemeentepolis"}}, user=ADMIN)).ok()
    raise_limit = 'mutation { setToegangParameter(input: {key: "minima_inkomensgrens_pct", validFrom: "2026-01-01", value: 130}) { parameter { value } } }'
    refused = await api.gql("utrecht", raise_limit, user=ADMIN)
    assert refused.codes == ["TEST_VECTORS_FAILED"] and refused.errors[0]["extensions"]["failures"][0]["regeling"] == "gemeentepolis"
    listed = (await api.gql("utrecht", '{ toegangParameters(referenceDate: "2026-03-01") { nodes { key value } } }', user=ADMIN)).ok()
    assert next(row for row in listed["toegangParameters"]["nodes"] if row["key"] == "minima_inkomensgrens_pct")["value"] == 120  # nothing stored


async def test_sqlite_stems_like_postgresql_for_the_whole_catalogue(platform: Platform, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("compares with PostgreSQL's dutch_stem")
    words: set[str] = set()
    for item in catalogue.national_regelingen():
        words |= set(re.findall(r"[0-9a-zà-ÿ]+", f"{item['name']} {item['summary']} {item.get('description', '')} {' '.join(item.get('tags') or [])}".lower()))
    words = {word for word in words if word not in STOP_WORDS and re.fullmatch(r"[a-z]+", word)}
    async with owner_engine(platform).connect() as connection:
        rows = (await connection.execute(text("SELECT w, (ts_lexize('dutch_stem', w))[1] FROM unnest(CAST(:words AS text[])) AS w"), {"words": sorted(words)})).all()
    different = {word: (stem, dutch_stems(word)[0]) for word, stem in rows if stem is not None and [stem] != dutch_stems(word)}
    assert len(rows) > 500 and not different, different
