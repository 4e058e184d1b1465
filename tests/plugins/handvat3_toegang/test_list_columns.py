"""Lists of regelingen load only the columns the query selects: a list without conditions
or test vectors does not read those (large JSON) columns, one that asks for them answers
them; fragments count, a selection that cannot be read loads every column. Rows loaded
narrowly and fully in one session agree, and the statements stay constant in the page size."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from graphql import build_schema
from sqlalchemy import select, update

from core.platform import Platform
from core.testing import count_statements, make_partner
from plugins.handvat3_toegang.graphql.types import REGELING_COLUMNS
from plugins.handvat3_toegang.models import Regeling
from plugins.handvat3_toegang.services import catalogue as catalogue_service
from tests.conftest import Api
from tests.plugins.handvat3_toegang.test_catalogue_and_check import (
    ADMIN,
    PRO,
    SINGLE_PARENT,
    toegang,  # noqa: F401 (fixture)
)

LARGE = ("conditions", "test_vectors")
SMALL_LIST = "{ regelingen(first: 100) { totalCount edges { cursor node { id key name summary category level howToApply { steps url } providerName tags } } } }"
FULL_NODE = """id key name summary description category level providerName providerPartnerId howToApply { steps url phone documents }
  costs validFrom validTo tags sourceUrl contentCheckedOn published hidden position nationalKey adapted readability
  conditions { id question met notMet rule facts } testVectors { name referenceDate household expected }"""
FULL_LIST = f"{{ regelingen(first: 100, includeHidden: true) {{ totalCount nodes {{ {FULL_NODE} }} }} }}"


def selected_columns(statements: list[str]) -> list[set[str]]:
    """The columns of `toegang_regelingen` each statement that loads regelingen selects
    (the count of a page is left out: it selects no row)."""
    found = []
    for statement in statements:
        head = re.split(r"\sFROM\s", statement, maxsplit=1)[0]
        if "toegang_regelingen." in head and not head.lstrip().upper().startswith("SELECT COUNT"):
            found.append(set(re.findall(r'toegang_regelingen\."?(\w+)', head)))
    return found


async def asked(api: Api, platform: Platform, query: str, variables: dict | None = None, user: str = PRO) -> tuple[Any, list[set[str]]]:
    await api.token("utrecht", user)  # the login is not part of the request
    with count_statements(platform) as statements:
        data = (await api.gql("utrecht", query, variables, user=user)).ok()
    return data, selected_columns(statements)


async def asked_publicly(app: Any, platform: Platform, query: str, variables: dict | None = None) -> tuple[Any, list[set[str]]]:
    # From an address of its own: the public endpoint is rate-limited per address, and the
    # other tests' requests must not count against these (nor these against theirs).
    transport = httpx.ASGITransport(app=app, client=("192.0.2.36", 40036))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        with count_statements(platform) as statements:
            response = await client.post("/t/utrecht/public/graphql", json={"query": query, "variables": variables or {}})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"], selected_columns(statements)


async def rows_by_id(platform: Platform) -> dict[str, Regeling]:
    async with platform.work_as_system("utrecht", "test") as work:
        return {str(row.id): row for row in (await work.session.execute(select(Regeling))).scalars()}


def test_every_field_of_a_regeling_says_which_columns_it_reads(platform: Platform) -> None:
    schema = build_schema(platform.schema.as_str())
    public_schema = build_schema(platform.public_schema.as_str())
    fields = set(schema.type_map["Regeling"].fields) | set(public_schema.type_map["PublicRegeling"].fields)  # type: ignore[attr-defined]
    assert fields <= REGELING_COLUMNS.keys()


@pytest.mark.usefixtures("toegang")
async def test_a_list_without_conditions_or_test_vectors_does_not_select_them(api: Api, platform: Platform) -> None:
    data, loads = await asked(api, platform, SMALL_LIST)
    assert data["regelingen"]["totalCount"] == len(data["regelingen"]["edges"]) >= 20
    assert len(loads) == 1
    assert not loads[0] & {*LARGE, "description", "updated_by", "created_at"}, loads[0]
    assert {"key", "summary", "apply_steps", "apply_url", "provider_partner_id", "provider_name", "tags"} <= loads[0]
    # The answer is the rows' content.
    rows = await rows_by_id(platform)
    for edge in data["regelingen"]["edges"]:
        row = rows[edge["node"]["id"]]
        assert (edge["node"]["key"], edge["node"]["summary"], edge["node"]["howToApply"]["steps"]) == (row.key, row.summary, row.apply_steps)


@pytest.mark.usefixtures("toegang")
async def test_a_list_that_asks_for_them_answers_conditions_and_test_vectors(api: Api, platform: Platform) -> None:
    data, loads = await asked(api, platform, FULL_LIST)
    assert len(loads) == 1 and set(LARGE) <= loads[0]
    rows = await rows_by_id(platform)
    nodes = data["regelingen"]["nodes"]
    assert any(node["conditions"] for node in nodes) and any(node["testVectors"] for node in nodes)
    for node in nodes:
        row = rows[node["id"]]
        assert [(c["id"], c["question"], c["met"], c["notMet"], c["rule"]) for c in node["conditions"]] == [
            (c["id"], c["question"], c["met"], c.get("not_met") or c.get("notMet", ""), c["rule"]) for c in row.conditions
        ]
        assert [(v["name"], v["household"], v["expected"]) for v in node["testVectors"]] == [(v["name"], v["household"], v["expected"]) for v in row.test_vectors]
        assert node["description"] == row.description and node["readability"] == catalogue_service.readability(row.summary)
    # The same selection, one regeling at a time, answers the same (and loads the same columns).
    single = f"query($id: ID!) {{ regeling(id: $id) {{ {FULL_NODE} }} }}"
    for node in nodes[:3]:
        one, loads = await asked(api, platform, single, {"id": node["id"]})
        assert one["regeling"] == node and set(LARGE) <= loads[0]


@pytest.mark.usefixtures("toegang")
async def test_one_regeling_loads_what_its_query_selects(api: Api, platform: Platform) -> None:
    some = (await api.gql("utrecht", "{ regelingen(first: 1) { nodes { id } } }", user=PRO)).ok()["regelingen"]["nodes"][0]["id"]
    one, loads = await asked(api, platform, "query($id: ID!) { regeling(id: $id) { key name howToApply { url } } }", {"id": some})
    assert one["regeling"]["key"] and loads == [loads[0]] and not loads[0] & {*LARGE, "summary", "description"}
    one, loads = await asked(api, platform, "query($id: ID!) { regeling(id: $id) { key testVectors { name } } }", {"id": some})
    assert "test_vectors" in loads[0] and "conditions" not in loads[0]
    assert [vector["name"] for vector in one["regeling"]["testVectors"]] == [vector["name"] for vector in (await rows_by_id(platform))[some].test_vectors]


@pytest.mark.usefixtures("toegang")
async def test_fragments_count_and_an_unreadable_selection_loads_everything(api: Api, platform: Platform) -> None:
    with_fragment = "{ regelingen { edges { node { ...R } } } } fragment R on Regeling { key conditions { id } }"
    data, loads = await asked(api, platform, with_fragment)
    assert "conditions" in loads[0] and "test_vectors" not in loads[0]
    assert any(edge["node"]["conditions"] for edge in data["regelingen"]["edges"])
    inline = "{ regelingen { nodes { key ... on Regeling { testVectors { name } } } } }"
    data, loads = await asked(api, platform, inline)
    assert "test_vectors" in loads[0] and any(node["testVectors"] for node in data["regelingen"]["nodes"])
    # An inline fragment without a type condition: the selection is not read, every column is loaded.
    untyped = "{ regelingen { nodes { key ... @include(if: true) { conditions { id } testVectors { name } } } } }"
    data, loads = await asked(api, platform, untyped)
    assert set(LARGE) <= loads[0] and any(node["conditions"] and node["testVectors"] for node in data["regelingen"]["nodes"])


@pytest.mark.usefixtures("toegang")
async def test_public_lists_load_the_conditions_only_for_the_questions(app: Any, platform: Platform) -> None:
    small = "{ regelingen(first: 100) { totalCount nodes { key name summary category howToApply { steps } providerName } } }"
    data, loads = await asked_publicly(app, platform, small)
    assert data["regelingen"]["totalCount"] >= 20 and len(loads) == 1 and not loads[0] & {*LARGE, "description"}
    data, loads = await asked_publicly(app, platform, "{ regelingen(first: 100) { nodes { key questions } } }")
    assert "conditions" in loads[0] and "test_vectors" not in loads[0]
    rows = {row.key: row for row in (await rows_by_id(platform)).values()}
    for node in data["regelingen"]["nodes"]:
        assert node["questions"] == [condition["question"] for condition in rows[node["key"]].conditions]
    key = next(node["key"] for node in data["regelingen"]["nodes"] if node["questions"])
    one, loads = await asked_publicly(app, platform, "query($k: String!) { regeling(key: $k) { name howToApply { url } } }", {"k": key})
    assert one["regeling"]["name"] == rows[key].name and not loads[0] & set(LARGE)
    one, loads = await asked_publicly(app, platform, "query($k: String!) { regeling(key: $k) { questions } }", {"k": key})
    assert one["regeling"]["questions"] == [condition["question"] for condition in rows[key].conditions]


@pytest.mark.usefixtures("toegang")
async def test_narrow_and_full_rows_in_one_session_agree(api: Api, platform: Platform) -> None:
    # Service level, in this order: a narrow page first, then every row in full. The narrow
    # page is read as result rows of its columns (the primary key and the order's among
    # them), not as entities: nothing half-loaded stays in the session for a later read.
    async with platform.work_as_system("utrecht", "test") as work:

        async def keep(rows: list[Regeling]) -> list[Regeling]:
            return rows

        page = await catalogue_service.regelingen_page(
            work, category=None, include_hidden=True, first=100, after=None, to_nodes=keep, columns=[Regeling.key]
        )
        narrow = [edge.node for edge in page.edges]
        assert narrow and all(row._fields == ("tenant_id", "id", "position", "name", "key") for row in narrow)
        assert not any(isinstance(row, Regeling) for row in narrow) and not list(work.session)
        full = {row.id: row for row in (await work.session.execute(select(Regeling))).scalars()}
        assert [(row.id, row.key, row.name) for row in narrow] == [(full[row.id].id, full[row.id].key, full[row.id].name) for row in narrow]
        assert any(row.conditions for row in full.values()) and any(row.test_vectors for row in full.values())
    # One document: a narrow list beside what reads the rows in full (a check, one regeling).
    listed = (await api.gql("utrecht", "{ regelingen { nodes { id } } }", user=PRO)).ok()["regelingen"]["nodes"]
    check = """query($p: HouseholdProfileInput!) { eligibilityCheck(profile: $p, referenceDate: "2026-03-01") { nodes { regelingKey outcome } } }"""
    alone = (await api.gql("utrecht", check, {"p": SINGLE_PARENT}, user=PRO)).ok()
    one = f"regeling(id: \"{listed[0]['id']}\") {{ key conditions {{ id }} testVectors {{ name }} }}"
    together = (
        await api.gql(
            "utrecht",
            check.replace("{ eligibilityCheck", f"{{ regelingen {{ nodes {{ key name }} }} {one} eligibilityCheck"),
            {"p": SINGLE_PARENT},
            user=PRO,
        )
    ).ok()
    assert together["eligibilityCheck"] == alone["eligibilityCheck"]
    assert together["regeling"]["testVectors"] == (await api.gql("utrecht", f"{{ {one} }}", user=PRO)).ok()["regeling"]["testVectors"]


@pytest.mark.usefixtures("toegang")
async def test_provider_names_are_read_once_per_page(api: Api, platform: Platform) -> None:
    partners = [await make_partner(platform, "utrecht", f"Aanbieder {index}") for index in range(3)]
    expected = {}
    async with platform.work_as_system("utrecht", "test") as work:
        for index, row in enumerate((await rows_by_id(platform)).values()):
            # Three of every four offered by a partner of the coalition, the fourth as entered.
            partner = partners[index % 4] if index % 4 < 3 else None
            await work.session.execute(update(Regeling).where(Regeling.id == row.id).values(provider_partner_id=partner.id if partner else None))
            expected[row.key] = partner.name if partner else row.provider_name
        await work.commit()
    query = "query($first: Int) { regelingen(first: $first) { nodes { key providerName } } }"
    counts = {}
    for first in (3, 20):
        await api.token("utrecht", PRO)
        with count_statements(platform) as statements:
            nodes = (await api.gql("utrecht", query, {"first": first}, user=PRO)).ok()["regelingen"]["nodes"]
        counts[first] = len(statements)
        assert len(nodes) == first and {node["key"]: node["providerName"] for node in nodes} == {node["key"]: expected[node["key"]] for node in nodes}
    assert counts[3] == counts[20]


@pytest.mark.usefixtures("toegang")
async def test_a_mutations_regeling_is_answered_in_full(api: Api, platform: Platform) -> None:
    listed = (await api.gql("utrecht", "{ regelingen(first: 1) { nodes { id } } }", user=PRO)).ok()["regelingen"]["nodes"][0]["id"]
    hide = f"mutation {{ setRegelingVisibility(input: {{id: \"{listed}\", hidden: true}}) {{ regeling {{ {FULL_NODE} }} }} }}"
    answered = (await api.gql("utrecht", hide, user=ADMIN)).ok()["setRegelingVisibility"]["regeling"]
    assert answered["hidden"] is True
    queried = (await api.gql("utrecht", f"query($id: ID!) {{ regeling(id: $id) {{ {FULL_NODE} }} }}", {"id": listed}, user=PRO)).ok()["regeling"]
    assert answered == queried
