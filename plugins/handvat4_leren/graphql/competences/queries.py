"""The queries of competences and coverage: parse the arguments, call one service, wrap
the result."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core.plugin import Connection, field
from plugins.handvat4_leren.graphql.competences.enums import CompetenceDeclarationState, CoverageGroupBy
from plugins.handvat4_leren.graphql.competences.types import (
    CompetenceCoverageNode,
    CompetenceCoverageTrendNode,
    CompetenceDeclarationNode,
    CompetenceGapsNode,
    CompetenceNode,
    MyCompetencesNode,
)
from plugins.handvat4_leren.permissions import ACTIVITIES_READ, COMPETENCES_CONFIRM, COVERAGE_READ
from plugins.handvat4_leren.services import competences


@strawberry.type
class CompetencesQuery:
    @field(permission=ACTIVITIES_READ, description="Het competentiekader van de coalitie: de landelijke competenties eerst, dan de eigen.")
    async def competence_framework(
        self, info: Info, active_only: bool = False, first: int | None = None, after: str | None = None
    ) -> Connection[CompetenceNode]:
        return await competences.framework_page(info.context, active_only=active_only, first=first, after=after, to_node=CompetenceNode.from_row)

    @field(permission=ACTIVITIES_READ, description="De eigen competenties (door deelname, bevestigde opgave of bekendheid met de regelingen) en de eigen opgaven.")
    async def my_competences(self, info: Info) -> MyCompetencesNode:
        return MyCompetencesNode.from_result(await competences.my_competences(info.context))

    @field(permission=COMPETENCES_CONFIRM, description="De opgaven van competenties door leden, de oudste eerst; te filteren op stand (VERKLAARD: te beslissen).")
    async def competence_declarations(
        self,
        info: Info,
        state: CompetenceDeclarationState | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CompetenceDeclarationNode]:
        return await competences.declarations_page(
            info.context, state=state.value if state else None, first=first, after=after, to_nodes=CompetenceDeclarationNode.from_views
        )

    @field(
        permission=COVERAGE_READ,
        description="De dekking: per organisatie (of soort) en competentie het deel van de professionals dat haar heeft aan het eind van een dag (standaard vandaag); kleine aantallen onderdrukt.",
    )
    async def competence_coverage(
        self,
        info: Info,
        at: dt.date | None = None,
        group_by: CoverageGroupBy = CoverageGroupBy.PARTNER,  # type: ignore[valid-type, attr-defined]
    ) -> CompetenceCoverageNode:
        return CompetenceCoverageNode.from_result(await competences.coverage(info.context, at=at, group_by=group_by.value))

    @field(
        permission=COVERAGE_READ,
        description="De dekking door de tijd: aan het eind van elk van de laatste kwartalen (1 tot 12; het lopende: vandaag), over de professionals van vandaag.",
    )
    async def competence_coverage_trend(
        self,
        info: Info,
        group_by: CoverageGroupBy = CoverageGroupBy.PARTNER,  # type: ignore[valid-type, attr-defined]
        quarters: int = 4,
    ) -> CompetenceCoverageTrendNode:
        return CompetenceCoverageTrendNode.from_result(await competences.coverage_trend(info.context, group_by=group_by.value, quarters=quarters))

    @field(
        permission=COVERAGE_READ,
        description="Is elke professional toegerust? Per competentie de organisaties en soorten organisaties waar niet iedereen haar heeft, het grootste gat eerst.",
    )
    async def competence_gaps(self, info: Info, at: dt.date | None = None) -> CompetenceGapsNode:
        return CompetenceGapsNode.from_result(await competences.gaps(info.context, at=at))
