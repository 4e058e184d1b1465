"""The plan van aanpak: goals on an indicator, from a baseline in a fixed startfoto to a
target by a date, and actions of partner organisations with a deadline, a status and
progress notes.

* A goal's baseline is never typed in: it is the value the fixed (vastgestelde) startfoto
  holds for the indicator in that region, in the most recent period it has. Without one (no
  fixed startfoto, the figure absent, suppressed or unknown there) there is no goal
  (`BASELINE_MISSING`).
* An action belongs to an active partner organisation of the coalition and optionally to a
  member working there (whose calendar feed shows its deadline).
* Its status moves along `STATUS_STEPS` only, with a progress note. Two notes written at
  the same moment are both kept; a status change that meets a status someone else changed
  in the meantime is refused (`CONFLICT`) rather than overwriting it: the UPDATE names the
  status it moves from.
* Other modules add an action through the `add_plan_action` hook (`add_proposed_action`),
  which needs only the session: the tenant is the session's.

Nothing here is personal data of families: the plan is the coalition's own work. Progress
notes are free text and are checked for identifying data all the same, so nobody writes
a family into the plan."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from icalendar import Calendar, Event
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.plugin import (
    Conflict,
    Connection,
    DomainError,
    DownloadFile,
    NotFound,
    PlanActionProposal,
    ValidationFailed,
    Work,
    all_partners,
    members_by_id,
    paginate,
    parse_id,
    partners_by_id,
    refuse_identifying,
    refuse_identifying_in,
    utcnow,
    validate,
    wijken_by_code,
)
from plugins.handvat1_zicht import kwb
from plugins.handvat1_zicht.services.dates import today
from plugins.handvat1_zicht.models import Action, ActionNote, CbsFigure, Goal, OwnFigure, OwnIndicator, SnapshotFigure, Startfoto

GEPLAND = "gepland"
BEZIG = "bezig"
GEREED = "gereed"
GESTOPT = "gestopt"
ACTION_STATUSES = (GEPLAND, BEZIG, GEREED, GESTOPT)
#: Statuses in which an action still has to happen (and can be overdue).
OPEN_STATUSES = (GEPLAND, BEZIG)
#: The steps a status may take (with a progress note). A finished action can be reopened
#: (it turned out not to be done) and a stopped one picked up again; nothing else goes back.
STATUS_STEPS: Mapping[str, tuple[str, ...]] = {
    GEPLAND: (BEZIG, GESTOPT),
    BEZIG: (GEREED, GESTOPT),
    GEREED: (BEZIG,),
    GESTOPT: (GEPLAND,),
}
#: The state of a startfoto that can serve as a baseline (immutable from then on).
FIXED = "vastgesteld"
#: How far ahead an action proposed by another module is due when it names no deadline.
PROPOSAL_MONTHS = 3
#: Who the plan names as creator when a module adds an action without an actor.
SYSTEM_ACTOR = "systeem"


class BaselineMissing(ValidationFailed):
    """A goal needs a baseline: a fixed startfoto with a known figure for its indicator and region."""

    code = "BASELINE_MISSING"
    description = (
        "Een doel heeft een nulmeting nodig: een vastgestelde startfoto met een bekend (niet afgeschermd) cijfer "
        "voor deze indicator en dit gebied; `extensions.field` noemt wat ontbreekt."
    )


class StatusStepNotAllowed(DomainError):
    """The action's status cannot move from its current status to the one asked for."""

    code = "TRANSITION_NOT_ALLOWED"
    http_status = 409


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoalInput(_Strict):
    title: Title
    description: LongText = ""
    indicator: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    region_code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=4, max_length=10)]
    baseline_startfoto_id: uuid.UUID | None = None
    target_value: float = Field(allow_inf_nan=False)
    target_date: dt.date


class GoalPatch(_Strict):
    title: Title | None = None
    description: LongText | None = None
    target_value: float | None = Field(default=None, allow_inf_nan=False)
    target_date: dt.date | None = None


