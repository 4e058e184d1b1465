"""Learning activities of the coalition: a training, themabijeenkomst, masterclass,
intervisie, serious game, e-learning or werkbezoek of a partner organisation, on one or more
dates, with registrations, a waiting list that moves up by itself, and attendance.

* Who may: every member reads the activities and registers (or cancels) for themselves; an
  organiser (`ACTIVITIES_ORGANISE`) offers and manages the activities of their own partner
  organisation, the coalition lead (`ACTIVITIES_COORDINATE`) those of every organisation.
  The roles and partner types of an activity say for whom it is meant: shown and
  filterable, not enforced (a member of another organisation may still learn along).
* Seats: registering locks only that activity's row (`SELECT … FOR UPDATE` on PostgreSQL;
  SQLite lets one writer in at a time), counts the seats and gives a seat or a place on
  the waiting list, in the order of registering. A freed seat (a cancellation, a larger
  capacity) goes to the first on the waiting list in the same transaction
  (`EVENT_PROMOTED`). The unique (activity, member) row turns a double submit into
  `ALREADY_REGISTERED`; a member who cancelled and registers again reuses the row and joins
  the end of the queue.
* Attendance: recorded by the organiser once the first date has started, for members who
  hold a seat (`NOT_REGISTERED` otherwise); attendees gain the activity's competences
  (`competences.gain_by_attendance`). Recording again gives the same result.
* Reminders: a job publishes `EVENT_REMINDER` per seated member for every date starting
  within the configured hours, once per date (a webhook or mail follows the event).

Registrations and attendance are members' personal data: every write, and an organiser's
reading of the participants, is recorded in the processing log (LEARNING)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Text, cast, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from core.plugin import (
    TENANT_ROLES,
    camel,
    PartnerTypeEnum,
    Conflict,
    Connection,
    Forbidden,
    NotFound,
    ValidationFailed,
    Work,
    paginate,
    paginate_list,
    parse_id,
    partners_by_id,
    publish_event,
    record_processing,
    utcnow,
    validate,
)
from plugins.handvat4_leren import MODULE_KEY
from plugins.handvat4_leren.domain import ActivityKind, CompetenceSource, RegistrationState
from plugins.handvat4_leren.events import EVENT_ACTIVITY_CANCELLED, EVENT_PROMOTED, EVENT_REMINDER
from plugins.handvat4_leren.models import Activity, ActivityDate, Competence, MemberCompetence, Registration
from plugins.handvat4_leren.permissions import ACTIVITIES_COORDINATE, ACTIVITIES_ORGANISE
from plugins.handvat4_leren.processing import LEARNING
from plugins.handvat4_leren.services import competences
from plugins.handvat4_leren.services.dates import local_today, start_of


#: The states that hold a seat: registered, and after the activity present or absent.
SEATED = (RegistrationState.INGESCHREVEN, RegistrationState.AANWEZIG, RegistrationState.AFWEZIG)
#: The states of a member still taking part (a seat or a place in the queue).
ACTIVE = (*SEATED, RegistrationState.WACHTLIJST)

#: The values of core's partner types.
PARTNER_TYPES = tuple(kind.value for kind in PartnerTypeEnum)


class AlreadyRegistered(Conflict):
    """Het lid staat al ingeschreven of op de wachtlijst voor deze activiteit; er is niets gewijzigd."""

    code = "ALREADY_REGISTERED"


class NotRegistered(ValidationFailed):
    """Het lid heeft geen plaats (of wachtlijstplaats) bij deze activiteit; `extensions.field` noemt welk lid of welke activiteit."""

    code = "NOT_REGISTERED"


class ActivityClosed(Conflict):
    """De activiteit gaat niet door of is voorbij: inschrijven, afmelden of wijzigen kan niet meer."""

    code = "ACTIVITY_CLOSED"


class ActivityNotStarted(Conflict):
    """De aanwezigheid is pas te registreren als de eerste datum van de activiteit begonnen is."""

    code = "ACTIVITY_NOT_STARTED"


# -- input -------------------------------------------------------------------------------------

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
OnlineUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^(https?://\S+)?$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateInput(_Strict):
    id: uuid.UUID | None = None
    starts_at: dt.datetime
    ends_at: dt.datetime


class ActivityInput(_Strict):
    kind: ActivityKind
    title: Title
    description: LongText = ""
    place: Place | None = None
    online_url: OnlineUrl | None = None
    capacity: int | None = Field(default=None, ge=1, le=10000)
    roles: list[str] = Field(default_factory=list, max_length=20)
    partner_types: list[str] = Field(default_factory=list, max_length=20)
    competence_keys: list[str] = Field(default_factory=list, max_length=30)
    organiser_partner_id: uuid.UUID
    experts_co_lead: bool = False
    dates: list[DateInput] = Field(min_length=1, max_length=50)


class ActivityPatch(_Strict):
    kind: ActivityKind | None = None
    title: Title | None = None
    description: LongText | None = None
    place: Place | None = None
    online_url: OnlineUrl | None = None
    capacity: int | None = Field(default=None, ge=1, le=10000)
    roles: list[str] | None = Field(default=None, max_length=20)
    partner_types: list[str] | None = Field(default=None, max_length=20)
    competence_keys: list[str] | None = Field(default=None, max_length=30)
    organiser_partner_id: uuid.UUID | None = None
    experts_co_lead: bool | None = None
    dates: list[DateInput] | None = Field(default=None, min_length=1, max_length=50)


class ActivityRef(_Strict):
    activity_id: uuid.UUID


class AttendanceInput(_Strict):
    activity_id: uuid.UUID
    attended: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    absent: list[uuid.UUID] = Field(default_factory=list, max_length=1000)


#: Fields of a patch that may be left out but not emptied (null).
REQUIRED_IN_PATCH = ("kind", "title", "description", "roles", "partner_types", "competence_keys", "organiser_partner_id", "experts_co_lead", "dates")


def _utc(moment: dt.datetime) -> dt.datetime:
    """A moment in UTC (a naive one, from a service caller, is read as UTC, as the API does)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# -- what the services answer -------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationView:
    """A registration with its place in the queue (1 is next; None when not waiting)."""

    row: Registration
    waiting_position: int | None = None


