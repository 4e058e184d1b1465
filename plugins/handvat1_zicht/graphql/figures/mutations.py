"""The mutation root type of handvat 1: one `input`, one service call, a payload back;
the platform runs it in its own transaction (nothing is written when it fails)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from plugins.handvat1_zicht.graphql.figures.inputs import ImportOwnIndicatorInput
from plugins.handvat1_zicht.graphql.figures.types import ImportOwnIndicatorPayload, IndicatorNode
from plugins.handvat1_zicht.permissions import OWN_INDICATORS_MANAGE
from plugins.handvat1_zicht.services import own


@strawberry.type
class FiguresMutation:
    @mutation(
        permission=OWN_INDICATORS_MANAGE,
        description="Een eigen indicator per wijk toevoegen of bijwerken met een CSV (een nieuwe upload voor hetzelfde jaar vervangt de waarden van dat jaar).",
    )
    async def import_own_indicator(self, info: Info, input: ImportOwnIndicatorInput) -> ImportOwnIndicatorPayload:
        indicator, count = await own.import_own_indicator(info.context, input_data(input))
        return ImportOwnIndicatorPayload(indicator=IndicatorNode.from_own(indicator), imported=count)
