"""The coalition's competence framework, the competences its members gain, and the
coverage: "is every professional equipped?".

* The framework: every coalition starts with the national default (`NATIONAL_FRAMEWORK`)
  and adapts it: its own competences added, any one renamed, described or switched off
  (`active`). A competence is never deleted: members' competences keep pointing at it.
* A member holds a competence by attending an activity that addresses it (source
  `activiteit`, `gain_by_attendance`), by a declaration with evidence that the coalition
  lead confirms (source `verklaring`, the workflow `COMPETENCE_DECLARATION_WORKFLOW`; the
  lead never confirms their own), or, for `REGELINGEN_COMPETENCE` only, by handvat 3's
  bekendheid: a member who marked at least `regelingen_known_share` of the gemeente's
  regelingen as known holds it from the moment they last marked one. That one is computed
  through the `member_knowledge` hook whenever it is needed and never stored (with
  handvat 3 off the hook answers nothing and nothing is added).
* Coverage: the professionals are today's active members with the role professional or
  partner_worker who work at an active partner organisation. Per organisation (or per
  partner type) and active competence: how many professionals there are, how many hold it
  at the end of a day, and the share. The trend and the figures per quarter count today's
  professionals at the end of each quarter (membership history is not kept, so "over
  time" means: how far today's professionals had come then).

Small cells. Counts of people pass through core's disclosure helpers, with the gemeente's
`min_cell_size` (never below 5); a hidden count is published as null and `suppressed`,
never why. The professionals per organisation are one list (`disclose_list`), the same in
every answer (they are today's). The holders of a competence at a moment are a second list
per competence and moment, over the organisations plus one cell for everybody without it
(whose total is then the professionals of the whole coalition): an organisation's holders
are also hidden when the professionals there *without* it are few (1 of 9 lacks it is as
telling as 1 has it). Shares are given only when both counts are shown. A partner type's
figures are sums of its organisations' and shown only when every part is, so the two
groupings can never be set against each other to recover a hidden count.

Reading the declarations of other members is recorded in the processing log; members'
own competences and the (suppressed) aggregates are not."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.plugin import (
    PARTNER_WORKER,
    PROFESSIONAL,
    Conflict,
    Connection,
    DisclosedCell,
    DomainError,
    Forbidden,
    NotFound,
    PartnerInfo,
    ValidationFailed,
    Work,
    WorkflowSubject,
    all_members,
    all_partners,
    apply_transition,
    dialect_insert,
    disclose_list,
    disclosure_threshold,
    members_by_id,
    paginate,
    paginate_list,
    partners_by_id,
    publish_event,
    record_processing,
    refuse_identifying,
    utcnow,
    validate,
    workflow_history,
)
from plugins.handvat4_leren import MODULE_KEY
from plugins.handvat4_leren.domain import NATIONAL_FRAMEWORK, REGELINGEN_COMPETENCE, CompetenceSource
from plugins.handvat4_leren.events import EVENT_COMPETENCE_GAINED
from plugins.handvat4_leren.models import Activity, Competence, MemberCompetence
from plugins.handvat4_leren.processing import LEARNING
from plugins.handvat4_leren.services.dates import end_of, local_today
from plugins.handvat4_leren.workflows import COMPETENCE_DECLARATION_WORKFLOW, DeclarationState, DeclarationTransition

#: The roles of the people whose competences the coverage is about.
PROFESSIONAL_ROLES = frozenset({PROFESSIONAL, PARTNER_WORKER})
#: The topic of handvat 3's answer to `member_knowledge` that evidences REGELINGEN_COMPETENCE.
REGELINGEN_TOPIC = "regelingen"
#: How the coverage is grouped.
BY_PARTNER = "partner"
BY_PARTNER_TYPE = "partner_type"
GROUPINGS = (BY_PARTNER, BY_PARTNER_TYPE)
MAX_QUARTERS = 12
#: The key of the cell "professionals without the competence" in a holders list.
_WITHOUT = "__without__"


# -- refusals ------------------------------------------------------------------------------------


class CompetenceExists(Conflict):
    code = "COMPETENCE_EXISTS"
    description = "Het competentiekader van de coalitie heeft al een competentie met deze sleutel."


class DeclarationOpen(Conflict):
    code = "DECLARATION_OPEN"
    description = "Het lid heeft deze competentie al opgegeven en de coalitieregisseur heeft nog niet beslist."


class CompetenceHeld(Conflict):
    code = "COMPETENCE_HELD"
    description = "Het lid heeft deze competentie al (door deelname, een bevestigde opgave of bekendheid met de regelingen)."


class OwnDeclaration(Forbidden):
    code = "OWN_DECLARATION"
    description = "Een coalitieregisseur beslist niet over een eigen opgave van een competentie; een andere regisseur doet dat."


# -- input -------------------------------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewCompetence(_Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,59}$")]
    name: Name
    description: Description = ""


class CompetencePatch(_Strict):
    key: Key
    name: Name | None = None
    description: Description | None = None
    active: bool | None = None


class DeclarationInput(_Strict):
    competence_key: Key
    evidence: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=2000)]


class DecisionInput(_Strict):
    id: uuid.UUID


class RejectionInput(_Strict):
    id: uuid.UUID
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]


@dataclass(frozen=True)
class Quarter:
    label: str  # 2026-K1
    start: dt.date
    end: dt.date
    #: The day counted: the quarter's last day, or today for the quarter under way.
    at: dt.date


def quarter_of(year: int, number: int, today: dt.date) -> Quarter:
    start = dt.date(year, 3 * number - 2, 1)
    end = (dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)) - dt.timedelta(days=1)
    return Quarter(label=f"{year}-K{number}", start=start, end=end, at=min(end, today))


def quarters_of_year(year: int, today: dt.date) -> list[Quarter]:
    """The quarters of `year` that have begun by `today`."""
    return [quarter for quarter in (quarter_of(year, number, today) for number in range(1, 5)) if quarter.start <= today]


def last_quarters(today: dt.date, count: int) -> list[Quarter]:
    """The last `count` quarters, the one under way (counted up to today) last."""
    year, number = today.year, (today.month - 1) // 3 + 1
    found = []
    for _ in range(count):
        found.append(quarter_of(year, number, today))
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
    return found[::-1]


# -- the framework -------------------------------------------------------------------------------


async def ensure_framework(session: Any, tenant_id: uuid.UUID) -> None:
    """Give the gemeente the national framework's competences it does not have yet (one
    statement; safe when two requests do it at once)."""
    rows = [
        {"tenant_id": tenant_id, "id": uuid.uuid4(), "key": item.key, "name": item.name, "description": item.description, "national": True, "active": True, "position": position}
        for position, item in enumerate(NATIONAL_FRAMEWORK)
    ]
    statement = dialect_insert(session)(Competence).values(rows).on_conflict_do_nothing(index_elements=["tenant_id", "key"])
    await session.execute(statement)


async def framework(work: Work, *, active_only: bool = False) -> list[Competence]:
    """The coalition's competences in their order (the national ones first)."""
    statement = select(Competence).order_by(Competence.position, Competence.name)
    if active_only:
        statement = statement.where(Competence.active.is_(True))
    rows = list((await work.session.execute(statement)).scalars())
    if not rows:  # a gemeente that switched the module on before the framework existed
        await ensure_framework(work.session, work.tenant.id)
        rows = list((await work.session.execute(statement)).scalars())
    return rows


