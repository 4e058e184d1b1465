"""The output types of competences and coverage, each built from a service's result; stored
values become enum members here, at the edge. A count of people is a `CoverageCount`: its
value, or null and `suppressed` when it is too small to show (or would give a small one
away)."""

from __future__ import annotations

import datetime as dt

import strawberry

from core.plugin import PartnerTypeEnum, container, readable_with
from plugins.handvat4_leren.graphql.competences.enums import CompetenceDeclarationState, CompetenceSource, CoverageGroupBy, member
from plugins.handvat4_leren.models import Competence
from plugins.handvat4_leren.permissions import ACTIVITIES_READ, COVERAGE_READ
from plugins.handvat4_leren.services.competences import (
    CompetenceCoverageRow,
    CompetenceGaps,
    Count,
    Coverage,
    CoverageCell,
    CoverageGroup,
    CoverageTrend,
    DeclarationView,
    Gaps,
    HeldCompetence,
    MyCompetences,
    QuarterCoverage,
)


@readable_with(ACTIVITIES_READ)
@strawberry.type(name="Competence", description="Een competentie van het kader van de coalitie: landelijk of eigen.")
class CompetenceNode:
    key: str = strawberry.field(description="De vaste sleutel (kleine letters), zoals activiteiten en opgaven haar noemen.")
    name: str
    description: str
    national: bool = strawberry.field(description="Waar: uit het landelijke kader (te hernoemen en uit te zetten, niet te verwijderen).")
    active: bool = strawberry.field(description="Onwaar: staat uit; telt niet in de dekking en is niet op te geven.")

    @classmethod
    def from_row(cls, row: Competence) -> CompetenceNode:
        return cls(key=row.key, name=row.name, description=row.description, national=row.national, active=row.active)


@readable_with(ACTIVITIES_READ)
@strawberry.type(
    name="CompetenceDeclaration",
    description="Een competentie die een lid zelf opgaf, met onderbouwing; de coalitieregisseur bevestigt of wijst af. Een lid ziet alleen de eigen opgaven.",
)
class CompetenceDeclarationNode:
    id: strawberry.ID
    competence_key: str
    competence: CompetenceNode | None = strawberry.field(description="De competentie in het kader (null als de sleutel er niet meer in staat).")
    membership_id: strawberry.ID
    member_name: str
    partner_name: str | None = strawberry.field(description="De organisatie van het lid (null: geen).")
    evidence: str
    state: CompetenceDeclarationState  # type: ignore[valid-type]
    declared_at: dt.datetime
    decided_at: dt.datetime | None
    rejection_reason: str | None = strawberry.field(description="Bij een afgewezen opgave: waarom.")

    @classmethod
    def from_view(cls, view: DeclarationView) -> CompetenceDeclarationNode:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            competence_key=row.competence_key,
            competence=CompetenceNode.from_row(view.competence) if view.competence else None,
            membership_id=strawberry.ID(str(row.membership_id)),
            member_name=view.member_name,
            partner_name=view.partner_name,
            evidence=row.evidence or "",
            state=member(CompetenceDeclarationState, row.state),
            declared_at=row.declared_at,
            decided_at=row.decided_at,
            rejection_reason=view.reason,
        )

    @classmethod
    async def from_views(cls, views: list[DeclarationView]) -> list[CompetenceDeclarationNode]:
        return [cls.from_view(view) for view in views]


@readable_with(ACTIVITIES_READ)
@strawberry.type(name="HeldCompetence", description="Een competentie die het lid heeft, met hoe het eraan kwam.")
class HeldCompetenceNode:
    competence: CompetenceNode
    sources: list[CompetenceSource]  # type: ignore[valid-type]
    since: dt.datetime = strawberry.field(description="Sinds wanneer (de eerste keer).")

    @classmethod
    def from_held(cls, held: HeldCompetence) -> HeldCompetenceNode:
        return cls(competence=CompetenceNode.from_row(held.competence), sources=[member(CompetenceSource, source) for source in held.sources], since=held.since)


@container
@strawberry.type(name="MyCompetences", description="De eigen competenties en opgaven.")
class MyCompetencesNode:
    held: list[HeldCompetenceNode] = strawberry.field(description="Wat het lid heeft, in de volgorde van het kader.")
    declarations: list[CompetenceDeclarationNode] = strawberry.field(description="De eigen opgaven (open, bevestigd, afgewezen met reden), de nieuwste eerst.")

    @classmethod
    def from_result(cls, result: MyCompetences) -> MyCompetencesNode:
        return cls(held=[HeldCompetenceNode.from_held(item) for item in result.held], declarations=[CompetenceDeclarationNode.from_view(view) for view in result.declarations])


