"""The enums of the practice library, built from the words of `domain` and the states and
steps of PRACTICE_EXAMPLE_WORKFLOW, so the schema cannot drift from what the services store
(a member is the stored value in capitals; `member(Enum, stored)` maps it at the edge)."""

from __future__ import annotations

from core.plugin import enum_member as member
from core.plugin import value_enum as _enum
from plugins.handvat4_leren.domain import (
    ERKENNINGSNIVEAU_NAMES,
    GEMEENTE_SIZE_NAMES,
    INTERVENTION_DATABASE_NAMES,
    TARGET_GROUP_NAMES,
    THEME_NAMES,
    Erkenningsniveau,
    GemeenteSize,
    InterventionDatabase,
    TargetGroup,
    Theme,
)
from plugins.handvat4_leren.services.library import VERSION_CONCEPT, VERSION_IN_REVIEW, VERSION_PUBLISHED, VERSION_REPLACED, VERSION_STATES
from plugins.handvat4_leren.workflows import PRACTICE_EXAMPLE_WORKFLOW, ExampleState

__all__ = [
    "ErkenningsniveauEnum",
    "GemeenteSizeEnum",
    "InterventionDatabaseEnum",
    "PracticeExampleState",
    "PracticeExampleTransition",
    "PracticeTargetGroup",
    "PracticeTheme",
    "PracticeVersionState",
    "member",
]

PracticeTheme = _enum("PracticeTheme", tuple(Theme), "Het thema van een praktijkvoorbeeld.", THEME_NAMES)
PracticeTargetGroup = _enum("PracticeTargetGroup", tuple(TargetGroup), "Voor wie een praktijkvoorbeeld is bedoeld.", TARGET_GROUP_NAMES)
GemeenteSizeEnum = _enum("GemeenteSize", tuple(GemeenteSize), "De grootte van de gemeente waar een praktijkvoorbeeld vandaan komt.", GEMEENTE_SIZE_NAMES)
InterventionDatabaseEnum = _enum(
    "InterventionDatabase", tuple(InterventionDatabase), "Een Nederlandse databank van erkende interventies.", INTERVENTION_DATABASE_NAMES
)
ErkenningsniveauEnum = _enum(
    "Erkenningsniveau",
    tuple(Erkenningsniveau),
    "Het erkenningsniveau van een interventie, zoals de databanken het geven (erkenningstraject).",
    ERKENNINGSNIVEAU_NAMES,
)
PracticeExampleState = _enum(
    "PracticeExampleState",
    PRACTICE_EXAMPLE_WORKFLOW.states,
    "Waar een praktijkvoorbeeld staat (alleen de eigen coalitie ziet het).",
    {
        ExampleState.CONCEPT: "De coalitie schrijft eraan (de eerste versie of een nieuwe); andere coalities lezen intussen de gepubliceerde versie, als die er is.",
        ExampleState.TER_BEOORDELING: "Ingediend: een ander lid van de coalitie publiceert het of stuurt het terug.",
        ExampleState.GEPUBLICEERD: "Elke coalitie leest het.",
        ExampleState.INGETROKKEN: "Ingetrokken: geen andere coalitie leest het nog, ook eerdere versies niet.",
    },
)
PracticeExampleTransition = _enum(
    "PracticeExampleTransition",
    [transition.name for transition in PRACTICE_EXAMPLE_WORKFLOW.transitions],
    "Een stap in de levensloop van een praktijkvoorbeeld.",
    {transition.name: transition.description for transition in PRACTICE_EXAMPLE_WORKFLOW.transitions},
)
PracticeVersionState = _enum(
    "PracticeVersionState",
    VERSION_STATES,
    "Waar een versie van een praktijkvoorbeeld staat.",
    {
        VERSION_CONCEPT: "Een concept: alleen de eigen coalitie leest het.",
        VERSION_IN_REVIEW: "Ter beoordeling ingediend: alleen de eigen coalitie leest het.",
        VERSION_PUBLISHED: "De gepubliceerde versie die elke coalitie leest (na intrekken alleen nog de eigen coalitie).",
        VERSION_REPLACED: "Vervangen door een nieuwere versie; blijft als geschiedenis leesbaar tot het voorbeeld wordt ingetrokken.",
    },
)
