"""Handvat 4's practice library, shared by every coalition: an example's life from draft
through review to published for all (versions kept, withdrawn, reopened), what another
coalition sees of it and may do with it (read, search, adopt into its plan van aanpak,
leave a note; never edit it, never see a draft), on both layers of the shared data shape;
Dutch full-text search with filters on both databases; bad input that writes nothing;
concurrent steps; and the statements per page."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text

from core.models import OutboxEvent, WorkflowHistory
from core.plugin import DomainError, utcnow
from core.tenancy import TenantContext
from core.testing import World, count_statements, make_world, owner_engine
from core.testing import assert_error as _assert_error
from core.testing import ok as _ok
from plugins.handvat1_zicht.models import Action
from plugins.handvat4_leren.models import Adoption, ExperienceNote, PracticeExample, PracticeVersion
from plugins.handvat4_leren.services import library

#: Small worlds: a writer (professional), a reviewer (analyst), the coalition lead.
MEMBERS = {
    "coalition_admin": (("coalition_admin",), None),
    "professional": (("professional",), "verloskundige"),
    "analyst": (("analyst",), None),
}
PARTNERS = {"verloskundige": {"name": "Verloskundigenpraktijk De Wieg", "type": "verloskundige", "domain": "medisch"}}
MODULES = ["handvat1_zicht", "handvat4_leren"]


def ok(response: Any) -> Any:
    return _ok(response.body)


def assert_error(response: Any, code: str, field: str | None = None) -> dict[str, Any]:
    return _assert_error(response.body, code, field)

EXAMPLE = """fragment E on PracticeExample {
  id own state gemeenteName allowedTransitions publishedAt
  currentVersion { number title state current published themes gemeenteSize
    interventions { database databaseName name url erkenningsniveau erkenningsniveauName } }
  workingVersion { number title state }
  versions { number title state published }
  history { transition fromState toState reason }
  adoptionCount adoptedByUs adoptions { gemeenteName ours planActionId }
  experienceNotes { text gemeenteName ours }
}"""
READ = "query($id: ID!) { practiceExample(id: $id) { ...E } } " + EXAMPLE
LIBRARY = """query($s: String, $f: PracticeLibraryFilter, $n: Int, $a: String) {
  practiceLibrary(search: $s, filter: $f, first: $n, after: $a) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id gemeenteName currentVersion { title } } } } }"""
OWN = "query($s: PracticeExampleState) { ownPracticeExamples(state: $s, first: 50) { totalCount nodes { id state } } }"
ADOPT = """mutation($i: AdoptPracticeExampleInput!) { adoptPracticeExample(input: $i) {
  adoption { gemeenteName versionNumber ours planActionId } example { id adoptionCount adoptedByUs } addedToPlan planActionId message } }"""
NOTE = """mutation($i: AddExperienceNoteInput!) { addExperienceNote(input: $i) {
  note { text gemeenteName ours } example { experienceNotes { text gemeenteName } } } }"""

#: Each mutation of the library: (field, input type).
MUTATIONS = {
    "create": ("createPracticeExample", "CreatePracticeExampleInput"),
    "update": ("updatePracticeExample", "UpdatePracticeExampleInput"),
    "bijwerken": ("startPracticeExampleUpdate", "StartPracticeExampleUpdateInput"),
    "indienen": ("submitPracticeExample", "SubmitPracticeExampleInput"),
    "publiceren": ("publishPracticeExample", "PublishPracticeExampleInput"),
    "terugsturen": ("returnPracticeExample", "ReturnPracticeExampleInput"),
    "intrekken": ("withdrawPracticeExample", "WithdrawPracticeExampleInput"),
    "heropenen": ("reopenPracticeExample", "ReopenPracticeExampleInput"),
}
#: Who takes each step in the tests: the professional writes, the analyst reviews, the lead withdraws.
WHO = {"indienen": "professional", "bijwerken": "professional", "heropenen": "professional", "publiceren": "analyst",
       "terugsturen": "analyst", "intrekken": "coalition_admin"}  # fmt: skip
REASONS = {"terugsturen": "De resultaten ontbreken nog.", "intrekken": "De aanpak is gestopt."}


def content(title: str = "Geldzorgen bespreken bij de verloskundige", **changes: Any) -> dict[str, Any]:
    given = {
        "title": title,
        "problem": "Aanstaande ouders met geldzorgen komen laat in beeld.",
        "targetGroup": "Zwangeren met een laag inkomen.",
        "approach": "Verloskundigen stellen bij de intake standaard een vraag over rondkomen en verwijzen warm door.",
        "partnersInvolved": "Verloskundigenpraktijken, schuldhulp, wijkteams.",
        "expertsRole": "Ervaringsdeskundigen schreven de vraag mee.",
        "results": "Twee keer zoveel verwijzingen naar schuldhulp.",
        "whatWorked": "Een vaste vraag, geen formulier.",
        "whatDidNotWork": "Een folder alleen.",
        "preconditions": "Korte lijnen met de schuldhulp.",
        "costs": "Twee trainingsdagdelen per praktijk.",
        "contact": "Coalitieregisseur Kansrijke Start, kansrijkestart@gemeente.example, 030 200 1000",
        "source": "https://www.kansrijkestart.nl",
        "themes": ["SIGNALEREN", "WARM_DOORVERWIJZEN"],
        "targetGroups": ["AANSTAANDE_OUDERS"],
        "gemeenteSize": "GROOT",
        "interventions": [
            {"database": "NJI", "name": "VoorZorg", "url": "https://www.nji.nl/interventies/voorzorg", "erkenningsniveau": "EFFECTIEF_EERSTE_AANWIJZINGEN"}
        ],
    }
    given.update(changes)
    return given


async def make_coalition(platform: Any, code: str, modules: list[str] = MODULES) -> World:
    return await make_world(platform, code, modules=modules, members=MEMBERS, partners=PARTNERS)


@pytest.fixture
async def worlds(platform: Any) -> tuple[World, World]:
    """Utrecht, which writes, and 's-Hertogenbosch, which reads; both keep a plan (handvat 1)."""
    return await make_coalition(platform, "GM0344"), await make_coalition(platform, "GM0796")


