"""Handvat 4's competences: the national framework every coalition starts with and adapts;
declarations the coalition lead confirms or rejects (every state x step of the workflow,
the lead's own declaration refused, two leads at once on PostgreSQL); competences gained
by attendance and by handvat 3's bekendheid (with handvat 3 on and off); the coverage per
organisation and partner type on a small world with threshold 5 (shown, suppressed and
derived cells, the trend over quarters, the gaps, a fixed number of statements); every
refusal with its code and field and nothing written; and another gemeente, which sees none
of it. Attendance is recorded through `competences.gain_by_attendance` directly (the
activities' API is tested in test_activities.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from core.models import OutboxEvent, WorkflowHistory
from core.plugin import processing_history, utcnow
from core.services import coalition
from core.testing import World, count_statements, disable_module, enable_module, make_world
from core.testing import assert_error as _assert_error
from core.testing import ok as _ok
from plugins.handvat3_toegang.models import Knowledge, Regeling
from plugins.handvat4_leren.domain import NATIONAL_FRAMEWORK, REGELINGEN_COMPETENCE
from plugins.handvat4_leren.events import EVENT_COMPETENCE_GAINED
from plugins.handvat4_leren.models import Activity, Competence, MemberCompetence
from plugins.handvat4_leren.services import competences, dates
from plugins.handvat4_leren.workflows import COMPETENCE_DECLARATION_WORKFLOW, DeclarationState

MODULE = "handvat4_leren"
NATIONAL_KEYS = [item.key for item in NATIONAL_FRAMEWORK]
EVIDENCE = "Ik volgde de training Geldzorgen bespreekbaar maken bij de GGD en pas het dagelijks toe."

FRAMEWORK = "query($a: Boolean!) { competenceFramework(activeOnly: $a, first: 50) { totalCount nodes { key name description national active } } }"
ADD = "mutation($i: AddCompetenceInput!) { addCompetence(input: $i) { competence { key name national active } } }"
UPDATE = "mutation($i: UpdateCompetenceInput!) { updateCompetence(input: $i) { competence { key name description national active } } }"
DECLARE = "mutation($i: DeclareCompetenceInput!) { declareCompetence(input: $i) { declaration { id competenceKey state evidence memberName partnerName } } }"
CONFIRM = "mutation($id: ID!) { confirmCompetence(input: {id: $id}) { declaration { id state decidedAt competence { key } } } }"
REJECT = "mutation($id: ID!, $r: String!) { rejectCompetence(input: {id: $id, reason: $r}) { declaration { id state rejectionReason } } }"
DECLARATIONS = """query($s: CompetenceDeclarationState) { competenceDeclarations(state: $s, first: 50) {
  totalCount nodes { id competenceKey state memberName partnerName evidence rejectionReason competence { name } } } }"""
MINE = "{ myCompetences { held { competence { key } sources since } declarations { id competenceKey state rejectionReason } } }"
COUNT = "{ value suppressed }"
CELL = f"group {{ name partnerType partnerId }} professionals {COUNT} withCompetence {COUNT} without {COUNT} share"
COVERAGE = f"""query($at: Date, $g: CoverageGroupBy!) {{ competenceCoverage(at: $at, groupBy: $g) {{ at groupBy threshold
  professionals {{ group {{ name }} professionals {COUNT} }} professionalsTotal {COUNT}
  competences {{ competence {{ key }} total {{ {CELL} }} groups {{ {CELL} }} }} }} }}"""
TREND = f"""query($q: Int!) {{ competenceCoverageTrend(groupBy: PARTNER, quarters: $q) {{ threshold
  quarters {{ quarter start end coverage {{ at competences {{ competence {{ key }} total {{ {CELL} }} groups {{ {CELL} }} }} }} }} }} }}"""
GAPS = f"{{ competenceGaps {{ at threshold competences {{ competence {{ key }} partners {{ {CELL} }} partnerTypes {{ {CELL} }} }} }} }}"


def ok(response):
    return _ok(response.body)


def assert_error(response, code, field=None):
    return _assert_error(response.body, code, field)


#: The people the tests act as (make_world's defaults, fewer: each gets a token).
PEOPLE = {
    "coalition_admin": (("coalition_admin",), None),
    "regisseur2": (("coalition_admin",), None),
    "professional": (("professional",), "verloskundige"),
    "partner_worker": (("partner_worker",), "schuldhulp"),
    "analyst": (("analyst",), None),
}


@pytest.fixture
async def utrecht(platform) -> World:
    return await make_world(platform, "GM0344", modules=[MODULE], members=PEOPLE)


async def other_gemeente(platform) -> World:
    """'s-Hertogenbosch, with the module on: its lead, an analyst and two professionals."""
    return await make_world(platform, "GM0796", modules=[MODULE], members={name: PEOPLE[name] for name in ("coalition_admin", "professional", "partner_worker", "analyst")})


