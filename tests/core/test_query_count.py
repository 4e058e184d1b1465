"""DataLoaders keep the number of SQL statements per request constant in the page size."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Tenant
from core.platform import Platform
from core.testing import add_member, count_statements
from tests.conftest import Api, World
from tests.support.driver import begins_sent

ADMIN = World.email("coalition_admin", "utrecht")
QUERY = """
query($first: Int!) {
  partners(first: $first) {
    totalCount
    edges { node { name members { displayName email partner { name } } } }
  }
}"""


async def seed_partners(api: Api, platform: Platform, count: int) -> None:
    for index in range(count):
        created = await api.gql(
            "utrecht",
            "mutation($name: String!) { createPartner(input: {name: $name, domain: SOCIAAL, type: WIJKTEAM}) { partner { id } } }",
            {"name": f"Partner {index:03d}"},
            user=ADMIN,
        )
        partner_id = created.ok()["createPartner"]["partner"]["id"]
        for member in range(2):
            await add_member(platform, "utrecht", f"p{index}m{member}@partner.example", ["professional"], partner_id=partner_id)


async def statements_for(api: Api, platform: Platform, first: int) -> int:
    await api.token("utrecht", ADMIN)  # the login itself is not part of the request
    await platform.identity.keys.refresh(force=True)  # nor the once-a-minute reload of the signing keys
    with count_statements(platform) as statements:
        data = (await api.gql("utrecht", QUERY, {"first": first}, user=ADMIN)).ok()
    assert len(data["partners"]["edges"]) == first
    assert all(len(edge["node"]["members"]) == 2 for edge in data["partners"]["edges"])
    return len(statements)


async def test_partners_with_members_take_constant_statements(api: Api, world: World, platform: Platform) -> None:
    await seed_partners(api, platform, 50)
    small = await statements_for(api, platform, 5)
    large = await statements_for(api, platform, 50)
    assert small == large
    # BEGIN, tenant, login session, person; BEGIN, membership, enabled modules; count, page,
    # members of the page's partners, their partners.
    assert large <= 11


async def test_statement_counts_leave_out_the_platforms_background_work(world: World, platform: Platform) -> None:
    """Sealing the processing log runs beside requests: a count per request must not
    include its statements (they would make such tests flaky), and does include a request's."""
    with count_statements(platform) as statements:
        await platform.seal_processing_logs([world.utrecht.id, world.bosch.id])
    assert statements == []
    async with platform.session(None) as session:
        with count_statements(platform) as statements:
            await session.execute(select(Tenant.id))
    assert len(statements) >= 1


async def test_a_page_is_counted_only_when_the_query_asks_for_total_count(api: Api, world: World, platform: Platform) -> None:
    """`totalCount` costs a statement of its own, made only when a query selects it; the
    count is then the count of every page."""
    await seed_partners(api, platform, 7)
    await api.token("utrecht", ADMIN)
    await platform.identity.keys.refresh(force=True)
    page = "query($after: String) { partners(first: 3, after: $after) { %s edges { cursor node { name } } } }"
    with count_statements(platform) as without_count:
        data = (await api.gql("utrecht", page % "", {}, user=ADMIN)).ok()
    with count_statements(platform) as with_count:
        counted = (await api.gql("utrecht", page % "totalCount", {}, user=ADMIN)).ok()
    assert len(with_count) == len(without_count) + 1
    assert [e["node"]["name"] for e in data["partners"]["edges"]] == [e["node"]["name"] for e in counted["partners"]["edges"]]
    assert not any("count(*)" in statement.lower() for statement in without_count)
    total = counted["partners"]["totalCount"]
    after = counted["partners"]["edges"][-1]["cursor"]
    later = (await api.gql("utrecht", page % "totalCount", {"after": after}, user=ADMIN)).ok()
    assert total >= 7 and later["partners"]["totalCount"] == total  # every page counts all pages


async def test_a_mutation_writes_in_the_transaction_that_read_who_is_asking(api: Api, world: World, platform: Platform) -> None:
    """On PostgreSQL the request's read transaction (who is asking) becomes the mutation's
    write transaction: the tenant setting of row-level security is made once, not again
    after a ROLLBACK and a BEGIN. On SQLite the write lock is taken with a BEGIN IMMEDIATE."""
    await api.token("utrecht", ADMIN)
    await platform.identity.keys.refresh(force=True)
    create = "mutation($name: String!) { createPartner(input: {name: $name, domain: SOCIAAL, type: WIJKTEAM}) { partner { id name } } }"
    (await api.gql("utrecht", "{ tenant { name } }", user=ADMIN)).ok()  # the gemeente's id is known (cached) from here
    if platform._sealer is not None:  # (its BEGINs would show among the request's)
        await platform._sealer
    with count_statements(platform) as statements, begins_sent(into=statements):
        created = (await api.gql("utrecht", create, {"name": "Buurtteam Noord"}, user=ADMIN)).ok()
    assert created["createPartner"]["partner"]["name"] == "Buurtteam Noord"
    # From the read of who is asking to the partner's INSERT (what follows the commit, such
    # as delivering events to subscribers, has transactions of its own).
    first = next(index for index, statement in enumerate(statements) if "auth_sessions" in statement)
    written = next(index for index, statement in enumerate(statements) if statement.startswith("INSERT INTO partners"))
    between = [statement.strip().split("(")[0] for statement in statements[first + 1 : written]]
    if platform.engine.dialect.name == "postgresql":
        # The driver sends the transaction's BEGIN, with the setting, as the read of who is
        # asking goes out (so it is listed just after it); no BEGIN or setting after it.
        assert statements[first + 1].startswith("BEGIN") and "set_config('app.tenant_id'" in statements[first + 1]
        assert not any(statement.startswith("BEGIN") or "set_config" in statement for statement in between[1:])
    else:
        assert between.count("BEGIN IMMEDIATE") == 1 and "BEGIN" not in between
    # The partner was written (and committed) under the gemeente's tenant.
    listed = (await api.gql("utrecht", "{ partners(first: 100) { nodes { name } } }", user=ADMIN)).ok()
    assert "Buurtteam Noord" in [node["name"] for node in listed["partners"]["nodes"]]