async def call(api: Any, world: World, action: str, who: str, **given: Any) -> Any:
    """One library mutation as `who` of `world`: the response."""
    name, input_type = MUTATIONS[action]
    query = f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ example {{ ...E }} }} }} " + EXAMPLE
    if action in REASONS and "reason" not in given:
        given["reason"] = REASONS[action]
    return await api.gql(world.slug, query, {"i": given}, user=world.email(who))


async def step(api: Any, world: World, action: str, example_id: str, who: str | None = None, **given: Any) -> dict[str, Any]:
    """A step that must succeed: the example as the payload shows it."""
    return ok(await call(api, world, action, who or WHO[action], id=example_id, **given))[MUTATIONS[action][0]]["example"]


async def create(api: Any, world: World, **changes: Any) -> dict[str, Any]:
    return ok(await call(api, world, "create", "professional", **content(**changes)))["createPracticeExample"]["example"]


async def published(api: Any, world: World, **changes: Any) -> str:
    """A new example of `world`, written, submitted and published (by another member)."""
    example = await create(api, world, **changes)
    await step(api, world, "indienen", example["id"])
    await step(api, world, "publiceren", example["id"])
    return example["id"]


async def read(api: Any, world: World, example_id: str, who: str = "analyst") -> Any:
    return await api.gql(world.slug, READ, {"id": example_id}, user=world.email(who))


async def library_titles(api: Any, world: World, search: str | None = None, **filters: Any) -> list[str]:
    variables = {"s": search, "f": filters or None, "n": 50}
    page = ok(await api.gql(world.slug, LIBRARY, variables, user=world.email("analyst")))["practiceLibrary"]
    return [edge["node"]["currentVersion"]["title"] for edge in page["edges"]]


async def counts(platform: Any, world: World) -> dict[str, int]:
    """Rows of the library and the plan in `world`'s view (its own and what is published)."""
    async with platform.work_as_system(world.slug, "test") as work:
        found = {}
        for model in (PracticeExample, PracticeVersion, Adoption, ExperienceNote, Action, WorkflowHistory):
            found[model.__name__] = (await work.session.execute(select(func.count()).select_from(model))).scalar_one()
        return found


async def library_events(platform: Any, world: World) -> list[tuple[str, dict[str, Any]]]:
    """The library's domain events in `world`, oldest first."""
    async with platform.work_as_system(world.slug, "test") as work:
        statement = select(OutboxEvent.type, OutboxEvent.payload).where(OutboxEvent.type.like("handvat4_leren.practice_example.%"))
        return [(row.type, row.payload) for row in (await work.session.execute(statement.order_by(OutboxEvent.occurred_at)))]


# -- the life of an example, seen by both coalitions -----------------------------------------------


