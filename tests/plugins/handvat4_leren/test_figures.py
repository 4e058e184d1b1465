"""Handvat 4's figures for the coalition, per year: activities held per kind (cancelled ones
and other years left out), distinct participants per partner type with small cells
suppressed (threshold 5), the coalition's competence coverage per quarter (the totals the
coverage per organisation shows), and the most adopted practice examples of the whole
country (published ones, adoptions of that year). Another gemeente sees its own figures
(an empty coalition: zeros) and the same national ranking; bad input and roles. Activities,
registrations and the library are written directly (their APIs are tested elsewhere)."""

from __future__ import annotations

import datetime as dt
import uuid

from core.plugin import utcnow
from core.testing import World, make_tenant, make_world
from core.testing import assert_error as _assert_error
from core.testing import ok as _ok
from plugins.handvat4_leren.models import Activity, Adoption, PracticeExample, PracticeVersion, Registration
from plugins.handvat4_leren.services import competences, dates
from tests.plugins.handvat4_leren.test_competences import MODULE, PEOPLE, add_members, attend, other_gemeente

COUNT = "{ value suppressed }"
FIGURES = f"""query($y: Int!) {{ learningFigures(year: $y) {{ year threshold activitiesTotal activitiesByKind {{ kind count }}
  participantsByPartnerType {{ partnerType participants {COUNT} }} participantsTotal {COUNT}
  coverageByQuarter {{ quarter at competences {{ competence {{ key }} coalition {{ professionals {COUNT} withCompetence {COUNT} share }} }} }}
  mostAdoptedExamples {{ exampleId title gemeenteName adoptions }} }} }}"""
COVERAGE = "{ competenceCoverage { competences { competence { key } total { professionals { value } withCompetence { value suppressed } share } } } }"

PARTNERS = {
    "verloskundige": {"name": "Verloskundigenpraktijk De Wieg", "type": "verloskundige", "domain": "medisch"},
    "schuldhulp": {"name": "Schuldhulp Samen", "type": "schuldhulpverlening", "domain": "sociaal"},
    "jgz": {"name": "JGZ Utrecht", "type": "jgz", "domain": "medisch"},
}


def ok(response):
    return _ok(response.body)


def assert_error(response, code, field=None):
    return _assert_error(response.body, code, field)


async def activities(platform, world: World, year: int) -> dict[str, uuid.UUID]:
    """Three activities held in `year`, one cancelled, one the year before."""
    first_day = dates.start_of(dt.date(year, 1, 2)) + dt.timedelta(hours=9)
    planned = {
        "training": ("training", first_day, None),
        "training_later": ("training", first_day + dt.timedelta(days=40), None),
        "masterclass": ("masterclass", first_day + dt.timedelta(days=60), None),
        "cancelled": ("training", first_day + dt.timedelta(days=20), utcnow()),
        "last_year": ("training", first_day - dt.timedelta(days=30), None),
    }
    async with platform.work_as_system(world.slug, "test") as work:
        rows = {
            name: Activity(
                kind=kind,
                title=name,
                organiser_partner_id=uuid.UUID(world.partners["verloskundige"]),
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                cancelled_at=cancelled,
                created_by="test",
            )
            for name, (kind, starts, cancelled) in planned.items()
        }
        work.session.add_all(rows.values())
        await work.commit()
        return {name: row.id for name, row in rows.items()}


async def registrations(platform, world: World, entries: list[tuple[uuid.UUID, str, str | None, str]]) -> None:
    """(activity, member, partner key or None, state) as the activities' service stores them."""
    async with platform.work_as_system(world.slug, "test") as work:
        for activity_id, member, partner, state in entries:
            partner_id = uuid.UUID(world.partners[partner]) if partner else None
            work.session.add(Registration(activity_id=activity_id, membership_id=uuid.UUID(member), partner_id=partner_id, state=state))
        await work.commit()


