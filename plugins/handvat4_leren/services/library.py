"""The practice library every coalition shares: an example's life cycle, its versions,
review, withdrawal, adoption into the plan van aanpak and experience notes.

* An example (`PracticeExample`, shared) holds the metadata and the workflow state; its
  content is in versions (`PracticeVersion`, shared). A draft version is never published, so
  no other coalition reads it, not through the API and not on the database layer (the
  shared shape's ORM filter and row-level security); the version every coalition reads is
  the `current` one, published.
* Every step goes through `apply_transition` (PRACTICE_EXAMPLE_WORKFLOW): concept →
  ter_beoordeling (indienen) → gepubliceerd (publiceren, by another member than who wrote or
  submitted the version: `OWN_REVIEW`) or back to concept (terugsturen, with a reason). A
  published example is updated by starting a new version (bijwerken): the others keep
  reading the published one until the new one is published. Withdrawing (intrekken) hides
  the example and every version of it from the other coalitions; reopening (heropenen)
  starts a new version from the last.
* Writing another coalition's example: a published one answers `NOT_OWNER` (the caller can
  see it, it is just not theirs), an unpublished one `NOT_FOUND` (the caller cannot know it
  exists), on `input.id`, for every mutation alike.
* Concurrent steps on one example (two reviewers publishing at once, publishing while the
  coalition withdraws): the example row is locked (FOR UPDATE) and its state compared with
  the state the request first read; the request that finds it changed is refused
  (`CONFLICT`), so exactly one wins.
* Adopting (any coalition, a published example) records an `Adoption` (shared, published,
  once per coalition: `ALREADY_ADOPTED`, also for a double submit) and proposes an action
  for the plan van aanpak through the `add_plan_action` hook (handvat 1, without importing
  it); where no module keeps a plan the adoption is recorded without an action.

Nothing here is personal data: examples describe a coalition's work. Free text is checked
for what would identify a family (`IDENTIFYING_DATA`), except the contact field (the
coalition's own contact details, an address or phone number of an organisation) and the
links (source and intervention URLs)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.plugin import (
    Conflict,
    Connection,
    DomainError,
    Forbidden,
    HistoryEntry,
    NotFound,
    NotOwner,
    PlanActionProposal,
    ValidationFailed,
    Work,
    WorkflowSubject,
    apply_transition,
    dutch_stems,
    paginate,
    parse_id,
    publish_event,
    camel,
    refuse_identifying,
    refuse_identifying_in,
    utcnow,
    validate,
    workflow_history,
)
from plugins.handvat4_leren import MODULE_KEY
from plugins.handvat4_leren.domain import Erkenningsniveau, GemeenteSize, InterventionDatabase, TargetGroup, Theme
from plugins.handvat4_leren.events import EVENT_EXAMPLE_ADOPTED, EVENT_EXAMPLE_PUBLISHED, EVENT_EXAMPLE_WITHDRAWN
from plugins.handvat4_leren.models import Adoption, ExperienceNote, PracticeExample, PracticeVersion
from plugins.handvat4_leren.workflows import PRACTICE_EXAMPLE_WORKFLOW, ExampleState, ExampleTransition

# -- errors a caller can act on ------------------------------------------------------------------


class OwnReview(Forbidden):
    """Wie de werkversie van een praktijkvoorbeeld schreef, bewerkte of indiende, beoordeelt
    haar niet zelf: een ander lid van de coalitie publiceert of stuurt terug."""

    code = "OWN_REVIEW"


class NotEditable(Conflict):
    """Het praktijkvoorbeeld is nu niet te bewerken: ter beoordeling (eerst terugsturen),
    gepubliceerd (eerst een nieuwe versie beginnen) of ingetrokken (eerst heropenen)."""

    code = "NOT_EDITABLE"


class AlreadyAdopted(Conflict):
    """De coalitie nam dit praktijkvoorbeeld al over in haar plan van aanpak."""

    code = "ALREADY_ADOPTED"


# -- the states of a version ---------------------------------------------------------------------

#: A version's state: a draft (concept, ter_beoordeling), the published one, or one a newer
#: version replaced (still published, as the history, until the example is withdrawn).
VERSION_CONCEPT = "concept"
VERSION_IN_REVIEW = "ter_beoordeling"
VERSION_PUBLISHED = "gepubliceerd"
VERSION_REPLACED = "vervangen"
VERSION_STATES = (VERSION_CONCEPT, VERSION_IN_REVIEW, VERSION_PUBLISHED, VERSION_REPLACED)

#: The free-text content of a version besides the title, in the order an example reads.
CONTENT_TEXTS = (
    "problem",
    "target_group",
    "approach",
    "partners_involved",
    "experts_role",
    "results",
    "what_worked",
    "what_did_not_work",
    "preconditions",
    "costs",
)
#: Everything a version holds that an author writes (copied into a new version).
CONTENT_FIELDS = (
    "title", *CONTENT_TEXTS, "contact", "source", "themes", "target_groups", "gemeente_size", "practice_gemeente", "interventions",
)
#: Free text checked for identifying data (the contact and the links are not: see the module docstring).
CHECKED_TEXTS = ("title", *CONTENT_TEXTS)

TEXT_MAX = 5000
MAX_INTERVENTIONS = 10
NOTE_MIN, NOTE_MAX = 10, 1000

# -- input -----------------------------------------------------------------------------------------

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_MAX)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https?://\S+$")]
Source = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
GemeenteName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _unique(values: list[Any] | None) -> list[Any] | None:
    """A list without repeats (the first of each kept), so a theme is stored once."""
    return None if values is None else list(dict.fromkeys(values))


class InterventionData(_Strict):
    """A recognised intervention the example uses, as a Dutch database lists it."""

    database: InterventionDatabase
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    url: Url | None = None
    erkenningsniveau: Erkenningsniveau

    @field_validator("url", mode="before")
    @classmethod
    def _no_empty_link(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class ExampleContent(_Strict):
    title: Title
    problem: Text = ""
    target_group: Text = ""
    approach: Text = ""
    partners_involved: Text = ""
    experts_role: Text = ""
    results: Text = ""
    what_worked: Text = ""
    what_did_not_work: Text = ""
    preconditions: Text = ""
    costs: Text = ""
    contact: Contact = ""
    source: Source = ""
    themes: Annotated[list[Theme], Field(min_length=1, max_length=len(Theme))]
    target_groups: Annotated[list[TargetGroup], Field(min_length=1, max_length=len(TargetGroup))]
    gemeente_size: GemeenteSize
    practice_gemeente: GemeenteName = ""
    interventions: Annotated[list[InterventionData], Field(max_length=MAX_INTERVENTIONS)] = []

    @field_validator("themes", "target_groups")
    @classmethod
    def _once_each(cls, values: list[Any]) -> list[Any] | None:
        return _unique(values)


class ExamplePatch(_Strict):
    """The fields given change; those left out stay."""

    title: Title | None = None
    problem: Text | None = None
    target_group: Text | None = None
    approach: Text | None = None
    partners_involved: Text | None = None
    experts_role: Text | None = None
    results: Text | None = None
    what_worked: Text | None = None
    what_did_not_work: Text | None = None
    preconditions: Text | None = None
    costs: Text | None = None
    contact: Contact | None = None
    source: Source | None = None
    themes: Annotated[list[Theme], Field(min_length=1, max_length=len(Theme))] | None = None
    target_groups: Annotated[list[TargetGroup], Field(min_length=1, max_length=len(TargetGroup))] | None = None
    gemeente_size: GemeenteSize | None = None
    practice_gemeente: GemeenteName | None = None
    interventions: Annotated[list[InterventionData], Field(max_length=MAX_INTERVENTIONS)] | None = None

    @field_validator("themes", "target_groups")
    @classmethod
    def _once_each(cls, values: list[Any] | None) -> list[Any] | None:
        return _unique(values)


class AdoptInput(_Strict):
    example_id: uuid.UUID
    goal_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    deadline: dt.date | None = None


class NoteInput(_Strict):
    example_id: uuid.UUID
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=NOTE_MIN, max_length=NOTE_MAX)]


def _refuse_identifying(fields: BaseModel) -> None:
    """IDENTIFYING_DATA on the first free-text field (or intervention name) given that holds
    what would identify a person."""
    refuse_identifying_in(fields, CHECKED_TEXTS)
    for index, intervention in enumerate(getattr(fields, "interventions", None) or ()):
        refuse_identifying(intervention.name, f"input.interventions.{index}.name")


def _stored(name: str, value: Any) -> Any:
    """A validated field as the column stores it (enums as their values, interventions as dicts)."""
    if name in ("themes", "target_groups"):
        return [str(item) for item in value]
    if name == "gemeente_size":
        return str(value)
    if name == "interventions":
        return [
            {"database": str(item.database), "name": item.name, "url": item.url or None, "erkenningsniveau": str(item.erkenningsniveau)}
            for item in value
        ]
    return value


def index_text(version: PracticeVersion) -> None:
    """What the full-text search sees: `search_text` (every content field but the title,
    with the interventions' names) for PostgreSQL's index, and the Dutch stems of the title
    and that text for SQLite's FTS5 table. Set on every write of a version."""
    parts = [getattr(version, name) for name in CONTENT_TEXTS]
    parts += [version.practice_gemeente, version.contact, version.source, *(item.get("name", "") for item in version.interventions)]
    version.search_text = "\n".join(part for part in parts if part)
    version.stemmed = " ".join(dutch_stems(f"{version.title} {version.search_text}"))


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleView:
    """An example as the asking coalition may see it. The own coalition sees its state, the
    working version, the steps it may take and the history; another coalition only the
    published version (`state`, `working_version_id` and `withdrawn_at` are None there)."""

    example: PracticeExample
    own: bool
    state: str | None
    working_version_id: uuid.UUID | None
    withdrawn_at: dt.datetime | None
    allowed_transitions: tuple[str, ...]
    #: The current version when the query that found the example read it along.
    current: PracticeVersion | None = None


def view_of(work: Work, example: PracticeExample, current: PracticeVersion | None = None) -> ExampleView:
    own = example.owner_tenant_id == work.tenant.id
    allowed: tuple[str, ...] = ()
    if own:
        allowed = tuple(
            str(transition.name)
            for transition in PRACTICE_EXAMPLE_WORKFLOW.allowed_from(example.state)
            if work.principal.has(transition.permission)
        )
    return ExampleView(
        example=example,
        own=own,
        state=example.state if own else None,
        working_version_id=example.working_version_id if own else None,
        withdrawn_at=example.withdrawn_at if own else None,
        allowed_transitions=allowed,
        current=current,
    )


async def read_example(work: Work, example_id: Any) -> ExampleView:
    """A published example of any coalition, or any example of the own coalition (the shared
    shape's filter: published or own); NOT_FOUND otherwise."""
    identifier = parse_id(example_id, "id")
    example = (await work.session.execute(select(PracticeExample).where(PracticeExample.id == identifier))).scalar_one_or_none()
    if example is None:
        raise NotFound("Er is geen praktijkvoorbeeld met deze id.", field="id")
    return view_of(work, example)


async def own_examples_page(
    work: Work,
    *,
    state: str | None,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[ExampleView]], Awaitable[list[Any]]],
) -> Connection[Any]:
    """The coalition's own examples, drafts and withdrawn ones included, newest first."""
    statement = select(PracticeExample).where(PracticeExample.owner_tenant_id == work.tenant.id)
    if state is not None:
        statement = statement.where(PracticeExample.state == state)

    async def views(rows: list[PracticeExample]) -> list[Any]:
        return await to_nodes([view_of(work, row) for row in rows])

    return await paginate(
        work.session,
        statement,
        order_by=(PracticeExample.created_at, PracticeExample.id),
        descending=True,
        first=first,
        after=after,
        max_page_size=work.settings.graphql_max_page_size,
        to_nodes=views,
    )


