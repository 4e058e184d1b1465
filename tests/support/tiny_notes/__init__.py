"""A tiny module defined in the tests, registered through the same hooks as a real one.

It implements every hookspec, so the tests can show each hook working. The calls it
receives are recorded in `CALLS` for the tests to inspect.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import strawberry
import typer
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from strawberry.types import Info

from core.plugin import (
    COALITION_ADMIN,
    PROFESSIONAL,
    TENANT_ROLES,
    EventType,
    GraphQLContribution,
    JobScope,
    ModuleMeta,
    NotFound,
    Permission,
    ProcessingActivity,
    ScheduledJob,
    Transition,
    ValidationFailed,
    WorkflowDefinition,
    WorkflowSubject,
    apply_transition,
    container,
    field,
    hookimpl,
    mutation,
    parse_id,
    publish_event,
    record_processing,
    run_command,
    readable_with,
)

from .models import TinyNote

KEY = "tiny_notes"
ACTIVITY = f"{KEY}.notes"
CALLS: dict[str, list[Any]] = defaultdict(list)

NOTE_WORKFLOW = WorkflowDefinition(
    key=f"{KEY}.note",
    states=("draft", "published", "archived"),
    initial="draft",
    transitions=(
        Transition("publish", ("draft",), "published", f"{KEY}.note.write"),
        Transition("archive", ("draft", "published"), "archived", f"{KEY}.note.write", requires_reason=True),
    ),
)


class TinyConfig(BaseModel):
    greeting: str = Field(default="Hallo", min_length=1, max_length=40)
    max_notes: int = Field(default=10, ge=1, le=100)


@readable_with(f"{KEY}.note.read")
@strawberry.type
class TinyNoteNode:
    id: strawberry.ID
    text: str
    state: str

    @classmethod
    def from_row(cls, row: TinyNote) -> TinyNoteNode:
        return cls(id=strawberry.ID(str(row.id)), text=row.text, state=row.state)


@strawberry.type
class TinyQuery:
    @field(permission=f"{KEY}.note.read")
    async def tiny_notes(self, info: Info) -> list[TinyNoteNode]:
        rows = list((await info.context.session.execute(select(TinyNote).order_by(TinyNote.text))).scalars())
        record_processing(info.context, ACTIVITY, "tinyNotes", [row.id for row in rows], "read")
        return [TinyNoteNode.from_row(row) for row in rows]

    @field(permission=f"{KEY}.note.read")
    async def tiny_greeting(self, info: Info) -> str:
        config = await info.context.module_config(KEY)
        return config.greeting


@strawberry.input
class AddTinyNoteInput:
    text: str


@strawberry.input
class MoveTinyNoteInput:
    id: strawberry.ID
    transition: str
    reason: str | None = None


@container
@strawberry.type
class TinyNotePayload:
    note: TinyNoteNode


#: How often each "deadlock-N" text was written (retry tests).
DEADLOCKS: Counter[str] = Counter()


def _deadlock() -> Exception:
    from sqlalchemy.exc import OperationalError

    class DeadlockDetected(Exception):
        sqlstate = "40P01"

    return OperationalError("INSERT INTO tiny_notes ...", {}, DeadlockDetected("deadlock detected"))


@strawberry.type
class TinyMutation:
    @mutation(permission=f"{KEY}.note.write")
    async def add_tiny_note(self, info: Info, input: AddTinyNoteInput) -> TinyNotePayload:
        session = info.context.session
        text = input.text.strip()
        if not text:
            raise ValidationFailed("Tekst is verplicht.", field="input.text")
        note = TinyNote(text=text)
        session.add(note)
        await session.flush()
        record_processing(info.context, ACTIVITY, "addTinyNote", [note.id], "created")
        count = (await session.execute(select(func.count()).select_from(TinyNote))).scalar_one()
        publish_event(session, f"{KEY}.note.added", {"note_id": str(note.id)}, actor=info.context.actor)
        if text == "fail-after-write":
            raise ValidationFailed("Mislukt na het schrijven.", field="input.text", written=count)
        if text.startswith("deadlock-"):  # "deadlock-N": the database reports a deadlock N times (retry tests)
            DEADLOCKS[text] += 1
            if DEADLOCKS[text] <= int(text.removeprefix("deadlock-")):
                raise _deadlock()
        return TinyNotePayload(note=TinyNoteNode.from_row(note))

    @mutation(permission=f"{KEY}.note.write")
    async def move_tiny_note(self, info: Info, input: MoveTinyNoteInput) -> TinyNotePayload:
        session = info.context.session
        note = (await session.execute(select(TinyNote).where(TinyNote.id == parse_id(input.id, "input.id")))).scalar_one_or_none()
        if note is None:
            raise NotFound("Notitie bestaat niet.", field="input.id")
        subject = WorkflowSubject(id=note.id, state=note.state, attributes={"length": len(note.text)})
        note.state = await apply_transition(info.context, NOTE_WORKFLOW, subject, input.transition, reason=input.reason)
        await session.flush()
        return TinyNotePayload(note=TinyNoteNode.from_row(note))


@hookimpl
def module_meta() -> ModuleMeta:
    return ModuleMeta(key=KEY, name="Tiny notes", description="Test module.", category="test", plugin_api=">=1.0")


@hookimpl
def register_models() -> list[type]:
    return [TinyNote]


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).parent / "migrations" / "versions")


@hookimpl
def register_graphql() -> GraphQLContribution:
    return GraphQLContribution(query=(TinyQuery,), mutation=(TinyMutation,))


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(f"{KEY}.note.read", "Notities lezen.", TENANT_ROLES),
        Permission(f"{KEY}.note.write", "Notities schrijven.", (COALITION_ADMIN, PROFESSIONAL)),
    ]


@hookimpl
def register_workflows() -> list[WorkflowDefinition]:
    return [NOTE_WORKFLOW]


@hookimpl
def register_event_types() -> list[EventType]:
    return [EventType(f"{KEY}.note.added", "Een notitie is toegevoegd.")]


async def archive_drafts(work: Any, now: Any) -> int:
    """The tiny module's scheduled job: archive every draft note (idempotent)."""
    CALLS["register_scheduled_jobs"].append((work.tenant.slug, now))
    drafts = list((await work.session.execute(select(TinyNote).where(TinyNote.state == "draft"))).scalars())
    for note in drafts:
        note.state = "archived"
    return len(drafts)


