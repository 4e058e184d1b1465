"""The parameters of the rules: the gemeente's own values of the overridable ones (from a
date on), and every parameter as it applies on a reference date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import select

from core.plugin import ValidationFailed, Work, utcnow, validate
from plugins.handvat3_toegang import catalogue
from plugins.handvat3_toegang.catalogue import ParameterDefinition
from plugins.handvat3_toegang.eligibility import ParameterValue
from plugins.handvat3_toegang.models import ParameterOverride
from plugins.handvat3_toegang.services.check import touch_catalogue
from plugins.handvat3_toegang.services.rules import TestVectorsFailed, parameters_of, run_all_vectors

#: The last reference date anything is checked or listed on (as for a check).
LAST_DATE = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class ParameterOnDay:
    """A parameter with the value that applies on a day (`value` None: none yet then)."""

    definition: ParameterDefinition
    value: ParameterValue | None


class ParameterInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    valid_from: dt.date
    value: float = Field(ge=0, le=10_000_000)
    legal_basis_url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https://\S+$", max_length=500)] | None = None

    @field_validator("key")
    @classmethod
    def _overridable(cls, key: str) -> str:
        definition = catalogue.national_parameters().get(key)
        if definition is None:
            raise ValueError(f"Onbekende parameter '{key}'.")
        if not definition.overridable:
            raise ValueError(f"De parameter '{key}' is landelijk vastgesteld; een gemeente kan die niet wijzigen.")
        return key


def listed_date(reference_date: dt.date | None) -> dt.date:
    """The date to list the parameters on: today, or a given date on which the catalogue has
    amounts (from the first national value on, until the last date a check accepts)."""
    day = reference_date or dt.date.today()
    first = min(definition.versions[0].valid_from for definition in catalogue.national_parameters().values())
    if not first <= day <= LAST_DATE:
        raise ValidationFailed(
            f"Kies een peildatum tussen {first:%d-%m-%Y} en {LAST_DATE:%d-%m-%Y}: daarbuiten heeft de catalogus geen bedragen.",
            field="referenceDate",
        )
    return day


async def parameters_on(work: Work, reference_date: dt.date | None) -> list[ParameterOnDay]:
    """Every parameter (by key) with the value that applies on the reference date (default
    today): the gemeente's own or the national one; none for a parameter that has no value
    yet on that date (a national amount that starts later)."""
    day = listed_date(reference_date)
    parameters = await parameters_of(work)
    return [ParameterOnDay(definition, parameters.value_on(key, day)) for key, definition in sorted(catalogue.national_parameters().items())]


async def set_parameter(work: Work, data: dict[str, Any]) -> ParameterOnDay:
    """The gemeente's value of an overridable parameter from a date on. Checks on a date
    before `valid_from` keep the earlier value. Returns the parameter on that date."""
    fields = validate(ParameterInput, data, prefix="input")
    existing = (
        await work.session.execute(
            select(ParameterOverride).where(ParameterOverride.key == fields.key, ParameterOverride.valid_from == fields.valid_from)
        )
    ).scalar_one_or_none()
    row = existing or ParameterOverride(key=fields.key, valid_from=fields.valid_from, value=fields.value, set_by=work.actor)
    row.value, row.legal_basis_url, row.set_by, row.set_at = fields.value, fields.legal_basis_url, work.actor, utcnow()
    if existing is None:
        work.session.add(row)
    await work.session.flush()
    # The gemeente's own and adapted regelingen were saved with its values: their test
    # vectors must still pass with this one (on its date).
    failed = [
        (regeling, result)
        for regeling, results in await run_all_vectors(work, own_values_only=True, on=fields.valid_from)
        for result in results
        if not result.passed
    ]
    if failed:
        regeling, first = failed[0]
        raise TestVectorsFailed(
            f"Met deze waarde geeft testgeval '{first.name}' van '{regeling.name}' {first.actual} in plaats van {first.expected}. "
            "Pas eerst dat testgeval aan. Er is niets opgeslagen.",
            field="input.value",
            failures=[{"regeling": item.key, "name": result.name, "expected": result.expected, "actual": result.actual} for item, result in failed],
        )
    await touch_catalogue(work.session, work.tenant.id)
    parameters = await parameters_of(work)
    return ParameterOnDay(catalogue.national_parameters()[row.key], parameters.value_on(row.key, row.valid_from))
