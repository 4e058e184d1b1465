"""The query root of the monitoring view: one service call, wrapped."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import field
from plugins.handvat1_zicht.graphql.monitoring.types import WijkMonitoringNode
from plugins.handvat1_zicht.permissions import FIGURES_READ
from plugins.handvat1_zicht.services import monitoring


@strawberry.type
class MonitoringQuery:
    @field(
        permission=FIGURES_READ,
        description=(
            "Dienende monitoring van een jaar: per wijk de CBS-cijfers naast het eigen werk van de coalitie (signalen, verwijzingen, "
            "checks op regelingen), kleine aantallen onderdrukt, met het aantal per 100 geboorten. Alleen de eigen gemeente."
        ),
    )
    async def wijk_monitoring(self, info: Info, year: int) -> WijkMonitoringNode:
        return WijkMonitoringNode.from_result(await monitoring.wijk_monitoring(info.context, year))