async def count(platform, world: World, model, *conditions) -> int:
    async with platform.work_as_system(world.slug, "test") as work:
        return (await work.session.execute(select(func.count()).select_from(model).where(*conditions))).scalar_one()


async def attend(platform, world: World, keys: list[str], members: list[str], ended: dt.datetime) -> None:
    """The members attended an activity on `keys` that ended at `ended` (their competences count from then)."""
    async with platform.work_as_system(world.slug, "organisator@example.nl") as work:
        activity = Activity(
            kind="training",
            title="Training",
            competence_keys=keys,
            organiser_partner_id=uuid.UUID(world.partners["verloskundige"]),
            starts_at=ended - dt.timedelta(hours=2),
            ends_at=ended,
            created_by="organisator@example.nl",
        )
        work.session.add(activity)
        await work.session.flush()
        await competences.gain_by_attendance(work, activity, [uuid.UUID(member) for member in members])
        await work.commit()


def declare(world: World, key: str, evidence: str = EVIDENCE) -> dict:
    return {"i": {"competenceKey": key, "evidence": evidence}}


async def add_members(platform, world: World, partner: str, count: int, role: str, prefix: str) -> list[str]:
    """`count` members with `role` at `partner`, in one unit of work (no tokens: they never ask anything)."""
    async with platform.work_as_system(world.slug, "test") as work:
        members = [
            await coalition.create_member(
                work, {"email": f"{prefix}{index}@{world.slug}.example", "display_name": f"{prefix}{index}", "roles": [role], "partner_id": uuid.UUID(world.partners[partner])}
            )
            for index in range(count)
        ]
        await work.commit()
    return [str(member.id) for member in members]


# -- the framework and declarations --------------------------------------------------------------