async def versions_by_id(session: Any, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, PracticeVersion]:
    """Batch read of versions; another coalition's draft is not found (the shared shape)."""
    rows = (await session.execute(select(PracticeVersion).where(PracticeVersion.id.in_(list(ids))))).scalars()
    return {row.id: row for row in rows}


async def versions_by_example(session: Any, example_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[PracticeVersion]]:
    """Batch read: each example's versions, newest first. The shared shape decides which:
    the own coalition's examples with every version, drafts included; another coalition's
    with the published ones only (its history, until it is withdrawn)."""
    statement = select(PracticeVersion).where(PracticeVersion.example_id.in_(list(example_ids)))
    grouped: dict[uuid.UUID, list[PracticeVersion]] = {example_id: [] for example_id in example_ids}
    for row in (await session.execute(statement.order_by(PracticeVersion.number.desc()))).scalars():
        grouped[row.example_id].append(row)
    return grouped


async def history_by_example(session: Any, example_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[HistoryEntry]]:
    """Batch read: each example's workflow steps, oldest first. The history is the
    coalition's own (tenant data): another coalition's example has none here."""
    return await workflow_history(session, PRACTICE_EXAMPLE_WORKFLOW, example_ids)


async def adoptions_by_example(session: Any, example_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Adoption]]:
    """Batch read: every coalition's adoptions of each example, newest first."""
    statement = select(Adoption).where(Adoption.example_id.in_(list(example_ids))).order_by(Adoption.adopted_at.desc(), Adoption.id)
    grouped: dict[uuid.UUID, list[Adoption]] = {example_id: [] for example_id in example_ids}
    for row in (await session.execute(statement)).scalars():
        grouped[row.example_id].append(row)
    return grouped


