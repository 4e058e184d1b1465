"""The query root of the figures: one service call, wrapped."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import field
from plugins.handvat4_leren.graphql.figures.types import LearningFiguresNode
from plugins.handvat4_leren.permissions import COVERAGE_READ
from plugins.handvat4_leren.services import figures


@strawberry.type
class LearningFiguresQuery:
    @field(
        permission=COVERAGE_READ,
        description=(
            "De cijfers over samen leren van een jaar: activiteiten per soort, deelnemers per soort organisatie, de dekking van de "
            "competenties per kwartaal en de meest overgenomen praktijkvoorbeelden van het land; kleine aantallen mensen onderdrukt."
        ),
    )
    async def learning_figures(self, info: Info, year: int) -> LearningFiguresNode:
        return LearningFiguresNode.from_result(await figures.learning_figures(info.context, year))
