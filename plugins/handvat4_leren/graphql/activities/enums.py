"""The enums of learning activities, built from the values the service stores."""

from __future__ import annotations

from core.plugin import enum_member as member
from core.plugin import value_enum as _enum
from plugins.handvat4_leren.domain import ActivityKind, RegistrationState

__all__ = ["ActivityRegistrationState", "LearningActivityKind", "member"]

LearningActivityKind = _enum(
    "LearningActivityKind",
    tuple(ActivityKind),
    "Het soort leeractiviteit.",
    {
        ActivityKind.TRAINING: "Een training: oefenen met vaardigheden, vaak in een paar bijeenkomsten.",
        ActivityKind.THEMABIJEENKOMST: "Een themabijeenkomst over één onderwerp, voor professionals van verschillende organisaties.",
        ActivityKind.MASTERCLASS: "Een masterclass: verdieping met een deskundige.",
        ActivityKind.INTERVISIE: "Intervisie: met collega's casuïstiek en de eigen aanpak bespreken.",
        ActivityKind.SERIOUS_GAME: "Een serious game, bijvoorbeeld over rondkomen met weinig geld.",
        ActivityKind.E_LEARNING: "Een e-learning, online in eigen tempo binnen een periode.",
        ActivityKind.WERKBEZOEK: "Een werkbezoek bij een partnerorganisatie.",
    },
)

ActivityRegistrationState = _enum(
    "ActivityRegistrationState",
    tuple(RegistrationState),
    "Waar een lid staat bij een leeractiviteit. INGESCHREVEN of WACHTLIJST → AFGEMELD; WACHTLIJST → INGESCHREVEN (vanzelf als er een plaats vrijkomt); "
    "met een plaats → AANWEZIG of AFWEZIG (door de organisator, na de start).",
    {
        RegistrationState.INGESCHREVEN: "Heeft een plaats.",
        RegistrationState.WACHTLIJST: "Op de wachtlijst; schuift vanzelf door als er een plaats vrijkomt.",
        RegistrationState.AFGEMELD: "Heeft zich afgemeld.",
        RegistrationState.AANWEZIG: "Was aanwezig (geregistreerd door de organisator).",
        RegistrationState.AFWEZIG: "Was afwezig (geregistreerd door de organisator).",
    },
)
