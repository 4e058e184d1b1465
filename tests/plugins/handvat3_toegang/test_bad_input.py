"""Handvat 3 and bad input (issue 10): an unknown wijk on the sociale kaart, implausible
dates in a check, and rules evaluated in Kleene's three-valued logic (a pregnant parent is
not asked for the birth dates of children she does not have yet)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from plugins.handvat3_toegang.eligibility import (
    MET,
    NOT_ELIGIBLE,
    NOT_MET,
    POSSIBLY,
    UNKNOWN,
    UNKNOWN_VALUE,
    Condition,
    check_rule,
    evaluate,
    evaluate_partially,
)
from plugins.handvat3_toegang.profile import years_before
from tests.conftest import Api, World
from tests.plugins.handvat3_toegang.test_catalogue_and_check import (
    ADMIN,
    CHECK,
    CREATE,
    PRO,
    own_regeling,
    public,
    toegang,  # noqa: F401 (fixture)
)

PUBLIC_CHECK = CHECK.replace("setByGemeente legalBasisUrl", "setByGemeente")


# -- parameters on a reference date without amounts -------------------------------------------------------


async def test_parameters_on_a_date_without_amounts_are_refused_not_listed_empty(api: Api, toegang: None) -> None:
    """A reference date on which the catalogue has no amounts at all answers VALIDATION_FAILED
    on referenceDate (it was swallowed: every parameter listed without a value)."""
    query = "query($d: Date) { toegangParameters(referenceDate: $d) { nodes { key value validFrom } } }"
    for day in ("1999-01-01", "2101-01-01"):
        response = await api.gql("utrecht", query, {"d": day}, user=ADMIN)
        assert response.codes == ["VALIDATION_FAILED"], response.body
        assert response.errors[0]["extensions"]["field"] == "referenceDate"
    # On a date with amounts, a national amount that only starts later has no value yet.
    listed = (await api.gql("utrecht", query, {"d": "2025-06-01"}, user=ADMIN)).ok()["toegangParameters"]["nodes"]
    values = {item["key"]: item for item in listed}
    assert values["bijstandsnorm_alleenstaand"]["validFrom"] == "2025-01-01"
    assert values["zorgtoeslag_vermogensgrens"] == {"key": "zorgtoeslag_vermogensgrens", "value": None, "validFrom": None}


# -- the sociale kaart: an unknown wijk -------------------------------------------------------------------


async def test_services_in_an_unknown_wijk_are_not_found(api: Api, toegang: None) -> None:
    partner = (
        await api.gql("utrecht", 'mutation { createPartner(input: {name: "Voedselbank Utrecht", domain: INFORMEEL, type: VOEDSELBANK}) { partner { id } } }', user=ADMIN)
    ).ok()["createPartner"]["partner"]["id"]
    (await api.gql("utrecht", 'mutation { createWijk(input: {code: "WK034403", name: "Overvecht"}) { wijk { id } } }', user=ADMIN)).ok()
    bosch_admin = World.email("coalition_admin", "s-hertogenbosch")
    (await api.gql("s-hertogenbosch", 'mutation { createWijk(input: {code: "WK079601", name: "Centrum"}) { wijk { id } } }', user=bosch_admin)).ok()
    create = "mutation($s: ServiceInput!) { createService(input: $s) { service { name } } }"
    (await api.gql("utrecht", create, {"s": {"partnerId": partner, "name": "Voedselpakket", "wijkCodes": ["WK034403"]}}, user=ADMIN)).ok()
    (await api.gql("utrecht", create, {"s": {"partnerId": partner, "name": "Spreekuur", "wijkCodes": []}}, user=ADMIN)).ok()
    query = "query($w: String) { services(wijkCode: $w) { nodes { name } } }"
    for code in ("BESTAATNIET", "WK034499", "WK079601"):  # no wijk, not one of Utrecht's, one of 's-Hertogenbosch
        response = await api.gql("utrecht", query, {"w": code}, user=PRO)
        assert response.codes == ["NOT_FOUND"] and response.errors[0]["extensions"]["field"] == "wijkCode", response.body
        assert code not in response.errors[0]["message"]
        status, body = await public(api, "utrecht", query, {"w": code})
        assert status == 200 and (body["data"] or {}).get("services") is None
        assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "wijkCode"} and body["errors"][0]["path"] == ["services"]
    # A known wijk: its own services and those for the whole gemeente; no wijk: everything.
    assert {row["name"] for row in (await api.gql("utrecht", query, {"w": "WK034403"}, user=PRO)).ok()["services"]["nodes"]} == {"Voedselpakket", "Spreekuur"}
    assert len((await api.gql("utrecht", query, {"w": None}, user=PRO)).ok()["services"]["nodes"]) == 2
    status, body = await public(api, "utrecht", query, {"w": "WK034403"})
    assert {row["name"] for row in body["data"]["services"]["nodes"]} == {"Voedselpakket", "Spreekuur"}


# -- implausible dates in a check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"childrenBirthDates": ["0001-01-01"]}, "profile.childrenBirthDates"),
        ({"childrenBirthDates": ["2024-05-01", "1899-12-31"]}, "profile.childrenBirthDates"),
        ({"childrenBirthDates": ["1996-02-29"]}, "profile.childrenBirthDates"),  # 30 years and a day before
        ({"childrenBirthDates": ["9999-12-31"]}, "profile.childrenBirthDates"),
        ({"pregnant": True, "dueDate": "0001-01-01"}, "profile.dueDate"),
        ({"pregnant": True, "dueDate": "9999-12-31"}, "profile.dueDate"),
    ],
)
async def test_implausible_dates_are_refused_naming_the_field(api: Api, toegang: None, profile: dict, field: str) -> None:
    response = await api.gql("utrecht", CHECK, {"p": profile, "d": "2026-03-01"}, user=PRO)
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == field, response.body
    status, body = await public(api, "utrecht", PUBLIC_CHECK, {"p": profile, "d": "2026-03-01"})
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_FAILED", "field": field}, body


async def test_plausible_birth_dates_still_get_an_answer(api: Api, toegang: None) -> None:
    grown_up = {"householdType": "ALLEENSTAANDE_OUDER", "childrenBirthDates": ["1996-03-01", "2025-12-01"]}  # 30 years exactly
    (await api.gql("utrecht", CHECK, {"p": grown_up, "d": "2026-03-01"}, user=PRO)).ok()


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
async def test_a_test_vector_on_an_implausible_date_is_refused(api: Api, toegang: None, day: str) -> None:
    regeling = own_regeling()
    regeling["testVectors"] = [{**regeling["testVectors"][0], "referenceDate": day}, *regeling["testVectors"][1:]]
    response = await api.gql("utrecht", CREATE, {"r": regeling}, user=ADMIN)
    assert response.codes == ["VALIDATION_FAILED"] and response.errors[0]["extensions"]["field"] == "input.testVectors.0.referenceDate"


def test_years_before() -> None:
    import datetime as dt

    assert years_before(dt.date(2026, 3, 1), 30) == dt.date(1996, 3, 1)
    assert years_before(dt.date(2024, 2, 29), 30) == dt.date(1994, 2, 28)


# -- three-valued logic ---------------------------------------------------------------------------------------

#: A fact's three states: true, false, not given (None).
STATES = (True, False, None)


def kleene_and(*values: bool | None) -> bool | None:
    return False if False in values else None if None in values else True


def kleene_or(*values: bool | None) -> bool | None:
    return True if True in values else None if None in values else False


def run(rule: dict, **facts: Any) -> tuple[Any, frozenset[str]]:
    unknown = frozenset(name for name, value in facts.items() if value is None)
    return evaluate_partially(rule, facts, unknown)


def as_kleene(result: tuple[Any, frozenset[str]]) -> bool | None:
    value, missing = result
    return None if missing else bool(value)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(STATES, STATES)))
def test_and_or_not_follow_kleene(a: bool | None, b: bool | None) -> None:
    facts = {"pregnant": a, "has_debts": b}
    var_a, var_b = {"==": [{"var": "pregnant"}, True]}, {"==": [{"var": "has_debts"}, True]}
    assert as_kleene(run({"and": [var_a, var_b]}, **facts)) == kleene_and(a, b)
    assert as_kleene(run({"or": [var_a, var_b]}, **facts)) == kleene_or(a, b)
    assert as_kleene(run({"and": [var_b, var_a]}, **facts)) == kleene_and(b, a)  # the order does not matter
    assert as_kleene(run({"or": [var_b, var_a]}, **facts)) == kleene_or(b, a)
    assert as_kleene(run({"!": [{"or": [var_a, var_b]}]}, **facts)) == (None if kleene_or(a, b) is None else not kleene_or(a, b))
    # Only facts that could still change the value are named.
    value, missing = run({"or": [var_a, var_b]}, **facts)
    if kleene_or(a, b) is None:
        assert missing == frozenset(name for name, state in facts.items() if state is None)
    else:
        assert missing == frozenset()


@pytest.mark.parametrize(("a", "b", "c"), list(itertools.product(STATES, STATES, STATES)))
def test_nested_and_or_follow_kleene(a: bool | None, b: bool | None, c: bool | None) -> None:
    facts = {"pregnant": a, "has_debts": b, "student": c}
    rule = {"and": [{"or": [{"var": "pregnant"}, {"var": "has_debts"}]}, {"!": {"var": "student"}}]}
    expected = kleene_and(kleene_or(a, b), None if c is None else not c)
    assert as_kleene(run(rule, **facts)) == expected


@pytest.mark.parametrize(("condition", "expected"), [(True, "ja"), (False, "nee"), (None, None)])
def test_if_picks_a_known_branch_and_is_unknown_otherwise(condition: bool | None, expected: str | None) -> None:
    rule = {"if": [{"var": "pregnant"}, "ja", "nee"]}
    value, missing = run(rule, pregnant=condition)
    assert (None if missing else value) == expected
    # An unknown condition with the same answer both ways decides nothing.
    assert run({"if": [{"var": "pregnant"}, 1, 1]}, pregnant=None) == (1, frozenset())
    assert run({"?:": [{"var": "pregnant"}, {"var": "age"}, 3]}, pregnant=True, age=None) == (UNKNOWN_VALUE, frozenset({"age"}))
    assert run({"if": [{"var": "pregnant"}, 1, {"var": "has_debts"}, 2, 3]}, pregnant=False, has_debts=True) == (2, frozenset())


def test_an_unknown_fact_in_a_comparison_or_sum_stays_unknown() -> None:
    assert run({"<=": [{"+": [{"var": "net_monthly_income"}, 100]}, 2000]}, net_monthly_income=None)[1] == frozenset({"net_monthly_income"})
    assert run({"<=": [{"+": [{"var": "net_monthly_income"}, 100]}, 2000]}, net_monthly_income=1500) == (True, frozenset())


def condition(rule: dict, condition_id: str = "c") -> Condition:
    facts, parameters = check_rule(rule, [])
    return Condition(condition_id, "?", "ja", "nee", rule, frozenset(facts), frozenset(parameters))


BABY = condition({"or": [{"==": [{"var": "pregnant"}, True]}, {"==": [{"var": "has_child_under_12_months"}, True]}]}, "baby")
INCOME = condition({"<=": [{"var": "net_monthly_income"}, 1500]}, "inkomen")


def facts(**given: Any) -> dict[str, Any]:
    from plugins.handvat3_toegang.eligibility import FACTS

    return {name: given.get(name) for name in FACTS}


def test_the_outcome_asks_only_for_facts_that_could_change_it() -> None:
    pregnant = evaluate([BABY], facts(pregnant=True), {})
    assert pregnant.status == "ELIGIBLE" and pregnant.missing == [] and pregnant.results[0].status == MET
    not_pregnant = evaluate([BABY], facts(pregnant=False), {})
    assert not_pregnant.status == POSSIBLY and not_pregnant.missing == ["children_birth_dates"]
    assert evaluate([BABY], facts(pregnant=False, has_child_under_12_months=False), {}).results[0].status == NOT_MET
    # Not eligible on a known condition: what else is missing cannot change that, so it is not asked.
    too_rich = evaluate([BABY, INCOME], facts(net_monthly_income=4000), {})
    assert too_rich.status == NOT_ELIGIBLE and too_rich.missing == []
    assert [result.status for result in too_rich.results] == [UNKNOWN, NOT_MET]
    assert too_rich.results[0].missing == ("children_birth_dates", "pregnant")  # the condition still says what it needs
    # A rule that cannot be evaluated stays unknown, as before.
    divide = condition({"<": [{"/": [1000, {"var": "net_monthly_income"}]}, 2]})
    assert evaluate([divide], facts(net_monthly_income=0), {}).results[0].status == UNKNOWN
    assert evaluate([condition({"or": [{"var": "pregnant"}, {"<": [{"/": [1, {"var": "net_monthly_income"}]}, 2]}]})], facts(pregnant=None, net_monthly_income=0), {}).results[0].status == UNKNOWN


async def test_a_pregnant_parent_is_not_asked_for_birth_dates(api: Api, toegang: None) -> None:
    profile = {"pregnant": True}  # no children given at all
    data = (await api.gql("utrecht", CHECK, {"p": profile, "d": "2026-03-01"}, user=PRO)).ok()
    status, body = await public(api, "utrecht", PUBLIC_CHECK, {"p": profile, "d": "2026-03-01"})
    assert status == 200 and "errors" not in body, body
    for results in (data["eligibilityCheck"]["nodes"], body["data"]["eligibilityCheck"]["nodes"]):
        by_key = {result["regelingKey"]: result for result in results}
        for key in ("betaald_ouderschapsverlof", "kind_aanmelden_zorgverzekering"):
            assert by_key[key]["outcome"] == "ELIGIBLE", by_key[key]
        babyspullen = by_key["stichting_babyspullen"]
        baby = next(item for item in babyspullen["conditions"] if item["id"] == "baby")
        assert baby["status"] == "MET" and baby["missingFacts"] == []
        assert "CHILDREN_BIRTH_DATES" not in babyspullen["missingFacts"]
        for result in results:
            if result["outcome"] == "NOT_ELIGIBLE":
                assert result["missingFacts"] == []
