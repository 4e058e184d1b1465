"""The queries of handvat 2. Family data is readable with `family.read` and, on top of
that, only for the organisations the services allow (without an organisation:
ORGANISATION_REQUIRED). Every list at the root is a Relay connection (`first`, `after`)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from core.plugin import Connection, field, paginate_list, selected_node_fields
from plugins.handvat2_signaleren.figures import coalition_figures
from plugins.handvat2_signaleren.graphql.enums import FamilyStatus, ReferralDirection, ReferralState
from plugins.handvat2_signaleren.graphql.types import (
    DeletionRecordNode,
    FamilyNode,
    FeedbackNode,
    OverdueReferralNode,
    ReferralNode,
    SignaleringFigures,
    SignaleringOptions,
)
from plugins.handvat2_signaleren.permissions import FAMILY_READ, FAMILY_RIGHTS, FEEDBACK_READ, FIGURES_READ, GUIDE_READ, REFERRAL_OVERDUE
from plugins.handvat2_signaleren.services.families import families_page, read_family
from plugins.handvat2_signaleren.services.notifications import notifications_page
from plugins.handvat2_signaleren.services.referrals import overdue_referrals, read_referral, referrals_page
from plugins.handvat2_signaleren.services.rights import deletion_records_page, export_family
from plugins.handvat2_signaleren.services.signals import recording_options


@strawberry.type
class SignalerenQuery:
    @field(permission=GUIDE_READ, description="De zorgen met gesprekshulp, de factoren en de indeling, zoals de gemeente ze instelde.")
    async def signalering_options(self, info: Info) -> SignaleringOptions:
        return SignaleringOptions.from_data(await recording_options(info.context))

    @field(permission=FAMILY_READ, description="De gezinnen die uw organisatie mag zien, nieuwste eerst.")
    async def families(
        self,
        info: Info,
        status: FamilyStatus | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FamilyNode]:
        return await families_page(
            info.context,
            status=status.value if status else None,
            first=first,
            after=after,
            to_nodes=lambda views: FamilyNode.from_views(info, views, selected_node_fields(info, connection=True) or ()),
        )

    @field(permission=FAMILY_READ, description="Een gezin met signalen, toestemming, verwijzingen en plan.")
    async def family(self, info: Info, id: strawberry.ID) -> FamilyNode:
        view = await read_family(info.context, id)
        return (await FamilyNode.from_views(info, [view], selected_node_fields(info, connection=False) or ()))[0]

    @field(permission=FAMILY_READ, description="Verwijzingen van of naar uw organisatie, nieuwste eerst.")
    async def referrals(
        self,
        info: Info,
        direction: ReferralDirection | None = None,  # type: ignore[valid-type]
        state: ReferralState | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ReferralNode]:
        return await referrals_page(
            info.context,
            direction=direction.value if direction else None,
            state=state.value if state else None,
            first=first,
            after=after,
            to_nodes=lambda views: ReferralNode.from_views(info, views),
        )

    @field(permission=FAMILY_READ, description="Eén verwijzing van of naar uw organisatie.")
    async def referral(self, info: Info, id: strawberry.ID) -> ReferralNode:
        return (await ReferralNode.from_views(info, [await read_referral(info.context, id)]))[0]

    @field(permission=REFERRAL_OVERDUE, description="Verwijzingen waarop de ontvangende organisatie te laat reageert, de langst verlopen eerst.")
    async def overdue_referrals(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[OverdueReferralNode]:
        today = dt.date.today()
        rows = await overdue_referrals(info.context, today)
        return await paginate_list(rows, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size, to_nodes=lambda page: OverdueReferralNode.from_rows(info, page, today))

    @field(permission=FEEDBACK_READ, description="Uw terugkoppelingen over verwijzingen, nieuwste eerst.")
    async def referral_feedback(
        self, info: Info, unread_only: bool = False, first: int | None = None, after: str | None = None
    ) -> Connection[FeedbackNode]:
        async def to_nodes(rows: list) -> list[FeedbackNode]:
            return [FeedbackNode.from_row(row) for row in rows]

        return await notifications_page(info.context, unread_only=unread_only, first=first, after=after, to_nodes=to_nodes)

    @field(permission=FIGURES_READ, description="Cijfers over signalen en verwijzingen per wijk en maand (JJJJ-MM).")
    async def signalering_figures(self, info: Info, period_from: str | None = None, period_to: str | None = None) -> SignaleringFigures:
        return SignaleringFigures.from_figures(await coalition_figures(info.context, period_from, period_to))

    @field(permission=FAMILY_RIGHTS, description="Alles over één gezin, met wie het inzag (recht op inzage). Wordt vastgelegd.")
    async def family_export(self, info: Info, family_id: strawberry.ID) -> JSON:
        return await export_family(info.context, family_id)

    @field(permission=FAMILY_RIGHTS, description="De vastleggingen van anonimiseren (bewaartermijn) en wissen (op verzoek), nieuwste eerst.")
    async def family_deletions(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[DeletionRecordNode]:
        async def to_nodes(rows: list) -> list[DeletionRecordNode]:
            return [DeletionRecordNode.from_row(row) for row in rows]

        return await deletion_records_page(info.context, first=first, after=after, to_nodes=to_nodes)
