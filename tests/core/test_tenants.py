"""Tenants: the gemeenten reference list, creation rules, suspension."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import gemeenten
from core.errors import Conflict, DomainError, ValidationFailed
from core.models import Partner, Tenant
from core.platform import Platform
from core.services import tenants as tenant_service
from core.models import TenantStatus
from tests.conftest import Api, World


def test_reference_list_is_complete_and_sourced() -> None:
    reference = gemeenten.reference_list()
    source = gemeenten.reference_source()
    assert len(reference) == source["count"] == 342
    assert reference["GM0344"].name == "Utrecht"
    assert reference["GM0796"].name == "'s-Hertogenbosch"
    assert all(gemeenten.GEMEENTECODE_PATTERN.match(code) for code in reference)
    assert source["valid_on"] == "2026-01-01" and source["source_url"].startswith("https://www.cbs.nl/")


@pytest.mark.parametrize(
    ("arguments", "error", "field"),
    [
        ({"code": "0344"}, ValidationFailed, "code"),
        ({"code": "GM34"}, ValidationFailed, "code"),
        ({"code": "GM9999"}, ValidationFailed, "code"),  # not in the reference list
        ({"code": "GM9999", "allow_unlisted": True}, ValidationFailed, "name"),  # override needs a name
        ({"code": "GM0344", "slug": "Utrecht Stad"}, ValidationFailed, "slug"),
        ({"code": "GM0344", "slug": "-utrecht"}, ValidationFailed, "slug"),
        ({"code": "GM1999", "allow_unlisted": True, "name": "N" * 201}, ValidationFailed, "name"),
        ({"code": "GM1999", "allow_unlisted": True, "name": "Nieuw\nland"}, ValidationFailed, "name"),
    ],
)
async def test_create_tenant_refuses_bad_input(
    platform: Platform, arguments: dict, error: type[DomainError], field: str
) -> None:
    async with platform.session(None) as session:
        with pytest.raises(error) as raised:
            await tenant_service.create_tenant(session, **arguments)
        assert raised.value.field == field
        await session.rollback()
        assert (await session.execute(select(func.count()).select_from(Tenant))).scalar_one() == 0


async def test_create_tenant_defaults_and_duplicates(platform: Platform) -> None:
    async with platform.session(None) as session:
        bosch = await tenant_service.create_tenant(session, code="gm0796")
        assert (bosch.code, bosch.name, bosch.slug, bosch.status) == ("GM0796", "'s-Hertogenbosch", "s-hertogenbosch", "active")
        await session.commit()
        with pytest.raises(Conflict) as duplicate_code:
            await tenant_service.create_tenant(session, code="GM0796", slug="den-bosch")
        assert duplicate_code.value.field == "code"
        with pytest.raises(Conflict) as duplicate_slug:
            await tenant_service.create_tenant(session, code="GM0344", slug="s-hertogenbosch")
        assert duplicate_slug.value.field == "slug"
        # The operator override admits a code that is not (yet) in the list.
        new = await tenant_service.create_tenant(session, code="GM1999", name="Nieuwe Gemeente", allow_unlisted=True)
        assert new.slug == "nieuwe-gemeente"
        await session.commit()


async def test_suspended_tenant_refuses_every_request_and_keeps_data(api: Api, world: World, platform: Platform) -> None:
    admin = World.email("coalition_admin", "utrecht")
    created = await api.gql(
        "utrecht",
        'mutation { createPartner(input: {name: "Voedselbank", domain: INFORMEEL, type: VOEDSELBANK}) { partner { id } } }',
        user=admin,
    )
    created.ok()
    async with platform.session(None) as session:
        await tenant_service.set_status(session, "utrecht", TenantStatus.SUSPENDED)
        await session.commit()
    for user in (admin, None, "unknown@example.org"):
        response = await api.gql("utrecht", "{ tenant { name } }", user=user)
        assert response.status == 403
        assert response.codes == ["TENANT_SUSPENDED"]
        assert "opgeschort" in response.errors[0]["message"]
    # Another tenant is unaffected.
    (await api.gql("s-hertogenbosch", "{ tenant { name } }", user=World.email("analyst", "s-hertogenbosch"))).ok()
    async with platform.session(None) as session:
        await tenant_service.set_status(session, "utrecht", TenantStatus.ACTIVE)
        await session.commit()
    data = (await api.gql("utrecht", "{ partners { totalCount } }", user=admin)).ok()
    assert data["partners"]["totalCount"] == 1


async def test_unknown_tenant(api: Api, world: World) -> None:
    response = await api.gql("atlantis", "{ tenant { name } }", user=World.email("coalition_admin", "utrecht"))
    assert response.status == 404
    assert response.codes == ["TENANT_NOT_FOUND"]


async def test_a_cached_tenant_id_that_does_not_fit_is_looked_up_again(api: Api, world: World, platform: Platform) -> None:
    """Requests find a gemeente's id in a cache (slugs and ids never change); an entry that
    points elsewhere (say, a gemeente re-created in a restored database) decides nothing."""
    elsewhere = world.bosch.id  # a live gemeente: the wrong session would work
    admin = World.email("coalition_admin", "utrecht")
    platform._tenant_ids["utrecht"] = elsewhere
    assert (await api.gql("utrecht", "{ tenant { slug } }", user=admin)).ok()["tenant"]["slug"] == "utrecht"
    assert await platform.tenant_id_of("utrecht") == world.utrecht.id  # the entry was corrected
    # A token of the gemeente the stale entry points to is still refused at Utrecht.
    platform._tenant_ids["utrecht"] = elsewhere
    token = await api.token("s-hertogenbosch", World.email("coalition_admin", "s-hertogenbosch"))
    response = await api.gql("utrecht", "{ tenant { slug } }", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 403 and response.codes == ["TENANT_MISMATCH"]
    # The public entry (no token, nothing to compare with) and a gemeente that does not exist.
    platform._tenant_ids["utrecht"] = elsewhere
    async with platform.public_context("utrecht") as context:
        assert context.tenant.id == world.utrecht.id
    platform._tenant_ids["atlantis"] = elsewhere
    with pytest.raises(DomainError) as raised:
        async with platform.public_context("atlantis"):
            pass
    assert raised.value.code == "TENANT_NOT_FOUND"
    platform._tenant_ids["atlantis"] = elsewhere
    assert (await api.gql("atlantis", "{ tenant { slug } }")).codes == ["TENANT_NOT_FOUND"]
    assert "atlantis" not in platform._tenant_ids  # an entry for a slug that is gone is dropped


async def test_set_status_of_unknown_tenant(platform: Platform) -> None:
    async with platform.session(None) as session:
        with pytest.raises(DomainError) as raised:
            await tenant_service.set_status(session, "atlantis", TenantStatus.SUSPENDED)
    assert raised.value.code == "TENANT_NOT_FOUND"


async def test_partner_rows_are_tenant_stamped(api: Api, world: World, platform: Platform) -> None:
    for slug in ("utrecht", "s-hertogenbosch"):
        (
            await api.gql(
                slug,
                'mutation { createPartner(input: {name: "JGZ", domain: MEDISCH, type: JGZ}) { partner { id } } }',
                user=World.email("coalition_admin", slug),
            )
        ).ok()
    from core.testing import owner_engine

    async with owner_engine(platform).connect() as connection:  # the owner sees every tenant's rows
        rows = (await connection.execute(select(Partner.__table__.c.tenant_id, Partner.__table__.c.name))).all()
    assert sorted(tenant_id for tenant_id, _name in rows) == sorted([world.utrecht.id, world.bosch.id])