async def notes_by_example(session: Any, example_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[ExperienceNote]]:
    """Batch read: every coalition's experience notes on each example, newest first."""
    statement = (
        select(ExperienceNote).where(ExperienceNote.example_id.in_(list(example_ids))).order_by(ExperienceNote.created_at.desc(), ExperienceNote.id)
    )
    grouped: dict[uuid.UUID, list[ExperienceNote]] = {example_id: [] for example_id in example_ids}
    for row in (await session.execute(statement)).scalars():
        grouped[row.example_id].append(row)
    return grouped


@dataclass(frozen=True)
class AdoptionView:
    """An adoption as a coalition sees it: the action in the plan only for its own."""

    adoption: Adoption
    ours: bool
    plan_action_id: uuid.UUID | None


def adoptions_as_seen(work: Work, rows: Iterable[Adoption]) -> list[AdoptionView]:
    views = []
    for row in rows:
        ours = row.owner_tenant_id == work.tenant.id
        views.append(AdoptionView(adoption=row, ours=ours, plan_action_id=row.plan_action_id if ours else None))
    return views


def is_ours(work: Work, row: ExperienceNote | Adoption) -> bool:
    return row.owner_tenant_id == work.tenant.id


# -- writing: the own coalition's example, locked --------------------------------------------------


