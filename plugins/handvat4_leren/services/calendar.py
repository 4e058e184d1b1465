"""The learning activities as iCalendar (`activities.ics`), for a member's calendar app
(also through a personal feed link): one event per date of an activity, with a UID that
stays the same, so an app updates an event instead of adding it again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import select

from core.plugin import DownloadFile, ValidationFailed, partners_by_id, utcnow
from plugins.handvat4_leren.domain import ACTIVITY_KIND_NAMES, RegistrationState
from plugins.handvat4_leren.models import Activity, ActivityDate, Registration
from plugins.handvat4_leren.services.activities import ACTIVE, dates_by_activity

MINE = "mine"
ALL = "all"
#: How long after its end an activity stays in the feed (a calendar keeps what happened).
RECENT = dt.timedelta(days=60)


async def activity_calendar_file(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    """`scope=mine` (default): the activities the caller is registered for, seated or
    waiting (TENTATIVE), a cancelled activity CANCELLED so the app strikes it through;
    `scope=all`: the coalition's activities that go ahead. Both: upcoming ones and those
    that ended in the last `RECENT` days."""
    scope = (parameters.get("scope") or MINE).strip().lower()
    if scope not in (MINE, ALL):
        raise ValidationFailed("Kies scope=mine (uw eigen inschrijvingen) of scope=all (alle activiteiten van de coalitie).", field="scope")
    session = context.session
    since = utcnow() - RECENT
    states: dict[Any, str] = {}
    if scope == ALL:
        statement = select(Activity).where(Activity.ends_at >= since, Activity.cancelled_at.is_(None))
        activities = list((await session.execute(statement.order_by(Activity.starts_at, Activity.id))).scalars())
    elif context.principal.membership_id is not None:  # an API client registers for nothing
        statement = (
            select(Activity, Registration.state)
            .join(Registration, (Registration.tenant_id == Activity.tenant_id) & (Registration.activity_id == Activity.id))
            .where(Registration.membership_id == context.principal.membership_id, Registration.state.in_(ACTIVE), Activity.ends_at >= since)
            .order_by(Activity.starts_at, Activity.id)
        )
        rows = (await session.execute(statement)).all()
        activities = [activity for activity, _state in rows]
        states = {activity.id: state for activity, state in rows}
    else:
        activities = []
    ids = [activity.id for activity in activities]
    dates = await dates_by_activity(session, ids) if ids else {}
    partners = await partners_by_id(session, {activity.organiser_partner_id for activity in activities}) if ids else {}
    tenant = context.tenant
    calendar = Calendar()
    calendar.add("prodid", "-//Kansrijke Start//Samen leren//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Samen leren – {tenant.name}")
    stamp = utcnow()
    for activity in activities:
        partner = partners.get(activity.organiser_partner_id)
        own_dates: list[ActivityDate] = dates.get(activity.id, [])
        waiting = states.get(activity.id) == RegistrationState.WACHTLIJST
        for number, date in enumerate(own_dates, start=1):
            event = Event()
            event.add("uid", f"{date.id}@{tenant.slug}.kansrijkestart")
            summary = activity.title if len(own_dates) == 1 else f"{activity.title} ({number}/{len(own_dates)})"
            event.add("summary", f"{summary} (wachtlijst)" if waiting else summary)
            event.add("description", _description(activity, partner.name if partner else "?", waiting))
            event.add("dtstart", date.starts_at)
            event.add("dtend", date.ends_at)
            event.add("dtstamp", stamp)
            event.add("last-modified", activity.updated_at)
            if activity.place or activity.online_url:
                event.add("location", activity.place or activity.online_url)
            if activity.online_url:
                event.add("url", activity.online_url)
            status = "CANCELLED" if activity.cancelled_at is not None else "TENTATIVE" if waiting else "CONFIRMED"
            event.add("status", status)
            calendar.add_component(event)
    return DownloadFile(
        content=calendar.to_ical(),
        media_type="text/calendar; charset=utf-8",
        filename=f"samen-leren-{tenant.slug}{'' if scope == ALL else '-mijn-activiteiten'}.ics",
    )


def _description(activity: Activity, organiser: str, waiting: bool) -> str:
    kind = ACTIVITY_KIND_NAMES.get(activity.kind, activity.kind)  # type: ignore[call-overload]
    lines = [f"{kind}, georganiseerd door {organiser}."]
    if activity.experts_co_lead:
        lines.append("Samen met ervaringsdeskundigen.")
    if waiting:
        lines.append("U staat op de wachtlijst: u hoort het als er een plaats vrijkomt.")
    if activity.online_url:
        lines.append(f"Online: {activity.online_url}")
    if activity.description:
        lines += ["", activity.description]
    return "\n".join(lines)