async def active_keys(work: Work) -> set[str]:
    return {row.key for row in await framework(work, active_only=True)}


async def framework_page(
    work: Work, *, active_only: bool, first: int | None, after: str | None, to_node: Callable[[Competence], Any]
) -> Connection[Any]:
    """The framework as a connection (a small register: paged in memory)."""
    rows = await framework(work, active_only=active_only)
    return await paginate_list(rows, first=first, after=after, max_page_size=work.settings.graphql_max_page_size, to_node=to_node)


async def add_competence(work: Work, data: Mapping[str, Any]) -> Competence:
    """A competence of the coalition's own, after the others."""
    values = validate(NewCompetence, data, prefix="input")
    rows = await framework(work)
    if any(row.key == values.key for row in rows):
        raise CompetenceExists("Er is al een competentie met deze sleutel.", field="input.key")
    row = Competence(
        key=values.key,
        name=values.name,
        description=values.description,
        national=False,
        active=True,
        position=max((item.position for item in rows), default=-1) + 1,
    )
    try:
        async with work.session.begin_nested():
            work.session.add(row)
            await work.session.flush()
    except IntegrityError:  # another request added the same key just now
        raise CompetenceExists("Er is al een competentie met deze sleutel.", field="input.key") from None
    return row


async def update_competence(work: Work, data: Mapping[str, Any]) -> Competence:
    """Rename, describe or switch a competence off or on (the national ones too)."""
    values = validate(CompetencePatch, data, prefix="input")
    for name in ("name", "description", "active"):
        if name in data and data[name] is None:
            raise ValidationFailed("Dit veld kan niet leeg zijn; laat het weg om het niet te wijzigen.", field=f"input.{name}")
    await framework(work)
    row = (await work.session.execute(select(Competence).where(Competence.key == values.key))).scalar_one_or_none()
    if row is None:
        raise NotFound("Het competentiekader heeft geen competentie met deze sleutel.", field="input.key")
    for name in ("name", "description", "active"):
        value = getattr(values, name)
        if value is not None:
            setattr(row, name, value)
    await work.session.flush()
    return row


