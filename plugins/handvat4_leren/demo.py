"""Demo data of handvat 4, per demo gemeente (idempotent): learning activities that were
held (with attendance, so members hold competences and the coverage shows numbers), one that
runs now (its first afternoon was yesterday: a member can still register and the coalition
lead can record attendance), upcoming ones with registrations and a waiting list, a declared
competence awaiting the coalition lead, and published practice examples based on real
practices the Kansrijke Start sources name (data/practice_examples.json, data/SOURCES.md).

Activities in the past are written as rows (the service refuses dates in the past, as a
user's request must be refused); attendance gives competences through the service. The
practice examples go through the library's life cycle as two members would: one writes and
submits, another publishes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select

from core.plugin import MemberInfo, PartnerInfo, Work, all_members, all_partners, utcnow
from plugins.handvat4_leren.domain import ActivityKind, RegistrationState
from plugins.handvat4_leren.models import Activity, ActivityDate, Registration
from plugins.handvat4_leren.permissions import COMPETENCES_DECLARE, LIBRARY_REVIEW, LIBRARY_WRITE
from plugins.handvat4_leren.services import competences, library

DATA = Path(__file__).parent / "data"
PROFESSIONAL_ROLES = {"professional", "partner_worker"}


@dataclasses.dataclass(frozen=True)
class DemoActivity:
    kind: ActivityKind
    title: str
    description: str
    organiser: str  # partner type
    competences: tuple[str, ...]
    days: tuple[int, ...]  # days from today of each date (negative: in the past)
    capacity: int | None
    place: str | None = None
    online_url: str | None = None
    experts_co_lead: bool = False
    attendees: tuple[str, ...] = ()  # partner types whose professionals attended (past activities)
    registrants: tuple[str, ...] = ()  # partner types whose professionals registered (upcoming)


ACTIVITIES = (
    DemoActivity(
        ActivityKind.TRAINING,
        "Sensitief werken in de eerste 1000 dagen",
        "De training van Pharos: stress herkennen en bespreken met (aanstaande) ouders, op een begrijpelijke en "
        "cultuursensitieve manier.",
        "jgz",
        ("stress_sensitief_werken", "cultuursensitief_werken", "bespreekbaar_maken"),
        (-70, -63),
        24,
        place="Wijkcentrum, zaal 2",
        attendees=("jgz", "verloskundige"),
    ),
    DemoActivity(
        ActivityKind.SERIOUS_GAME,
        "Serious game: ervaar wat armoede en stress met je doet",
        "Een rollenspel rond zwangerschap en geboorte: met veel stress, veranderende omstandigheden en weinig geld "
        "de beste keuzes proberen te maken. Met ervaringsdeskundigen.",
        "gemeente",
        ("stress_sensitief_werken", "signaleren_geldzorgen", "samenwerken_ervaringsdeskundigen"),
        (-30,),
        30,
        place="Stadskantoor",
        experts_co_lead=True,
        attendees=("wijkteam", "kraamzorg", "huisarts"),
    ),
    DemoActivity(
        ActivityKind.TRAINING,
        "Geldzorgen bespreekbaar maken",
        "Twee middagen oefenen met het gesprek over geld: hoe begin je erover, wat zeg je wel en niet, en waar "
        "verwijs je naar.",
        "jgz",
        ("bespreekbaar_maken", "signaleren_geldzorgen", "warm_doorverwijzen"),
        (-1, 6),
        16,
        place="Consultatiebureau, grote zaal",
    ),
    DemoActivity(
        ActivityKind.MASTERCLASS,
        "Masterclass: stress door bestaansonzekerheid",
        "Wat schaarste met het denken doet, en wat dat vraagt van de dienstverlening in de eerste 1000 dagen.",
        "gemeente",
        ("stress_sensitief_werken",),
        (21,),
        40,
        online_url="https://meet.example/masterclass-bestaansonzekerheid",
        registrants=("verloskundige", "jgz"),
    ),
    DemoActivity(
        ActivityKind.INTERVISIE,
        "Intervisie: casuïstiek geldzorgen in de geboortezorg",
        "Verloskundigen en kraamzorg bespreken samen situaties waarin geldzorgen speelden.",
        "verloskundige",
        ("signaleren_geldzorgen", "warm_doorverwijzen"),
        (10,),
        8,
        place="Verloskundigenpraktijk",
        registrants=("verloskundige", "kraamzorg"),
    ),
)


def _moment(today: dt.date, days: int, hour: int) -> dt.datetime:
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour), tzinfo=dt.UTC)


async def _seed_activity(work: Work, item: DemoActivity, organiser: PartnerInfo, professionals: dict[str, list[MemberInfo]], now: dt.datetime) -> None:
    today = now.date()
    dates = [(_moment(today, days, 13), _moment(today, days, 16)) for days in item.days]
    activity = Activity(
        kind=item.kind.value,
        title=item.title,
        description=item.description,
        place=item.place,
        online_url=item.online_url,
        capacity=item.capacity,
        roles=["professional", "partner_worker"],
        partner_types=sorted({*item.attendees, *item.registrants}),
        competence_keys=list(item.competences),
        organiser_partner_id=organiser.id,
        experts_co_lead=item.experts_co_lead,
        starts_at=dates[0][0],
        ends_at=dates[-1][1],
        created_by=work.actor or "demo",
        created_at=min(now, dates[0][0] - dt.timedelta(days=30)),
    )
    work.session.add(activity)
    await work.session.flush()
    for starts_at, ends_at in dates:
        work.session.add(
            ActivityDate(activity_id=activity.id, starts_at=starts_at, ends_at=ends_at, reminded_at=starts_at if starts_at < now else None)
        )
    people = [member for kind in (*item.attendees, *item.registrants) for member in professionals.get(kind, [])]
    # Most came; a few were absent. Upcoming: seats in order, the rest on the waiting list.
    attended = [member for index, member in enumerate(people) if index % 5 != 4] if item.attendees else []
    for index, member in enumerate(people):
        if item.attendees:
            state = RegistrationState.AANWEZIG if member in attended else RegistrationState.AFWEZIG
        else:
            state = RegistrationState.INGESCHREVEN if item.capacity is None or index < item.capacity else RegistrationState.WACHTLIJST
        work.session.add(
            Registration(
                activity_id=activity.id,
                membership_id=member.id,
                partner_id=member.partner_id,
                state=state,
                registered_at=activity.created_at + dt.timedelta(hours=index + 1),
                attendance_recorded_at=activity.ends_at if item.attendees else None,
                attendance_recorded_by=work.actor if item.attendees else None,
            )
        )
    await work.session.flush()
    if attended:
        await competences.gain_by_attendance(work, activity, [member.id for member in attended])


async def seed(work: Work) -> None:
    """Per demo gemeente, once: the activities, a declared competence, and the examples this
    coalition shares."""
    if (await work.session.execute(select(Activity.id).limit(1))).first() is not None:
        return
    await competences.ensure_framework(work.session, work.tenant.id)
    now = utcnow()
    partners = await all_partners(work.session)
    members = await all_members(work.session)
    by_type: dict[str, PartnerInfo] = {}
    for partner in partners:
        by_type.setdefault(partner.type, partner)
    partner_type = {partner.id: partner.type for partner in partners}
    professionals: dict[str, list[MemberInfo]] = {}
    for member in members:
        if member.partner_id in partner_type and PROFESSIONAL_ROLES & set(member.roles):
            professionals.setdefault(partner_type[member.partner_id], []).append(member)
    for item in ACTIVITIES:
        organiser = by_type.get(item.organiser) or by_type.get("gemeente")
        if organiser is not None:
            await _seed_activity(work, item, organiser, professionals, now)
    # A member who followed a course elsewhere asks the coalition lead to confirm it.
    declarer = next(iter(professionals.get("wijkteam", [])), None)
    if declarer is not None:
        await competences.declare(
            work.acting_as(declarer, {COMPETENCES_DECLARE}),
            {
                "competence_key": "cultuursensitief_werken",
                "evidence": "E-learning 'Cultuursensitief werken' van een landelijk kennisinstituut afgerond in het voorjaar, met certificaat.",
            },
        )
    await _share_examples(work, members)


async def _share_examples(work: Work, members: list[MemberInfo]) -> None:
    """The practice examples this gemeente's coalition shares in the demo: written and
    submitted by one member, published by another (the library refuses a review of one's own)."""
    examples = [item for item in json.loads((DATA / "practice_examples.json").read_text(encoding="utf-8"))["examples"] if item["shared_by"] == work.tenant.code]
    writers = [member for member in members if {"professional", "analyst", "coalition_admin"} & set(member.roles)]
    if not examples or len(writers) < 2:
        return
    author, reviewer = writers[0], writers[1]
    for item in examples:
        content = {key: value for key, value in item.items() if key != "shared_by"}
        as_author = work.acting_as(author, {LIBRARY_WRITE})
        created = await library.create_example(as_author, content)
        await library.submit(as_author, created.example.id)
        await library.publish(work.acting_as(reviewer, {LIBRARY_REVIEW}), created.example.id)