async def test_the_framework_is_adapted_and_declarations_are_decided_by_the_lead(api, platform, utrecht) -> None:
    bosch = await other_gemeente(platform)
    admin, professional = utrecht.email("coalition_admin"), utrecht.email("professional")

    # Every coalition starts with the national framework, and adapts it.
    framework = ok(await api.gql(utrecht.slug, FRAMEWORK, {"a": False}, user=professional))["competenceFramework"]
    assert [node["key"] for node in framework["nodes"]] == NATIONAL_KEYS
    assert all(node["national"] and node["active"] and node["description"] for node in framework["nodes"])
    assert framework["nodes"][0]["name"] == "Signaleren van geldzorgen"
    added = ok(await api.gql(utrecht.slug, ADD, {"i": {"key": "vroeg_in_gesprek", "name": "Vroeg in gesprek", "description": "Al in de zwangerschap."}}, user=admin))
    assert added["addCompetence"]["competence"] == {"key": "vroeg_in_gesprek", "name": "Vroeg in gesprek", "national": False, "active": True}
    renamed = ok(await api.gql(utrecht.slug, UPDATE, {"i": {"key": "warm_doorverwijzen", "name": "Warm overdragen", "active": False}}, user=admin))
    assert renamed["updateCompetence"]["competence"] == {
        "key": "warm_doorverwijzen", "name": "Warm overdragen", "description": NATIONAL_FRAMEWORK[5].description, "national": True, "active": False
    }  # fmt: skip
    active = ok(await api.gql(utrecht.slug, FRAMEWORK, {"a": True}, user=professional))["competenceFramework"]["nodes"]
    assert [node["key"] for node in active] == [key for key in NATIONAL_KEYS if key != "warm_doorverwijzen"] + ["vroeg_in_gesprek"]
    refusals = [
        ({"key": "vroeg_in_gesprek", "name": "Nog eens"}, "COMPETENCE_EXISTS", "input.key"),
        ({"key": "signaleren_geldzorgen", "name": "Nog eens"}, "COMPETENCE_EXISTS", "input.key"),
        ({"key": "Hoofdletter", "name": "Geldig"}, "VALIDATION_FAILED", "input.key"),
        ({"key": "x", "name": "Te kort"}, "VALIDATION_FAILED", "input.key"),
        ({"key": "goede_sleutel", "name": " "}, "VALIDATION_FAILED", "input.name"),
        ({"key": "goede_sleutel", "name": "Naam", "description": "x" * 2001}, "VALIDATION_FAILED", "input.description"),
    ]
    for given, code, field in refusals:
        assert_error(await api.gql(utrecht.slug, ADD, {"i": given}, user=admin), code, field)
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"key": "bestaat_niet", "name": "Naam"}}, user=admin), "NOT_FOUND", "input.key")
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"key": "warm_doorverwijzen", "name": None}}, user=admin), "VALIDATION_FAILED", "input.name")
    assert_error(await api.gql(utrecht.slug, ADD, {"i": {"key": "eigen", "name": "Eigen"}}, user=professional), "FORBIDDEN")
    assert await count(platform, utrecht, Competence) == len(NATIONAL_KEYS) + 1
    assert await count(platform, utrecht, Competence, Competence.active.is_(False)) == 1

    # A member declares a competence with evidence; what is refused writes nothing.
    declared = ok(await api.gql(utrecht.slug, DECLARE, declare(utrecht, "bespreekbaar_maken"), user=professional))["declareCompetence"]["declaration"]
    assert declared | {"id": None} == {
        "id": None, "competenceKey": "bespreekbaar_maken", "state": "VERKLAARD", "evidence": EVIDENCE, "memberName": "professional",
        "partnerName": "Verloskundigenpraktijk De Wieg",
    }  # fmt: skip
    refusals = [
        (declare(utrecht, "bespreekbaar_maken", "Te kort."), "VALIDATION_FAILED", "input.evidence"),
        (declare(utrecht, "bespreekbaar_maken", "x" * 2001), "VALIDATION_FAILED", "input.evidence"),
        (declare(utrecht, "stress_sensitief_werken", "Geleerd bij mevrouw, zij is bereikbaar op 06-12345678."), "IDENTIFYING_DATA", "input.evidence"),
        (declare(utrecht, "bestaat_niet"), "NOT_FOUND", "input.competenceKey"),
        (declare(utrecht, "warm_doorverwijzen"), "VALIDATION_FAILED", "input.competenceKey"),  # switched off
        (declare(utrecht, "bespreekbaar_maken"), "DECLARATION_OPEN", "input.competenceKey"),
    ]
    for variables, code, field in refusals:
        assert_error(await api.gql(utrecht.slug, DECLARE, variables, user=professional), code, field)
    assert await count(platform, utrecht, MemberCompetence) == 1

    # The lead sees the open declarations (and reading them is logged); a member does not.
    listed = ok(await api.gql(utrecht.slug, DECLARATIONS, {"s": "VERKLAARD"}, user=admin))["competenceDeclarations"]
    assert [(node["id"], node["memberName"], node["evidence"], node["competence"]["name"]) for node in listed["nodes"]] == [
        (declared["id"], "professional", EVIDENCE, "Bespreekbaar maken")
    ]
    assert_error(await api.gql(utrecht.slug, DECLARATIONS, {"s": None}, user=professional), "FORBIDDEN")
    assert_error(await api.gql(utrecht.slug, CONFIRM, {"id": declared["id"]}, user=professional), "FORBIDDEN")
    async with platform.work_as_system(utrecht.slug, "test") as work:
        records = [(record.operation, record.result) for record in await processing_history(work, utrecht.members["professional"])]
    assert ("competentie opgeven", "created") in records and ("opgaven van competenties lezen", "read") in records

    # The lead never decides on their own declaration; another lead does.
    own = ok(await api.gql(utrecht.slug, DECLARE, declare(utrecht, "stress_sensitief_werken"), user=admin))["declareCompetence"]["declaration"]
    assert_error(await api.gql(utrecht.slug, CONFIRM, {"id": own["id"]}, user=admin), "OWN_DECLARATION", "input.id")
    ok(await api.gql(utrecht.slug, CONFIRM, {"id": own["id"]}, user=utrecht.email("regisseur2")))

    confirmed = ok(await api.gql(utrecht.slug, CONFIRM, {"id": declared["id"]}, user=admin))["confirmCompetence"]["declaration"]
    assert confirmed["state"] == "BEVESTIGD" and confirmed["decidedAt"] and confirmed["competence"] == {"key": "bespreekbaar_maken"}
    assert await count(platform, utrecht, OutboxEvent, OutboxEvent.type == EVENT_COMPETENCE_GAINED) == 2
    assert_error(await api.gql(utrecht.slug, DECLARE, declare(utrecht, "bespreekbaar_maken"), user=professional), "COMPETENCE_HELD", "input.competenceKey")

    # A rejection needs a reason, which the member reads; they may declare again.
    second = ok(await api.gql(utrecht.slug, DECLARE, declare(utrecht, "stress_sensitief_werken"), user=professional))["declareCompetence"]["declaration"]
    assert_error(await api.gql(utrecht.slug, REJECT, {"id": second["id"], "r": " "}, user=admin), "VALIDATION_FAILED", "input.reason")
    assert_error(await api.gql(utrecht.slug, REJECT, {"id": "geen-id", "r": "Reden"}, user=admin), "VALIDATION_FAILED", "input.id")
    assert_error(await api.gql(utrecht.slug, REJECT, {"id": str(uuid.uuid4()), "r": "Reden"}, user=admin), "NOT_FOUND", "input.id")
    rejected = ok(await api.gql(utrecht.slug, REJECT, {"id": second["id"], "r": "Graag een certificaat erbij."}, user=admin))
    assert rejected["rejectCompetence"]["declaration"]["rejectionReason"] == "Graag een certificaat erbij."

    # Attending an activity gives competences too.
    await attend(platform, utrecht, ["signaleren_geldzorgen"], [utrecht.members["professional"]], utcnow() - dt.timedelta(days=1))
    assert_error(await api.gql(utrecht.slug, DECLARE, declare(utrecht, "signaleren_geldzorgen"), user=professional), "COMPETENCE_HELD", "input.competenceKey")
    ok(await api.gql(utrecht.slug, DECLARE, declare(utrecht, "stress_sensitief_werken"), user=professional))
    mine = ok(await api.gql(utrecht.slug, MINE, user=professional))["myCompetences"]
    assert [(item["competence"]["key"], item["sources"]) for item in mine["held"]] == [
        ("signaleren_geldzorgen", ["ACTIVITEIT"]),
        ("bespreekbaar_maken", ["VERKLARING"]),
    ]
    assert [(item["competenceKey"], item["state"], item["rejectionReason"]) for item in mine["declarations"]] == [
        ("stress_sensitief_werken", "VERKLAARD", None),
        ("stress_sensitief_werken", "AFGEWEZEN", "Graag een certificaat erbij."),
        ("bespreekbaar_maken", "BEVESTIGD", None),
    ]
    # Each member sees only their own.
    assert ok(await api.gql(utrecht.slug, MINE, user=utrecht.email("partner_worker")))["myCompetences"] == {"held": [], "declarations": []}

    # Another gemeente has its own framework and none of this; Utrecht's ids are unknown there.
    theirs = ok(await api.gql(bosch.slug, FRAMEWORK, {"a": False}, user=bosch.email("professional")))["competenceFramework"]["nodes"]
    assert [(node["key"], node["name"], node["active"]) for node in theirs] == [(item.key, item.name, True) for item in NATIONAL_FRAMEWORK]
    bosch_admin = bosch.email("coalition_admin")
    assert_error(await api.gql(bosch.slug, UPDATE, {"i": {"key": "vroeg_in_gesprek", "name": "Van ons"}}, user=bosch_admin), "NOT_FOUND", "input.key")
    assert ok(await api.gql(bosch.slug, DECLARATIONS, {"s": None}, user=bosch_admin))["competenceDeclarations"]["totalCount"] == 0
    assert_error(await api.gql(bosch.slug, CONFIRM, {"id": declared["id"]}, user=bosch_admin), "NOT_FOUND", "input.id")
    assert_error(await api.gql(bosch.slug, REJECT, {"id": second["id"], "r": "Reden"}, user=bosch_admin), "NOT_FOUND", "input.id")
    assert ok(await api.gql(bosch.slug, MINE, user=bosch.email("professional")))["myCompetences"] == {"held": [], "declarations": []}
    assert (await api.gql(bosch.slug, MINE, headers=utrecht.headers("professional"))).status in (401, 403)


