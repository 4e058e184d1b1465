"""Handvat 2's answer to `wijk_activity`: the year's signals, new families and referrals
(sent, accepted, completed with the family helped) per wijk code, raw, with the distinct
families behind each and over the whole gemeente (a family in two wijken is one family,
also in "wijk unknown"), readable with handvat 2's figures permission only; counted in a
fixed number of statements; erased families gone; only the gemeente's own work."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update

from core.platform import Platform
from core.services import coalition as coalition_service
from core.testing import count_statements
from plugins.handvat2_signaleren.models import Signal
from plugins.handvat2_signaleren.permissions import FIGURES_READ
from plugins.handvat2_signaleren.services import activity
from tests.conftest import Api, World
from tests.plugins.handvat2_signaleren.conftest import Coalition, Flow, next_month

PRIVACY = World.email("privacy_officer", "utrecht")
ERASE = "mutation($id: ID!, $r: String!) { eraseFamily(input: {familyId: $id, reason: $r}) { familyId } }"
THIS_YEAR = dt.date.today().year
UPDATE_FAMILY = "mutation($i: UpdateFamilyInput!) { updateFamily(input: $i) { family { id } } }"


async def add_wijken(platform: Platform, slug: str, codes: list[str]) -> None:
    async with platform.work_as_system(slug, "test") as work:
        for code in codes:
            await coalition_service.create_wijk(work, {"code": code, "name": f"Wijk {code[-2:]}"})
        await work.commit()


async def activity_of(platform: Platform, slug: str, year: int = THIS_YEAR) -> dict[str, dict[str | None, tuple[int, int]]]:
    """Through core's hook facade, as handvat 1 asks: key -> {region code: (count, subjects)}."""
    async with platform.work_as_system(slug, "test") as work:
        figures = await work.hooks.wijk_activity(tenant=work.tenant, year=year, session=work.session)
    return {figure.key: {cell.region_code: (cell.count, cell.subjects) for cell in figure.cells} for figure in figures}


async def test_the_years_work_per_wijk(api: Api, platform: Platform, utrecht: Coalition, flow: Flow) -> None:
    await add_wijken(platform, "utrecht", ["WK034401", "WK034402"])
    noord = [await flow.register(f"VK-N-{index}", wijkCode="WK034401") for index in range(3)]
    zuid = await flow.register("VK-Z-1", wijkCode="WK034402")
    nowhere = await flow.register("VK-X-1")
    for family in noord:
        await flow.signal(family["id"])
    await flow.signal(noord[0]["id"])  # one family twice: two signals, one family
    await flow.signal(zuid["id"])
    await flow.signal(nowhere["id"])
    # Referrals: Noord's first family sent, accepted, started and completed (helped); the
    # second sent and rejected; Zuid's sent and accepted.
    first = await flow.refer(noord[0]["id"], (await flow.consent(noord[0]["id"]))["id"])
    for step, extra in (("accepteren", {}), ("starten", {}), ("afronden", {"outcome": "GEHOLPEN"})):
        (await flow.move(first["id"], step, **extra)).ok()
    second = await flow.refer(noord[1]["id"], (await flow.consent(noord[1]["id"]))["id"])
    (await flow.move(second["id"], "afwijzen", reason="Geen plek")).ok()
    third = await flow.refer(zuid["id"], (await flow.consent(zuid["id"]))["id"])
    (await flow.move(third["id"], "accepteren")).ok()
    await flow.refer(nowhere["id"], (await flow.consent(nowhere["id"]))["id"], send=False)  # a concept: not sent

    counted = await activity_of(platform, "utrecht")
    assert list(counted) == [activity.SIGNALS, activity.FAMILIES_REGISTERED, activity.REFERRALS_SENT, activity.REFERRALS_ACCEPTED, activity.REFERRALS_HELPED]
    assert counted[activity.SIGNALS] == {"WK034401": (4, 3), "WK034402": (1, 1), None: (1, 1)}
    assert counted[activity.FAMILIES_REGISTERED] == {"WK034401": (3, 3), "WK034402": (1, 1), None: (1, 1)}
    assert counted[activity.REFERRALS_SENT] == {"WK034401": (2, 2), "WK034402": (1, 1)}
    assert counted[activity.REFERRALS_ACCEPTED] == {"WK034401": (1, 1), "WK034402": (1, 1)}
    assert counted[activity.REFERRALS_HELPED] == {"WK034401": (1, 1)}

    async with platform.work_as_system("utrecht", "test") as work:
        figures = await activity.wijk_activity(work.session, THIS_YEAR)
    per_births = {figure.key: figure.per_births for figure in figures}
    assert per_births == {activity.SIGNALS: True, activity.FAMILIES_REGISTERED: True, activity.REFERRALS_SENT: False,
                          activity.REFERRALS_ACCEPTED: False, activity.REFERRALS_HELPED: False}  # fmt: skip
    assert all(figure.name and figure.description for figure in figures)

    # Last year: nothing (the work is this year's); a signal moved to last year counts there.
    async with platform.work_as_system("utrecht", "test") as work:
        await work.session.execute(
            update(Signal).where(Signal.family_id == uuid.UUID(zuid["id"])).values(recorded_at=dt.datetime(THIS_YEAR - 1, 12, 31, 23, 0, tzinfo=dt.UTC))
        )
        await work.commit()
    assert (await activity_of(platform, "utrecht", THIS_YEAR - 1))[activity.SIGNALS] == {"WK034402": (1, 1)}
    assert (await activity_of(platform, "utrecht"))[activity.SIGNALS] == {"WK034401": (4, 3), None: (1, 1)}
    # 's-Hertogenbosch has handvat 2 on too, and counts none of Utrecht's work.
    assert all(cells == {} for cells in (await activity_of(platform, "s-hertogenbosch")).values())

    # An erased family is gone from the counts, with its signals and referrals.
    (await api.gql("utrecht", ERASE, {"id": noord[0]["id"], "r": "Verzoek van de ouder"}, user=PRIVACY)).ok()
    counted = await activity_of(platform, "utrecht")
    assert counted[activity.SIGNALS] == {"WK034401": (2, 2), None: (1, 1)}
    assert counted[activity.REFERRALS_HELPED] == {}


