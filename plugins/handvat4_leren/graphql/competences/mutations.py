"""The mutations of competences: one `input`, one service call, a payload back; the
platform runs each in its own transaction (nothing is written when it fails)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from plugins.handvat4_leren.graphql.competences.inputs import (
    AddCompetenceInput,
    ConfirmCompetenceInput,
    DeclareCompetenceInput,
    RejectCompetenceInput,
    UpdateCompetenceInput,
)
from plugins.handvat4_leren.graphql.competences.types import CompetenceDeclarationNode, CompetenceDeclarationPayload, CompetenceNode, CompetencePayload
from plugins.handvat4_leren.permissions import COMPETENCES_CONFIRM, COMPETENCES_DECLARE, COMPETENCES_MANAGE
from plugins.handvat4_leren.services import competences
from plugins.handvat4_leren.workflows import DeclarationTransition


@strawberry.type
class CompetencesMutation:
    @mutation(permission=COMPETENCES_MANAGE, description="Een eigen competentie aan het kader toevoegen (COMPETENCE_EXISTS bij een bestaande sleutel).")
    async def add_competence(self, info: Info, input: AddCompetenceInput) -> CompetencePayload:
        return CompetencePayload(competence=CompetenceNode.from_row(await competences.add_competence(info.context, input_data(input))))

    @mutation(permission=COMPETENCES_MANAGE, description="Een competentie hernoemen, beschrijven of uit- of aanzetten (ook een landelijke).")
    async def update_competence(self, info: Info, input: UpdateCompetenceInput) -> CompetencePayload:
        return CompetencePayload(competence=CompetenceNode.from_row(await competences.update_competence(info.context, input_data(input))))

    @mutation(
        permission=COMPETENCES_DECLARE,
        description="Zelf een competentie opgeven met onderbouwing (DECLARATION_OPEN als er al een open opgave is, COMPETENCE_HELD als u haar al heeft).",
    )
    async def declare_competence(self, info: Info, input: DeclareCompetenceInput) -> CompetenceDeclarationPayload:
        return CompetenceDeclarationPayload(declaration=CompetenceDeclarationNode.from_view(await competences.declare(info.context, input_data(input))))

    @mutation(permission=COMPETENCES_CONFIRM, description="Een opgegeven competentie van een ander lid bevestigen (niet de eigen: OWN_DECLARATION).")
    async def confirm_competence(self, info: Info, input: ConfirmCompetenceInput) -> CompetenceDeclarationPayload:
        view = await competences.decide(info.context, DeclarationTransition.BEVESTIGEN, input_data(input))
        return CompetenceDeclarationPayload(declaration=CompetenceDeclarationNode.from_view(view))

    @mutation(permission=COMPETENCES_CONFIRM, description="Een opgegeven competentie van een ander lid afwijzen, met een reden.")
    async def reject_competence(self, info: Info, input: RejectCompetenceInput) -> CompetenceDeclarationPayload:
        view = await competences.decide(info.context, DeclarationTransition.AFWIJZEN, input_data(input))
        return CompetenceDeclarationPayload(declaration=CompetenceDeclarationNode.from_view(view))
