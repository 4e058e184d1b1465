"""Handvat 3: rules compiled once give what the JSON Logic evaluator gives, a check answers
as evaluating every regeling with the evaluator did (outcomes, explanations, parameters,
order), and the revalidation of the cached catalogue reads the gemeente's own revision."""

from __future__ import annotations

import copy
import datetime as dt
import random
import uuid
from typing import Any

import json_logic
import pytest
from sqlalchemy import select, update

from core.platform import Platform
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.eligibility import FACTS, OPERATORS, Condition, Household, compile_rule, complete_facts, evaluate, relevance
from plugins.handvat3_toegang.models import CatalogueRevision, ParameterOverride, Regeling, RuleVersion
from plugins.handvat3_toegang.profile import ProfileInput
from plugins.handvat3_toegang.services import check as check_service
from tests.plugins.handvat3_toegang.test_catalogue_and_check import toegang  # noqa: F401 (fixture)

# -- compiled rules and the evaluator ------------------------------------------------------------

VAR_NAMES = (
    "age", "pregnant", "household_type", "net_monthly_income", "assets", "student", "children_count",
    "param.limit", "param.zero", "param.absent", "nothing", "age.x", "kids.0", "kids.5", "param", "",
)  # fmt: skip
LITERALS = (None, True, False, 0, 1, -1, 2.5, 0.0, 18, 1500, "", "0", "1.5", "paar", "abc", "True", "true", [], [1, 2], ["paar", "alleenstaand"])
#: Forms a checked rule cannot have: the compiled rule leaves them to the evaluator.
ODD = (
    {"var": [{"var": "household_type"}]}, {"var": []}, {"var": ["age", 1, 2]}, {"var": 0}, {"missing": ["age", "assets"]},
    {"missing_some": [1, ["age", "assets"]]}, {"nope": [1]}, {"==": [1, 1], "!=": [1, 2]}, {"_comment": "x", "==": [1, 1]},
    {"log": [{"var": "age"}]}, {"merge": [[1], {"var": "kids"}]}, {"count": [{"var": "age"}, None]}, {"var": ["kids.0", [7]]},
)  # fmt: skip


def random_rule(rng: random.Random, depth: int) -> Any:
    if depth == 0 or rng.random() < 0.25:
        pick = rng.random()
        if pick < 0.5:
            name = rng.choice(VAR_NAMES)
            form = rng.randrange(3)
            return {"var": name} if form == 0 else {"var": [name]} if form == 1 else {"var": [name, copy.deepcopy(rng.choice(LITERALS))]}
        if pick < 0.55:
            return copy.deepcopy(rng.choice(ODD))
        return copy.deepcopy(rng.choice(LITERALS))
    operator = rng.choice(sorted(OPERATORS - {"var"}))
    operands = [random_rule(rng, depth - 1) for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5)))]
    if len(operands) == 1 and rng.random() < 0.5:
        return {operator: operands[0]}  # the shorthand for one operand
    if rng.random() < 0.05:
        return operands  # a list of rules
    return {operator: operands}


def random_data(rng: random.Random) -> dict[str, Any]:
    values = (None, None, True, False, 0, 1, 17, 18, 29, 1500.0, 0.0, 2.5, "", "paar", "alleenstaand", "1.5", [], [3])
    data = {name: rng.choice(values) for name in VAR_NAMES if name and "." not in name and name != "param" and rng.random() < 0.9}
    data["param"] = {"limit": rng.choice((0, 120.0, 1500, None)), "zero": 0}
    if rng.random() < 0.8:
        data["kids"] = rng.choice(([], [4, 8], [None], "ab"))
    return data


def answer(function: Any) -> tuple[str, Any]:
    try:
        return "value", function()
    except Exception as error:  # a rule that fails must fail compiled too (the check then says unknown)
        return "raised", type(error)


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types (True is not 1, 1 is not 1.0), lists element by element."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def assert_same_answers(rule: Any, data: dict[str, Any]) -> None:
    expected = answer(lambda: json_logic.jsonLogic(rule, data))
    actual = answer(lambda: compile_rule(rule)(data))
    assert actual[0] == expected[0] and same(actual[1], expected[1]), (rule, data, expected, actual)


