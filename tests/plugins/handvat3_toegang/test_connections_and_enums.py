"""Handvat 3's contract: every list at the root (coalition and public) is a Relay connection
(`first`, `after`, `pageInfo`, `totalCount`; a bad cursor is VALIDATION_FAILED), the enums
cover every value the rules and the national seed use, and the mutations answer payloads."""

from __future__ import annotations

from typing import Any

import pytest

from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.eligibility import FACTS, HOUSEHOLD_TYPES
from plugins.handvat3_toegang.graphql.enums import HouseholdFact, HouseholdType, ParameterUnit, RegelingCategory, RegelingLevel
from plugins.handvat3_toegang.profile import ProfileInput
from tests.conftest import Api
from tests.plugins.handvat3_toegang.test_catalogue_and_check import (
    ADMIN,
    CREATE,
    PRO,
    SINGLE_PARENT,
    own_regeling,
    public,
    regelingen,
    toegang,  # noqa: F401 (fixture)
)


def test_the_enums_cover_every_value_of_the_rules_and_the_national_seed() -> None:
    assert {item.value for item in HouseholdType} == set(HOUSEHOLD_TYPES) == set(ProfileInput.model_fields["household_type"].annotation.__args__[0].__args__)
    assert {item.value for item in RegelingCategory} == set(catalogue.CATEGORIES) >= {item["category"] for item in catalogue.national_regelingen()}
    assert {item.value for item in RegelingLevel} == set(catalogue.LEVELS) >= {item["level"] for item in catalogue.national_regelingen()}
    assert {item.value for item in ParameterUnit} == set(catalogue.UNITS) >= {definition.unit for definition in catalogue.national_parameters().values()}
    # Every fact a rule reads and every profile field a check can ask for.
    assert {item.value for item in HouseholdFact} == set(FACTS) | set(ProfileInput.model_fields)


class Caller:
    def __init__(self, api: Api, *, user: str | None = None) -> None:
        self.api, self.user = api, user

    async def __call__(self, query: str, variables: dict | None = None) -> Any:
        if self.user is None:
            status, body = await public(self.api, "utrecht", query, variables)
            return body
        return (await self.api.gql("utrecht", query, variables, user=self.user)).body


async def pages(call: Caller, field: str, arguments: str, selection: str, first: int, variables: dict | None = None) -> tuple[list[dict], int]:
    """Every node, `first` at a time, checking `pageInfo` on the way: (nodes, totalCount)."""
    declarations = "".join(f", ${name}: {kind}" for name, kind in (("p", "HouseholdProfileInput!"),) if variables and name in variables)
    query = f"query($first: Int, $after: String{declarations}) {{ {field}({arguments}first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage endCursor }} nodes {{ {selection} }} }} }}"
    nodes, after = [], None
    while True:
        body = await call(query, {**(variables or {}), "first": first, "after": after})
        assert not body.get("errors"), body
        page = body["data"][field]
        assert len(page["nodes"]) <= first and page["pageInfo"]["hasPreviousPage"] == (after is not None)
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(nodes) == page["totalCount"]
            return nodes, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


async def assert_bad_cursor(call: Caller, field: str, arguments: str = "", variables: dict | None = None, declarations: str = "") -> None:
    for cursor in ("nonsense", "WzEsMl0=", "WyJ4Il0=", "Wy0xXQ=="):  # not base64 JSON, two positions, a string, -1
        query = f"query($after: String{declarations}) {{ {field}({arguments}after: $after) {{ totalCount }} }}"
        body = await call(query, {**(variables or {}), "after": cursor})
        assert [error["extensions"]["code"] for error in body["errors"]] == ["VALIDATION_FAILED"], (field, cursor, body)
        assert body["errors"][0]["extensions"]["field"] == "after" and (body.get("data") or {}).get(field) is None


async def test_the_check_is_a_connection_for_professionals_and_parents(api: Api, toegang: None) -> None:
    variables = {"p": SINGLE_PARENT}
    arguments = 'profile: $p, referenceDate: "2026-03-01", '
    for call in (Caller(api, user=PRO), Caller(api)):
        whole, total = await pages(call, "eligibilityCheck", arguments, "regelingKey outcome", 100, variables)
        paged, _total = await pages(call, "eligibilityCheck", arguments, "regelingKey outcome", 7, variables)
        assert paged == whole and total >= 20
        await assert_bad_cursor(call, "eligibilityCheck", arguments, variables, ", $p: HouseholdProfileInput!")


