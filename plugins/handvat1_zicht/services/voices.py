"""The voice of parents: sessions with the spiegelgroep, experts by experience or parents,
and what was said there, kept as anonymous quotes linked to the goals of the plan.

Nobody can trace a quote to a family or a person:

* a quote is stored with its session, its text and themes and the fact that the speaker
  consented; nothing about who spoke, which family, or who wrote it down (not even the
  actor of the unit of work: the quote row has no column for it);
* its text (and a session's title, themes and summary) is refused when it holds what
  identifies someone (`IDENTIFYING_DATA`: a BSN, phone number, e-mail address, postcode,
  date, IBAN); a session has a kind of group, never names;
* quotes are answered in the order of their (random) ids, never in the order they were
  written down, so their order does not tell who spoke when;
* the API shows nobody who recorded a session or a quote.

Because a quote is anonymous it is not personal data: recording one is no processing of
personal data and writes no processing record (handvat 1 declares no processing
activities). A speaker who withdraws consent has the quote deleted (`withdraw_quote`):
really deleted, with its links to goals."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import delete, select

from core.plugin import Connection, NotFound, ValidationFailed, Work, paginate, paginate_list, parse_id, refuse_identifying, validate
from plugins.handvat1_zicht.models import Goal, Quote, QuoteGoal, VoiceSession
from plugins.handvat1_zicht.services.dates import today

SPIEGELGROEP = "spiegelgroep"
ERVARINGSDESKUNDIGEN = "ervaringsdeskundigen"
OUDERS = "ouders"
GROUP_KINDS = (SPIEGELGROEP, ERVARINGSDESKUNDIGEN, OUDERS)
MAX_THEMES = 12
MAX_GOALS = 20


class ConsentRequired(ValidationFailed):
    """A quote is kept only with the consent of whoever said it."""

    code = "CONSENT_REQUIRED"
    description = "Een citaat wordt alleen bewaard met toestemming van wie het zei (consentGiven: true)."


Theme = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionInput(_Strict):
    held_on: dt.date
    group_kind: Literal["spiegelgroep", "ervaringsdeskundigen", "ouders"]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    themes: list[Theme] = Field(default_factory=list, max_length=MAX_THEMES)
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""


class QuoteInput(_Strict):
    session_id: uuid.UUID
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
    themes: list[Theme] = Field(default_factory=list, max_length=MAX_THEMES)
    consent_given: bool
    goal_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_GOALS)


class LinkInput(_Strict):
    quote_id: uuid.UUID
    goal_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_GOALS)


def _distinct(themes: list[str]) -> list[str]:
    """Themes once each (case aside), in the order given, inner spaces collapsed."""
    seen: set[str] = set()
    kept = []
    for theme in (" ".join(item.split()) for item in themes):
        if theme.casefold() not in seen:
            seen.add(theme.casefold())
            kept.append(theme)
    return kept


def _check_themes(themes: list[str]) -> None:
    for theme in themes:
        refuse_identifying(theme, "input.themes")


async def record_session(work: Work, data: dict[str, Any]) -> VoiceSession:
    """A session held (today or earlier), with a kind of group, themes and a summary."""
    fields = validate(SessionInput, data, prefix="input")
    if fields.held_on > today():
        raise ValidationFailed("Deze bijeenkomst ligt in de toekomst: leg haar vast als ze geweest is.", field="input.heldOn")
    refuse_identifying(fields.title, "input.title")
    _check_themes(fields.themes)
    refuse_identifying(fields.summary, "input.summary")
    row = VoiceSession(
        held_on=fields.held_on,
        group_kind=fields.group_kind,
        title=fields.title,
        themes=_distinct(fields.themes),
        summary=fields.summary,
        recorded_by=work.actor,
    )
    work.session.add(row)
    await work.session.flush()
    return row


async def _goals_exist(session: Any, goal_ids: list[uuid.UUID], field: str) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(goal_ids))
    if not wanted:
        return []
    found = set((await session.execute(select(Goal.id).where(Goal.id.in_(wanted)))).scalars())
    if len(found) != len(wanted):
        raise NotFound("Een van deze doelen bestaat niet.", field=field)
    return wanted


async def add_quote(work: Work, data: dict[str, Any]) -> Quote:
    """A quote of a session, only with consent (`CONSENT_REQUIRED`) and without anything
    that identifies someone (`IDENTIFYING_DATA`); linked to existing goals of the plan."""
    fields = validate(QuoteInput, data, prefix="input")
    if not fields.consent_given:
        raise ConsentRequired("Leg een citaat alleen vast als wie het zei daarvoor toestemming gaf.", field="input.consentGiven")
    refuse_identifying(fields.text, "input.text")
    _check_themes(fields.themes)
    session = work.session
    if (await session.execute(select(VoiceSession.id).where(VoiceSession.id == fields.session_id))).first() is None:
        raise NotFound("Deze bijeenkomst bestaat niet.", field="input.sessionId")
    goal_ids = await _goals_exist(session, fields.goal_ids, "input.goalIds")
    # Deliberately nothing of the speaker, the family or the one who writes it down.
    quote = Quote(session_id=fields.session_id, text=fields.text, themes=_distinct(fields.themes), consent_given=True)
    session.add(quote)
    await session.flush()
    session.add_all(QuoteGoal(quote_id=quote.id, goal_id=goal_id) for goal_id in goal_ids)
    await session.flush()
    return quote


async def _quote(session: Any, quote_id: Any, field: str) -> Quote:
    found = (await session.execute(select(Quote).where(Quote.id == parse_id(quote_id, field)))).scalar_one_or_none()
    if found is None:
        raise NotFound("Dit citaat bestaat niet.", field=field)
    return found


async def link_quote_goals(work: Work, data: dict[str, Any]) -> Quote:
    """The goals a quote supports or questions, replacing those it had (an empty list unlinks it)."""
    fields = validate(LinkInput, data, prefix="input")
    quote = await _quote(work.session, fields.quote_id, "input.quoteId")
    goal_ids = await _goals_exist(work.session, fields.goal_ids, "input.goalIds")
    await work.session.execute(delete(QuoteGoal).where(QuoteGoal.quote_id == quote.id))
    work.session.add_all(QuoteGoal(quote_id=quote.id, goal_id=goal_id) for goal_id in goal_ids)
    await work.session.flush()
    return quote


async def withdraw_quote(work: Work, quote_id: Any) -> uuid.UUID:
    """The speaker withdrew consent: the quote and its links are deleted, not hidden."""
    quote = await _quote(work.session, quote_id, "input.id")
    await work.session.execute(delete(QuoteGoal).where(QuoteGoal.quote_id == quote.id))
    identifier = quote.id
    await work.session.delete(quote)
    await work.session.flush()
    return identifier


# -- reading ------------------------------------------------------------------------------------


async def sessions_page(
    work: Work,
    *,
    group_kind: str | None,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[VoiceSession]], Awaitable[list[Any]]],
) -> Connection[Any]:
    """The sessions, most recent first."""
    statement = select(VoiceSession)
    if group_kind is not None:
        statement = statement.where(VoiceSession.group_kind == group_kind)
    return await paginate(
        work.session,
        statement,
        order_by=(VoiceSession.held_on, VoiceSession.id),
        descending=True,
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=to_nodes,
    )


async def quotes_page(
    work: Work,
    *,
    goal_id: Any,
    theme: str | None,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[Quote]], Awaitable[list[Any]]],
) -> Connection[Any]:
    """The quotes (of a goal, with a theme: matched regardless of case), in the order of
    their ids. Themes are a JSON list, matched here rather than in SQL (the same on
    SQLite and PostgreSQL); a gemeente keeps hundreds of quotes, not millions."""
    statement = select(Quote)
    if goal_id is not None:
        identifier = parse_id(goal_id, "goalId")
        if (await work.session.execute(select(Goal.id).where(Goal.id == identifier))).first() is None:
            raise NotFound("Dit doel bestaat niet.", field="goalId")
        statement = statement.join(QuoteGoal, (QuoteGoal.tenant_id == Quote.tenant_id) & (QuoteGoal.quote_id == Quote.id)).where(
            QuoteGoal.goal_id == identifier
        )
    rows = list((await work.session.execute(statement.order_by(Quote.id))).scalars())
    if theme is not None and theme.strip():
        wanted = " ".join(theme.split()).casefold()
        rows = [row for row in rows if any(item.casefold() == wanted for item in row.themes)]
    return await paginate_list(rows, first=first, after=after, max_page_size=work.settings.graphql_max_page_size, to_nodes=to_nodes)


async def quotes_by_session(session: Any, session_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Quote]]:
    """Batch read: each session's quotes in the order of their ids (not of recording)."""
    rows = (await session.execute(select(Quote).where(Quote.session_id.in_(list(session_ids))).order_by(Quote.id))).scalars()
    grouped: dict[uuid.UUID, list[Quote]] = {session_id: [] for session_id in session_ids}
    for row in rows:
        grouped[row.session_id].append(row)
    return grouped