class ActionInput(_Strict):
    goal_id: uuid.UUID | None = None
    title: Title
    description: LongText = ""
    partner_id: uuid.UUID
    owner_membership_id: uuid.UUID | None = None
    deadline: dt.date


class ActionPatch(_Strict):
    title: Title | None = None
    description: LongText | None = None
    deadline: dt.date | None = None
    owner_membership_id: uuid.UUID | None = None


class ProgressInput(_Strict):
    action_id: uuid.UUID
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=5000)]
    status: Literal["gepland", "bezig", "gereed", "gestopt"] | None = None


#: The fields errors name: the GraphQL input's, or (for the hook) the proposal's attributes.
INPUT_FIELDS = {
    "goal_id": "input.goalId",
    "partner_id": "input.partnerId",
    "owner_membership_id": "input.ownerMembershipId",
    "deadline": "input.deadline",
    "title": "input.title",
    "reference": "input.reference",
}
PROPOSAL_FIELDS = {name: name for name in INPUT_FIELDS}




def _required(data: Mapping[str, Any], names: Collection[str]) -> None:
    """A patch may leave a field out, not empty it."""
    for name in names:
        if name in data and data[name] is None:
            raise ValidationFailed("Dit veld kan niet leeg zijn; laat het weg om het niet te wijzigen.", field=f"input.{_camel(name)}")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# -- goals -------------------------------------------------------------------------------------


async def _fixed_startfoto(session: Any, startfoto_id: uuid.UUID | None) -> Startfoto:
    """The given fixed startfoto, or the fixed one with the latest peildatum when none is given."""
    statement = select(Startfoto).where(Startfoto.state == FIXED)
    if startfoto_id is not None:
        found = (await session.execute(statement.where(Startfoto.id == startfoto_id))).scalar_one_or_none()
        if found is None:
            raise BaselineMissing(
                "Er is geen vastgestelde startfoto met deze id: een doel meet vanaf een vastgestelde startfoto.",
                field="input.baselineStartfotoId",
            )
        return found
    latest = (await session.execute(statement.order_by(Startfoto.reference_date.desc(), Startfoto.created_at.desc(), Startfoto.id).limit(1))).scalar_one_or_none()
    if latest is None:
        raise BaselineMissing(
            "De coalitie heeft nog geen vastgestelde startfoto: stel eerst een startfoto vast, dan meet het doel vanaf haar cijfers.",
            field="input.baselineStartfotoId",
        )
    return latest


async def _check_region(work: Work, region_code: str, startfoto_id: uuid.UUID) -> None:
    """The gemeente itself or one of its wijken (known to the coalition or in the startfoto)."""
    gemeente = work.tenant.code
    if region_code == gemeente:
        return
    ours = region_code.startswith("WK" + gemeente[2:]) and len(region_code) == 8
    if ours and region_code in await wijken_by_code(work.session, [region_code]):
        return
    if ours:
        in_startfoto = (
            await work.session.execute(
                select(SnapshotFigure.id).where(SnapshotFigure.startfoto_id == startfoto_id, SnapshotFigure.region_code == region_code).limit(1)
            )
        ).first()
        if in_startfoto is not None:
            return
    raise ValidationFailed("Kies de gemeente zelf (GM…) of een van haar wijken (WK…).", field="input.regionCode")


async def _baseline(session: Any, startfoto_id: uuid.UUID, indicator: str, region_code: str) -> SnapshotFigure:
    """The startfoto's figure for the indicator in the region, in the most recent period it holds."""
    statement = (
        select(SnapshotFigure)
        .where(SnapshotFigure.startfoto_id == startfoto_id, SnapshotFigure.indicator == indicator, SnapshotFigure.region_code == region_code)
        .order_by(SnapshotFigure.period.desc())
        .limit(1)
    )
    figure = (await session.execute(statement)).scalar_one_or_none()
    if figure is None:
        raise BaselineMissing("De startfoto heeft geen cijfer voor deze indicator in dit gebied.", field="input.indicator")
    if figure.value is None:
        raise BaselineMissing(
            f"In de startfoto is dit cijfer ({figure.period}) onbekend of afgeschermd (te kleine aantallen): "
            "het kan geen nulmeting zijn. Kies een ander gebied of een andere indicator.",
            field="input.indicator",
        )
    return figure