async def test_the_catalogue_is_a_connection_in_the_gemeentes_order(api: Api, toegang: None) -> None:
    everything = await regelingen(api)
    for call, field in ((Caller(api, user=PRO), "regelingen"), (Caller(api), "regelingen")):
        nodes, total = await pages(call, field, "", "key", 4)
        assert [node["key"] for node in nodes] == [row["key"] for row in everything if not row["hidden"]]
        await assert_bad_cursor(call, field)
    spullen = (await api.gql("utrecht", "{ regelingen(category: SPULLEN) { totalCount nodes { key category level } } }", user=PRO)).ok()["regelingen"]
    assert spullen["totalCount"] == len(spullen["nodes"]) > 0 and {node["category"] for node in spullen["nodes"]} == {"SPULLEN"}
    assert {node["level"] for node in spullen["nodes"]} <= {"LANDELIJK", "GEMEENTE", "PARTNER"}
    status, body = await public(api, "utrecht", "{ regelingen(category: SPULLEN) { totalCount } }")
    assert body["data"]["regelingen"]["totalCount"] == spullen["totalCount"]
    status, body = await public(api, "utrecht", '{ regelingen(category: "spullen") { totalCount } }')
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize(
    ("field", "arguments", "selection", "user"),
    [
        ("runTestVectors", "", "regelingKey expected actual passed", ADMIN),
        ("toegangParameters", 'referenceDate: "2026-03-01", ', "key unit value", ADMIN),
        ("regelingUsage", "", "regelingKey knownByMembers", ADMIN),
        ("toegangSearch", 'query: "toeslag", ', "kind key", PRO),
    ],
)
async def test_computed_lists_are_connections(api: Api, toegang: None, field: str, arguments: str, selection: str, user: str) -> None:
    call = Caller(api, user=user)
    whole, total = await pages(call, field, arguments, selection, 100)
    paged, _total = await pages(call, field, arguments, selection, 3)
    assert paged == whole and total > 3
    await assert_bad_cursor(call, field, arguments)


async def test_the_sociale_kaart_is_a_connection(api: Api, toegang: None) -> None:
    partner = (await api.gql("utrecht", 'mutation { createPartner(input: {name: "Wijkteam", domain: SOCIAAL, type: WIJKTEAM}) { partner { id } } }', user=ADMIN)).ok()
    create = "mutation($s: ServiceInput!) { createService(input: $s) { service { name } } }"
    for name in ("Spreekuur", "Koffieochtend", "Inloop"):
        created = (await api.gql("utrecht", create, {"s": {"partnerId": partner["createPartner"]["partner"]["id"], "name": name}}, user=ADMIN)).ok()
        assert created["createService"]["service"]["name"] == name  # the payload holds the offer
    for call in (Caller(api, user=PRO), Caller(api)):
        nodes, total = await pages(call, "services", "", "name", 2)
        assert [node["name"] for node in nodes] == ["Inloop", "Koffieochtend", "Spreekuur"] and total == 3
        await assert_bad_cursor(call, "services")


async def test_the_mutations_answer_payloads(api: Api, toegang: None) -> None:
    rows = {row["key"]: row for row in await regelingen(api)}
    known = "mutation($id: ID!, $k: Boolean!) { markRegelingKnown(input: {regelingId: $id, known: $k}) { regeling { id key } warnings } }"
    answer = (await api.gql("utrecht", known, {"id": rows["geldfit"]["id"], "k": True}, user=PRO)).ok()["markRegelingKnown"]
    assert answer == {"regeling": {"id": rows["geldfit"]["id"], "key": "geldfit"}, "warnings": []}
    created = (await api.gql("utrecht", CREATE, {"r": own_regeling()}, user=ADMIN)).ok()["createRegeling"]
    assert created["regeling"]["key"] == "utrechtse_babybox"
    unknown_category = await api.gql("utrecht", CREATE, {"r": own_regeling(key="sterren", category="sterrenkunde")}, user=ADMIN)
    assert unknown_category.status == 400 and unknown_category.codes == ["GRAPHQL_VALIDATION_FAILED"] and "RegelingCategory" in unknown_category.errors[0]["message"]
    sync = (await api.gql("utrecht", "mutation { syncNationalCatalogue { changed } }", user=ADMIN)).ok()
    assert sync == {"syncNationalCatalogue": {"changed": 0}}
    parameter = 'mutation { setToegangParameter(input: {key: "minima_inkomensgrens_pct", validFrom: "2026-01-01", value: 125}) { parameter { key unit value setByGemeente } } }'
    assert (await api.gql("utrecht", parameter, user=ADMIN)).ok()["setToegangParameter"]["parameter"] == {
        "key": "minima_inkomensgrens_pct", "unit": "PROCENT", "value": 125.0, "setByGemeente": True,
    }  # fmt: skip
