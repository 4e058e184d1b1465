"""The lending point, through the real API, on SQLite and PostgreSQL, with only core.testing."""

from __future__ import annotations

from core.testing import (
    add_member,
    assert_error,
    configure_module,
    count_statements,
    disable_module,
    enable_module,
    error_code,
    execute,
    make_partner,
    make_world,
    ok,
)

KEY = "uitleen"
ITEMS = "{ uitleenItems { name available offeredByMyOrganisation } }"
ADD = "mutation($i: AddUitleenItemInput!) { addUitleenItem(input: $i) { item { id name offeredByMyOrganisation } } }"


async def add(api, world, who, name):
    return await api.gql(world.slug, ADD, {"i": {"name": name}}, user=world.email(who))


async def test_a_partner_worker_adds_and_everyone_with_the_permission_reads(api, utrecht) -> None:
    added = ok(await add(api, utrecht, "partner_worker", "Kinderwagen"))["addUitleenItem"]["item"]
    assert added["name"] == "Kinderwagen" and added["offeredByMyOrganisation"] is True
    # The professional works at another partner: the item is not their organisation's.
    items = ok(await api.gql(utrecht.slug, ITEMS, user=utrecht.email("professional")))["uitleenItems"]
    assert items == [{"name": "Kinderwagen", "available": True, "offeredByMyOrganisation": False}]


async def test_roles_without_the_permission_are_refused(api, utrecht) -> None:
    assert_error(await add(api, utrecht, "professional", "Wieg"), "FORBIDDEN")
    assert error_code(await api.gql(utrecht.slug, ITEMS, user=utrecht.email("analyst"))) == "FORBIDDEN"
    # A ready token from the world, instead of an e-mail address.
    assert_error(await api.gql(utrecht.slug, ITEMS, token=utrecht.token("experience_expert")), "FORBIDDEN")


async def test_bad_input_names_the_field(api, utrecht) -> None:
    assert_error(await add(api, utrecht, "partner_worker", "   "), "VALIDATION_FAILED", field="input.name")


async def test_the_configuration_limits_the_items(api, platform, utrecht) -> None:
    await enable_module(platform, utrecht.slug, KEY, {"max_items": 1})
    ok(await add(api, utrecht, "partner_worker", "Box"))
    assert_error(await add(api, utrecht, "partner_worker", "Wieg"), "UITLEEN_FULL", field="input.name")
    await configure_module(platform, utrecht.slug, KEY, {"max_items": 2})
    ok(await add(api, utrecht, "partner_worker", "Wieg"))
    # A key the configuration does not have is refused, through the API as well.
    enable = 'mutation { enableModule(input: {key: "uitleen", config: {maxItem: 3}}) { module { key } } }'
    assert_error(await api.gql(utrecht.slug, enable, user=utrecht.email("coalition_admin")), "INVALID_CONFIG")


async def test_switched_off_it_answers_module_not_enabled_and_keeps_its_data(api, platform, utrecht) -> None:
    ok(await add(api, utrecht, "partner_worker", "Kinderwagen"))
    await disable_module(platform, utrecht.slug, KEY)
    assert_error(await api.gql(utrecht.slug, ITEMS, user=utrecht.email("professional")), "MODULE_NOT_ENABLED")
    await enable_module(platform, utrecht.slug, KEY)
    assert len(ok(await api.gql(utrecht.slug, ITEMS, user=utrecht.email("professional")))["uitleenItems"]) == 1


async def test_another_gemeente_sees_nothing_of_it(api, platform, utrecht) -> None:
    bosch = await make_world(platform, "GM0796", modules=[KEY])
    ok(await add(api, utrecht, "partner_worker", "Kinderwagen"))
    assert ok(await api.gql(bosch.slug, ITEMS, user=bosch.email("professional")))["uitleenItems"] == []
    # Utrecht's member has no business in 's-Hertogenbosch.
    assert (await api.gql(bosch.slug, ITEMS, user=utrecht.email("professional"))).status in (401, 403)


async def test_a_new_partner_and_its_member(api, platform, utrecht) -> None:
    partner = await make_partner(platform, utrecht.slug, "Babyspullenbank Oost", type="welzijn", domain="informeel")
    email = f"vrijwilliger@{utrecht.slug}.example"
    await add_member(platform, utrecht.slug, email, ["partner_worker"], partner_id=partner.id)
    ok(await api.gql(utrecht.slug, ADD, {"i": {"name": "Badje"}}, user=email))
    mine = ok(await execute(platform, utrecht.slug, ITEMS, user=email))["uitleenItems"]  # without HTTP
    others = ok(await execute(platform, utrecht.slug, ITEMS, user=utrecht.email("partner_worker")))["uitleenItems"]
    assert mine[0]["offeredByMyOrganisation"] is True and others[0]["offeredByMyOrganisation"] is False


async def test_the_list_costs_the_same_statements_for_more_items(api, utrecht) -> None:
    async def statements_for_list() -> int:
        token = utrecht.token("professional")  # minted beforehand: a login is not the list's cost
        with count_statements(api.platform) as statements:
            ok(await api.gql(utrecht.slug, ITEMS, token=token))
        return len(statements)

    ok(await add(api, utrecht, "partner_worker", "Item 0"))
    one = await statements_for_list()
    for index in range(1, 6):
        ok(await add(api, utrecht, "partner_worker", f"Item {index}"))
    assert await statements_for_list() == one
