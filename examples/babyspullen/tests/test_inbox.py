"""One inbox for a volunteer who is a member in two of three gemeenten: both gemeenten's
requests, nothing of the third, each gemeente read as that membership and logged there."""

from __future__ import annotations

from collections import Counter

from conftest import INBOX, VOLUNTEER, Coalitions, move, request_package

from sqlalchemy import text

from core.testing import add_member, assert_error, disable_module, ok, owner_engine, token_for


async def inbox(api, world, user=VOLUNTEER):
    return ok(await api.gql(world.slug, INBOX, user=user))["starterPackageInbox"]


async def test_a_volunteer_of_two_gemeenten_sees_both_and_nothing_of_the_third(api, platform, coalitions: Coalitions) -> None:
    utrecht, den_bosch, amsterdam = coalitions.utrecht, coalitions.den_bosch, coalitions.amsterdam
    in_utrecht = await request_package(api, utrecht)
    in_den_bosch = await request_package(api, den_bosch, handover="BEZORGEN", pickupPoint=None, deliveryAddress="Markt 1, 's-Hertogenbosch")
    in_amsterdam = await request_package(api, amsterdam)

    sections = await inbox(api, utrecht)  # logged in to Utrecht
    assert [(section["slug"], section["problem"]) for section in sections] == [("utrecht", None), ("s-hertogenbosch", None)]
    assert [[node["id"] for node in section["requests"]] for section in sections] == [[in_utrecht["id"]], [in_den_bosch["id"]]]
    assert all(node["familyId"] is None for section in sections for node in section["requests"])
    # The address only once the foundation accepted (it needs it to deliver, not to decide).
    assert sections[1]["requests"][0]["deliveryAddress"] is None
    ok(await move(api, den_bosch, in_den_bosch["id"], "ACCEPTEREN", who=VOLUNTEER))
    accepted = (await inbox(api, utrecht))[1]["requests"][0]
    assert (accepted["state"], accepted["deliveryAddress"]) == ("GEACCEPTEERD", "Markt 1, 's-Hertogenbosch")
    every_id = {node["id"] for section in sections for node in section["requests"]}
    assert in_amsterdam["id"] not in every_id

    # Logged in to 's-Hertogenbosch: the same requests, that gemeente first.
    assert [section["slug"] for section in await inbox(api, den_bosch)] == ["s-hertogenbosch", "utrecht"]
    # Amsterdam's own volunteer sees Amsterdam only.
    assert [section["slug"] for section in await inbox(api, amsterdam, amsterdam.email("vrijwilliger"))] == ["amsterdam"]

    # Each gemeente's read is in that gemeente's processing log, with the request read there.
    async with owner_engine(platform).connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT tenant_id, data_subject FROM processing_log WHERE operation = 'starterPackageInbox' AND actor = :actor"),
                {"actor": VOLUNTEER},
            )
        ).all()
    # (the subject is stored keyed-hashed): one record per inbox read per gemeente, for its one
    # request; three reads (twice logged in to Utrecht, once to 's-Hertogenbosch), none in Amsterdam.
    logged = Counter(str(tenant_id).replace("-", "") for tenant_id, _subject in rows)
    assert logged == {utrecht.tenant_id.replace("-", ""): 3, den_bosch.tenant_id.replace("-", ""): 3}


async def test_a_gemeente_with_the_module_off_or_the_membership_ended_drops_out(api, platform, coalitions: Coalitions) -> None:
    utrecht, den_bosch = coalitions.utrecht, coalitions.den_bosch
    await request_package(api, den_bosch)
    await disable_module(platform, den_bosch.slug, "babyspullen")
    assert [section["slug"] for section in await inbox(api, utrecht)] == ["utrecht"]


async def test_a_member_of_another_organisation_has_an_empty_inbox_and_others_are_refused(api, platform, coalitions: Coalitions) -> None:
    utrecht = coalitions.utrecht
    await request_package(api, utrecht)
    # The debt counsellor (partner_worker of another organisation) may handle requests, but none are for them.
    sections = await inbox(api, utrecht, utrecht.email("partner_worker"))
    assert [(section["slug"], section["requests"]) for section in sections] == [("utrecht", [])]
    assert_error(await api.gql(utrecht.slug, INBOX, user=utrecht.email("professional")), "FORBIDDEN")
    # A volunteer who is a professional (no handling permission) in Amsterdam: Amsterdam says FORBIDDEN, nothing leaks.
    await add_member(platform, coalitions.amsterdam.slug, VOLUNTEER, ["professional"], partner_id=coalitions.amsterdam.partners["stichting"])
    sections = await inbox(api, utrecht)
    assert [(section["slug"], section["problem"], section["requests"] == []) for section in sections] == [
        ("utrecht", None, False),
        ("amsterdam", "FORBIDDEN", True),
        ("s-hertogenbosch", None, True),
    ]


async def test_a_gemeente_that_asks_a_second_login_step_says_so_instead_of_answering(api, platform, coalitions: Coalitions) -> None:
    utrecht, den_bosch = coalitions.utrecht, coalitions.den_bosch
    await request_package(api, den_bosch)
    async with owner_engine(platform).begin() as connection:
        await connection.execute(text("UPDATE tenants SET mfa_required_for_all = true WHERE slug = :slug"), {"slug": den_bosch.slug})
    password_only = await token_for(platform, utrecht.slug, VOLUNTEER, amr=["pwd"])
    sections = ok(await api.gql(utrecht.slug, INBOX, token=password_only))["starterPackageInbox"]
    assert [(section["slug"], section["problem"], section["requests"]) for section in sections] == [
        ("utrecht", None, []),
        ("s-hertogenbosch", "MFA_REQUIRED", []),
    ]