def _not_past(day: dt.date, field: str, message: str) -> None:
    if day < today():
        raise ValidationFailed(message, field=field)


async def create_goal(work: Work, data: dict[str, Any]) -> Goal:
    """A goal with its baseline copied from a fixed startfoto (`baselineStartfotoId`, or the
    most recently fixed one)."""
    fields = validate(GoalInput, data, prefix="input")
    refuse_identifying_in(fields, ("title", "description"))  # they leave the platform in the calendar feed
    _not_past(fields.target_date, "input.targetDate", "De streefdatum ligt in het verleden.")
    startfoto = await _fixed_startfoto(work.session, fields.baseline_startfoto_id)
    await _check_region(work, fields.region_code, startfoto.id)
    figure = await _baseline(work.session, startfoto.id, fields.indicator, fields.region_code)
    goal = Goal(
        title=fields.title,
        description=fields.description,
        indicator=fields.indicator,
        region_code=fields.region_code,
        baseline_startfoto_id=startfoto.id,
        baseline_value=figure.value,
        baseline_period=figure.period,
        target_value=fields.target_value,
        target_date=fields.target_date,
        created_by=work.actor,
    )
    work.session.add(goal)
    await work.session.flush()
    return goal


async def _goal(session: Any, goal_id: Any, field: str) -> Goal:
    found = (await session.execute(select(Goal).where(Goal.id == parse_id(goal_id, field)))).scalar_one_or_none()
    if found is None:
        raise NotFound("Dit doel bestaat niet.", field=field)
    return found


async def read_goal(work: Work, goal_id: Any) -> Goal:
    return await _goal(work.session, goal_id, "id")


async def update_goal(work: Work, goal_id: Any, data: dict[str, Any]) -> Goal:
    """A new title, description, target value or target date. The indicator, region and
    baseline stay: measuring something else is another goal."""
    _required(data, ("title", "description", "target_value", "target_date"))
    fields = validate(GoalPatch, data, prefix="input")
    refuse_identifying_in(fields, ("title", "description"))  # they leave the platform in the calendar feed
    goal = await _goal(work.session, goal_id, "input.id")
    if fields.target_date is not None:
        _not_past(fields.target_date, "input.targetDate", "De streefdatum ligt in het verleden.")
        goal.target_date = fields.target_date
    if fields.title is not None:
        goal.title = fields.title
    if fields.description is not None:
        goal.description = fields.description
    if fields.target_value is not None:
        goal.target_value = fields.target_value
    goal.updated_at = utcnow()
    await work.session.flush()
    return goal


async def goals_page(
    work: Work, *, first: int | None, after: str | None, to_nodes: Callable[[list[Goal]], Awaitable[list[Any]]]
) -> Connection[Any]:
    """The goals, soonest target date first."""
    return await paginate(
        work.session,
        select(Goal),
        order_by=(Goal.target_date, Goal.id),
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=to_nodes,
    )


async def goals_by_id(session: Any, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Goal]:
    rows = (await session.execute(select(Goal).where(Goal.id.in_(list(ids))))).scalars()
    return {row.id: row for row in rows}


@dataclass(frozen=True)
class CurrentValue:
    value: float
    period: int


