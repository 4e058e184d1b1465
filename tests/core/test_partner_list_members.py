"""The partner list reads its partners' members with the page (one statement, whatever the
page size) when the query asks for them and may see them: `members` and a member's
`partner` answer without a read of their own, the permission of each field is checked as
before, and a partner answered elsewhere (a member's partner's members) still reads its own."""

from __future__ import annotations

from core.platform import Platform
from core.testing import add_member, count_statements
from tests.conftest import Api, World
from tests.core.test_query_count import seed_partners

ADMIN = World.email("coalition_admin", "utrecht")
ANALYST = World.email("analyst", "utrecht")  # reads partners, not members


async def statements_of(api: Api, platform: Platform, query: str, variables: dict, user: str = ADMIN) -> tuple[dict, list[str]]:
    await api.token("utrecht", user)
    await platform.identity.keys.refresh(force=True)
    with count_statements(platform) as statements:
        response = await api.gql("utrecht", query, variables, user=user)
    return response.body, statements


async def test_members_through_fragments_and_nodes_take_constant_statements(api: Api, world: World, platform: Platform) -> None:
    await seed_partners(api, platform, 12)
    query = """query($first: Int!) { partners(first: $first) { nodes { ...P } } }
      fragment P on Partner { name members { displayName partner { name } } }"""
    counts = []
    for first in (3, 12):
        body, statements = await statements_of(api, platform, query, {"first": first})
        assert not body.get("errors"), body
        nodes = body["data"]["partners"]["nodes"]
        assert len(nodes) == first and all(len(node["members"]) == 2 for node in nodes)
        assert all(member["partner"]["name"] == node["name"] for node in nodes for member in node["members"])
        counts.append(len(statements))
        # The members in one statement, and none for their partner: it is the one they were read through.
        assert sum("FROM memberships" in statement and "partner_id IN" in statement for statement in statements) == 1
        assert not any("FROM partners" in statement and "partners.id IN" in statement for statement in statements)
    assert counts[0] == counts[1]


async def test_a_members_partner_still_answers_its_own_members(api: Api, world: World, platform: Platform) -> None:
    await seed_partners(api, platform, 3)
    partners = (await api.gql("utrecht", "{ partners { nodes { id name } } }", user=ADMIN)).ok()["partners"]["nodes"]
    await add_member(platform, "utrecht", "extra@partner.example", ["professional"], partner_id=partners[0]["id"], name="Extra")
    query = "{ partners { nodes { id name members { email partner { id members { email } } } } } }"
    nodes = (await api.gql("utrecht", query, user=ADMIN)).ok()["partners"]["nodes"]
    for node in nodes:
        emails = [member["email"] for member in node["members"]]
        assert all(member["partner"]["id"] == node["id"] and [m["email"] for m in member["partner"]["members"]] == emails for member in node["members"])
    assert "extra@partner.example" in [member["email"] for member in nodes[0]["members"]]
    # One partner, not a list: its members read by the field itself, the same.
    one = (await api.gql("utrecht", "query($id: ID!) { partner(id: $id) { members { email } } }", {"id": nodes[0]["id"]}, user=ADMIN)).ok()
    assert one["partner"]["members"] == [{"email": member["email"]} for member in nodes[0]["members"]]


async def test_who_may_not_see_members_gets_each_refused_and_nothing_is_read(api: Api, world: World, platform: Platform) -> None:
    await seed_partners(api, platform, 3)
    body, statements = await statements_of(api, platform, "{ partners { nodes { name members { displayName } } } }", {}, user=ANALYST)
    nodes = body["data"]["partners"]["nodes"]
    assert [node["members"] for node in nodes] == [None] * 3 and all(node["name"] for node in nodes)
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"] * 3
    assert sorted(error["path"] for error in body["errors"]) == [["partners", "nodes", index, "members"] for index in range(3)]
    assert not any("FROM memberships" in statement and "partner_id IN" in statement for statement in statements)


