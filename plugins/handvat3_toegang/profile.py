"""The household profile: what a parent or professional tells about a household, checked
for impossible values. Pure: used by the check and to read a test vector's household."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.plugin import ValidationFailed

#: The oldest a child in the household can be: an earlier birth date is a typing error
#: (0001-01-01, 1926 for 2026), not a child whose age a regeling could ask about.
MAX_CHILD_AGE_YEARS = 30


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class ProfileInput(BaseModel):
    """What a parent or professional tells about a household. Every field is optional: what
    is not given makes a regeling POSSIBLY instead of a guess."""

    model_config = ConfigDict(extra="forbid")

    household_type: Literal["alleenstaand", "alleenstaande_ouder", "paar"] | None = None
    age: int | None = Field(default=None, ge=12, le=120)
    net_monthly_income: float | None = Field(default=None, ge=0, le=1_000_000)
    gross_yearly_income: float | None = Field(default=None, ge=0, le=10_000_000)
    assets: float | None = Field(default=None, ge=0, le=100_000_000)
    pregnant: bool | None = None
    due_date: dt.date | None = None
    children_birth_dates: list[dt.date] | None = Field(default=None, max_length=20)
    lives_in_gemeente: bool | None = None
    rents_home: bool | None = None
    monthly_rent: float | None = Field(default=None, ge=0, le=100_000)
    student: bool | None = None
    self_employed: bool | None = None
    has_debts: bool | None = None
    has_health_insurance: bool | None = None

    def facts_for(self, reference_date: dt.date) -> dict[str, Any]:
        if self.children_birth_dates and any(day > reference_date for day in self.children_birth_dates):
            raise ValidationFailed("Een kind kan niet na de peildatum geboren zijn.", field="profile.childrenBirthDates")
        earliest = years_before(reference_date, MAX_CHILD_AGE_YEARS)
        if self.children_birth_dates and any(day < earliest for day in self.children_birth_dates):
            raise ValidationFailed(
                f"Een kind in het huishouden is hoogstens {MAX_CHILD_AGE_YEARS} jaar oud: controleer de geboortedatum.",
                field="profile.childrenBirthDates",
            )
        if self.due_date is not None:
            if self.pregnant is False:
                raise ValidationFailed("Een uitgerekende datum hoort bij een zwangerschap.", field="profile.dueDate")
            if self.due_date < reference_date - dt.timedelta(days=31):
                raise ValidationFailed("De uitgerekende datum ligt in het verleden.", field="profile.dueDate")
            if self.due_date > reference_date + dt.timedelta(days=300):
                raise ValidationFailed("De uitgerekende datum ligt meer dan 10 maanden vooruit.", field="profile.dueDate")
        if self.household_type == "alleenstaande_ouder" and self.children_birth_dates == [] and not self.pregnant:
            raise ValidationFailed("Een alleenstaande ouder heeft een kind of verwacht er een.", field="profile.householdType")
        raw = self.model_dump()
        return raw
