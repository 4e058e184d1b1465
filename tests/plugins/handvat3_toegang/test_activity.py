"""Handvat 3's answers to handvat 1: the year's checks, matches and referrals to regelingen
and the regelingen members know, for the whole gemeente (`wijk_activity`), and the
regelingen the gemeente offers now (`coalition_offer`); each gemeente only its own; the
figures readable with handvat 3's usage permission only."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest

from core.platform import Platform
from core.services import coalition as coalition_service
from core.testing import add_member
from plugins.handvat3_toegang.permissions import USAGE_READ
from plugins.handvat3_toegang.services import activity
from plugins.handvat3_toegang.services.check import count_usage
from tests.conftest import Api, World

ADMIN = World.email("coalition_admin", "utrecht")
PRO = World.email("professional", "utrecht")
ENABLE = 'mutation { enableModule(input: {key: "handvat3_toegang"}) { module { enabled } } }'
MARK = "mutation($id: ID!) { markRegelingKnown(input: {regelingId: $id}) { regeling { key } } }"
HIDE = "mutation($id: ID!) { setRegelingVisibility(input: {id: $id, hidden: true}) { regeling { hidden } } }"
PUBLISH = "mutation($id: ID!) { setRegelingVisibility(input: {id: $id, published: false}) { regeling { published } } }"
YEAR = dt.date.today().year


@pytest.fixture
async def toegang(api: Api, world: World) -> None:
    for slug in ("utrecht", "s-hertogenbosch"):
        (await api.gql(slug, ENABLE, user=World.email("coalition_admin", slug))).ok()


async def regelingen(api: Api, slug: str = "utrecht") -> dict[str, str]:
    data = (await api.gql(slug, "{ regelingen(includeHidden: true, first: 100) { nodes { id key } } }", user=World.email("coalition_admin", slug))).ok()
    return {row["key"]: row["id"] for row in data["regelingen"]["nodes"]}


async def activity_of(platform: Platform, slug: str, year: int = YEAR) -> dict[str, list[tuple[str | None, int, int]]]:
    async with platform.work_as_system(slug, "test") as work:
        figures = await work.hooks.wijk_activity(tenant=work.tenant, year=year, session=work.session)
    return {figure.key: [(cell.region_code, cell.count, cell.subjects) for cell in figure.cells] for figure in figures if figure.key.startswith("handvat3")}


async def test_usage_and_knowledge_of_the_year_for_the_whole_gemeente(api: Api, platform: Platform, toegang: None, world: World) -> None:
    ids = await regelingen(api)
    kindpakket, geldfit = uuid.UUID(ids["kindpakket"]), uuid.UUID(ids["geldfit"])
    async with platform.work_as_system("utrecht", "test") as work:
        await count_usage(
            work.session,
            world.utrecht.id,
            Counter({
                (kindpakket, "checked", f"{YEAR}-01"): 7, (geldfit, "checked", f"{YEAR}-03"): 5, (kindpakket, "matched", f"{YEAR}-01"): 4,
                (kindpakket, "referred", f"{YEAR}-12"): 2, (kindpakket, "checked", f"{YEAR - 1}-12"): 100,
            }),
        )  # fmt: skip
        await coalition_service.create_wijk(work, {"code": "WK034401", "name": "Noord"})
        await work.commit()
    (await api.gql("utrecht", MARK, {"id": ids["kindpakket"]}, user=PRO)).ok()
    (await api.gql("utrecht", MARK, {"id": ids["geldfit"]}, user=PRO)).ok()
    await add_member(platform, "utrecht", "jgz@utrecht.example", ["professional"])
    (await api.gql("utrecht", MARK, {"id": ids["kindpakket"]}, user="jgz@utrecht.example")).ok()

    async with platform.work_as_system("utrecht", "test") as work:
        figures = await activity.wijk_activity(work.session, work.tenant, YEAR)
    # Handvat 3's own permission to read them, wherever they are shown; one cell each, so its
    # subjects are the gemeente's.
    assert {figure.permission for figure in figures} == {USAGE_READ}
    assert [(figure.key, figure.total_subjects) for figure in figures] == [(activity.CHECKED, 12), (activity.MATCHED, 4), (activity.REFERRED, 2), (activity.KNOWN, 2)]
    assert await activity_of(platform, "utrecht") == {
        activity.CHECKED: [("GM0344", 12, 12)],
        activity.MATCHED: [("GM0344", 4, 4)],
        activity.REFERRED: [("GM0344", 2, 2)],
        activity.KNOWN: [("GM0344", 3, 2)],  # three marks by two members
    }
    last_year = await activity_of(platform, "utrecht", YEAR - 1)
    assert last_year[activity.CHECKED] == [("GM0344", 100, 100)] and last_year[activity.KNOWN] == [("GM0344", 0, 0)]
    # 's-Hertogenbosch: nothing of Utrecht's, its own gemeente code (the hook is told the tenant).
    assert await activity_of(platform, "s-hertogenbosch") == {key: [("GM0796", 0, 0)] for key in (activity.CHECKED, activity.MATCHED, activity.REFERRED, activity.KNOWN)}


async def test_the_offer_is_what_parents_find_now(api: Api, platform: Platform, toegang: None) -> None:
    ids = await regelingen(api)
    async with platform.work_as_system("utrecht", "test") as work:
        before = await work.hooks.coalition_offer(session=work.session)
    assert before and {item.kind for item in before} == {"handvat3_toegang.regeling"}
    assert {"kindpakket", "geldfit"} <= {item.code for item in before} and all(item.name and item.description for item in before)
    (await api.gql("utrecht", HIDE, {"id": ids["geldfit"]}, user=ADMIN)).ok()
    (await api.gql("utrecht", PUBLISH, {"id": ids["kindpakket"]}, user=ADMIN)).ok()
    async with platform.work_as_system("utrecht", "test") as work:
        after = [item.code for item in await work.hooks.coalition_offer(session=work.session)]
    assert after == [item.code for item in before if item.code not in ("geldfit", "kindpakket")]
    async with platform.work_as_system("s-hertogenbosch", "test") as work:  # its own catalogue, untouched
        theirs = {item.code for item in await work.hooks.coalition_offer(session=work.session)}
    assert {"geldfit", "kindpakket"} <= theirs