async def test_counted_in_the_same_statements_however_many_wijken(platform: Platform, utrecht: Coalition, flow: Flow) -> None:
    async def statements_with(wijken: int) -> int:
        codes = [f"WK0344{index:02d}" for index in range(1, wijken + 1)]
        await add_wijken(platform, "utrecht", [code for code in codes if code not in added])
        added.update(codes)
        for code in codes:
            family = await flow.register(f"VK-{code}-{wijken}", wijkCode=code)
            await flow.signal(family["id"])
        async with platform.work_as_system("utrecht", "test") as work:
            with count_statements(platform) as statements:
                figures = await activity.wijk_activity(work.session, THIS_YEAR)
        assert len(next(figure for figure in figures if figure.key == activity.SIGNALS).cells) == wijken
        return len(statements)

    added: set[str] = set()
    # Signals, families, referrals and the wijk codes (and the tenant context's own setting).
    assert await statements_with(2) == await statements_with(9) <= 5


async def test_a_family_is_counted_once_over_the_gemeente(platform: Platform, utrecht: Coalition, flow: Flow) -> None:
    await add_wijken(platform, "utrecht", ["WK034401", "WK034402"])
    # Signalled in Noord, moved to Zuid and signalled there: one family in two wijken.
    moved = await flow.register("VK-M-1", wijkCode="WK034401")
    await flow.signal(moved["id"])
    (await flow.call("vroedvrouw", UPDATE_FAMILY, {"i": {"id": moved["id"], "phase": "ZWANGER", "expectedMonth": next_month(), "wijkCode": "WK034402"}})).ok()
    await flow.signal(moved["id"])
    stayed = await flow.register("VK-S-1", wijkCode="WK034402")
    await flow.signal(stayed["id"])
    # A family without a wijk, one of whose signals names a wijk the gemeente does not know:
    # both are "wijk unknown", one family there.
    nowhere = await flow.register("VK-X-1")
    await flow.signal(nowhere["id"])
    async with platform.work_as_system("utrecht", "test") as work:
        await work.session.execute(update(Signal).where(Signal.family_id == uuid.UUID(nowhere["id"])).values(wijk_id=uuid.uuid4()))
        await work.commit()
    await flow.signal(nowhere["id"])
    await flow.refer(moved["id"], (await flow.consent(moved["id"]))["id"])
    await flow.refer(stayed["id"], (await flow.consent(stayed["id"]))["id"])

    async with platform.work_as_system("utrecht", "test") as work:
        figures = {figure.key: figure for figure in await activity.wijk_activity(work.session, THIS_YEAR)}
    cells = {key: {cell.region_code: (cell.count, cell.subjects) for cell in figure.cells} for key, figure in figures.items()}
    assert cells[activity.SIGNALS] == {"WK034401": (1, 1), "WK034402": (2, 2), None: (2, 1)}
    assert cells[activity.FAMILIES_REGISTERED] == {"WK034402": (2, 2), None: (1, 1)}
    assert cells[activity.REFERRALS_SENT] == {"WK034402": (2, 2)}
    # Three families signalled (the cells' subjects add up to four), three registered, two referred.
    totals = {key: figure.total_subjects for key, figure in figures.items()}
    assert totals == {activity.SIGNALS: 3, activity.FAMILIES_REGISTERED: 3, activity.REFERRALS_SENT: 2, activity.REFERRALS_ACCEPTED: 0, activity.REFERRALS_HELPED: 0}
    # Only a reader with handvat 2's own figures permission may see them, wherever they are shown.
    assert {figure.permission for figure in figures.values()} == {FIGURES_READ}
    # A year without work: nothing, and no families.
    async with platform.work_as_system("utrecht", "test") as work:
        empty = await activity.wijk_activity(work.session, THIS_YEAR - 1)
    assert [(figure.cells, figure.total_subjects) for figure in empty] == [((), 0)] * 5
