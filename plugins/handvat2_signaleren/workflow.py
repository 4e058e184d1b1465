"""The referral workflow, declared through core's workflow mechanism: states, the
whitelisted transitions and the permission each needs. Core writes a history row and
publishes `core.workflow.transitioned` for every step and lets other modules guard or
follow it (`workflow_guard`, `workflow_transitioned`)."""

from __future__ import annotations

from core.plugin import Transition, WorkflowDefinition
from plugins.handvat2_signaleren.permissions import KEY, REFERRAL_RESPOND, REFERRAL_SEND

REFERRAL_WORKFLOW = WorkflowDefinition(
    key=f"{KEY}.referral",
    states=("concept", "verstuurd", "geaccepteerd", "afgewezen", "in_behandeling", "afgerond", "teruggetrokken"),
    initial="concept",
    transitions=(
        Transition("versturen", ("concept",), "verstuurd", REFERRAL_SEND, description="De verwijzer stuurt de verwijzing."),
        Transition("accepteren", ("verstuurd",), "geaccepteerd", REFERRAL_RESPOND, description="De ontvangende organisatie neemt haar aan."),
        Transition(
            "afwijzen", ("verstuurd",), "afgewezen", REFERRAL_RESPOND, requires_reason=True, description="De ontvangende organisatie wijst haar af, met reden."
        ),
        Transition("starten", ("geaccepteerd",), "in_behandeling", REFERRAL_RESPOND, description="Het eerste contact met het gezin."),
        Transition("afronden", ("in_behandeling",), "afgerond", REFERRAL_RESPOND, description="De hulp is klaar, met de uitkomst."),
        Transition(
            "terugtrekken",
            ("concept", "verstuurd", "geaccepteerd", "in_behandeling"),
            "teruggetrokken",
            REFERRAL_SEND,
            requires_reason=True,
            description="De verwijzer trekt haar in (ook als de ouder de toestemming intrekt).",
        ),
    ),
    description="Een warme verwijzing van een gezin naar een partnerorganisatie.",
)

#: The states in which the receiving organisation sees the family (with valid consent).
SHARING_STATES = ("verstuurd", "geaccepteerd", "in_behandeling")
#: The states of a referral still open: not yet sent, or sharing.
OPEN_STATES = ("concept", *SHARING_STATES)

#: What the referring professional is told after each step.
TRANSITION_LABELS = {
    "versturen": "verstuurd",
    "accepteren": "geaccepteerd",
    "afwijzen": "afgewezen",
    "starten": "het eerste contact is geweest",
    "afronden": "afgerond",
    "terugtrekken": "teruggetrokken",
}