def test_the_declaration_states_are_the_enum() -> None:
    from plugins.handvat4_leren.graphql.competences.enums import CompetenceDeclarationState, member

    assert [item.value for item in CompetenceDeclarationState] == [str(state) for state in COMPETENCE_DECLARATION_WORKFLOW.states]
    assert all(member(CompetenceDeclarationState, state).name == str(state).upper() for state in DeclarationState)


async def test_every_state_and_step_of_the_declaration_workflow(api, platform, utrecht, backend) -> None:
    """Each (state x step) pair through the API: the allowed ones land in their target and
    write one step of history, the others are refused (TRANSITION_NOT_ALLOWED on input.id)
    and change nothing. On PostgreSQL also two leads at once (one decides, the other finds
    it decided) and a double submit of a declaration (one kept, the other DECLARATION_OPEN)."""
    admin, professional = utrecht.email("coalition_admin"), utrecht.email("professional")
    steps = {"bevestigen": (CONFIRM, {}), "afwijzen": (REJECT, {"r": "Onvoldoende onderbouwd."})}
    keys = iter(NATIONAL_KEYS)
    pairs = [(state, transition) for state in COMPETENCE_DECLARATION_WORKFLOW.states for transition in COMPETENCE_DECLARATION_WORKFLOW.transitions]
    assert len(pairs) == 6
    for state, transition in pairs:
        declaration = ok(await api.gql(utrecht.slug, DECLARE, declare(utrecht, next(keys)), user=professional))["declareCompetence"]["declaration"]["id"]
        if state != DeclarationState.VERKLAARD:  # the step that leads there
            query, extra = steps["bevestigen" if state == DeclarationState.BEVESTIGD else "afwijzen"]
            ok(await api.gql(utrecht.slug, query, {"id": declaration, **extra}, user=admin))
        history = await count(platform, utrecht, WorkflowHistory, WorkflowHistory.subject_id == uuid.UUID(declaration))
        query, extra = steps[transition.name]
        response = await api.gql(utrecht.slug, query, {"id": declaration, **extra}, user=admin)
        allowed = state in transition.source
        if allowed:
            ok(response)
        else:
            assert_error(response, "TRANSITION_NOT_ALLOWED", "input.id")
        expected = transition.target if allowed else state
        assert await count(platform, utrecht, MemberCompetence, MemberCompetence.id == uuid.UUID(declaration), MemberCompetence.state == expected) == 1
        assert await count(platform, utrecht, WorkflowHistory, WorkflowHistory.subject_id == uuid.UUID(declaration)) == history + allowed

    if backend != "postgresql":
        return  # SQLite lets one writer in at a time
    worker = utrecht.email("partner_worker")
    declared = ok(await api.gql(utrecht.slug, DECLARE, declare(utrecht, "bespreekbaar_maken"), user=worker))["declareCompetence"]["declaration"]["id"]
    both = await asyncio.gather(*(api.gql(utrecht.slug, CONFIRM, {"id": declared}, user=utrecht.email(lead)) for lead in ("coalition_admin", "regisseur2")))
    assert sorted(response.codes[0] if response.errors else "OK" for response in both) == ["OK", "TRANSITION_NOT_ALLOWED"]
    assert await count(platform, utrecht, WorkflowHistory, WorkflowHistory.subject_id == uuid.UUID(declared)) == 1
    twice = await asyncio.gather(*(api.gql(utrecht.slug, DECLARE, declare(utrecht, "warm_doorverwijzen"), user=worker) for _ in range(2)))
    assert sorted(response.codes[0] if response.errors else "OK" for response in twice) == ["DECLARATION_OPEN", "OK"]
    assert await count(platform, utrecht, MemberCompetence, MemberCompetence.competence_key == "warm_doorverwijzen", MemberCompetence.state == "verklaard") == 1


