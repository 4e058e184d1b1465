"""The workflows of handvat 4, as data: the life cycle of a practice example in the shared
library, and a member's declared competence awaiting the coalition lead. Core checks the
whitelist, writes the history and publishes `core.workflow.transitioned` for every step;
the diagrams in docs/modules/handvat4_leren.md are generated from these definitions."""

from __future__ import annotations

from enum import StrEnum

from core.plugin import Transition, WorkflowDefinition
from plugins.handvat4_leren import MODULE_KEY
from plugins.handvat4_leren.permissions import COMPETENCES_CONFIRM, LIBRARY_REVIEW, LIBRARY_WITHDRAW, LIBRARY_WRITE


class ExampleState(StrEnum):
    CONCEPT = "concept"
    TER_BEOORDELING = "ter_beoordeling"
    GEPUBLICEERD = "gepubliceerd"
    INGETROKKEN = "ingetrokken"


class ExampleTransition(StrEnum):
    INDIENEN = "indienen"
    TERUGSTUREN = "terugsturen"
    PUBLICEREN = "publiceren"
    BIJWERKEN = "bijwerken"
    INTREKKEN = "intrekken"
    HEROPENEN = "heropenen"


PRACTICE_EXAMPLE_WORKFLOW = WorkflowDefinition(
    key=f"{MODULE_KEY}.practice_example",
    states=tuple(ExampleState),
    initial=ExampleState.CONCEPT,
    transitions=(
        Transition(
            ExampleTransition.INDIENEN, (ExampleState.CONCEPT,), ExampleState.TER_BEOORDELING, LIBRARY_WRITE,
            description="Een lid biedt het concept ter beoordeling aan.",
        ),
        Transition(
            ExampleTransition.TERUGSTUREN, (ExampleState.TER_BEOORDELING,), ExampleState.CONCEPT, LIBRARY_REVIEW, requires_reason=True,
            description="Een ander lid van de coalitie stuurt het terug, met wat er beter moet.",
        ),
        Transition(
            ExampleTransition.PUBLICEREN, (ExampleState.TER_BEOORDELING,), ExampleState.GEPUBLICEERD, LIBRARY_REVIEW,
            sets="published_at",
            description="Een ander lid van de coalitie dan wie het schreef of indiende publiceert het voor alle coalities.",
        ),
        Transition(
            ExampleTransition.BIJWERKEN, (ExampleState.GEPUBLICEERD,), ExampleState.CONCEPT, LIBRARY_WRITE,
            description="De coalitie begint aan een nieuwe versie; de andere coalities lezen intussen de gepubliceerde.",
        ),
        Transition(
            ExampleTransition.INTREKKEN,
            (ExampleState.CONCEPT, ExampleState.TER_BEOORDELING, ExampleState.GEPUBLICEERD),
            ExampleState.INGETROKKEN,
            LIBRARY_WITHDRAW,
            requires_reason=True,
            sets="withdrawn_at",
            description="De coalitie trekt het voorbeeld in: geen coalitie leest het nog (ook eerdere versies niet).",
        ),
        Transition(
            ExampleTransition.HEROPENEN, (ExampleState.INGETROKKEN,), ExampleState.CONCEPT, LIBRARY_WRITE,
            description="De coalitie werkt een ingetrokken voorbeeld opnieuw bij, als concept.",
        ),
    ),
    description="Een praktijkvoorbeeld in de landelijke bibliotheek: van concept via beoordeling naar gepubliceerd.",
)


class DeclarationState(StrEnum):
    VERKLAARD = "verklaard"
    BEVESTIGD = "bevestigd"
    AFGEWEZEN = "afgewezen"


class DeclarationTransition(StrEnum):
    BEVESTIGEN = "bevestigen"
    AFWIJZEN = "afwijzen"


COMPETENCE_DECLARATION_WORKFLOW = WorkflowDefinition(
    key=f"{MODULE_KEY}.competence_declaration",
    states=tuple(DeclarationState),
    initial=DeclarationState.VERKLAARD,
    transitions=(
        Transition(
            DeclarationTransition.BEVESTIGEN, (DeclarationState.VERKLAARD,), DeclarationState.BEVESTIGD, COMPETENCES_CONFIRM,
            sets="decided_at",
            description="De coalitieregisseur bevestigt de competentie op grond van de onderbouwing.",
        ),
        Transition(
            DeclarationTransition.AFWIJZEN, (DeclarationState.VERKLAARD,), DeclarationState.AFGEWEZEN, COMPETENCES_CONFIRM,
            requires_reason=True, sets="decided_at",
            description="De coalitieregisseur wijst de opgave af, met een reden.",
        ),
    ),
    description="Een competentie die een lid zelf opgeeft, met onderbouwing, tot de coalitieregisseur beslist.",
)

WORKFLOWS = [PRACTICE_EXAMPLE_WORKFLOW, COMPETENCE_DECLARATION_WORKFLOW]