async def test_an_example_from_draft_to_published_updated_adopted_and_withdrawn(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    draft = await create(api, utrecht)
    identifier = draft["id"]
    assert draft["own"] and draft["state"] == "CONCEPT" and draft["gemeenteName"] == "Utrecht"
    assert draft["currentVersion"] is None and draft["workingVersion"] == {"number": 1, "title": content()["title"], "state": "CONCEPT"}
    assert draft["allowedTransitions"] == ["INDIENEN"]  # the professional may not withdraw

    # A draft stays inside its coalition: 's-Hertogenbosch neither reads, finds nor writes it.
    assert_error(await read(api, bosch, identifier), "NOT_FOUND", field="id")
    assert await library_titles(api, bosch) == [] and await library_titles(api, utrecht) == []
    assert_error(await call(api, bosch, "update", "professional", id=identifier, title="Gekaapt"), "NOT_FOUND", field="input.id")
    assert_error(await call(api, bosch, "intrekken", "coalition_admin", id=identifier), "NOT_FOUND", field="input.id")

    # Review: not by who wrote or submitted the version; back with a reason, then published.
    await step(api, utrecht, "indienen", identifier)
    assert_error(await call(api, utrecht, "publiceren", "professional", id=identifier), "OWN_REVIEW", field="input.id")
    assert_error(await call(api, utrecht, "terugsturen", "professional", id=identifier), "OWN_REVIEW", field="input.id")
    assert_error(await call(api, utrecht, "update", "professional", id=identifier, title="Tijdens de beoordeling"), "NOT_EDITABLE", field="input.id")
    returned = await step(api, utrecht, "terugsturen", identifier)
    assert returned["state"] == "CONCEPT" and returned["history"][-1] == {
        "transition": "TERUGSTUREN", "fromState": "TER_BEOORDELING", "toState": "CONCEPT", "reason": REASONS["terugsturen"]}  # fmt: skip
    await step(api, utrecht, "update", identifier, who="professional", results="Twee keer zoveel verwijzingen; ouders voelen zich gehoord.")
    await step(api, utrecht, "indienen", identifier, who="coalition_admin")  # the lead submits: the writer still may not review
    assert_error(await call(api, utrecht, "publiceren", "coalition_admin", id=identifier), "OWN_REVIEW")
    example = await step(api, utrecht, "publiceren", identifier)
    assert example["state"] == "GEPUBLICEERD" and example["workingVersion"] is None
    assert example["currentVersion"]["number"] == 1 and example["currentVersion"]["published"] and example["currentVersion"]["current"]
    assert example["currentVersion"]["interventions"] == [
        {"database": "NJI", "databaseName": "NJi Databank Effectieve Jeugdinterventies", "name": "VoorZorg",
         "url": "https://www.nji.nl/interventies/voorzorg", "erkenningsniveau": "EFFECTIEF_EERSTE_AANWIJZINGEN",
         "erkenningsniveauName": "Effectief volgens eerste aanwijzingen"}
    ]  # fmt: skip

    # Published for every coalition: 's-Hertogenbosch reads the version, not the state or the review.
    seen = ok(await read(api, bosch, identifier))["practiceExample"]
    assert (seen["own"], seen["state"], seen["workingVersion"], seen["history"], seen["allowedTransitions"]) == (False, None, None, [], [])
    assert seen["currentVersion"]["title"] == content()["title"] and seen["gemeenteName"] == "Utrecht"
    assert await library_titles(api, bosch) == [content()["title"]] == await library_titles(api, utrecht)
    for action, who in (("update", "professional"), ("bijwerken", "professional"), ("intrekken", "coalition_admin")):
        assert_error(await call(api, bosch, action, who, id=identifier), "NOT_OWNER", field="input.id")

    # An update: a new working version; the others keep reading the published one.
    updating = await step(api, utrecht, "bijwerken", identifier, who="analyst")
    assert updating["state"] == "CONCEPT" and updating["workingVersion"]["number"] == 2 and updating["currentVersion"]["number"] == 1
    await step(api, utrecht, "update", identifier, who="analyst", title="Geldzorgen bespreken: de tweede versie")
    seen = ok(await read(api, bosch, identifier))["practiceExample"]
    assert seen["currentVersion"]["title"] == content()["title"] and [v["number"] for v in seen["versions"]] == [1]
    assert await library_titles(api, bosch, "tweede versie") == []
    own = ok(await read(api, utrecht, identifier))["practiceExample"]
    assert [(v["number"], v["state"], v["published"]) for v in own["versions"]] == [(2, "CONCEPT", False), (1, "GEPUBLICEERD", True)]
    await step(api, utrecht, "indienen", identifier, who="coalition_admin")
    assert_error(await call(api, utrecht, "publiceren", "analyst", id=identifier), "OWN_REVIEW")  # the analyst started version 2
    await step(api, utrecht, "publiceren", identifier, who="professional")  # who wrote version 1 may review version 2
    seen = ok(await read(api, bosch, identifier))["practiceExample"]
    assert seen["currentVersion"]["title"] == "Geldzorgen bespreken: de tweede versie"
    assert [(v["number"], v["state"]) for v in seen["versions"]] == [(2, "GEPUBLICEERD"), (1, "VERVANGEN")]

    # 's-Hertogenbosch adopts it into its plan (once) and leaves a note; Utrecht sees both.
    adopt = {"exampleId": identifier, "partnerId": bosch.partners["verloskundige"], "deadline": (dt.date.today() + dt.timedelta(days=60)).isoformat()}
    adopted = ok(await api.gql(bosch.slug, ADOPT, {"i": adopt}, user=bosch.email("coalition_admin")))["adoptPracticeExample"]
    assert adopted["addedToPlan"] and adopted["planActionId"] == adopted["adoption"]["planActionId"]
    assert adopted["adoption"] == {"gemeenteName": "'s-Hertogenbosch", "versionNumber": 2, "ours": True, "planActionId": adopted["planActionId"]}
    assert adopted["example"] == {"id": identifier, "adoptionCount": 1, "adoptedByUs": True}
    actions = ok(await api.gql(bosch.slug, "{ actions(first: 10) { nodes { id title reference proposedByModule } } }", user=bosch.email("analyst")))
    assert actions["actions"]["nodes"] == [
        {"id": adopted["planActionId"], "title": "Praktijkvoorbeeld overnemen: Geldzorgen bespreken: de tweede versie",
         "reference": f"handvat4_leren.practice_example:{identifier}", "proposedByModule": "handvat4_leren"}
    ]  # fmt: skip
    assert_error(await api.gql(bosch.slug, ADOPT, {"i": adopt}, user=bosch.email("analyst")), "ALREADY_ADOPTED", field="input.exampleId")
    assert_error(await call(api, bosch, "update", "coalition_admin", id=identifier, title="Overgenomen, dus van ons?"), "NOT_OWNER")
    note = {"exampleId": identifier, "text": "We probeerden dit in twee wijken, en de vraag werkt ook bij het consultatiebureau."}
    noted = ok(await api.gql(bosch.slug, NOTE, {"i": note}, user=bosch.email("professional")))["addExperienceNote"]
    assert noted["note"] == {"text": note["text"], "gemeenteName": "'s-Hertogenbosch", "ours": True}
    own = ok(await read(api, utrecht, identifier))["practiceExample"]
    assert (own["adoptionCount"], own["adoptedByUs"]) == (1, False)
    assert own["adoptions"] == [{"gemeenteName": "'s-Hertogenbosch", "ours": False, "planActionId": None}]  # their plan is theirs
    assert own["experienceNotes"] == [{"text": note["text"], "gemeenteName": "'s-Hertogenbosch", "ours": False}]

    # Withdrawn: no coalition but Utrecht reads it or its history; the adoption stays.
    withdrawn = await step(api, utrecht, "intrekken", identifier)
    assert withdrawn["state"] == "INGETROKKEN" and all(not version["published"] for version in withdrawn["versions"])
    assert_error(await read(api, bosch, identifier), "NOT_FOUND")
    assert await library_titles(api, bosch) == [] and await library_titles(api, utrecht) == []
    assert_error(await api.gql(bosch.slug, NOTE, {"i": note}, user=bosch.email("analyst")), "NOT_FOUND", field="input.exampleId")
    assert_error(await api.gql(bosch.slug, ADOPT, {"i": adopt}, user=bosch.email("analyst")), "NOT_FOUND", field="input.exampleId")
    assert_error(await call(api, bosch, "heropenen", "professional", id=identifier), "NOT_FOUND", field="input.id")
    assert ok(await read(api, utrecht, identifier))["practiceExample"]["adoptionCount"] == 1
    reopened = await step(api, utrecht, "heropenen", identifier)
    assert reopened["state"] == "CONCEPT" and reopened["workingVersion"] == {"number": 3, "title": "Geldzorgen bespreken: de tweede versie", "state": "CONCEPT"}
    # The events (ids and codes only): two publications and a withdrawal in Utrecht, the adoption in 's-Hertogenbosch.
    assert await library_events(platform, utrecht) == [
        ("handvat4_leren.practice_example.published", {"example_id": identifier, "version": 1}),
        ("handvat4_leren.practice_example.published", {"example_id": identifier, "version": 2}),
        ("handvat4_leren.practice_example.withdrawn", {"example_id": identifier}),
    ]
    async with platform.work_as_system(bosch.slug, "test") as work:
        adoption_id = str((await work.session.execute(select(Adoption.id).where(Adoption.owner_tenant_id == bosch.tenant.id))).scalar_one())
    assert await library_events(platform, bosch) == [
        ("handvat4_leren.practice_example.adopted", {"example_id": identifier, "adoption_id": adoption_id, "plan_action_id": adopted["planActionId"]})
    ]
    listed = ok(await api.gql(utrecht.slug, OWN, {"s": "CONCEPT"}, user=utrecht.email("analyst")))["ownPracticeExamples"]
    assert listed == {"totalCount": 1, "nodes": [{"id": identifier, "state": "CONCEPT"}]}
    assert ok(await api.gql(bosch.slug, OWN, user=bosch.email("analyst")))["ownPracticeExamples"]["totalCount"] == 0


async def test_adopting_where_no_module_keeps_the_plan_records_the_adoption_only(api, platform, worlds) -> None:
    utrecht, _ = worlds
    identifier = await published(api, utrecht)
    tilburg = await make_coalition(platform, "GM0855", modules=["handvat4_leren"])
    adopted = ok(await api.gql(tilburg.slug, ADOPT, {"i": {"exampleId": identifier}}, user=tilburg.email("analyst")))["adoptPracticeExample"]
    assert (adopted["addedToPlan"], adopted["planActionId"], adopted["adoption"]["planActionId"]) == (False, None, None)
    assert "handvat 1 staat uit" in adopted["message"] and adopted["example"]["adoptionCount"] == 1
    # Its own example adopted by Utrecht itself: into its own plan, with a partner of its own.
    own = ok(await api.gql(utrecht.slug, ADOPT, {"i": {"exampleId": identifier, "partnerId": utrecht.partners["verloskundige"]}}, user=utrecht.email("analyst")))
    assert own["adoptPracticeExample"]["addedToPlan"] and own["adoptPracticeExample"]["example"]["adoptionCount"] == 2


# -- bad input: a clear error, nothing written ------------------------------------------------------


async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    identifier = await published(api, utrecht)
    draft = (await create(api, utrecht, title="Een concept"))["id"]
    before = {world.slug: await counts(platform, world) for world in worlds}
    refused = [
        (content(title="  "), "VALIDATION_FAILED", "input.title"),
        (content(problem="x" * 5001), "VALIDATION_FAILED", "input.problem"),
        (content(contact="x" * 301), "VALIDATION_FAILED", "input.contact"),
        (content(themes=[]), "VALIDATION_FAILED", "input.themes"),
        (content(interventions=[{"database": "NJI", "name": "VoorZorg", "url": "geen link", "erkenningsniveau": "GOED_BESCHREVEN"}]),
         "VALIDATION_FAILED", "input.interventions.0.url"),
        (content(interventions=[{"database": "NJI", "name": "V", "erkenningsniveau": "GOED_BESCHREVEN"}] * 11), "VALIDATION_FAILED", "input.interventions"),
        (content(approach="Mevrouw met BSN 111222333 kreeg hulp."), "IDENTIFYING_DATA", "input.approach"),
        (content(results="De moeder (06-12345678) is tevreden."), "IDENTIFYING_DATA", "input.results"),
        (content(interventions=[{"database": "NJI", "name": "Vraag ouder@voorbeeld.nl", "erkenningsniveau": "GOED_BESCHREVEN"}]),
         "IDENTIFYING_DATA", "input.interventions.0.name"),
    ]  # fmt: skip
    for given, code, field in refused:
        assert_error(await call(api, utrecht, "create", "professional", **given), code, field=field)
    assert_error(await call(api, utrecht, "update", "professional", id=draft, whatWorked="Gezin Jansen, geboren 12-03-2024."), "IDENTIFYING_DATA", field="input.whatWorked")
    assert_error(await call(api, utrecht, "update", "professional", id=draft, title=None), "VALIDATION_FAILED", field="input.title")
    assert_error(await call(api, utrecht, "update", "professional", id="geen-id", title="Goed"), "VALIDATION_FAILED", field="input.id")
    assert_error(await call(api, utrecht, "update", "professional", id=str(uuid.uuid4()), title="Goed"), "NOT_FOUND", field="input.id")
    # An unknown member of an enum is refused by the schema; a caller of the service (a command) gets the field.
    unknown = await call(api, utrecht, "create", "professional", **content(themes=["ARMOEDE"]))
    assert unknown.codes == ["GRAPHQL_VALIDATION_FAILED"] and "PracticeTheme" in unknown.errors[0]["message"]
    async with platform.work_as_system(utrecht.slug, "test") as work:
        with pytest.raises(DomainError) as refusal:
            await library.create_example(work, {"title": "Goed", "themes": ["armoede"], "target_groups": ["professionals"], "gemeente_size": "klein"})
        assert (refusal.value.code, refusal.value.field) == ("VALIDATION_FAILED", "input.themes.0")
        with pytest.raises(DomainError) as refusal:
            await library.create_example(work, {"title": "Goed", "themes": ["signaleren"], "target_groups": ["professionals"], "gemeente_size": "reus"})
        assert (refusal.value.code, refusal.value.field) == ("VALIDATION_FAILED", "input.gemeenteSize")
    # Steps: publishing without review, sending back or withdrawing without a reason.
    assert_error(await call(api, utrecht, "publiceren", "analyst", id=draft), "TRANSITION_NOT_ALLOWED", field="input.id")
    assert_error(await call(api, utrecht, "intrekken", "coalition_admin", id=draft, reason=" "), "VALIDATION_FAILED", field="input.reason")
    assert_error(await call(api, utrecht, "indienen", "professional", id=identifier), "TRANSITION_NOT_ALLOWED")
    # Adopting: a draft, an unknown example, without a partner (the plan needs one), an unknown goal, a past deadline.
    adopt = {"exampleId": identifier, "partnerId": bosch.partners["verloskundige"]}
    for given, code, field in (
        ({**adopt, "exampleId": draft}, "NOT_FOUND", "input.exampleId"),
        ({**adopt, "exampleId": str(uuid.uuid4())}, "NOT_FOUND", "input.exampleId"),
        ({"exampleId": identifier}, "VALIDATION_FAILED", "input.partnerId"),
        ({**adopt, "partnerId": utrecht.partners["verloskundige"]}, "NOT_FOUND", "input.partnerId"),
        ({**adopt, "goalId": str(uuid.uuid4())}, "NOT_FOUND", "input.goalId"),
        ({**adopt, "deadline": "2020-01-01"}, "VALIDATION_FAILED", "input.deadline"),
    ):
        assert_error(await api.gql(bosch.slug, ADOPT, {"i": given}, user=bosch.email("coalition_admin")), code, field=field)
    # Notes: too short, too long, identifying, on a draft.
    for given, code, field in (
        ({"exampleId": identifier, "text": "Goed."}, "VALIDATION_FAILED", "input.text"),
        ({"exampleId": identifier, "text": "x" * 1001}, "VALIDATION_FAILED", "input.text"),
        ({"exampleId": identifier, "text": "Werkte bij de familie op 3512 AB heel goed."}, "IDENTIFYING_DATA", "input.text"),
        ({"exampleId": draft, "text": "Dit concept lezen wij niet."}, "NOT_FOUND", "input.exampleId"),
    ):
        assert_error(await api.gql(bosch.slug, NOTE, {"i": given}, user=bosch.email("professional")), code, field=field)
    assert {world.slug: await counts(platform, world) for world in worlds} == before


# -- Dutch full-text search and filters, on both databases -----------------------------------------


async def test_dutch_search_finds_word_forms_ignores_stop_words_and_combines_with_filters(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    blank = {name: "" for name in ("targetGroup", "partnersInvolved", "expertsRole", "whatWorked", "whatDidNotWork", "preconditions",
                                    "costs", "contact", "source")} | {"interventions": []}  # fmt: skip
    # Three examples of about the same length, each in its own words.
    midwives = await published(
        api, utrecht, title="De verloskundigen vragen naar geldzorgen", problem="Zwangeren met geldzorgen komen laat in beeld.",
        approach="Verloskundigen stellen bij de intake een vaste vraag over rondkomen.", results="Meer verwijzingen naar schuldhulp.",
        themes=["SIGNALEREN"], gemeenteSize="GROOT", **blank,
    )  # fmt: skip
    mention = await published(
        api, bosch, title="Een spreekuur in de wijk", problem="Ouders kennen de regelingen van hun gemeente niet.",
        approach="Samen met een verloskundige en het wijkteam houden we een spreekuur.", results="Meer aanvragen voor de bijzondere bijstand.",
        themes=["TOEGANG_REGELINGEN"], targetGroups=["OUDERS_JONGE_KINDEREN"], gemeenteSize="MIDDEL", **blank,
    )  # fmt: skip
    await published(
        api, bosch, title="Voorlichting over de regelingen", problem="Toeslagen worden te weinig aangevraagd door ouders.",
        approach="Een avond in de bibliotheek met de toeslagen en de regelingen.", results="Veertig ouders kwamen op de avond.",
        themes=["TOEGANG_REGELINGEN"], gemeenteSize="KLEIN", **blank,
    )  # fmt: skip
    await create(api, utrecht, title="Verloskundigen in een concept")  # a draft is never found
    titles = {midwives: "De verloskundigen vragen naar geldzorgen", mention: "Een spreekuur in de wijk"}

    # In the title and the text ranks above once in the text: the same order on SQLite (bm25) and PostgreSQL (ts_rank).
    found = await library_titles(api, bosch, "verloskundige")
    assert found == [titles[midwives], titles[mention]]
    assert await library_titles(api, utrecht, "de verloskundige en het") == found  # stop words do not count
    assert await library_titles(api, bosch, "verloskundigen vragen") == [titles[midwives]]  # every word must be there
    assert await library_titles(api, bosch, "spreekuren") == [titles[mention]]
    assert await library_titles(api, bosch, "zwangerschapsyoga") == []
    assert len(await library_titles(api, bosch, "de het")) == 3  # only stop words: no search, every published example
    assert await library_titles(api, bosch) == ["Voorlichting over de regelingen", titles[mention], titles[midwives]]  # newest first

    # Filters: one of the values within a filter, the filters and the search together.
    assert await library_titles(api, bosch, "verloskundige", themes=["TOEGANG_REGELINGEN"]) == [titles[mention]]
    assert await library_titles(api, bosch, "verloskundige", gemeenteSizes=["GROOT", "KLEIN"]) == [titles[midwives]]
    assert await library_titles(api, bosch, None, themes=["TOEGANG_REGELINGEN"], gemeenteSizes=["MIDDEL"]) == [titles[mention]]
    assert await library_titles(api, bosch, None, targetGroups=["AANSTAANDE_OUDERS"]) == ["Voorlichting over de regelingen", titles[midwives]]
    assert await library_titles(api, bosch, "verloskundige", targetGroups=["NIEUWKOMERS"]) == []

    # Paging through the ranked list with first/after.
    first = ok(await api.gql(bosch.slug, LIBRARY, {"s": "verloskundige", "n": 1}, user=bosch.email("analyst")))["practiceLibrary"]
    assert first["totalCount"] == 2 and first["pageInfo"]["hasNextPage"] and first["edges"][0]["node"]["id"] == midwives
    second = ok(await api.gql(bosch.slug, LIBRARY, {"s": "verloskundige", "n": 1, "a": first["pageInfo"]["endCursor"]}, user=bosch.email("analyst")))
    assert [edge["node"]["id"] for edge in second["practiceLibrary"]["edges"]] == [mention]
    assert not second["practiceLibrary"]["pageInfo"]["hasNextPage"]
    assert_error(await api.gql(bosch.slug, LIBRARY, {"a": "geen-cursor"}, user=bosch.email("analyst")), "VALIDATION_FAILED", field="after")
    assert_error(await api.gql(bosch.slug, LIBRARY, {"s": "x" * 201}, user=bosch.email("analyst")), "VALIDATION_FAILED", field="search")


# -- isolation on both layers ----------------------------------------------------------------------


async def test_a_draft_is_invisible_to_another_coalition_on_both_layers(api, platform, worlds, backend) -> None:
    """Layer 1 (the ORM as 's-Hertogenbosch) on both databases, layer 2 (raw SQL as the app
    role under row-level security) on PostgreSQL: before publication nothing, after it the
    published version but not the newer draft, after withdrawal nothing."""
    utrecht, bosch = worlds
    identifier = (await create(api, utrecht, title="Verloskundigen vragen naar geldzorgen"))["id"]

    async def seen_by_bosch() -> dict[str, list[Any]]:
        async with platform.session(TenantContext(tenant_id=bosch.tenant.id)) as session:
            orm = {
                "examples": list((await session.execute(select(PracticeExample.id))).scalars()),
                "versions": sorted((await session.execute(select(PracticeVersion.number, PracticeVersion.title))).all()),
            }
        if backend != "postgresql":
            return orm
        async with platform.engine.connect() as connection:  # the app role, under row-level security
            await connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(bosch.tenant.id)})
            raw = {
                "examples": list((await connection.execute(text("SELECT id FROM leren_practice_examples"))).scalars()),
                "versions": sorted(tuple(row) for row in (await connection.execute(text("SELECT number, title FROM leren_practice_versions"))).all()),
                "searched": list((await connection.execute(text(
                    "SELECT number FROM leren_practice_versions WHERE (setweight(to_tsvector('dutch', title), 'A') || "
                    "setweight(to_tsvector('dutch', search_text), 'B')) @@ plainto_tsquery('dutch', 'verloskundige')"))).scalars()),
                "changed": (await connection.execute(text("UPDATE leren_practice_versions SET title = 'Gekaapt'"))).rowcount,
            }  # fmt: skip
            await connection.rollback()
        assert raw["examples"] == orm["examples"] and raw["versions"] == orm["versions"] and raw["changed"] == 0
        return {**orm, "searched": raw["searched"]}

    nothing = {"examples": [], "versions": []} | ({"searched": []} if backend == "postgresql" else {})
    assert await seen_by_bosch() == nothing
    await step(api, utrecht, "indienen", identifier)
    assert await seen_by_bosch() == nothing  # in review: still a draft
    await step(api, utrecht, "publiceren", identifier)
    await step(api, utrecht, "bijwerken", identifier)
    await step(api, utrecht, "update", identifier, who="professional", title="Een nieuwe titel in een concept")
    published_only = {"examples": [uuid.UUID(identifier)], "versions": [(1, "Verloskundigen vragen naar geldzorgen")]}
    assert await seen_by_bosch() == published_only | ({"searched": [1]} if backend == "postgresql" else {})
    await step(api, utrecht, "intrekken", identifier)
    assert await seen_by_bosch() == nothing
    async with platform.session(TenantContext(tenant_id=utrecht.tenant.id)) as session:  # the owner still has all of it
        assert len((await session.execute(select(PracticeVersion.id))).all()) == 2


