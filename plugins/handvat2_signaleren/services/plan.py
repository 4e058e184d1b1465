"""The family's support plan: the agreed steps, each optionally naming a regeling of
handvat 3, which this module knows by id only (asked through `reference_exists`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select

from core.plugin import ValidationFailed, Work, parse_id, publish_event, record_processing, refuse_identifying, utcnow, validate
from plugins.handvat2_signaleren import domain
from plugins.handvat2_signaleren.events import EVENT_REGELING_LINKED
from plugins.handvat2_signaleren.models import PlanItem
from plugins.handvat2_signaleren.processing import ACTIVITY
from plugins.handvat2_signaleren.services.families import FamilyView, per_family
from plugins.handvat2_signaleren.services.visibility import own_organisation, owning_family, read_for_families, registered_family, rows_of_families

#: Handvat 3, whose regelingen a plan item may name, and the kind it answers `reference_exists` for.
HANDVAT3 = "handvat3_toegang"
REGELING = f"{HANDVAT3}.regeling"


class PlanItemInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_id: str
    domain: Literal["financieel", "materieel", "opvoeding", "sociaal"]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)]
    regeling_id: str | None = None


async def add_plan_item(work: Work, data: dict[str, Any]) -> PlanItem:
    fields = validate(PlanItemInput, data, prefix="input")
    family = await registered_family(work, fields.family_id, field="input.familyId", operation="addPlanItem")
    membership_id, _partner = own_organisation(work)
    refuse_identifying(fields.description, "input.description")
    regeling_id = parse_id(fields.regeling_id, "input.regelingId") if fields.regeling_id else None
    if regeling_id is not None and HANDVAT3 not in work.enabled_modules:
        raise ValidationFailed("Koppelen aan een regeling kan als de gemeente handvat 3 (regelingen) gebruikt.", field="input.regelingId")
    if regeling_id is not None and not await work.reference_exists(REGELING, regeling_id):
        raise ValidationFailed("Deze regeling staat niet in de catalogus van de gemeente.", field="input.regelingId")
    item = PlanItem(family_id=family.id, domain=fields.domain, description=fields.description, regeling_id=regeling_id, created_by=membership_id)
    work.session.add(item)
    await work.session.flush()
    if regeling_id is not None:
        # Handvat 3 counts it as a referral to the regeling; this module knows it only by id.
        publish_event(work.session, EVENT_REGELING_LINKED, {"regeling_id": str(regeling_id), "plan_item_id": str(item.id)}, actor=work.actor)
    record_processing(work, ACTIVITY, "addPlanItem", [family.id], "created")
    return item


async def update_plan_item(work: Work, item_id: Any, data: dict[str, Any]) -> PlanItem:
    """A new status and/or description (`data`: status, description; None leaves it)."""
    item = (await work.session.execute(select(PlanItem).where(PlanItem.id == parse_id(item_id, "input.id")))).scalar_one_or_none()
    await owning_family(work, item, "Dit onderdeel van het plan bestaat niet of is niet van uw organisatie.", "updatePlanItem")
    status, description = data.get("status"), data.get("description")
    if status is not None:
        if status not in domain.PLAN_STATUSES:
            raise ValidationFailed(f"Kies een status uit: {', '.join(domain.PLAN_STATUSES)}.", field="input.status")
        item.status = status
    if description is not None:
        description = description.strip()
        if not 2 <= len(description) <= 300:
            raise ValidationFailed("Een omschrijving van 2 tot 300 tekens.", field="input.description")
        refuse_identifying(description, "input.description")
        item.description = description
    item.updated_at = utcnow()
    await work.session.flush()
    record_processing(work, ACTIVITY, "updatePlanItem", [item.family_id], "updated")
    return item


async def plan_of(session: Any, family_ids: Sequence[uuid.UUID]) -> list[PlanItem]:
    """The plan items of these families, oldest first."""
    rows = await session.execute(select(PlanItem).where(PlanItem.family_id.in_(list(family_ids))).order_by(PlanItem.created_at))
    return list(rows.scalars())


#: The plan items of some families as rows, oldest first.
_PLAN_OF_FAMILIES = rows_of_families(PlanItem, PlanItem.created_at)


async def plans_as_seen(session: Any, families: Sequence[FamilyView]) -> dict[FamilyView, list[PlanItem]]:
    """Batch read: the support plan of each family (whoever sees the family sees its plan)."""
    return per_family(families, await read_for_families(session, _PLAN_OF_FAMILIES, families))