async def current_values_by_goal(session: Any, goal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, CurrentValue]:
    """Batch read: for each goal, the latest known figure after its baseline period in the
    same series (CBS's, or the coalition's own indicator), if there is one: how far the
    goal has come. At most three statements for any number of goals. CBS's table is
    national: it is read by region code, and a goal's region is always its own gemeente's."""
    goals = list((await session.execute(select(Goal).where(Goal.id.in_(list(goal_ids))))).scalars())
    if not goals:
        return {}
    catalogue = kwb.catalogue().by_code
    regions = sorted({goal.region_code for goal in goals})
    since = min(goal.baseline_period for goal in goals)
    candidates: dict[tuple[str, str], list[tuple[int, int, float]]] = {}  # (indicator, region) -> (period, series, value)
    cbs_codes = sorted({goal.indicator for goal in goals if goal.indicator in catalogue})
    if cbs_codes:
        statement = select(CbsFigure.indicator, CbsFigure.region_code, CbsFigure.period, CbsFigure.series, CbsFigure.value).where(
            CbsFigure.indicator.in_(cbs_codes),
            CbsFigure.region_code.in_(regions),
            CbsFigure.period > since,
            CbsFigure.value.is_not(None),
        )
        for indicator, region, period, series, value in (await session.execute(statement)).all():
            candidates.setdefault((indicator, region), []).append((period, series, value))
    own_codes = sorted({goal.indicator for goal in goals if goal.indicator not in catalogue})
    if own_codes:
        statement = (
            select(OwnIndicator.code, OwnFigure.region_code, OwnFigure.period, OwnFigure.value)
            .join(OwnIndicator, (OwnIndicator.tenant_id == OwnFigure.tenant_id) & (OwnIndicator.id == OwnFigure.indicator_id))
            .where(OwnIndicator.code.in_(own_codes), OwnFigure.region_code.in_(regions), OwnFigure.period > since, OwnFigure.value.is_not(None))
        )
        for code, region, period, value in (await session.execute(statement)).all():
            candidates.setdefault((code, region), []).append((period, 1, value))
    found: dict[uuid.UUID, CurrentValue] = {}
    for goal in goals:
        indicator = catalogue.get(goal.indicator)
        series = indicator.series_of(goal.baseline_period) if indicator else 1
        later = [
            (period, value)
            for period, in_series, value in candidates.get((goal.indicator, goal.region_code), ())
            if period > goal.baseline_period and in_series == series
        ]
        if later:
            period, value = max(later)
            found[goal.id] = CurrentValue(value=value, period=period)
    return found


# -- actions -----------------------------------------------------------------------------------


async def _check_partner(session: Any, partner_id: uuid.UUID, field: str) -> None:
    partner = (await partners_by_id(session, [partner_id])).get(partner_id)
    if partner is None:
        raise NotFound("Deze organisatie hoort niet bij de coalitie.", field=field)
    if not partner.active:
        raise ValidationFailed("Deze organisatie is niet (meer) actief in de coalitie.", field=field)


async def _check_owner(session: Any, membership_id: uuid.UUID, partner_id: uuid.UUID, field: str) -> None:
    member = (await members_by_id(session, [membership_id])).get(membership_id)
    if member is None:
        raise NotFound("Dit lid bestaat niet.", field=field)
    if not member.active or member.partner_id != partner_id:
        raise ValidationFailed("De eigenaar van een actie is een actief lid van de organisatie die haar uitvoert.", field=field)


async def _check_goal(session: Any, goal_id: uuid.UUID, field: str) -> None:
    if (await session.execute(select(Goal.id).where(Goal.id == goal_id))).first() is None:
        raise NotFound("Dit doel bestaat niet.", field=field)


async def _add_action(
    session: Any,
    actor: str,
    *,
    names: Mapping[str, str],
    title: str,
    description: str,
    partner_id: uuid.UUID,
    deadline: dt.date,
    goal_id: uuid.UUID | None = None,
    owner_membership_id: uuid.UUID | None = None,
    reference: str | None = None,
    proposed_by_module: str | None = None,
) -> Action:
    """Checks and writes an action with the session only (no `Work`: the hook has none)."""
    _not_past(deadline, names["deadline"], "De deadline ligt in het verleden.")
    if goal_id is not None:
        await _check_goal(session, goal_id, names["goal_id"])
    await _check_partner(session, partner_id, names["partner_id"])
    if owner_membership_id is not None:
        await _check_owner(session, owner_membership_id, partner_id, names["owner_membership_id"])
    action = Action(
        goal_id=goal_id,
        title=title,
        description=description,
        partner_id=partner_id,
        owner_membership_id=owner_membership_id,
        deadline=deadline,
        reference=reference,
        proposed_by_module=proposed_by_module,
        created_by=actor,
    )
    session.add(action)
    await session.flush()
    return action


