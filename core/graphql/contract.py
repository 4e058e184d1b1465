"""The parts of the API contract that the schema builder applies to every schema, so that
no module has to remember them (docs/api.md explains them to integrators):

- **Partial data.** Every root field, every mutation and every field guarded by a
  permission is nullable: a field that is refused or fails answers `null` with an error at
  its path, and the rest of the answer keeps its data (the GraphQL spec's error
  propagation stops at the first nullable field).
- **Permissions in the SDL.** Such a field carries `@requiresPermission(permissions: ["…"])`,
  generated from the same declarations that are enforced.
- **Error codes in the SDL.** The enum `ErrorCode` lists every `extensions.code` the API
  can answer, with what it means.
- **Dates and times.** `Date` and `DateTime` are specified by RFC 3339; a `DateTime` is
  answered in UTC.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator
from typing import Any

import strawberry
from strawberry.schema_directive import Location
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

from core.errors import error_codes
from core.webhooks import errors as webhook_errors
from core.graphql.fields import RequirePermission

RFC3339 = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresPermission",
    description=(
        "De rechten (alle) die nodig zijn om dit veld te lezen of deze mutatie uit te voeren. "
        "Zonder zo'n recht is het veld null, met een fout FORBIDDEN op zijn pad."
    ),
)
class RequiresPermission:
    permissions: list[str]


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("Een Date is een tekst JJJJ-MM-DD.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Ongeldige datum {value!r}: gebruik JJJJ-MM-DD.") from None


def _parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("Een DateTime is een tekst volgens RFC 3339.")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Ongeldig tijdstip {value!r}: gebruik RFC 3339, bijvoorbeeld 2026-03-01T09:30:00Z.") from None
    # Without an offset the value is read as UTC, the zone every answer is given in.
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _serialize_datetime(value: dt.datetime) -> str:
    if value.tzinfo is dt.UTC:  # as the database gives them: nothing to convert
        return value.isoformat()
    return (value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)).isoformat()


DateScalar = strawberry.scalar(
    name="Date",
    description="Een kalenderdatum zonder tijdzone: RFC 3339 full-date (JJJJ-MM-DD).",
    specified_by_url=RFC3339,
    serialize=dt.date.isoformat,
    parse_value=_parse_date,
)

DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description=(
        "Een tijdstip volgens RFC 3339 (date-time). Antwoorden zijn altijd in UTC (+00:00); "
        "een invoer zonder tijdzone wordt als UTC gelezen."
    ),
    specified_by_url=RFC3339,
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)

#: For `StrawberryConfig(scalar_map=...)`: Python's date and datetime are these scalars.
SCALAR_MAP: dict[object, Any] = {dt.date: DateScalar, dt.datetime: DateTimeScalar}


def error_code_enum(module_packages: Iterable[str]) -> type[enum.Enum]:
    """The `ErrorCode` enum of the SDL: every code of core and of the loaded modules, each
    with what it means."""
    # Core's webhook errors are classes of their own package, always imported here.
    codes = error_codes([webhook_errors.__name__.rsplit(".", 1)[0], *module_packages])
    members = {code: strawberry.enum_value(code, description=codes[code]) for code in sorted(codes)}
    return strawberry.enum(
        enum.Enum("ErrorCode", members),  # type: ignore[misc]
        description="De codes in `extensions.code` van een fout. Een code verandert niet; er kunnen codes bij komen.",
    )


def _permissions_of(strawberry_field: StrawberryField) -> list[str]:
    return sorted({extension.permission for extension in strawberry_field.extensions if isinstance(extension, RequirePermission)})


def _make_nullable(strawberry_field: StrawberryField) -> None:
    if not isinstance(strawberry_field.type, StrawberryOptional):
        strawberry_field.type = StrawberryOptional(strawberry_field.type)


def _mark_permissions(strawberry_field: StrawberryField, permissions: list[str]) -> None:
    directives = [directive for directive in strawberry_field.directives if not isinstance(directive, RequiresPermission)]
    strawberry_field.directives = [*directives, RequiresPermission(permissions=permissions)]


def apply_contract(roots: Iterable[type | None], fields: Iterator[tuple[type, StrawberryField]]) -> None:
    """Make root fields and permission-guarded fields nullable and show their permission.
    `fields` yields every (type, field) reachable from the roots; idempotent, since the same
    type objects serve every schema built in one process."""
    root_set = {id(root) for root in roots if root is not None}
    for owner, strawberry_field in fields:
        permissions = _permissions_of(strawberry_field)
        if permissions:
            _mark_permissions(strawberry_field, permissions)
        if permissions or id(owner) in root_set:
            _make_nullable(strawberry_field)


#: The version of the API contract (semantic versioning; NL API Design Rules API-20/API-57):
#: answered in the `API-Version` header of every response. The major number changes only
#: with a breaking change, which CHANGELOG.md lists (docs/api.md, "Changes and deprecation").
API_VERSION = "1.0.0"