async def _competence(work: Work, key: str, field: str) -> Competence:
    """An active competence of the framework (NOT_FOUND, or VALIDATION_FAILED when switched off)."""
    rows = {row.key: row for row in await framework(work)}
    row = rows.get(key)
    if row is None:
        raise NotFound("Het competentiekader heeft geen competentie met deze sleutel.", field=field)
    if not row.active:
        raise ValidationFailed("Deze competentie staat uit in het kader van de coalitie.", field=field)
    return row


# -- gaining -------------------------------------------------------------------------------------


async def gain_by_attendance(work: Work, activity: Activity, membership_ids: Iterable[uuid.UUID]) -> None:
    """Members who attended `activity` gain every competence it addresses (once per
    activity; recording the attendance again changes nothing)."""
    members = list(dict.fromkeys(membership_ids))
    if not members or not activity.competence_keys:
        return
    now = utcnow()
    existing = set(
        (
            await work.session.execute(
                select(MemberCompetence.membership_id, MemberCompetence.competence_key).where(
                    MemberCompetence.activity_id == activity.id, MemberCompetence.membership_id.in_(members)
                )
            )
        ).all()
    )
    for membership_id in members:
        for key in activity.competence_keys:
            if (membership_id, key) in existing:
                continue
            work.session.add(
                MemberCompetence(
                    membership_id=membership_id,
                    competence_key=key,
                    source=CompetenceSource.ACTIVITEIT,
                    activity_id=activity.id,
                    state=DeclarationState.BEVESTIGD,
                    acquired_at=activity.ends_at if activity.ends_at < now else now,
                    declared_at=now,
                    decided_by=work.actor,
                    decided_at=now,
                )
            )
            publish_event(
                work.session,
                EVENT_COMPETENCE_GAINED,
                {"membership_id": str(membership_id), "competence_key": key, "source": CompetenceSource.ACTIVITEIT.value},
                actor=work.actor,
            )
    await work.session.flush()
    record_processing(work, LEARNING, "competentie door deelname", members, "created")


async def knowledge_holders(work: Work) -> dict[uuid.UUID, dt.datetime]:
    """The members who hold REGELINGEN_COMPETENCE by handvat 3's bekendheid, and since when
    (computed through the `member_knowledge` hook; empty when no module answers it)."""
    config = await work.module_config(MODULE_KEY)
    holders: dict[uuid.UUID, dt.datetime] = {}
    for item in await work.hooks.member_knowledge(session=work.session):
        if item.topic == REGELINGEN_TOPIC and item.total > 0 and item.known / item.total >= config.regelingen_known_share:
            # Without a moment the knowledge counts from now (never earlier than it is known).
            holders[item.membership_id] = item.since or utcnow()
    return holders