# -- coverage ------------------------------------------------------------------------------------


@readable_with(COVERAGE_READ)
@strawberry.type(name="CoverageCount", description="Een aantal mensen; null als het onderdrukt is.")
class CoverageCountNode:
    value: int | None = strawberry.field(description="Het aantal; null als het onderdrukt is. Nul wordt altijd getoond.")
    suppressed: bool = strawberry.field(
        description="Waar: het aantal is verborgen, omdat het over te weinig mensen gaat of omdat een ander verborgen aantal er anders uit te berekenen is."
    )

    @classmethod
    def from_count(cls, count: Count) -> CoverageCountNode:
        return cls(value=count.value, suppressed=count.suppressed)


@readable_with(COVERAGE_READ)
@strawberry.type(name="CoverageGroup", description="Een partnerorganisatie of een soort partnerorganisatie.")
class CoverageGroupNode:
    partner_id: strawberry.ID | None = strawberry.field(description="De organisatie (null bij een indeling per soort).")
    partner_type: PartnerTypeEnum = strawberry.field(description="De soort organisatie.")  # type: ignore[valid-type]
    name: str = strawberry.field(description="De naam van de organisatie, of de soort.")

    @classmethod
    def from_group(cls, group: CoverageGroup) -> CoverageGroupNode:
        return cls(partner_id=strawberry.ID(str(group.partner_id)) if group.partner_id else None, partner_type=PartnerTypeEnum(group.partner_type), name=group.name)


@readable_with(COVERAGE_READ)
@strawberry.type(name="CoverageCell", description="De professionals van een groep (of de hele coalitie) en hoeveel van hen een competentie hebben.")
class CoverageCellNode:
    group: CoverageGroupNode | None = strawberry.field(description="De organisatie of soort; null: de hele coalitie.")
    professionals: CoverageCountNode = strawberry.field(description="De professionals (professional of partner_worker) van vandaag.")
    with_competence: CoverageCountNode = strawberry.field(description="Hoeveel van hen de competentie hadden aan het eind van de dag.")
    without: CoverageCountNode = strawberry.field(description="Hoeveel van hen haar niet hadden (getoond als beide andere aantallen getoond zijn).")
    share: float | None = strawberry.field(description="Het deel met de competentie (0 tot 1); null als een aantal onderdrukt is of er geen professionals zijn.")

    @classmethod
    def from_cell(cls, cell: CoverageCell) -> CoverageCellNode:
        return cls(
            group=CoverageGroupNode.from_group(cell.group) if cell.group else None,
            professionals=CoverageCountNode.from_count(cell.professionals),
            with_competence=CoverageCountNode.from_count(cell.with_competence),
            without=CoverageCountNode.from_count(cell.without),
            share=cell.share,
        )


@readable_with(COVERAGE_READ)
@strawberry.type(name="CompetenceCoverageRow", description="De dekking van één competentie: per groep en voor de hele coalitie.")
class CompetenceCoverageRowNode:
    competence: CompetenceNode
    total: CoverageCellNode = strawberry.field(description="De hele coalitie.")
    groups: list[CoverageCellNode] = strawberry.field(description="Per groep, in de volgorde van professionals.")

    @classmethod
    def from_row(cls, row: CompetenceCoverageRow) -> CompetenceCoverageRowNode:
        return cls(
            competence=CompetenceNode.from_row(row.competence),
            total=CoverageCellNode.from_cell(row.total),
            groups=[CoverageCellNode.from_cell(cell) for cell in row.groups],
        )


@readable_with(COVERAGE_READ)
@strawberry.type(name="CoverageGroupProfessionals", description="Het aantal professionals van een groep.")
class CoverageGroupProfessionalsNode:
    group: CoverageGroupNode
    professionals: CoverageCountNode


