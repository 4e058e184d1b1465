"""The enums of competences and coverage, built from the values the services store."""

from __future__ import annotations

from core.plugin import enum_member as member
from core.plugin import value_enum as _enum
from plugins.handvat4_leren.domain import CompetenceSource as Source
from plugins.handvat4_leren.services.competences import BY_PARTNER, BY_PARTNER_TYPE, GROUPINGS
from plugins.handvat4_leren.workflows import COMPETENCE_DECLARATION_WORKFLOW, DeclarationState

__all__ = ["CompetenceDeclarationState", "CompetenceSource", "CoverageGroupBy", "member"]

CompetenceSource = _enum(
    "CompetenceSource",
    tuple(Source),
    "Hoe een lid aan een competentie kwam.",
    {
        Source.ACTIVITEIT: "Door deelname aan een leeractiviteit die de competentie behandelt.",
        Source.VERKLARING: "Door een eigen opgave met onderbouwing, bevestigd door de coalitieregisseur.",
        Source.BEKENDHEID: "Door bekendheid met de regelingen van de gemeente (handvat 3); alleen voor kennis van regelingen en sociale kaart.",
    },
)

CompetenceDeclarationState = _enum(
    "CompetenceDeclarationState",
    COMPETENCE_DECLARATION_WORKFLOW.states,
    "Waar een opgave van een competentie staat. Stappen: VERKLAARD → BEVESTIGD of AFGEWEZEN.",
    {
        DeclarationState.VERKLAARD: "Opgegeven met onderbouwing; de coalitieregisseur beslist nog.",
        DeclarationState.BEVESTIGD: "Bevestigd: het lid heeft de competentie.",
        DeclarationState.AFGEWEZEN: "Afgewezen, met een reden; het lid kan het opnieuw opgeven.",
    },
)

CoverageGroupBy = _enum(
    "CoverageGroupBy",
    GROUPINGS,
    "Waarnaar de dekking is ingedeeld.",
    {
        BY_PARTNER: "Per partnerorganisatie.",
        BY_PARTNER_TYPE: "Per soort partnerorganisatie (de waarde van PartnerType); de cijfers zijn de som van de organisaties van die soort.",
    },
)
