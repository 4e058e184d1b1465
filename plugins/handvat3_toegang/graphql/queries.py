"""The query root types of handvat 3: the coalition's (behind login) and the public one for
parents (published catalogue, check and search; no login, rate-limited, stores nothing
about the household). Each resolver calls one service function and wraps its answer."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from core.plugin import field, input_data
from plugins.handvat3_toegang.eligibility import FACTS
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
)
from plugins.handvat3_toegang.permissions import CATALOGUE_MANAGE, CATALOGUE_READ, CHECK_RUN, USAGE_READ
from plugins.handvat3_toegang.services import catalogue, check, parameters, rules, sociale_kaart, usage


@strawberry.type
class ToegangQuery:
    @field(permission=CATALOGUE_READ, description="De catalogus van regelingen van de gemeente, in haar volgorde.")
    async def regelingen(self, info: Info, category: str | None = None, include_hidden: bool = False) -> list[RegelingNode]:
        rows = await catalogue.regelingen(info.context, category=category, include_hidden=include_hidden)
        return [RegelingNode.from_row(row) for row in rows]

    @field(permission=CATALOGUE_READ)
    async def regeling(self, info: Info, id: strawberry.ID) -> RegelingNode:
        return RegelingNode.from_row(await catalogue.get_regeling(info.context, id))

    @field(permission=CHECK_RUN, description="Voor welke regelingen dit huishouden in aanmerking komt, met uitleg.")
    async def eligibility_check(
        self, info: Info, profile: HouseholdProfileInput, reference_date: dt.date | None = None
    ) -> list[CheckResultNode]:
        results = await check.check(info.context, input_data(profile), reference_date, public=False)
        return [CheckResultNode.from_result(result) for result in results]

    @field(permission=CATALOGUE_MANAGE, description="De parameters van de regels zoals ze op de peildatum gelden.")
    async def toegang_parameters(self, info: Info, reference_date: dt.date | None = None) -> list[ParameterNode]:
        return [ParameterNode.from_parameter(parameter) for parameter in await parameters.parameters_on(info.context, reference_date)]

    @field(permission=CATALOGUE_MANAGE, description="Voer de testgevallen van de regelingen uit: landelijke met de landelijke waarden, eigen en aangepaste met de waarden van de gemeente.")
    async def run_test_vectors(self, info: Info, regeling_ids: list[strawberry.ID] | None = None) -> list[TestVectorResultNode]:
        return [
            TestVectorResultNode.from_result(row, result)
            for row, results in await rules.run_all_vectors(info.context, regeling_ids)
            for result in results
        ]

    @field(permission=CATALOGUE_READ, description="De sociale kaart: het aanbod van de partnerorganisaties.")
    async def services(self, info: Info, wijk_code: str | None = None) -> list[ServiceNode]:
        return [ServiceNode.from_row(row) for row in await sociale_kaart.services(info.context, wijk_code, public=False)]

    @field(permission=CATALOGUE_READ, description="Zoeken in regelingen en aanbod (Nederlands).")
    async def toegang_search(self, info: Info, query: str) -> list[SearchHitNode]:
        return [SearchHitNode.from_hit(kind, row) for kind, row in await catalogue.search(info.context, query, public=False)]

    @field(permission=USAGE_READ, description="Bekendheid en gebruik per regeling; de minst bekende eerst.")
    async def regeling_usage(self, info: Info) -> list[RegelingUsageNode]:
        return [RegelingUsageNode.from_usage(item) for item in await usage.regeling_usage(info.context)]

    @field(permission=CATALOGUE_READ, description="De gegevens die de regels kunnen gebruiken.")
    async def eligibility_facts(self, info: Info) -> JSON:
        return dict(FACTS)


@strawberry.type
class ToegangPublicQuery:
    @field(public=True, description="De gepubliceerde regelingen van de gemeente.")
    async def regelingen(self, info: Info, category: str | None = None) -> list[PublicRegelingNode]:
        return [PublicRegelingNode.from_row(row) for row in await catalogue.public_regelingen(info.context, category=category)]

    @field(public=True, description="Eén gepubliceerde regeling.")
    async def regeling(self, info: Info, key: str) -> PublicRegelingNode:
        return PublicRegelingNode.from_row(await catalogue.public_regeling(info.context, key))

    @field(public=True, description="Check: voor welke regelingen komt dit huishouden in aanmerking? Er wordt niets over het huishouden bewaard.")
    async def eligibility_check(self, info: Info, profile: HouseholdProfileInput, reference_date: dt.date | None = None) -> list[CheckResultNode]:
        results = await check.public_check(info.context, input_data(profile), reference_date)
        return [CheckResultNode.from_result(result) for result in results]

    @field(public=True, description="Zoeken in de gepubliceerde regelingen en het aanbod.")
    async def search(self, info: Info, query: str) -> list[SearchHitNode]:
        return [SearchHitNode.from_hit(kind, row) for kind, row in await catalogue.search(info.context, query, public=True)]

    @field(public=True, description="Het gepubliceerde aanbod van de sociale kaart.")
    async def services(self, info: Info, wijk_code: str | None = None) -> list[PublicServiceNode]:
        return [PublicServiceNode.from_row(row) for row in await sociale_kaart.services(info.context, wijk_code, public=True)]