# -- many at once (PostgreSQL: SQLite lets one writer in at a time) ---------------------------------


async def held_while_both_wait(platform: Any, example_id: str, requests: list[Any]) -> list[Any]:
    """Run `requests` while another transaction holds the example's row, release it once
    they all wait for it, and answer their responses: they truly meet at the lock."""
    async with owner_engine(platform).connect() as holder:
        await holder.execute(text("SELECT id FROM leren_practice_examples WHERE id = :i FOR UPDATE"), {"i": uuid.UUID(example_id)})
        tasks = [asyncio.ensure_future(request) for request in requests]
        activity = "SELECT wait_event_type, wait_event, state, left(query, 60) FROM pg_stat_activity WHERE datname = current_database()"
        async with owner_engine(platform).connect() as watcher:
            for _ in range(1000):
                seen = [tuple(row) for row in (await watcher.execute(text(activity))).all()]
                await watcher.rollback()  # pg_stat_activity is a snapshot per transaction
                if sum(row[0] == "Lock" for row in seen) >= len(requests) or any(task.done() for task in tasks):
                    break
                await asyncio.sleep(0.01)
        assert not any(task.done() for task in tasks) and sum(row[0] == "Lock" for row in seen) >= len(requests), (
            [task.result().body for task in tasks if task.done()],
            seen,
        )
        await holder.rollback()
    return list(await asyncio.gather(*tasks))


