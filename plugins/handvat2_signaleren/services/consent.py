"""The parent's consent to share with named organisations for a purpose, and revoking it
(which stops every referral under it at once)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from core.plugin import Conflict, ValidationFailed, Work, parse_id, partners_by_id, publish_event, record_processing, refuse_identifying, utcnow, validate
from plugins.handvat2_signaleren.events import EVENT_CONSENT_REVOKED
from plugins.handvat2_signaleren.models import Consent, Referral
from plugins.handvat2_signaleren.processing import ACTIVITY
from plugins.handvat2_signaleren.services.families import FamilyView, family_exists, per_family
from plugins.handvat2_signaleren.services.referrals import take_step
from plugins.handvat2_signaleren.services.visibility import (
    consent_problem,
    consent_valid,
    own_organisation,
    owning_family,
    read_for_families,
    registered_family,
    rows_of_families,
)
from plugins.handvat2_signaleren.workflows import OPEN_STATES, ReferralTransition


@dataclass(frozen=True)
class ConsentView:
    """A consent with whether it allows sharing now (neither revoked nor expired)."""

    #: The consent: an entity, or a row of its columns (a list's).
    row: Any
    valid: bool

    @property
    def organisation_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(value) for value in self.row.partner_ids]


def as_seen(consent: Consent) -> ConsentView:
    return ConsentView(consent, consent_valid(consent, dt.date.today()))


class ConsentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_id: str
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
    partner_ids: list[str] = Field(min_length=1, max_length=20)
    method: Literal["mondeling", "schriftelijk"]
    given_on: dt.date
    valid_until: dt.date


def check_consent_dates(given_on: dt.date, valid_until: dt.date, today: dt.date) -> None:
    if given_on > today:
        raise ValidationFailed("Toestemming kan niet in de toekomst gegeven zijn.", field="input.givenOn")
    if valid_until < given_on:
        raise ValidationFailed("De einddatum ligt vóór de datum waarop de toestemming is gegeven.", field="input.validUntil")
    if valid_until < today:
        raise ValidationFailed("Deze toestemming is al verlopen: de einddatum moet vandaag of later zijn.", field="input.validUntil")
    if valid_until > given_on + dt.timedelta(days=366):
        raise ValidationFailed("Toestemming geldt hoogstens een jaar; vraag daarna opnieuw.", field="input.validUntil")


async def record_consent(work: Work, data: dict[str, Any]) -> ConsentView:
    fields = validate(ConsentInput, data, prefix="input")
    check_consent_dates(fields.given_on, fields.valid_until, dt.date.today())
    family = await registered_family(work, fields.family_id, field="input.familyId", operation="recordConsent")
    membership_id, _partner = own_organisation(work)
    refuse_identifying(fields.purpose, "input.purpose")
    partner_ids = [parse_id(value, "input.partnerIds") for value in fields.partner_ids]
    found = await partners_by_id(work.session, partner_ids)
    missing = [str(value) for value in partner_ids if value not in found or not found[value].active]
    if missing:
        raise ValidationFailed("Een of meer organisaties bestaan niet of zijn niet actief.", field="input.partnerIds", unknown=missing)
    consent = Consent(
        family_id=family.id,
        purpose=fields.purpose,
        partner_ids=sorted({str(value) for value in partner_ids}),
        method=fields.method,
        given_on=fields.given_on,
        valid_until=fields.valid_until,
        recorded_by=membership_id,
    )
    work.session.add(consent)
    await work.session.flush()
    record_processing(work, ACTIVITY, "recordConsent", [family.id], "created")
    return as_seen(consent)


async def revoke_consent(work: Work, consent_id: Any, note: str | None) -> ConsentView:
    """The parent withdraws consent: every referral under it that still shares stops now."""
    consent = (await work.session.execute(select(Consent).where(Consent.id == parse_id(consent_id, "input.id")))).scalar_one_or_none()
    family = await owning_family(work, consent, "Deze toestemming bestaat niet of is niet van uw organisatie.", "revokeConsent", closed_too=True)
    membership_id, _partner = own_organisation(work)
    if consent.revoked_at is not None:
        raise Conflict("Deze toestemming is al ingetrokken.", field="input.id")
    refuse_identifying(note, "input.note")
    consent.revoked_at, consent.revoked_by, consent.revocation_note = utcnow(), membership_id, (note or None)
    ongoing = (await work.session.execute(select(Referral).where(Referral.consent_id == consent.id, Referral.state.in_(OPEN_STATES)))).scalars()
    for referral in list(ongoing):
        await take_step(work, referral, ReferralTransition.TERUGTREKKEN, reason="De ouder heeft de toestemming ingetrokken.", system=True)
    await work.session.flush()
    publish_event(work.session, EVENT_CONSENT_REVOKED, {"consent_id": str(consent.id), "family_id": str(family.id)}, actor=work.actor)
    record_processing(work, ACTIVITY, "revokeConsent", [family.id], "updated")
    return as_seen(consent)


async def consents_of(session: Any, family_ids: Sequence[uuid.UUID]) -> list[Consent]:
    """The consents of these families, newest first."""
    rows = await session.execute(select(Consent).where(Consent.family_id.in_(list(family_ids))).order_by(Consent.recorded_at.desc()))
    return list(rows.scalars())


#: The consents of some families as rows, newest first.
_CONSENTS_OF_FAMILIES = rows_of_families(Consent, Consent.recorded_at.desc())


async def consents_as_seen(session: Any, families: Sequence[FamilyView]) -> dict[FamilyView, list[ConsentView]]:
    """Batch read: the consents of each family (newest first) its viewer may see: all of them
    for the registering organisation, only those naming it for an organisation the family
    was referred to."""
    rows = await read_for_families(session, _CONSENTS_OF_FAMILIES, families)
    return per_family(families, rows, lambda family, row: as_seen(row) if family.mine or str(family.viewer.partner_id) in row.partner_ids else None)


async def family_consents_to(session: Any, family_id: Any, partner_id: uuid.UUID) -> bool:
    """Whether the family (held here, not anonymised) has a consent valid today that names
    the partner organisation: for another module that shares with that partner (the
    `consent_to_share` hook). A family has a handful of consents: checked here, not in SQL."""
    if not await family_exists(session, family_id):
        return False
    today = dt.date.today()
    consents = (await session.execute(select(Consent).where(Consent.family_id == parse_id(family_id)))).scalars()
    return any(consent_problem(consent, partner_id, today) is None for consent in consents)
