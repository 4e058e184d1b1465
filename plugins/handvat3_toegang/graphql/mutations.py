"""The mutation root type of handvat 3. Each mutation turns its one `input` into data
(`input_data`), calls one service function and answers a payload with what it changed;
the platform runs it in its own transaction."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from plugins.handvat3_toegang.graphql.inputs import (
    MarkKnownInput,
    MarkReferredInput,
    RegelingInput,
    RegelingVisibilityInput,
    ReorderInput,
    ServiceInput,
    SetParameterInput,
    UpdateRegelingInput,
    UpdateServiceInput,
)
from plugins.handvat3_toegang.graphql.types import (
    ParameterNode,
    RegelingNode,
    RegelingPayload,
    ReorderRegelingenPayload,
    ServiceNode,
    ServiceOfferPayload,
    SyncNationalCataloguePayload,
    ToegangParameterPayload,
)
from plugins.handvat3_toegang.permissions import CATALOGUE_MANAGE, CHECK_RUN, KNOWLEDGE_MARK, SERVICES_MANAGE
from plugins.handvat3_toegang.services import catalogue, parameters, sociale_kaart, usage


@strawberry.type
class ToegangMutation:
    @mutation(permission=CATALOGUE_MANAGE, description="Een eigen regeling toevoegen (regels en testgevallen worden gecontroleerd).")
    async def create_regeling(self, info: Info, input: RegelingInput) -> RegelingPayload:
        row, warnings = await catalogue.save_regeling(info.context, input_data(input))
        return RegelingPayload(regeling=RegelingNode.from_row(row), warnings=warnings)

    @mutation(permission=CATALOGUE_MANAGE, description="Een regeling aanpassen, ook een landelijke (die wordt dan niet meer overschreven).")
    async def update_regeling(self, info: Info, input: UpdateRegelingInput) -> RegelingPayload:
        row, warnings = await catalogue.update_regeling(info.context, input.id, input_data(input.regeling))
        return RegelingPayload(regeling=RegelingNode.from_row(row), warnings=warnings)

    @mutation(permission=CATALOGUE_MANAGE, description="Een regeling verbergen, tonen, publiceren of terugtrekken.")
    async def set_regeling_visibility(self, info: Info, input: RegelingVisibilityInput) -> RegelingPayload:
        row = await catalogue.set_visibility(info.context, input.id, hidden=input.hidden, published=input.published)
        return RegelingPayload(regeling=RegelingNode.from_row(row), warnings=[])

    @mutation(permission=CATALOGUE_MANAGE, description="De volgorde van de catalogus: deze regelingen eerst.")
    async def reorder_regelingen(self, info: Info, input: ReorderInput) -> ReorderRegelingenPayload:
        return ReorderRegelingenPayload(regelingen=[RegelingNode.from_row(row) for row in await catalogue.reorder(info.context, input.ids)])

    @mutation(permission=CATALOGUE_MANAGE, description="De landelijke catalogus opnieuw overnemen (aangepaste regelingen blijven).")
    async def sync_national_catalogue(self, info: Info) -> SyncNationalCataloguePayload:
        return SyncNationalCataloguePayload(changed=await catalogue.sync_national(info.context))

    @mutation(permission=CATALOGUE_MANAGE, description="Een eigen waarde van een parameter vanaf een datum (bijvoorbeeld de inkomensgrens).")
    async def set_toegang_parameter(self, info: Info, input: SetParameterInput) -> ToegangParameterPayload:
        return ToegangParameterPayload(parameter=ParameterNode.from_parameter(await parameters.set_parameter(info.context, input_data(input))))

    @mutation(permission=SERVICES_MANAGE, description="Aanbod toevoegen aan de sociale kaart.")
    async def create_service(self, info: Info, input: ServiceInput) -> ServiceOfferPayload:
        return ServiceOfferPayload(service=ServiceNode.from_row(await sociale_kaart.save_service(info.context, input_data(input))))

    @mutation(permission=SERVICES_MANAGE, description="Aanbod op de sociale kaart wijzigen.")
    async def update_service(self, info: Info, input: UpdateServiceInput) -> ServiceOfferPayload:
        row = await sociale_kaart.update_service(info.context, input.id, input_data(input.service))
        return ServiceOfferPayload(service=ServiceNode.from_row(row))

    @mutation(permission=CHECK_RUN, description="Vastleggen dat je een gezin naar deze regeling verwees (alleen geteld).")
    async def mark_regeling_referred(self, info: Info, input: MarkReferredInput) -> RegelingPayload:
        return RegelingPayload(regeling=RegelingNode.from_row(await usage.mark_referred(info.context, input.regeling_id)), warnings=[])

    @mutation(permission=KNOWLEDGE_MARK, description="Aangeven: 'ik ken deze regeling en kan hem uitleggen'.")
    async def mark_regeling_known(self, info: Info, input: MarkKnownInput) -> RegelingPayload:
        return RegelingPayload(regeling=RegelingNode.from_row(await usage.mark_known(info.context, input.regeling_id, input.known)), warnings=[])
