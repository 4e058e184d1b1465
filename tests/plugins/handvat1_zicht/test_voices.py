"""The voice of parents: sessions and anonymous quotes, linked to goals of the plan. A
quote with identifying data or without consent is refused (nothing written), the schema
has no field that names a speaker, a family or a recorder, experts by experience
contribute and read, professionals only read, another gemeente sees nothing, and
withdrawing a quote deletes it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from core.testing import World, make_world
from plugins.handvat1_zicht.models import Quote, QuoteGoal, VoiceSession
from plugins.handvat1_zicht.services.dates import today as dutch_today
from tests.plugins.handvat1_zicht.test_plan import GOAL, assert_error, count, make_goal, ok

TODAY = dutch_today()  # the plan's and the sessions' dates are Amsterdam's (services/dates.py)
RECORD_SESSION = "mutation($i: RecordVoiceSessionInput!) { recordVoiceSession(input: $i) { session { id heldOn groupKind title themes summary } } }"
ADD_QUOTE = "mutation($i: AddQuoteInput!) { addQuote(input: $i) { quote { id text themes session { id } goals { id title } } } }"
LINK = "mutation($i: LinkQuoteGoalsInput!) { linkQuoteGoals(input: $i) { quote { id goals { id } } } }"
WITHDRAW = "mutation($i: WithdrawQuoteInput!) { withdrawQuote(input: $i) { withdrawnId } }"
SESSIONS = "query($k: VoiceGroupKind) { voiceSessions(groupKind: $k, first: 20) { totalCount nodes { id title groupKind themes quotes { id text } } } }"
QUOTES = "query($g: ID, $t: String) { quotes(goalId: $g, theme: $t, first: 50) { totalCount nodes { id text themes goals { id } } } }"
TYPE_FIELDS = "query($n: String!) { __type(name: $n) { fields { name } } }"


@pytest.fixture
async def worlds(platform) -> tuple[World, World]:
    utrecht = await make_world(platform, "GM0344", modules=["handvat1_zicht"])
    bosch = await make_world(platform, "GM0796", modules=["handvat1_zicht"])
    return utrecht, bosch


def session_input(**changes) -> dict:
    return {
        "heldOn": (TODAY - dt.timedelta(days=7)).isoformat(),
        "groupKind": "SPIEGELGROEP",
        "title": "Spiegelgroep over geldzorgen",
        "themes": ["Geldzorgen", "schaamte", "geldzorgen"],
        "summary": "Ouders vertelden hoe lastig het is om hulp te vragen.",
        **changes,
    }


def quote_input(session_id: str, **changes) -> dict:
    return {"sessionId": session_id, "text": "Ik durfde pas hulp te vragen toen de huur niet meer lukte.", "themes": ["schaamte"], "consentGiven": True, **changes}


async def record_session(api, world: World, user: str = "experience_expert", **changes) -> dict:
    return ok(await api.gql(world.slug, RECORD_SESSION, {"i": session_input(**changes)}, user=world.email(user)))["recordVoiceSession"]["session"]


async def test_sessions_and_quotes_linked_to_goals(api, platform, worlds) -> None:
    utrecht, _ = worlds
    goal_id = await make_goal(api, platform, utrecht)
    expert = utrecht.email("experience_expert")
    session = await record_session(api, utrecht)
    assert (session["groupKind"], session["themes"]) == ("SPIEGELGROEP", ["Geldzorgen", "schaamte"])  # each theme once
    texts = ["Ik durfde pas hulp te vragen.", "Bij het consultatiebureau vroeg niemand naar geld.", "Een vaste contactpersoon zou helpen."]
    added = []
    for index, text in enumerate(texts):
        given = quote_input(session["id"], text=text, themes=["Schaamte"] if index != 1 else ["bereik"], goalIds=[goal_id] if index < 2 else [])
        added.append(ok(await api.gql(utrecht.slug, ADD_QUOTE, {"i": given}, user=expert))["addQuote"]["quote"])
    assert added[0]["session"] == {"id": session["id"]} and added[0]["goals"] == [{"id": goal_id, "title": "Minder huishoudens met een laag inkomen in wijk 1"}]
    # The quotes of a session in the order of their ids, not of recording.
    listed = ok(await api.gql(utrecht.slug, SESSIONS, user=utrecht.email("professional")))["voiceSessions"]
    assert listed["totalCount"] == 1
    ids = [quote["id"] for quote in listed["nodes"][0]["quotes"]]
    assert ids == sorted((quote["id"] for quote in added), key=uuid.UUID)
    # By goal and by theme (case aside).
    by_goal = ok(await api.gql(utrecht.slug, QUOTES, {"g": goal_id}, user=expert))["quotes"]["nodes"]
    assert sorted(node["text"] for node in by_goal) == sorted(texts[:2])
    by_theme = ok(await api.gql(utrecht.slug, QUOTES, {"t": "SCHAAMTE"}, user=expert))["quotes"]["nodes"]
    assert sorted(node["text"] for node in by_theme) == sorted([texts[0], texts[2]])
    both = ok(await api.gql(utrecht.slug, QUOTES, {"g": goal_id, "t": "bereik"}, user=expert))["quotes"]["nodes"]
    assert [node["text"] for node in both] == [texts[1]]
    assert ok(await api.gql(utrecht.slug, SESSIONS, {"k": "OUDERS"}, user=expert))["voiceSessions"]["totalCount"] == 0
    # The goal shows its quotes; relinking replaces them.
    goal = ok(await api.gql(utrecht.slug, GOAL, {"id": goal_id}, user=utrecht.email("professional")))["goal"]
    assert sorted(quote["id"] for quote in goal["quotes"]) == sorted(quote["id"] for quote in added[:2])
    relinked = ok(await api.gql(utrecht.slug, LINK, {"i": {"quoteId": added[0]["id"], "goalIds": []}}, user=expert))["linkQuoteGoals"]["quote"]
    assert relinked["goals"] == []
    assert len(ok(await api.gql(utrecht.slug, QUOTES, {"g": goal_id}, user=expert))["quotes"]["nodes"]) == 1


async def test_refused_sessions_and_quotes_write_nothing(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    expert = utrecht.email("experience_expert")
    their_goal = await make_goal(api, platform, bosch)
    for given, code, field in [
        (session_input(heldOn=(TODAY + dt.timedelta(days=1)).isoformat()), "VALIDATION_FAILED", "input.heldOn"),
        (session_input(summary="Moeder (mail: an@voorbeeld.nl) vertelde..."), "IDENTIFYING_DATA", "input.summary"),
        (session_input(title="Gesprek met familie, 3511 AB"), "IDENTIFYING_DATA", "input.title"),
        (session_input(themes=["x"]), "VALIDATION_FAILED", "input.themes.0"),
        (session_input(title=""), "VALIDATION_FAILED", "input.title"),
    ]:
        assert_error(await api.gql(utrecht.slug, RECORD_SESSION, {"i": given}, user=expert), code, field)
    assert await count(platform, utrecht, VoiceSession) == 0
    session = await record_session(api, utrecht)
    for given, code, field in [
        (quote_input(session["id"], text="Mijn BSN is 111222333, schrijf dat maar op."), "IDENTIFYING_DATA", "input.text"),
        (quote_input(session["id"], text="Bel me op 06-12345678 als er nieuws is."), "IDENTIFYING_DATA", "input.text"),
        (quote_input(session["id"], consentGiven=False), "CONSENT_REQUIRED", "input.consentGiven"),
        (quote_input(str(uuid.uuid4())), "NOT_FOUND", "input.sessionId"),
        (quote_input(session["id"], goalIds=[their_goal]), "NOT_FOUND", "input.goalIds"),  # another gemeente's goal
        (quote_input(session["id"], text=" "), "VALIDATION_FAILED", "input.text"),
    ]:
        assert_error(await api.gql(utrecht.slug, ADD_QUOTE, {"i": given}, user=expert), code, field)
    assert (await count(platform, utrecht, Quote), await count(platform, utrecht, QuoteGoal)) == (0, 0)


async def test_no_field_names_a_speaker_family_or_recorder(api, platform, worlds) -> None:
    utrecht, _ = worlds
    fields = {}
    for name in ("Quote", "VoiceSession", "LinkedGoal"):
        found = ok(await api.gql(utrecht.slug, TYPE_FIELDS, {"n": name}, user=utrecht.email("analyst")))["__type"]
        fields[name] = {field["name"] for field in found["fields"]}
    assert fields["Quote"] == {"id", "text", "themes", "session", "goals"}
    assert fields["VoiceSession"] == {"id", "heldOn", "groupKind", "title", "themes", "summary", "quotes"}
    assert fields["LinkedGoal"] == {"id", "title"}
    telling = ("family", "gezin", "speaker", "spreker", "person", "member", "recorded", "author", "by", "owner", "name", "email", "consent")
    for type_name, names in fields.items():
        assert not [name for name in names for word in telling if word in name.lower()], type_name
    # Nor does the table keep anything of the sort.
    assert set(Quote.__table__.columns.keys()) == {"tenant_id", "id", "session_id", "text", "themes", "consent_given"}


@pytest.mark.parametrize(
    ("role", "read", "contribute"),
    [
        ("coalition_admin", True, True),
        ("analyst", True, True),
        ("experience_expert", True, True),
        ("professional", True, False),
        ("partner_worker", False, False),
        ("privacy_officer", False, False),
    ],
)
async def test_permissions_per_role(api, platform, worlds, role: str, read: bool, contribute: bool) -> None:
    utrecht, _ = worlds
    session = await record_session(api, utrecht, user="analyst")
    user = utrecht.email(role)
    listed = await api.gql(utrecht.slug, SESSIONS, user=user)
    if read:
        assert ok(listed)["voiceSessions"]["totalCount"] == 1
    else:
        assert_error(listed, "FORBIDDEN")
    added = await api.gql(utrecht.slug, ADD_QUOTE, {"i": quote_input(session["id"])}, user=user)
    if contribute:
        assert ok(added)["addQuote"]["quote"]["text"].startswith("Ik durfde")
    else:
        assert_error(added, "FORBIDDEN")
        assert await count(platform, utrecht, Quote) == 0


async def test_another_gemeente_sees_nothing_and_withdrawing_deletes(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    goal_id = await make_goal(api, platform, utrecht)
    expert = utrecht.email("experience_expert")
    session = await record_session(api, utrecht)
    quote = ok(await api.gql(utrecht.slug, ADD_QUOTE, {"i": quote_input(session["id"], goalIds=[goal_id])}, user=expert))["addQuote"]["quote"]
    theirs = bosch.email("experience_expert")
    assert ok(await api.gql(bosch.slug, SESSIONS, user=theirs))["voiceSessions"]["totalCount"] == 0
    assert ok(await api.gql(bosch.slug, QUOTES, user=theirs))["quotes"]["totalCount"] == 0
    assert_error(await api.gql(bosch.slug, QUOTES, {"g": goal_id}, user=theirs), "NOT_FOUND", "goalId")
    assert_error(await api.gql(bosch.slug, WITHDRAW, {"i": {"id": quote["id"]}}, user=theirs), "NOT_FOUND", "input.id")
    assert_error(await api.gql(bosch.slug, ADD_QUOTE, {"i": quote_input(session["id"])}, user=theirs), "NOT_FOUND", "input.sessionId")
    assert_error(await api.gql(utrecht.slug, WITHDRAW, {"i": {"id": quote["id"]}}, user=utrecht.email("professional")), "FORBIDDEN")
    # The speaker withdraws consent: the quote and its links are gone, not hidden.
    withdrawn = ok(await api.gql(utrecht.slug, WITHDRAW, {"i": {"id": quote["id"]}}, user=expert))["withdrawQuote"]
    assert withdrawn == {"withdrawnId": quote["id"]}
    async with platform.work_as_system(utrecht.slug, "test") as work:
        left = (await work.session.execute(select(func.count()).select_from(Quote).where(Quote.id == uuid.UUID(quote["id"])))).scalar_one()
        links = (await work.session.execute(select(func.count()).select_from(QuoteGoal))).scalar_one()
    assert (left, links) == (0, 0)
    assert ok(await api.gql(utrecht.slug, GOAL, {"id": goal_id}, user=expert))["goal"]["quotes"] == []
    assert_error(await api.gql(utrecht.slug, WITHDRAW, {"i": {"id": quote["id"]}}, user=expert), "NOT_FOUND", "input.id")