async def quotes_by_goal(session: Any, goal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Quote]]:
    """Batch read: the quotes linked to each goal, in the order of their ids."""
    statement = (
        select(QuoteGoal.goal_id, Quote)
        .join(Quote, (Quote.tenant_id == QuoteGoal.tenant_id) & (Quote.id == QuoteGoal.quote_id))
        .where(QuoteGoal.goal_id.in_(list(goal_ids)))
        .order_by(Quote.id)
    )
    grouped: dict[uuid.UUID, list[Quote]] = {goal_id: [] for goal_id in goal_ids}
    for goal_id, quote in (await session.execute(statement)).all():
        grouped[goal_id].append(quote)
    return grouped


async def goals_by_quote(session: Any, quote_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Goal]]:
    """Batch read: the goals each quote is linked to, soonest target date first."""
    statement = (
        select(QuoteGoal.quote_id, Goal)
        .join(Goal, (Goal.tenant_id == QuoteGoal.tenant_id) & (Goal.id == QuoteGoal.goal_id))
        .where(QuoteGoal.quote_id.in_(list(quote_ids)))
        .order_by(Goal.target_date, Goal.id)
    )
    grouped: dict[uuid.UUID, list[Goal]] = {quote_id: [] for quote_id in quote_ids}
    for quote_id, goal in (await session.execute(statement)).all():
        grouped[quote_id].append(goal)
    return grouped