# -- coverage ------------------------------------------------------------------------------------

COVERAGE_PARTNERS = {
    "verloskundige": {"name": "Verloskundigenpraktijk De Wieg", "type": "verloskundige", "domain": "medisch"},
    "schuldhulp": {"name": "Schuldhulp Samen", "type": "schuldhulpverlening", "domain": "sociaal"},
    "jgz_noord": {"name": "JGZ Noord", "type": "jgz", "domain": "medisch"},
    "jgz_zuid": {"name": "JGZ Zuid", "type": "jgz", "domain": "medisch"},
}


def by_key(coverage: dict) -> dict[str, dict]:
    return {row["competence"]["key"]: row for row in coverage["competences"]}


def cells(row: dict) -> list[tuple]:
    """(group, professionals, with, share) per group; None for a hidden count."""
    return [(cell["group"]["name"], cell["professionals"]["value"], cell["withCompetence"]["value"], cell["share"]) for cell in row["groups"]]


async def test_coverage_per_organisation_and_type_with_small_cells_suppressed(api, platform) -> None:
    """Threshold 5: 6 professionals at the midwives (with `professional`), 7 at debt
    counselling (with `partner_worker`), 2 and 1 at two JGZ organisations; an analyst at the
    midwives is no professional. Handvat 3 is on, then off."""
    utrecht = await make_world(platform, "GM0344", modules=[MODULE, "handvat3_toegang"], config={MODULE: {"min_cell_size": 5}}, partners=COVERAGE_PARTNERS, members=PEOPLE)
    staff = {
        "verloskundige": [utrecht.members["professional"], *await add_members(platform, utrecht, "verloskundige", 5, "professional", "vk")],
        "schuldhulp": [utrecht.members["partner_worker"], *await add_members(platform, utrecht, "schuldhulp", 6, "partner_worker", "sh")],
        "jgz_noord": await add_members(platform, utrecht, "jgz_noord", 2, "professional", "noord"),
        "jgz_zuid": await add_members(platform, utrecht, "jgz_zuid", 1, "professional", "zuid"),
    }
    await add_members(platform, utrecht, "verloskundige", 1, "analyst", "analist")
    analyst = utrecht.email("analyst")
    today = dates.local_today()
    previous, current = competences.last_quarters(today, 2)
    in_previous_quarter = dates.start_of(previous.start) + dt.timedelta(days=10)
    recently = utcnow() - dt.timedelta(minutes=5)
    # Signaleren: every midwife (last quarter), 1 of 2 at JGZ Noord and the one at JGZ Zuid.
    await attend(platform, utrecht, ["signaleren_geldzorgen"], staff["verloskundige"], in_previous_quarter)
    await attend(platform, utrecht, ["signaleren_geldzorgen"], staff["jgz_noord"][:1] + staff["jgz_zuid"], recently)
    # Bespreekbaar maken: 5 of the 6 midwives and all 7 debt counsellors.
    await attend(platform, utrecht, ["bespreekbaar_maken"], staff["verloskundige"][:5] + staff["schuldhulp"], recently)

    coverage = ok(await api.gql(utrecht.slug, COVERAGE, {"at": None, "g": "PARTNER"}, user=analyst))["competenceCoverage"]
    assert (coverage["at"], coverage["groupBy"], coverage["threshold"]) == (today.isoformat(), "PARTNER", 5)
    # The JGZ organisations are small: hidden (two of them, so neither can be worked out).
    assert [(item["group"]["name"], item["professionals"]["value"]) for item in coverage["professionals"]] == [
        ("JGZ Noord", None), ("JGZ Zuid", None), ("Schuldhulp Samen", 7), ("Verloskundigenpraktijk De Wieg", 6)
    ]  # fmt: skip
    assert coverage["professionalsTotal"] == {"value": 16, "suppressed": False}
    rows = by_key(coverage)
    assert [key for key in rows] == NATIONAL_KEYS
    signaleren = rows["signaleren_geldzorgen"]
    assert cells(signaleren) == [("JGZ Noord", None, None, None), ("JGZ Zuid", None, None, None), ("Schuldhulp Samen", 7, 0, 0.0), ("Verloskundigenpraktijk De Wieg", 6, 6, 1.0)]
    assert signaleren["groups"][0]["withCompetence"] == {"value": None, "suppressed": True}  # published as hidden, never why
    assert (signaleren["total"]["professionals"]["value"], signaleren["total"]["withCompetence"]["value"], signaleren["total"]["share"]) == (16, 8, 0.5)
    # 5 of the 6 midwives: the one without it would be given away, so the 5 are hidden too.
    bespreekbaar = rows["bespreekbaar_maken"]
    assert cells(bespreekbaar) == [("JGZ Noord", None, 0, None), ("JGZ Zuid", None, 0, None), ("Schuldhulp Samen", 7, 7, 1.0), ("Verloskundigenpraktijk De Wieg", 6, None, None)]
    assert bespreekbaar["total"]["withCompetence"]["suppressed"] and bespreekbaar["total"]["share"] is None
    assert cells(rows["stress_sensitief_werken"])[2:] == [("Schuldhulp Samen", 7, 0, 0.0), ("Verloskundigenpraktijk De Wieg", 6, 0, 0.0)]

    # Per partner type: the sums of the organisations, shown only when every part is.
    by_type = ok(await api.gql(utrecht.slug, COVERAGE, {"at": None, "g": "PARTNER_TYPE"}, user=analyst))["competenceCoverage"]
    assert cells(by_key(by_type)["signaleren_geldzorgen"]) == [("jgz", None, None, None), ("schuldhulpverlening", 7, 0, 0.0), ("verloskundige", 6, 6, 1.0)]
    assert by_key(by_type)["signaleren_geldzorgen"]["groups"][2]["group"] == {"name": "verloskundige", "partnerType": "VERLOSKUNDIGE", "partnerId": None}

    # Over time: today's professionals at the end of last quarter, when only the midwives had signaleren.
    trend = ok(await api.gql(utrecht.slug, TREND, {"q": 2}, user=analyst))["competenceCoverageTrend"]
    assert [quarter["quarter"] for quarter in trend["quarters"]] == [previous.label, current.label]
    then = by_key(trend["quarters"][0]["coverage"])
    assert trend["quarters"][0]["coverage"]["at"] == previous.end.isoformat()
    assert cells(then["signaleren_geldzorgen"])[2:] == [("Schuldhulp Samen", 7, 0, 0.0), ("Verloskundigenpraktijk De Wieg", 6, 6, 1.0)]
    assert (then["signaleren_geldzorgen"]["total"]["withCompetence"]["value"], then["bespreekbaar_maken"]["total"]["withCompetence"]["value"]) == (6, 0)
    assert by_key(trend["quarters"][1]["coverage"])["signaleren_geldzorgen"] == signaleren

    # The gaps: the largest known gap first, then the hidden ones by name (whether they have one is not shown).
    gaps = {row["competence"]["key"]: row for row in ok(await api.gql(utrecht.slug, GAPS, user=utrecht.email("coalition_admin")))["competenceGaps"]["competences"]}
    assert [(cell["group"]["name"], cell["without"]["value"]) for cell in gaps["signaleren_geldzorgen"]["partners"]] == [
        ("Schuldhulp Samen", 7), ("JGZ Noord", None), ("JGZ Zuid", None)
    ]  # fmt: skip
    assert [cell["group"]["name"] for cell in gaps["signaleren_geldzorgen"]["partnerTypes"]] == ["schuldhulpverlening", "jgz"]
    assert [cell["group"]["name"] for cell in gaps["bespreekbaar_maken"]["partners"]] == ["JGZ Noord", "JGZ Zuid", "Verloskundigenpraktijk De Wieg"]
    assert [(cell["group"]["name"], cell["without"]["value"]) for cell in gaps["stress_sensitief_werken"]["partners"]][:2] == [
        ("Schuldhulp Samen", 7), ("Verloskundigenpraktijk De Wieg", 6)
    ]  # fmt: skip

    # Knowledge of regelingen from handvat 3's bekendheid: every debt counsellor knows half of
    # the regelingen (the configured share), one midwife a single one.
    async with platform.work_as_system(utrecht.slug, "test") as work:
        regelingen = list((await work.session.execute(select(Regeling.id).where(Regeling.hidden.is_(False)))).scalars())
        assert len(regelingen) >= 3
        for member in staff["schuldhulp"]:
            for regeling_id in regelingen[: (len(regelingen) + 1) // 2]:
                work.session.add(Knowledge(regeling_id=regeling_id, membership_id=uuid.UUID(member)))
        work.session.add(Knowledge(regeling_id=regelingen[0], membership_id=uuid.UUID(staff["verloskundige"][0])))
        await work.commit()

    async def regelingen_cells() -> list[tuple]:
        answer = ok(await api.gql(utrecht.slug, COVERAGE, {"at": None, "g": "PARTNER"}, user=analyst))["competenceCoverage"]
        return cells(by_key(answer)[REGELINGEN_COMPETENCE])[2:]

    assert await regelingen_cells() == [("Schuldhulp Samen", 7, 7, 1.0), ("Verloskundigenpraktijk De Wieg", 6, 0, 0.0)]
    worker = utrecht.email("partner_worker")
    held = ok(await api.gql(utrecht.slug, MINE, user=worker))["myCompetences"]["held"]
    assert [(item["competence"]["key"], item["sources"]) for item in held] == [("bespreekbaar_maken", ["ACTIVITEIT"]), (REGELINGEN_COMPETENCE, ["BEKENDHEID"])]
    assert_error(await api.gql(utrecht.slug, DECLARE, declare(utrecht, REGELINGEN_COMPETENCE), user=worker), "COMPETENCE_HELD", "input.competenceKey")

    # A fixed number of statements, however many professionals and competences.
    query = {"at": None, "g": "PARTNER"}
    with count_statements(platform) as before:
        ok(await api.gql(utrecht.slug, COVERAGE, query, user=analyst))
    extra = await add_members(platform, utrecht, "jgz_zuid", 3, "professional", "extra")
    await attend(platform, utrecht, ["stress_sensitief_werken", "warm_doorverwijzen"], extra, recently)
    with count_statements(platform) as after:
        ok(await api.gql(utrecht.slug, COVERAGE, query, user=analyst))
    assert len(after) == len(before)

    # A coalition that asks for more (three quarters of the regelingen); then handvat 3 off.
    await enable_module(platform, utrecht.slug, MODULE, {"regelingen_known_share": 0.75})
    assert (await regelingen_cells())[0] == ("Schuldhulp Samen", 7, 0, 0.0)
    await enable_module(platform, utrecht.slug, MODULE, {"regelingen_known_share": 0.5})
    await disable_module(platform, utrecht.slug, "handvat3_toegang")
    assert await regelingen_cells() == [("Schuldhulp Samen", 7, 0, 0.0), ("Verloskundigenpraktijk De Wieg", 6, 0, 0.0)]
    assert [item["sources"] for item in ok(await api.gql(utrecht.slug, MINE, user=worker))["myCompetences"]["held"]] == [["ACTIVITEIT"]]
    ok(await api.gql(utrecht.slug, DECLARE, declare(utrecht, REGELINGEN_COMPETENCE), user=worker))

    # Who sees it, and bad input.
    assert_error(await api.gql(utrecht.slug, COVERAGE, query, user=utrecht.email("professional")), "FORBIDDEN")
    assert_error(await api.gql(utrecht.slug, GAPS, user=utrecht.email("professional")), "FORBIDDEN")
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert_error(await api.gql(utrecht.slug, COVERAGE, {"at": tomorrow, "g": "PARTNER"}, user=analyst), "VALIDATION_FAILED", "at")
    assert_error(await api.gql(utrecht.slug, TREND, {"q": 13}, user=analyst), "VALIDATION_FAILED", "quarters")
    # Another gemeente's coverage is its own: its two professionals (hidden), its organisations.
    bosch = await other_gemeente(platform)
    theirs = ok(await api.gql(bosch.slug, COVERAGE, query, user=bosch.email("analyst")))["competenceCoverage"]
    assert [item["group"]["name"] for item in theirs["professionals"]] == ["Schuldhulp Samen", "Verloskundigenpraktijk De Wieg"]
    assert theirs["professionalsTotal"] == {"value": None, "suppressed": True}
    assert {cell["group"]["partnerId"] for row in theirs["competences"] for cell in row["groups"]} == set(bosch.partners.values())
