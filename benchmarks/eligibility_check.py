"""Checking one household against a whole catalogue of 60 regelingen: the platform's check
against evaluating the same rules with the JSON Logic evaluator directly in a loop (the
baseline, measured in the same run). Prints the ratios; the target is at most 1.5x for the
check itself (the catalogue from the database or its revalidated cache, deriving the facts,
evaluating, explaining and sorting), also when every check revalidates the cache, and shows
what the GraphQL layer adds on top. The check evaluates each rule compiled once per
catalogue revision (`compile_rule`: the evaluator's answers, without reading the rule
again); the loop over those compiled rules is shown too, so that what the platform adds
around the evaluation stays visible.

    uv run python benchmarks/eligibility_check.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import json_logic
from sqlalchemy import select

from core.platform import Platform
from core.testing import TEST_SECRET, fresh_database, migrate_platform, settings_for_database, token_for
from gateway.app import create_app
from gateway.logging import configure_logging
from gateway.demo import seed_demo
from plugins.handvat3_toegang.services import check as svc
from plugins.handvat3_toegang.services.rules import conditions_of, parameters_of
from plugins.handvat3_toegang.eligibility import complete_facts
from plugins.handvat3_toegang.models import Regeling

CATALOGUE_SIZE = 60
#: A complete profile, so that every condition is evaluated (with facts missing, the check
#: skips conditions it cannot decide and would be measured on less work than the baseline).
_DUE = (dt.date.today() + dt.timedelta(days=90)).isoformat()
_CHILD = (dt.date.today() - dt.timedelta(days=400)).isoformat()
PROFILE_INPUT = {
    "householdType": "ALLEENSTAANDE_OUDER", "age": 29, "netMonthlyIncome": 1500, "grossYearlyIncome": 21000, "assets": 500,
    "pregnant": True, "dueDate": _DUE, "childrenBirthDates": [_CHILD], "livesInGemeente": True, "rentsHome": True,
    "monthlyRent": 700, "student": False, "selfEmployed": False, "hasDebts": True, "hasHealthInsurance": True,
}  # fmt: skip
PROFILE = {
    "household_type": "alleenstaande_ouder", "age": 29, "net_monthly_income": 1500, "gross_yearly_income": 21000, "assets": 500,
    "pregnant": True, "due_date": dt.date.fromisoformat(_DUE), "children_birth_dates": [dt.date.fromisoformat(_CHILD)],
    "lives_in_gemeente": True, "rents_home": True, "monthly_rent": 700, "student": False, "self_employed": False,
    "has_debts": True, "has_health_insurance": True,
}  # fmt: skip
QUERY = """query($p: HouseholdProfileInput!) { eligibilityCheck(profile: $p) { nodes {
  regelingKey outcome missingFacts conditions { id status explanation } parameters { key value validFrom } } } }"""
#: The same check selecting only the outcomes: shows how much of a request is spent on output fields.
SHORT_QUERY = """query($p: HouseholdProfileInput!) { eligibilityCheck(profile: $p) { nodes { regelingKey outcome missingFacts } } }"""
#: The cheapest authenticated request: the fixed cost of any request (HTTP, token, session, tenant, transaction).
TRIVIAL_QUERY = "{ tenant { name } }"


async def grow_catalogue(platform: Platform, slug: str) -> None:
    """Copies of the national regelingen until the catalogue has CATALOGUE_SIZE entries."""
    async with platform.work_as_system(slug, "benchmark") as work:
        rows = list((await work.session.execute(select(Regeling))).scalars())
        templates = [row for row in rows if row.conditions]
        index = 0
        while len(rows) < CATALOGUE_SIZE:
            template = templates[index % len(templates)]
            copy = Regeling(
                **{column: getattr(template, column) for column in ("name", "summary", "description", "category", "level", "conditions", "test_vectors", "tags")},
                key=f"{template.key}_{index}",
                position=2000 + index,
            )
            work.session.add(copy)
            rows.append(copy)
            index += 1
        await work.commit()


def timed(rounds: int, function: Any) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def timed_async(rounds: int, function: Any) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def measure(backend: str, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        database = await fresh_database(backend, Path(directory))
        settings = settings_for_database(database, log_level="ERROR", secret_key=TEST_SECRET)
        configure_logging(settings)  # the access log would cost as much as it measures
        platform = Platform.create(settings)
        try:
            await migrate_platform(platform)
            await platform.start()
            await seed_demo(platform)
            await grow_catalogue(platform, "utrecht")
            today = dt.date.today()
            async with platform.work_as_system("utrecht", "benchmark") as work:
                rows = list((await work.session.execute(select(Regeling).where(Regeling.hidden.is_(False)))).scalars())
                parameters = await parameters_of(work)
                conditions = [conditions_of(row) for row in rows]
                facts = complete_facts(PROFILE, today, lambda key, on: parameters.on(key, on).value)
                data = dict(facts)
                data["param"] = {key: parameters.on(key, today).value for key in {p for cs in conditions for c in cs for p in c.parameters}}
                rules = [condition.rule for each in conditions for condition in each]

                def evaluator_loop() -> None:
                    for rule in rules:
                        json_logic.jsonLogic(rule, data)

                baseline = timed(rounds, evaluator_loop)
                evaluators = [condition.evaluator for each in conditions for condition in each]

                def compiled_loop() -> None:
                    for evaluator in evaluators:
                        evaluator(data)

                compiled = timed(rounds, compiled_loop)

                async def service_check() -> None:
                    await svc.check(work, PROFILE, today, public=False)

                service = await timed_async(rounds, service_check)  # checks within a second reuse the revalidated catalogue
                window, svc.catalogue_cache.revalidate_after = svc.catalogue_cache.revalidate_after, 0.0
                try:
                    revalidating = await timed_async(rounds, service_check)  # the worst case: one statement per check
                finally:
                    svc.catalogue_cache.revalidate_after = window
            token = await token_for(platform, "utrecht", "verloskundige@utrecht.example")
            claims = await platform.identity.tokens.verify_access_token(token)
            async with platform.request_context("utrecht", claims) as context:

                def executed(query: str) -> Any:
                    async def execute() -> None:
                        result = await platform.schema.execute(query, variable_values={"p": PROFILE_INPUT}, context_value=context)
                        assert not result.errors and len(result.data["eligibilityCheck"]["nodes"]) == CATALOGUE_SIZE, result.errors

                    return execute

                execution_short = await timed_async(rounds, executed(SHORT_QUERY))
                execution = await timed_async(rounds, executed(QUERY))
            app = create_app(platform=platform)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

                def graphql_check(query: str) -> Any:
                    async def request() -> None:
                        variables = {} if query == TRIVIAL_QUERY else {"p": PROFILE_INPUT}
                        response = await client.post("/t/utrecht/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"})
                        data = response.json().get("data") or {}
                        assert response.status_code == 200 and (query == TRIVIAL_QUERY or len(data["eligibilityCheck"]["nodes"]) == CATALOGUE_SIZE), response.text

                    return request

                trivial = await timed_async(max(rounds // 4, 20), graphql_check(TRIVIAL_QUERY))

                graphql = await timed_async(max(rounds // 4, 20), graphql_check(QUERY))
                short = await timed_async(max(rounds // 4, 20), graphql_check(SHORT_QUERY))
            return {"rules": len(rules), "evaluator": baseline, "compiled": compiled, "check": service, "revalidating": revalidating, "execution_short": execution_short, "execution": execution, "graphql": graphql, "short": short, "trivial": trivial}
        finally:
            await platform.dispose()
            await database.drop()


async def main(rounds: int) -> None:
    for backend in ("sqlite", "postgresql"):
        try:
            result = await measure(backend, rounds)
        except OSError as exc:  # PostgreSQL not reachable
            print(f"{backend}: skipped ({exc})")
            continue
        print(f"\n{backend}: {CATALOGUE_SIZE} regelingen, {result['rules']} rules (medians)")
        print(f"  evaluator loop      {result['evaluator'] * 1000:7.2f} ms   1.00x (baseline)")
        print(f"  compiled rules      {result['compiled'] * 1000:7.2f} ms   {result['compiled'] / result['evaluator']:.2f}x   (the same rules as the check evaluates them: compiled once per catalogue revision)")
        print(f"  platform check      {result['check'] * 1000:7.2f} ms   {result['check'] / result['evaluator']:.2f}x   target <= 1.5x (catalogue revalidated < 1 s ago)")
        print(f"    revalidating      {result['revalidating'] * 1000:7.2f} ms   {result['revalidating'] / result['evaluator']:.2f}x   target <= 1.5x (every check reads the revision: 1 statement)")
        print(f"  strawberry, outcomes{result['execution_short'] * 1000:7.2f} ms   {result['execution_short'] / result['evaluator']:.2f}x   (the check executed by the GraphQL library alone: no HTTP, token or database)")
        print(f"  strawberry, explained{result['execution'] * 1000:6.2f} ms   {result['execution'] / result['evaluator']:.2f}x   (the same with conditions and parameters)")
        print(f"  GraphQL, trivial    {result['trivial'] * 1000:7.2f} ms   {result['trivial'] / result['evaluator']:.2f}x   (any request's fixed cost: {{ tenant {{ name }} }})")
        print(f"  GraphQL, outcomes   {result['short'] * 1000:7.2f} ms   {result['short'] / result['evaluator']:.2f}x   (HTTP, token, tenant, 60 x 3 fields)")
        print(f"  GraphQL, explained  {result['graphql'] * 1000:7.2f} ms   {result['graphql'] / result['evaluator']:.2f}x   (with conditions and parameters: ~1000 fields)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    asyncio.run(main(parser.parse_args().rounds))
