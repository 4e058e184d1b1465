"""How GraphQL errors are shown to callers: every error has `extensions.code`; domain
errors keep their Dutch message and field; unexpected errors are logged and masked."""

from __future__ import annotations

import re
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
        formatted["message"] = _without_values(error.message)
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


#: graphql-core's coercion messages quote the value that was sent; answers name where the
#: problem is and what was expected, never the value (it may be anything, including what a
#: log should not hold). The parts kept come from the schema (names of types, fields, enum
#: values), never from the request.
_INVALID_VARIABLE = re.compile(r"^Variable '\$(?P<name>\w+)' got invalid value ")
_AT_PATH = re.compile(r" at '(?P<path>\w+(?:(?:\.\w+)|(?:\[\d+\]))*)'; ")
_NOT_IN_ENUM = re.compile(r"does not exist in '(?P<enum>\w+)' enum\.(?: Did you mean (?P<hint>(?:the enum value | or |, |'\w+')+)\?)?")
_CANNOT_REPRESENT = re.compile(r"(?P<type>\w+) cannot represent")
_REQUIRED_FIELD = re.compile(r"Field '(?P<field>\w+)' of required type '(?P<type>[\w!\[\]]+)' was not provided\.")
_UNKNOWN_FIELD = re.compile(r"Field '(?P<field>[_A-Za-z]\w{0,63})' is not defined by type '(?P<type>\w+)'")


def _reason(message: str) -> str:
    if match := _NOT_IN_ENUM.search(message):
        hint = f" Bedoelt u {match['hint'].removeprefix('the enum value ').replace(' or ', ' of ')}?" if match["hint"] else ""
        return f"deze waarde komt niet voor in de enum {match['enum']}.{hint}"
    if match := _REQUIRED_FIELD.search(message):
        return f"het verplichte veld {match['field']} ({match['type']}) ontbreekt."
    if match := _UNKNOWN_FIELD.search(message):
        # A field's name (a GraphQL name, checked above) is no value: naming it helps.
        return f"het veld {match['field']} bestaat niet in {match['type']}."
    if match := _CANNOT_REPRESENT.search(message):
        return f"dit is geen geldige {match['type']}."
    return "de waarde past niet bij het type in het schema."


def _without_values(message: str) -> str:
    if match := _INVALID_VARIABLE.match(message):
        where = f" (bij {path['path']})" if (path := _AT_PATH.search(message)) else ""
        return f"De variabele ${match['name']}{where} heeft een ongeldige waarde: {_reason(message)}"
    if message.startswith("Value ") and _NOT_IN_ENUM.search(message):
        reason = _reason(message)
        return reason[0].upper() + reason[1:]
    return message


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
