"""The module's GraphQL enums, one member per stored value."""

from core.plugin import value_enum

from kansrijk_babyspullen.workflows import REQUEST_WORKFLOW, RequestState, Step

_STATES = {
    RequestState.REQUESTED: "Aangevraagd; de stichting heeft nog niet geantwoord.",
    RequestState.ACCEPTED: "De stichting heeft de aanvraag aangenomen.",
    RequestState.REFUSED: "De stichting heeft de aanvraag afgewezen (met een reden).",
    RequestState.READY: "Het pakket staat klaar.",
    RequestState.PICKED_UP: "Het pakket is opgehaald.",
    RequestState.DELIVERED: "Het pakket is bezorgd.",
    RequestState.WITHDRAWN: "De aanvrager heeft de aanvraag ingetrokken.",
}
StarterPackageState = value_enum("StarterPackageState", tuple(RequestState), "Waar een aanvraag voor een startpakket staat.", _STATES)

StarterPackageStep = value_enum(
    "StarterPackageStep",
    tuple(Step),
    "Een stap van een aanvraag voor een startpakket.",
    {step: REQUEST_WORKFLOW.transition(step).description for step in Step},
)

Handover = value_enum(
    "StarterPackageHandover",
    ("ophalen", "bezorgen"),
    "Hoe het pakket bij de ouder komt.",
    {"ophalen": "De ouder haalt het op bij een uitgiftepunt.", "bezorgen": "De stichting bezorgt het (alleen dan is er een adres)."},
)
