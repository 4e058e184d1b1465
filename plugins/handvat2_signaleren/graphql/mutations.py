"""The mutations of handvat 2: each takes one `input` as data (`input_data`) to one service
function and answers a payload with what it changed."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.plugin import input_data, mutation
from core.plugin import enum_member as member
from plugins.handvat2_signaleren.graphql.enums import Classification
from plugins.handvat2_signaleren.graphql.inputs import (
    AddPlanItemInput,
    CloseFamilyInput,
    CreateReferralInput,
    EraseFamilyInput,
    MarkFeedbackReadInput,
    MoveReferralInput,
    RecordConsentInput,
    RecordSignalInput,
    RegisterFamilyInput,
    RevokeConsentInput,
    UpdateFamilyInput,
    UpdatePlanItemInput,
)
from plugins.handvat2_signaleren.graphql.types import (
    ConsentNode,
    ConsentPayload,
    DeletionRecordNode,
    EraseFamilyPayload,
    FamilyNode,
    FamilyPayload,
    FeedbackNode,
    PlanItemNode,
    PlanItemPayload,
    ReferralFeedbackPayload,
    ReferralNode,
    ReferralPayload,
    SignalNode,
    SignalPayload,
    Worry,
)
from plugins.handvat2_signaleren.permissions import FAMILY_READ, FAMILY_RIGHTS, FAMILY_WRITE, FEEDBACK_READ, REFERRAL_SEND
from plugins.handvat2_signaleren.services.consent import record_consent, revoke_consent
from plugins.handvat2_signaleren.services.families import FamilyView, register_family, set_family_closed, update_family
from plugins.handvat2_signaleren.services.notifications import mark_notification_read
from plugins.handvat2_signaleren.services.plan import add_plan_item, update_plan_item
from plugins.handvat2_signaleren.services.referrals import create_referral, move_referral
from plugins.handvat2_signaleren.services.rights import erase_family
from plugins.handvat2_signaleren.services.signals import record_signal


async def _family_payload(info: Info, view: FamilyView) -> FamilyPayload:
    return FamilyPayload(family=(await FamilyNode.from_views(info, [view]))[0])


@strawberry.type
class SignalerenMutation:
    @mutation(permission=FAMILY_WRITE, description="Een gezin registreren (pseudoniem: alleen uw eigen kenmerk).")
    async def register_family(self, info: Info, input: RegisterFamilyInput) -> FamilyPayload:
        return await _family_payload(info, await register_family(info.context, input_data(input)))

    @mutation(permission=FAMILY_WRITE, description="De fase of wijk van een gezin bijwerken.")
    async def update_family(self, info: Info, input: UpdateFamilyInput) -> FamilyPayload:
        return await _family_payload(info, await update_family(info.context, input.id, input_data(input, exclude=("id",))))

    @mutation(permission=FAMILY_WRITE, description="Een gezin afsluiten (de bewaartermijn begint) of heropenen.")
    async def close_family(self, info: Info, input: CloseFamilyInput) -> FamilyPayload:
        return await _family_payload(info, await set_family_closed(info.context, input.id, input.closed))

    @mutation(permission=FAMILY_WRITE, description="Een signaal vastleggen met de indeling; geeft de gesprekshulp terug.")
    async def record_signal(self, info: Info, input: RecordSignalInput) -> SignalPayload:
        view, guides = await record_signal(info.context, input_data(input))
        return SignalPayload(
            signal=(await SignalNode.from_views(info, [view]))[0],
            suggested_classification=member(Classification, view.row.suggested_classification),
            guides=[Worry.from_data(item) for item in guides],
        )

    @mutation(permission=FAMILY_WRITE, description="De toestemming van de ouder vastleggen: doel, organisaties, hoe, wanneer, tot wanneer.")
    async def record_consent(self, info: Info, input: RecordConsentInput) -> ConsentPayload:
        return ConsentPayload(consent=(await ConsentNode.from_views(info, [await record_consent(info.context, input_data(input))]))[0])

    @mutation(permission=FAMILY_WRITE, description="De ouder trekt de toestemming in: lopende verwijzingen stoppen meteen.")
    async def revoke_consent(self, info: Info, input: RevokeConsentInput) -> ConsentPayload:
        return ConsentPayload(consent=(await ConsentNode.from_views(info, [await revoke_consent(info.context, input.id, input.note)]))[0])

    @mutation(permission=REFERRAL_SEND, description="Een warme verwijzing maken (en met send meteen versturen); vraagt geldige toestemming.")
    async def create_referral(self, info: Info, input: CreateReferralInput) -> ReferralPayload:
        view = await create_referral(info.context, input_data(input))
        return ReferralPayload(referral=(await ReferralNode.from_views(info, [view]))[0])

    @mutation(permission=FAMILY_READ, description="Een stap in de verwijzing zetten; elke stap vraagt zijn eigen toestemming.")
    async def move_referral(self, info: Info, input: MoveReferralInput) -> ReferralPayload:
        view = await move_referral(info.context, input.id, input_data(input, exclude=("id",)))
        return ReferralPayload(referral=(await ReferralNode.from_views(info, [view]))[0])

    @mutation(permission=FAMILY_WRITE, description="Een onderdeel aan het ondersteuningsplan toevoegen.")
    async def add_plan_item(self, info: Info, input: AddPlanItemInput) -> PlanItemPayload:
        return PlanItemPayload(plan_item=PlanItemNode.from_row(await add_plan_item(info.context, input_data(input))))

    @mutation(permission=FAMILY_WRITE, description="Een onderdeel van het ondersteuningsplan bijwerken.")
    async def update_plan_item(self, info: Info, input: UpdatePlanItemInput) -> PlanItemPayload:
        row = await update_plan_item(info.context, input.id, input_data(input, exclude=("id",)))
        return PlanItemPayload(plan_item=PlanItemNode.from_row(row))

    @mutation(permission=FEEDBACK_READ, description="Een terugkoppeling als gelezen markeren.")
    async def mark_referral_feedback_read(self, info: Info, input: MarkFeedbackReadInput) -> ReferralFeedbackPayload:
        return ReferralFeedbackPayload(feedback=FeedbackNode.from_row(await mark_notification_read(info.context, input.id)))

    @mutation(permission=FAMILY_RIGHTS, description="Een gezin op verzoek wissen; een vastlegging (alleen kenmerken) blijft.")
    async def erase_family(self, info: Info, input: EraseFamilyInput) -> EraseFamilyPayload:
        record = await erase_family(info.context, input.family_id, input.reason)
        return EraseFamilyPayload(family_id=strawberry.ID(record.family_ids[0]), deletion=DeletionRecordNode.from_row(record))