async def test_concurrent_steps_on_one_example_let_exactly_one_win(api, platform, worlds, backend) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: the second request starts after the first committed")
    utrecht, bosch = worlds
    in_review = (await create(api, utrecht))["id"]
    await step(api, utrecht, "indienen", in_review)
    # Two reviewers publish at once: one publishes, the other is told someone was first.
    first, second = await held_while_both_wait(
        platform, in_review, [call(api, utrecht, "publiceren", who, id=in_review) for who in ("analyst", "coalition_admin")]
    )
    outcomes = sorted(tuple(response.codes) for response in (first, second))
    assert outcomes == [(), ("CONFLICT",)], [response.body for response in (first, second)]
    history = ok(await read(api, utrecht, in_review))["practiceExample"]["history"]
    assert [entry["transition"] for entry in history] == ["INDIENEN", "PUBLICEREN"]

    # Publishing while the lead withdraws: exactly one of the two.
    contested = (await create(api, utrecht, title="Tegelijk gepubliceerd en ingetrokken"))["id"]
    await step(api, utrecht, "indienen", contested)
    publish, withdraw = await held_while_both_wait(
        platform, contested, [call(api, utrecht, "publiceren", "analyst", id=contested), call(api, utrecht, "intrekken", "coalition_admin", id=contested)]
    )
    assert sorted([publish.codes, withdraw.codes]) == [[], ["CONFLICT"]], (publish.body, withdraw.body)
    state = ok(await read(api, utrecht, contested))["practiceExample"]["state"]
    assert state == ("GEPUBLICEERD" if not publish.codes else "INGETROKKEN")

    # A double submit of an adoption: one adoption, one action in the plan.
    adopt = {"i": {"exampleId": in_review, "partnerId": bosch.partners["verloskundige"]}}
    answers = await asyncio.gather(*(api.gql(bosch.slug, ADOPT, adopt, user=bosch.email(who)) for who in ("coalition_admin", "analyst")))
    assert sorted(tuple(answer.codes) for answer in answers) == [(), ("ALREADY_ADOPTED",)], [answer.body for answer in answers]
    assert (await counts(platform, bosch))["Action"] == 1


