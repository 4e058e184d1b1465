"""The queries of the startfoto: the pictures (newest first), one picture, and two
pictures compared."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import Connection, field, paginate
from plugins.handvat1_zicht.graphql.startfoto.enums import StartfotoKind
from plugins.handvat1_zicht.graphql.startfoto.types import StartfotoComparisonNode, StartfotoNode
from plugins.handvat1_zicht.permissions import FIGURES_READ
from plugins.handvat1_zicht.services import startfoto


@strawberry.type
class StartfotoQuery:
    @field(permission=FIGURES_READ, description="De startfoto's en vervolgfoto's van de coalitie, nieuwste peildatum eerst.")
    async def startfotos(
        self,
        info: Info,
        kind: StartfotoKind | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StartfotoNode]:
        return await paginate(
            info.context.session,
            startfoto.startfotos_statement(kind.value if kind else None),
            order_by=startfoto.STARTFOTO_ORDER,
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=StartfotoNode.from_row,
            descending=True,
        )

    @field(permission=FIGURES_READ, description="Een startfoto of vervolgfoto.")
    async def startfoto(self, info: Info, id: strawberry.ID) -> StartfotoNode:
        return StartfotoNode.from_row(await startfoto.read_startfoto(info.context, id))

    @field(
        permission=FIGURES_READ,
        description="Een vervolgfoto naast haar startfoto (of twee andere foto's): per indicator en gebied het laatste cijfer van elk en het verschil, zonder verschil over een reeksbreuk.",
    )
    async def startfoto_comparison(self, info: Info, baseline_id: strawberry.ID, follow_up_id: strawberry.ID) -> StartfotoComparisonNode:
        return StartfotoComparisonNode.from_comparison(await startfoto.compare(info.context, baseline_id, follow_up_id))
