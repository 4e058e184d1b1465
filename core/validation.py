"""Input validation with pydantic, reported as `ValidationFailed` naming the field."""

from __future__ import annotations

import re
import uuid
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)

# Dutch messages for the pydantic error types that people meet most.
_MESSAGES = {
    "missing": "Dit veld is verplicht.",
    "string_too_short": "Dit veld mag niet leeg zijn.",
    "string_too_long": "Deze tekst is te lang (hoogstens {max_length} tekens).",
    "string_pattern_mismatch": "Deze waarde heeft niet de juiste vorm.",
    "value_error": "{msg}",
    "enum": "Kies een van: {expected}.",
    "literal_error": "Kies een van: {expected}.",
    "url_parsing": "Dit is geen geldige URL.",
    "url_scheme": "Een URL begint met http:// of https://.",
    "extra_forbidden": "Dit veld bestaat niet.",
    "int_parsing": "Dit moet een geheel getal zijn.",
    "int_type": "Dit moet een geheel getal zijn.",
    "bool_parsing": "Dit moet waar of onwaar zijn.",
    "bool_type": "Dit moet waar of onwaar zijn.",
    "string_type": "Vul hier een tekst in.",
    "uuid_parsing": "Dit is geen geldige id.",
    "uuid_type": "Dit is geen geldige id.",
    "list_type": "Geef hier een lijst op.",
    "dict_type": "Geef hier een object op.",
    "model_type": "Geef hier een object op.",
    "url_type": "Dit is geen geldige URL.",
    "url_too_long": "Deze URL is te lang.",
    "greater_than_equal": "Dit moet minstens {ge} zijn.",
    "less_than_equal": "Dit mag hoogstens {le} zijn.",
    "greater_than": "Dit moet groter zijn dan {gt}.",
    "less_than": "Dit moet kleiner zijn dan {lt}.",
    "too_short": "Geef minstens {min_length} waarde(n) op.",
    "too_long": "Geef hoogstens {max_length} waarde(n) op.",
    "json_invalid": "Dit is geen geldige JSON.",
}
UNKNOWN_PROBLEM = "Ongeldige waarde."


def dutch_number(value: float) -> str:
    """1000000.0 as "1.000.000", 0.5 as "0,5": how a Dutch reader writes numbers."""
    if value == int(value):
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _message(error: dict[str, Any]) -> str:
    template = _MESSAGES.get(error["type"])
    if template is None:
        return UNKNOWN_PROBLEM
    context = dict(error.get("ctx") or {})
    context.setdefault("msg", error.get("msg", ""))
    if error["type"] == "value_error":
        context["msg"] = str(context.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    if error["type"] in ("enum", "literal_error"):
        context["expected"] = str(context.get("expected", "")).replace(" or ", " of ")
    if error["type"] == "string_too_short" and context.get("min_length", 1) > 1:
        return f"Dit moet minstens {context['min_length']} tekens zijn."
    for bound in ("ge", "le", "gt", "lt"):
        if isinstance(context.get(bound), int | float):
            context[bound] = dutch_number(context[bound])
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return UNKNOWN_PROBLEM


def field_errors(errors: Any, *, prefix: str | None = None, skip: frozenset[str] = frozenset()) -> list[dict[str, str]]:
    """Pydantic's errors as `{field, message}`: the field in the API's camelCase names (after
    `prefix`, without the location parts in `skip`), the message in Dutch; never the input."""
    readable = []
    for error in errors:
        location = ".".join(camel(str(part)) for part in error.get("loc", ()) if part not in skip)
        readable.append({"field": ".".join(part for part in (prefix, location) if part), "message": _message(error)})
    return readable


def request_errors(errors: Any) -> list[dict[str, str]]:
    """FastAPI's request validation errors, without echoing the input (it may be a
    password) or raw bytes of a body that was no JSON."""
    return [{**error, "field": error["field"] or "body"} for error in field_errors(errors, skip=frozenset({"body"}))]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def validation_error(exc: ValidationError, *, prefix: str | None = None) -> ValidationFailed:
    """The first error as the message and field; all of them in `errors`."""
    errors = field_errors(exc.errors(), prefix=prefix)
    first = errors[0]
    return ValidationFailed(first["message"], field=first["field"], errors=errors)


def validate(model: type[ModelT], data: Any, *, prefix: str | None = None) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, prefix=prefix) from None


def parse_id(value: Any, field: str = "id") -> uuid.UUID:
    """A GraphQL ID (or UUID) as a UUID; a malformed one is a validation error on `field`."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed("Dit is geen geldige id.", field=field) from None


NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"

#: Characters no text input may hold: NUL (PostgreSQL refuses it in text, SQLite keeps it)
#: and lone UTF-16 surrogates (a JSON escape like "\ud800" that no UTF-8 text can hold).
UNSAFE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
#: How deep a JSON input may nest (objects and lists); deeper inputs make recursive code fail.
MAX_JSON_NESTING = 32
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")


class UnsafeInput(ValueError):
    """A JSON input with a string that holds an unsafe character (`problem` "characters")
    or that nests too deep (`problem` "nesting"), at `path` (dotted; "" for the value itself)."""

    def __init__(self, problem: str, path: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path = path


def has_unsafe_characters(text: str) -> bool:
    return UNSAFE_CHARACTERS.search(text) is not None


def check_json_input(value: Any, *, max_nesting: int = MAX_JSON_NESTING) -> None:
    """Raise UnsafeInput for the first string (key or value) in a parsed JSON value that
    holds NUL or a lone surrogate, or where it nests deeper than `max_nesting`. Walks with
    an explicit stack: any nesting json.loads accepted is checked without recursion. The
    path names keys (GraphQL names; any other key as "?") and list indexes, never the
    offending text (a bad key is named by its parent's path)."""
    pending: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while pending:
        current, path = pending.pop()
        if isinstance(current, str):
            if UNSAFE_CHARACTERS.search(current):
                raise UnsafeInput("characters", ".".join(path))
        elif isinstance(current, (dict, list)):
            if len(path) >= max_nesting:
                raise UnsafeInput("nesting", ".".join(path))
            if isinstance(current, dict):
                items = []
                for key, item in current.items():
                    if UNSAFE_CHARACTERS.search(key):
                        raise UnsafeInput("characters", ".".join(path))
                    # Names in GraphQL are short identifiers: any other key is not repeated.
                    items.append((item, (*path, key if _NAME.match(key) else "?")))
            else:
                items = [(item, (*path, str(index))) for index, item in enumerate(current)]
            pending.extend(reversed(items))  # the first in the input is checked first
