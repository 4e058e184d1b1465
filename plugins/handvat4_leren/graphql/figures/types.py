"""The output types of the figures, built from the service's result."""

from __future__ import annotations

import datetime as dt

import strawberry

from core.plugin import PartnerTypeEnum, enum_member, readable_with
from plugins.handvat4_leren.graphql.activities.enums import LearningActivityKind, member
from plugins.handvat4_leren.graphql.competences.types import CompetenceNode, CoverageCellNode, CoverageCountNode
from plugins.handvat4_leren.permissions import COVERAGE_READ
from plugins.handvat4_leren.services.figures import AdoptedExample, KindCount, LearningFigures, QuarterFigures, TypeParticipants


@readable_with(COVERAGE_READ)
@strawberry.type(name="ActivityKindCount", description="Hoeveel leeractiviteiten van een soort er in het jaar waren (niet afgelast; de eerste datum in het jaar).")
class ActivityKindCountNode:
    kind: LearningActivityKind  # type: ignore[valid-type]
    count: int

    @classmethod
    def from_count(cls, item: KindCount) -> ActivityKindCountNode:
        return cls(kind=member(LearningActivityKind, item.kind), count=item.count)


@readable_with(COVERAGE_READ)
@strawberry.type(name="PartnerTypeParticipants", description="Hoeveel verschillende leden van een soort organisatie aan leeractiviteiten deelnamen (aanwezig).")
class PartnerTypeParticipantsNode:
    partner_type: PartnerTypeEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="De soort organisatie waarvandaan ze zich inschreven; null: zonder organisatie."
    )
    participants: CoverageCountNode

    @classmethod
    def from_result(cls, item: TypeParticipants) -> PartnerTypeParticipantsNode:
        return cls(partner_type=enum_member(PartnerTypeEnum, item.partner_type), participants=CoverageCountNode.from_count(item.participants))


@readable_with(COVERAGE_READ)
@strawberry.type(name="CoalitionCompetenceCoverage", description="De dekking van één competentie in de hele coalitie.")
class CoalitionCompetenceCoverageNode:
    competence: CompetenceNode
    coalition: CoverageCellNode


@readable_with(COVERAGE_READ)
@strawberry.type(name="QuarterCompetenceCoverage", description="De dekking in de hele coalitie aan het eind van een kwartaal (het lopende: vandaag).")
class QuarterCompetenceCoverageNode:
    quarter: str = strawberry.field(description="Het kwartaal, JJJJ-Kn (2026-K1).")
    start: dt.date
    end: dt.date
    at: dt.date = strawberry.field(description="De dag die geteld is: het eind van het kwartaal, of vandaag.")
    competences: list[CoalitionCompetenceCoverageNode]

    @classmethod
    def from_result(cls, item: QuarterFigures) -> QuarterCompetenceCoverageNode:
        quarter = item.quarter
        return cls(
            quarter=quarter.label,
            start=quarter.start,
            end=quarter.end,
            at=quarter.at,
            competences=[
                CoalitionCompetenceCoverageNode(competence=CompetenceNode.from_row(row.competence), coalition=CoverageCellNode.from_cell(row.total))
                for row in item.competences
            ],
        )


@readable_with(COVERAGE_READ)
@strawberry.type(name="AdoptedPracticeExample", description="Een gepubliceerd praktijkvoorbeeld en hoe vaak coalities het in het jaar overnamen.")
class AdoptedPracticeExampleNode:
    example_id: strawberry.ID
    title: str = strawberry.field(description="De titel van de versie die iedereen leest.")
    gemeente_name: str = strawberry.field(description="De gemeente waar het voorbeeld vandaan komt.")
    adoptions: int = strawberry.field(description="Hoeveel coalities het overnamen (over het hele land).")

    @classmethod
    def from_result(cls, item: AdoptedExample) -> AdoptedPracticeExampleNode:
        return cls(example_id=strawberry.ID(str(item.example_id)), title=item.title, gemeente_name=item.gemeente_name, adoptions=item.adoptions)


@readable_with(COVERAGE_READ)
@strawberry.type(name="LearningFigures", description="De cijfers over samen leren van een jaar; aantallen mensen onder de drempel worden niet getoond.")
class LearningFiguresNode:
    year: int
    threshold: int = strawberry.field(description="Het kleinste aantal mensen dat getoond wordt.")
    activities_by_kind: list[ActivityKindCountNode] = strawberry.field(description="Elke soort, ook met nul.")
    activities_total: int
    participants_by_partner_type: list[PartnerTypeParticipantsNode] = strawberry.field(description="De soorten met deelnemers, zonder organisatie als laatste.")
    participants_total: CoverageCountNode = strawberry.field(description="De verschillende leden die deelnamen.")
    coverage_by_quarter: list[QuarterCompetenceCoverageNode] = strawberry.field(
        description="De kwartalen van het jaar die begonnen zijn, over de professionals van vandaag."
    )
    most_adopted_examples: list[AdoptedPracticeExampleNode] = strawberry.field(description="De tien het vaakst overgenomen voorbeelden van het land, het vaakst eerst.")

    @classmethod
    def from_result(cls, result: LearningFigures) -> LearningFiguresNode:
        return cls(
            year=result.year,
            threshold=result.threshold,
            activities_by_kind=[ActivityKindCountNode.from_count(item) for item in result.activities],
            activities_total=sum(item.count for item in result.activities),
            participants_by_partner_type=[PartnerTypeParticipantsNode.from_result(item) for item in result.participants],
            participants_total=CoverageCountNode.from_count(result.participants_total),
            coverage_by_quarter=[QuarterCompetenceCoverageNode.from_result(item) for item in result.coverage],
            most_adopted_examples=[AdoptedPracticeExampleNode.from_result(item) for item in result.most_adopted],
        )
