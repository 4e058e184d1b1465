"""Core's check for identifying data in free text (every module that takes free text uses
it): what identifies a person is refused, ordinary Dutch text about figures is not."""

from __future__ import annotations

import pytest

from core.plugin import IdentifyingData, identifying_data, refuse_identifying


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("woont op 3512 AB", "een postcode"),
        ("postcode 3512AB", "een postcode"),
        ("3512ab", "een postcode"),
        ("bel 06-12345678", "een telefoonnummer"),
        ("030 200 1000", "een telefoonnummer"),
        ("bel (020) 123 4567", "een telefoonnummer"),
        ("+31 6 12345678", "een telefoonnummer"),
        ("BSN 123456782", "een burgerservicenummer (BSN)"),
        ("NL91 ABNA 0417 1643 00", "een rekeningnummer"),
        ("mail ouder@example.nl", "een e-mailadres"),
        ("geboren 12-03-2024", "een datum (zoals een geboortedatum)"),
    ],
)
def test_what_identifies_a_person_is_found(text: str, found: str) -> None:
    assert identifying_data(text) == found
    with pytest.raises(IdentifyingData) as refused:
        refuse_identifying(text, "input.note")
    assert refused.value.extensions() == {"code": "IDENTIFYING_DATA", "field": "input.note"}


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 is het aantal signalen gestegen",
        "tussen 2023 en 2024 verdubbeld",
        "Sinds 2019 op de hoogte van de regeling",
        "in 2024 zagen we 1200 gezinnen, 35 % meer",
        "2 kinderen, 3 maanden oud",
        "Wijk 12 en wijk 14 werken samen",
    ],
)
def test_ordinary_text_about_figures_passes(text: str) -> None:
    assert identifying_data(text) is None
    refuse_identifying(text, "input.note")


def test_several_fields_are_checked_and_named_as_the_api_names_them() -> None:
    from types import SimpleNamespace

    from core.plugin import refuse_identifying_in

    fields = SimpleNamespace(title="Plan voor Overvecht", went_well="Bel 06-12345678 voor meer", gaps=None)
    with pytest.raises(IdentifyingData) as refused:
        refuse_identifying_in(fields, ("title", "gaps", "went_well"))
    assert refused.value.extensions() == {"code": "IDENTIFYING_DATA", "field": "input.wentWell"}
    refuse_identifying_in(fields, ("title", "gaps"))
