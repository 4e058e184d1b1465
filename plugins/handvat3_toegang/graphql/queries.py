"""The query root types of handvat 3: the coalition's (behind login) and the public one for
parents (published catalogue, check and search; no login, rate-limited, stores nothing
about the household). Each resolver calls one service function and wraps its answer; every
list at the root is a Relay connection (`first`, `after`): a query's page from the
database (`paginate` in the service), a computed list's page in memory (`paginate_list`)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from core.plugin import Connection, field, input_data, paginate_list, selected_node_fields
from plugins.handvat3_toegang.eligibility import FACTS
from plugins.handvat3_toegang.graphql.enums import RegelingCategory
from plugins.handvat3_toegang.graphql.inputs import HouseholdProfileInput
from plugins.handvat3_toegang.graphql.types import (
    CheckResultNode,
    ParameterNode,
    PublicRegelingNode,
    PublicServiceNode,
    RegelingNode,
    RegelingUsageNode,
    SearchHitNode,
    ServiceNode,
    TestVectorResultNode,
    regeling_columns,
)
from plugins.handvat3_toegang.permissions import CATALOGUE_MANAGE, CATALOGUE_READ, CHECK_RUN, USAGE_READ
from plugins.handvat3_toegang.services import catalogue, check, parameters, rules, sociale_kaart, usage


@strawberry.type
class ToegangQuery:
    @field(permission=CATALOGUE_READ, description="De catalogus van regelingen van de gemeente, in haar volgorde.")
    async def regelingen(
        self,
        info: Info,
        category: RegelingCategory | None = None,  # type: ignore[valid-type]
        include_hidden: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RegelingNode]:
        fields = selected_node_fields(info, connection=True)
        return await catalogue.regelingen_page(
            info.context,
            category=category.value if category else None,
            include_hidden=include_hidden,
            first=first,
            after=after,
            columns=regeling_columns(fields),
            to_nodes=lambda rows: RegelingNode.of_page(info, rows, fields),
        )

    @field(permission=CATALOGUE_READ)
    async def regeling(self, info: Info, id: strawberry.ID) -> RegelingNode:
        fields = selected_node_fields(info, connection=False)
        row = await catalogue.get_regeling(info.context, id, columns=regeling_columns(fields))
        return (await RegelingNode.of_page(info, [row], fields))[0]

    @field(permission=CHECK_RUN, description="Voor welke regelingen dit huishouden in aanmerking komt, met uitleg; de meest passende eerst.")
    async def eligibility_check(
        self,
        info: Info,
        profile: HouseholdProfileInput,
        reference_date: dt.date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CheckResultNode]:
        results = await check.check(info.context, input_data(profile), reference_date, public=False)
        return await paginate_list(results, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=CheckResultNode.from_result)

    @field(permission=CATALOGUE_MANAGE, description="De parameters van de regels zoals ze op de peildatum gelden.")
    async def toegang_parameters(
        self, info: Info, reference_date: dt.date | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[ParameterNode]:
        listed = await parameters.parameters_on(info.context, reference_date)
        return await paginate_list(listed, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=ParameterNode.from_parameter)

    @field(permission=CATALOGUE_MANAGE, description="Voer de testgevallen van de regelingen uit: landelijke met de landelijke waarden, eigen en aangepaste met de waarden van de gemeente.")
    async def run_test_vectors(
        self, info: Info, regeling_ids: list[strawberry.ID] | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[TestVectorResultNode]:
        results = [(row, result) for row, outcomes in await rules.run_all_vectors(info.context, regeling_ids) for result in outcomes]
        return await paginate_list(results, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=lambda pair: TestVectorResultNode.from_result(*pair))

    @field(permission=CATALOGUE_READ, description="De sociale kaart: het aanbod van de partnerorganisaties, op naam.")
    async def services(
        self, info: Info, wijk_code: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[ServiceNode]:
        rows = await sociale_kaart.services(info.context, wijk_code, public=False)
        return await paginate_list(rows, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=ServiceNode.from_row)

    @field(permission=CATALOGUE_READ, description="Zoeken in regelingen en aanbod (Nederlands), de beste eerst.")
    async def toegang_search(self, info: Info, query: str, first: int | None = None, after: str | None = None) -> Connection[SearchHitNode]:
        hits = await catalogue.search(info.context, query, public=False)
        return await paginate_list(hits, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=lambda hit: SearchHitNode.from_hit(*hit))

    @field(permission=USAGE_READ, description="Bekendheid en gebruik per regeling; de minst bekende eerst.")
    async def regeling_usage(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[RegelingUsageNode]:
        return await paginate_list(await usage.regeling_usage(info.context), first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=RegelingUsageNode.from_usage)

    @field(permission=CATALOGUE_READ, description="De gegevens die de regels kunnen gebruiken: naam (zoals een regel hem leest) en omschrijving.")
    async def eligibility_facts(self, info: Info) -> JSON:
        return dict(FACTS)


@strawberry.type
class ToegangPublicQuery:
    @field(public=True, description="De gepubliceerde regelingen van de gemeente, in haar volgorde.")
    async def regelingen(
        self,
        info: Info,
        category: RegelingCategory | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PublicRegelingNode]:
        fields = selected_node_fields(info, connection=True)
        return await catalogue.public_regelingen_page(
            info.context,
            category=category.value if category else None,
            first=first,
            after=after,
            columns=regeling_columns(fields),
            to_nodes=lambda rows: PublicRegelingNode.of_page(info, rows, fields),
        )

    @field(public=True, description="Eén gepubliceerde regeling.")
    async def regeling(self, info: Info, key: str) -> PublicRegelingNode:
        fields = selected_node_fields(info, connection=False)
        row = await catalogue.public_regeling(info.context, key, columns=regeling_columns(fields))
        return (await PublicRegelingNode.of_page(info, [row], fields))[0]

    @field(public=True, description="Check: voor welke regelingen komt dit huishouden in aanmerking? Er wordt niets over het huishouden bewaard.")
    async def eligibility_check(
        self,
        info: Info,
        profile: HouseholdProfileInput,
        reference_date: dt.date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CheckResultNode]:
        results = await check.public_check(info.context, input_data(profile), reference_date)
        return await paginate_list(results, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=CheckResultNode.from_result)

    @field(public=True, description="Zoeken in de gepubliceerde regelingen en het aanbod, de beste eerst.")
    async def search(self, info: Info, query: str, first: int | None = None, after: str | None = None) -> Connection[SearchHitNode]:
        hits = await catalogue.search(info.context, query, public=True)
        return await paginate_list(hits, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=lambda hit: SearchHitNode.from_hit(*hit))

    @field(public=True, description="Het gepubliceerde aanbod van de sociale kaart, op naam.")
    async def services(
        self, info: Info, wijk_code: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[PublicServiceNode]:
        rows = await sociale_kaart.services(info.context, wijk_code, public=True)
        return await paginate_list(rows, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_node=PublicServiceNode.from_row)