async def create_action(work: Work, data: dict[str, Any]) -> Action:
    fields = validate(ActionInput, data, prefix="input")
    refuse_identifying_in(fields, ("title", "description"))  # they leave the platform in the calendar feed
    return await _add_action(
        work.session,
        work.actor,
        names=INPUT_FIELDS,
        title=fields.title,
        description=fields.description,
        partner_id=fields.partner_id,
        deadline=fields.deadline,
        goal_id=fields.goal_id,
        owner_membership_id=fields.owner_membership_id,
    )


async def _action(session: Any, action_id: Any, field: str) -> Action:
    found = (await session.execute(select(Action).where(Action.id == parse_id(action_id, field)))).scalar_one_or_none()
    if found is None:
        raise NotFound("Deze actie bestaat niet.", field=field)
    return found


async def read_action(work: Work, action_id: Any) -> Action:
    return await _action(work.session, action_id, "id")


async def update_action(work: Work, action_id: Any, data: dict[str, Any]) -> Action:
    """A new title, description, deadline (not in the past) or owner (a member of the
    action's organisation; null: no owner). The status moves with `record_progress`."""
    _required(data, ("title", "description", "deadline"))
    fields = validate(ActionPatch, data, prefix="input")
    refuse_identifying_in(fields, ("title", "description"))  # they leave the platform in the calendar feed
    action = await _action(work.session, action_id, "input.id")
    if fields.deadline is not None:
        _not_past(fields.deadline, "input.deadline", "De deadline ligt in het verleden.")
    if "owner_membership_id" in data and fields.owner_membership_id is not None:
        await _check_owner(work.session, fields.owner_membership_id, action.partner_id, "input.ownerMembershipId")
    values: dict[str, Any] = {
        name: getattr(fields, name) for name in ("title", "description", "deadline") if getattr(fields, name) is not None
    }
    if "owner_membership_id" in data:
        values["owner_membership_id"] = fields.owner_membership_id
    values["updated_at"] = utcnow()
    # Only the columns changed here: a status moved meanwhile by someone else stays.
    await work.session.execute(update(Action).where(Action.id == action.id).values(**values).execution_options(synchronize_session=False))
    await work.session.refresh(action)
    return action


async def record_progress(work: Work, data: dict[str, Any]) -> tuple[Action, ActionNote]:
    """A progress note on an action, optionally moving its status one step
    (`STATUS_STEPS`). The status is changed only if it is still the one read: when someone
    else moved it meanwhile the note is refused too (`CONFLICT`), nothing is written."""
    fields = validate(ProgressInput, data, prefix="input")
    refuse_identifying(fields.note, "input.note")
    session = work.session
    action = await _action(session, fields.action_id, "input.actionId")
    now = utcnow()
    statement = update(Action).where(Action.id == action.id)
    if fields.status is not None:
        current = action.status
        allowed = STATUS_STEPS.get(current, ())
        if fields.status not in allowed:
            steps = ", ".join(allowed) or "geen"
            raise StatusStepNotAllowed(
                f"Een actie met status '{current}' kan niet naar '{fields.status}'; wel naar: {steps}.", field="input.status"
            )
        statement = statement.where(Action.status == current).values(status=fields.status, updated_at=now)
    else:
        statement = statement.values(updated_at=now)
    moved = await session.execute(statement.execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise Conflict("De status van deze actie is intussen door iemand anders gewijzigd. Haal de actie opnieuw op.", field="input.status")
    note = ActionNote(action_id=action.id, note=fields.note, status=fields.status, written_by=work.actor, written_at=now)
    session.add(note)
    await session.flush()
    await session.refresh(action)
    return action, note


def _is_overdue(day: dt.date) -> Any:
    """The SQL condition: past its deadline on `day`, and still to happen."""
    return (Action.deadline < day) & Action.status.in_(OPEN_STATUSES)


async def actions_page(
    work: Work,
    *,
    status: str | None = None,
    partner_id: Any = None,
    goal_id: Any = None,
    overdue: bool | None = None,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[Action]], Awaitable[list[Any]]],
) -> Connection[Any]:
    """The actions, soonest deadline first; `overdue` true: only those past their deadline
    and not finished or stopped (false: only the others)."""
    statement = select(Action)
    if status is not None:
        statement = statement.where(Action.status == status)
    if partner_id is not None:
        statement = statement.where(Action.partner_id == parse_id(partner_id, "partnerId"))
    if goal_id is not None:
        statement = statement.where(Action.goal_id == parse_id(goal_id, "goalId"))
    if overdue is not None:
        condition = _is_overdue(today())
        statement = statement.where(condition if overdue else ~condition)
    return await paginate(
        work.session,
        statement,
        order_by=(Action.deadline, Action.id),
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=to_nodes,
    )