async def _holds(work: Work, membership_id: uuid.UUID, key: str) -> bool:
    confirmed = (
        await work.session.execute(
            select(MemberCompetence.id)
            .where(
                MemberCompetence.membership_id == membership_id,
                MemberCompetence.competence_key == key,
                MemberCompetence.state == DeclarationState.BEVESTIGD,
            )
            .limit(1)
        )
    ).first()
    if confirmed is not None:
        return True
    return key == REGELINGEN_COMPETENCE and membership_id in await knowledge_holders(work)


# -- declarations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationView:
    """A declaration with what the API shows beside it."""

    row: MemberCompetence
    competence: Competence | None
    member_name: str
    partner_name: str | None
    #: Why the coalition lead rejected it (from the workflow's history).
    reason: str | None


def _own_membership(work: Work) -> uuid.UUID:
    if work.principal.membership_id is None:
        raise Forbidden("Alleen leden van de coalitie hebben competenties.")
    return work.principal.membership_id


async def _views(work: Work, rows: Sequence[MemberCompetence]) -> list[DeclarationView]:
    """Views of declarations: four statements, whatever their number."""
    if not rows:
        return []
    competences = {row.key: row for row in await framework(work)}
    members = await members_by_id(work.session, {row.membership_id for row in rows})
    partners = await partners_by_id(work.session, {member.partner_id for member in members.values() if member.partner_id})
    rejected = [row.id for row in rows if row.state == DeclarationState.AFGEWEZEN]
    history = await workflow_history(work.session, COMPETENCE_DECLARATION_WORKFLOW, rejected)
    views = []
    for row in rows:
        member = members.get(row.membership_id)
        partner = partners.get(member.partner_id) if member and member.partner_id else None
        reasons = [entry.reason for entry in history.get(row.id, []) if entry.transition == DeclarationTransition.AFWIJZEN]
        views.append(
            DeclarationView(
                row=row,
                competence=competences.get(row.competence_key),
                member_name=member.display_name if member else "?",
                partner_name=partner.name if partner else None,
                reason=reasons[-1] if reasons else None,
            )
        )
    return views


async def declare(work: Work, data: Mapping[str, Any]) -> DeclarationView:
    """The principal declares a competence with evidence, for the coalition lead to confirm."""
    values = validate(DeclarationInput, data, prefix="input")
    membership_id = _own_membership(work)
    competence = await _competence(work, values.competence_key, "input.competenceKey")
    refuse_identifying(values.evidence, "input.evidence")
    if await _holds(work, membership_id, competence.key):
        raise CompetenceHeld("U heeft deze competentie al.", field="input.competenceKey")
    open_declaration = (
        await work.session.execute(
            select(MemberCompetence.id)
            .where(
                MemberCompetence.membership_id == membership_id,
                MemberCompetence.competence_key == competence.key,
                MemberCompetence.state == DeclarationState.VERKLAARD,
            )
            .limit(1)
        )
    ).first()
    if open_declaration is not None:
        raise DeclarationOpen("U heeft deze competentie al opgegeven; de coalitieregisseur beslist nog.", field="input.competenceKey")
    row = MemberCompetence(
        membership_id=membership_id,
        competence_key=competence.key,
        source=CompetenceSource.VERKLARING,
        evidence=values.evidence,
        state=COMPETENCE_DECLARATION_WORKFLOW.initial,
    )
    try:
        async with work.session.begin_nested():
            work.session.add(row)
            await work.session.flush()
    except IntegrityError:  # the same member's other request got there first (the partial unique index)
        raise DeclarationOpen("U heeft deze competentie al opgegeven; de coalitieregisseur beslist nog.", field="input.competenceKey") from None
    record_processing(work, LEARNING, "competentie opgeven", [membership_id], "created")
    return (await _views(work, [row]))[0]