@dataclass(frozen=True)
class SeatCount:
    seats_taken: int
    waiting: int


@dataclass(frozen=True)
class AttendanceResult:
    activity: Activity
    registrations: list[RegistrationView]


# -- who may ------------------------------------------------------------------------------------


def may_manage(work: Work, organiser_partner_id: uuid.UUID) -> bool:
    """The coalition lead manages every activity; an organiser those of their own organisation."""
    principal = work.principal
    if principal.has(ACTIVITIES_COORDINATE):
        return True
    return principal.has(ACTIVITIES_ORGANISE) and principal.partner_id is not None and principal.partner_id == organiser_partner_id


def _require_manage(work: Work, activity: Activity, field: str) -> None:
    if not may_manage(work, activity.organiser_partner_id):
        raise Forbidden("Alleen de organiserende organisatie of de coalitieregisseur beheert deze activiteit.", field=field)


def _member_id(work: Work) -> uuid.UUID:
    membership_id = work.principal.membership_id
    if membership_id is None:
        raise Forbidden("Alleen een lid van de coalitie kan zich inschrijven of afmelden.")
    return membership_id


# -- reading ------------------------------------------------------------------------------------


async def _activity(session: Any, activity_id: Any, field: str, *, lock: bool = False) -> Activity:
    """The activity (NOT_FOUND also for another gemeente's); `lock`: its row locked until the
    transaction ends, so registrations for it are counted one at a time."""
    statement = select(Activity).where(Activity.id == parse_id(activity_id, field))
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is None:
        raise NotFound("Deze leeractiviteit bestaat niet.", field=field)
    return found


async def read_activity(work: Work, activity_id: Any) -> Activity:
    return await _activity(work.session, activity_id, "id")


async def activities_page(
    work: Work,
    filters: Mapping[str, Any],
    *,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[Activity]], Awaitable[list[Any]]],
) -> Connection[Any]:
    """The activities, the first to start first. Without `from`: those that have not ended
    before today (upcoming and running); `from`/`to` (dates, Amsterdam): those with a date
    in between. Cancelled ones only with `include_cancelled`."""
    start_day = filters.get("from") or local_today()
    end_day = filters.get("to")
    if end_day is not None and end_day < start_day:
        raise ValidationFailed("De einddatum van het filter ligt voor de begindatum.", field="filter.to")
    statement = select(Activity).where(Activity.ends_at >= start_of(start_day))
    if end_day is not None:
        statement = statement.where(Activity.starts_at < start_of(end_day + dt.timedelta(days=1)))
    if not filters.get("include_cancelled"):
        statement = statement.where(Activity.cancelled_at.is_(None))
    if filters.get("kind"):
        statement = statement.where(Activity.kind == filters["kind"])
    if filters.get("organiser_partner_id") is not None:
        statement = statement.where(Activity.organiser_partner_id == parse_id(filters["organiser_partner_id"], "filter.organiserPartnerId"))
    key = filters.get("competence_key")
    if key:
        if key not in {row.key for row in await competences.framework(work)}:
            raise ValidationFailed("Deze competentie staat niet in het competentiekader van de coalitie.", field="filter.competenceKey")
        # The keys are a JSON list of [a-z0-9_] codes: the quoted key finds exactly that element.
        statement = statement.where(cast(Activity.competence_keys, Text).contains(f'"{key}"', autoescape=True))
    return await paginate(
        work.session,
        statement,
        order_by=(Activity.starts_at, Activity.id),
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=to_nodes,
    )