async def overdue_actions(
    work: Work, day: dt.date, *, first: int | None = None, after: str | None = None, to_nodes: Callable[[list[Action]], Awaitable[list[Any]]] | None = None
) -> Any:
    """Actions past their deadline on `day` that are neither finished nor stopped, longest
    overdue first (for the coalition lead). A page when `to_nodes` is given, else a list."""
    statement = select(Action).where(_is_overdue(day))
    if to_nodes is None:
        return list((await work.session.execute(statement.order_by(Action.deadline, Action.id))).scalars())
    return await paginate(
        work.session,
        statement,
        order_by=(Action.deadline, Action.id),
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=to_nodes,
    )


async def actions_by_goal(session: Any, goal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Action]]:
    """Batch read: each goal's actions, soonest deadline first."""
    rows = (await session.execute(select(Action).where(Action.goal_id.in_(list(goal_ids))).order_by(Action.deadline, Action.id))).scalars()
    grouped: dict[uuid.UUID, list[Action]] = {goal_id: [] for goal_id in goal_ids}
    for row in rows:
        grouped[row.goal_id].append(row)  # type: ignore[index]
    return grouped


async def notes_by_action(session: Any, action_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[ActionNote]]:
    """Batch read: each action's progress notes, oldest first."""
    rows = (
        await session.execute(
            select(ActionNote).where(ActionNote.action_id.in_(list(action_ids))).order_by(ActionNote.written_at, ActionNote.id)
        )
    ).scalars()
    grouped: dict[uuid.UUID, list[ActionNote]] = {action_id: [] for action_id in action_ids}
    for row in rows:
        grouped[row.action_id].append(row)
    return grouped


# -- actions proposed by other modules (the `add_plan_action` hook) ---------------------------


