"""The sociale kaart: what the coalition's partner organisations offer, for whom, in which
wijken (codes of the gemeente's wijken), with contact and opening hours."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select

from core.plugin import Conflict, NotFound, ValidationFailed, Work, parse_id, partners_by_id, utcnow, validate, wijken_by_code
from plugins.handvat3_toegang.models import Service
from plugins.handvat3_toegang.search import index_item
from plugins.handvat3_toegang.services.catalogue import Short


class ServiceInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner_id: uuid.UUID
    name: Short
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    audience: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    wijk_codes: list[Annotated[str, StringConstraints(pattern=r"^WK\d{6}$")]] = []
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    opening_hours: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    published: bool | None = None  # None: published when new, unchanged when edited


async def services(work: Work, wijk_code: str | None = None, *, public: bool) -> list[Service]:
    """The offers by name (the public sees the published ones), for the whole gemeente and,
    with `wijk_code`, those for the whole gemeente and for that wijk. A code that is no wijk
    of this gemeente is NOT_FOUND, never an empty filter that silently answers everything."""
    statement = select(Service).order_by(Service.name)
    if public:
        statement = statement.where(Service.published.is_(True))
    rows = list((await work.session.execute(statement)).scalars())
    if wijk_code is None or not wijk_code.strip():
        return rows
    if not await wijken_by_code(work.session, [wijk_code]):
        raise NotFound("Deze wijk bestaat niet in deze gemeente.", field="wijkCode")
    return [row for row in rows if not row.wijk_codes or wijk_code in row.wijk_codes]


async def save_service(work: Work, data: dict[str, Any], *, existing: Service | None = None) -> Service:
    """Add an offer to the sociale kaart, or change one."""
    fields = validate(ServiceInput, data, prefix="input")
    if not await partners_by_id(work.session, [fields.partner_id]):
        raise NotFound("Deze partnerorganisatie bestaat niet.", field="input.partnerId")
    unknown = sorted(set(fields.wijk_codes) - set(await wijken_by_code(work.session, fields.wijk_codes)))
    if unknown:
        raise ValidationFailed(f"Onbekende wijk(en): {', '.join(unknown)}.", field="input.wijkCodes")
    clash = (await work.session.execute(select(Service.id).where(Service.name == fields.name))).scalar_one_or_none()
    if clash is not None and (existing is None or clash != existing.id):
        raise Conflict("Er is al een aanbod met deze naam.", field="input.name")
    row = existing or Service(partner_id=fields.partner_id, name=fields.name)
    values = fields.model_dump()
    if values["published"] is None:
        values["published"] = existing.published if existing is not None else True
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    if existing is None:
        work.session.add(row)
    await work.session.flush()
    await index_item(work.session, "service", row.id, row.name, f"{row.description}\n{row.audience}", public=row.published)
    return row


async def update_service(work: Work, service_id: Any, data: dict[str, Any]) -> Service:
    existing = (await work.session.execute(select(Service).where(Service.id == parse_id(service_id, "input.id")))).scalar_one_or_none()
    if existing is None:
        raise NotFound("Dit aanbod bestaat niet.", field="input.id")
    return await save_service(work, data, existing=existing)
