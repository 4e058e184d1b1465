"""The coalition's figures on learning together, per calendar year:

* activities held per kind: not cancelled, the first date in the year (Amsterdam's
  calendar). Counts of activities, not of people: shown as they are.
* participants per partner type: the distinct members recorded present at those
  activities, by the type of the organisation they registered from ("none" without one).
  Counts of people: small cells suppressed (`disclose_list`, distinct members as the
  contributors; the total is the distinct members of the whole coalition).
* the coalition's competence coverage at the end of each quarter of the year that has
  begun (the one under way: today), over today's professionals: the totals of the same
  disclosed lists as the coverage per organisation (`competences.coalition_coverage`).
* the most adopted practice examples of the whole country: adoptions made in the year of
  examples that are published now, counted over every gemeente (adoptions are shared and
  published; they count coalitions, not people: no suppression), the top ten with the
  title of the version every coalition reads and the gemeente it comes from.

Every part is counted in SQL, a fixed number of statements whatever the numbers."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from sqlalchemy import case, func, literal, select

from core.plugin import ValidationFailed, Work, all_partners, disclose_list
from plugins.handvat4_leren.domain import ActivityKind, RegistrationState
from plugins.handvat4_leren.models import Activity, Adoption, PracticeExample, PracticeVersion, Registration
from plugins.handvat4_leren.services.competences import CompetenceCoverageRow, Count, Quarter, coalition_coverage, quarters_of_year
from plugins.handvat4_leren.services.dates import local_today, start_of

FIRST_YEAR = 2000
TOP_EXAMPLES = 10
#: The partner type of a participant who registered without an organisation.
NO_ORGANISATION = "__none__"


@dataclass(frozen=True)
class KindCount:
    kind: str
    count: int


@dataclass(frozen=True)
class TypeParticipants:
    partner_type: str | None  # None: registered without an organisation
    participants: Count


@dataclass(frozen=True)
class QuarterFigures:
    quarter: Quarter
    competences: list[CompetenceCoverageRow]


@dataclass(frozen=True)
class AdoptedExample:
    example_id: uuid.UUID
    title: str
    gemeente_name: str
    adoptions: int


@dataclass(frozen=True)
class LearningFigures:
    year: int
    threshold: int
    activities: list[KindCount]
    participants: list[TypeParticipants]
    participants_total: Count
    coverage: list[QuarterFigures]
    most_adopted: list[AdoptedExample]


def _year(year: int) -> int:
    last = local_today().year + 1
    if not FIRST_YEAR <= year <= last:
        raise ValidationFailed(f"Kies een jaar van {FIRST_YEAR} tot en met {last}.", field="year")
    return year


async def _activities(work: Work, start: dt.datetime, end: dt.datetime) -> list[KindCount]:
    rows = await work.session.execute(
        select(Activity.kind, func.count())
        .where(Activity.cancelled_at.is_(None), Activity.starts_at >= start, Activity.starts_at < end)
        .group_by(Activity.kind)
    )
    counts = {kind: int(count) for kind, count in rows}
    return [KindCount(kind=kind, count=counts.get(kind, 0)) for kind in ActivityKind]


async def _participants(work: Work, start: dt.datetime, end: dt.datetime, threshold: int) -> tuple[list[TypeParticipants], Count]:
    partner_types = {partner.id: partner.type for partner in await all_partners(work.session, active_only=False)}
    # The organisation's type in SQL, so the distinct members are counted per type there.
    kind = (
        case(partner_types, value=Registration.partner_id, else_=literal(NO_ORGANISATION)) if partner_types else literal(NO_ORGANISATION)
    ).label("partner_type")
    attended = (
        select(Registration.membership_id, kind)
        .join(Activity, Activity.id == Registration.activity_id)
        .where(
            Registration.state == RegistrationState.AANWEZIG,
            Activity.cancelled_at.is_(None),
            Activity.starts_at >= start,
            Activity.starts_at < end,
        )
        .subquery()
    )
    per_type = {
        partner_type: int(count)
        for partner_type, count in await work.session.execute(
            select(attended.c.partner_type, func.count(func.distinct(attended.c.membership_id))).group_by(attended.c.partner_type)
        )
    }
    distinct = int((await work.session.execute(select(func.count(func.distinct(attended.c.membership_id))))).scalar_one())
    order = sorted(per_type, key=lambda key: (key == NO_ORGANISATION, key))
    counts = {key: per_type[key] for key in order}
    disclosed = disclose_list(counts, threshold, contributors=counts, total_contributors=distinct)
    participants = [
        TypeParticipants(partner_type=None if key == NO_ORGANISATION else key, participants=Count.of(disclosed.cells[key])) for key in order
    ]
    # The total shown is the distinct members (one who changed organisation is one person).
    total = Count.hidden() if disclosed.total.suppressed else Count(value=distinct, suppressed=False)
    return participants, total


async def _most_adopted(work: Work, start: dt.datetime, end: dt.datetime) -> list[AdoptedExample]:
    adoptions = func.count(Adoption.id).label("adoptions")
    rows = await work.session.execute(
        select(PracticeExample.id, PracticeVersion.title, PracticeExample.gemeente_name, adoptions)
        .join(Adoption, Adoption.example_id == PracticeExample.id)
        .join(PracticeVersion, PracticeVersion.id == PracticeExample.current_version_id)
        .where(
            PracticeExample.published.is_(True),
            PracticeVersion.published.is_(True),
            Adoption.adopted_at >= start,
            Adoption.adopted_at < end,
        )
        .group_by(PracticeExample.id, PracticeVersion.title, PracticeExample.gemeente_name)
        .order_by(adoptions.desc(), PracticeVersion.title, PracticeExample.id)
        .limit(TOP_EXAMPLES)
    )
    return [AdoptedExample(example_id=example_id, title=title, gemeente_name=gemeente, adoptions=int(count)) for example_id, title, gemeente, count in rows]


async def learning_figures(work: Work, year: int) -> LearningFigures:
    """The figures of `year` (2000 up to next year)."""
    year = _year(year)
    start, end = start_of(dt.date(year, 1, 1)), start_of(dt.date(year + 1, 1, 1))
    threshold, coverage = await coalition_coverage(work, quarters_of_year(year, local_today()))
    participants, participants_total = await _participants(work, start, end, threshold)
    return LearningFigures(
        year=year,
        threshold=threshold,
        activities=await _activities(work, start, end),
        participants=participants,
        participants_total=participants_total,
        coverage=[QuarterFigures(quarter=quarter, competences=rows) for quarter, rows in coverage],
        most_adopted=await _most_adopted(work, start, end),
    )