async def _own_example(work: Work, example_id: Any, field: str = "input.id") -> PracticeExample:
    """The own coalition's example, locked for this transaction.

    Another coalition's published example answers NOT_OWNER, an unpublished one (or an id
    nobody has) NOT_FOUND. The state is read before the lock and compared after it: a
    request that waited for another's step on the same example finds it changed and is
    refused with CONFLICT rather than taking its step on a state it did not see."""
    identifier = parse_id(example_id, field)
    session = work.session
    seen = (await session.execute(select(PracticeExample).where(PracticeExample.id == identifier))).scalar_one_or_none()
    if seen is None:
        raise NotFound("Er is geen praktijkvoorbeeld met deze id.", field=field)
    if seen.owner_tenant_id != work.tenant.id:
        raise NotOwner("PracticeExample of another coalition", field=field)
    state = seen.state
    locked = (
        await session.execute(
            select(PracticeExample).where(PracticeExample.id == identifier).with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one()
    if locked.state != state:
        raise Conflict(
            f"Dit praktijkvoorbeeld is intussen door iemand anders gewijzigd (nu: {locked.state}). Haal het opnieuw op.", field=field
        )
    return locked


async def _version(session: Any, version_id: uuid.UUID | None) -> PracticeVersion | None:
    if version_id is None:
        return None
    return (await session.execute(select(PracticeVersion).where(PracticeVersion.id == version_id))).scalar_one_or_none()


async def _step(work: Work, example: PracticeExample, transition: ExampleTransition, reason: str | None = None) -> None:
    """Take a workflow step on the example through core (whitelist, permission, reason,
    guards, history); its `field` names the input."""
    subject = WorkflowSubject(
        id=example.id, state=example.state, attributes={"versions": example.versions, "published": bool(example.published)}
    )
    try:
        await apply_transition(work, PRACTICE_EXAMPLE_WORKFLOW, subject, transition, reason=reason, record=example)
    except DomainError as error:
        if error.field in ("transition", "reason"):
            error.field = "input.id" if error.field == "transition" else "input.reason"
        raise


def _new_version(work: Work, example: PracticeExample, number: int, content: Mapping[str, Any]) -> PracticeVersion:
    version = PracticeVersion(
        example_id=example.id,
        number=number,
        state=VERSION_CONCEPT,
        current=False,
        published=False,
        written_by=work.actor,
        author_membership_id=work.principal.membership_id,
        **content,
    )
    index_text(version)
    work.session.add(version)
    return version


def _copy_of(version: PracticeVersion) -> dict[str, Any]:
    content = {name: getattr(version, name) for name in CONTENT_FIELDS}
    content["themes"], content["target_groups"] = list(version.themes), list(version.target_groups)
    content["interventions"] = [dict(item) for item in version.interventions]
    return content


async def create_example(work: Work, data: dict[str, Any]) -> ExampleView:
    """A new example of the coalition: a concept with its first version (unpublished)."""
    fields = validate(ExampleContent, data, prefix="input")
    _refuse_identifying(fields)
    example = PracticeExample(state=PRACTICE_EXAMPLE_WORKFLOW.initial, gemeente_name=work.tenant.name, created_by=work.actor, versions=1)
    work.session.add(example)
    await work.session.flush()
    version = _new_version(work, example, 1, {name: _stored(name, getattr(fields, name)) for name in CONTENT_FIELDS})
    await work.session.flush()
    example.working_version_id = version.id
    await work.session.flush()
    return view_of(work, example)


async def update_example(work: Work, example_id: Any, data: dict[str, Any]) -> ExampleView:
    """Change the working version while the example is a concept."""
    for name, value in data.items():
        if value is None:
            raise ValidationFailed("Dit veld kan niet leeg zijn; laat het weg om het niet te wijzigen.", field=f"input.{camel(name)}")
    fields = validate(ExamplePatch, data, prefix="input")
    _refuse_identifying(fields)
    example = await _own_example(work, example_id)
    if example.state != ExampleState.CONCEPT:
        how = {
            ExampleState.TER_BEOORDELING: "het ligt ter beoordeling; laat het eerst terugsturen",
            ExampleState.GEPUBLICEERD: "het is gepubliceerd; begin eerst een nieuwe versie (startPracticeExampleUpdate)",
            ExampleState.INGETROKKEN: "het is ingetrokken; heropen het eerst",
        }[ExampleState(example.state)]
        raise NotEditable(f"Dit praktijkvoorbeeld is nu niet te bewerken: {how}.", field="input.id")
    version = await _version(work.session, example.working_version_id)
    assert version is not None, "a concept has a working version"
    for name in data:
        setattr(version, name, _stored(name, getattr(fields, name)))
    editor = work.principal.membership_id
    if editor is not None and editor != version.author_membership_id and str(editor) not in version.editor_membership_ids:
        version.editor_membership_ids = [*version.editor_membership_ids, str(editor)]
    index_text(version)
    version.updated_at = utcnow()
    await work.session.flush()
    return view_of(work, example)


async def start_update(work: Work, example_id: Any) -> ExampleView:
    """bijwerken: a new working version, a copy of the published one, as a concept; the
    other coalitions keep reading the published version."""
    example = await _own_example(work, example_id)
    await _step(work, example, ExampleTransition.BIJWERKEN)
    current = await _version(work.session, example.current_version_id)
    assert current is not None, "a published example has a current version"
    example.versions += 1
    version = _new_version(work, example, example.versions, _copy_of(current))
    await work.session.flush()
    example.working_version_id = version.id
    await work.session.flush()
    return view_of(work, example)


async def submit(work: Work, example_id: Any) -> ExampleView:
    """indienen: the working version goes to review; who submits it cannot review it."""
    example = await _own_example(work, example_id)
    await _step(work, example, ExampleTransition.INDIENEN)
    version = await _version(work.session, example.working_version_id)
    assert version is not None, "a concept has a working version"
    version.state = VERSION_IN_REVIEW
    version.submitted_by_membership_id = work.principal.membership_id
    version.updated_at = utcnow()
    await work.session.flush()
    return view_of(work, example)


async def _reviewed_version(work: Work, example: PracticeExample) -> PracticeVersion | None:
    """The version under review, after checking that the reviewer neither wrote, edited nor
    submitted it (an API client without a membership: not its writer). None when the example
    is not in review (the step then refuses itself)."""
    if example.state != ExampleState.TER_BEOORDELING:
        return None
    version = await _version(work.session, example.working_version_id)
    assert version is not None, "an example in review has a working version"
    reviewer = work.principal.membership_id
    own = reviewer is not None and (
        reviewer in (version.author_membership_id, version.submitted_by_membership_id) or str(reviewer) in version.editor_membership_ids
    )
    if own or (reviewer is None and version.written_by == work.actor):
        raise OwnReview(
            "U schreef, bewerkte of diende deze versie zelf in: een ander lid van de coalitie beoordeelt haar.", field="input.id"
        )
    return version


async def publish(work: Work, example_id: Any) -> ExampleView:
    """publiceren: the version under review becomes the one every coalition reads; the
    previous one stays in the history (replaced)."""
    example = await _own_example(work, example_id)
    version = await _reviewed_version(work, example)
    await _step(work, example, ExampleTransition.PUBLICEREN)
    assert version is not None
    previous = await _version(work.session, example.current_version_id)
    moment = example.published_at  # set by the step (`sets`)
    if previous is not None:
        previous.current = False
        previous.state = VERSION_REPLACED
    version.state, version.current, version.published = VERSION_PUBLISHED, True, True
    version.published_at, version.reviewed_by, version.updated_at = moment, work.actor, moment
    example.published = True
    example.current_version_id, example.working_version_id = version.id, None
    await work.session.flush()
    publish_event(work.session, EVENT_EXAMPLE_PUBLISHED, {"example_id": str(example.id), "version": version.number}, actor=work.actor)
    return view_of(work, example)


async def send_back(work: Work, example_id: Any, reason: str | None) -> ExampleView:
    """terugsturen: the version under review goes back to its writers, with what must be better."""
    example = await _own_example(work, example_id)
    version = await _reviewed_version(work, example)
    await _step(work, example, ExampleTransition.TERUGSTUREN, reason=(reason or "").strip() or None)
    assert version is not None
    version.state = VERSION_CONCEPT
    version.updated_at = utcnow()
    await work.session.flush()
    return view_of(work, example)


async def withdraw(work: Work, example_id: Any, reason: str | None) -> ExampleView:
    """intrekken: no other coalition reads the example or any version of it any more.
    Adoptions and experience notes of other coalitions stay (theirs)."""
    example = await _own_example(work, example_id)
    await _step(work, example, ExampleTransition.INTREKKEN, reason=(reason or "").strip() or None)
    example.published = False
    for version in await _versions_of(work, example.id):
        version.published = False
    await work.session.flush()
    publish_event(work.session, EVENT_EXAMPLE_WITHDRAWN, {"example_id": str(example.id)}, actor=work.actor)
    return view_of(work, example)


async def _versions_of(work: Work, example_id: uuid.UUID) -> list[PracticeVersion]:
    """Every version of the own coalition's example, oldest first."""
    statement = select(PracticeVersion).where(PracticeVersion.example_id == example_id).order_by(PracticeVersion.number)
    return list((await work.session.execute(statement)).scalars())


async def reopen(work: Work, example_id: Any) -> ExampleView:
    """heropenen: a withdrawn example becomes a concept again, with a new working version
    copied from its last version (a draft left when it was withdrawn is replaced by it)."""
    example = await _own_example(work, example_id)
    await _step(work, example, ExampleTransition.HEROPENEN)
    versions = await _versions_of(work, example.id)
    last = versions[-1]
    for version in versions:
        if version.state in (VERSION_CONCEPT, VERSION_IN_REVIEW):
            version.state = VERSION_REPLACED
    example.versions = last.number + 1
    version = _new_version(work, example, example.versions, _copy_of(last))
    example.withdrawn_at = None
    await work.session.flush()
    example.working_version_id = version.id
    await work.session.flush()
    return view_of(work, example)


# -- what other coalitions do with a published example ---------------------------------------------


async def _published_example(work: Work, example_id: uuid.UUID) -> PracticeExample:
    example = (
        await work.session.execute(select(PracticeExample).where(PracticeExample.id == example_id, PracticeExample.published.is_(True)))
    ).scalar_one_or_none()
    if example is None:
        raise NotFound("Er is geen gepubliceerd praktijkvoorbeeld met deze id.", field="input.exampleId")
    return example


#: The hook's proposal attributes, as the adopt input names them.
PROPOSAL_INPUT_FIELDS = {"partner_id": "input.partnerId", "goal_id": "input.goalId", "deadline": "input.deadline"}


@dataclass(frozen=True)
class Adopted:
    adoption: AdoptionView
    example: ExampleView
    plan_action_id: uuid.UUID | None


async def adopt(work: Work, data: dict[str, Any]) -> Adopted:
    """Adopt a published example (of any coalition) into the own plan van aanpak: record the
    adoption (once per coalition) and propose an action through the `add_plan_action` hook.
    Handvat 1 refuses a proposal without a partner or with an unknown goal or partner, or a
    deadline in the past (its errors name the input's fields here); without a module that
    keeps the plan, the adoption is recorded with no action."""
    fields = validate(AdoptInput, data, prefix="input")
    session = work.session
    example = await _published_example(work, fields.example_id)
    current = await _version(session, example.current_version_id)
    assert current is not None, "a published example has a current version"
    mine = select(Adoption.id).where(Adoption.example_id == example.id, Adoption.owner_tenant_id == work.tenant.id)
    if (await session.execute(mine)).first() is not None:
        raise AlreadyAdopted("De coalitie nam dit praktijkvoorbeeld al over.", field="input.exampleId")
    adoption = Adoption(
        example_id=example.id, version_number=current.number, gemeente_name=work.tenant.name, adopted_by=work.actor, published=True
    )
    session.add(adoption)
    try:
        # Written before the plan is asked: a double submit waits here for the first and
        # is refused, without proposing the action twice.
        await session.flush()
    except IntegrityError:
        raise AlreadyAdopted("De coalitie nam dit praktijkvoorbeeld al over.", field="input.exampleId") from None
    proposal = PlanActionProposal(
        title=f"Praktijkvoorbeeld overnemen: {current.title}",
        description=(
            f"Overgenomen uit de landelijke praktijkbibliotheek: het praktijkvoorbeeld van {example.gemeente_name} "
            f"(versie {current.number}).\n\n{current.approach}"
        ).strip()[:TEXT_MAX],
        reference=f"{MODULE_KEY}.practice_example:{example.id}",
        partner_id=fields.partner_id,
        goal_id=fields.goal_id,
        deadline=fields.deadline,
    )
    try:
        plan_action_id = await work.hooks.add_plan_action(proposal=proposal, session=session, actor=work.actor)
    except DomainError as error:
        error.field = PROPOSAL_INPUT_FIELDS.get(error.field or "", error.field)
        raise
    adoption.plan_action_id = plan_action_id
    await session.flush()
    publish_event(
        session,
        EVENT_EXAMPLE_ADOPTED,
        {"example_id": str(example.id), "adoption_id": str(adoption.id), "plan_action_id": str(plan_action_id) if plan_action_id else None},
        actor=work.actor,
    )
    return Adopted(
        adoption=AdoptionView(adoption=adoption, ours=True, plan_action_id=plan_action_id), example=view_of(work, example), plan_action_id=plan_action_id
    )


async def add_note(work: Work, data: dict[str, Any]) -> tuple[ExperienceNote, ExampleView]:
    """A short experience note ("we tried this, and…") on a published example of any
    coalition, read by every coalition at once."""
    fields = validate(NoteInput, data, prefix="input")
    refuse_identifying(fields.text, "input.text")
    example = await _published_example(work, fields.example_id)
    note = ExperienceNote(example_id=example.id, text=fields.text, gemeente_name=work.tenant.name, written_by=work.actor, published=True)
    work.session.add(note)
    await work.session.flush()
    return note, view_of(work, example)