async def _declaration_to_decide(work: Work, declaration_id: uuid.UUID) -> MemberCompetence:
    """The declaration, locked: two leads deciding at once take turns, the second finds it decided."""
    row = (
        await work.session.execute(
            select(MemberCompetence)
            .where(MemberCompetence.id == declaration_id, MemberCompetence.source == CompetenceSource.VERKLARING)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("Deze opgave van een competentie bestaat niet.", field="input.id")
    return row


async def decide(work: Work, transition: str, data: Mapping[str, Any]) -> DeclarationView:
    """The coalition lead confirms (`bevestigen`) or rejects (`afwijzen`, with a reason) a
    declaration of another member."""
    rejecting = transition == DeclarationTransition.AFWIJZEN
    values = validate(RejectionInput if rejecting else DecisionInput, data, prefix="input")
    reason = getattr(values, "reason", None)
    if reason is not None:
        refuse_identifying(reason, "input.reason")
    row = await _declaration_to_decide(work, values.id)
    if row.membership_id == work.principal.membership_id:
        raise OwnDeclaration("Over een eigen opgave beslist een andere coalitieregisseur.", field="input.id")
    subject = WorkflowSubject(id=row.id, state=row.state, attributes={"membership_id": str(row.membership_id), "competence_key": row.competence_key})
    try:
        await apply_transition(work, COMPETENCE_DECLARATION_WORKFLOW, subject, transition, reason=reason, record=row)
    except DomainError as error:  # core names its own arguments; point at the input
        if error.field == "transition":
            error.field = "input.id"
        elif error.field == "reason":
            error.field = "input.reason"
        raise
    row.decided_by = work.actor
    if not rejecting:
        row.acquired_at = row.decided_at
        publish_event(
            work.session,
            EVENT_COMPETENCE_GAINED,
            {"membership_id": str(row.membership_id), "competence_key": row.competence_key, "source": CompetenceSource.VERKLARING.value},
            actor=work.actor,
        )
    await work.session.flush()
    record_processing(work, LEARNING, "competentie afwijzen" if rejecting else "competentie bevestigen", [row.membership_id], "updated")
    return (await _views(work, [row]))[0]


async def declarations_page(
    work: Work,
    *,
    state: str | None,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[DeclarationView]], Awaitable[list[Any]]],
) -> Connection[Any]:
    """The members' declarations for the coalition lead, the oldest first (filter on state)."""
    statement = select(MemberCompetence).where(MemberCompetence.source == CompetenceSource.VERKLARING)
    if state is not None:
        statement = statement.where(MemberCompetence.state == state)

    async def page_nodes(rows: list[MemberCompetence]) -> list[Any]:
        record_processing(work, LEARNING, "opgaven van competenties lezen", [row.membership_id for row in rows], "read")
        return await to_nodes(await _views(work, rows))

    return await paginate(
        work.session,
        statement,
        order_by=(MemberCompetence.declared_at, MemberCompetence.id),
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=page_nodes,
    )


@dataclass(frozen=True)
class HeldCompetence:
    competence: Competence
    sources: tuple[str, ...]
    #: The first moment the member held it.
    since: dt.datetime


@dataclass(frozen=True)
class MyCompetences:
    held: list[HeldCompetence]
    declarations: list[DeclarationView]


async def my_competences(work: Work) -> MyCompetences:
    """The principal's own competences (with how they came by them) and declarations."""
    membership_id = work.principal.membership_id
    if membership_id is None:  # an API client has no competences
        return MyCompetences(held=[], declarations=[])
    rows = list(
        (
            await work.session.execute(
                select(MemberCompetence).where(MemberCompetence.membership_id == membership_id).order_by(MemberCompetence.declared_at.desc(), MemberCompetence.id)
            )
        ).scalars()
    )
    sources: dict[str, dict[str, dt.datetime]] = defaultdict(dict)
    for row in rows:
        if row.state == DeclarationState.BEVESTIGD and row.acquired_at is not None:
            known = sources[row.competence_key].get(row.source)
            sources[row.competence_key][row.source] = row.acquired_at if known is None else min(known, row.acquired_at)
    since = (await knowledge_holders(work)).get(membership_id)
    if since is not None:
        sources[REGELINGEN_COMPETENCE][CompetenceSource.BEKENDHEID] = since
    held = [
        HeldCompetence(competence=competence, sources=tuple(source for source in CompetenceSource if source in sources[competence.key]), since=min(sources[competence.key].values()))
        for competence in await framework(work)
        if sources.get(competence.key)
    ]
    declarations = [row for row in rows if row.source == CompetenceSource.VERKLARING]
    return MyCompetences(held=held, declarations=await _views(work, declarations))


