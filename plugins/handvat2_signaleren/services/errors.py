"""The refusals of handvat 2 (besides core's ValidationFailed, NotFound, Forbidden, Conflict)."""

from __future__ import annotations

from core.plugin import DomainError, Forbidden, ValidationFailed
from plugins.handvat2_signaleren import domain


class IdentifyingData(ValidationFailed):
    code = "IDENTIFYING_DATA"


class ConsentInvalid(DomainError):
    code = "CONSENT_INVALID"
    http_status = 409


class ReasonRequired(ValidationFailed):
    code = "REASON_REQUIRED"


class NoOrganisation(Forbidden):
    """The member works for no partner organisation (handvat 2 works per organisation)."""

    code = "NO_ORGANISATION"


class WrongOrganisation(Forbidden):
    """The step belongs to the other organisation of the referral (or the registering one)."""

    code = "WRONG_ORGANISATION"


def refuse_identifying(text: str | None, field: str) -> None:
    """Free text may not hold what identifies a family (a BSN, an IBAN, a phone number...)."""
    found = domain.identifying_data(text or "")
    if found:
        raise IdentifyingData(
            f"Dit lijkt {found} te bevatten. Leg alleen vast wat nodig is; gegevens die het gezin herkennen horen hier niet.",
            field=field,
        )
