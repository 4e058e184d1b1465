"""Handvat 4's learning activities: an organiser offers an activity, members register until
it is full and then join the waiting list, which moves up by itself when a seat is freed;
attendance gives the activity's competences; a cancelled activity tells its members; the
iCalendar feed, the reminder job, every refusal with its code and field (and nothing
written), another gemeente's ids and token, and real parallel registrations on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from core.models import OutboxEvent, PartnerType
from core.plugin import processing_history, utcnow
from core.testing import DEFAULT_MEMBERS, World, make_world
from core.testing import assert_error as _assert_error
from core.testing import ok as _ok
from plugins.handvat4_leren.events import EVENT_ACTIVITY_CANCELLED, EVENT_COMPETENCE_GAINED, EVENT_PROMOTED, EVENT_REMINDER
from plugins.handvat4_leren.models import Activity, ActivityDate, MemberCompetence, Registration
from plugins.handvat4_leren.services.activities import PARTNER_TYPES

MODULE = "handvat4_leren"
NOW = utcnow().replace(microsecond=0)

ACTIVITY_FIELDS = """id kind title place onlineUrl capacity roles partnerTypes competenceKeys competences { key name }
  organiserPartnerId organiserName expertsCoLead startsAt endsAt cancelled dates { id startsAt endsAt }
  seatsTaken seatsAvailable waitingListLength canManage myRegistration { id state waitingPosition }"""
CREATE = f"mutation($i: CreateLearningActivityInput!) {{ createLearningActivity(input: $i) {{ activity {{ {ACTIVITY_FIELDS} }} }} }}"
UPDATE = "mutation($i: UpdateLearningActivityInput!) { updateLearningActivity(input: $i) { activity { id capacity seatsTaken waitingListLength title dates { id startsAt } } } }"
CANCEL_ACTIVITY = "mutation($i: CancelLearningActivityInput!) { cancelLearningActivity(input: $i) { activity { id cancelled } } }"
REGISTRATION = "registration { id state waitingPosition membershipId activity { id } } activity { id seatsTaken waitingListLength }"
REGISTER = f"mutation($a: ID!) {{ registerForActivity(input: {{activityId: $a}}) {{ {REGISTRATION} }} }}"
UNREGISTER = f"mutation($a: ID!) {{ cancelActivityRegistration(input: {{activityId: $a}}) {{ {REGISTRATION} }} }}"
ATTENDANCE = """mutation($i: RecordActivityAttendanceInput!) { recordActivityAttendance(input: $i) {
  activity { id seatsTaken } registrations { membershipId state memberName } } }"""
ACTIVITY = f"query($id: ID!) {{ learningActivity(id: $id) {{ {ACTIVITY_FIELDS} }} }}"
PARTICIPANTS = "query($id: ID!) { learningActivity(id: $id) { id registrations { membershipId memberName state waitingPosition } } }"
LIST = "query($f: LearningActivityFilter) { learningActivities(filter: $f, first: 50) { totalCount nodes { id title cancelled } } }"
MINE = "{ myActivityRegistrations(first: 20) { totalCount nodes { state waitingPosition activity { title } } } }"

PARTICIPANTS_OF = {f"deelnemer{index}": (("professional",), "schuldhulp") for index in range(1, 7)}


def ok(response):
    return _ok(response.body)


def assert_error(response, code, field=None):
    return _assert_error(response.body, code, field)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()  # UTC, as the API answers


@pytest.fixture
async def worlds(platform) -> tuple[World, World]:
    utrecht = await make_world(platform, "GM0344", modules=[MODULE], members={**DEFAULT_MEMBERS, **PARTICIPANTS_OF})
    bosch = await make_world(platform, "GM0796", modules=[MODULE])
    return utrecht, bosch


def activity_input(world: World, *, days: float = 3, capacity: int | None = 2, **changes) -> dict:
    start = NOW + dt.timedelta(days=days)
    given = {
        "kind": "TRAINING",
        "title": "Geldzorgen bespreekbaar maken",
        "description": "Oefenen met gesprekken over rondkomen.",
        "place": "Stadskantoor, zaal 3",
        "capacity": capacity,
        "roles": ["PROFESSIONAL", "PARTNER_WORKER"],
        "partnerTypes": ["JGZ", "VERLOSKUNDIGE"],
        "competenceKeys": ["bespreekbaar_maken", "signaleren_geldzorgen"],
        "organiserPartnerId": world.partners["verloskundige"],
        "expertsCoLead": True,
        "dates": [
            {"startsAt": iso(start + dt.timedelta(days=7)), "endsAt": iso(start + dt.timedelta(days=7, hours=3))},
            {"startsAt": iso(start), "endsAt": iso(start + dt.timedelta(hours=3))},
        ],
        **changes,
    }
    return {key: value for key, value in given.items() if value is not None}


async def create(api, world: World, user: str = "professional", **changes) -> dict:
    return ok(await api.gql(world.slug, CREATE, {"i": activity_input(world, **changes)}, user=world.email(user)))["createLearningActivity"]["activity"]


async def register(api, world: World, activity_id: str, user: str) -> dict:
    return ok(await api.gql(world.slug, REGISTER, {"a": activity_id}, user=world.email(user)))["registerForActivity"]


async def count(platform, world: World, model, *conditions) -> int:
    async with platform.work_as_system(world.slug, "test") as work:
        return (await work.session.execute(select(func.count()).select_from(model).where(*conditions))).scalar_one()


async def events(platform, world: World, event_type: str) -> list[dict]:
    async with platform.work_as_system(world.slug, "test") as work:
        statement = select(OutboxEvent.payload).where(OutboxEvent.type == event_type).order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        return list((await work.session.execute(statement)).scalars())


async def shift(platform, world: World, activity_id: str, delta: dt.timedelta) -> None:
    """Move an activity and its dates in time (an activity that has started, say)."""
    identifier = uuid.UUID(activity_id)
    async with platform.work_as_system(world.slug, "test") as work:
        rows = [
            *(await work.session.execute(select(Activity).where(Activity.id == identifier))).scalars(),
            *(await work.session.execute(select(ActivityDate).where(ActivityDate.activity_id == identifier))).scalars(),
        ]
        for row in rows:
            row.starts_at, row.ends_at = row.starts_at + delta, row.ends_at + delta
        await work.commit()


async def test_an_activity_fills_up_and_its_waiting_list_moves_up(api, platform, worlds) -> None:
    utrecht, _ = worlds
    activity = await create(api, utrecht)
    first_start = NOW + dt.timedelta(days=3)
    assert (activity["kind"], activity["organiserName"], activity["organiserPartnerId"]) == ("TRAINING", "Verloskundigenpraktijk De Wieg", utrecht.partners["verloskundige"])
    assert (activity["roles"], activity["partnerTypes"], activity["expertsCoLead"], activity["onlineUrl"]) == (["PROFESSIONAL", "PARTNER_WORKER"], ["JGZ", "VERLOSKUNDIGE"], True, None)
    assert activity["competences"] == [
        {"key": "bespreekbaar_maken", "name": "Bespreekbaar maken"},
        {"key": "signaleren_geldzorgen", "name": "Signaleren van geldzorgen"},
    ]
    assert [date["startsAt"] for date in activity["dates"]] == [iso(first_start), iso(first_start + dt.timedelta(days=7))]  # in order
    assert activity["startsAt"] == iso(first_start) and activity["endsAt"] == iso(first_start + dt.timedelta(days=7, hours=3))
    assert (activity["seatsTaken"], activity["seatsAvailable"], activity["waitingListLength"], activity["canManage"], activity["myRegistration"]) == (0, 2, 0, True, None)
    activity_id = activity["id"]

    # Two seats, then the waiting list in order of registering: never an error for a full activity.
    answers = [await register(api, utrecht, activity_id, f"deelnemer{index}") for index in range(1, 5)]
    assert [(answer["registration"]["state"], answer["registration"]["waitingPosition"]) for answer in answers] == [
        ("INGESCHREVEN", None), ("INGESCHREVEN", None), ("WACHTLIJST", 1), ("WACHTLIJST", 2),
    ]  # fmt: skip
    assert answers[-1]["activity"] == {"id": activity_id, "seatsTaken": 2, "waitingListLength": 2}
    assert_error(await api.gql(utrecht.slug, REGISTER, {"a": activity_id}, user=utrecht.email("deelnemer1")), "ALREADY_REGISTERED", "input.activityId")
    assert_error(await api.gql(utrecht.slug, REGISTER, {"a": activity_id}, user=utrecht.email("deelnemer3")), "ALREADY_REGISTERED", "input.activityId")
    read = ok(await api.gql(utrecht.slug, ACTIVITY, {"id": activity_id}, user=utrecht.email("deelnemer4")))["learningActivity"]
    assert (read["myRegistration"]["state"], read["myRegistration"]["waitingPosition"], read["canManage"], read["seatsAvailable"]) == ("WACHTLIJST", 2, False, 0)

    # A seat freed: the first on the waiting list gets it in the same transaction.
    first_id = answers[0]["registration"]["id"]
    cancelled = ok(await api.gql(utrecht.slug, UNREGISTER, {"a": activity_id}, user=utrecht.email("deelnemer1")))["cancelActivityRegistration"]
    assert cancelled["registration"]["state"] == "AFGEMELD" and cancelled["activity"] == {"id": activity_id, "seatsTaken": 2, "waitingListLength": 1}
    third = ok(await api.gql(utrecht.slug, ACTIVITY, {"id": activity_id}, user=utrecht.email("deelnemer3")))["learningActivity"]["myRegistration"]
    assert (third["state"], third["waitingPosition"]) == ("INGESCHREVEN", None)
    assert await events(platform, utrecht, EVENT_PROMOTED) == [
        {"registration_id": answers[2]["registration"]["id"], "activity_id": activity_id, "membership_id": utrecht.members["deelnemer3"]}
    ]
    # Registering again reuses the row, at the end of the queue.
    again = await register(api, utrecht, activity_id, "deelnemer1")
    assert (again["registration"]["id"], again["registration"]["state"], again["registration"]["waitingPosition"]) == (first_id, "WACHTLIJST", 2)
    assert await count(platform, utrecht, Registration) == 4
    # Leaving the waiting list promotes nobody; the queue closes up.
    ok(await api.gql(utrecht.slug, UNREGISTER, {"a": activity_id}, user=utrecht.email("deelnemer4")))
    assert_error(await api.gql(utrecht.slug, UNREGISTER, {"a": activity_id}, user=utrecht.email("deelnemer4")), "NOT_REGISTERED", "input.activityId")
    mine = ok(await api.gql(utrecht.slug, MINE, user=utrecht.email("deelnemer1")))["myActivityRegistrations"]
    assert mine == {"totalCount": 1, "nodes": [{"state": "WACHTLIJST", "waitingPosition": 1, "activity": {"title": "Geldzorgen bespreekbaar maken"}}]}
    assert ok(await api.gql(utrecht.slug, MINE, user=utrecht.email("deelnemer4")))["myActivityRegistrations"]["totalCount"] == 0

    # The organiser sees the participants (seated, then the queue) and the reading is logged.
    listed = ok(await api.gql(utrecht.slug, PARTICIPANTS, {"id": activity_id}, user=utrecht.email("professional")))["learningActivity"]["registrations"]
    assert [(item["memberName"], item["state"], item["waitingPosition"]) for item in listed] == [
        ("deelnemer2", "INGESCHREVEN", None), ("deelnemer3", "INGESCHREVEN", None), ("deelnemer1", "WACHTLIJST", 1),
    ]  # fmt: skip
    async with platform.work_as_system(utrecht.slug, "test") as work:
        operations = [(record.operation, record.result) for record in await processing_history(work, utrecht.members["deelnemer2"])]
    assert ("inschrijven leeractiviteit", "created") in operations and ("deelnemers leeractiviteit inzien", "read") in operations
    # Another organisation's organiser and a member without the permission do not see them.
    for user, code in (("deelnemer5", "FORBIDDEN"), ("analyst", "FORBIDDEN")):
        refused = await api.gql(utrecht.slug, PARTICIPANTS, {"id": activity_id}, user=utrecht.email(user))
        assert_error(refused, code)
        assert refused.data["learningActivity"]["registrations"] is None and refused.data["learningActivity"]["id"] == activity_id
    ok(await api.gql(utrecht.slug, PARTICIPANTS, {"id": activity_id}, user=utrecht.email("coalition_admin")))

    # More seats: the waiting list moves up; fewer than taken is refused.
    grown = ok(await api.gql(utrecht.slug, UPDATE, {"i": {"id": activity_id, "capacity": 3}}, user=utrecht.email("professional")))
    grown_activity = grown["updateLearningActivity"]["activity"]
    assert (grown_activity["capacity"], grown_activity["seatsTaken"], grown_activity["waitingListLength"], grown_activity["title"]) == (3, 3, 0, activity["title"])
    assert [event["membership_id"] for event in await events(platform, utrecht, EVENT_PROMOTED)] == [utrecht.members["deelnemer3"], utrecht.members["deelnemer1"]]
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"id": activity_id, "capacity": 2}}, user=utrecht.email("professional")), "VALIDATION_FAILED", "input.capacity")
    # Moving the second date keeps its id; a date of nobody's is refused.
    first_date, second_date = activity["dates"]
    moved = NOW + dt.timedelta(days=12)
    dates = [{"id": first_date["id"], "startsAt": first_date["startsAt"], "endsAt": first_date["endsAt"]}, {"id": second_date["id"], "startsAt": iso(moved), "endsAt": iso(moved + dt.timedelta(hours=2))}]
    changed = ok(await api.gql(utrecht.slug, UPDATE, {"i": {"id": activity_id, "dates": dates, "title": "Het gesprek over geld"}}, user=utrecht.email("coalition_admin")))
    assert changed["updateLearningActivity"]["activity"]["dates"] == [{"id": first_date["id"], "startsAt": first_date["startsAt"]}, {"id": second_date["id"], "startsAt": iso(moved)}]
    assert changed["updateLearningActivity"]["activity"]["title"] == "Het gesprek over geld"

    # The list: upcoming first, filtered by kind, competence and organiser.
    other = await create(api, utrecht, user="coalition_admin", days=1, kind="E_LEARNING", place=None, onlineUrl="https://leren.example/geld", capacity=None,
                         competenceKeys=["kennis_regelingen"], organiserPartnerId=utrecht.partners["schuldhulp"])  # fmt: skip
    assert (other["seatsAvailable"], other["canManage"]) == (None, True)
    reader = utrecht.email("experience_expert")
    for given, titles in [
        (None, ["Geldzorgen bespreekbaar maken", "Het gesprek over geld"]),
        ({"kind": "E_LEARNING"}, ["Geldzorgen bespreekbaar maken"]),
        ({"competenceKey": "bespreekbaar_maken"}, ["Het gesprek over geld"]),
        ({"organiserPartnerId": utrecht.partners["schuldhulp"]}, ["Geldzorgen bespreekbaar maken"]),
        ({"to": (NOW + dt.timedelta(days=2)).date().isoformat()}, ["Geldzorgen bespreekbaar maken"]),
    ]:
        nodes = ok(await api.gql(utrecht.slug, LIST, {"f": given}, user=reader))["learningActivities"]["nodes"]
        assert [node["title"] for node in nodes] == titles, given
    assert_error(await api.gql(utrecht.slug, LIST, {"f": {"competenceKey": "toveren"}}, user=reader), "VALIDATION_FAILED", "filter.competenceKey")


async def test_bad_input_and_other_gemeenten_are_refused_and_nothing_is_written(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    pro = utrecht.email("professional")
    past = NOW - dt.timedelta(hours=1)
    refused = [
        ({"dates": [{"startsAt": iso(NOW + dt.timedelta(days=2)), "endsAt": iso(NOW + dt.timedelta(days=1))}]}, "VALIDATION_FAILED", "input.dates.0.endsAt"),
        ({"dates": [{"startsAt": iso(past), "endsAt": iso(NOW + dt.timedelta(hours=1))}]}, "VALIDATION_FAILED", "input.dates.0.startsAt"),
        ({"dates": []}, "VALIDATION_FAILED", "input.dates"),
        ({"competenceKeys": ["bespreekbaar_maken", "toveren"]}, "VALIDATION_FAILED", "input.competenceKeys.1"),
        ({"roles": ["PLATFORM_OPERATOR"]}, "VALIDATION_FAILED", "input.roles.0"),  # not a role in a gemeente
        ({"organiserPartnerId": bosch.partners["verloskundige"]}, "NOT_FOUND", "input.organiserPartnerId"),
        ({"organiserPartnerId": "geen-id"}, "VALIDATION_FAILED", "input.organiserPartnerId"),
        ({"organiserPartnerId": utrecht.partners["schuldhulp"]}, "FORBIDDEN", "input.organiserPartnerId"),  # not the professional's own
        ({"place": None}, "VALIDATION_FAILED", "input.place"),
        ({"onlineUrl": "ftp://leren.example"}, "VALIDATION_FAILED", "input.onlineUrl"),
        ({"capacity": 0}, "VALIDATION_FAILED", "input.capacity"),
        ({"title": " "}, "VALIDATION_FAILED", "input.title"),
    ]
    for changes, code, field in refused:
        assert_error(await api.gql(utrecht.slug, CREATE, {"i": activity_input(utrecht, **changes)}, user=pro), code, field)
    # Roles and partner types are enums: the schema refuses an unknown one before the service runs.
    for changes in ({"roles": ["KONING"]}, {"partnerTypes": ["BAKKERIJ"]}):
        response = await api.gql(utrecht.slug, CREATE, {"i": activity_input(utrecht, **changes)}, user=pro)
        assert response.data is None and response.codes == ["GRAPHQL_VALIDATION_FAILED"], response.body
    assert_error(await api.gql(utrecht.slug, CREATE, {"i": activity_input(utrecht)}, user=utrecht.email("partner_worker")), "FORBIDDEN")
    assert await count(platform, utrecht, Activity) == 0 and await count(platform, utrecht, ActivityDate) == 0

    activity = await create(api, utrecht)
    theirs = await create(api, bosch)
    activity_id = activity["id"]
    # Another gemeente's activity does not exist here, with their token it is refused outright.
    for query, variables, field in [
        (REGISTER, {"a": theirs["id"]}, "input.activityId"),
        (UNREGISTER, {"a": theirs["id"]}, "input.activityId"),
        (ACTIVITY, {"id": theirs["id"]}, "id"),
        (UPDATE, {"i": {"id": theirs["id"], "title": "Van ons"}}, "input.id"),
        (CANCEL_ACTIVITY, {"i": {"id": theirs["id"]}}, "input.id"),
        (ATTENDANCE, {"i": {"activityId": theirs["id"], "attended": [utrecht.members["deelnemer1"]]}}, "input.activityId"),
    ]:
        assert_error(await api.gql(utrecht.slug, query, variables, user=utrecht.email("coalition_admin")), "NOT_FOUND", field)
    assert [node["id"] for node in ok(await api.gql(bosch.slug, LIST, user=bosch.email("professional")))["learningActivities"]["nodes"]] == [theirs["id"]]
    assert (await api.gql(bosch.slug, REGISTER, {"a": activity_id}, user=utrecht.email("deelnemer1"))).status in (401, 403)
    assert_error(await api.gql(utrecht.slug, REGISTER, {"a": "geen-id"}, user=utrecht.email("deelnemer1")), "VALIDATION_FAILED", "input.activityId")
    # Not registered: nothing to cancel; attendance before the start is refused.
    assert_error(await api.gql(utrecht.slug, UNREGISTER, {"a": activity_id}, user=utrecht.email("deelnemer1")), "NOT_REGISTERED", "input.activityId")
    await register(api, utrecht, activity_id, "deelnemer1")
    early = {"i": {"activityId": activity_id, "attended": [utrecht.members["deelnemer1"]]}}
    assert_error(await api.gql(utrecht.slug, ATTENDANCE, early, user=pro), "ACTIVITY_NOT_STARTED", "input.activityId")
    # Changing: another organisation's organiser may not; dates must stay sensible; nothing changes.
    date = activity["dates"][0]
    for variables, user, code, field in [
        ({"id": activity_id, "title": "Van ons"}, "deelnemer5", "FORBIDDEN", "input.id"),
        ({"id": activity_id, "dates": [{"id": theirs["dates"][0]["id"], "startsAt": date["startsAt"], "endsAt": date["endsAt"]}]}, "professional", "NOT_FOUND", "input.dates.0.id"),
        ({"id": activity_id, "dates": [{"id": date["id"], "startsAt": date["endsAt"], "endsAt": date["startsAt"]}]}, "professional", "VALIDATION_FAILED", "input.dates.0.endsAt"),
        ({"id": activity_id, "title": None}, "professional", "VALIDATION_FAILED", "input.title"),
        ({"id": activity_id, "place": None}, "professional", "VALIDATION_FAILED", "input.place"),
        ({"id": activity_id, "competenceKeys": ["toveren"]}, "professional", "VALIDATION_FAILED", "input.competenceKeys.0"),
        ({"id": activity_id, "organiserPartnerId": bosch.partners["schuldhulp"]}, "coalition_admin", "NOT_FOUND", "input.organiserPartnerId"),
    ]:
        assert_error(await api.gql(utrecht.slug, UPDATE, {"i": variables}, user=utrecht.email(user)), code, field)
    assert_error(await api.gql(utrecht.slug, CANCEL_ACTIVITY, {"i": {"id": activity_id}}, user=utrecht.email("deelnemer5")), "FORBIDDEN", "input.id")
    read = ok(await api.gql(utrecht.slug, ACTIVITY, {"id": activity_id}, user=pro))["learningActivity"]
    assert {key: read[key] for key in ("title", "dates", "place", "competenceKeys", "cancelled")} == {key: activity[key] for key in ("title", "dates", "place", "competenceKeys", "cancelled")}
    assert await count(platform, utrecht, Registration) == 1 and await count(platform, bosch, Registration) == 0
    # An organiser's own activity of the other partner (the coalition lead may choose any).
    lead = await create(api, utrecht, user="coalition_admin", organiserPartnerId=utrecht.partners["schuldhulp"])
    assert lead["organiserName"] == "Schuldhulp Samen" and lead["canManage"] is True
    assert ok(await api.gql(utrecht.slug, ACTIVITY, {"id": lead["id"]}, user=pro))["learningActivity"]["canManage"] is False
    assert ok(await api.gql(utrecht.slug, ACTIVITY, {"id": lead["id"]}, user=utrecht.email("deelnemer5")))["learningActivity"]["canManage"] is True
    assert sorted(PARTNER_TYPES) == sorted(item.value for item in PartnerType)  # the list mirrors core's enum


async def test_attendance_gives_competences_and_a_cancelled_activity_tells_its_members(api, platform, worlds) -> None:
    utrecht, _ = worlds
    activity = await create(api, utrecht)
    activity_id = activity["id"]
    for index in range(1, 4):
        await register(api, utrecht, activity_id, f"deelnemer{index}")  # 1 and 2 seated, 3 waiting
    await shift(platform, utrecht, activity_id, -dt.timedelta(days=3, hours=1))  # the first date has started
    pro = utrecht.email("professional")
    one, two, three = (utrecht.members[f"deelnemer{index}"] for index in range(1, 4))
    for attended, absent, field in [
        ([one, three], [], "input.attended.1"),  # waiting: no seat
        ([one], [utrecht.members["analyst"]], "input.absent.0"),  # never registered
        ([one], [str(uuid.uuid4())], "input.absent.0"),
    ]:
        given = {"i": {"activityId": activity_id, "attended": attended, "absent": absent}}
        assert_error(await api.gql(utrecht.slug, ATTENDANCE, given, user=pro), "NOT_REGISTERED", field)
    assert_error(await api.gql(utrecht.slug, ATTENDANCE, {"i": {"activityId": activity_id, "attended": [one], "absent": [one]}}, user=pro), "VALIDATION_FAILED", "input.absent.0")
    assert_error(await api.gql(utrecht.slug, ATTENDANCE, {"i": {"activityId": activity_id, "attended": [one]}}, user=utrecht.email("deelnemer5")), "FORBIDDEN", "input.activityId")
    assert await count(platform, utrecht, Registration, Registration.state.in_(("aanwezig", "afwezig"))) == 0
    assert await count(platform, utrecht, MemberCompetence) == 0

    given = {"i": {"activityId": activity_id, "attended": [one], "absent": [two]}}
    for _ in range(2):  # recording again changes nothing
        recorded = ok(await api.gql(utrecht.slug, ATTENDANCE, given, user=pro))["recordActivityAttendance"]
        assert [(item["membershipId"], item["state"], item["memberName"]) for item in recorded["registrations"]] == [(one, "AANWEZIG", "deelnemer1"), (two, "AFWEZIG", "deelnemer2")]
        assert await count(platform, utrecht, MemberCompetence, MemberCompetence.membership_id == uuid.UUID(one)) == 2
        assert len(await events(platform, utrecht, EVENT_COMPETENCE_GAINED)) == 2
    assert recorded["activity"]["seatsTaken"] == 2
    # A correction: the absent one was there after all, the present one was not.
    corrected = {"i": {"activityId": activity_id, "attended": [two], "absent": [one]}}
    ok(await api.gql(utrecht.slug, ATTENDANCE, corrected, user=utrecht.email("coalition_admin")))
    async with platform.work_as_system(utrecht.slug, "test") as work:
        gained = (await work.session.execute(select(MemberCompetence.membership_id, MemberCompetence.competence_key))).all()
        operations = [(record.operation, record.result) for record in await processing_history(work, one)]
    assert sorted(gained) == [(uuid.UUID(two), "bespreekbaar_maken"), (uuid.UUID(two), "signaleren_geldzorgen")]
    assert ("aanwezigheid registreren", "updated") in operations and ("competentie door deelname ingetrokken", "deleted") in operations
    # Registering or cancelling after the end is closed; the waiting member stays waiting.
    await shift(platform, utrecht, activity_id, -dt.timedelta(days=10))
    assert_error(await api.gql(utrecht.slug, REGISTER, {"a": activity_id}, user=utrecht.email("deelnemer4")), "ACTIVITY_CLOSED", "input.activityId")
    assert_error(await api.gql(utrecht.slug, UNREGISTER, {"a": activity_id}, user=utrecht.email("deelnemer3")), "ACTIVITY_CLOSED", "input.activityId")

    # Cancelling an activity: registrations stay, seated and waiting members are named in the event.
    upcoming = (await create(api, utrecht, capacity=1))["id"]
    for index in (4, 5):
        await register(api, utrecht, upcoming, f"deelnemer{index}")
    done = ok(await api.gql(utrecht.slug, CANCEL_ACTIVITY, {"i": {"id": upcoming}}, user=utrecht.email("professional")))
    assert done["cancelLearningActivity"]["activity"] == {"id": upcoming, "cancelled": True}
    ok(await api.gql(utrecht.slug, CANCEL_ACTIVITY, {"i": {"id": upcoming}}, user=utrecht.email("coalition_admin")))  # again: nothing new
    assert await events(platform, utrecht, EVENT_ACTIVITY_CANCELLED) == [
        {"activity_id": upcoming, "membership_ids": [utrecht.members["deelnemer4"], utrecht.members["deelnemer5"]]}
    ]
    assert await count(platform, utrecht, Registration, Registration.activity_id == uuid.UUID(upcoming)) == 2
    assert_error(await api.gql(utrecht.slug, REGISTER, {"a": upcoming}, user=utrecht.email("deelnemer6")), "ACTIVITY_CLOSED", "input.activityId")
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": {"id": upcoming, "title": "Toch"}}, user=utrecht.email("professional")), "ACTIVITY_CLOSED", "input.id")
    reader = utrecht.email("deelnemer6")
    assert ok(await api.gql(utrecht.slug, LIST, user=reader))["learningActivities"]["totalCount"] == 0
    everything = ok(await api.gql(utrecht.slug, LIST, {"f": {"includeCancelled": True, "from": (NOW - dt.timedelta(days=30)).date().isoformat()}}, user=reader))
    assert sorted((node["id"], node["cancelled"]) for node in everything["learningActivities"]["nodes"]) == sorted([(activity_id, False), (upcoming, True)])


def vevents(content: bytes) -> dict[str, dict]:
    return {
        str(event["uid"]): {"summary": str(event["summary"]), "status": str(event["status"]), "start": event.decoded("dtstart"), "location": str(event.get("location"))}
        for event in Calendar.from_ical(content).walk("VEVENT")
    }


async def test_the_calendar_feed_and_the_reminders(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    soon = await create(api, utrecht, days=1, title="Binnenkort", capacity=1)  # dates in 1 and 8 days
    dropped = await create(api, utrecht, days=2, title="Gaat niet door")
    online = await create(api, utrecht, days=3, title="Online", kind="E_LEARNING", place=None, onlineUrl="https://leren.example/x")
    await register(api, utrecht, soon["id"], "deelnemer1")
    await register(api, utrecht, soon["id"], "deelnemer2")  # waiting
    await register(api, utrecht, dropped["id"], "deelnemer1")
    ok(await api.gql(utrecht.slug, CANCEL_ACTIVITY, {"i": {"id": dropped["id"]}}, user=utrecht.email("professional")))
    slug = utrecht.slug

    def uid(date: dict) -> str:
        return f"{date['id']}@{slug}.kansrijkestart"

    response = await api.download(slug, MODULE, "activities.ics", {}, user=utrecht.email("deelnemer1"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    mine = vevents(response.content)
    assert set(mine) == {uid(date) for date in soon["dates"] + dropped["dates"]}
    first = mine[uid(soon["dates"][0])]
    assert (first["summary"], first["status"], first["location"], first["start"]) == ("Binnenkort (1/2)", "CONFIRMED", "Stadskantoor, zaal 3", NOW + dt.timedelta(days=1))
    assert {mine[uid(date)]["status"] for date in dropped["dates"]} == {"CANCELLED"}
    waiting = vevents((await api.download(slug, MODULE, "activities.ics", {"scope": "mine"}, user=utrecht.email("deelnemer2"))).content)
    assert {value["status"] for value in waiting.values()} == {"TENTATIVE"} and set(waiting) == {uid(date) for date in soon["dates"]}
    everything = vevents((await api.download(slug, MODULE, "activities.ics", {"scope": "all"}, user=utrecht.email("partner_worker"))).content)
    assert set(everything) == {uid(date) for date in soon["dates"] + online["dates"]}
    assert everything[uid(online["dates"][0])]["location"] == "https://leren.example/x"
    bad = await api.download(slug, MODULE, "activities.ics", {"scope": "iedereen"}, user=utrecht.email("deelnemer1"))
    assert bad.status_code == 422 and (bad.json()["code"], bad.json()["field"]) == ("VALIDATION_FAILED", "scope")
    assert (await api.download(slug, MODULE, "activities.ics", {}, user=utrecht.email("privacy_officer"))).status_code == 403
    theirs = await api.download(bosch.slug, MODULE, "activities.ics", {"scope": "all"}, user=bosch.email("professional"))
    assert theirs.status_code == 200 and vevents(theirs.content) == {}
    link = ok(await api.gql(slug, f'mutation {{ createFeedLink(input: {{module: "{MODULE}", download: "activities.ics"}}) {{ url }} }}', user=utrecht.email("deelnemer1")))
    secret = link["createFeedLink"]["url"].split("feed=", 1)[1]
    assert set(vevents((await api.download(slug, MODULE, "activities.ics", feed=secret)).content)) == set(mine)

    # Reminders: each date starting within 48 hours once, one event per seated member.
    job = [f"{MODULE}.reminders"]
    assert (await platform.run_scheduled_jobs(now=NOW, names=job))[job[0]] == 1  # the first date of "Binnenkort": deelnemer1 only
    assert (await platform.run_scheduled_jobs(now=NOW + dt.timedelta(minutes=15), names=job))[job[0]] == 0
    reminded = await events(platform, utrecht, EVENT_REMINDER)
    assert reminded == [
        {
            "registration_id": reminded[0]["registration_id"],
            "activity_id": soon["id"],
            "activity_date_id": soon["dates"][0]["id"],
            "membership_id": utrecht.members["deelnemer1"],
            "starts_at": (NOW + dt.timedelta(days=1)).isoformat(),
        }
    ]
    # A week on: the second date; the cancelled activity never; "Online" has nobody seated.
    assert (await platform.run_scheduled_jobs(now=NOW + dt.timedelta(days=6, hours=12), names=job))[job[0]] == 1
    assert [event["activity_date_id"] for event in await events(platform, utrecht, EVENT_REMINDER)] == [soon["dates"][0]["id"], soon["dates"][1]["id"]]
    assert await count(platform, utrecht, ActivityDate, ActivityDate.reminded_at.is_not(None)) == 2


async def test_parallel_registrations_hand_out_exactly_the_seats(api, platform, worlds, backend) -> None:
    """Real parallel requests: the activity's row lock counts the seats one request at a time."""
    if backend != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: there is no race to test")
    utrecht, _ = worlds
    activity_id = (await create(api, utrecht))["id"]
    names = [f"deelnemer{index}" for index in range(1, 7)]
    for name in names:
        await api.token(utrecht.slug, utrecht.email(name))  # log in before the race
    answers = await asyncio.gather(*(api.gql(utrecht.slug, REGISTER, {"a": activity_id}, user=utrecht.email(name)) for name in names))
    states = [ok(answer)["registerForActivity"]["registration"] for answer in answers]
    assert sorted(item["state"] for item in states) == ["INGESCHREVEN"] * 2 + ["WACHTLIJST"] * 4
    assert sorted(item["waitingPosition"] for item in states if item["waitingPosition"]) == [1, 2, 3, 4]
    async with platform.work_as_system(utrecht.slug, "test") as work:
        rows = (await work.session.execute(select(Registration).order_by(Registration.registered_at, Registration.id))).scalars().all()
    assert [row.state for row in rows] == ["ingeschreven"] * 2 + ["wachtlijst"] * 4  # seats went to the first in the queue's order
    by_member = {item["membershipId"]: item for item in states}
    assert [by_member[str(row.membership_id)]["waitingPosition"] for row in rows[2:]] == [1, 2, 3, 4]

    # A double submit by one member: one registration, the other ALREADY_REGISTERED (never a 500).
    second = (await create(api, utrecht))["id"]
    twice = await asyncio.gather(*(api.gql(utrecht.slug, REGISTER, {"a": second}, user=utrecht.email("deelnemer1")) for _ in range(2)))
    assert sorted(tuple(answer.codes) for answer in twice) == [(), ("ALREADY_REGISTERED",)]
    assert await count(platform, utrecht, Registration, Registration.activity_id == uuid.UUID(second)) == 1


async def test_a_running_date_cannot_be_moved_to_end_in_the_past(api, platform, worlds) -> None:
    """A date that already started keeps its start, but its end cannot be set to a moment
    gone by (that would close the activity behind its members' backs)."""
    from sqlalchemy import update as sql_update

    utrecht, _bosch = worlds
    activity = await create(api, utrecht)
    async with platform.work_as_system(utrecht.slug, "test") as work:  # the first date began an hour ago
        began = NOW - dt.timedelta(hours=1)
        await work.session.execute(sql_update(ActivityDate).values(starts_at=began))
        await work.session.execute(sql_update(Activity).values(starts_at=began))
        await work.commit()
    date = activity["dates"][0]
    moved = {"id": activity["id"], "dates": [{"id": date["id"], "startsAt": iso(began), "endsAt": iso(NOW - dt.timedelta(minutes=10))}]}
    assert_error(await api.gql(utrecht.slug, UPDATE, {"i": moved}, user=utrecht.email("professional")), "VALIDATION_FAILED", "input.dates.0.endsAt")
    async with platform.work_as_system(utrecht.slug, "test") as work:
        assert all(end > NOW for end in (await work.session.execute(select(ActivityDate.ends_at))).scalars())  # nothing moved
