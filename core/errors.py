"""Domain errors: a stable machine-readable `code`, a Dutch message for people, and the
offending input field where there is one. GraphQL renders them as errors with
`extensions.code` (and `extensions.field`); REST routes as application/problem+json."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "BAD_REQUEST"
    http_status = 400

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
