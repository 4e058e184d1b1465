"""Validation errors read as Dutch: field paths in camelCase, numbers as a Dutch reader writes them."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from core.errors import ValidationFailed
from core.validation import dutch_number, validate


class Sample(BaseModel):
    purpose: str = Field(min_length=3)
    monthly_income: float = Field(ge=0, le=1_000_000)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"purpose": "x", "monthly_income": 1}, "input.purpose", "Dit moet minstens 3 tekens zijn."),
        ({"purpose": "Verwijzen", "monthly_income": -1}, "input.monthlyIncome", "Dit moet minstens 0 zijn."),
        ({"purpose": "Verwijzen", "monthly_income": 2_000_000}, "input.monthlyIncome", "Dit mag hoogstens 1.000.000 zijn."),
        ({"monthly_income": 1}, "input.purpose", "Dit veld is verplicht."),
    ],
)
def test_messages(data: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(Sample, data, prefix="input")
    assert (caught.value.field, caught.value.message) == (field, message)


def test_dutch_numbers() -> None:
    assert [dutch_number(value) for value in (0.0, 12, 1_000_000.0, 0.5, 1234.5)] == ["0", "12", "1.000.000", "0,5", "1.234,5"]
