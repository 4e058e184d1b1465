"""The refusals of handvat 2 (besides core's ValidationFailed, NotFound, Forbidden, Conflict)."""

from __future__ import annotations

from core.plugin import DomainError, Forbidden, ValidationFailed


class ConsentInvalid(DomainError):
    code = "CONSENT_INVALID"
    http_status = 409
    description = "Er is geen geldige toestemming van de ouder voor dit delen (verlopen, ingetrokken of voor een andere organisatie)."


class ReasonRequired(ValidationFailed):
    code = "REASON_REQUIRED"
    description = "Deze stap of keuze vraagt om een reden."


class PartnerInactive(ValidationFailed):
    code = "PARTNER_INACTIVE"
    description = "De organisatie is niet (meer) actief in de coalitie."


class OrganisationRequired(Forbidden):
    """The caller works for no partner organisation: a member without one, or an API client
    (client credentials have no organisation). Handvat 2 works per organisation: what one
    sees of a family depends on the organisation, so without one there is nothing to show
    (an error, never an empty list) and nothing to record."""

    code = "ORGANISATION_REQUIRED"
    description = (
        "Deze gegevens zijn alleen zichtbaar voor medewerkers van een partnerorganisatie; de aanvrager "
        "(bijvoorbeeld een API-client) hoort bij geen organisatie."
    )


class WrongOrganisation(Forbidden):
    """The step belongs to the other organisation of the referral (or the registering one)."""

    code = "WRONG_ORGANISATION"
    description = "Deze stap is aan de andere organisatie van de verwijzing."