# -- statements per page --------------------------------------------------------------------------

PAGE = """query($s: String, $n: Int!) { practiceLibrary(search: $s, first: $n) { totalCount edges { node {
  id gemeenteName own state allowedTransitions
  currentVersion { title themes targetGroups gemeenteSize interventions { name erkenningsniveauName } }
  adoptionCount adoptedByUs experienceNotes { text gemeenteName } } } } }"""


async def seed_published(platform: Any, world: World, count: int, readers: World) -> None:
    """`count` published examples of `world` written directly (as publishing leaves them),
    each adopted and noted by `readers`."""
    now = utcnow()
    async with platform.work_as_system(world.slug, "seed") as work:
        for number in range(count):
            example = PracticeExample(state="gepubliceerd", gemeente_name=world.tenant.name, created_by="seed", published=True, published_at=now)
            work.session.add(example)
            await work.session.flush()
            version = PracticeVersion(
                example_id=example.id, number=1, state="gepubliceerd", current=True, published=True, published_at=now, written_by="seed",
                title=f"Verloskundigen en geldzorgen {number}", approach="De verloskundige vraagt naar rondkomen.", themes=["signaleren"],
                target_groups=["aanstaande_ouders"], gemeente_size="groot",
                interventions=[{"database": "nji", "name": "VoorZorg", "url": None, "erkenningsniveau": "goed_onderbouwd"}],
            )  # fmt: skip
            library.index_text(version)
            work.session.add(version)
            await work.session.flush()
            example.current_version_id = version.id
        await work.commit()
        examples = list((await work.session.execute(select(PracticeExample.id))).scalars())
    async with platform.work_as_system(readers.slug, "seed") as work:
        for example_id in examples:
            work.session.add(Adoption(example_id=example_id, version_number=1, gemeente_name=readers.tenant.name, adopted_by="seed", published=True))
            work.session.add(ExperienceNote(example_id=example_id, text="We probeerden dit ook.", gemeente_name=readers.tenant.name, written_by="seed", published=True))
        await work.commit()


