"""Tenant isolation in depth: the API (layer 1 and 2 together), PostgreSQL row-level
security on its own (layer 2), the keys, and many concurrent requests of several tenants."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from sqlalchemy import delete, func, select, text, update

from core import migrate
from core.db import DatabaseLimits, is_tenant_scoped, metadata
from core.models import Partner
from core.platform import Platform
from core.tenancy import NoTenantContext, TenantContext
from core.testing import count_statements, owner_engine
from tests.conftest import Api, World
from tests.support.driver import begins_sent

ADMIN_U = World.email("coalition_admin", "utrecht")
ADMIN_B = World.email("coalition_admin", "s-hertogenbosch")


async def bosch_rows(api: Api) -> dict[str, str]:
    """A partner, a member (at that partner) and a wijk of 's-Hertogenbosch."""
    partner = (
        await api.gql(
            "s-hertogenbosch",
            'mutation { createPartner(input: {name: "Alleen Bosch", domain: SOCIAAL, type: WIJKTEAM}) { partner { id } } }',
            user=ADMIN_B,
        )
    ).ok()["createPartner"]["partner"]["id"]
    member = (
        await api.gql(
            "s-hertogenbosch",
            'mutation($p: ID!) { createMember(input: {email: "geheim@bosch.example", displayName: "Geheim", roles: [PROFESSIONAL], partnerId: $p}) { member { id } } }',
            {"p": partner},
            user=ADMIN_B,
        )
    ).ok()["createMember"]["member"]["id"]
    wijk = (
        await api.gql("s-hertogenbosch", 'mutation { createWijk(input: {code: "WK079601", name: "Binnenstad"}) { wijk { id } } }', user=ADMIN_B)
    ).ok()["createWijk"]["wijk"]["id"]
    return {"partner": partner, "member": member, "wijk": wijk}


async def test_api_never_reaches_another_tenants_rows(api: Api, world: World) -> None:
    """Lists, lookups by id, filters, nested fields and mutations of tenant A aimed at
    tenant B's rows: never B's data, only not-found."""
    b = await bosch_rows(api)
    listed = (await api.gql("utrecht", "{ partners { totalCount } members { nodes { email } } wijken { totalCount } }", user=ADMIN_U)).ok()
    assert listed["partners"]["totalCount"] == 0 and listed["wijken"]["totalCount"] == 0
    assert "geheim@bosch.example" not in {node["email"] for node in listed["members"]["nodes"]}
    for query, variables in [
        ("query($id: ID!) { partner(id: $id) { name } }", {"id": b["partner"]}),
        ("query($id: ID!) { member(id: $id) { email } }", {"id": b["member"]}),
        ("query($id: ID!) { wijk(id: $id) { name } }", {"id": b["wijk"]}),
        ('mutation($id: ID!) { updatePartner(input: {id: $id, name: "Gekaapt"}) { partner { id } } }', {"id": b["partner"]}),
        ("mutation($id: ID!) { deactivatePartner(input: {id: $id}) { partner { id } } }", {"id": b["partner"]}),
        ("mutation($id: ID!) { deactivateMember(input: {id: $id}) { member { id } } }", {"id": b["member"]}),
        ('mutation($id: ID!) { updateWijk(input: {id: $id, name: "X"}) { wijk { id } } }', {"id": b["wijk"]}),
        (
            'mutation($p: ID!) { createMember(input: {email: "x@y.example", displayName: "X", roles: [ANALYST], partnerId: $p}) { member { id } } }',
            {"p": b["partner"]},
        ),
    ]:
        response = await api.gql("utrecht", query, variables, user=ADMIN_U)
        assert response.codes == ["NOT_FOUND"], (query, response.body)
        assert "Bosch" not in str(response.body) and "geheim" not in str(response.body)
    filtered = (await api.gql("utrecht", "query($p: ID!) { members(filter: {partnerId: $p}) { totalCount } }", {"p": b["partner"]}, user=ADMIN_U)).ok()
    assert filtered["members"]["totalCount"] == 0
    # Nothing of B changed.
    still = (await api.gql("s-hertogenbosch", "query($id: ID!) { partner(id: $id) { name active members { email } } }", {"id": b["partner"]}, user=ADMIN_B)).ok()
    assert still["partner"] == {"name": "Alleen Bosch", "active": True, "members": [{"email": "geheim@bosch.example"}]}


