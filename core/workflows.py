"""Declarative workflows: states, a whitelist of transitions with the permission each needs,
guards from other modules, and a history row plus a domain event per transition, all in
the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from core.errors import DomainError, ValidationFailed
from core.events import publish_event
from core.models import WorkflowHistory
from core.work import Work

WORKFLOW_TRANSITIONED = "core.workflow.transitioned"


@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[str, ...]
    target: str
    permission: str
    requires_reason: bool = False
    description: str = ""


@dataclass(frozen=True)
class WorkflowDefinition:
    key: str  # "<module key>.<subject>", e.g. "handvat2_signaleren.referral"
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    description: str = ""

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
) -> str:
    """Check and record a transition; return the new state (the caller stores it on its row)."""
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
    arguments = {"workflow": definition, "transition": transition, "subject": subject, "session": work.session, "actor": work.actor}
    refusals = [refusal for refusal in await work.hooks.call("workflow_guard", **arguments) if refusal]
    if refusals:
        raise TransitionRefused(str(refusals[0]), field="transition")
    work.session.add(
        WorkflowHistory(
            workflow=definition.key,
            subject_id=subject.id,
            transition=transition.name,
            from_state=subject.state,
            to_state=transition.target,
            reason=reason,
            actor=work.actor,
        )
    )
    publish_event(
        work.session,
        WORKFLOW_TRANSITIONED,
        {
            "workflow": definition.key,
            "subject_id": str(subject.id),
            "transition": transition.name,
            "from_state": subject.state,
            "to_state": transition.target,
        },
        actor=work.actor,
    )
    arguments["subject"] = WorkflowSubject(id=subject.id, state=transition.target, attributes=subject.attributes)
    await work.hooks.call("workflow_transitioned", **arguments)
    return transition.target