async def test_a_partners_members_answer_every_field_as_the_member_list_does(api: Api, world: World, platform: Platform) -> None:
    """A partner's members are nodes over the rows read with the page (each field made when
    asked); the member list's nodes are made from the entities: the same answers."""
    await seed_partners(api, platform, 2)
    fields = "id email displayName jobTitle roles active createdAt partner { id name }"
    partners = (await api.gql("utrecht", f"{{ partners {{ nodes {{ id members {{ {fields} }} }} }} }}", user=ADMIN)).ok()["partners"]["nodes"]
    listed = (await api.gql("utrecht", f"{{ members(first: 100) {{ nodes {{ {fields} }} }} }}", user=ADMIN)).ok()["members"]["nodes"]
    by_id = {member["id"]: member for member in listed}
    through_partners = [member for partner in partners for member in partner["members"]]
    assert len(through_partners) >= 4
    assert all(member == by_id[member["id"]] for member in through_partners)
    assert all(member["roles"] and member["createdAt"] for member in through_partners)


PARTNER_FIELDS = "id name domain type contactName email phone website active createdAt updatedAt"


async def test_a_page_reads_only_the_columns_its_query_asks_for(api: Api, world: World, platform: Platform) -> None:
    """A page of partners and their members reads the columns of the fields asked for (as
    rows, nodes over them); with every field asked, every column."""
    await seed_partners(api, platform, 3)
    narrow, narrow_statements = await statements_of(api, platform, "{ partners { nodes { name members { displayName } } } }", {})
    full, full_statements = await statements_of(api, platform, f"{{ partners {{ nodes {{ {PARTNER_FIELDS} members {{ email roles createdAt }} }} }} }}", {})
    assert not narrow.get("errors") and not full.get("errors")
    assert [node["name"] for node in narrow["data"]["partners"]["nodes"]] == [node["name"] for node in full["data"]["partners"]["nodes"]]

    def read(statements: list[str], table: str, marker: str) -> str:
        (statement,) = [statement for statement in statements if f"FROM {table}" in statement and marker in statement]
        return statement.split(f"FROM {table}")[0]

    assert "partners.email" not in read(narrow_statements, "partners", "ORDER BY partners.name")
    assert "partners.created_at" not in read(narrow_statements, "partners", "ORDER BY partners.name")
    assert "memberships.roles" not in read(narrow_statements, "memberships", "partner_id IN")
    assert "memberships.display_name" in read(narrow_statements, "memberships", "partner_id IN")
    assert {"partners.email", "partners.created_at", "partners.website"} <= set(read(full_statements, "partners", "ORDER BY partners.name").replace(",", " ").split())
    assert {"memberships.roles", "memberships.email"} <= set(read(full_statements, "memberships", "partner_id IN").replace(",", " ").split())


async def test_a_page_of_rows_answers_every_field_as_one_partner_does(api: Api, world: World, platform: Platform) -> None:
    """The page's nodes over rows and `partner(id)`'s node made from the entity: the same answers."""
    await seed_partners(api, platform, 3)
    nodes = (await api.gql("utrecht", f"{{ partners {{ nodes {{ {PARTNER_FIELDS} __typename }} }} }}", user=ADMIN)).ok()["partners"]["nodes"]
    assert len(nodes) >= 3
    for node in nodes:
        one = (await api.gql("utrecht", f"query($id: ID!) {{ partner(id: $id) {{ {PARTNER_FIELDS} __typename }} }}", {"id": node["id"]}, user=ADMIN)).ok()
        assert one["partner"] == node


async def test_what_a_members_partner_is_asked_is_read_with_the_page(api: Api, world: World, platform: Platform) -> None:
    """A member's `partner` is the page's own node and its `members` the page's rows: fields
    asked only there (a partner's email under a member, a member's email under the partner
    of a member) are answered as `partner(id)` answers them, never an error."""
    await seed_partners(api, platform, 2)
    for query, path in [
        ("{ partners { nodes { id name members { partner { email website } } } } }", ("partner",)),
        ("{ partners { nodes { id name members { displayName partner { members { email roles } } } } } }", ("partner", "members")),
    ]:
        nodes = (await api.gql("utrecht", query, user=ADMIN)).ok()["partners"]["nodes"]
        assert any(node["members"] for node in nodes)
        for node in nodes:
            inner = "partner { email website }" if path == ("partner",) else "displayName partner { members { email roles } }"
            one = (await api.gql("utrecht", f"query($id: ID!) {{ partner(id: $id) {{ id name members {{ {inner} }} }} }}", {"id": node["id"]}, user=ADMIN)).ok()
            assert one["partner"] == node
