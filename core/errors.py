"""Domain errors: a stable machine-readable `code`, a Dutch message for people, and the
offending input field where there is one. GraphQL renders them as errors with
`extensions.code` (and `extensions.field`); REST routes as application/problem+json."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class DomainError(Exception):
    code = "BAD_REQUEST"
    http_status = 400
    #: What the code means for a caller (Dutch, in the SDL's `ErrorCode`); a module's error
    #: class sets it (or has a docstring).
    description: str | None = None

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None, headers: dict[str, str] | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        #: HTTP headers of the answer on a REST route (e.g. Retry-After).
        self.headers = headers or {}
        self.details = details

    def extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.field is not None:
            extensions["field"] = self.field
        extensions.update(self.details)
        return extensions


class ValidationFailed(DomainError):
    code = "VALIDATION_FAILED"
    http_status = 422


class NotFound(DomainError):
    code = "NOT_FOUND"
    http_status = 404


class Conflict(DomainError):
    code = "CONFLICT"
    http_status = 409


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
    http_status = 401


class Forbidden(DomainError):
    code = "FORBIDDEN"
    http_status = 403


class TenantSuspended(DomainError):
    code = "TENANT_SUSPENDED"
    http_status = 403


class ModuleNotEnabled(DomainError):
    code = "MODULE_NOT_ENABLED"
    http_status = 403


class Busy(DomainError):
    """Contention or a timeout in the database: nothing was written, the same request may
    simply be sent again."""

    code = "BUSY"
    http_status = 503

    def __init__(self, message: str = "Het is op dit moment te druk. Er is niets opgeslagen; probeer het over enkele seconden opnieuw.", *, retry_after: int = 2) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class DatabaseUnavailable(DomainError):
    """The database cannot be reached (or the connection broke off): nothing was written."""

    code = "DATABASE_UNAVAILABLE"
    http_status = 503

    def __init__(self, message: str = "De database is even niet bereikbaar. Probeer het over enkele seconden opnieuw.", *, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


#: Every code the platform itself answers (core and the HTTP edge), with what it means for a
#: caller. A module's codes are those of its own `DomainError` subclasses (their docstring).
#: The SDL lists them all in the enum `ErrorCode`; a test checks that every code raised in
#: the source is listed.
CORE_ERROR_CODES: dict[str, str] = {
    "BAD_REQUEST": "Het verzoek is niet te verwerken.",
    "VALIDATION_FAILED": "Een invoerwaarde is ongeldig; `extensions.field` noemt welke.",
    "NOT_FOUND": "Het gevraagde bestaat niet, of u mag het niet zien (die twee worden niet onderscheiden).",
    "CONFLICT": "Tegelijk gewijzigd of bestaat al; er is niets opgeslagen. Haal de gegevens opnieuw op en probeer het nog eens.",
    "UNAUTHENTICATED": "Geen geldig toegangstoken: log (opnieuw) in of vraag een nieuw token aan.",
    "FORBIDDEN": "U mist het recht voor dit veld of deze mutatie (zie @requiresPermission in het schema).",
    "TENANT_SUSPENDED": "De gemeente is (tijdelijk) niet actief op het platform.",
    "TENANT_NOT_FOUND": "Er is geen gemeente met deze slug.",
    "TENANT_MISMATCH": "Het token hoort bij een andere gemeente dan dit endpoint.",
    "NOT_A_MEMBER": "De persoon van het token is geen lid (meer) van deze gemeente.",
    "NOT_GRANTED": "De API-client heeft geen toegang (meer) tot deze gemeente.",
    "INVALID_SCOPE": "Een gevraagde scope past niet bij de rechten van deze client.",
    "MFA_REQUIRED": "Voor deze rol is inloggen met een tweede stap nodig.",
    "MFA_ALREADY_ENABLED": "Tweestapsverificatie staat al aan.",
    "MFA_NOT_STARTED": "Het instellen van tweestapsverificatie is nog niet begonnen.",
    "MFA_CODE_INVALID": "De code van de tweede stap klopt niet.",
    "LOGIN_FAILED": "Inloggen is niet gelukt.",
    "RATE_LIMITED": "Te veel verzoeken; `Retry-After` zegt wanneer het weer kan.",
    "MODULE_NOT_ENABLED": "De module van dit veld staat niet aan voor deze gemeente; `extensions.module` noemt haar.",
    "UNKNOWN_MODULE": "Er is geen geïnstalleerde module met deze sleutel.",
    "REVISION_NOT_WRITABLE": "De migraties van deze module kunnen hier niet worden geschreven (een geïnstalleerde kopie): draai het in het eigen project van de module.",
    "MODULE_DEPENDENCY_MISSING": "De module hangt af van een module die niet aan staat.",
    "MODULE_REQUIRED_BY_OTHERS": "Andere modules hangen van deze module af.",
    "INVALID_CONFIG": "De instellingen van de module zijn ongeldig.",
    "TRANSITION_NOT_ALLOWED": "Deze stap kan niet vanuit de huidige toestand.",
    "TRANSITION_REFUSED": "Deze stap is nu niet toegestaan (bijvoorbeeld door een voorwaarde van een module).",
    "IDENTIFYING_DATA": "Vrije tekst lijkt gegevens te bevatten die iemand herkennen (een BSN, IBAN, telefoonnummer, …); `extensions.field` noemt het veld.",
    "NOT_OWNER": "Deze gedeelde gegevens zijn van een andere gemeente en alleen door haar te wijzigen.",
    "REFERENCE_DATA_READ_ONLY": "Landelijke referentiegegevens zijn alleen te lezen.",
    "BUSY": "Het is te druk of de database antwoordde niet op tijd; er is niets opgeslagen. Probeer het na `Retry-After` seconden opnieuw.",
    "DATABASE_UNAVAILABLE": "De database is even niet bereikbaar; er is niets opgeslagen.",
    "INTERNAL_SERVER_ERROR": "Een fout aan de kant van het platform (gelogd); meld het met de tijd en de `traceparent`.",
    "INVALID_CHARACTERS": "De invoer bevat tekens die niet in tekst horen (een nulteken of een losse surrogaat); `extensions.field` noemt waar.",
    "UNSUPPORTED_MEDIA_TYPE": "Stuur een GraphQL-verzoek als application/json.",
    "PAYLOAD_TOO_LARGE": "Het verzoek is te groot.",
    "METHOD_NOT_ALLOWED": "Stuur GraphQL-verzoeken met POST.",
    "OPERATION_NOT_SUPPORTED": "Deze soort operatie wordt op dit endpoint niet ondersteund (bijvoorbeeld een mutatie op de openbare API).",
    "GRAPHQL_PARSE_FAILED": "Het GraphQL-document is geen geldige GraphQL.",
    "GRAPHQL_VALIDATION_FAILED": "Het GraphQL-document past niet bij het schema of overschrijdt een grens (diepte, aliassen, omvang).",
    "LINK_UNKNOWN": "Deze link (om een stap zonder account te beantwoorden) bestaat niet of is niet geldig.",
    "LINK_EXPIRED": "Deze link is verlopen; vraag de coalitie om een nieuwe.",
    "LINK_USED": "Deze link is al gebruikt: hij werkt maar één keer.",
    "LINK_REVOKED": "Deze link is door de coalitie ingetrokken.",
    "LINK_STALE": "Het onderwerp van de link is intussen verder gegaan; de link werkt niet meer.",
    "STEP_NOT_ALLOWED": "Deze link staat deze stap niet toe; `extensions.field` is `transition`.",
    "NO_STEP_OPEN": "Er is nu geen stap die via een link beantwoord kan worden.",
    "NO_RECIPIENT": "Van de partner die via een link antwoordt is geen (geldig) e-mailadres vastgelegd.",
    "INVITATION_INVALID": "De uitnodiging is onbekend, verlopen of al gebruikt.",
    "OIDC_NOT_CONFIGURED": "De gemeente heeft geen eigen inlogvoorziening ingesteld.",
    "OIDC_MISCONFIGURED": "De inlogvoorziening van de gemeente is onjuist ingesteld.",
    "OIDC_LOGIN_FAILED": "Inloggen via de inlogvoorziening van de gemeente is niet gelukt.",
    "DELIVERY_NOT_FOUND": "Er is geen aflevering met dit id.",
    "ALREADY_DELIVERED": "Deze aflevering is al afgeleverd.",
    "MIGRATIONS_PENDING": "De database is nog niet bijgewerkt naar deze versie van het platform.",
    "UNKNOWN_REVISIONS": "De database kent versies die deze installatie niet kent.",
    "UNKNOWN_JOB": "Er is geen taak met deze naam.",
}


def _subclasses(root: type[DomainError]) -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    pending = [root]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return found


def error_codes(module_packages: Iterable[str] = ()) -> dict[str, str]:
    """Code → meaning: the core's, and those of the `DomainError` subclasses defined in the
    given module packages (a module's own codes, described by their docstring)."""
    codes = dict(CORE_ERROR_CODES)
    # Only modules' classes: which of core's are imported depends on the entry point, and the
    # SDL must not; core's codes are all in the list above (a test scans the source).
    prefixes = tuple(f"{package}." for package in module_packages)
    for subclass in _subclasses(DomainError):
        if prefixes and subclass.__module__.startswith(prefixes) and subclass.code not in codes:
            codes[subclass.code] = " ".join((subclass.description or subclass.__doc__ or subclass.code).split())
    return codes