@pytest.mark.parametrize("seed", range(8))
def test_a_compiled_rule_gives_what_the_evaluator_gives(seed: int) -> None:
    rng = random.Random(seed)
    datas = [random_data(rng) for _ in range(6)]
    for _ in range(600):
        rule = random_rule(rng, rng.randrange(1, 5))
        compiled = compile_rule(rule)
        for data in datas:
            expected = answer(lambda: json_logic.jsonLogic(rule, data))
            actual = answer(lambda: compiled(data))  # one compiled rule, evaluated for many households
            assert actual[0] == expected[0] and same(actual[1], expected[1]), (rule, data, expected, actual)


def test_every_national_rule_compiled_gives_what_the_evaluator_gives() -> None:
    rules = [condition["rule"] for regeling in catalogue.national_regelingen() for condition in regeling.get("conditions", [])]
    parameters = {key: definition.versions[-1].value for key, definition in catalogue.national_parameters().items()}
    rng = random.Random(1)
    values = {
        "household_type": (None, "alleenstaand", "alleenstaande_ouder", "paar"), "age": (None, 17, 18, 21, 29, 67),
        "youngest_child_months": (None, 0, 11, 12, 47, 48, 155, 156), "children_count": (None, 0, 1, 2),
    }  # fmt: skip
    for _ in range(200):
        data: dict[str, Any] = {name: rng.choice(values.get(name, (None, True, False, 0, 500, 1500.0, 21000, 99.5, 120))) for name in FACTS}
        data["param"] = dict(parameters)
        for rule in rules:
            assert_same_answers(rule, data)


def test_a_condition_compiles_its_rule_once_and_copies_compare_as_before() -> None:
    rule = {"<=": [{"var": "net_monthly_income"}, 1500]}
    condition = Condition("inkomen", "?", "ja", "nee", rule, frozenset({"net_monthly_income"}), frozenset())
    assert condition.evaluator({"net_monthly_income": 1400}) is True and condition.evaluator({"net_monthly_income": None}) is None
    assert condition == Condition("inkomen", "?", "ja", "nee", rule, frozenset({"net_monthly_income"}), frozenset())
    assert "evaluator" not in repr(condition)


# -- the check and the evaluator ---------------------------------------------------------------------


def with_the_evaluator(condition: Condition) -> Condition:
    """The condition evaluated by `json_logic.jsonLogic` itself, as before rules were compiled."""
    plain = copy.copy(condition)
    object.__setattr__(plain, "evaluator", lambda data, rule=condition.rule: json_logic.jsonLogic(rule, data))
    return plain


async def check_as_before(work: Any, profile: dict[str, Any], day: dt.date, public: bool) -> list[tuple[Any, ...]]:
    """The check as it was: every regeling evaluated on its own with the evaluator, the
    parameter values looked up per regeling, sorted by `relevance`."""
    snapshot = await check_service.catalogue_cache.snapshot(work)
    on_day = snapshot.parameters.on_day(day)
    facts = complete_facts(ProfileInput.model_validate(profile).facts_for(day), day, lambda key, _on: on_day.get(key).value)
    household = Household(facts)
    ranked = []
    for entry in snapshot.entries:
        if (public and not entry.published) or not entry.current_on(day):
            continue
        rules = entry.rules_on(day)
        outcome = evaluate([with_the_evaluator(condition) for condition in rules.conditions], household, on_day.subset(rules.parameters_for(facts)))
        ranked.append((relevance(outcome, *entry.order), check_service.CheckResult(entry.regeling, outcome)))
    ranked.sort(key=lambda pair: pair[0])
    return [described(result) for _, result in ranked]


def described(result: check_service.CheckResult) -> tuple[Any, ...]:
    outcome = result.outcome
    return (
        result.regeling.key, outcome.status, list(outcome.missing),
        [(item.condition.id, item.status, item.missing, item.text) for item in outcome.results],
        [(value.key, value.value, value.valid_from, value.legal_basis_url, value.overridden, value.possibly_outdated) for value in outcome.parameters],
    )  # fmt: skip