def _months_ahead(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


async def add_proposed_action(session: Any, proposal: PlanActionProposal, actor: str | None) -> uuid.UUID:
    """An action another module proposes (e.g. adopting a practice example). The rules are
    `create_action`'s, with the proposal's attribute names as the error fields
    (`partner_id`, `goal_id`, `deadline`, `title`, `reference`):

    * the partner is required: an action is always some organisation's (VALIDATION_FAILED
      `partner_id` without one; NOT_FOUND for one not of this coalition);
    * without a deadline it is due in `PROPOSAL_MONTHS` months;
    * a title longer than 200 characters is shortened;
    * `reference` (`<module key>.<thing>:<id>`) is kept with the module that proposed it;
      proposing the same reference again while its action is not stopped answers that
      action, so a retried proposal adds nothing twice."""
    title = " ".join((proposal.title or "").split())
    if len(title) < 2:
        raise ValidationFailed("Een actie heeft een titel.", field="title")
    if len(title) > 200:
        title = title[:199].rstrip() + "…"
    refuse_identifying(title, "title")
    refuse_identifying(proposal.description, "description")
    if proposal.partner_id is None:
        raise ValidationFailed("Een actie is altijd van een organisatie: kies de partner die haar uitvoert.", field="partner_id")
    reference = proposal.reference.strip() if proposal.reference else None
    module = None
    if reference:
        if len(reference) > 200:
            raise ValidationFailed("De verwijzing is te lang (hoogstens 200 tekens).", field="reference")
        module = reference.split(":", 1)[0].split(".", 1)[0][:63] or None
        existing = await _open_action_of(session, reference)
        if existing is not None:
            return existing
    try:
        # A savepoint: the same proposal committed meanwhile by another request (the unique
        # index on open references) is answered with that action, not an error.
        async with session.begin_nested():
            action = await _add_action(
                session,
                actor or SYSTEM_ACTOR,
                names=PROPOSAL_FIELDS,
                title=title,
                description=(proposal.description or "").strip()[:5000],
                partner_id=parse_id(proposal.partner_id, "partner_id"),
                deadline=proposal.deadline or _months_ahead(today(), PROPOSAL_MONTHS),
                goal_id=parse_id(proposal.goal_id, "goal_id") if proposal.goal_id is not None else None,
                reference=reference,
                proposed_by_module=module,
            )
    except IntegrityError:
        existing = await _open_action_of(session, reference) if reference else None
        if existing is None:
            raise
        return existing
    return action.id


async def _open_action_of(session: Any, reference: str) -> uuid.UUID | None:
    return (
        await session.execute(select(Action.id).where(Action.reference == reference, Action.status != GESTOPT).order_by(Action.created_at).limit(1))
    ).scalar_one_or_none()


# -- the calendar feed -------------------------------------------------------------------------

MINE = "mine"
ALL = "all"
STATUS_WORDS = {GEPLAND: "gepland", BEZIG: "bezig", GEREED: "gereed", GESTOPT: "gestopt"}


async def action_calendar_file(context: Any, parameters: Mapping[str, str]) -> DownloadFile:
    """The action deadlines as iCalendar (`actions.ics`): `scope=mine` (default) the
    actions the caller owns, in any status (a stopped one CANCELLED, so a calendar app
    strikes it through instead of losing it); `scope=all` every open action of the plan.
    One all-day event per action on its deadline, with a UID that stays the same."""
    scope = (parameters.get("scope") or MINE).strip().lower()
    if scope not in (MINE, ALL):
        raise ValidationFailed("Kies scope=mine (uw eigen acties) of scope=all (alle open acties).", field="scope")
    session = context.session
    rows: list[Action] = []
    if scope == ALL:
        statement = select(Action).where(Action.status.in_(OPEN_STATUSES))
        rows = list((await session.execute(statement.order_by(Action.deadline, Action.id))).scalars())
    elif context.principal.membership_id is not None:  # an API client owns no actions
        statement = select(Action).where(Action.owner_membership_id == context.principal.membership_id)
        rows = list((await session.execute(statement.order_by(Action.deadline, Action.id))).scalars())
    partners = await partners_by_id(session, {row.partner_id for row in rows}) if rows else {}
    goals = await goals_by_id(session, {row.goal_id for row in rows if row.goal_id is not None}) if rows else {}
    tenant = context.tenant
    calendar = Calendar()
    calendar.add("prodid", "-//Kansrijke Start//Plan van aanpak//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Plan van aanpak – {tenant.name}")
    stamp = utcnow()
    for row in rows:
        partner = partners.get(row.partner_id)
        goal = goals.get(row.goal_id) if row.goal_id is not None else None
        lines = [
            f"Organisatie: {partner.name if partner else '?'}",
            f"Status: {STATUS_WORDS.get(row.status, row.status)}",
            f"Doel: {goal.title if goal else 'geen (een losse actie)'}",
        ]
        if row.description:
            lines += ["", row.description]
        event = Event()
        event.add("uid", f"{row.id}@{tenant.slug}.kansrijkestart")
        event.add("summary", row.title)
        event.add("description", "\n".join(lines))
        event.add("dtstart", row.deadline)
        event.add("dtend", row.deadline + dt.timedelta(days=1))
        event.add("dtstamp", stamp)
        event.add("last-modified", row.updated_at)
        event.add("status", "CANCELLED" if row.status == GESTOPT else "CONFIRMED")
        calendar.add_component(event)
    return DownloadFile(
        content=calendar.to_ical(),
        media_type="text/calendar; charset=utf-8",
        filename=f"plan-van-aanpak-{tenant.slug}{'' if scope == ALL else '-mijn-acties'}.ics",
    )


# -- demo data -----------------------------------------------------------------------------------


async def seed_demo_plan(work: Work) -> list[Goal]:
    """The demo's plan van aanpak (for `demo.seed`, after a startfoto is fixed), through the
    services above; idempotent: a gemeente that has goals or actions is left as it is.

    Goals on up to two figures of the latest fixed startfoto that have a value (the
    coalition's own indicators first, wijken first), each aiming 10% higher in two years; per active partner an action due within
    months, the first of them under way with a progress note. Without a fixed startfoto
    with a known figure there are no goals (a goal needs a baseline), only actions."""
    session = work.session
    if (await session.execute(select(Action.id).limit(1))).first() or (await session.execute(select(Goal.id).limit(1))).first():
        return []
    goals: list[Goal] = []
    startfoto = (
        await session.execute(
            select(Startfoto).where(Startfoto.state == FIXED).order_by(Startfoto.reference_date.desc(), Startfoto.created_at.desc()).limit(1)
        )
    ).scalar_one_or_none()
    if startfoto is not None:
        figures = (
            await session.execute(
                select(SnapshotFigure)
                .where(SnapshotFigure.startfoto_id == startfoto.id, SnapshotFigure.value.is_not(None))
                .order_by(
                    (SnapshotFigure.source == "own").desc(),
                    SnapshotFigure.region_type.desc(),
                    SnapshotFigure.region_code,
                    SnapshotFigure.indicator,
                    SnapshotFigure.period.desc(),
                )
            )
        ).scalars()
        seen: set[tuple[str, str]] = set()
        for figure in figures:
            if (figure.indicator, figure.region_code) in seen or len(goals) == 2:
                continue
            seen.add((figure.indicator, figure.region_code))
            where = figure.region_name or figure.region_code
            target = round((figure.value or 0) * 1.1, 1)
            if figure.unit.strip() == "%":
                target = min(target, 100.0)
            goals.append(
                await create_goal(
                    work,
                    {
                        "title": f"{figure.indicator_name} in {where}: van {figure.value:g} naar {target:g}"[:200],
                        "description": "Voorbeelddoel van de demo: tien procent hoger binnen twee jaar.",
                        "indicator": figure.indicator,
                        "region_code": figure.region_code,
                        "baseline_startfoto_id": startfoto.id,
                        "target_value": target,
                        "target_date": today() + dt.timedelta(days=730),
                    },
                )
            )
    partners = await all_partners(session)
    first_action: Action | None = None
    for index, partner in enumerate(partners[:3]):
        action = await create_action(
            work,
            {
                "title": f"Geldzorgen bespreekbaar maken bij {partner.name}"[:200],
                "description": "Medewerkers vragen in elk contact met (aanstaande) ouders naar geldzorgen en verwijzen warm door.",
                "partner_id": partner.id,
                "goal_id": goals[index % len(goals)].id if goals else None,
                "deadline": today() + dt.timedelta(days=30 * (index + 1)),
            },
        )
        first_action = first_action or action
    if first_action is not None:
        await record_progress(work, {"action_id": first_action.id, "note": "Training voor de medewerkers ingepland.", "status": BEZIG})
    return goals