async def test_a_library_page_costs_the_same_statements_for_2_or_20_examples(api, platform, worlds) -> None:
    utrecht, bosch = worlds
    await seed_published(platform, utrecht, 20, readers=bosch)
    user = bosch.email("analyst")
    ok(await api.gql(bosch.slug, PAGE, {"n": 1}, user=user))  # the login and what a first request caches are not the page's

    async def statements(search: str | None, first: int) -> int:
        await platform.identity.keys.refresh(force=True)  # the once-a-minute reload of the signing keys is not the request's
        with count_statements(platform) as sent:
            page = ok(await api.gql(bosch.slug, PAGE, {"s": search, "n": first}, user=user))["practiceLibrary"]
        assert page["totalCount"] == 20 and len(page["edges"]) == first
        assert all(edge["node"]["adoptedByUs"] and edge["node"]["adoptionCount"] == 1 for edge in page["edges"])
        return len(sent)

    for search in (None, "verloskundige"):
        small, large = await statements(search, 2), await statements(search, 20)
        assert small == large, (search, small, large)
        # The request's own (the tenant setting, the tenant, the login session, the membership), then the
        # page with its count (SQLite: the count apart), every adoption and every note of the page's examples.
        assert large <= 8, large


async def test_whoever_edited_a_version_does_not_review_it_and_a_forged_cursor_is_refused(api, platform, worlds) -> None:
    """The second pair of eyes: the analyst who rewrote the professional's draft cannot
    publish it after the professional submits it; the lead (who did not touch it) can. A
    cursor this service never made (a position past any library) is VALIDATION_FAILED."""
    import base64
    import json

    utrecht, _bosch = worlds
    example = await create(api, utrecht)
    ok(await call(api, utrecht, "update", "analyst", id=example["id"], problem="Herschreven door de analist: ouders vinden de weg niet."))
    await step(api, utrecht, "indienen", example["id"], who="professional")
    assert_error(await call(api, utrecht, "publiceren", "analyst", id=example["id"]), "OWN_REVIEW", "input.id")
    assert (await step(api, utrecht, "publiceren", example["id"], who="coalition_admin"))["state"] == "GEPUBLICEERD"

    forged = base64.urlsafe_b64encode(json.dumps([10**24]).encode()).decode()
    response = await api.gql(utrecht.slug, LIBRARY, {"s": "geldzorgen", "n": 5, "a": forged}, user=utrecht.email("analyst"))
    assert_error(response, "VALIDATION_FAILED", "after")
