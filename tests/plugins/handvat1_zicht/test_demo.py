"""`serve --demo` for handvat 1: each demo gemeente gets a fixed startfoto with the real CBS
figures of its wijken (the shipped extract), a plan with goals on a baseline and actions
of its partners, and the voice of parents; running the demo again adds nothing; a coalition
lead then makes a vervolgfoto and sees the differences."""

from __future__ import annotations

from sqlalchemy import func, select

from core.testing import ok
from gateway.demo import seed_demo
from plugins.handvat1_zicht.demo import DEMO_INDICATOR, demo_value
from plugins.handvat1_zicht.models import Action, Goal, Quote, SnapshotFigure, Startfoto

STARTFOTOS = "{ startfotos(first: 5) { nodes { id kind state title referenceDate } } }"


async def demo_counts(platform, slug: str) -> tuple[int, ...]:
    async with platform.work_as_system(slug, "test") as work:
        return tuple(
            [(await work.session.execute(select(func.count()).select_from(model))).scalar_one() for model in (Startfoto, SnapshotFigure, Goal, Action, Quote)]
        )


async def test_the_demo_has_a_startfoto_with_real_figures_and_a_plan(platform, api) -> None:
    await seed_demo(platform)
    first = {slug: await demo_counts(platform, slug) for slug in ("utrecht", "s-hertogenbosch")}
    await seed_demo(platform)
    assert {slug: await demo_counts(platform, slug) for slug in ("utrecht", "s-hertogenbosch")} == first
    for slug, (startfotos, figures, goals, actions, quotes) in first.items():
        assert startfotos == 1 and figures > 0 and goals == 2 and actions >= 1 and quotes == 2, slug

    async with platform.work_as_system("utrecht", "test") as work:
        taken = (await work.session.execute(select(Startfoto))).scalar_one()
        assert taken.state == "vastgesteld" and taken.kind == "startfoto"
        snapshot = {
            (row.region_code, row.indicator, row.period): (row.value, row.status, row.source)
            for row in (await work.session.execute(select(SnapshotFigure).where(SnapshotFigure.startfoto_id == taken.id))).scalars()
        }
        goals = (await work.session.execute(select(Goal))).scalars().all()
    # CBS's inhabitants of 2024 (85984NED, cited in data/SOURCES.md), copied into the startfoto.
    assert snapshot[("GM0344", "inwoners", 2024)] == (374238.0, "available", "cbs")
    assert snapshot[("WK034401", "inwoners", 2024)] == (29710.0, "available", "cbs")
    # Cells the extract has no value for stay unknown, never a number.
    assert snapshot[("WK034401", "geboorte_totaal", 2024)] == (None, "unknown", "cbs")
    # The goals are on the demo's own indicator, its baseline taken from the startfoto.
    code = DEMO_INDICATOR["code"]
    for goal in goals:
        assert goal.indicator == code and goal.baseline_startfoto_id == taken.id
        assert goal.baseline_value == round(demo_value(goal.region_code), 1) == snapshot[(goal.region_code, code, 2024)][0]
        assert goal.target_value > goal.baseline_value

    member = "regisseur@utrecht.example"
    listed = ok((await api.gql("utrecht", STARTFOTOS, user=member)).body)["startfotos"]["nodes"]
    assert [(node["kind"], node["state"]) for node in listed] == [("STARTFOTO", "VASTGESTELD")]
