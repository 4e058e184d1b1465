"""Migrations: every branch applies to an empty database and matches the models exactly;
a module's branch can be purged without touching anything else."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from core import migrate
from core.models import Partner
from core.platform import Platform
from core.testing import (
    add_member,
    fresh_database,
    make_tenant,
    migrate_platform,
    owner_engine,
    require_backend,
    settings_for_database,
)
from tests.conftest import TINY_EXTRA, TINY_NOTES
from tests.support import tiny_notes


@pytest.fixture
async def empty_platform(backend: str, tmp_path) -> AsyncIterator[Platform]:
    await require_backend(backend)
    database = await fresh_database(backend, tmp_path)
    platform = Platform.create(settings_for_database(database), extra_modules=[TINY_NOTES, TINY_EXTRA])
    try:
        yield platform
    finally:
        await platform.dispose()
        await database.drop()


async def differences(platform: Platform) -> list:
    metadata = migrate.target_metadata(platform.runtime)

    def compare(connection: object) -> list:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True, "include_object": migrate.include_object}
        )
        return compare_metadata(context, metadata)

    async with platform.engine.connect() as connection:
        return await connection.run_sync(compare)


async def table_names(platform: Platform) -> set[str]:
    async with platform.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync)))


async def test_migrations_match_the_models(empty_platform: Platform) -> None:
    await migrate_platform(empty_platform)
    assert await differences(empty_platform) == []
    assert migrate.pending_revisions(empty_platform.runtime, await migrate.applied_heads(empty_platform.engine)) == set()


async def test_every_migration_downgrades(empty_platform: Platform) -> None:
    url = empty_platform.settings.effective_migration_url
    await migrate_platform(empty_platform)
    config = migrate.alembic_config(empty_platform.runtime, url)
    await migrate._run(owner_engine(empty_platform), config, lambda cfg: command.downgrade(cfg, "base"))
    assert await table_names(empty_platform) <= {"alembic_version"}
    await migrate_platform(empty_platform)
    assert await differences(empty_platform) == []


async def test_purge_removes_only_that_module(empty_platform: Platform) -> None:
    platform = empty_platform
    url = platform.settings.effective_migration_url
    await migrate_platform(platform)
    tenant = await make_tenant(platform, "GM0344", enable=["tiny_notes"])
    await add_member(platform, tenant.slug, "admin@utrecht.example", ["coalition_admin"])
    async with platform.work_as_system(tenant.slug, "test") as work:
        work.session.add(tiny_notes.TinyNote(text="weg"))
        work.session.add(Partner(name="Blijft", domain="sociaal", type="wijkteam"))
        await work.commit()

    assert await migrate.purge_module(platform.runtime, url, "tiny_notes") is True
    assert "tiny_notes" not in await table_names(platform)
    async with platform.work_as_system(tenant.slug, "test") as work:
        assert (await work.session.execute(select(func.count()).select_from(Partner))).scalar_one() == 1
    # Nothing to purge for a module without revisions (every installed module has some now).
    assert await migrate.purge_module(platform.runtime, url, "without_tables") is False
    # The branch can be installed again.
    await migrate_platform(platform)
    assert "tiny_notes" in await table_names(platform)


async def test_uninstalled_module_with_tables_is_reported(empty_platform: Platform) -> None:
    """A module uninstalled without purging leaves its revision behind: migrate and /ready
    say so clearly instead of failing obscurely."""
    await migrate_platform(empty_platform)
    without_tiny = Platform.create(empty_platform.settings)
    try:
        applied = await migrate.applied_heads(without_tiny.engine)
        assert migrate.unknown_revisions(without_tiny.runtime, applied) == {"tiny_0001"}
        with pytest.raises(migrate.UnknownRevisions, match="tiny_0001"):
            await migrate_platform(without_tiny)
    finally:
        await without_tiny.dispose()


def test_module_branch_must_be_labelled_and_depend_on_core(tmp_path) -> None:
    from core import core_module
    from core.hookspecs import hookimpl
    from core.module_types import ModuleMeta
    from core.runtime import ModuleRuntime

    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "bad_0001.py").write_text(
        'revision = "bad_0001"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n'
        "def upgrade():\n    pass\ndef downgrade():\n    pass\n"
    )

    class Unlabelled:
        @hookimpl
        def module_meta(self) -> ModuleMeta:
            return ModuleMeta(key="unlabelled", name="u", description="d")

        @hookimpl
        def register_migrations(self) -> str:
            return str(versions)

    runtime = ModuleRuntime()
    runtime.register_core(core_module)
    from core.runtime import ModuleSource

    runtime.load([ModuleSource("unlabelled", Unlabelled, "1")])
    assert migrate.branch_problems(runtime) == {"unlabelled": "first revision bad_0001 must have branch_labels = ('unlabelled',)"}


def test_generated_revisions_use_plain_sqlalchemy_types() -> None:
    """A revision imports `sqlalchemy as sa` only: the platform's column types are written as
    plain SQLAlchemy types, SQLModel's `str` column (AutoString) too (a module whose model has
    `state: str = Field(max_length=20)` got `sqlmodel.sql.sqltypes.AutoString` without an import)."""
    from sqlalchemy import Integer
    from sqlmodel.sql.sqltypes import AutoString

    from core.db import JSONType, UTCDateTime
    from core.migrate import render_item

    class Context:
        imports: set[str] = set()

    assert render_item("type", AutoString(length=20), Context()) == "sa.String(length=20)"
    assert render_item("type", AutoString(), Context()) == "sa.String()"
    assert render_item("type", UTCDateTime(), Context()) == "sa.DateTime(timezone=True)"
    assert render_item("type", JSONType, Context()) == "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    assert Context.imports == {"from sqlalchemy.dialects import postgresql"}
    assert render_item("type", Integer(), Context()) is False and render_item("column", AutoString(), Context()) is False
