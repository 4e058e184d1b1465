"""Layer 1 of tenant isolation (the ORM) and the session's serialised I/O."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, insert, select, update

from core.models import Partner, Tenant
from core.platform import Platform
from core.tenancy import CrossTenantWrite, NoTenantContext, TenantContext
from tests.conftest import World


async def test_concurrent_use_of_one_session_is_serialised(platform: Platform, world: World) -> None:
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        results = await asyncio.gather(
            session.scalar(select(func.count()).select_from(Partner)),
            session.scalars(select(Partner)),
            session.execute(select(Tenant.code)),
            session.get(Tenant, world.utrecht.id),
        )
    assert results[0] == 0 and results[3].code == "GM0344"


async def test_no_tenant_context_fails_closed(platform: Platform, world: World) -> None:
    async with platform.session(None) as session:
        with pytest.raises(NoTenantContext):
            await session.execute(select(Partner))
        with pytest.raises(NoTenantContext):
            await session.execute(update(Partner).values(active=False))
        session.add(Partner(name="X", domain="sociaal", type="wijkteam", tenant_id=world.utrecht.id))
        with pytest.raises(NoTenantContext):
            await session.flush()
        await session.rollback()
        session.expunge_all()
        # Platform tables need no tenant context.
        assert (await session.execute(select(func.count()).select_from(Tenant))).scalar_one() == 2


async def test_rows_of_another_tenant_cannot_be_written(platform: Platform, world: World) -> None:
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        session.add(Partner(name="Elders", domain="sociaal", type="wijkteam", tenant_id=world.bosch.id))
        with pytest.raises(CrossTenantWrite):
            await session.flush()
        await session.rollback()
        with pytest.raises(CrossTenantWrite):
            await session.execute(insert(Partner).values(name="Bulk", domain="sociaal", type="wijkteam", tenant_id=world.bosch.id))
        with pytest.raises(CrossTenantWrite):
            await session.execute(insert(Partner), [{"name": "Bulk", "domain": "sociaal", "type": "wijkteam", "tenant_id": world.bosch.id}])
        await session.rollback()
    async with platform.session(TenantContext(tenant_id=world.bosch.id)) as session:
        assert (await session.execute(select(func.count()).select_from(Partner))).scalar_one() == 0


async def test_bulk_update_and_delete_touch_only_the_own_tenant(platform: Platform, world: World) -> None:
    for tenant in (world.utrecht, world.bosch):
        async with platform.session(TenantContext(tenant_id=tenant.id)) as session:
            session.add(Partner(name="Zelfde naam", domain="sociaal", type="wijkteam"))
            await session.commit()
    async with platform.session(TenantContext(tenant_id=world.utrecht.id)) as session:
        changed = await session.execute(update(Partner).where(Partner.name == "Zelfde naam").values(active=False))
        assert changed.rowcount == 1
        await session.commit()
    async with platform.session(TenantContext(tenant_id=world.bosch.id)) as session:
        assert (await session.execute(select(Partner.active))).scalar_one() is True


async def test_system_context_reads_platform_tables_and_no_tenant_data(platform: Platform, world: World) -> None:
    from core.tenancy import system_context

    with system_context("test: a platform job"):
        async with platform.session() as session:
            assert (await session.execute(select(func.count()).select_from(Tenant))).scalar_one() == 2
            with pytest.raises(NoTenantContext):
                await session.execute(select(Partner))
    with pytest.raises(ValueError):
        with system_context(""):
            pass


def test_the_tables_a_statement_reaches_are_remembered_per_statement_shape(platform: Platform) -> None:
    """Finding the shaped tables walks the whole statement; the answer is remembered by the
    statement's cache key, which differs whenever the tables differ (a subquery included)
    and is the same for the same statement with other values."""
    import uuid

    from sqlalchemy import exists
    from sqlalchemy import inspect as inspect_model

    from core.db import _SHAPES_BY_STATEMENT, _shaped_classes_in
    from core.models import Membership
    from core.processing import RegisteredActivity

    def partners_where(subquery_model: type, value: uuid.UUID):  # noqa: ANN202
        return select(Partner).where(Partner.id == value, exists(select(subquery_model.id).where(subquery_model.id == value)))

    asked = []

    def mappers() -> list:
        # The ORM works a statement's entities out anew on every call: asked for a new shape only.
        asked.append(1)
        return [inspect_model(Partner)]

    _SHAPES_BY_STATEMENT.clear()
    with_members = _shaped_classes_in(partners_where(Membership, uuid.uuid4()), mappers)
    assert set(with_members) == {Partner, Membership}
    assert len(_SHAPES_BY_STATEMENT) == 1 and len(asked) == 1
    assert _shaped_classes_in(partners_where(Membership, uuid.uuid4()), mappers) is with_members  # remembered
    assert len(asked) == 1
    assert set(_shaped_classes_in(partners_where(RegisteredActivity, uuid.uuid4()), mappers)) == {Partner, RegisteredActivity}
    assert len(_SHAPES_BY_STATEMENT) == 2 and len(asked) == 2


async def test_the_criteria_of_a_tenant_are_made_once_and_never_serve_another(platform: Platform, world: World) -> None:
    """The tenant criteria added to a statement are made once per tenant and set of classes
    (building them analyses a lambda); a statement of another tenant gets its own, and each
    reads only its own rows, also when the other's criteria were made first."""
    from core.db import _CRITERIA_BY_TENANT

    for tenant in (world.utrecht, world.bosch):
        async with platform.session(TenantContext(tenant_id=tenant.id)) as session:
            session.add(Partner(name=f"Criteria {tenant.slug}", domain="sociaal", type="wijkteam"))
            await session.commit()
    _CRITERIA_BY_TENANT.clear()
    names = {}
    for tenant in (world.utrecht, world.bosch, world.utrecht):
        async with platform.session(TenantContext(tenant_id=tenant.id)) as session:
            names[tenant.slug] = set((await session.execute(select(Partner.name).where(Partner.name.like("Criteria %")))).scalars())
    assert names == {"utrecht": {"Criteria utrecht"}, "s-hertogenbosch": {"Criteria s-hertogenbosch"}}
    made = {key[0]: options for key, options in _CRITERIA_BY_TENANT.items() if key[1] == (Partner,)}
    assert set(made) == {world.utrecht.id, world.bosch.id}  # one entry each: utrecht's was reused
    assert made[world.utrecht.id] is not made[world.bosch.id]