async def test_orm_bulk_update_and_delete_do_not_reach_another_tenant(api: Api, world: World, platform: Platform) -> None:
    await bosch_rows(api)
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        changed = await session.execute(update(Partner).where(Partner.name == "Alleen Bosch").values(name="Gekaapt"))
        removed = await session.execute(delete(Partner).where(Partner.name == "Alleen Bosch"))
        await session.commit()
    assert changed.rowcount == 0 and removed.rowcount == 0
    async with platform.session(TenantContext(tenant_id=world.bosch.id)) as session:
        assert (await session.execute(select(Partner.name))).scalars().all() == ["Alleen Bosch"]


async def test_a_select_of_columns_is_scoped_as_a_select_of_entities(api: Api, world: World, platform: Platform) -> None:
    """Lists read as result rows of some columns (a page of regelingen, a partner's members)
    are scoped by layer 1 as entities are: another gemeente's rows are not among them (on
    SQLite, where layer 1 is the only one), also with a filter that names them."""
    await bosch_rows(api)
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        assert (await session.execute(select(Partner.id, Partner.name).where(Partner.name == "Alleen Bosch"))).all() == []
        assert (await session.execute(select(func.count(Partner.id)))).scalar_one() == 0
    async with platform.session(TenantContext(tenant_id=world.bosch.id)) as session:
        assert [row.name for row in (await session.execute(select(Partner.id, Partner.name)))] == ["Alleen Bosch"]


async def test_a_statement_cannot_be_given_another_tenant_by_its_parameters(api: Api, world: World, platform: Platform) -> None:
    """Layer 1 binds the tenant in its criteria under names SQLAlchemy makes (`tenant_id_1`);
    a value passed under such a name would take its place (on SQLite nothing else would stop
    it): refused, through the session and through a page's parameters. A row's own
    `tenant_id` (a bulk update by primary key) is not such a name."""
    from core.graphql.pagination import paginate

    await bosch_rows(api)
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        for name in ("tenant_id_1", "tenant_id_2", "owner_tenant_id_1"):
            with pytest.raises(NoTenantContext):
                await session.execute(select(Partner.name), {name: world.bosch.id})
        with pytest.raises(NoTenantContext):
            await paginate(
                session, select(Partner.id, Partner.name), order_by=[Partner.name, Partner.id], first=5, after=None,
                max_page_size=50, to_node=lambda row: row.name, as_rows=True, params={"tenant_id_1": world.bosch.id},
            )
        with pytest.raises(ValueError, match="page_limit"):
            await paginate(session, select(Partner), order_by=[Partner.name, Partner.id], first=5, after=None, max_page_size=50, to_node=lambda row: row, params={"page_limit": 1000})
        assert (await session.execute(select(func.count(Partner.id)))).scalar_one() == 0


async def test_core_statements_on_tenant_tables_are_refused(api: Api, world: World, platform: Platform) -> None:
    """Layer 1 filters statements on the models; one on a tenant table itself would pass
    unfiltered (on SQLite nothing else would stop it), so it is refused."""
    await bosch_rows(api)
    table = Partner.__table__
    statements = (
        select(table),
        select(func.count()).select_from(table),
        update(table).where(table.c.name == "Alleen Bosch").values(name="Gekaapt"),
        delete(table).where(table.c.name == "Alleen Bosch"),
    )
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        for statement in statements:
            with pytest.raises(NoTenantContext, match="models"):
                await session.execute(statement)
    async with platform.session(TenantContext(tenant_id=world.bosch.id)) as session:
        assert (await session.execute(select(Partner.name))).scalars().all() == ["Alleen Bosch"]


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")


async def test_raw_sql_as_the_app_role_sees_only_its_tenant(api: Api, world: World, platform: Platform, postgres_only: None) -> None:
    await bosch_rows(api)
    (await api.gql("utrecht", 'mutation { createPartner(input: {name: "Alleen Utrecht", domain: SOCIAAL, type: WIJKTEAM}) { partner { id } } }', user=ADMIN_U)).ok()
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        names = (await session.execute(text("SELECT name FROM partners"))).scalars().all()
        members = (await session.execute(text("SELECT email FROM memberships"))).scalars().all()
    assert names == ["Alleen Utrecht"] and "geheim@bosch.example" not in members
    # Without a tenant (a statement the ORM filter never saw): nothing, and no writes.
    async with platform.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM partners"))).scalar_one() == 0
        assert (await connection.execute(text("SELECT count(*) FROM memberships"))).scalar_one() == 0
        with pytest.raises(Exception, match="row-level security"):
            await connection.execute(
                text("INSERT INTO partners (tenant_id, id, name, domain, type, active, created_at, updated_at) "
                     "VALUES (:t, :i, 'Inbreker', 'sociaal', 'overig', true, now(), now())"),
                {"t": world.bosch.id, "i": uuid.uuid4()},
            )


