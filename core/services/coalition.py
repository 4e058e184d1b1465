"""The coalition of a tenant: partner organisations, members and wijken."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, HttpUrl, StringConstraints, TypeAdapter, ValidationError, field_validator
from sqlalchemy import func, select

from core import gemeenten
from core.access import COALITION_ADMIN, tenant_roles_problem
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.feeds import delete_member_links
from core.models import Membership, Partner, PartnerDomain, PartnerType, Person, Wijk
from core.services.tenants import lock_tenant
from core.validation import NO_CONTROL_CHARACTERS, parse_id, validate
from core.work import Work

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{6,20}$")]


def normalize_email(value: str, *, field: str = "email") -> str:
    try:
        return str(TypeAdapter(EmailStr).validate_python(value.strip())).lower()
    except ValidationError:
        raise ValidationFailed("Dit is geen geldig e-mailadres.", field=field) from None


# -- partners ------------------------------------------------------------------------------


class PartnerFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    domain: PartnerDomain
    type: PartnerType
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_CONTROL_CHARACTERS)] | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    website: HttpUrl | None = None
    active: bool = True


async def _partner_name_taken(session: Any, name: str, *, except_id: uuid.UUID | None = None) -> bool:
    statement = select(Partner.id).where(func.lower(Partner.name) == name.lower())
    if except_id is not None:
        statement = statement.where(Partner.id != except_id)
    return (await session.execute(statement)).first() is not None


async def get_partner(work: Work, partner_id: Any, *, field: str = "id") -> Partner:
    partner = (
        await work.session.execute(select(Partner).where(Partner.id == parse_id(partner_id, field)))
    ).scalar_one_or_none()
    if partner is None:
        raise NotFound("Deze partnerorganisatie bestaat niet.", field=field)
    return partner


async def partner_id_by_name(work: Work, name: str) -> uuid.UUID:
    partner_id = (
        await work.session.execute(select(Partner.id).where(func.lower(Partner.name) == name.strip().lower()))
    ).scalar_one_or_none()
    if partner_id is None:
        raise NotFound(f"Er is geen partnerorganisatie '{name}'.", field="partner")
    return partner_id


async def create_partner(work: Work, data: dict[str, Any]) -> Partner:
    fields = validate(PartnerFields, data, prefix="input")
    if await _partner_name_taken(work.session, fields.name):
        raise Conflict("Er is al een partnerorganisatie met deze naam.", field="input.name")
    values = fields.model_dump()
    values["website"] = str(fields.website) if fields.website else None
    partner = Partner(**values)
    work.session.add(partner)
    await work.session.flush()
    return partner


async def update_partner(work: Work, partner_id: Any, changes: dict[str, Any]) -> Partner:
    partner = await get_partner(work, partner_id, field="input.id")
    current = {name: getattr(partner, name) for name in PartnerFields.model_fields}
    fields = validate(PartnerFields, {**current, **changes}, prefix="input")
    if fields.name.lower() != partner.name.lower() and await _partner_name_taken(
        work.session, fields.name, except_id=partner.id
    ):
        raise Conflict("Er is al een partnerorganisatie met deze naam.", field="input.name")
    for name, value in fields.model_dump().items():
        setattr(partner, name, str(value) if name == "website" and value is not None else value)
    partner.updated_at = utcnow()
    await work.session.flush()
    return partner


async def deactivate_partner(work: Work, partner_id: Any) -> Partner:
    return await update_partner(work, partner_id, {"active": False})


# -- members -------------------------------------------------------------------------------


class MemberFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    display_name: Name
    job_title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_CONTROL_CHARACTERS)] | None = None
    roles: list[str]
    partner_id: uuid.UUID | None = None
    active: bool = True

    @field_validator("email")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        return value.lower()

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        problem = tenant_roles_problem(value)
        if problem:
            raise ValueError(problem)
        return sorted(set(value))


async def get_member(work: Work, member_id: Any, *, field: str = "id") -> Membership:
    member = (
        await work.session.execute(select(Membership).where(Membership.id == parse_id(member_id, field)))
    ).scalar_one_or_none()
    if member is None:
        raise NotFound("Dit lid bestaat niet.", field=field)
    return member


async def check_partner_for_member(work: Work, partner_id: uuid.UUID | None) -> None:
    if partner_id is None:
        return
    partner = await get_partner(work, partner_id, field="input.partnerId")
    if not partner.active:
        raise ValidationFailed("Deze partnerorganisatie is niet actief.", field="input.partnerId")


async def _person_for_email(session: Any, email: str) -> Person:
    person = (await session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
    if person is None:
        person = Person(email=email)
        session.add(person)
        await session.flush()
    return person


async def _ensure_an_admin_remains(work: Work, member: Membership, new_roles: Sequence[str], active: bool) -> None:
    if COALITION_ADMIN not in member.roles or not member.active:
        return
    if active and COALITION_ADMIN in new_roles:
        return
    await lock_tenant(work.session, work.tenant.id)  # two admins demoting each other at once
    admins = (
        await work.session.execute(
            select(Membership.id, Membership.roles).where(Membership.active.is_(True), Membership.id != member.id)
        )
    ).all()
    if not any(COALITION_ADMIN in roles for _id, roles in admins):
        raise ValidationFailed(
            "Dit is de laatste actieve coalitieregisseur; wijs eerst iemand anders aan.", field="input.roles"
        )


async def create_member(work: Work, data: dict[str, Any]) -> Membership:
    fields = validate(MemberFields, data, prefix="input")
    await check_partner_for_member(work, fields.partner_id)
    person = await _person_for_email(work.session, fields.email)
    existing = (
        await work.session.execute(select(Membership.id).where(Membership.person_id == person.id))
    ).first()
    if existing is not None:
        raise Conflict("Deze persoon is al lid van deze gemeente.", field="input.email")
    member = Membership(person_id=person.id, **fields.model_dump())
    work.session.add(member)
    await work.session.flush()
    return member


async def update_member(work: Work, member_id: Any, changes: dict[str, Any]) -> Membership:
    member = await get_member(work, member_id, field="input.id")
    current = {name: getattr(member, name) for name in MemberFields.model_fields}
    fields = validate(MemberFields, {**current, **changes}, prefix="input")
    if fields.partner_id != member.partner_id:
        await check_partner_for_member(work, fields.partner_id)
    await _ensure_an_admin_remains(work, member, fields.roles, fields.active)
    # A feed link is made for a membership as it is: ending it (or taking it up again) or
    # changing its roles ends the links, so one leaked before does not come back with it.
    ends_feed_links = not (member.active and fields.active) or set(fields.roles) != set(member.roles)
    for name, value in fields.model_dump(exclude={"email"}).items():
        setattr(member, name, value)
    member.updated_at = utcnow()
    await work.session.flush()
    if ends_feed_links:
        await delete_member_links(work.session, member.id)
    return member


async def deactivate_member(work: Work, member_id: Any) -> Membership:
    return await update_member(work, member_id, {"active": False})


# -- wijken ----------------------------------------------------------------------------------


class WijkFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    name: Name
    active: bool = True

    @field_validator("code")
    @classmethod
    def _cbs_wijkcode(cls, value: str) -> str:
        if not gemeenten.WIJKCODE_PATTERN.match(value):
            raise ValueError("Een wijkcode is 'WK' gevolgd door 6 cijfers, bijvoorbeeld WK034401.")
        return value


def _check_wijk_in_gemeente(work: Work, code: str, field: str) -> None:
    if not gemeenten.wijk_belongs_to(code, work.tenant.code):
        raise ValidationFailed(
            f"Wijkcode {code} hoort niet bij {work.tenant.name} ({work.tenant.code}): "
            f"de cijfers na WK moeten met {work.tenant.code[2:]} beginnen.",
            field=field,
        )


async def get_wijk(work: Work, wijk_id: Any, *, field: str = "id") -> Wijk:
    wijk = (await work.session.execute(select(Wijk).where(Wijk.id == parse_id(wijk_id, field)))).scalar_one_or_none()
    if wijk is None:
        raise NotFound("Deze wijk bestaat niet.", field=field)
    return wijk


async def create_wijk(work: Work, data: dict[str, Any]) -> Wijk:
    fields = validate(WijkFields, data, prefix="input")
    _check_wijk_in_gemeente(work, fields.code, "input.code")
    if (await work.session.execute(select(Wijk.id).where(Wijk.code == fields.code))).first():
        raise Conflict(f"Wijk {fields.code} bestaat al.", field="input.code")
    wijk = Wijk(**fields.model_dump())
    work.session.add(wijk)
    await work.session.flush()
    return wijk


async def update_wijk(work: Work, wijk_id: Any, changes: dict[str, Any]) -> Wijk:
    wijk = await get_wijk(work, wijk_id, field="input.id")
    fields = validate(WijkFields, {"code": wijk.code, "name": wijk.name, "active": wijk.active, **changes}, prefix="input")
    wijk.name = fields.name
    wijk.active = fields.active
    wijk.updated_at = utcnow()
    await work.session.flush()
    return wijk


async def deactivate_wijk(work: Work, wijk_id: Any) -> Wijk:
    return await update_wijk(work, wijk_id, {"active": False})


MAX_WIJKEN_CSV_BYTES = 512 * 1024
MAX_WIJKEN_CSV_ROWS = 2000
_CODE_HEADERS = ("wijkcode", "code", "wijk_code")
_NAME_HEADERS = ("wijknaam", "naam", "name")


@dataclass
class WijkImportResult:
    created: list[Wijk]
    updated: list[Wijk]
    unchanged: int


def _parse_wijken_csv(text: str) -> list[tuple[int, str, str]]:
    if len(text.encode("utf-8")) > MAX_WIJKEN_CSV_BYTES:
        raise ValidationFailed("Het CSV-bestand is te groot (hoogstens 512 kB).", field="input.csv")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValidationFailed("Het CSV-bestand is leeg.", field="input.csv")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    headers = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    code_header = next((headers[h] for h in _CODE_HEADERS if h in headers), None)
    name_header = next((headers[h] for h in _NAME_HEADERS if h in headers), None)
    if code_header is None or name_header is None:
        raise ValidationFailed(
            "De eerste regel moet de kolommen 'wijkcode' en 'naam' noemen.", field="input.csv"
        )
    rows = []
    try:
        for row in reader:
            if reader.line_num - 1 > MAX_WIJKEN_CSV_ROWS:
                raise ValidationFailed(f"Hoogstens {MAX_WIJKEN_CSV_ROWS} wijken per import.", field="input.csv")
            code, name = (row.get(code_header) or "").strip(), (row.get(name_header) or "").strip()
            if code or name:
                rows.append((reader.line_num, code, name))
    except csv.Error as exc:
        raise ValidationFailed(f"Het CSV-bestand is niet te lezen: {exc}.", field="input.csv") from None
    if not rows:
        raise ValidationFailed("Het CSV-bestand bevat geen wijken.", field="input.csv")
    return rows


async def import_wijken(work: Work, text: str) -> WijkImportResult:
    """Create or rename wijken from CSV (`wijkcode,naam`; comma or semicolon). Every row is
    checked first; one bad row refuses the whole file, naming each bad line."""
    problems: list[dict[str, Any]] = []
    parsed: dict[str, tuple[int, str]] = {}
    for line, code, name in _parse_wijken_csv(text):
        try:
            fields = validate(WijkFields, {"code": code, "name": name})
            _check_wijk_in_gemeente(work, fields.code, "code")
        except ValidationFailed as exc:
            problems.append({"line": line, "field": exc.field, "message": exc.message})
            continue
        if fields.code in parsed:
            problems.append({"line": line, "field": "code", "message": f"{fields.code} staat twee keer in het bestand."})
            continue
        parsed[fields.code] = (line, fields.name)
    if problems:
        first = problems[0]
        raise ValidationFailed(
            f"Regel {first['line']}: {first['message']} ({len(problems)} fout(en); er is niets opgeslagen.)",
            field="input.csv",
            errors=problems,
        )
    existing = {
        wijk.code: wijk
        for wijk in (await work.session.execute(select(Wijk).where(Wijk.code.in_(parsed)))).scalars()
    }
    result = WijkImportResult(created=[], updated=[], unchanged=0)
    for code, (_line, name) in parsed.items():
        wijk = existing.get(code)
        if wijk is None:
            wijk = Wijk(code=code, name=name)
            work.session.add(wijk)
            result.created.append(wijk)
        elif wijk.name != name or not wijk.active:
            wijk.name, wijk.active, wijk.updated_at = name, True, utcnow()
            result.updated.append(wijk)
        else:
            result.unchanged += 1
    await work.session.flush()
    return result
