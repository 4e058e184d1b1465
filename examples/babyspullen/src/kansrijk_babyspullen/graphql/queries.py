"""The Query root: call one service, wrap the result."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import Connection, field, paginate, record_processing

from kansrijk_babyspullen.config import CLOTHING_SIZES, DIAPER_SIZES
from kansrijk_babyspullen.graphql.enums import StarterPackageState
from kansrijk_babyspullen.graphql.types import ItemNode, StarterPackageInboxGemeente, StarterPackageList, StarterPackageRequest
from kansrijk_babyspullen.models import StarterPackageRequest as RequestRow
from kansrijk_babyspullen.permissions import LIST_READ, REQUEST_HANDLE, REQUEST_READ
from kansrijk_babyspullen.processing import REQUESTS
from kansrijk_babyspullen.services import inbox, requests


@strawberry.type
class Query:
    @field(permission=LIST_READ, description="De lijst van spullen en uitgiftepunten van de stichting in deze gemeente.")
    async def starter_package_list(self, info: Info) -> StarterPackageList:
        config = await requests.gemeente_config(info.context)
        return StarterPackageList(
            configured=config.foundation_id is not None,
            items=[ItemNode(key=item.key, label=item.label) for item in config.items],
            pickup_points=list(config.pickup_points),
            delivers=config.delivers,
            clothing_sizes=list(CLOTHING_SIZES),
            diaper_sizes=list(DIAPER_SIZES),
        )

    @field(
        permission=REQUEST_READ,
        description="De aanvragen van uw organisatie (als aanvrager) of aan haar (als stichting) in deze gemeente, nieuwste eerst.",
    )
    async def starter_package_requests(
        self,
        info: Info,
        states: list[StarterPackageState] | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StarterPackageRequest]:
        context = info.context
        statement = requests.list_statement(context, [state.value for state in states] if states else None)
        config = await requests.gemeente_config(context)

        async def to_nodes(rows: list[RequestRow]) -> list[StarterPackageRequest]:
            record_processing(context, REQUESTS, "starterPackageRequests", [row.id for row in rows], "read")
            return [StarterPackageRequest.from_view(view) for view in await requests.views(context, rows, config)]

        return await paginate(
            context.session,
            statement,
            order_by=[RequestRow.requested_at, RequestRow.id],
            descending=True,
            first=first,
            after=after,
            max_page_size=context.settings.graphql_max_page_size,
            to_nodes=to_nodes,
        )

    @field(
        permission=REQUEST_HANDLE,
        description="De inbox van de stichting: de open aanvragen aan uw organisatie in elke gemeente waar u lid bent en de "
        "module aan staat, per gemeente (elke gemeente apart gelezen en gelogd). Nooit een gemeente waar u geen lid bent.",
    )
    async def starter_package_inbox(
        self, info: Info, states: list[StarterPackageState] | None = None  # type: ignore[valid-type]
    ) -> list[StarterPackageInboxGemeente]:
        sections = await inbox.inbox(info.context, [state.value for state in states] if states else None)
        return [StarterPackageInboxGemeente.from_section(section) for section in sections]
