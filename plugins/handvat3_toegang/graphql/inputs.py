"""The GraphQL input types of handvat 3 (turned into data with `input_data`; the services
validate them)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from plugins.handvat3_toegang.graphql.enums import EligibilityOutcome, HouseholdType, RegelingCategory, RegelingLevel


@strawberry.input(description="Wat je over het huishouden vertelt. Alles is optioneel; wat ontbreekt maakt een uitkomst 'misschien'.")
class HouseholdProfileInput:
    household_type: HouseholdType | None = None  # type: ignore[valid-type]
    age: int | None = None
    net_monthly_income: float | None = None
    gross_yearly_income: float | None = None
    assets: float | None = None
    pregnant: bool | None = None
    due_date: dt.date | None = None
    children_birth_dates: list[dt.date] | None = None
    lives_in_gemeente: bool | None = None
    rents_home: bool | None = None
    monthly_rent: float | None = None
    student: bool | None = None
    self_employed: bool | None = None
    has_debts: bool | None = None
    has_health_insurance: bool | None = None


@strawberry.input
class ConditionInput:
    id: str
    question: str
    met: str
    not_met: str
    rule: JSON


@strawberry.input
class TestVectorInput:
    name: str
    household: JSON = strawberry.field(description="Het huishouden: velden van het profiel of afgeleide gegevens, in kleine letters (net_monthly_income).")
    expected: EligibilityOutcome  # type: ignore[valid-type]
    reference_date: dt.date | None = None


@strawberry.input
class RegelingInput:
    key: str
    name: str
    summary: str
    category: RegelingCategory  # type: ignore[valid-type]
    level: RegelingLevel  # type: ignore[valid-type]
    description: str = ""
    provider_name: str | None = None
    provider_partner_id: strawberry.ID | None = None
    apply_steps: list[str] = strawberry.field(default_factory=list)
    apply_url: str | None = None
    apply_phone: str | None = None
    apply_documents: list[str] = strawberry.field(default_factory=list)
    costs: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    source_url: str | None = None
    content_checked_on: dt.date | None = None
    conditions: list[ConditionInput] = strawberry.field(default_factory=list)
    test_vectors: list[TestVectorInput] = strawberry.field(default_factory=list)
    published: bool | None = strawberry.field(default=None, description="Leeg: nieuw gepubliceerd, bij wijzigen ongewijzigd.")


@strawberry.input
class UpdateRegelingInput:
    id: strawberry.ID
    regeling: RegelingInput


@strawberry.input
class RegelingVisibilityInput:
    id: strawberry.ID
    hidden: bool | None = None
    published: bool | None = None


@strawberry.input
class ReorderInput:
    ids: list[strawberry.ID]


@strawberry.input
class SetParameterInput:
    key: str
    valid_from: dt.date
    value: float
    legal_basis_url: str | None = None


@strawberry.input
class ServiceInput:
    partner_id: strawberry.ID
    name: str
    description: str = ""
    audience: str = ""
    wijk_codes: list[str] = strawberry.field(default_factory=list)
    contact: str | None = None
    opening_hours: str | None = None
    published: bool | None = strawberry.field(default=None, description="Leeg: nieuw gepubliceerd, bij wijzigen ongewijzigd.")


@strawberry.input
class UpdateServiceInput:
    id: strawberry.ID
    service: ServiceInput


@strawberry.input
class MarkReferredInput:
    regeling_id: strawberry.ID


@strawberry.input
class MarkKnownInput:
    regeling_id: strawberry.ID
    known: bool = True
