"""The request's workflow, as data: who takes which step (`side`), which timestamp it sets and
what the requesting professional is told (`feedback`)."""

from __future__ import annotations

from enum import StrEnum

from core.plugin import Transition, WorkflowDefinition

from kansrijk_babyspullen import MODULE_KEY
from kansrijk_babyspullen.permissions import REQUEST_CREATE, REQUEST_HANDLE


class RequestState(StrEnum):
    REQUESTED = "aangevraagd"
    ACCEPTED = "geaccepteerd"
    REFUSED = "afgewezen"
    READY = "klaargezet"
    PICKED_UP = "opgehaald"
    DELIVERED = "bezorgd"
    WITHDRAWN = "ingetrokken"


class Step(StrEnum):
    ACCEPT = "accepteren"
    REFUSE = "afwijzen"
    MAKE_READY = "klaarzetten"
    PICK_UP = "ophalen"
    DELIVER = "bezorgen"
    WITHDRAW = "intrekken"


class Side(StrEnum):
    FOUNDATION = "stichting"
    REQUESTER = "aanvrager"


OPEN_STATES = (RequestState.REQUESTED, RequestState.ACCEPTED, RequestState.READY)
CLOSED_STATES = tuple(state for state in RequestState if state not in OPEN_STATES)

REQUEST_WORKFLOW = WorkflowDefinition(
    key=f"{MODULE_KEY}.request",
    states=tuple(RequestState),
    initial=RequestState.REQUESTED,
    transitions=(
        Transition(Step.ACCEPT, (RequestState.REQUESTED,), RequestState.ACCEPTED, REQUEST_HANDLE, side=Side.FOUNDATION,
                   sets="responded_at", feedback="De stichting heeft de aanvraag aangenomen.",
                   description="De stichting neemt de aanvraag aan."),
        Transition(Step.REFUSE, (RequestState.REQUESTED,), RequestState.REFUSED, REQUEST_HANDLE, requires_reason=True,
                   side=Side.FOUNDATION, sets="responded_at", feedback="De stichting heeft de aanvraag afgewezen.",
                   description="De stichting wijst de aanvraag af, met een reden."),
        Transition(Step.MAKE_READY, (RequestState.ACCEPTED,), RequestState.READY, REQUEST_HANDLE, side=Side.FOUNDATION,
                   sets="ready_at", feedback="Het pakket staat klaar.", description="Het pakket staat klaar om op te halen of te bezorgen."),
        Transition(Step.PICK_UP, (RequestState.READY,), RequestState.PICKED_UP, REQUEST_HANDLE, side=Side.FOUNDATION,
                   sets="closed_at", feedback="Het pakket is opgehaald.", description="De ouder heeft het pakket opgehaald."),
        Transition(Step.DELIVER, (RequestState.READY,), RequestState.DELIVERED, REQUEST_HANDLE, side=Side.FOUNDATION,
                   sets="closed_at", feedback="Het pakket is bezorgd.", description="Het pakket is bij de ouder bezorgd."),
        Transition(Step.WITHDRAW, OPEN_STATES, RequestState.WITHDRAWN, REQUEST_CREATE, side=Side.REQUESTER,
                   sets="closed_at", feedback="De aanvrager heeft de aanvraag ingetrokken.",
                   description="De professional trekt de aanvraag in (bijv. de ouder wil het niet meer)."),
    ),
    description="Een aanvraag voor een startpakket bij Stichting Babyspullen.",
)  # fmt: skip

WORKFLOWS = [REQUEST_WORKFLOW]
