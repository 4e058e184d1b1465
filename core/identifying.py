"""Free text that would identify a person: the check every module applies to text that
must stay anonymous or pseudonymous (a family's note, a quote of a parent)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from core.errors import ValidationFailed
from core.validation import camel

_DIGITS9 = re.compile(r"(?<!\d)(\d[\s.-]?){7,8}\d(?!\d)")  # a BSN is often written without its leading 0
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# A phone number: 10 digits from a 0 (or +31/0031 for it), with spaces, dashes or an area
# code in parentheses between them: 06-12345678, 030 200 1000, (020) 123 4567.
_PHONE = re.compile(r"(?<![\d(])(\+31|0031|\(?0)[\s-]?\d([\s()-]{0,2}\d){8}(?!\d)")
# A postcode: four digits and two capitals (3512 AB, 3512AB), or two small letters written
# against the digits (3512ab). Not a year followed by a word ("in 2024 is", "2019 op"): a
# postcode's letters are capitals when a space separates them.
_POSTCODE = re.compile(r"\b[1-9]\d{3}(?:\s?[A-Z]{2}|[a-z]{2})\b")
_DATE = re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.](\d{2}|\d{4})\b|\b\d{4}-\d{2}-\d{2}\b")
_IBAN = re.compile(r"\bNL\s?\d{2}\s?[A-Z]{4}(\s?\d){10}\b", re.IGNORECASE)


def _elfproef(digits: str) -> bool:
    return len(digits) == 9 and sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11 == 0


def identifying_data(text: str) -> str | None:
    """What in `text` would identify a person (Dutch, for the error), or None."""
    for match in _DIGITS9.finditer(text):
        if _elfproef(re.sub(r"\D", "", match.group()).rjust(9, "0")):
            return "een burgerservicenummer (BSN)"
    checks = (
        (_IBAN, "een rekeningnummer"),
        (_EMAIL, "een e-mailadres"),
        (_PHONE, "een telefoonnummer"),
        (_POSTCODE, "een postcode"),
        (_DATE, "een datum (zoals een geboortedatum)"),
    )
    for pattern, what in checks:
        if pattern.search(text):
            return what
    return None


class IdentifyingData(ValidationFailed):
    code = "IDENTIFYING_DATA"


def refuse_identifying(text: str | None, field: str) -> None:
    """Refuse free text that holds what identifies a person (a BSN, an IBAN, a phone
    number, ...), naming the field (`input.note`)."""
    found = identifying_data(text or "")
    if found:
        raise IdentifyingData(
            f"Dit lijkt {found} te bevatten. Leg alleen vast wat nodig is; gegevens die iemand herkennen horen hier niet.",
            field=field,
        )


def refuse_identifying_in(values: Any, names: Iterable[str], *, prefix: str = "input") -> None:
    """`refuse_identifying` on each attribute `names` of `values` (a validated input model),
    naming the field as the API does (`title` → `input.title`, `went_well` → `input.wentWell`)."""
    for name in names:
        refuse_identifying(getattr(values, name, None), f"{prefix}.{camel(name)}")
