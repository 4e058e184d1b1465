"""The referral workflow, as data, declared through core's workflow mechanism: the states,
the whitelisted steps, which side of the referral takes each one, which moment it records
and what the referring professional is told. Core stores the new state and that moment on
the referral, writes the history and publishes `core.workflow.transitioned` for every step,
and lets other modules guard or follow it (`workflow_guard`, `workflow_transitioned`)."""

from __future__ import annotations

from enum import StrEnum

from core.plugin import Transition, WorkflowDefinition
from plugins.handvat2_signaleren import MODULE_KEY
from plugins.handvat2_signaleren.permissions import REFERRAL_RESPOND, REFERRAL_SEND


class ReferralState(StrEnum):
    CONCEPT = "concept"
    VERSTUURD = "verstuurd"
    GEACCEPTEERD = "geaccepteerd"
    AFGEWEZEN = "afgewezen"
    IN_BEHANDELING = "in_behandeling"
    AFGEROND = "afgerond"
    TERUGGETROKKEN = "teruggetrokken"


class ReferralTransition(StrEnum):
    VERSTUREN = "versturen"
    ACCEPTEREN = "accepteren"
    AFWIJZEN = "afwijzen"
    STARTEN = "starten"
    AFRONDEN = "afronden"
    TERUGTREKKEN = "terugtrekken"


class Side(StrEnum):
    """The two organisations of a referral: each step is one side's to take."""

    REFERRER = "referrer"
    RECEIVER = "receiver"


#: Who each side is, for people.
SIDE_NAMES = {Side.REFERRER: "de verwijzende organisatie", Side.RECEIVER: "de organisatie waarnaar verwezen is"}

REFERRAL_WORKFLOW = WorkflowDefinition(
    key=f"{MODULE_KEY}.referral",
    states=tuple(ReferralState),
    initial=ReferralState.CONCEPT,
    transitions=(
        Transition(
            ReferralTransition.VERSTUREN, (ReferralState.CONCEPT,), ReferralState.VERSTUURD, REFERRAL_SEND,
            side=Side.REFERRER, sets="sent_at", feedback="verstuurd",
            description="De verwijzer stuurt de verwijzing.",
        ),
        Transition(
            ReferralTransition.ACCEPTEREN, (ReferralState.VERSTUURD,), ReferralState.GEACCEPTEERD, REFERRAL_RESPOND,
            side=Side.RECEIVER, sets="responded_at", feedback="geaccepteerd",
            description="De ontvangende organisatie neemt haar aan.",
        ),
        Transition(
            ReferralTransition.AFWIJZEN, (ReferralState.VERSTUURD,), ReferralState.AFGEWEZEN, REFERRAL_RESPOND, requires_reason=True,
            side=Side.RECEIVER, sets="responded_at", feedback="afgewezen",
            description="De ontvangende organisatie wijst haar af, met reden.",
        ),
        Transition(
            ReferralTransition.STARTEN, (ReferralState.GEACCEPTEERD,), ReferralState.IN_BEHANDELING, REFERRAL_RESPOND,
            side=Side.RECEIVER, sets="started_at", feedback="het eerste contact is geweest",
            description="Het eerste contact met het gezin.",
        ),
        Transition(
            ReferralTransition.AFRONDEN, (ReferralState.IN_BEHANDELING,), ReferralState.AFGEROND, REFERRAL_RESPOND,
            side=Side.RECEIVER, sets="completed_at", feedback="afgerond",
            description="De hulp is klaar, met de uitkomst.",
        ),
        Transition(
            ReferralTransition.TERUGTREKKEN,
            (ReferralState.CONCEPT, ReferralState.VERSTUURD, ReferralState.GEACCEPTEERD, ReferralState.IN_BEHANDELING),
            ReferralState.TERUGGETROKKEN, REFERRAL_SEND, requires_reason=True,
            side=Side.REFERRER, feedback="teruggetrokken",
            description="De verwijzer trekt haar in (ook als de ouder de toestemming intrekt).",
        ),
    ),
    description="Een warme verwijzing van een gezin naar een partnerorganisatie.",
)  # fmt: skip

#: The states in which the receiving organisation sees the family (with valid consent); a
#: step into one of them needs that consent still to be valid.
SHARING_STATES = (ReferralState.VERSTUURD, ReferralState.GEACCEPTEERD, ReferralState.IN_BEHANDELING)
#: The states of a referral still open: not yet sent, or sharing.
OPEN_STATES = (ReferralState.CONCEPT, *SHARING_STATES)

WORKFLOWS = [REFERRAL_WORKFLOW]
