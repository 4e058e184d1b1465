"""Handvat 1's plan van aanpak: goals take their baseline from a fixed startfoto (and are
refused without one), actions belong to a partner organisation of the coalition, their
status moves along a whitelist (every pair tested), overdue actions for the coalition
lead, concurrent progress notes, the iCalendar feed of deadlines and the `add_plan_action`
hook. The fixed startfoto is written directly (the startfoto service is not used here)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update

from core.plugin import DomainError, PlanActionProposal, utcnow
from core.testing import World, disable_module, make_world, token_for
from core.testing import assert_error as _assert_error
from core.testing import ok as _ok
from plugins.handvat1_zicht.models import Action, ActionNote, CbsFigure, Goal, SnapshotFigure, Startfoto
from plugins.handvat1_zicht.services import plan
from plugins.handvat1_zicht.services.dates import today as dutch_today

INDICATOR = "huishoudens_laag_inkomen"
TODAY = dutch_today()  # the plan's and the sessions' dates are Amsterdam's (services/dates.py)
NEXT_YEAR = (TODAY + dt.timedelta(days=365)).isoformat()
SOON = (TODAY + dt.timedelta(days=30)).isoformat()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()

CREATE_WIJK = "mutation($i: CreateWijkInput!) { createWijk(input: $i) { wijk { code } } }"
CREATE_GOAL = """mutation($i: CreateGoalInput!) { createGoal(input: $i) { goal {
  id title indicator regionCode targetValue targetDate baseline { value period startfotoId } current { value period } } } }"""
UPDATE_GOAL = "mutation($i: UpdateGoalInput!) { updateGoal(input: $i) { goal { id title targetValue targetDate } } }"
GOAL = """query($id: ID!) { goal(id: $id) { id title baseline { value period startfotoId } current { value period }
  actions { id title status } quotes { id } } }"""
GOALS = "{ goals(first: 50) { totalCount nodes { id title } } }"
CREATE_ACTION = """mutation($i: CreateActionInput!) { createAction(input: $i) { action {
  id title status deadline overdue partnerId partnerName ownerMembershipId ownerName goalId goal { id title } proposedByModule } } }"""
UPDATE_ACTION = "mutation($i: UpdateActionInput!) { updateAction(input: $i) { action { id title deadline ownerMembershipId status } } }"
PROGRESS = """mutation($i: RecordActionProgressInput!) { recordActionProgress(input: $i) {
  action { id status notes { note status } } note { note status } } }"""
ACTIONS = """query($s: ActionStatus, $p: ID, $o: Boolean) { actions(status: $s, partnerId: $p, overdue: $o, first: 50) {
  totalCount nodes { id title status overdue deadline } } }"""
OVERDUE = "{ overdueActions(first: 50) { totalCount nodes { id title overdue } } }"


def ok(response):
    return _ok(response.body)


def assert_error(response, code, field=None):
    return _assert_error(response.body, code, field)


@pytest.fixture
async def worlds(platform) -> tuple[World, World]:
    utrecht = await make_world(platform, "GM0344", modules=["handvat1_zicht"])
    bosch = await make_world(platform, "GM0796", modules=["handvat1_zicht"])
    return utrecht, bosch


async def add_wijken(api, world: World, count: int = 2) -> None:
    for index in range(1, count + 1):
        code = f"WK{world.tenant.code[2:]}{index:02d}"
        ok(await api.gql(world.slug, CREATE_WIJK, {"i": {"code": code, "name": f"Wijk {index:02d}"}}, user=world.email("coalition_admin")))


async def fixed_startfoto(platform, world: World, figures, *, state: str = "vastgesteld", reference_date: dt.date = dt.date(2024, 1, 1)) -> str:
    """A startfoto written directly (as the startfoto service would have fixed it), with
    `figures`: (region code, indicator, period, value) — value None: suppressed."""
    async with platform.work_as_system(world.slug, "test") as work:
        foto = Startfoto(
            kind="startfoto",
            title="Startfoto",
            reference_date=reference_date,
            state=state,
            created_by="test",
            fixed_by="test" if state == "vastgesteld" else None,
            fixed_at=utcnow() if state == "vastgesteld" else None,
        )
        work.session.add(foto)
        await work.session.flush()
        for region, indicator, period, value in figures:
            work.session.add(
                SnapshotFigure(
                    startfoto_id=foto.id,
                    region_code=region,
                    region_type="gemeente" if region.startswith("GM") else "wijk",
                    indicator=indicator,
                    indicator_name=indicator,
                    unit="%",
                    source="cbs",
                    period=period,
                    value=value,
                    status="available" if value is not None else "suppressed",
                )
            )
        identifier = str(foto.id)
        await work.commit()
    return identifier


UTRECHT_FIGURES = [
    ("GM0344", INDICATOR, 2023, 9.0),
    ("WK034401", INDICATOR, 2022, 10.0),
    ("WK034401", INDICATOR, 2023, 12.5),
    ("WK034402", INDICATOR, 2023, None),
]


def goal_input(startfoto_id: str | None, **changes) -> dict:
    given = {
        "title": "Minder huishoudens met een laag inkomen in wijk 1",
        "indicator": INDICATOR,
        "regionCode": "WK034401",
        "baselineStartfotoId": startfoto_id,
        "targetValue": 10.0,
        "targetDate": NEXT_YEAR,
        **changes,
    }
    return {key: value for key, value in given.items() if value is not None}


async def count(platform, world: World, model) -> int:
    async with platform.work_as_system(world.slug, "test") as work:
        return (await work.session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_goal_takes_its_baseline_from_the_fixed_startfoto(api, platform, worlds) -> None:
    utrecht, _ = worlds
    await add_wijken(api, utrecht)
    foto = await fixed_startfoto(platform, utrecht, UTRECHT_FIGURES)
    analyst = utrecht.email("analyst")
    goal = ok(await api.gql(utrecht.slug, CREATE_GOAL, {"i": goal_input(foto, regionCode=" wk034401 ")}, user=analyst))["createGoal"]["goal"]
    # The most recent period the startfoto holds for the wijk, copied: not typed in.
    assert goal["baseline"] == {"value": 12.5, "period": 2023, "startfotoId": foto}
    assert (goal["regionCode"], goal["targetValue"], goal["targetDate"], goal["current"]) == ("WK034401", 10.0, NEXT_YEAR, None)
    # Without a startfoto id: the fixed one with the latest peildatum (not the concept).
    later = await fixed_startfoto(platform, utrecht, [("GM0344", INDICATOR, 2024, 8.0)], reference_date=dt.date(2025, 1, 1))
    await fixed_startfoto(platform, utrecht, [("GM0344", INDICATOR, 2025, 1.0)], state="concept", reference_date=dt.date(2026, 1, 1))
    city = ok(await api.gql(utrecht.slug, CREATE_GOAL, {"i": goal_input(None, regionCode="GM0344")}, user=analyst))["createGoal"]["goal"]
    assert city["baseline"] == {"value": 8.0, "period": 2024, "startfotoId": later}
    # A later CBS figure of the same series is the goal's current value.
    async with platform.work_as_platform("test") as work:
        for period, value in ((2024, 11.0), (2025, 10.5)):
            work.session.add(
                CbsFigure(
                    table_id=f"T{period}", period=period, region_code="WK034401", region_type="wijk", gemeente_code="GM0344",
                    indicator=INDICATOR, value=value, status="available", series=1, import_id=uuid.uuid4(),
                )
            )
        await work.commit()
    read = ok(await api.gql(utrecht.slug, GOAL, {"id": goal["id"]}, user=utrecht.email("professional")))["goal"]
    assert read["current"] == {"value": 10.5, "period": 2025} and read["baseline"]["value"] == 12.5
    # Updating: a new target; the baseline stays.
    updated = ok(await api.gql(utrecht.slug, UPDATE_GOAL, {"i": {"id": goal["id"], "targetValue": 9.5}}, user=analyst))["updateGoal"]["goal"]
    assert (updated["targetValue"], updated["targetDate"], updated["title"]) == (9.5, NEXT_YEAR, goal["title"])


async def test_a_goal_without_a_baseline_or_with_bad_input_is_refused_and_nothing_written(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    await add_wijken(api, utrecht)
    await add_wijken(api, bosch)
    analyst = utrecht.email("analyst")
    # No fixed startfoto at all: no goal.
    assert_error(await api.gql(utrecht.slug, CREATE_GOAL, {"i": goal_input(None)}, user=analyst), "BASELINE_MISSING", "input.baselineStartfotoId")
    foto = await fixed_startfoto(platform, utrecht, UTRECHT_FIGURES)
    concept = await fixed_startfoto(platform, utrecht, UTRECHT_FIGURES, state="concept")
    theirs = await fixed_startfoto(platform, bosch, [("WK079601", INDICATOR, 2023, 5.0)])
    refused = [
        (goal_input(concept), "BASELINE_MISSING", "input.baselineStartfotoId"),
        (goal_input(theirs), "BASELINE_MISSING", "input.baselineStartfotoId"),  # another gemeente's: as if it did not exist
        (goal_input(str(uuid.uuid4())), "BASELINE_MISSING", "input.baselineStartfotoId"),
        (goal_input("geen-id"), "VALIDATION_FAILED", "input.baselineStartfotoId"),
        (goal_input(foto, indicator="inwoners"), "BASELINE_MISSING", "input.indicator"),  # not in the startfoto
        (goal_input(foto, regionCode="WK034402"), "BASELINE_MISSING", "input.indicator"),  # suppressed there
        (goal_input(foto, regionCode="WK079601"), "VALIDATION_FAILED", "input.regionCode"),  # a wijk of 's-Hertogenbosch
        (goal_input(foto, regionCode="GM0796"), "VALIDATION_FAILED", "input.regionCode"),
        (goal_input(foto, regionCode="WK034499"), "VALIDATION_FAILED", "input.regionCode"),  # no such wijk
        (goal_input(foto, targetDate=YESTERDAY), "VALIDATION_FAILED", "input.targetDate"),
        (goal_input(foto, title=" "), "VALIDATION_FAILED", "input.title"),
        (goal_input(foto, description="Voor het gezin op 3511 AB"), "IDENTIFYING_DATA", "input.description"),
    ]
    for given, code, field in refused:
        assert_error(await api.gql(utrecht.slug, CREATE_GOAL, {"i": given}, user=analyst), code, field)
    assert await count(platform, utrecht, Goal) == 0
    goal = ok(await api.gql(utrecht.slug, CREATE_GOAL, {"i": goal_input(foto)}, user=analyst))["createGoal"]["goal"]
    for given, code, field in [
        ({"id": goal["id"], "targetDate": YESTERDAY}, "VALIDATION_FAILED", "input.targetDate"),
        ({"id": goal["id"], "title": None}, "VALIDATION_FAILED", "input.title"),
        ({"id": str(uuid.uuid4()), "title": "Ander doel"}, "NOT_FOUND", "input.id"),
    ]:
        assert_error(await api.gql(utrecht.slug, UPDATE_GOAL, {"i": given}, user=analyst), code, field)
    read = ok(await api.gql(utrecht.slug, GOAL, {"id": goal["id"]}, user=analyst))["goal"]
    assert read["title"] == goal["title"]
    # 's-Hertogenbosch sees none of it, and cannot change it.
    assert ok(await api.gql(bosch.slug, GOALS, user=bosch.email("analyst")))["goals"]["totalCount"] == 0
    assert_error(await api.gql(bosch.slug, GOAL, {"id": goal["id"]}, user=bosch.email("analyst")), "NOT_FOUND", "id")
    assert_error(await api.gql(bosch.slug, UPDATE_GOAL, {"i": {"id": goal["id"], "title": "Van ons"}}, user=bosch.email("analyst")), "NOT_FOUND", "input.id")


async def make_goal(api, platform, world: World) -> str:
    await add_wijken(api, world)
    foto = await fixed_startfoto(platform, world, [(f"WK{world.tenant.code[2:]}01", INDICATOR, 2023, 12.5)])
    given = goal_input(foto, regionCode=f"WK{world.tenant.code[2:]}01")
    return ok(await api.gql(world.slug, CREATE_GOAL, {"i": given}, user=world.email("coalition_admin")))["createGoal"]["goal"]["id"]


def action_input(world: World, **changes) -> dict:
    return {"title": "Spreekuur geldzorgen bij het consultatiebureau", "partnerId": world.partners["verloskundige"], "deadline": SOON, **changes}


async def test_an_action_belongs_to_a_partner_of_this_coalition(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    goal_id = await make_goal(api, platform, utrecht)
    their_goal = await make_goal(api, platform, bosch)
    lead = utrecht.email("coalition_admin")
    given = action_input(utrecht, goalId=goal_id, ownerMembershipId=utrecht.members["professional"])
    action = ok(await api.gql(utrecht.slug, CREATE_ACTION, {"i": given}, user=lead))["createAction"]["action"]
    assert action["status"] == "GEPLAND" and action["deadline"] == SOON and action["overdue"] is False
    assert (action["partnerName"], action["ownerName"], action["goal"]["id"], action["proposedByModule"]) == (
        "Verloskundigenpraktijk De Wieg", "professional", goal_id, None,
    )
    refused = [
        (action_input(utrecht, partnerId=bosch.partners["verloskundige"]), "NOT_FOUND", "input.partnerId"),  # another gemeente's: unknown here
        (action_input(utrecht, partnerId="geen-id"), "VALIDATION_FAILED", "input.partnerId"),
        (action_input(utrecht, ownerMembershipId=utrecht.members["analyst"]), "VALIDATION_FAILED", "input.ownerMembershipId"),  # works for no partner
        (action_input(utrecht, ownerMembershipId=utrecht.members["partner_worker"]), "VALIDATION_FAILED", "input.ownerMembershipId"),  # another partner
        (action_input(utrecht, ownerMembershipId=bosch.members["professional"]), "NOT_FOUND", "input.ownerMembershipId"),
        (action_input(utrecht, goalId=their_goal), "NOT_FOUND", "input.goalId"),
        (action_input(utrecht, deadline=YESTERDAY), "VALIDATION_FAILED", "input.deadline"),
        (action_input(utrecht, title="x"), "VALIDATION_FAILED", "input.title"),
    ]
    for bad, code, field in refused:
        assert_error(await api.gql(utrecht.slug, CREATE_ACTION, {"i": bad}, user=lead), code, field)
    assert await count(platform, utrecht, Action) == 1
    # Updating: a new deadline, no owner; an owner of another organisation is refused.
    changed = ok(await api.gql(utrecht.slug, UPDATE_ACTION, {"i": {"id": action["id"], "deadline": NEXT_YEAR, "ownerMembershipId": None}}, user=lead))
    assert changed["updateAction"]["action"] == {"id": action["id"], "title": given["title"], "deadline": NEXT_YEAR, "ownerMembershipId": None, "status": "GEPLAND"}
    for bad, code, field in [
        ({"id": action["id"], "ownerMembershipId": utrecht.members["partner_worker"]}, "VALIDATION_FAILED", "input.ownerMembershipId"),
        ({"id": action["id"], "deadline": YESTERDAY}, "VALIDATION_FAILED", "input.deadline"),
        ({"id": action["id"], "title": None}, "VALIDATION_FAILED", "input.title"),
    ]:
        assert_error(await api.gql(utrecht.slug, UPDATE_ACTION, {"i": bad}, user=lead), code, field)
    assert_error(await api.gql(bosch.slug, UPDATE_ACTION, {"i": {"id": action["id"], "title": "Van ons"}}, user=bosch.email("coalition_admin")), "NOT_FOUND", "input.id")
    read = ok(await api.gql(utrecht.slug, GOAL, {"id": goal_id}, user=utrecht.email("experience_expert")))["goal"]
    assert read["actions"] == [{"id": action["id"], "title": given["title"], "status": "GEPLAND"}]


async def new_action(platform, world: World, *, status: str = "gepland", deadline: dt.date | None = None, owner: str | None = None, title: str = "Actie") -> str:
    """An action written through the service, then put in `status` and at `deadline` directly."""
    async with platform.work_as_system(world.slug, "test") as work:
        action = await plan.create_action(
            work,
            {
                "title": title,
                "partner_id": world.partners["verloskundige"],
                "deadline": TODAY + dt.timedelta(days=10),
                "owner_membership_id": world.members[owner] if owner else None,
            },
        )
        values = {"status": status, **({"deadline": deadline} if deadline else {})}
        await work.session.execute(update(Action).where(Action.id == action.id).values(**values))
        identifier = str(action.id)
        await work.commit()
    return identifier


#: Every step an action's status may take; every other pair is refused.
ALLOWED = {("gepland", "bezig"), ("gepland", "gestopt"), ("bezig", "gereed"), ("bezig", "gestopt"), ("gereed", "bezig"), ("gestopt", "gepland")}


async def test_every_status_pair_is_allowed_or_refused(api, platform, worlds) -> None:
    utrecht, _ = worlds
    lead = utrecht.email("coalition_admin")
    statuses = ("gepland", "bezig", "gereed", "gestopt")
    for source, target in itertools.product(statuses, statuses):
        action_id = await new_action(platform, utrecht, status=source)
        response = await api.gql(utrecht.slug, PROGRESS, {"i": {"actionId": action_id, "note": "Overleg gehad.", "status": target.upper()}}, user=lead)
        if (source, target) in ALLOWED:
            data = ok(response)["recordActionProgress"]
            assert data["action"]["status"] == target.upper() and data["note"] == {"note": "Overleg gehad.", "status": target.upper()}, (source, target)
        else:
            assert_error(response, "TRANSITION_NOT_ALLOWED", "input.status")
            async with platform.work_as_system(utrecht.slug, "test") as work:
                row = (await work.session.execute(select(Action).where(Action.id == uuid.UUID(action_id)))).scalar_one()
                notes = (await work.session.execute(select(func.count()).select_from(ActionNote).where(ActionNote.action_id == row.id))).scalar_one()
            assert (row.status, notes) == (source, 0), (source, target)
    assert {(source, target) for source, targets in plan.STATUS_STEPS.items() for target in targets} == ALLOWED


async def test_progress_notes_and_their_bad_input(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    lead = utrecht.email("analyst")
    action_id = await new_action(platform, utrecht)
    data = ok(await api.gql(utrecht.slug, PROGRESS, {"i": {"actionId": action_id, "note": "Eerste gesprek gevoerd."}}, user=lead))
    assert data["recordActionProgress"]["action"]["status"] == "GEPLAND"
    assert data["recordActionProgress"]["note"] == {"note": "Eerste gesprek gevoerd.", "status": None}
    for given, code, field in [
        ({"actionId": action_id, "note": "Gezin met BSN 111222333 gesproken."}, "IDENTIFYING_DATA", "input.note"),
        ({"actionId": action_id, "note": "Bel moeder op 06-12345678."}, "IDENTIFYING_DATA", "input.note"),
        ({"actionId": action_id, "note": " "}, "VALIDATION_FAILED", "input.note"),
        ({"actionId": str(uuid.uuid4()), "note": "Klaar."}, "NOT_FOUND", "input.actionId"),
    ]:
        assert_error(await api.gql(utrecht.slug, PROGRESS, {"i": given}, user=lead), code, field)
    assert_error(await api.gql(bosch.slug, PROGRESS, {"i": {"actionId": action_id, "note": "Van ons."}}, user=bosch.email("analyst")), "NOT_FOUND", "input.actionId")
    assert_error(await api.gql(utrecht.slug, PROGRESS, {"i": {"actionId": action_id, "note": "Ik mag dit niet."}}, user=utrecht.email("professional")), "FORBIDDEN")
    assert await count(platform, utrecht, ActionNote) == 1


async def test_overdue_actions_for_the_coalition_lead(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    late = await new_action(platform, utrecht, deadline=TODAY - dt.timedelta(days=3), title="Te laat")
    await new_action(platform, utrecht, status="bezig", deadline=TODAY - dt.timedelta(days=1), title="Ook te laat")
    await new_action(platform, utrecht, status="gereed", deadline=TODAY - dt.timedelta(days=5), title="Op tijd klaar")
    await new_action(platform, utrecht, status="gestopt", deadline=TODAY - dt.timedelta(days=5), title="Gestopt")
    await new_action(platform, utrecht, status="bezig", deadline=TODAY, title="Vandaag")
    await new_action(platform, bosch, deadline=TODAY - dt.timedelta(days=3), title="Van 's-Hertogenbosch")
    listed = ok(await api.gql(utrecht.slug, OVERDUE, user=utrecht.email("coalition_admin")))["overdueActions"]
    assert [(node["title"], node["overdue"]) for node in listed["nodes"]] == [("Te laat", True), ("Ook te laat", True)]
    assert listed["nodes"][0]["id"] == late
    assert_error(await api.gql(utrecht.slug, OVERDUE, user=utrecht.email("professional")), "FORBIDDEN")
    filtered = ok(await api.gql(utrecht.slug, ACTIONS, {"o": True}, user=utrecht.email("professional")))["actions"]["nodes"]
    assert [node["title"] for node in filtered] == ["Te laat", "Ook te laat"]
    others = ok(await api.gql(utrecht.slug, ACTIONS, {"o": False}, user=utrecht.email("professional")))["actions"]["nodes"]
    assert sorted(node["title"] for node in others) == ["Gestopt", "Op tijd klaar", "Vandaag"]
    busy = ok(await api.gql(utrecht.slug, ACTIONS, {"s": "BEZIG"}, user=utrecht.email("professional")))["actions"]["nodes"]
    assert [node["title"] for node in busy] == ["Ook te laat", "Vandaag"]
    assert ok(await api.gql(utrecht.slug, ACTIONS, {"p": utrecht.partners["schuldhulp"]}, user=utrecht.email("professional")))["actions"]["totalCount"] == 0
    async with platform.work_as_system(utrecht.slug, "test") as work:  # the service, on another day
        assert [row.title for row in await plan.overdue_actions(work, TODAY + dt.timedelta(days=1))] == ["Te laat", "Ook te laat", "Vandaag"]


async def test_concurrent_progress_notes_are_both_kept(api, platform, worlds) -> None:
    utrecht, _ = worlds
    action_id = await new_action(platform, utrecht)
    notes = ("Gesprek met de wijkteams.", "Folder besteld.")
    responses = await asyncio.gather(
        *(api.gql(utrecht.slug, PROGRESS, {"i": {"actionId": action_id, "note": note}}, user=utrecht.email(role)) for note, role in zip(notes, ("coalition_admin", "analyst"), strict=True))
    )
    for response in responses:
        ok(response)
    read = ok(await api.gql(utrecht.slug, ACTIONS, user=utrecht.email("analyst")))["actions"]["nodes"]
    assert read[0]["status"] == "GEPLAND"
    async with platform.work_as_system(utrecht.slug, "test") as work:
        kept = (await work.session.execute(select(ActionNote.note).where(ActionNote.action_id == uuid.UUID(action_id)))).scalars().all()
    assert sorted(kept) == sorted(notes)


async def test_a_status_change_that_meets_another_is_a_conflict(platform, worlds, backend) -> None:
    """Two people move the same action at once: the one whose UPDATE waited on the other's
    finds the status moved and is refused (PostgreSQL; SQLite lets one writer in at a time)."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: the second reads the status after the first committed")
    utrecht, _ = worlds
    action_id = await new_action(platform, utrecht)
    async with platform.work_as_system(utrecht.slug, "first") as first:
        await plan.record_progress(first, {"action_id": action_id, "note": "We beginnen.", "status": "bezig"})

        async def second() -> None:
            async with platform.work_as_system(utrecht.slug, "second") as work:
                await plan.record_progress(work, {"action_id": action_id, "note": "We stoppen.", "status": "gestopt"})
                await work.commit()

        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.5)  # the second has read 'gepland' and waits on the first's row lock
        assert not waiting.done()
        await first.commit()
    with pytest.raises(DomainError) as refused:
        await waiting
    assert (refused.value.code, refused.value.field) == ("CONFLICT", "input.status")
    async with platform.work_as_system(utrecht.slug, "test") as work:
        row = (await work.session.execute(select(Action).where(Action.id == uuid.UUID(action_id)))).scalar_one()
        notes = (await work.session.execute(select(ActionNote.note).where(ActionNote.action_id == row.id))).scalars().all()
    assert (row.status, notes) == ("bezig", ["We beginnen."])