async def example(platform, slug: str, title: str, *, published: bool = True) -> uuid.UUID:
    """A practice example of the gemeente with one version, published (or withdrawn)."""
    async with platform.work_as_system(slug, "test") as work:
        row = PracticeExample(state="gepubliceerd" if published else "ingetrokken", gemeente_name=slug.title(), created_by="test", published=published)
        work.session.add(row)
        await work.session.flush()
        version = PracticeVersion(
            example_id=row.id, number=1, state="gepubliceerd", current=True, title=title, gemeente_size="middel", written_by="test", published=published
        )
        work.session.add(version)
        await work.session.flush()
        row.current_version_id = version.id
        await work.commit()
        return row.id


async def adopt(platform, slug: str, example_id: uuid.UUID, at: dt.datetime) -> None:
    async with platform.work_as_system(slug, "test") as work:
        work.session.add(Adoption(example_id=example_id, version_number=1, gemeente_name=slug.title(), adopted_by="test", adopted_at=at, published=True))
        await work.commit()


async def test_the_figures_of_a_year(api, platform) -> None:
    utrecht = await make_world(platform, "GM0344", modules=[MODULE], config={MODULE: {"min_cell_size": 5}}, partners=PARTNERS, members=PEOPLE)
    bosch = await other_gemeente(platform)
    amsterdam = await make_tenant(platform, "GM0363")
    today = dates.local_today()
    year = today.year
    midwives = [utrecht.members["professional"], *await add_members(platform, utrecht, "verloskundige", 5, "professional", "vk")]
    counsellors = [utrecht.members["partner_worker"], *await add_members(platform, utrecht, "schuldhulp", 4, "partner_worker", "sh")]
    nurses = await add_members(platform, utrecht, "jgz", 2, "professional", "jgz")
    held = await activities(platform, utrecht, year)
    await registrations(
        platform,
        utrecht,
        [(held["training"], member, "verloskundige", "aanwezig") for member in midwives]
        + [(held["training_later"], midwives[0], "verloskundige", "aanwezig")]  # the same person again: counted once
        + [(held["masterclass"], member, "schuldhulp", "aanwezig") for member in counsellors]
        + [(held["masterclass"], member, "jgz", "aanwezig") for member in nurses]
        + [(held["training_later"], utrecht.members["analyst"], None, "afwezig")]  # not present: not counted
        + [(held["cancelled"], utrecht.members["analyst"], None, "aanwezig"), (held["last_year"], utrecht.members["coalition_admin"], None, "aanwezig")],
    )
    await attend(platform, utrecht, ["signaleren_geldzorgen"], midwives, utcnow() - dt.timedelta(minutes=5))

    # The practice library of the country: Bosch's example adopted by Utrecht and Amsterdam,
    # Utrecht's by Bosch (and by Amsterdam last year), a withdrawn one not counted.
    this_year = dates.start_of(dt.date(year, 1, 1)) + dt.timedelta(hours=1)
    popular = await example(platform, bosch.slug, "Spreekuur geldzaken op het consultatiebureau")
    ours = await example(platform, utrecht.slug, "Warme overdracht naar schuldhulp")
    withdrawn = await example(platform, bosch.slug, "Ingetrokken voorbeeld", published=False)
    for slug, example_id, moment in (
        (utrecht.slug, popular, this_year),
        (amsterdam.slug, popular, this_year),
        (bosch.slug, ours, this_year),
        (amsterdam.slug, ours, this_year - dt.timedelta(days=30)),
        (utrecht.slug, withdrawn, this_year),
    ):
        await adopt(platform, slug, example_id, moment)

    figures = ok(await api.gql(utrecht.slug, FIGURES, {"y": year}, user=utrecht.email("analyst")))["learningFigures"]
    # Three held, and the training that taught the midwives signaleren just now.
    assert (figures["year"], figures["threshold"], figures["activitiesTotal"]) == (year, 5, 4)
    assert {item["kind"]: item["count"] for item in figures["activitiesByKind"]} == {
        "TRAINING": 3, "THEMABIJEENKOMST": 0, "MASTERCLASS": 1, "INTERVISIE": 0, "SERIOUS_GAME": 0, "E_LEARNING": 0, "WERKBEZOEK": 0
    }  # fmt: skip
    # 6 midwives, 5 debt counsellors, 2 JGZ nurses: the 2 are hidden, and the 5 so the 2 cannot be worked out.
    assert [(item["partnerType"], item["participants"]) for item in figures["participantsByPartnerType"]] == [
        ("JGZ", {"value": None, "suppressed": True}),
        ("SCHULDHULPVERLENING", {"value": None, "suppressed": True}),
        ("VERLOSKUNDIGE", {"value": 6, "suppressed": False}),
    ]
    assert figures["participantsTotal"] == {"value": 13, "suppressed": False}
    # The coalition's coverage per quarter that has begun, the same totals as the coverage.
    quarters = competences.quarters_of_year(year, today)
    assert [(item["quarter"], item["at"]) for item in figures["coverageByQuarter"]] == [(quarter.label, quarter.at.isoformat()) for quarter in quarters]
    now = {item["competence"]["key"]: item["coalition"] for item in figures["coverageByQuarter"][-1]["competences"]}
    assert now["signaleren_geldzorgen"] == {"professionals": {"value": 13, "suppressed": False}, "withCompetence": {"value": 6, "suppressed": False}, "share": 0.4615}
    coverage = ok(await api.gql(utrecht.slug, COVERAGE, user=utrecht.email("analyst")))["competenceCoverage"]["competences"]
    assert coverage[0]["total"] == {"professionals": {"value": 13}, "withCompetence": {"value": 6, "suppressed": False}, "share": 0.4615}
    assert [(item["exampleId"], item["title"], item["gemeenteName"], item["adoptions"]) for item in figures["mostAdoptedExamples"]] == [
        (str(popular), "Spreekuur geldzaken op het consultatiebureau", bosch.slug.title(), 2),
        (str(ours), "Warme overdracht naar schuldhulp", utrecht.slug.title(), 1),
    ]
    last_year = ok(await api.gql(utrecht.slug, FIGURES, {"y": year - 1}, user=utrecht.email("coalition_admin")))["learningFigures"]
    assert last_year["activitiesTotal"] == 1 and last_year["participantsTotal"] == {"value": None, "suppressed": True}
    assert [item["adoptions"] for item in last_year["mostAdoptedExamples"]] == [1]

    # Another gemeente: its own (empty) coalition, the same national ranking.
    theirs = ok(await api.gql(bosch.slug, FIGURES, {"y": year}, user=bosch.email("analyst")))["learningFigures"]
    assert theirs["activitiesTotal"] == 0 and theirs["participantsByPartnerType"] == []
    assert theirs["participantsTotal"] == {"value": 0, "suppressed": False}
    assert {item["coalition"]["professionals"]["suppressed"] for quarter in theirs["coverageByQuarter"] for item in quarter["competences"]} == {True}
    assert theirs["mostAdoptedExamples"] == figures["mostAdoptedExamples"]

    # Who may, and bad input.
    assert_error(await api.gql(utrecht.slug, FIGURES, {"y": year}, user=utrecht.email("professional")), "FORBIDDEN")
    assert_error(await api.gql(utrecht.slug, FIGURES, {"y": 1999}, user=utrecht.email("analyst")), "VALIDATION_FAILED", "year")
    assert_error(await api.gql(utrecht.slug, FIGURES, {"y": year + 2}, user=utrecht.email("analyst")), "VALIDATION_FAILED", "year")
    future = ok(await api.gql(utrecht.slug, FIGURES, {"y": year + 1}, user=utrecht.email("analyst")))["learningFigures"]
    assert future["coverageByQuarter"] == [] and future["activitiesTotal"] == 0
