"""The queries of the practice library: the library of every coalition (search and
filters), one example, and the coalition's own examples with the drafts."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import Connection, field
from plugins.handvat4_leren.graphql.library.enums import PracticeExampleState
from plugins.handvat4_leren.graphql.library.inputs import PracticeLibraryFilter
from plugins.handvat4_leren.graphql.library.types import PracticeExampleNode
from plugins.handvat4_leren.permissions import LIBRARY_READ
from plugins.handvat4_leren.services import library, search as library_search


def _values(members: list | None) -> list[str]:
    return [item.value for item in members or ()]


@strawberry.type
class LibraryQuery:
    @field(
        permission=LIBRARY_READ,
        description=(
            "De landelijke bibliotheek: de gepubliceerde praktijkvoorbeelden van elke coalitie (ook de eigen). Met `search` "
            "(Nederlands, vervoegingen en meervouden vinden elkaar; stopwoorden tellen niet) op relevantie, anders de laatst "
            "gepubliceerde eerst; te filteren op thema, doelgroep en gemeentegrootte."
        ),
    )
    async def practice_library(
        self,
        info: Info,
        search: str | None = None,
        filter: PracticeLibraryFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PracticeExampleNode]:
        return await library_search.library_page(
            info.context,
            search=search,
            themes=_values(filter.themes if filter else None),
            target_groups=_values(filter.target_groups if filter else None),
            gemeente_sizes=_values(filter.gemeente_sizes if filter else None),
            first=first,
            after=after,
            to_nodes=PracticeExampleNode.from_views,
        )

    @field(permission=LIBRARY_READ, description="Een gepubliceerd praktijkvoorbeeld van een coalitie, of een eigen (ook een concept).")
    async def practice_example(self, info: Info, id: strawberry.ID) -> PracticeExampleNode:
        return PracticeExampleNode.from_view(await library.read_example(info.context, id))

    @field(permission=LIBRARY_READ, description="De eigen praktijkvoorbeelden van de coalitie, ook concepten en ingetrokken, de nieuwste eerst.")
    async def own_practice_examples(
        self,
        info: Info,
        state: PracticeExampleState | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PracticeExampleNode]:
        return await library.own_examples_page(
            info.context, state=state.value if state else None, first=first, after=after, to_nodes=PracticeExampleNode.from_views
        )