async def calendar_as(platform, world: World, user: str, parameters: dict) -> tuple:
    token = await token_for(platform, world.slug, world.email(user))
    claims = await platform.identity.tokens.verify_access_token(token)
    async with platform.request_context(world.slug, claims) as context:
        file = await plan.action_calendar_file(context, parameters)
    return file, Calendar.from_ical(file.content)


def events(calendar) -> dict[str, dict]:
    return {
        str(event["uid"]): {"summary": str(event["summary"]), "start": event.decoded("dtstart"), "status": str(event["status"]), "description": str(event["description"])}
        for event in calendar.walk("VEVENT")
    }


async def test_the_calendar_of_action_deadlines(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    goal_id = await make_goal(api, platform, utrecht)
    mine = await new_action(platform, utrecht, owner="professional", title="Mijn actie")
    stopped = await new_action(platform, utrecht, owner="professional", status="gestopt", title="Mijn gestopte actie")
    other = await new_action(platform, utrecht, status="bezig", title="Andermans actie")
    await new_action(platform, utrecht, status="gereed", title="Klaar")
    await new_action(platform, bosch, owner="professional", title="Van 's-Hertogenbosch")
    async with platform.work_as_system(utrecht.slug, "test") as work:
        await work.session.execute(update(Action).where(Action.id == uuid.UUID(mine)).values(goal_id=uuid.UUID(goal_id)))
        await work.commit()
    file, calendar = await calendar_as(platform, utrecht, "professional", {})
    assert file.media_type == "text/calendar; charset=utf-8" and file.filename.endswith(".ics")
    assert str(calendar["x-wr-calname"]) == f"Plan van aanpak – {utrecht.tenant.name}"
    found = events(calendar)
    assert set(found) == {f"{mine}@{utrecht.slug}.kansrijkestart", f"{stopped}@{utrecht.slug}.kansrijkestart"}
    own = found[f"{mine}@{utrecht.slug}.kansrijkestart"]
    assert own["summary"] == "Mijn actie" and own["start"] == TODAY + dt.timedelta(days=10) and own["status"] == "CONFIRMED"
    assert "Verloskundigenpraktijk De Wieg" in own["description"] and "gepland" in own["description"]
    assert "Minder huishoudens met een laag inkomen" in own["description"]
    assert found[f"{stopped}@{utrecht.slug}.kansrijkestart"]["status"] == "CANCELLED"
    event = next(iter(calendar.walk("VEVENT")))
    assert isinstance(event.decoded("dtstart"), dt.date) and not isinstance(event.decoded("dtstart"), dt.datetime)  # all day
    assert event.get("dtstamp") is not None and event.get("last-modified") is not None
    # The same UIDs the next time (a calendar app updates instead of duplicating).
    _file, again = await calendar_as(platform, utrecht, "professional", {"scope": "mine"})
    assert set(events(again)) == set(found)
    # All open actions of the plan; someone who owns none sees none of their own.
    _file, everything = await calendar_as(platform, utrecht, "coalition_admin", {"scope": "all"})
    assert {value["summary"] for value in events(everything).values()} == {"Mijn actie", "Andermans actie"}
    assert f"{other}@{utrecht.slug}.kansrijkestart" in events(everything)
    _file, none = await calendar_as(platform, utrecht, "coalition_admin", {"scope": "mine"})
    assert events(none) == {}
    with pytest.raises(DomainError) as refused:
        await calendar_as(platform, utrecht, "professional", {"scope": "iedereen"})
    assert (refused.value.code, refused.value.field) == ("VALIDATION_FAILED", "scope")


async def test_the_calendar_over_http(api, platform, worlds) -> None:
    from core.testing import Api as KitApi

    utrecht, bosch = worlds
    mine = await new_action(platform, utrecht, owner="professional", title="Mijn actie")
    kit = api if hasattr(api, "download") else KitApi(api.client, platform)
    response = await kit.download(utrecht.slug, "handvat1_zicht", "actions.ics", {"scope": "mine"}, user=utrecht.email("professional"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert [str(event["uid"]) for event in Calendar.from_ical(response.content).walk("VEVENT")] == [f"{mine}@{utrecht.slug}.kansrijkestart"]
    bad = await kit.download(utrecht.slug, "handvat1_zicht", "actions.ics", {"scope": "iedereen"}, user=utrecht.email("professional"))
    assert bad.status_code == 422 and (bad.json()["code"], bad.json()["field"]) == ("VALIDATION_FAILED", "scope")
    # A member without plan.read (partner_worker) is refused; another gemeente sees none of it.
    assert (await kit.download(utrecht.slug, "handvat1_zicht", "actions.ics", {}, user=utrecht.email("partner_worker"))).status_code == 403
    theirs = await kit.download(bosch.slug, "handvat1_zicht", "actions.ics", {"scope": "all"}, user=bosch.email("coalition_admin"))
    assert theirs.status_code == 200 and list(Calendar.from_ical(theirs.content).walk("VEVENT")) == []


async def test_another_module_adds_an_action_through_the_hook(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    goal_id = await make_goal(api, platform, utrecht)
    partner = uuid.UUID(utrecht.partners["schuldhulp"])
    proposal = PlanActionProposal(
        title="Praktijkvoorbeeld overnemen: het geldloket",
        description="Uit de bibliotheek van praktijkvoorbeelden.",
        reference="handvat4_praktijk.example:5f0c",
        partner_id=partner,
        goal_id=uuid.UUID(goal_id),
    )
    async with platform.work_as_system(utrecht.slug, "handvat4") as work:
        action_id = await work.hooks.add_plan_action(proposal=proposal, session=work.session, actor=work.actor)
        again = await work.hooks.add_plan_action(proposal=proposal, session=work.session, actor=work.actor)  # a retry adds nothing
        await work.commit()
    assert isinstance(action_id, uuid.UUID) and again == action_id
    async with platform.work_as_system(utrecht.slug, "test") as work:
        row = (await work.session.execute(select(Action).where(Action.id == action_id))).scalar_one()
    assert await count(platform, utrecht, Action) == 1
    assert (row.proposed_by_module, row.reference, row.partner_id, row.goal_id, row.status, row.created_by) == (
        "handvat4_praktijk", "handvat4_praktijk.example:5f0c", partner, uuid.UUID(goal_id), "gepland", "handvat4",
    )
    assert row.deadline == plan._months_ahead(TODAY, 3) and (row.deadline - TODAY).days >= 89
    refused = [
        (PlanActionProposal(title="Zonder partner", description=""), "VALIDATION_FAILED", "partner_id"),
        (PlanActionProposal(title="Partner van elders", description="", partner_id=uuid.UUID(bosch.partners["schuldhulp"])), "NOT_FOUND", "partner_id"),
        (PlanActionProposal(title="Doel van elders", description="", partner_id=partner, goal_id=uuid.uuid4()), "NOT_FOUND", "goal_id"),
        (PlanActionProposal(title="Te laat", description="", partner_id=partner, deadline=TODAY - dt.timedelta(days=1)), "VALIDATION_FAILED", "deadline"),
        (PlanActionProposal(title="", description="", partner_id=partner), "VALIDATION_FAILED", "title"),
        (PlanActionProposal(title="Gezin bellen op 06-12345678", description="", partner_id=partner), "IDENTIFYING_DATA", "title"),
    ]
    for bad, code, field in refused:
        async with platform.work_as_system(utrecht.slug, "handvat4") as work:
            with pytest.raises(DomainError) as error:
                await work.hooks.add_plan_action(proposal=bad, session=work.session, actor=work.actor)
            assert (error.value.code, error.value.field) == (code, field), bad.title
    assert await count(platform, utrecht, Action) == 1
    # Where handvat 1 is off, nobody keeps a plan: the hook answers None.
    await disable_module(platform, bosch.slug, "handvat1_zicht")
    async with platform.work_as_system(bosch.slug, "handvat4") as work:
        other = PlanActionProposal(title="Geldloket", description="", partner_id=uuid.UUID(bosch.partners["schuldhulp"]))
        assert await work.hooks.add_plan_action(proposal=other, session=work.session, actor=work.actor) is None


async def test_the_same_proposal_sent_twice_at_once_adds_one_action(platform, worlds, backend) -> None:
    """Two requests propose the same practice example at the same moment: the unique index
    on open references lets one insert, and the other answers the same action."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: the second sees the first's action")
    utrecht, _ = worlds
    proposal = PlanActionProposal(
        title="Praktijkvoorbeeld overnemen", description="", reference="handvat4_leren.practice:42", partner_id=uuid.UUID(utrecht.partners["schuldhulp"])
    )
    both_checked = asyncio.Barrier(2)

    async def propose() -> uuid.UUID:
        async with platform.work_as_system(utrecht.slug, "handvat4") as work:
            await work.session.execute(select(Action.id).limit(1))  # each its own transaction, started
            await both_checked.wait()  # both have looked for an open action before either inserts
            action_id = await work.hooks.add_plan_action(proposal=proposal, session=work.session, actor=work.actor)
            await work.commit()
            return action_id

    first, second = await asyncio.gather(propose(), propose())
    assert first == second
    assert await count(platform, utrecht, Action) == 1


@pytest.mark.parametrize(
    ("role", "read", "manage"),
    [
        ("coalition_admin", True, True),
        ("analyst", True, True),
        ("professional", True, False),
        ("experience_expert", True, False),
        ("partner_worker", False, False),
        ("privacy_officer", False, False),
    ],
)
async def test_permissions_per_role(api, platform, worlds, role: str, read: bool, manage: bool) -> None:
    utrecht, _ = worlds
    user = utrecht.email(role)
    listed = await api.gql(utrecht.slug, ACTIONS, user=user)
    if read:
        assert ok(listed)["actions"]["totalCount"] == 0
    else:
        assert_error(listed, "FORBIDDEN")
    created = await api.gql(utrecht.slug, CREATE_ACTION, {"i": action_input(utrecht)}, user=user)
    if manage:
        assert ok(created)["createAction"]["action"]["status"] == "GEPLAND"
    else:
        assert_error(created, "FORBIDDEN")
        assert await count(platform, utrecht, Action) == 0


async def test_the_demo_plan_and_voices_are_seeded_once(api, platform, worlds) -> None:
    from plugins.handvat1_zicht.models import Quote, VoiceSession
    from plugins.handvat1_zicht.services import voices

    utrecht, _ = worlds
    await add_wijken(api, utrecht)
    await fixed_startfoto(platform, utrecht, UTRECHT_FIGURES)
    for _ in range(2):
        async with platform.work_as_system(utrecht.slug, "demo") as work:
            await plan.seed_demo_plan(work)
            await voices.seed_demo_voices(work)
            await work.commit()
    async with platform.work_as_system(utrecht.slug, "test") as work:
        goals = (await work.session.execute(select(Goal).order_by(Goal.region_code))).scalars().all()
        actions = (await work.session.execute(select(Action).order_by(Action.deadline))).scalars().all()
    assert [(goal.region_code, goal.baseline_value, goal.baseline_period, goal.target_value) for goal in goals] == [
        ("GM0344", 9.0, 2023, 9.9),
        ("WK034401", 12.5, 2023, 13.8),
    ]
    assert [action.status for action in actions] == ["bezig", "gepland"] and all(action.goal_id for action in actions)
    assert (await count(platform, utrecht, VoiceSession), await count(platform, utrecht, Quote)) == (1, 2)
    assert await count(platform, utrecht, ActionNote) == 1
