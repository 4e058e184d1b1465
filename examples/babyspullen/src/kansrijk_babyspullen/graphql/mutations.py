"""The Mutation root: `input_data(input)` to a service, a payload back."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation

from kansrijk_babyspullen.graphql.inputs import MoveStarterPackageRequestInput, RequestStarterPackageInput
from kansrijk_babyspullen.graphql.types import StarterPackageRequest, StarterPackageRequestPayload
from kansrijk_babyspullen.permissions import REQUEST_CREATE, REQUEST_READ
from kansrijk_babyspullen.services import requests


@strawberry.type
class Mutation:
    @mutation(
        permission=REQUEST_CREATE,
        description="Een startpakket aanvragen bij de stichting voor een gezin dat toestemming gaf om met haar te delen "
        "(handvat 2). Geen naam, geen BSN; een bezorgadres alleen bij bezorgen.",
    )
    async def request_starter_package(self, info: Info, input: RequestStarterPackageInput) -> StarterPackageRequestPayload:
        view = await requests.request_package(info.context, input_data(input))
        return StarterPackageRequestPayload(request=StarterPackageRequest.from_view(view))

    @mutation(
        permission=REQUEST_READ,
        description="Een stap van een aanvraag zetten: de stichting neemt aan, wijst af (met reden), zet klaar en legt de "
        "overdracht vast; de aanvrager trekt in. Elke stap krijgt de aanvrager te horen.",
    )
    async def move_starter_package_request(self, info: Info, input: MoveStarterPackageRequestInput) -> StarterPackageRequestPayload:
        view = await requests.move(info.context, input_data(input))
        return StarterPackageRequestPayload(request=StarterPackageRequest.from_view(view))
