"""The queries of learning activities: the coalition's activities (a Relay connection, the
first to start first), one activity, and the asking member's registrations."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import Connection, field
from plugins.handvat4_leren.graphql.activities.inputs import LearningActivityFilter
from plugins.handvat4_leren.graphql.activities.types import ActivityRegistrationNode, LearningActivityNode
from plugins.handvat4_leren.permissions import ACTIVITIES_READ
from plugins.handvat4_leren.services import activities


@strawberry.type
class LearningActivitiesQuery:
    @field(
        permission=ACTIVITIES_READ,
        description="De leeractiviteiten van de coalitie, de eerste die begint eerst; zonder filter de komende en lopende die doorgaan.",
    )
    async def learning_activities(
        self, info: Info, filter: LearningActivityFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[LearningActivityNode]:
        given = filter or LearningActivityFilter()
        filters = {
            "kind": given.kind.value if given.kind else None,
            "from": given.from_,
            "to": given.to,
            "competence_key": given.competence_key,
            "organiser_partner_id": given.organiser_partner_id,
            "include_cancelled": given.include_cancelled,
        }
        return await activities.activities_page(info.context, filters, first=first, after=after, to_nodes=LearningActivityNode.from_rows)

    @field(permission=ACTIVITIES_READ, description="Een leeractiviteit met haar data, plaatsen en de eigen inschrijving.")
    async def learning_activity(self, info: Info, id: strawberry.ID) -> LearningActivityNode:
        return LearningActivityNode.from_row(await activities.read_activity(info.context, id))

    @field(
        permission=ACTIVITIES_READ,
        description="De eigen inschrijvingen (zonder afmeldingen): komende en lopende activiteiten eerst, de eerste eerst; dan voorbije, de laatste eerst.",
    )
    async def my_activity_registrations(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[ActivityRegistrationNode]:
        return await activities.my_registrations_page(info.context, first=first, after=after, to_nodes=ActivityRegistrationNode.from_views)
