"""One question over all of a member's gemeenten (core.member_gemeenten), without any module
of its own: the person's gemeenten with the module on, each read as that membership, never
another gemeente; the second-step policy per gemeente; queries only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from core.db import begin_write
from core.member_gemeenten import in_member_gemeenten
from core.models import Tenant
from core.platform import Platform
from core.testing import add_member, disable_module, make_world, owner_engine, token_for

MODULE = "handvat3_toegang"


async def ask(platform: Platform, slug: str, email: str, *, amr: tuple[str, ...] = ("pwd", "otp")) -> list[tuple[str, Any, str | None]]:
    claims = await platform.identity.tokens.verify_access_token(await token_for(platform, slug, email, amr=amr))

    async def read(work: Any) -> tuple[str, frozenset[str]]:
        return str(work.principal.membership_id), work.principal.roles

    async with platform.request_context(slug, claims) as context:
        answers = await in_member_gemeenten(context, MODULE, read)
    return [(answer.tenant.slug, answer.value, answer.problem) for answer in answers]


async def test_the_persons_gemeenten_with_the_module_on_each_as_that_membership(platform: Platform) -> None:
    utrecht = await make_world(platform, "GM0344", modules=[MODULE])
    bosch = await make_world(platform, "GM0796", modules=[MODULE])
    await make_world(platform, "GM0363", modules=[MODULE])  # Amsterdam: not a member there
    person = utrecht.email("professional")
    there = await add_member(platform, bosch.slug, person, ["analyst"])
    answers = await ask(platform, utrecht.slug, person)
    assert answers == [
        ("utrecht", (utrecht.members["professional"], frozenset({"professional"})), None),
        ("s-hertogenbosch", (str(there.id), frozenset({"analyst"})), None),
    ]
    # Asked from 's-Hertogenbosch: that one first.
    assert [slug for slug, _value, _problem in await ask(platform, bosch.slug, person)] == ["s-hertogenbosch", "utrecht"]
    # The module off there, or the gemeente suspended: not asked, not named.
    await disable_module(platform, bosch.slug, MODULE)
    assert [slug for slug, _value, _problem in await ask(platform, utrecht.slug, person)] == ["utrecht"]


async def test_a_gemeente_asking_a_second_step_the_login_did_not_make_says_so(platform: Platform) -> None:
    utrecht = await make_world(platform, "GM0344", modules=[MODULE])
    bosch = await make_world(platform, "GM0796", modules=[MODULE])
    person = utrecht.email("professional")
    await add_member(platform, bosch.slug, person, ["professional"])
    async with owner_engine(platform).begin() as connection:
        await connection.execute(update(Tenant).where(Tenant.slug == bosch.slug).values(mfa_required_for_all=True))
    answers = await ask(platform, utrecht.slug, person, amr=("pwd",))
    assert [(slug, problem) for slug, _value, problem in answers] == [("utrecht", None), ("s-hertogenbosch", "MFA_REQUIRED")]
    assert answers[1][1] is None


async def test_it_is_for_queries_only(platform: Platform) -> None:
    utrecht = await make_world(platform, "GM0344", modules=[MODULE])
    claims = await platform.identity.tokens.verify_access_token(await token_for(platform, utrecht.slug, utrecht.email("professional")))
    async with platform.request_context(utrecht.slug, claims) as context:
        await begin_write(context.session)

        async def read(work: Any) -> None:
            return None

        with pytest.raises(RuntimeError, match="for queries"):
            await in_member_gemeenten(context, MODULE, read)
        await context.session.rollback()
