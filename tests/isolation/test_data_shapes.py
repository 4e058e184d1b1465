"""The data shapes besides tenant tables, isolated on both layers like them: shared rows
(`SharedModel`: every tenant reads what is published, only the owner writes) and national
reference data (`NationalReferenceModel`: every tenant reads, only the system context
writes). The tables are the shapes test module's (tests/support/shapes_module), declared as
any module declares its tables; layer 2 is checked with raw SQL as the app role."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, insert, select, text, update
from sqlmodel import SQLModel

from core import migrate
from core.db import (
    DataShape,
    NationalReferenceModel,
    SharedModel,
    TenantScopedModel,
    create_engine,
    data_shape,
    dialect_insert,
)
from core.errors import Forbidden
from core.models import Partner, Tenant
from core.platform import Platform
from core.runtime import ModuleSource
from core.tenancy import NoTenantContext, NotOwner, ReferenceDataReadOnly, TenantContext, system_context
from core.testing import (
    add_member,
    execute,
    fresh_database,
    make_tenant,
    migrate_platform,
    require_backend,
    settings_for_database,
)
from tests.support import shapes_module
from tests.support.shapes_module.models import ShapeExample, ShapeFigure

SHAPES = ModuleSource(key="shapes_module", load=lambda: shapes_module, version="1.0.0")
ADMIN = "coalition_admin@{slug}.example"


@dataclass
class Shapes:
    """A migrated platform with the shapes module, two gemeenten (A: Utrecht, B:
    's-Hertogenbosch, the module enabled, a coalition admin each) and the owner's engine."""

    platform: Platform
    owner: Any
    a: Any
    b: Any

    def session(self, tenant: Any) -> Any:
        return self.platform.session(TenantContext(tenant_id=tenant.id))

    async def raw(self, sql: str, params: dict[str, Any] | None = None, *, tenant: Any = None, system: bool = False) -> Any:
        """One statement as the app role in a transaction of its own, with the settings a
        tenant context (`tenant`) or the system context (`system`) gives it, committed:
        its rows, or the number of rows it changed."""
        async with self.platform.engine.connect() as connection:
            if tenant is not None:
                await connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant.id)})
            if system:
                await connection.execute(text("SELECT set_config('app.system', 'on', true)"))
            result = await connection.execute(text(sql), params or {})
            answer = [tuple(row) for row in result.all()] if result.returns_rows else result.rowcount
            await connection.commit()
            return answer


@pytest.fixture(scope="module")
async def shapes(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shapes]:
    await require_backend(backend)
    database = await fresh_database(backend, tmp_path_factory.mktemp("shapes"))
    platform = Platform.create(settings_for_database(database), extra_modules=[SHAPES])
    owner = create_engine(platform.settings.effective_migration_url)
    try:
        await migrate_platform(platform)
        await platform.start()
        a = await make_tenant(platform, "GM0344", enable=["shapes_module"])
        b = await make_tenant(platform, "GM0796", enable=["shapes_module"])
        for tenant in (a, b):
            await add_member(platform, tenant.slug, ADMIN.format(slug=tenant.slug), ["coalition_admin"])
        yield Shapes(platform, owner, a, b)
    finally:
        await platform.dispose()
        await owner.dispose()
        await database.drop()


@pytest.fixture(autouse=True)
async def _empty_shape_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "shapes" in request.fixturenames:
        shapes: Shapes = request.getfixturevalue("shapes")
        async with shapes.owner.begin() as connection:  # the owner (a superuser on PostgreSQL)
            for table in ("shapes_examples", "shapes_figures", "partners"):
                await connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")


async def add_examples(shapes: Shapes, tenant: Any, **published: bool) -> dict[str, uuid.UUID]:
    """Shared rows owned by `tenant` (title -> published), in its own context; their ids."""
    async with shapes.session(tenant) as session:
        rows = [ShapeExample(title=title, published=flag) for title, flag in published.items()]
        session.add_all(rows)
        await session.commit()
    return {row.title: row.id for row in rows}


async def example_world(shapes: Shapes) -> dict[str, uuid.UUID]:
    return {
        **await add_examples(shapes, shapes.a, a_concept=False, a_published=True),
        **await add_examples(shapes, shapes.b, b_concept=False, b_published=True),
    }


async def titles(session: Any) -> list[str]:
    return list((await session.execute(select(ShapeExample.title).order_by(ShapeExample.title))).scalars())


async def all_examples(shapes: Shapes) -> dict[str, tuple[uuid.UUID, bool]]:
    """What is really in the table (as the owner): title -> (owner, published)."""
    async with shapes.owner.connect() as connection:
        rows = await connection.execute(text("SELECT title, owner_tenant_id, published FROM shapes_examples"))
        return {title: (uuid.UUID(str(owner)), bool(flag)) for title, owner, flag in rows}


# -- shared rows: reading ------------------------------------------------------------------


async def test_a_tenant_reads_its_own_and_every_published_shared_row(shapes: Shapes) -> None:
    ids = await example_world(shapes)
    async with shapes.session(shapes.a) as session:
        assert await titles(session) == ["a_concept", "a_published", "b_published"]
    async with shapes.session(shapes.b) as session:
        assert await titles(session) == ["a_published", "b_concept", "b_published"]
        # Lookups by id, filters and counts do not reach A's unpublished row either.
        assert await session.get(ShapeExample, ids["a_concept"]) is None
        assert (await session.get(ShapeExample, ids["a_published"])).title == "a_published"
        assert (await session.execute(select(ShapeExample).where(ShapeExample.title == "a_concept"))).first() is None
        assert (await session.execute(select(func.count()).select_from(ShapeExample))).scalar_one() == 3
        # Rows it may read but not write are not locked for it either (as PostgreSQL's policy).
        assert (await session.execute(select(ShapeExample.title).with_for_update())).scalars().all() in (
            ["b_concept", "b_published"],
            ["b_published", "b_concept"],
        )
    # The system context (a platform job) reads what is published; without any context: refused.
    with system_context("test: a national overview"):
        async with shapes.platform.session() as session:
            assert await titles(session) == ["a_published", "b_published"]
    async with shapes.platform.session(None) as session:
        with pytest.raises(NoTenantContext):
            await session.execute(select(ShapeExample))


async def test_unpublishing_hides_a_row_from_other_tenants(shapes: Shapes) -> None:
    ids = await add_examples(shapes, shapes.a, a_published=True)
    async with shapes.session(shapes.a) as session:
        row = await session.get(ShapeExample, ids["a_published"])
        row.published = False
        await session.commit()
    async with shapes.session(shapes.b) as session:
        assert await titles(session) == []
    async with shapes.session(shapes.a) as session:
        assert await titles(session) == ["a_published"]


# -- shared rows: writing, layer 1 ---------------------------------------------------------


async def test_only_the_owner_writes_a_shared_row(shapes: Shapes) -> None:
    ids = await example_world(shapes)
    before = await all_examples(shapes)
    async with shapes.session(shapes.b) as session:
        # A's published row is readable for B, but not B's to change, re-own or delete.
        row = await session.get(ShapeExample, ids["a_published"])
        row.title = "Gekaapt"
        with pytest.raises(NotOwner):
            await session.flush()
        await session.rollback()
        row = await session.get(ShapeExample, ids["a_published"])
        row.owner_tenant_id = shapes.b.id
        with pytest.raises(NotOwner, match="andere gemeente"):
            await session.flush()
        await session.rollback()
        await session.delete(await session.get(ShapeExample, ids["a_published"]))
        with pytest.raises(NotOwner):
            await session.flush()
        await session.rollback()
        # Nor may B insert a row in A's name, or give its own row away.
        session.add(ShapeExample(title="Namens A", owner_tenant_id=shapes.a.id, published=True))
        with pytest.raises(NotOwner):
            await session.flush()
        await session.rollback()
        own = await session.get(ShapeExample, ids["b_published"])
        own.owner_tenant_id = shapes.a.id
        with pytest.raises(NotOwner):
            await session.flush()
        await session.rollback()
        # Bulk statements: an ORM insert in A's name is refused; updates and deletes reach
        # B's own rows only; changing the owner in bulk is refused.
        with pytest.raises(NotOwner):
            await session.execute(insert(ShapeExample).values(title="Bulk", owner_tenant_id=shapes.a.id))
        with pytest.raises(NotOwner):
            await session.execute(insert(ShapeExample), [{"id": uuid.uuid4(), "title": "Bulk", "owner_tenant_id": shapes.a.id}])
        await session.rollback()
        changed = await session.execute(update(ShapeExample).where(ShapeExample.title.like("a_%")).values(title="Gekaapt"))
        removed = await session.execute(delete(ShapeExample).where(ShapeExample.title.like("a_%")))
        assert changed.rowcount == 0 and removed.rowcount == 0
        with pytest.raises(NotOwner):
            await session.execute(update(ShapeExample).values(owner_tenant_id=shapes.a.id))
        await session.rollback()
        # An upsert on A's id would update A's row through the back door: refused.
        upsert = dialect_insert(session)(ShapeExample).values(id=ids["a_published"], title="Gekaapt", published=True)
        with pytest.raises(NotOwner):
            await session.execute(upsert.on_conflict_do_update(index_elements=["id"], set_={"title": "Gekaapt"}))
        await session.rollback()
        # A Core statement on the table itself would escape the filter: refused.
        table = ShapeExample.__table__
        for statement in (
            select(table),
            update(table).values(title="Gekaapt"),
            delete(table),
            insert(table).values(id=uuid.uuid4(), title="Core", owner_tenant_id=shapes.a.id, published=True),
        ):
            with pytest.raises(NoTenantContext, match="models"):
                await session.execute(statement)
        await session.rollback()
    # The system context owns no shared row, so it writes none.
    with system_context("test: a platform job"):
        async with shapes.platform.session() as session:
            session.add(ShapeExample(title="Van het platform", owner_tenant_id=shapes.a.id))
            with pytest.raises(NoTenantContext):
                await session.flush()
            await session.rollback()
            with pytest.raises(NoTenantContext):
                await session.execute(update(ShapeExample).values(title="Gekaapt"))
    assert await all_examples(shapes) == before


async def test_the_owner_writes_its_shared_rows(shapes: Shapes) -> None:
    ids = await example_world(shapes)
    async with shapes.session(shapes.b) as session:
        session.add(ShapeExample(title="b_new"))  # stamped with B as owner
        (await session.get(ShapeExample, ids["b_concept"])).published = True
        await session.delete(await session.get(ShapeExample, ids["b_published"]))
        await session.execute(insert(ShapeExample), [{"id": uuid.uuid4(), "title": "b_bulk"}])
        changed = await session.execute(update(ShapeExample).values(title=ShapeExample.title + "!"))
        assert changed.rowcount == 3
        await session.commit()
    examples = await all_examples(shapes)
    assert {title: owner for title, (owner, _published) in examples.items() if owner == shapes.b.id} == {
        "b_new!": shapes.b.id,
        "b_concept!": shapes.b.id,
        "b_bulk!": shapes.b.id,
    }
    assert examples["a_published"] == (shapes.a.id, True) and examples["a_concept"] == (shapes.a.id, False)


async def test_writing_another_tenants_shared_row_through_the_api_is_a_domain_error(shapes: Shapes) -> None:
    """A caller can aim a write at a published row of another gemeente: it answers
    NOT_OWNER (403), never an internal error; an unpublished one is not even found."""
    ids = await example_world(shapes)
    rename = "mutation($id: ID!, $t: String!) { renameShapeExample(input: {id: $id, title: $t}) { example { title } } }"
    b_admin = ADMIN.format(slug=shapes.b.slug)
    body = await execute(shapes.platform, shapes.b.slug, rename, {"id": str(ids["a_published"]), "t": "Gekaapt"}, user=b_admin)
    assert [error["extensions"]["code"] for error in body["errors"]] == ["NOT_OWNER"]
    assert "andere gemeente" in body["errors"][0]["message"]
    body = await execute(shapes.platform, shapes.b.slug, rename, {"id": str(ids["a_concept"]), "t": "Gekaapt"}, user=b_admin)
    assert [error["extensions"]["code"] for error in body["errors"]] == ["NOT_FOUND"]
    body = await execute(shapes.platform, shapes.b.slug, rename, {"id": str(ids["b_concept"]), "t": "Eigen"}, user=b_admin)
    assert body.get("errors") is None and body["data"]["renameShapeExample"]["example"]["title"] == "Eigen"
    listed = await execute(shapes.platform, shapes.b.slug, "{ shapeExamples { title published } }", user=b_admin)
    assert listed["data"]["shapeExamples"] == [
        {"title": "Eigen", "published": False},
        {"title": "a_published", "published": True},
        {"title": "b_published", "published": True},
    ]
    assert (await all_examples(shapes))["a_published"] == (shapes.a.id, True)
    error = NotOwner("test")
    assert isinstance(error, Forbidden) and error.http_status == 403 and error.extensions() == {"code": "NOT_OWNER"}


# -- shared rows: layer 2 (PostgreSQL row-level security) -----------------------------------


async def test_shared_rows_on_their_own_under_row_level_security(shapes: Shapes, postgres_only: None) -> None:
    """Raw SQL as the app role, which the ORM filter never sees: reading is published or
    own, writing own only (USING and WITH CHECK)."""
    ids = await example_world(shapes)
    before = await all_examples(shapes)
    read = "SELECT title FROM shapes_examples ORDER BY title"
    b = shapes.b
    assert await shapes.raw(read, tenant=b) == [("a_published",), ("b_concept",), ("b_published",)]
    assert await shapes.raw(read, tenant=shapes.a) == [("a_concept",), ("a_published",), ("b_published",)]
    for title in ("a_published", "a_concept"):  # B does not find A's rows to change or delete
        assert await shapes.raw("UPDATE shapes_examples SET title = 'Gekaapt' WHERE id = :i", {"i": ids[title]}, tenant=b) == 0
        assert await shapes.raw("UPDATE shapes_examples SET owner_tenant_id = :b WHERE id = :i", {"b": b.id, "i": ids[title]}, tenant=b) == 0
        assert await shapes.raw("DELETE FROM shapes_examples WHERE id = :i", {"i": ids[title]}, tenant=b) == 0
    insert_as_a = "INSERT INTO shapes_examples (owner_tenant_id, id, published, title) VALUES (:o, :i, true, 'Namens A')"
    with pytest.raises(Exception, match="row-level security"):
        await shapes.raw(insert_as_a, {"o": shapes.a.id, "i": uuid.uuid4()}, tenant=b)
    with pytest.raises(Exception, match="row-level security"):  # nor give its own row away
        await shapes.raw("UPDATE shapes_examples SET owner_tenant_id = :a WHERE id = :i", {"a": shapes.a.id, "i": ids["b_concept"]}, tenant=b)
    # Without a tenant, or in the system context: the published rows, and no writes at all.
    for settings in ({}, {"system": True}):
        assert await shapes.raw(read, **settings) == [("a_published",), ("b_published",)]
        assert await shapes.raw("UPDATE shapes_examples SET title = 'Gekaapt'", **settings) == 0
        assert await shapes.raw("DELETE FROM shapes_examples", **settings) == 0
        with pytest.raises(Exception, match="row-level security"):
            await shapes.raw(insert_as_a, {"o": shapes.a.id, "i": uuid.uuid4()}, **settings)
    assert await all_examples(shapes) == before
    # The owner's own writes pass.
    assert await shapes.raw("UPDATE shapes_examples SET published = true WHERE id = :i", {"i": ids["b_concept"]}, tenant=b) == 1
    assert await shapes.raw(insert_as_a.replace("Namens A", "Van B"), {"o": b.id, "i": uuid.uuid4()}, tenant=b) == 1
    assert await shapes.raw("DELETE FROM shapes_examples WHERE title = 'Van B'", tenant=b) == 1


# -- national reference data ----------------------------------------------------------------


async def import_figures(shapes: Shapes) -> None:
    """As the operator's import does: in the system context."""
    with system_context("test: import CBS figures"):
        async with shapes.platform.session() as session:
            session.add(ShapeFigure(wijkcode="WK034401", households=100))
            await session.execute(insert(ShapeFigure), [{"id": uuid.uuid4(), "wijkcode": "WK079601", "households": 200}])
            await session.commit()
            figure = (await session.execute(select(ShapeFigure).where(ShapeFigure.wijkcode == "WK034401"))).scalar_one()
            figure.households = 101
            await session.execute(update(ShapeFigure).where(ShapeFigure.wijkcode == "WK079601").values(households=201))
            await session.execute(insert(ShapeFigure.__table__).values(id=uuid.uuid4(), wijkcode="WK999999", households=1))
            await session.execute(delete(ShapeFigure.__table__).where(ShapeFigure.wijkcode == "WK999999"))
            await session.commit()


async def figures(session: Any) -> dict[str, int]:
    return {wijkcode: households for wijkcode, households in await session.execute(select(ShapeFigure.wijkcode, ShapeFigure.households))}


EXPECTED_FIGURES = {"WK034401": 101, "WK079601": 201}


async def test_reference_data_is_read_by_everyone_and_written_by_the_system(shapes: Shapes) -> None:
    await import_figures(shapes)
    for tenant in (shapes.a, shapes.b):
        async with shapes.session(tenant) as session:
            assert await figures(session) == EXPECTED_FIGURES
    async with shapes.platform.session(None) as session:  # national data needs no context to read
        assert await figures(session) == EXPECTED_FIGURES
    # A tenant may use it in its own writes (here: reading it in a subquery).
    async with shapes.session(shapes.a) as session:
        session.add(Partner(name="WK034401", domain="sociaal", type="wijkteam"))
        await session.flush()
        changed = await session.execute(update(Partner).where(Partner.name.in_(select(ShapeFigure.wijkcode))).values(active=False))
        assert changed.rowcount == 1
        await session.commit()


async def test_a_tenant_context_cannot_write_reference_data(shapes: Shapes) -> None:
    await import_figures(shapes)
    table = ShapeFigure.__table__
    for context in (TenantContext(tenant_id=shapes.a.id), None):
        async with shapes.platform.session(context) as session:
            session.add(ShapeFigure(wijkcode="WK034402", households=5))
            with pytest.raises(ReferenceDataReadOnly):
                await session.flush()
            await session.rollback()
            figure = (await session.execute(select(ShapeFigure).where(ShapeFigure.wijkcode == "WK034401"))).scalar_one()
            figure.households = 0
            with pytest.raises(ReferenceDataReadOnly):
                await session.flush()
            await session.rollback()
            await session.delete((await session.execute(select(ShapeFigure).where(ShapeFigure.wijkcode == "WK034401"))).scalar_one())
            with pytest.raises(ReferenceDataReadOnly):
                await session.flush()
            await session.rollback()
            for statement in (
                insert(ShapeFigure).values(wijkcode="WK034403", households=1),
                update(ShapeFigure).values(households=0),
                delete(ShapeFigure),
                insert(table).values(id=uuid.uuid4(), wijkcode="WK034404", households=1),
                update(table).values(households=0),
                delete(table),
            ):
                with pytest.raises(ReferenceDataReadOnly):
                    await session.execute(statement)
            with pytest.raises(ReferenceDataReadOnly):
                await session.execute(insert(ShapeFigure), [{"id": uuid.uuid4(), "wijkcode": "WK034405", "households": 1}])
            await session.rollback()
    async with shapes.session(shapes.b) as session:
        assert await figures(session) == EXPECTED_FIGURES
    error = ReferenceDataReadOnly("test")
    assert isinstance(error, Forbidden) and error.extensions() == {"code": "REFERENCE_DATA_READ_ONLY"}
    assert "platformbeheerder" in error.message


async def test_bulk_writing_reference_data(shapes: Shapes) -> None:
    """`bulk_upsert` (COPY and one INSERT on PostgreSQL, as the app role under row-level
    security): inserts with new ids, updates on the conflict columns, and only in the
    system context and only national reference data."""
    from core.plugin import bulk_upsert

    with system_context("test: bulk import"):
        async with shapes.platform.session() as session:
            assert await bulk_upsert(session, ShapeFigure, ("wijkcode",), [("WK900001",), ("WK900002",)], constants={"households": 7}) == 2
            assert await bulk_upsert(session, ShapeFigure, ("wijkcode", "households"), [("WK900002", 8), ("WK900003", 9)], conflict=("wijkcode",)) == 2
            # With when_changed, a row that is already so is not rewritten (and not counted).
            unchanged = [("WK900002", 8), ("WK900003", 9)]
            assert await bulk_upsert(session, ShapeFigure, ("wijkcode", "households"), unchanged, conflict=("wijkcode",), when_changed=("households",)) == 0
            assert await bulk_upsert(session, ShapeFigure, ("wijkcode", "households"), unchanged, conflict=("wijkcode",)) == 2  # without: rewritten
            one_changed = [("WK900002", 8), ("WK900003", 10)]
            assert await bulk_upsert(session, ShapeFigure, ("wijkcode", "households"), one_changed, conflict=("wijkcode",), when_changed=("households",)) == 1
            assert await bulk_upsert(session, ShapeFigure, ("wijkcode", "households"), [("WK900003", 9)], conflict=("wijkcode",), when_changed=("households",)) == 1
            for wrong in ({"when_changed": ("households",)}, {"conflict": ("wijkcode",), "when_changed": ("wijkcode",)}):
                with pytest.raises(ValueError):  # when_changed needs conflict columns, and compares others
                    await bulk_upsert(session, ShapeFigure, ("wijkcode", "households"), [("WK900009", 1)], **wrong)
            await session.commit()
    async with shapes.session(shapes.b) as session:
        written = {code: count for code, count in (await figures(session)).items() if code.startswith("WK9")}
        ids = (await session.execute(select(ShapeFigure.id).where(ShapeFigure.wijkcode.like("WK9%")))).scalars().all()
    assert written == {"WK900001": 7, "WK900002": 8, "WK900003": 9}
    assert len(set(ids)) == 3
    for context in (TenantContext(tenant_id=shapes.a.id), None):
        async with shapes.platform.session(context) as session:
            with pytest.raises(ReferenceDataReadOnly):
                await bulk_upsert(session, ShapeFigure, ("wijkcode", "households"), [("WK900004", 1)])
            await session.rollback()
    with system_context("test: bulk import"):
        async with shapes.platform.session() as session:
            with pytest.raises(TypeError):
                await bulk_upsert(session, ShapeExample, ("title",), [("x",)])
            with pytest.raises(ValueError):
                await bulk_upsert(session, ShapeFigure, ("id", "wijkcode"), [(uuid.uuid4(), "WK900005")])
            with pytest.raises(Exception):  # a duplicate key without conflict columns: the whole write fails
                await bulk_upsert(session, ShapeFigure, ("wijkcode", "households"), [("WK900006", 1), ("WK900001", 1)])
            await session.rollback()
            await session.execute(delete(ShapeFigure).where(ShapeFigure.wijkcode.like("WK9%")))
            await session.commit()
    async with shapes.session(shapes.a) as session:
        assert [code for code in await figures(session) if code.startswith("WK9")] == []


async def test_reference_data_under_row_level_security(shapes: Shapes, postgres_only: None) -> None:
    """Raw SQL as the app role: everyone reads; only a transaction marked as the system
    context, with no tenant, writes. A tenant transaction cannot write it, not even with
    the system mark set beside its tenant."""
    await import_figures(shapes)
    read = "SELECT wijkcode, households FROM shapes_figures ORDER BY wijkcode"
    rows = [("WK034401", 101), ("WK079601", 201)]
    add = "INSERT INTO shapes_figures (id, wijkcode, households) VALUES (:i, 'WK034409', 9)"
    for settings in ({"tenant": shapes.a}, {}, {"tenant": shapes.b, "system": True}):
        assert await shapes.raw(read, **settings) == rows
        with pytest.raises(Exception, match="row-level security"):
            await shapes.raw(add, {"i": uuid.uuid4()}, **settings)
        assert await shapes.raw("UPDATE shapes_figures SET households = 0", **settings) == 0
        assert await shapes.raw("DELETE FROM shapes_figures", **settings) == 0
    assert await shapes.raw(read, system=True) == rows
    assert await shapes.raw(add, {"i": uuid.uuid4()}, system=True) == 1
    assert await shapes.raw("UPDATE shapes_figures SET households = 10 WHERE wijkcode = 'WK034409'", system=True) == 1
    assert await shapes.raw("DELETE FROM shapes_figures WHERE wijkcode = 'WK034409'", system=True) == 1
    assert await shapes.raw(read, tenant=shapes.a) == rows


async def test_the_system_mark_is_per_transaction(shapes: Shapes, postgres_only: None) -> None:
    """The system context marks its transaction, never the connection: the next
    transaction on the same pooled connection has no write path."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from core.db import make_sessionmaker, open_session

    engine = create_async_engine(shapes.platform.settings.database_url, pool_size=1, max_overflow=0)
    try:
        with system_context("test: one connection"):
            async with open_session(make_sessionmaker(engine)) as session:
                assert (await session.execute(text("SELECT current_setting('app.system', true)"))).scalar_one() == "on"
                await session.commit()
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT current_setting('app.system', true)"))).scalar_one() in (None, "")
            with pytest.raises(Exception, match="row-level security"):
                await connection.execute(text("INSERT INTO shapes_figures (id, wijkcode, households) VALUES (:i, 'WK0', 1)"), {"i": uuid.uuid4()})
    finally:
        await engine.dispose()


# -- the shapes in the migration, the policies and the module checks -------------------------


async def test_every_shape_has_forced_row_level_security_and_its_policies(shapes: Shapes, postgres_only: None) -> None:
    tables = migrate.isolated_tables(shapes.platform.runtime)
    assert tables["shapes_examples"] is DataShape.SHARED and tables["shapes_figures"] is DataShape.REFERENCE
    assert tables["partners"] is DataShape.TENANT
    async with shapes.owner.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.policyname, p.cmd "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "LEFT JOIN pg_policies p ON p.tablename = c.relname AND p.schemaname = n.nspname "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            )
        ).all()
    found: dict[str, set[Any]] = {}
    for name, enabled, forced, policy, command in rows:
        found.setdefault(name, set()).add((enabled, forced, policy, command))
    for table, shape in tables.items():
        expected = {(True, True, policy, command) for policy, (command, _using, _check) in migrate.SHAPE_POLICIES[shape].items()}
        assert found.get(table) == expected, (table, found.get(table))


async def test_the_shapes_migrations_match_their_models(shapes: Shapes) -> None:
    metadata = migrate.target_metadata(shapes.platform.runtime)
    assert {"shapes_examples", "shapes_figures"} <= set(metadata.tables)

    def compare(connection: Any) -> list:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True, "include_object": migrate.include_object}
        )
        return compare_metadata(context, metadata)

    async with shapes.owner.connect() as connection:
        assert await connection.run_sync(compare) == []


async def test_purging_and_reinstalling_the_module_restores_its_policies(backend: str, tmp_path: Any) -> None:
    await require_backend(backend)
    database = await fresh_database(backend, tmp_path)
    platform = Platform.create(settings_for_database(database), extra_modules=[SHAPES])
    try:
        await migrate_platform(platform)
        url = platform.settings.effective_migration_url
        assert await migrate.purge_module(platform.runtime, url, "shapes_module") is True
        await migrate_platform(platform)
        if backend == "postgresql":
            engine = create_engine(url)
            try:
                async with engine.connect() as connection:
                    found = await connection.execute(text("SELECT tablename, policyname FROM pg_policies WHERE tablename LIKE 'shapes_%'"))
                    policies = {tuple(row) for row in found}
            finally:
                await engine.dispose()
            assert policies == {
                ("shapes_examples", "shared_read"),
                ("shapes_examples", "shared_write"),
                ("shapes_figures", "reference_read"),
                ("shapes_figures", "reference_write"),
            }
    finally:
        await platform.dispose()
        await database.drop()


def test_a_model_has_exactly_one_shape() -> None:
    assert data_shape(ShapeExample) is DataShape.SHARED
    assert data_shape(ShapeFigure) is DataShape.REFERENCE
    assert data_shape(Partner) is DataShape.TENANT
    assert data_shape(Tenant) is None  # a platform table

    class Both(TenantScopedModel, SharedModel):
        pass

    with pytest.raises(TypeError, match="more than one data shape"):
        data_shape(Both)


def test_a_module_table_without_a_shape_is_reported() -> None:
    from core import core_module
    from core.hookspecs import hookimpl
    from core.module_types import ModuleMeta
    from core.runtime import ModuleRuntime

    class Unshaped:
        @hookimpl
        def module_meta(self) -> ModuleMeta:
            return ModuleMeta(key="unshaped", name="u", description="d")

        @hookimpl
        def register_models(self) -> list[type]:
            return [ShapeFigure, Tenant]  # Tenant stands for any plain table a module might declare

    runtime = ModuleRuntime()
    runtime.register_core(core_module)
    runtime.load([ModuleSource("unshaped", Unshaped, "1"), SHAPES])
    assert migrate.shape_problems(runtime) == {
        "unshaped": "Tenant is neither a TenantScopedModel, a SharedModel nor a NationalReferenceModel"
    }
    assert issubclass(NationalReferenceModel, SQLModel)
