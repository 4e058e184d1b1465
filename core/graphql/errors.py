"""How GraphQL errors are shown to callers: every error has `extensions.code`; domain
errors keep their Dutch message and field; unexpected errors are logged and masked."""

from __future__ import annotations

from typing import Any

import structlog
from graphql import GraphQLError

from core.db import database_problem
from core.errors import DomainError

log = structlog.get_logger(__name__)


def format_error(error: GraphQLError, *, debug: bool) -> dict[str, Any]:
    original = error.original_error
    if original is not None and not isinstance(original, (DomainError, GraphQLError)):
        # Contention, a timeout or a lost connection is the database's, not a bug.
        original = database_problem(original) or original
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        formatted["path"] = error.path
    if isinstance(original, DomainError):
        formatted["message"] = original.message
        formatted["extensions"] = original.extensions()
    elif original is None or isinstance(original, GraphQLError):
        extensions = dict(error.extensions or {})
        if "code" not in extensions:
            extensions["code"] = "GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else "GRAPHQL_VALIDATION_FAILED"
        formatted["extensions"] = extensions
    else:
        log.error("graphql.internal_error", path=error.path, exc_info=original)
        formatted["message"] = "Er ging iets mis aan onze kant. Probeer het later opnieuw."
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
        if debug:
            formatted["extensions"]["exception"] = f"{type(original).__name__}: {original}"
    return formatted


RETRY_CODES = {"BUSY": "2", "DATABASE_UNAVAILABLE": "5"}


def retry_after(body: dict[str, Any]) -> str | None:
    """A Retry-After for an answer whose errors say to try again later, or None."""
    codes = {error.get("extensions", {}).get("code") for error in body.get("errors", ())}
    waits = [RETRY_CODES[code] for code in codes if code in RETRY_CODES]
    return max(waits, key=int) if waits else None


def result_body(result: Any, *, debug: bool) -> dict[str, Any]:
    """The JSON body of an execution result: `errors` (formatted) and `data`."""
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [format_error(error, debug=debug) for error in result.errors]
    body["data"] = result.data
    return body