async def sessions_by_id(session: Any, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, VoiceSession]:
    rows = (await session.execute(select(VoiceSession).where(VoiceSession.id.in_(list(ids))))).scalars()
    return {row.id: row for row in rows}


# -- demo data -----------------------------------------------------------------------------------


async def seed_demo_voices(work: Work, goal_ids: list[uuid.UUID] | None = None) -> None:
    """The demo's voice of parents (for `demo.seed`, after the plan): a spiegelgroep session
    with two quotes, linked to `goal_ids` (or to the first goal of the plan); idempotent:
    a gemeente that has sessions is left as it is."""
    if (await work.session.execute(select(VoiceSession.id).limit(1))).first() is not None:
        return
    if goal_ids is None:
        first_goal = (await work.session.execute(select(Goal.id).order_by(Goal.target_date, Goal.id).limit(1))).scalar_one_or_none()
        goal_ids = [first_goal] if first_goal else []
    session = await record_session(
        work,
        {
            "held_on": today() - dt.timedelta(days=14),
            "group_kind": SPIEGELGROEP,
            "title": "Spiegelgroep: hulp vragen bij geldzorgen",
            "themes": ["schaamte", "bereikbaarheid", "vertrouwen"],
            "summary": "Ouders vertelden wat het moeilijk maakt om over geldzorgen te beginnen, en wat helpt.",
        },
    )
    for text, themes in (
        ("Je wilt niet dat de verloskundige denkt dat je het niet redt.", ["schaamte"]),
        ("Als iemand gewoon vraagt hoe het met geld gaat, is het makkelijker om het te zeggen.", ["vertrouwen"]),
    ):
        await add_quote(work, {"session_id": session.id, "text": text, "themes": themes, "consent_given": True, "goal_ids": goal_ids})