async def activities_by_id(session: Any, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Activity]:
    """Batch read: activities by id."""
    rows = (await session.execute(select(Activity).where(Activity.id.in_(list(ids))))).scalars()
    return {row.id: row for row in rows}


async def dates_by_activity(session: Any, activity_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[ActivityDate]]:
    """Batch read: each activity's dates, the first first."""
    rows = (
        await session.execute(
            select(ActivityDate).where(ActivityDate.activity_id.in_(list(activity_ids))).order_by(ActivityDate.starts_at, ActivityDate.id)
        )
    ).scalars()
    grouped: dict[uuid.UUID, list[ActivityDate]] = {activity_id: [] for activity_id in activity_ids}
    for row in rows:
        grouped[row.activity_id].append(row)
    return grouped


async def seat_counts(session: Any, activity_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, SeatCount]:
    """Batch read: the seats taken and the length of the waiting list per activity (one
    statement). Operational numbers for registering, not published figures."""
    statement = (
        select(Registration.activity_id, Registration.state, func.count())
        .where(Registration.activity_id.in_(list(activity_ids)), Registration.state.in_(ACTIVE))
        .group_by(Registration.activity_id, Registration.state)
    )
    seats: dict[uuid.UUID, int] = dict.fromkeys(activity_ids, 0)
    waiting: dict[uuid.UUID, int] = dict.fromkeys(activity_ids, 0)
    for activity_id, state, number in (await session.execute(statement)).all():
        if state == RegistrationState.WACHTLIJST:
            waiting[activity_id] += number
        else:
            seats[activity_id] += number
    return {activity_id: SeatCount(seats[activity_id], waiting[activity_id]) for activity_id in activity_ids}


async def competences_by_key(session: Any, keys: Collection[str]) -> dict[str, Competence]:
    """Batch read: the coalition's competences by key (for their names)."""
    rows = (await session.execute(select(Competence).where(Competence.key.in_(list(keys))))).scalars()
    return {row.key: row for row in rows}


