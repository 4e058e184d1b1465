"""The GraphQL inputs of handvat 2 (their enums: `enums`)."""

from __future__ import annotations

import datetime as dt

import strawberry

from plugins.handvat2_signaleren.graphql.enums import (
    Classification,
    ConsentMethod,
    FamilyPhase,
    PlanDomain,
    PlanStatus,
    ReferralOutcome,
    ReferralTransition,
    SupportType,
    WorryType,
)


@strawberry.input
class RegisterFamilyInput:
    local_reference: str = strawberry.field(description="Uw eigen kenmerk (geen naam, BSN, adres of geboortedatum).")
    phase: FamilyPhase  # type: ignore[valid-type]
    initials: str | None = None
    expected_month: str | None = strawberry.field(default=None, description="JJJJ-MM, bij zwanger.")
    birth_month: str | None = strawberry.field(default=None, description="JJJJ-MM, bij een kind van 0-2.")
    wijk_code: str | None = None


@strawberry.input
class UpdateFamilyInput:
    id: strawberry.ID
    phase: FamilyPhase  # type: ignore[valid-type]
    expected_month: str | None = None
    birth_month: str | None = None
    wijk_code: str | None = None


@strawberry.input
class CloseFamilyInput:
    id: strawberry.ID
    closed: bool = True


@strawberry.input
class RecordSignalInput:
    family_id: strawberry.ID
    worries: list[WorryType]  # type: ignore[valid-type]
    classification: Classification  # type: ignore[valid-type]
    risk_factors: list[str] = strawberry.field(default_factory=list, description="Sleutels van de risicofactoren zoals de gemeente ze instelde (signaleringOptions).")
    protective_factors: list[str] = strawberry.field(default_factory=list, description="Sleutels van de beschermende factoren zoals de gemeente ze instelde.")
    note: str | None = None
    classification_reason: str | None = strawberry.field(default=None, description="Verplicht als u een andere indeling kiest dan de voorgestelde.")


@strawberry.input
class RecordConsentInput:
    family_id: strawberry.ID
    purpose: str
    partner_ids: list[strawberry.ID]
    method: ConsentMethod  # type: ignore[valid-type]
    given_on: dt.date
    valid_until: dt.date


@strawberry.input
class RevokeConsentInput:
    id: strawberry.ID
    note: str | None = None


@strawberry.input
class CreateReferralInput:
    family_id: strawberry.ID
    consent_id: strawberry.ID
    to_partner_id: strawberry.ID
    support: list[SupportType]  # type: ignore[valid-type]
    to_contact_id: strawberry.ID | None = None
    note: str | None = None
    send: bool = strawberry.field(default=False, description="Meteen versturen (anders een concept).")


@strawberry.input
class MoveReferralInput:
    id: strawberry.ID
    transition: ReferralTransition  # type: ignore[valid-type]
    reason: str | None = None
    outcome: ReferralOutcome | None = None  # type: ignore[valid-type]


@strawberry.input
class AddPlanItemInput:
    family_id: strawberry.ID
    domain: PlanDomain  # type: ignore[valid-type]
    description: str
    regeling_id: strawberry.ID | None = strawberry.field(default=None, description="Een regeling van handvat 3 (als de gemeente dat gebruikt).")


@strawberry.input
class UpdatePlanItemInput:
    id: strawberry.ID
    status: PlanStatus | None = None  # type: ignore[valid-type]
    description: str | None = None


@strawberry.input
class MarkFeedbackReadInput:
    id: strawberry.ID


@strawberry.input
class EraseFamilyInput:
    family_id: strawberry.ID
    reason: str