# -- coverage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A published count of people: the value, or None when it is suppressed."""

    value: int | None
    suppressed: bool

    @classmethod
    def of(cls, cell: DisclosedCell) -> Count:
        return cls(value=cell.value, suppressed=cell.suppressed)

    @classmethod
    def hidden(cls) -> Count:
        return cls(value=None, suppressed=True)


@dataclass(frozen=True)
class CoverageGroup:
    """An organisation (`partner_id` set) or a partner type (`partner_id` None)."""

    name: str
    partner_type: str
    partner_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CoverageCell:
    """Professionals, and how many of them hold the competence, in a group (None: the coalition)."""

    group: CoverageGroup | None
    professionals: Count
    with_competence: Count

    @property
    def without(self) -> Count:
        if self.professionals.value is None or self.with_competence.value is None:
            return Count.hidden()
        return Count(value=self.professionals.value - self.with_competence.value, suppressed=False)

    @property
    def share(self) -> float | None:
        """Of the professionals, the share that holds it; None when a count is hidden or there are none."""
        if self.professionals.value is None or self.with_competence.value is None or self.professionals.value == 0:
            return None
        return round(self.with_competence.value / self.professionals.value, 4)

    @property
    def has_gap(self) -> bool:
        """Possibly not everyone holds it: a known gap, or hidden numbers (whether everyone
        holds it then is not shown either, so a hidden cell is always listed)."""
        if self.professionals.value == 0:
            return False
        return self.professionals.suppressed or self.with_competence.suppressed or (self.without.value or 0) > 0


@dataclass(frozen=True)
class CompetenceCoverageRow:
    competence: Competence
    total: CoverageCell
    groups: list[CoverageCell]


@dataclass(frozen=True)
class GroupProfessionals:
    group: CoverageGroup
    professionals: Count


@dataclass(frozen=True)
class Coverage:
    at: dt.date
    group_by: str
    threshold: int
    groups: list[GroupProfessionals]
    total: Count  # the professionals of the coalition
    competences: list[CompetenceCoverageRow]


@dataclass(frozen=True)
class QuarterCoverage:
    quarter: Quarter
    coverage: Coverage


@dataclass(frozen=True)
class CoverageTrend:
    group_by: str
    threshold: int
    quarters: list[QuarterCoverage]


@dataclass(frozen=True)
class CompetenceGaps:
    competence: Competence
    partners: list[CoverageCell]
    partner_types: list[CoverageCell]


@dataclass(frozen=True)
class Gaps:
    at: dt.date
    threshold: int
    competences: list[CompetenceGaps]


@dataclass(frozen=True)
class _Facts:
    """What every coverage answer counts from: read once, in a fixed number of statements."""

    threshold: int
    partners: list[PartnerInfo]  # active, by name
    professionals: dict[uuid.UUID, uuid.UUID]  # membership -> partner, today's professionals
    competences: list[Competence]  # active, in order
    #: (membership, competence key) -> the first moment the professional held it.
    holdings: dict[tuple[uuid.UUID, str], dt.datetime]


async def _facts(work: Work) -> _Facts:
    config = await work.module_config(MODULE_KEY)
    partners = await all_partners(work.session)
    partner_ids = {partner.id for partner in partners}
    professionals = {
        member.id: member.partner_id
        for member in await all_members(work.session)
        if member.partner_id in partner_ids and PROFESSIONAL_ROLES & set(member.roles)
    }
    competences = await framework(work, active_only=True)
    # Per member and competence the first confirmed acquisition, grouped in SQL.
    rows = await work.session.execute(
        select(MemberCompetence.membership_id, MemberCompetence.competence_key, func.min(MemberCompetence.acquired_at))
        .where(MemberCompetence.state == DeclarationState.BEVESTIGD, MemberCompetence.acquired_at.is_not(None))
        .group_by(MemberCompetence.membership_id, MemberCompetence.competence_key)
    )
    holdings = {(membership_id, key): moment for membership_id, key, moment in rows if membership_id in professionals}
    for membership_id, since in (await knowledge_holders(work)).items():
        if membership_id in professionals:
            known = holdings.get((membership_id, REGELINGEN_COMPETENCE))
            holdings[(membership_id, REGELINGEN_COMPETENCE)] = since if known is None else min(known, since)
    return _Facts(
        threshold=disclosure_threshold(config.min_cell_size),
        partners=partners,
        professionals=professionals,
        competences=competences,
        holdings=holdings,
    )