@readable_with(COVERAGE_READ)
@strawberry.type(
    name="CompetenceCoverage",
    description="Is elke professional toegerust? Per organisatie of soort organisatie en per aangezette competentie het deel van de professionals dat haar heeft; kleine aantallen onderdrukt.",
)
class CompetenceCoverageNode:
    at: dt.date = strawberry.field(description="De dag: wie de competentie aan het eind ervan had, telt mee.")
    group_by: CoverageGroupBy  # type: ignore[valid-type]
    threshold: int = strawberry.field(description="Het kleinste aantal mensen dat getoond wordt.")
    professionals: list[CoverageGroupProfessionalsNode] = strawberry.field(
        description="De professionals per groep: actieve leden met de rol professional of partner_worker bij een actieve organisatie, zoals ze vandaag zijn."
    )
    professionals_total: CoverageCountNode
    competences: list[CompetenceCoverageRowNode] = strawberry.field(description="Per aangezette competentie, in de volgorde van het kader.")

    @classmethod
    def from_result(cls, result: Coverage) -> CompetenceCoverageNode:
        return cls(
            at=result.at,
            group_by=member(CoverageGroupBy, result.group_by),
            threshold=result.threshold,
            professionals=[
                CoverageGroupProfessionalsNode(group=CoverageGroupNode.from_group(item.group), professionals=CoverageCountNode.from_count(item.professionals))
                for item in result.groups
            ],
            professionals_total=CoverageCountNode.from_count(result.total),
            competences=[CompetenceCoverageRowNode.from_row(row) for row in result.competences],
        )


@readable_with(COVERAGE_READ)
@strawberry.type(name="CoverageQuarter", description="De dekking aan het eind van een kwartaal (het lopende kwartaal: vandaag).")
class CoverageQuarterNode:
    quarter: str = strawberry.field(description="Het kwartaal, JJJJ-Kn (2026-K1).")
    start: dt.date
    end: dt.date
    coverage: CompetenceCoverageNode

    @classmethod
    def from_result(cls, result: QuarterCoverage) -> CoverageQuarterNode:
        quarter = result.quarter
        return cls(quarter=quarter.label, start=quarter.start, end=quarter.end, coverage=CompetenceCoverageNode.from_result(result.coverage))


@readable_with(COVERAGE_READ)
@strawberry.type(
    name="CompetenceCoverageTrend",
    description=(
        "De dekking door de tijd: per kwartaal het deel van de professionals van vandaag dat de competentie aan het eind van dat kwartaal had "
        "(wie toen nog niet bij de coalitie werkte, telt mee zonder de competenties van later)."
    ),
)
class CompetenceCoverageTrendNode:
    group_by: CoverageGroupBy  # type: ignore[valid-type]
    threshold: int
    quarters: list[CoverageQuarterNode] = strawberry.field(description="Het oudste kwartaal eerst.")

    @classmethod
    def from_result(cls, result: CoverageTrend) -> CompetenceCoverageTrendNode:
        return cls(
            group_by=member(CoverageGroupBy, result.group_by),
            threshold=result.threshold,
            quarters=[CoverageQuarterNode.from_result(item) for item in result.quarters],
        )


@readable_with(COVERAGE_READ)
@strawberry.type(name="CompetenceGapList", description="Waar niet elke professional een competentie heeft, het grootste gat eerst.")
class CompetenceGapListNode:
    competence: CompetenceNode
    partners: list[CoverageCellNode] = strawberry.field(
        description="Organisaties met een gat, het grootste aantal zonder eerst; daarna die waarvan de aantallen onderdrukt zijn (op naam: of daar een gat is, valt niet te tonen)."
    )
    partner_types: list[CoverageCellNode] = strawberry.field(description="Hetzelfde per soort organisatie.")

    @classmethod
    def from_result(cls, result: CompetenceGaps) -> CompetenceGapListNode:
        return cls(
            competence=CompetenceNode.from_row(result.competence),
            partners=[CoverageCellNode.from_cell(cell) for cell in result.partners],
            partner_types=[CoverageCellNode.from_cell(cell) for cell in result.partner_types],
        )


@readable_with(COVERAGE_READ)
@strawberry.type(name="CompetenceGaps", description="De gaten in de dekking: is elke professional toegerust?")
class CompetenceGapsNode:
    at: dt.date
    threshold: int
    competences: list[CompetenceGapListNode] = strawberry.field(description="Per aangezette competentie (een lege lijst: geen gat).")

    @classmethod
    def from_result(cls, result: Gaps) -> CompetenceGapsNode:
        return cls(at=result.at, threshold=result.threshold, competences=[CompetenceGapListNode.from_result(item) for item in result.competences])


# -- payloads ------------------------------------------------------------------------------------


@container
@strawberry.type
class CompetencePayload:
    competence: CompetenceNode


@container
@strawberry.type
class CompetenceDeclarationPayload:
    declaration: CompetenceDeclarationNode