async def _waiting_positions(session: Any, activity_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Registration id -> place in its activity's queue (1 is next)."""
    rows = (
        await session.execute(
            select(Registration.id, Registration.activity_id)
            .where(Registration.activity_id.in_(list(activity_ids)), Registration.state == RegistrationState.WACHTLIJST)
            .order_by(Registration.activity_id, Registration.registered_at, Registration.id)
        )
    ).all()
    positions: dict[uuid.UUID, int] = {}
    counters: dict[uuid.UUID, int] = {}
    for registration_id, activity_id in rows:
        counters[activity_id] = counters.get(activity_id, 0) + 1
        positions[registration_id] = counters[activity_id]
    return positions


async def _views(session: Any, rows: Sequence[Registration]) -> list[RegistrationView]:
    waiting = [row.activity_id for row in rows if row.state == RegistrationState.WACHTLIJST]
    positions = await _waiting_positions(session, set(waiting)) if waiting else {}
    return [RegistrationView(row, positions.get(row.id)) for row in rows]


async def member_registrations(session: Any, keys: Collection[tuple[uuid.UUID, uuid.UUID]]) -> dict[tuple[uuid.UUID, uuid.UUID], RegistrationView]:
    """Batch read: (activity id, membership id) -> that member's registration (any state)."""
    by_member: dict[uuid.UUID, set[uuid.UUID]] = {}
    for activity_id, membership_id in keys:
        by_member.setdefault(membership_id, set()).add(activity_id)
    rows: list[Registration] = []
    for membership_id, activity_ids in by_member.items():  # one member per request in practice
        rows += (
            await session.execute(
                select(Registration).where(Registration.membership_id == membership_id, Registration.activity_id.in_(list(activity_ids)))
            )
        ).scalars()
    return {(view.row.activity_id, view.row.membership_id): view for view in await _views(session, rows)}


async def registrations_by_activity(session: Any, activity_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[RegistrationView]]:
    """Batch read: each activity's participants (seated, then the waiting list in order);
    members who cancelled are left out."""
    rows = (
        await session.execute(
            select(Registration)
            .where(Registration.activity_id.in_(list(activity_ids)), Registration.state.in_(ACTIVE))
            .order_by(Registration.activity_id, Registration.registered_at, Registration.id)
        )
    ).scalars()
    views = await _views(session, list(rows))
    grouped: dict[uuid.UUID, list[RegistrationView]] = {activity_id: [] for activity_id in activity_ids}
    for view in sorted(views, key=lambda item: (item.waiting_position is not None, item.waiting_position or 0)):
        grouped[view.row.activity_id].append(view)
    return grouped


async def my_registration(context: Any, activity_id: uuid.UUID) -> RegistrationView | None:
    """The asking member's registration for the activity (None for an API client or when
    they never registered); batched per request."""
    membership_id = context.principal.membership_id
    if membership_id is None:
        return None
    return await context.load(member_registrations, (activity_id, membership_id))


async def participants(context: Any, activity_id: uuid.UUID, organiser_partner_id: uuid.UUID) -> list[RegistrationView]:
    """Who takes part (seated and waiting), for the organiser or the coalition lead only;
    reading other members' registrations is logged."""
    if not may_manage(context, organiser_partner_id):
        raise Forbidden("Alleen de organiserende organisatie of de coalitieregisseur ziet de deelnemers.")
    views = await context.load(registrations_by_activity, activity_id) or []
    record_processing(context, LEARNING, "deelnemers leeractiviteit inzien", [view.row.membership_id for view in views], "read")
    return views


async def my_registrations_page(
    work: Work, *, first: int | None, after: str | None, to_nodes: Callable[[list[RegistrationView]], Awaitable[list[Any]]]
) -> Connection[Any]:
    """The asking member's registrations (without those they cancelled): upcoming and running
    activities first, the soonest first; then past ones, the latest first. A member has few,
    so they are ordered in memory."""
    membership_id = work.principal.membership_id
    rows: list[tuple[Registration, Activity]] = []
    if membership_id is not None:
        statement = (
            select(Registration, Activity)
            .join(Activity, (Activity.tenant_id == Registration.tenant_id) & (Activity.id == Registration.activity_id))
            .where(Registration.membership_id == membership_id, Registration.state != RegistrationState.AFGEMELD)
        )
        rows = [(registration, activity) for registration, activity in (await work.session.execute(statement)).all()]
    now = utcnow()
    upcoming = sorted((pair for pair in rows if pair[1].ends_at >= now), key=lambda pair: (pair[1].starts_at, pair[1].id))
    past = sorted((pair for pair in rows if pair[1].ends_at < now), key=lambda pair: (pair[1].starts_at, pair[1].id), reverse=True)
    views = await _views(work.session, [registration for registration, _activity in upcoming + past])
    return await paginate_list(views, first=first, after=after, max_page_size=work.settings.graphql_max_page_size, to_nodes=to_nodes)


# -- checking an activity's input -----------------------------------------------------------------


def _closed_values(values: list[str], allowed: Collection[str], field: str, what: str) -> list[str]:
    """Lowercase known values, each once; an unknown one names its place in the list."""
    cleaned: list[str] = []
    for index, value in enumerate(values):
        normal = value.strip().lower()
        if normal not in allowed:
            raise ValidationFailed(f"Onbekende {what} '{value[:40]}'. Kies uit: {', '.join(allowed)}.", field=f"{field}.{index}")
        if normal not in cleaned:
            cleaned.append(normal)
    return cleaned


async def _competence_keys(work: Work, keys: list[str], already: Collection[str] = ()) -> list[str]:
    """Keys of active competences of the coalition's framework (one the activity already
    addresses may stay, even if it was switched off since)."""
    active = await competences.active_keys(work)
    cleaned: list[str] = []
    for index, key in enumerate(keys):
        normal = key.strip()
        if normal not in active and normal not in already:
            raise ValidationFailed(
                f"'{key[:60]}' is geen (actieve) competentie van het competentiekader van de coalitie.", field=f"input.competenceKeys.{index}"
            )
        if normal not in cleaned:
            cleaned.append(normal)
    return cleaned


async def _check_organiser(work: Work, partner_id: uuid.UUID) -> None:
    partner = (await partners_by_id(work.session, [partner_id])).get(partner_id)
    if partner is None:
        raise NotFound("Deze organisatie hoort niet bij de coalitie.", field="input.organiserPartnerId")
    if not partner.active:
        raise ValidationFailed("Deze organisatie is niet (meer) actief in de coalitie.", field="input.organiserPartnerId")
    if not may_manage(work, partner_id):
        raise Forbidden("U organiseert alleen activiteiten van uw eigen organisatie.", field="input.organiserPartnerId")


def _where(place: str | None, online_url: str | None) -> None:
    if not place and not online_url:
        raise ValidationFailed("Geef een plaats of een online link (of beide).", field="input.place")


def _checked_dates(dates: list[DateInput], existing: Mapping[uuid.UUID, ActivityDate], now: dt.datetime) -> list[tuple[int, DateInput]]:
    """Each date ends after it starts; a new or moved date does not start (or end) in the
    past; an id names a date of this activity, once."""
    seen: set[uuid.UUID] = set()
    for index, date in enumerate(dates):
        date.starts_at, date.ends_at = _utc(date.starts_at), _utc(date.ends_at)
        if date.ends_at <= date.starts_at:
            raise ValidationFailed("Een datum eindigt na haar begin.", field=f"input.dates.{index}.endsAt")
        if date.id is not None:
            if date.id not in existing:
                raise NotFound("Deze datum hoort niet bij deze activiteit.", field=f"input.dates.{index}.id")
            if date.id in seen:
                raise ValidationFailed("Deze datum staat er twee keer in.", field=f"input.dates.{index}.id")
            seen.add(date.id)
        unchanged = date.id is not None and existing[date.id].starts_at == date.starts_at
        if not unchanged and date.starts_at < now:
            raise ValidationFailed("Een (nieuwe of verzette) datum kan niet in het verleden beginnen.", field=f"input.dates.{index}.startsAt")
        end_unchanged = date.id is not None and existing[date.id].ends_at == date.ends_at
        if not end_unchanged and date.ends_at < now:
            raise ValidationFailed("Een datum kan niet naar het verleden verzet worden.", field=f"input.dates.{index}.endsAt")
    return sorted(enumerate(dates), key=lambda pair: pair[1].starts_at)


async def _write_dates(session: Any, activity: Activity, dates: list[DateInput], existing: Mapping[uuid.UUID, ActivityDate]) -> None:
    """The activity's dates become `dates`: kept ones updated (a moved date is reminded
    again), new ones added, the rest removed; the activity spans them."""
    kept = {date.id for date in dates if date.id is not None}
    removed = [date_id for date_id in existing if date_id not in kept]
    if removed:
        await session.execute(delete(ActivityDate).where(ActivityDate.id.in_(removed)))
    for date in dates:
        if date.id is None:
            session.add(ActivityDate(activity_id=activity.id, starts_at=date.starts_at, ends_at=date.ends_at))
            continue
        row = existing[date.id]
        if row.starts_at != date.starts_at:
            row.reminded_at = None
        row.starts_at, row.ends_at = date.starts_at, date.ends_at
    activity.starts_at = min(date.starts_at for date in dates)
    activity.ends_at = max(date.ends_at for date in dates)


# -- writing an activity --------------------------------------------------------------------------


async def create_activity(work: Work, data: dict[str, Any]) -> Activity:
    """A new activity of an organisation of the coalition (an organiser: their own)."""
    fields = validate(ActivityInput, data, prefix="input")
    await _check_organiser(work, fields.organiser_partner_id)
    _where(fields.place, fields.online_url)
    dates = _checked_dates(fields.dates, {}, utcnow())
    activity = Activity(
        kind=fields.kind.value,
        title=fields.title,
        description=fields.description,
        place=fields.place or None,
        online_url=fields.online_url or None,
        capacity=fields.capacity,
        roles=_closed_values(fields.roles, TENANT_ROLES, "input.roles", "rol"),
        partner_types=_closed_values(fields.partner_types, PARTNER_TYPES, "input.partnerTypes", "soort organisatie"),
        competence_keys=await _competence_keys(work, fields.competence_keys),
        organiser_partner_id=fields.organiser_partner_id,
        experts_co_lead=fields.experts_co_lead,
        starts_at=dates[0][1].starts_at,
        ends_at=max(date.ends_at for _index, date in dates),
        created_by=work.actor,
    )
    work.session.add(activity)
    await work.session.flush()
    await _write_dates(work.session, activity, [date for _index, date in dates], {})
    await work.session.flush()
    return activity


def _open(activity: Activity, field: str, now: dt.datetime) -> None:
    if activity.cancelled_at is not None:
        raise ActivityClosed("Deze activiteit gaat niet door.", field=field)
    if activity.ends_at <= now:
        raise ActivityClosed("Deze activiteit is al voorbij.", field=field)


async def update_activity(work: Work, activity_id: Any, data: dict[str, Any]) -> Activity:
    """Change an activity that is still to come or running; a field left out stays. A
    larger capacity gives the first on the waiting list their seat; a smaller one than the
    seats taken is refused (nobody loses a seat)."""
    for name in REQUIRED_IN_PATCH:
        if name in data and data[name] is None:
            raise ValidationFailed("Dit veld kan niet leeg zijn; laat het weg om het niet te wijzigen.", field=f"input.{camel(name)}")
    fields = validate(ActivityPatch, data, prefix="input")
    session = work.session
    activity = await _activity(session, activity_id, "input.id", lock=True)
    _require_manage(work, activity, "input.id")
    now = utcnow()
    _open(activity, "input.id", now)
    if fields.organiser_partner_id is not None and fields.organiser_partner_id != activity.organiser_partner_id:
        await _check_organiser(work, fields.organiser_partner_id)
        activity.organiser_partner_id = fields.organiser_partner_id
    place = fields.place if "place" in data else activity.place
    online_url = fields.online_url if "online_url" in data else activity.online_url
    _where(place, online_url)
    activity.place, activity.online_url = place or None, online_url or None
    if "capacity" in data:
        taken = (await seat_counts(session, [activity.id]))[activity.id].seats_taken
        if fields.capacity is not None and fields.capacity < taken:
            raise ValidationFailed(f"Er zijn al {taken} plaatsen bezet: de capaciteit kan niet lager.", field="input.capacity")
        activity.capacity = fields.capacity
    if fields.roles is not None:
        activity.roles = _closed_values(fields.roles, TENANT_ROLES, "input.roles", "rol")
    if fields.partner_types is not None:
        activity.partner_types = _closed_values(fields.partner_types, PARTNER_TYPES, "input.partnerTypes", "soort organisatie")
    if fields.competence_keys is not None:
        activity.competence_keys = await _competence_keys(work, fields.competence_keys, already=activity.competence_keys)
    if fields.dates is not None:
        existing = (await dates_by_activity(session, [activity.id]))[activity.id]
        by_id = {row.id: row for row in existing}
        dates = _checked_dates(fields.dates, by_id, now)
        await _write_dates(session, activity, [date for _index, date in dates], by_id)
    for name in ("title", "description", "experts_co_lead"):
        if getattr(fields, name) is not None:
            setattr(activity, name, getattr(fields, name))
    if fields.kind is not None:
        activity.kind = fields.kind.value
    activity.updated_at = now
    await session.flush()
    await _fill_seats(work, activity, now)
    return activity


async def cancel_activity(work: Work, activity_id: Any) -> Activity:
    """The activity does not go ahead: its registrations stay (the calendars show it
    cancelled) and everyone seated or waiting is told through `EVENT_ACTIVITY_CANCELLED`.
    Cancelling it again changes nothing."""
    activity = await _activity(work.session, activity_id, "input.id", lock=True)
    _require_manage(work, activity, "input.id")
    if activity.cancelled_at is not None:
        return activity
    now = utcnow()
    if activity.ends_at <= now:
        raise ActivityClosed("Deze activiteit is al voorbij.", field="input.id")
    activity.cancelled_at = activity.updated_at = now
    members = (
        await work.session.execute(
            select(Registration.membership_id)
            .where(Registration.activity_id == activity.id, Registration.state.in_(ACTIVE))
            .order_by(Registration.registered_at, Registration.id)
        )
    ).scalars()
    publish_event(
        work.session,
        EVENT_ACTIVITY_CANCELLED,
        {"activity_id": str(activity.id), "membership_ids": [str(member) for member in members]},
        actor=work.actor,
    )
    await work.session.flush()
    return activity


# -- registering --------------------------------------------------------------------------------


async def _seats_taken(session: Any, activity_id: uuid.UUID) -> int:
    return (await seat_counts(session, [activity_id]))[activity_id].seats_taken


async def _fill_seats(work: Work, activity: Activity, now: dt.datetime) -> list[Registration]:
    """Free seats go to the first on the waiting list (the caller holds the activity's lock)."""
    if activity.cancelled_at is not None or activity.ends_at <= now:
        return []
    statement = (
        select(Registration)
        .where(Registration.activity_id == activity.id, Registration.state == RegistrationState.WACHTLIJST)
        .order_by(Registration.registered_at, Registration.id)
    )
    if activity.capacity is not None:
        free = activity.capacity - await _seats_taken(work.session, activity.id)
        if free <= 0:
            return []
        statement = statement.limit(free)
    promoted = list((await work.session.execute(statement)).scalars())
    for registration in promoted:
        registration.state = RegistrationState.INGESCHREVEN
        publish_event(
            work.session,
            EVENT_PROMOTED,
            {"registration_id": str(registration.id), "activity_id": str(activity.id), "membership_id": str(registration.membership_id)},
            actor=work.actor,
        )
    if promoted:
        await work.session.flush()
        record_processing(work, LEARNING, "doorgeschoven van de wachtlijst", [row.membership_id for row in promoted], "updated")
    return promoted


async def register(work: Work, data: dict[str, Any]) -> tuple[RegistrationView, Activity]:
    """The asking member registers: a seat while there is one (and nobody waits), else a
    place at the end of the waiting list. Never an error for a full activity."""
    fields = validate(ActivityRef, data, prefix="input")
    membership_id = _member_id(work)
    session = work.session
    activity = await _activity(session, fields.activity_id, "input.activityId", lock=True)
    now = utcnow()
    _open(activity, "input.activityId", now)
    existing = (
        await session.execute(select(Registration).where(Registration.activity_id == activity.id, Registration.membership_id == membership_id))
    ).scalar_one_or_none()
    if existing is not None and existing.state != RegistrationState.AFGEMELD:
        raise AlreadyRegistered("U staat al ingeschreven (of op de wachtlijst) voor deze activiteit.", field="input.activityId")
    counts = (await seat_counts(session, [activity.id]))[activity.id]
    seat = activity.capacity is None or (counts.seats_taken < activity.capacity and counts.waiting == 0)
    state = RegistrationState.INGESCHREVEN if seat else RegistrationState.WACHTLIJST
    # Registered after the lock: the queue's order is the order in which seats were handed out.
    if existing is not None:
        existing.state, existing.registered_at, existing.cancelled_at = state, now, None
        existing.partner_id = work.principal.partner_id
        existing.attendance_recorded_at = existing.attendance_recorded_by = None
        registration = existing
        await session.flush()
    else:
        registration = Registration(
            activity_id=activity.id, membership_id=membership_id, partner_id=work.principal.partner_id, state=state, registered_at=now
        )
        try:
            async with session.begin_nested():
                session.add(registration)
                await session.flush()
        except IntegrityError:
            # The same member's other request got there first (a double submit).
            raise AlreadyRegistered("U staat al ingeschreven (of op de wachtlijst) voor deze activiteit.", field="input.activityId") from None
    record_processing(work, LEARNING, "inschrijven leeractiviteit", [membership_id], "created" if existing is None else "updated")
    return (await _views(session, [registration]))[0], activity


async def cancel_registration(work: Work, data: dict[str, Any]) -> tuple[RegistrationView, Activity]:
    """The asking member cancels their seat or waiting place; a freed seat goes to the first
    on the waiting list at once."""
    fields = validate(ActivityRef, data, prefix="input")
    membership_id = _member_id(work)
    session = work.session
    activity = await _activity(session, fields.activity_id, "input.activityId", lock=True)
    now = utcnow()
    registration = (
        await session.execute(
            select(Registration).where(
                Registration.activity_id == activity.id,
                Registration.membership_id == membership_id,
                Registration.state.in_((RegistrationState.INGESCHREVEN, RegistrationState.WACHTLIJST)),
            )
        )
    ).scalar_one_or_none()
    if registration is None:
        raise NotRegistered("U staat niet ingeschreven of op de wachtlijst voor deze activiteit.", field="input.activityId")
    if activity.ends_at <= now:
        raise ActivityClosed("Deze activiteit is al voorbij.", field="input.activityId")
    registration.state, registration.cancelled_at = RegistrationState.AFGEMELD, now
    await session.flush()
    record_processing(work, LEARNING, "afmelden leeractiviteit", [membership_id], "updated")
    await _fill_seats(work, activity, now)
    return RegistrationView(registration), activity


# -- attendance ---------------------------------------------------------------------------------


async def record_attendance(work: Work, data: dict[str, Any]) -> AttendanceResult:
    """The organiser records who came (`attended`) and who did not (`absent`), once the
    first date has started; every member named must hold a seat. Attendees gain the
    activity's competences; one marked absent after all loses what this activity gave."""
    fields = validate(AttendanceInput, data, prefix="input")
    session = work.session
    activity = await _activity(session, fields.activity_id, "input.activityId", lock=True)
    _require_manage(work, activity, "input.activityId")
    if activity.cancelled_at is not None:
        raise ActivityClosed("Deze activiteit ging niet door.", field="input.activityId")
    now = utcnow()
    if activity.starts_at > now:
        raise ActivityNotStarted("De aanwezigheid is te registreren zodra de eerste datum begonnen is.", field="input.activityId")
    attended = set(fields.attended)
    for index, membership_id in enumerate(fields.absent):
        if membership_id in attended:
            raise ValidationFailed("Dit lid staat ook bij de aanwezigen.", field=f"input.absent.{index}")
    named = [*fields.attended, *fields.absent]
    rows = {
        row.membership_id: row
        for row in (
            await session.execute(select(Registration).where(Registration.activity_id == activity.id, Registration.membership_id.in_(named)))
        ).scalars()
    }
    for list_name, members in (("attended", fields.attended), ("absent", fields.absent)):
        for index, membership_id in enumerate(members):
            row = rows.get(membership_id)
            if row is None or row.state not in SEATED:
                raise NotRegistered("Dit lid heeft geen plaats bij deze activiteit.", field=f"input.{list_name}.{index}")
    changed: list[uuid.UUID] = []
    for state, members in ((RegistrationState.AANWEZIG, fields.attended), (RegistrationState.AFWEZIG, fields.absent)):
        for membership_id in dict.fromkeys(members):
            row = rows[membership_id]
            if row.state != state:
                row.state, row.attendance_recorded_at, row.attendance_recorded_by = state, now, work.actor
                changed.append(membership_id)
    await session.flush()
    if changed:
        record_processing(work, LEARNING, "aanwezigheid registreren", changed, "updated")
    await competences.gain_by_attendance(work, activity, list(dict.fromkeys(fields.attended)))
    await _withdraw_gained(work, activity, list(dict.fromkeys(fields.absent)))
    views = await _views(session, [rows[membership_id] for membership_id in dict.fromkeys(named)])
    return AttendanceResult(activity, views)


async def _withdraw_gained(work: Work, activity: Activity, membership_ids: list[uuid.UUID]) -> None:
    """A member first recorded present and then absent did not gain what this activity gives."""
    if not membership_ids:
        return
    removed = await work.session.execute(
        delete(MemberCompetence)
        .where(
            MemberCompetence.activity_id == activity.id,
            MemberCompetence.membership_id.in_(membership_ids),
            MemberCompetence.source == CompetenceSource.ACTIVITEIT,
        )
        .returning(MemberCompetence.membership_id)
        .execution_options(synchronize_session=False)
    )
    withdrawn = sorted(set(removed.scalars()))
    if withdrawn:
        record_processing(work, LEARNING, "competentie door deelname ingetrokken", withdrawn, "deleted")


# -- reminders ----------------------------------------------------------------------------------


async def send_reminders(work: Work, now: dt.datetime) -> int:
    """The reminder job: for every date of a non-cancelled activity that starts within the
    configured hours and has not been reminded, one `EVENT_REMINDER` per member holding a
    seat; the date is marked reminded (claimed with a conditional UPDATE, so a round run
    twice publishes nothing twice). Returns the number of events."""
    config = await work.module_config(MODULE_KEY)
    now = _utc(now)
    horizon = now + dt.timedelta(hours=config.reminder_hours)
    session = work.session
    dates = (
        await session.execute(
            select(ActivityDate)
            .join(Activity, (Activity.tenant_id == ActivityDate.tenant_id) & (Activity.id == ActivityDate.activity_id))
            .where(
                ActivityDate.starts_at > now,
                ActivityDate.starts_at <= horizon,
                ActivityDate.reminded_at.is_(None),
                Activity.cancelled_at.is_(None),
            )
            .order_by(ActivityDate.starts_at, ActivityDate.id)
        )
    ).scalars().all()
    published = 0
    for date in dates:
        claimed = await session.execute(
            update(ActivityDate)
            .where(ActivityDate.id == date.id, ActivityDate.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        seated = (
            await session.execute(
                select(Registration)
                .where(Registration.activity_id == date.activity_id, Registration.state.in_(SEATED))
                .order_by(Registration.registered_at, Registration.id)
            )
        ).scalars()
        for registration in seated:
            publish_event(
                session,
                EVENT_REMINDER,
                {
                    "registration_id": str(registration.id),
                    "activity_id": str(date.activity_id),
                    "activity_date_id": str(date.id),
                    "membership_id": str(registration.membership_id),
                    "starts_at": date.starts_at.isoformat(),
                },
                actor=work.actor,
            )
            published += 1
    return published