def random_profile(rng: random.Random, day: dt.date) -> dict[str, Any]:
    def maybe(value: Any) -> Any:
        return value if rng.random() < 0.7 else None

    household = maybe(rng.choice(("alleenstaand", "alleenstaande_ouder", "paar")))
    children = maybe([day - dt.timedelta(days=rng.randrange(0, 6000)) for _ in range(rng.randrange(0, 3))])
    if household == "alleenstaande_ouder" and not children:
        children = [day - dt.timedelta(days=200)]
    pregnant = maybe(rng.random() < 0.3)
    profile = {
        "household_type": household, "age": maybe(rng.randrange(16, 70)), "net_monthly_income": maybe(rng.choice((0, 900, 1400.5, 1750, 2600, 5000))),
        "gross_yearly_income": maybe(rng.choice((0, 18000, 30000, 45000))), "assets": maybe(rng.choice((0, 500, 20000, 80000))),
        "pregnant": pregnant, "due_date": day + dt.timedelta(days=90) if pregnant and rng.random() < 0.5 else None,
        "children_birth_dates": children, "lives_in_gemeente": maybe(rng.random() < 0.8), "rents_home": maybe(rng.random() < 0.6),
        "monthly_rent": maybe(rng.choice((400, 700, 1100))), "student": maybe(rng.random() < 0.2), "self_employed": maybe(rng.random() < 0.2),
        "has_debts": maybe(rng.random() < 0.3), "has_health_insurance": maybe(rng.random() < 0.9),
    }  # fmt: skip
    return {name: value for name, value in profile.items() if value is not None}


@pytest.mark.usefixtures("toegang")
async def test_a_check_answers_as_evaluating_every_regeling_with_the_evaluator(platform: Platform) -> None:
    """Outcomes, explanations, missing facts, parameters and order as before, for many
    households, days, the public and the professional's check; with unpublished and
    expired regelingen, earlier conditions and a gemeente's own limit from a date on."""
    async with platform.work_as_system("utrecht", "test") as work:
        rows = list((await work.session.execute(select(Regeling).order_by(Regeling.position))).scalars())
        with_rules = [row for row in rows if row.conditions]
        for row in rows[:3]:
            row.published = False
        for row in rows[3:5]:
            row.valid_to = dt.date(2026, 6, 30)
        earlier = [{**condition, "rule": {"<=": [{"var": "net_monthly_income"}, 2000]}} for condition in with_rules[0].conditions]
        work.session.add(RuleVersion(regeling_id=with_rules[0].id, conditions=earlier, applied_until=dt.date(2026, 3, 1), replaced_by="test"))
        work.session.add(ParameterOverride(key="minima_inkomensgrens_pct", valid_from=dt.date(2026, 7, 1), value=130, set_by="test"))
        await check_service.touch_catalogue(work.session, work.tenant.id)
        await work.commit()
    rng = random.Random(7)
    days = (dt.date(2026, 1, 1), dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 1), max(dt.date.today(), dt.date(2026, 1, 1)))
    async with platform.work_as_system("utrecht", "test") as work:
        for _ in range(60):
            day, public = rng.choice(days), rng.random() < 0.4
            profile = random_profile(rng, day)
            checked = [described(result) for result in await check_service.check(work, profile, day, public=public)]
            assert checked == await check_as_before(work, profile, day, public), profile


# -- revalidating the cached catalogue -----------------------------------------------------------------


@pytest.mark.usefixtures("toegang")
async def test_revalidating_reads_the_gemeentes_own_revision(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_service.catalogue_cache, "revalidate_after", 0.0)  # every check revalidates
    tokens = {}
    for slug in ("utrecht", "s-hertogenbosch"):
        async with platform.work_as_system(slug, "test") as work:
            tokens[slug] = (await work.session.execute(select(CatalogueRevision.token))).scalar_one()
            assert await check_service._revision_token(work) == tokens[slug]
    assert tokens["utrecht"] != tokens["s-hertogenbosch"]
    loads = []
    load = check_service._load_snapshot

    async def counted(work: Any, token: Any) -> Any:
        loads.append(work.tenant.slug)
        return await load(work, token)

    monkeypatch.setattr(check_service, "_load_snapshot", counted)

    async def check_utrecht() -> None:
        async with platform.work_as_system("utrecht", "test") as work:
            await check_service.check(work, {"household_type": "paar"}, dt.date(2026, 3, 1), public=False)

    await check_utrecht()
    await check_utrecht()
    loads_before = len(loads)
    # Another process changes the other gemeente's catalogue: Utrecht's cached one stays.
    async with platform.work_as_system("s-hertogenbosch", "other-process") as work:
        await work.session.execute(update(CatalogueRevision).values(token=uuid.uuid4()))
        await work.commit()
    await check_utrecht()
    assert len(loads) == loads_before
    # ... and Utrecht's: reloaded.
    async with platform.work_as_system("utrecht", "other-process") as work:
        await work.session.execute(update(CatalogueRevision).values(token=uuid.uuid4()))
        await work.commit()
    await check_utrecht()
    assert loads[loads_before:] == ["utrecht"]
