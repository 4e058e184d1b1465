"""Declarative workflows: states, a whitelist of transitions with the permission each needs,
guards from other modules, and a history row plus a domain event per transition, all in
the caller's transaction.

A workflow is data: states and transition names may be a module's `StrEnum`s; each
`Transition` says which side takes it (`side`), which timestamp of the record it sets
(`sets`) and what the other side is told (`feedback`). `apply_transition` stores the new
state (and that timestamp) on the record itself. The history is written only here; modules
read it with `workflow_history` and clear it with `anonymise_workflow_history` and
`erase_workflow_history`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from core.db import utcnow
from core.errors import DomainError, ValidationFailed
from core.events import publish_event
from core.models import WorkflowHistory
from core.work import Work

WORKFLOW_TRANSITIONED = "core.workflow.transitioned"


@dataclass(frozen=True)
class Transition:
    """One whitelisted step: from any of `source` to `target`, by whoever holds `permission`."""

    name: str
    source: tuple[str, ...]
    target: str
    permission: str
    requires_reason: bool = False
    description: str = ""
    #: Which side takes the step, in the module's terms (e.g. "sender" / "receiver").
    side: str | None = None
    #: The attribute of the record set to the moment of the step (e.g. "sent_at").
    sets: str | None = None
    #: What the other side is told after the step (Dutch, for people), if anything.
    feedback: str | None = None


@dataclass(frozen=True)
class WorkflowDefinition:
    key: str  # "<module key>.<subject>", e.g. "handvat2_signaleren.referral"
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    description: str = ""
    #: The attribute of a record that holds its state (`apply_transition(record=...)`).
    state_field: str = "state"

    def __post_init__(self) -> None:
        if self.initial not in self.states:
            raise ValueError(f"{self.key}: initial state {self.initial!r} is not a state")
        names = [transition.name for transition in self.transitions]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.key}: transition names must be unique")
        for transition in self.transitions:
            unknown = [state for state in (*transition.source, transition.target) if state not in self.states]
            if unknown:
                raise ValueError(f"{self.key}: transition {transition.name} uses unknown states {unknown}")

    def transition(self, name: str) -> Transition | None:
        return next((transition for transition in self.transitions if transition.name == name), None)

    def allowed_from(self, state: str) -> list[Transition]:
        return [transition for transition in self.transitions if state in transition.source]

    def taken_by(self, side: str) -> tuple[Transition, ...]:
        """The transitions `side` takes."""
        return tuple(transition for transition in self.transitions if transition.side == side)

    def to_mermaid(self) -> str:
        """A Mermaid state diagram generated from the definition (for the docs)."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for transition in self.transitions:
            for source in transition.source:
                lines.append(f"    {source} --> {transition.target}: {transition.name}")
        return "\n".join(lines)


@dataclass(frozen=True)
class WorkflowSubject:
    """What a guard sees: the subject's id, its current state and module-chosen attributes
    (ids and codes, no personal details)."""

    id: uuid.UUID
    state: str
    attributes: dict[str, Any] = field(default_factory=dict)


class TransitionNotAllowed(DomainError):
    code = "TRANSITION_NOT_ALLOWED"
    http_status = 409


class TransitionRefused(DomainError):
    code = "TRANSITION_REFUSED"
    http_status = 409


