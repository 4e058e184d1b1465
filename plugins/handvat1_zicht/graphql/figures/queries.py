"""The query root type of handvat 1. Each resolver calls one service function and wraps
its answer; both root lists are Relay connections computed per request (paged by position)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import Connection, field, paginate_list
from plugins.handvat1_zicht.graphql.figures.types import IndicatorNode, WijkFigureNode
from plugins.handvat1_zicht.permissions import FIGURES_READ
from plugins.handvat1_zicht.services import figures


@strawberry.type
class FiguresQuery:
    @field(permission=FIGURES_READ, description="De indicatoren: de CBS-kerncijfers die het platform bewaart en de eigen indicatoren van de coalitie.")
    async def indicators(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[IndicatorNode]:
        listed = await figures.indicators(info.context)
        return await paginate_list(listed, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=IndicatorNode.from_info)

    @field(
        permission=FIGURES_READ,
        description="De cijfers van de gemeente en haar wijken (of alleen van wijkCodes), per gebied, indicator en jaar. Alleen de eigen gemeente.",
    )
    async def wijk_figures(
        self,
        info: Info,
        wijk_codes: list[str] | None = None,
        indicators: list[str] | None = None,
        periods: list[int] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WijkFigureNode]:
        rows = await figures.wijk_figures(info.context, wijk_codes=wijk_codes, indicators=indicators, periods=periods)
        return await paginate_list(rows, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=WijkFigureNode.from_row)