async def count_everywhere(work: Any, now: Any) -> int:
    """A platform-scoped job: runs once, in the system context, not per tenant."""
    CALLS["platform_job"].append((type(work).__name__, now))
    return 1


@hookimpl
def register_scheduled_jobs() -> list[ScheduledJob]:
    return [
        ScheduledJob(f"{KEY}.archive_drafts", "Archiveert conceptnotities.", 3600, archive_drafts),
        ScheduledJob(f"{KEY}.count_everywhere", "Eén keer voor het hele platform.", 3600, count_everywhere, scope=JobScope.PLATFORM),
    ]


commands = typer.Typer(help="Tiny notes.", no_args_is_help=True)


@commands.command("count")
def count_notes(tenant: str = typer.Option(..., "--tenant", help="Tenant slug.")) -> None:
    """How many notes a gemeente has."""

    async def count(work: Any) -> int:
        return len((await work.session.execute(select(TinyNote.id))).all())

    typer.echo(f"{run_command(count, tenant=tenant, module=KEY)} notes")


@hookimpl
def register_cli_commands() -> typer.Typer:
    return commands


@hookimpl
def register_processing_activities() -> list[ProcessingActivity]:
    # In these tests a note stands for a family record: personal data of one data subject.
    return [ProcessingActivity(ACTIVITY, "Notities", "Testdoel.", "Test: AVG art. 6 lid 1 sub e.", ("notitie",), "1 jaar")]


@hookimpl
def module_config_model() -> type[BaseModel]:
    return TinyConfig


@hookimpl
def module_enabled(tenant: Any, session: Any, config: Any, actor: Any) -> None:
    CALLS["module_enabled"].append((tenant.slug, config, actor))


@hookimpl
async def module_disabled(tenant: Any, session: Any, actor: Any) -> None:
    CALLS["module_disabled"].append((tenant.slug, actor))


@hookimpl
async def on_domain_event(event: Any, session: Any) -> None:
    CALLS["on_domain_event"].append(event)
    if event.payload.get("explode"):
        raise RuntimeError("subscriber failure (test)")
    # Fails its first `fail_times` deliveries of this event, then succeeds (retry tests).
    fail_times = int(event.payload.get("fail_times", 0))
    if sum(1 for seen in CALLS["on_domain_event"] if seen.id == event.id) <= fail_times:
        raise RuntimeError("subscriber failure (test)")
    if event.payload.get("long_error"):
        raise ValueError("x" * 1000 + "\nsecond line with a value")
    if event.payload.get("write_note"):  # its work and its delivery are committed together
        session.add(TinyNote(text=str(event.payload["write_note"])))


@hookimpl
def workflow_guard(workflow: Any, transition: Any, subject: Any, session: Any, actor: Any) -> str | None:
    CALLS["workflow_guard"].append((workflow.key, transition.name, subject.state))
    if transition.name == "publish" and subject.attributes.get("length", 0) > 100:
        return "Te lang om te publiceren."
    # As a third-party module would guard another module's workflow: here, handvat 2's referrals.
    if workflow.key == "handvat2_signaleren.referral" and transition.name == "versturen" and "overig" in subject.attributes.get("support", ()):
        return "Een verwijzing voor 'overig' vraagt eerst overleg met de coalitie."
    return None


@hookimpl
def workflow_transitioned(workflow: Any, transition: Any, subject: Any, session: Any, actor: Any) -> None:
    CALLS["workflow_transitioned"].append((workflow.key, transition.name, subject.state))


@hookimpl
async def reference_exists(kind: str, id: Any, session: Any) -> bool | None:
    if kind != f"{KEY}.note":
        return None
    try:
        note_id = parse_id(id)
    except ValidationFailed:
        return False
    return (await session.execute(select(TinyNote.id).where(TinyNote.id == note_id))).first() is not None


@hookimpl
async def seed_demo_data(tenant: Any, session: Any) -> None:
    CALLS["seed_demo_data"].append(tenant.slug)
    if (await session.execute(select(func.count()).select_from(TinyNote))).scalar_one() == 0:
        session.add(TinyNote(text=f"Welkom in {tenant.name}"))