async def apply_transition(
    work: Work,
    definition: WorkflowDefinition,
    subject: WorkflowSubject,
    transition_name: str,
    *,
    reason: str | None = None,
    record: Any = None,
    at: dt.datetime | None = None,
) -> str:
    """Check and record a transition; return the new state. With `record` (the subject's
    row) the new state is stored on it, and the transition's `sets` timestamp too. `at`:
    the moment of the step (default now; the demo backdates its history)."""
    if record is not None and (record.id != subject.id or getattr(record, definition.state_field) != subject.state):
        raise ValueError(f"{definition.key}: the record given is not the subject (id or state differ)")
    transition = definition.transition(transition_name)
    if transition is None or subject.state not in transition.source:
        allowed = ", ".join(t.name for t in definition.allowed_from(subject.state)) or "geen"
        raise TransitionNotAllowed(
            f"De stap '{transition_name}' is niet toegestaan vanuit '{subject.state}'. Toegestaan: {allowed}.",
            field="transition",
        )
    work.principal.require(transition.permission)
    if transition.requires_reason and not (reason and reason.strip()):
        raise ValidationFailed("Geef een reden op voor deze stap.", field="reason")
    refusals = await work.hooks.workflow_guard(workflow=definition, transition=transition, subject=subject, session=work.session, actor=work.actor)
    if refusals:
        raise TransitionRefused(refusals[0], field="transition")
    moment = at or utcnow()
    work.session.add(
        WorkflowHistory(
            workflow=definition.key,
            subject_id=subject.id,
            transition=transition.name,
            from_state=subject.state,
            to_state=transition.target,
            reason=reason,
            actor=work.actor,
            occurred_at=moment,
        )
    )
    publish_event(
        work.session,
        WORKFLOW_TRANSITIONED,
        {
            "workflow": definition.key,
            "subject_id": str(subject.id),
            "transition": str(transition.name),
            "from_state": str(subject.state),
            "to_state": str(transition.target),
        },
        actor=work.actor,
    )
    if record is not None:
        setattr(record, definition.state_field, transition.target)
        if transition.sets:
            setattr(record, transition.sets, moment)
    moved = WorkflowSubject(id=subject.id, state=transition.target, attributes=subject.attributes)
    await work.hooks.workflow_transitioned(workflow=definition, transition=transition, subject=moved, session=work.session, actor=work.actor)
    return transition.target


# -- the history, for the module that owns the workflow ----------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One step a subject took."""

    transition: str
    from_state: str
    to_state: str
    reason: str | None
    actor: str | None
    occurred_at: dt.datetime


ANONYMISED_ACTOR = "(geanonimiseerd)"


def _history_of(definition: WorkflowDefinition, subject_ids: Collection[uuid.UUID]) -> Any:
    return (WorkflowHistory.workflow == definition.key) & WorkflowHistory.subject_id.in_(list(subject_ids))


#: A subject's steps, as rows (no entities: histories are read with every list of referrals),
#: built once with the workflow and the subjects bound per call.
_HISTORY_OF = (
    select(
        WorkflowHistory.subject_id,
        WorkflowHistory.transition,
        WorkflowHistory.from_state,
        WorkflowHistory.to_state,
        WorkflowHistory.reason,
        WorkflowHistory.actor,
        WorkflowHistory.occurred_at,
    )
    .where(WorkflowHistory.workflow == bindparam("workflow"), WorkflowHistory.subject_id.in_(bindparam("subjects", expanding=True)))
    .order_by(WorkflowHistory.occurred_at, WorkflowHistory.id)
)


async def workflow_history(session: Any, definition: WorkflowDefinition, subject_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[HistoryEntry]]:
    """The steps of each subject, oldest first (an empty list for a subject without)."""
    history: dict[uuid.UUID, list[HistoryEntry]] = {subject_id: [] for subject_id in subject_ids}
    if not history:
        return history
    for row in await session.execute(_HISTORY_OF, {"workflow": definition.key, "subjects": list(history)}):
        history[row.subject_id].append(
            HistoryEntry(transition=row.transition, from_state=row.from_state, to_state=row.to_state, reason=row.reason, actor=row.actor, occurred_at=row.occurred_at)
        )
    return history


async def anonymise_workflow_history(session: Any, definition: WorkflowDefinition, subject_ids: Collection[uuid.UUID]) -> None:
    """Keep the steps of these subjects (for the figures) without who took them or why."""
    if subject_ids:
        await session.execute(update(WorkflowHistory).where(_history_of(definition, subject_ids)).values(reason=None, actor=ANONYMISED_ACTOR))


async def erase_workflow_history(session: Any, definition: WorkflowDefinition, subject_ids: Collection[uuid.UUID]) -> None:
    """Remove every step of these subjects (erasure on request)."""
    if subject_ids:
        await session.execute(delete(WorkflowHistory).where(_history_of(definition, subject_ids)))