@dataclass(frozen=True)
class _Counted:
    """The disclosed counts of one moment, per organisation."""

    professionals: dict[uuid.UUID, Count]
    professionals_total: Count
    holders: dict[str, dict[uuid.UUID, Count]]  # competence key -> partner -> holders
    holders_total: dict[str, Count]  # competence key -> holders in the coalition


def _professionals_per_partner(facts: _Facts) -> dict[uuid.UUID, int]:
    counts = dict.fromkeys((partner.id for partner in facts.partners), 0)
    for partner_id in facts.professionals.values():
        counts[partner_id] += 1
    return counts


def _count(facts: _Facts, moment: dt.datetime, professionals: dict[uuid.UUID, int]) -> _Counted:
    """Disclose the counts at `moment` (see the module's docstring for why these lists)."""
    threshold = facts.threshold
    listed = disclose_list(professionals, threshold)
    everybody = sum(professionals.values())
    held: dict[str, dict[uuid.UUID, int]] = {competence.key: dict.fromkeys(professionals, 0) for competence in facts.competences}
    for (membership_id, key), since in facts.holdings.items():
        if since < moment and key in held:
            held[key][facts.professionals[membership_id]] += 1
    holders: dict[str, dict[uuid.UUID, Count]] = {}
    holders_total: dict[str, Count] = {}
    for key, per_partner in held.items():
        without = everybody - sum(per_partner.values())
        counts: dict[Any, int] = {**per_partner, _WITHOUT: without}
        # An organisation where only a few lack it is hidden as a small cell too: with its
        # professionals shown, its holders would give the few away.
        units: dict[Any, int] = {
            partner_id: 1 if count and 0 < professionals[partner_id] - count < threshold else count for partner_id, count in per_partner.items()
        }
        units[_WITHOUT] = without
        disclosed = disclose_list(counts, threshold, contributors=units, total_contributors=sum(units.values()))
        holders[key] = {partner_id: Count.of(disclosed.cells[partner_id]) for partner_id in per_partner}
        without_cell = disclosed.cells[_WITHOUT]
        holders_total[key] = (
            Count(value=everybody - without, suppressed=False) if not without_cell.suppressed and not listed.total.suppressed else Count.hidden()
        )
    return _Counted(
        professionals={partner_id: Count.of(cell) for partner_id, cell in listed.cells.items()},
        professionals_total=Count.of(listed.total),
        holders=holders,
        holders_total=holders_total,
    )


def _sum(counts: Iterable[Count]) -> Count:
    """The sum of counts, shown only when every part is (a part hidden stays hidden)."""
    values = [count.value for count in counts]
    if any(value is None for value in values):
        return Count.hidden()
    return Count(value=sum(value for value in values if value is not None), suppressed=False)


def _coverage(facts: _Facts, day: dt.date, group_by: str, professionals: dict[uuid.UUID, int]) -> Coverage:
    counted = _count(facts, end_of(day), professionals)
    if group_by == BY_PARTNER:
        groups = [
            (CoverageGroup(name=partner.name, partner_type=partner.type, partner_id=partner.id), [partner.id])
            for partner in facts.partners
        ]
    else:
        members: dict[str, list[uuid.UUID]] = defaultdict(list)
        for partner in facts.partners:
            members[partner.type].append(partner.id)
        groups = [(CoverageGroup(name=kind, partner_type=kind), members[kind]) for kind in sorted(members)]
    rows = []
    for competence in facts.competences:
        per_partner = counted.holders[competence.key]
        cells = [
            CoverageCell(
                group=group,
                professionals=_sum(counted.professionals[partner_id] for partner_id in partner_ids),
                with_competence=_sum(per_partner[partner_id] for partner_id in partner_ids),
            )
            for group, partner_ids in groups
        ]
        total = CoverageCell(group=None, professionals=counted.professionals_total, with_competence=counted.holders_total[competence.key])
        rows.append(CompetenceCoverageRow(competence=competence, total=total, groups=cells))
    professionals_per_group = [
        GroupProfessionals(group=group, professionals=_sum(counted.professionals[partner_id] for partner_id in partner_ids)) for group, partner_ids in groups
    ]
    return Coverage(
        at=day,
        group_by=group_by,
        threshold=facts.threshold,
        groups=professionals_per_group,
        total=counted.professionals_total,
        competences=rows,
    )