async def test_raw_insert_for_another_tenant_is_refused_by_the_policy(api: Api, world: World, platform: Platform, postgres_only: None) -> None:
    async with platform.engine.connect() as connection:
        await connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(world.utrecht.id)})
        with pytest.raises(Exception, match="row-level security"):
            await connection.execute(
                text("INSERT INTO partners (tenant_id, id, name, domain, type, active, created_at, updated_at) "
                     "VALUES (:t, :i, 'Voor Bosch', 'sociaal', 'overig', true, now(), now())"),
                {"t": world.bosch.id, "i": uuid.uuid4()},
            )


async def test_app_role_is_unprivileged(platform: Platform, postgres_only: None) -> None:
    async with platform.engine.connect() as connection:
        role = (await connection.execute(text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"))).one()
        owned = (await connection.execute(text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user"))).scalar_one()
        can_truncate = (await connection.execute(text("SELECT has_table_privilege('partners', 'TRUNCATE')"))).scalar_one()
    assert role.rolsuper is False and role.rolbypassrls is False and owned == 0 and can_truncate is False
    assert role.rolname != platform.settings.effective_migration_url.split("//")[1].split("@")[0]


async def test_the_server_refuses_to_run_as_the_table_owner(platform: Platform, postgres_only: None) -> None:
    """Connected as the owner (or a superuser), row-level security and the log's grants do
    not hold: the server refuses to start outside development."""
    from gateway.app import create_app

    assert await platform.unsafe_database_role() is None
    owner = Platform.create(platform.settings.model_copy(update={"database_url": platform.settings.effective_migration_url, "debug": False}))
    try:
        reason = await owner.unsafe_database_role()
        assert reason is not None and ("superuser" in reason or "owns" in reason)
        app = create_app(platform=owner)
        with pytest.raises(RuntimeError, match="Refusing to serve"):
            async with app.router.lifespan_context(app):
                pass
    finally:
        await owner.dispose()


async def test_every_tenant_table_has_forced_row_level_security(platform: Platform, postgres_only: None) -> None:
    tables = migrate.tenant_tables(platform.runtime)
    assert "tiny_notes" in tables  # a module's table gets it without any code in the module
    async with owner_engine(platform).connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                    "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation') "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            )
        ).all()
    security = {name: (enabled, forced, policies) for name, enabled, forced, policies in rows}
    missing = [table for table in tables if security.get(table) != (True, True, 1)]
    assert not missing, f"tables without forced RLS and a policy: {missing}"


async def test_pooled_connections_do_not_carry_a_tenant(api: Api, world: World, platform: Platform, postgres_only: None) -> None:
    await bosch_rows(api)
    from sqlalchemy.ext.asyncio import create_async_engine

    from core.db import make_sessionmaker, open_session

    engine = create_async_engine(platform.settings.database_url, pool_size=1, max_overflow=0)  # one connection, reused

    sessions = make_sessionmaker(engine)
    try:
        async with open_session(sessions, TenantContext(tenant_id=world.bosch.id)) as session:
            assert (await session.execute(text("SELECT count(*) FROM partners"))).scalar_one() == 1
            backend_pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await session.commit()
        async with open_session(sessions, TenantContext(tenant_id=world.utrecht.id)) as session:
            assert (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one() == backend_pid
            assert (await session.execute(text("SELECT count(*) FROM partners"))).scalar_one() == 0
        async with engine.connect() as connection:  # no tenant at all on the same connection
            assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one() == backend_pid
            assert (await connection.execute(text("SELECT current_setting('app.tenant_id', true)"))).scalar_one() in (None, "")
            assert (await connection.execute(text("SELECT count(*) FROM partners"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_the_tenant_setting_travels_with_the_begin(api: Api, world: World, platform: Platform, postgres_only: None) -> None:
    """Row-level security's setting is in the message of each transaction's BEGIN (no round
    trip of its own): a request's read names its gemeente there, and nowhere else."""
    await bosch_rows(api)
    with begins_sent() as sent, count_statements(platform) as statements:
        data = (await api.gql("s-hertogenbosch", "{ partners(first: 50) { nodes { name } } }", user=ADMIN_B)).ok()
    assert "Alleen Bosch" in [node["name"] for node in data["partners"]["nodes"]]
    assert sent and all(query.endswith(f"SELECT set_config('app.tenant_id', '{world.bosch.id}', true);") for query in sent)
    assert not any("set_config" in statement for statement in statements)  # not a statement of its own


async def test_a_setting_handed_over_for_a_begin_that_never_came_is_dropped(api: Api, platform: Platform, world: World, postgres_only: None) -> None:
    """A transaction that sent no statement never sent its BEGIN: its tenant goes back to the
    pool with the connection, and is dropped there, never starting someone else's work."""
    from core.db import create_engine, make_sessionmaker, open_session

    await bosch_rows(api)
    engine = create_engine(platform.settings.database_url, limits=DatabaseLimits(pool_size=1, max_overflow=0))  # one connection, reused
    sessions = make_sessionmaker(engine)
    try:
        async with open_session(sessions, TenantContext(tenant_id=world.bosch.id)) as session:
            await session.connection()  # begun, nothing sent
            await session.commit()
        async with engine.connect() as connection:  # no session, no tenant: sees no tenant's rows
            assert (await connection.execute(text("SELECT current_setting('app.tenant_id', true)"))).scalar_one() in (None, "")
            assert (await connection.execute(text("SELECT count(*) FROM partners"))).scalar_one() == 0
        async with open_session(sessions, TenantContext(tenant_id=world.bosch.id)) as session:
            await session.connection()
            await session.rollback()
        async with open_session(sessions, None) as session:
            assert (await session.execute(text("SELECT count(*) FROM partners"))).scalar_one() == 0
        async with open_session(sessions, TenantContext(tenant_id=world.bosch.id)) as session:  # and the setting still works
            assert (await session.execute(text("SELECT count(*) FROM partners"))).scalar_one() >= 1
    finally:
        await engine.dispose()


async def test_a_begin_message_that_fails_does_not_leave_a_broken_connection_in_the_pool(
    api: Api, platform: Platform, world: World, postgres_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the setting fails after the BEGIN ran (a cancel or a timeout landing on it), the
    server is inside a failed transaction nobody would roll back: the connection is closed
    and discarded, and the next request on the pool works at once, under its own tenant."""
    from core import db
    from core.db import create_engine, make_sessionmaker, open_session

    await bosch_rows(api)
    engine = create_engine(platform.settings.database_url, limits=DatabaseLimits(pool_size=1, max_overflow=0))
    sessions = make_sessionmaker(engine)
    read = text("SELECT current_setting('app.tenant_id', true), (SELECT count(*) FROM partners)")
    try:
        with monkeypatch.context() as patched:
            patched.setattr(db, "set_local", lambda _setting, _value: "SELECT 1/0;")  # fails after the BEGIN
            async with open_session(sessions, TenantContext(tenant_id=world.utrecht.id)) as session:
                with pytest.raises(Exception, match="division by zero"):
                    await session.execute(read)
        for _ in range(3):
            async with open_session(sessions, TenantContext(tenant_id=world.bosch.id)) as session:
                setting, partners = (await session.execute(read)).one()
            assert setting == str(world.bosch.id) and partners >= 1
    finally:
        await engine.dispose()


async def test_a_setting_handed_over_does_not_outlive_its_transaction_on_a_bound_connection(
    platform: Platform, world: World, postgres_only: None
) -> None:
    """A session bound to a connection that begins, sends nothing and ends: the connection's
    next transaction (without a session, so without a tenant) starts without the setting."""
    from core.db import TENANT_CONTEXT_KEY, SerializedAsyncSession

    async with platform.engine.connect() as connection:
        session = SerializedAsyncSession(bind=connection)
        session.info[TENANT_CONTEXT_KEY] = TenantContext(tenant_id=world.utrecht.id)
        await session.connection()  # begun, nothing sent
        await session.close()
        assert (await connection.execute(text("SELECT current_setting('app.tenant_id', true)"))).scalar_one() in (None, "")


# -- keys -------------------------------------------------------------------------------------

#: Platform tables that tenant-scoped tables may reference with a plain foreign key. They hold
#: no tenant data, so referencing them cannot cross tenants (and Citus makes them reference
#: tables, present on every node).
PLATFORM_TABLES = {
    "tenants": "the tenant itself",
    "persons": "a person's login identity, shared by the tenants they are a member of",
    "api_clients": "a machine client, granted per tenant",
}


def test_keys_of_tenant_tables_include_the_tenant(platform: Platform) -> None:
    problems = []
    tenant_tables = {model.__table__.name for model in platform.runtime.models() if is_tenant_scoped(model)}
    for table in metadata.sorted_tables:
        if table.name not in tenant_tables:
            continue
        if "tenant_id" not in table.primary_key.columns:
            problems.append(f"{table.name}: primary key without tenant_id")
        for constraint in table.constraints:
            columns = {column.name for column in getattr(constraint, "columns", [])}
            kind = type(constraint).__name__
            if kind == "UniqueConstraint" and "tenant_id" not in columns:
                problems.append(f"{table.name}: unique {sorted(columns)} without tenant_id")
            if kind == "ForeignKeyConstraint":
                target = constraint.referred_table.name
                if target in tenant_tables and "tenant_id" not in columns:
                    problems.append(f"{table.name}: foreign key to {target} without tenant_id")
                if target not in tenant_tables and target not in PLATFORM_TABLES:
                    problems.append(f"{table.name}: foreign key to {target}, not a tenant table nor an allowed platform table")
        for column in table.columns:
            if column.unique and column.name != "tenant_id":
                problems.append(f"{table.name}.{column.name}: unique on its own")
        for index in table.indexes:
            if index.unique and "tenant_id" not in {column.name for column in index.columns}:
                problems.append(f"{table.name}: unique index {index.name} without tenant_id")
    assert not problems, "\n".join(problems)


# -- many concurrent requests ----------------------------------------------------------------


async def test_concurrent_mixed_requests_of_three_tenants(api: Api, world: World, platform: Platform) -> None:
    """200 concurrent reads and writes of three gemeenten through the ASGI app: every answer
    holds only its caller's data (this would catch a DataLoader, context or connection
    leaking between requests)."""
    from core.testing import add_member, make_tenant

    amsterdam = await make_tenant(platform, "GM0363")
    await add_member(platform, amsterdam.slug, "coalition_admin@amsterdam.example", ["coalition_admin"])
    tenants = {"utrecht": ADMIN_U, "s-hertogenbosch": ADMIN_B, "amsterdam": "coalition_admin@amsterdam.example"}
    for slug, user in tenants.items():
        for index in range(3):
            (await api.gql(slug, f'mutation {{ createPartner(input: {{name: "{slug}-{index}", domain: SOCIAAL, type: WIJKTEAM}}) {{ partner {{ id }} }} }}', user=user)).ok()
        await api.token(slug, user)
    read = "{ tenant { slug } partners(first: 50) { edges { node { name members { email } } } } me { subject } }"
    rng = random.Random(7)
    plan = [(rng.choice(list(tenants)), rng.random() < 0.25, index) for index in range(200)]

    async def one(slug: str, write: bool, index: int) -> tuple[str, bool, dict]:
        query = read
        if write:
            query = f'mutation {{ createPartner(input: {{name: "{slug}-w{index}", domain: SOCIAAL, type: OVERIG}}) {{ partner {{ name }} }} }}'
        # 200 requests at once on one process may find every connection taken (more so on a
        # loaded machine): BUSY, nothing written, is then the right answer, and a client
        # tries again after a moment, as Retry-After says. Any other error fails the test.
        for attempt in range(1, 8):
            response = await api.gql(slug, query, user=tenants[slug])
            if response.codes != ["BUSY"]:
                break
            await asyncio.sleep(attempt * rng.uniform(0.2, 0.6))
        return slug, write, response.ok()

    results = await asyncio.gather(*(one(*item) for item in plan))
    for slug, write, data in results:
        if write:
            assert data["createPartner"]["partner"]["name"].startswith(f"{slug}-")
            continue
        assert data["tenant"]["slug"] == slug and data["me"]["subject"] == tenants[slug]
        names = [edge["node"]["name"] for edge in data["partners"]["edges"]]
        assert names and all(name.startswith(f"{slug}-") for name in names), (slug, names)
    async with owner_engine(platform).connect() as connection:
        per_tenant = (await connection.execute(select(Partner.__table__.c.tenant_id, func.count()).group_by(Partner.__table__.c.tenant_id))).all()
    assert sum(count for _tenant, count in per_tenant) == 9 + sum(1 for _slug, write, _i in plan if write)
