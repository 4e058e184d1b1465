"""Concurrent requests: uniqueness clashes are conflicts (never 500s), and a module's
lifecycle hook fires once however many admins enable it at the same moment."""

from __future__ import annotations

import asyncio

from tests.conftest import Api, World
from tests.support import tiny_notes

ADMIN = World.email("coalition_admin", "utrecht")


async def test_parallel_creates_of_the_same_partner(api: Api, world: World) -> None:
    mutation = 'mutation { createPartner(input: {name: "Race BV", domain: SOCIAAL, type: OVERIG}) { partner { id } } }'
    await api.token("utrecht", ADMIN)
    responses = await asyncio.gather(*(api.gql("utrecht", mutation, user=ADMIN) for _ in range(8)))
    codes = sorted(response.codes[0] if response.codes else "OK" for response in responses)
    assert codes == ["CONFLICT"] * 7 + ["OK"]
    count = (await api.gql("utrecht", "{ partners { totalCount } }", user=ADMIN)).ok()
    assert count["partners"]["totalCount"] == 1


async def test_parallel_enables_fire_the_lifecycle_hook_once(api: Api, world: World) -> None:
    mutation = 'mutation { enableModule(input: {key: "tiny_notes"}) { module { enabled } } }'
    await api.token("utrecht", ADMIN)
    responses = await asyncio.gather(*(api.gql("utrecht", mutation, user=ADMIN) for _ in range(6)))
    assert all(response.ok()["enableModule"]["module"]["enabled"] for response in responses)
    assert len(tiny_notes.CALLS["module_enabled"]) == 1


async def test_two_admins_cannot_demote_each_other_at_once(api: Api, world: World) -> None:
    second = "tweede@utrecht.example"
    created = await api.gql(
        "utrecht",
        'mutation { createMember(input: {email: "tweede@utrecht.example", displayName: "Tweede", roles: [COALITION_ADMIN]}) { member { id } } }',
        user=ADMIN,
    )
    second_id = created.ok()["createMember"]["member"]["id"]
    first_id = (await api.gql("utrecht", "{ me { member { id } } }", user=ADMIN)).ok()["me"]["member"]["id"]
    demote = 'mutation($id: ID!) { updateMember(input: {id: $id, roles: [ANALYST]}) { member { roles } } }'
    await api.token("utrecht", second)
    results = await asyncio.gather(
        api.gql("utrecht", demote, {"id": second_id}, user=ADMIN), api.gql("utrecht", demote, {"id": first_id}, user=second)
    )
    assert sorted(response.codes[0] if response.codes else "OK" for response in results) == ["OK", "VALIDATION_FAILED"]