def _group_by(value: str | None) -> str:
    if value is None:
        return BY_PARTNER
    if value not in GROUPINGS:
        raise ValidationFailed(f"Kies een van: {', '.join(GROUPINGS)}.", field="groupBy")
    return value


def _day(value: dt.date | None) -> dt.date:
    today = local_today()
    if value is None:
        return today
    if value > today:
        raise ValidationFailed("De dekking is er tot en met vandaag, niet in de toekomst.", field="at")
    return value


async def coverage(work: Work, *, at: dt.date | None = None, group_by: str | None = None) -> Coverage:
    """Per organisation or partner type and active competence: professionals, holders at
    the end of `at` (default today) and the share, small cells suppressed."""
    day, grouping = _day(at), _group_by(group_by)
    facts = await _facts(work)
    return _coverage(facts, day, grouping, _professionals_per_partner(facts))


async def coverage_trend(work: Work, *, group_by: str | None = None, quarters: int = 4) -> CoverageTrend:
    """The coverage at the end of each of the last `quarters` quarters (the one under way:
    today), over today's professionals."""
    grouping = _group_by(group_by)
    if not 1 <= quarters <= MAX_QUARTERS:
        raise ValidationFailed(f"Kies 1 tot en met {MAX_QUARTERS} kwartalen.", field="quarters")
    facts = await _facts(work)
    professionals = _professionals_per_partner(facts)
    return CoverageTrend(
        group_by=grouping,
        threshold=facts.threshold,
        quarters=[
            QuarterCoverage(quarter=quarter, coverage=_coverage(facts, quarter.at, grouping, professionals))
            for quarter in last_quarters(local_today(), quarters)
        ],
    )


def _largest_gap_first(cells: Iterable[CoverageCell]) -> list[CoverageCell]:
    """Known gaps by the number without it (then the lowest share), then those with hidden
    numbers by name: sorting by a hidden number would hint at it."""
    found = [cell for cell in cells if cell.has_gap]
    known = [cell for cell in found if cell.without.value is not None]
    hidden = [cell for cell in found if cell.without.value is None]
    known.sort(key=lambda cell: (-(cell.without.value or 0), cell.share if cell.share is not None else 0.0, cell.group.name if cell.group else ""))
    hidden.sort(key=lambda cell: cell.group.name if cell.group else "")
    return known + hidden


async def gaps(work: Work, *, at: dt.date | None = None) -> Gaps:
    """Per active competence the organisations and partner types where not every
    professional holds it, the largest gap first."""
    day = _day(at)
    facts = await _facts(work)
    professionals = _professionals_per_partner(facts)
    by_partner = _coverage(facts, day, BY_PARTNER, professionals)
    by_type = _coverage(facts, day, BY_PARTNER_TYPE, professionals)
    return Gaps(
        at=day,
        threshold=facts.threshold,
        competences=[
            CompetenceGaps(competence=partner_row.competence, partners=_largest_gap_first(partner_row.groups), partner_types=_largest_gap_first(type_row.groups))
            for partner_row, type_row in zip(by_partner.competences, by_type.competences, strict=True)
        ],
    )


async def coalition_coverage(work: Work, quarters: Collection[Quarter]) -> tuple[int, list[tuple[Quarter, list[CompetenceCoverageRow]]]]:
    """For the figures: per quarter and active competence the coalition's professionals and
    holders (the totals of the same disclosed lists as the coverage per organisation)."""
    facts = await _facts(work)
    professionals = _professionals_per_partner(facts)
    return facts.threshold, [(quarter, _coverage(facts, quarter.at, BY_PARTNER, professionals).competences) for quarter in quarters]
