"""Warm referrals of a family to a partner organisation, and their steps.

The workflow itself is data (`workflows.py`): which steps exist, from which states, which
side takes each one, which moment it records and what the referring professional is told.
Here: who may take a step (the organisation on the step's side, `steps_of`), what a step
needs besides (valid consent to go on sharing, the outcome to complete), and what it
records besides its state and moment."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from core.plugin import (
    NotFound,
    Transition,
    ValidationFailed,
    Work,
    WorkflowSubject,
    apply_transition,
    members_by_id,
    parse_id,
    partners_by_id,
    publish_event,
    record_processing,
    refuse_identifying,
    utcnow,
    validate,
)
from plugins.handvat2_signaleren import MODULE_KEY, domain
from plugins.handvat2_signaleren.events import EVENT_OVERDUE
from plugins.handvat2_signaleren.models import Consent, Referral
from plugins.handvat2_signaleren.permissions import REFERRAL_SEND
from plugins.handvat2_signaleren.processing import ACTIVITY
from plugins.handvat2_signaleren.services.errors import ConsentInvalid, PartnerInactive, WrongOrganisation
from plugins.handvat2_signaleren.services.families import FamilyView, per_family
from plugins.handvat2_signaleren.services.notifications import tell_about_step
from plugins.handvat2_signaleren.services.visibility import (
    Viewer,
    consent_problem,
    newest_first,
    own_organisation,
    read_for_families,
    reading_viewer,
    registered_family,
    rows_of_families,
    viewer,
    visible_referral_filter,
)
from plugins.handvat2_signaleren.workflows import (
    OPEN_STATES,
    REFERRAL_WORKFLOW,
    SHARING_STATES,
    SIDE_NAMES,
    ReferralState,
    ReferralTransition,
    Side,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


@dataclass(frozen=True)
class ReferralView:
    """A referral with the steps the asking member can take on it now."""

    #: The referral: an entity, or a row of its columns (a list's).
    row: Any
    allowed_transitions: tuple[str, ...]


# -- whose step it is --------------------------------------------------------------------------------


def steps_of(who: Viewer, referral: Referral) -> tuple[Transition, ...]:
    """The steps that are this member's organisation's to take on the referral: those of the
    side it is on (the referring organisation, or the one referred to)."""
    organisations = {Side.REFERRER: referral.from_partner_id, Side.RECEIVER: referral.to_partner_id}
    sides = [side for side, partner in organisations.items() if partner == who.partner_id]
    return tuple(transition for side in sides for transition in REFERRAL_WORKFLOW.taken_by(side))


def as_seen(who: Viewer, referral: Referral) -> ReferralView:
    """The referral with the steps this member can take now: allowed from its state, on their
    organisation's side, and with the step's permission."""
    own = steps_of(who, referral)
    allowed = tuple(str(t.name) for t in REFERRAL_WORKFLOW.allowed_from(referral.state) if t in own and who.may(t.permission))
    return ReferralView(referral, allowed)


# -- creating and reading ----------------------------------------------------------------------------


class ReferralInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_id: str
    consent_id: str
    to_partner_id: str
    to_contact_id: str | None = None
    support: list[Literal["financiele_hulp", "materiele_steun", "opvoedondersteuning", "sociale_steun", "schuldhulp", "overig"]] = Field(
        min_length=1, max_length=6
    )
    note: Text | None = None
    send: bool = False


async def create_referral(work: Work, data: dict[str, Any]) -> ReferralView:
    """A referral (concept), sent at once with `send`. Needs the parent's valid consent for
    the receiving organisation."""
    work.principal.require(REFERRAL_SEND)
    fields = validate(ReferralInput, data, prefix="input")
    family = await registered_family(work, fields.family_id, field="input.familyId", operation="createReferral")
    membership_id, partner_id = own_organisation(work)
    to_partner_id = parse_id(fields.to_partner_id, "input.toPartnerId")
    to_partner = (await partners_by_id(work.session, [to_partner_id])).get(to_partner_id)
    if to_partner is None:
        raise NotFound("Deze organisatie bestaat niet.", field="input.toPartnerId")
    if not to_partner.active:
        raise PartnerInactive("Deze organisatie is niet (meer) actief in de coalitie.", field="input.toPartnerId")
    if to_partner.id == partner_id:
        raise ValidationFailed("Verwijs naar een andere organisatie dan uw eigen.", field="input.toPartnerId")
    consent = (
        await work.session.execute(
            select(Consent).where(Consent.id == parse_id(fields.consent_id, "input.consentId"), Consent.family_id == family.id)
        )
    ).scalar_one_or_none()
    if consent is None:
        raise NotFound("Deze toestemming hoort niet bij dit gezin.", field="input.consentId")
    problem = consent_problem(consent, to_partner.id, dt.date.today())
    if problem:
        raise ConsentInvalid(f"{problem} Zonder geldige toestemming wordt er niet verwezen.", field="input.consentId")
    contact_id = None
    if fields.to_contact_id is not None:
        contact_id = parse_id(fields.to_contact_id, "input.toContactId")
        contact = (await members_by_id(work.session, [contact_id])).get(contact_id)
        if contact is None or contact.partner_id != to_partner.id or not contact.active:
            raise ValidationFailed("Deze contactpersoon werkt niet (meer) bij die organisatie.", field="input.toContactId")
    refuse_identifying(fields.note, "input.note")
    referral = Referral(
        family_id=family.id,
        consent_id=consent.id,
        from_partner_id=partner_id,
        referred_by=membership_id,
        to_partner_id=to_partner.id,
        to_contact_id=contact_id,
        support=sorted(set(fields.support)),
        note=fields.note or None,
    )
    work.session.add(referral)
    await work.session.flush()
    record_processing(work, ACTIVITY, "createReferral", [family.id], "created")
    if fields.send:
        await take_step(work, referral, ReferralTransition.VERSTUREN)
    return as_seen(viewer(work), referral)


async def get_referral(work: Work, referral_id: Any, *, field: str = "id") -> Referral:
    """A referral this member's organisation may see (else NOT_FOUND; without an
    organisation ORGANISATION_REQUIRED)."""
    who = reading_viewer(work)
    statement = select(Referral).where(Referral.id == parse_id(referral_id, field), visible_referral_filter(who, dt.date.today()))
    referral = (await work.session.execute(statement)).scalar_one_or_none()
    if referral is None:
        raise NotFound("Deze verwijzing bestaat niet of is niet van of voor uw organisatie.", field=field)
    return referral


async def read_referral(work: Work, referral_id: Any) -> ReferralView:
    """One referral this member's organisation may see; the read is recorded."""
    referral = await get_referral(work, referral_id)
    record_processing(work, ACTIVITY, "referral", [referral.family_id], "read")
    return as_seen(viewer(work), referral)


async def referrals_page(
    work: Work,
    *,
    direction: str | None,
    state: str | None,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[ReferralView]], Awaitable[list[Any]]],
) -> Any:
    """A page of the referrals this member's organisation may see, from or to it (direction
    incoming or outgoing), newest first; the read of their families is recorded."""
    if state is not None and state not in REFERRAL_WORKFLOW.states:
        raise ValidationFailed(f"Kies een stand uit: {', '.join(REFERRAL_WORKFLOW.states)}.", field="state")
    who = reading_viewer(work)
    statement = select(Referral).where(visible_referral_filter(who, dt.date.today()))
    if direction == "incoming":
        statement = statement.where(Referral.to_partner_id == who.partner_id)
    elif direction == "outgoing":
        statement = statement.where(Referral.from_partner_id == who.partner_id)
    if state is not None:
        statement = statement.where(Referral.state == state)

    async def seen(rows: list[Referral]) -> list[Any]:
        record_processing(work, ACTIVITY, "referrals", {row.family_id for row in rows}, "read")
        return await to_nodes([as_seen(who, row) for row in rows])

    return await newest_first(work, statement, Referral, first=first, after=after, to_nodes=seen)


async def referrals_of(session: Any, family_ids: Sequence[uuid.UUID]) -> list[Referral]:
    """Every referral of these families (for the family's rights, not for a member's view)."""
    return list((await session.execute(select(Referral).where(Referral.family_id.in_(list(family_ids))))).scalars())


async def referrals_as_seen(session: Any, families: Sequence[FamilyView]) -> dict[FamilyView, list[ReferralView]]:
    """Batch read: the referrals of each family (newest first) its viewer may see."""
    found: dict[FamilyView, list[ReferralView]] = {}
    today = dt.date.today()
    for who in {family.viewer for family in families}:
        theirs = [family for family in families if family.viewer == who]
        rows = await read_for_families(session, _referrals_of_families(visible_referral_filter(who, today)), theirs)
        found.update(per_family(theirs, rows, lambda family, row: as_seen(family.viewer, row)))
    return found


@lru_cache(maxsize=1024)
def _referrals_of_families(visible: Any) -> Any:
    """The referrals of some families that satisfy `visible` as rows, newest first: built
    once per condition (itself made once per organisation and day)."""
    return rows_of_families(Referral, Referral.created_at.desc(), where=visible)


# -- the steps -------------------------------------------------------------------------------------


class MoveInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transition: str
    reason: Text | None = None
    outcome: Literal["geholpen", "deels_geholpen", "niet_geholpen", "geen_contact", "elders_geholpen"] | None = None


async def move_referral(work: Work, referral_id: Any, data: dict[str, Any]) -> ReferralView:
    """A step of the referral, by a member of the organisation whose step it is."""
    fields = validate(MoveInput, data, prefix="input")
    referral = await get_referral(work, referral_id, field="input.id")
    refuse_identifying(fields.reason, "input.reason")
    transition = REFERRAL_WORKFLOW.transition(fields.transition)
    completes = transition is not None and transition.target == ReferralState.AFGEROND and referral.state in transition.source
    if completes and fields.outcome is None:
        raise ValidationFailed("Geef de uitkomst bij het afronden.", field="input.outcome")
    await take_step(work, referral, fields.transition, reason=fields.reason, outcome=fields.outcome)
    return as_seen(viewer(work), referral)


async def take_step(
    work: Work,
    referral: Referral,
    name: str,
    *,
    reason: str | None = None,
    outcome: str | None = None,
    system: bool = False,
    at: dt.datetime | None = None,
) -> None:
    """Carry out a step of the referral workflow: the organisation's side and the consent
    (not for a step the platform takes, `system`), the whitelist, permission and other
    modules' guards (core, which also stores the state and the step's moment), what the step
    records here, the processing log and the feedback. `at`: the moment (default now)."""
    transition = REFERRAL_WORKFLOW.transition(name)
    if not system and transition is not None:
        if transition not in steps_of(viewer(work), referral):
            raise WrongOrganisation(f"Deze stap is aan {SIDE_NAMES[transition.side]}.", field="input.transition")
        if transition.target in SHARING_STATES and referral.state in transition.source:
            consent = (await work.session.execute(select(Consent).where(Consent.id == referral.consent_id))).scalar_one()
            problem = consent_problem(consent, referral.to_partner_id, dt.date.today())
            if problem:
                raise ConsentInvalid(f"{problem} Deze stap kan niet zonder geldige toestemming.", field="input.transition")
    subject = WorkflowSubject(
        id=referral.id,
        state=referral.state,
        attributes={"family_id": str(referral.family_id), "to_partner_id": str(referral.to_partner_id), "support": list(referral.support)},
    )
    moment = at or utcnow()
    await apply_transition(work, REFERRAL_WORKFLOW, subject, name, reason=reason, record=referral, at=moment)
    assert transition is not None  # apply_transition refuses an unknown step
    await _record(work, referral, transition, reason=reason, outcome=outcome, moment=moment)
    await work.session.flush()
    result = "shared" if transition.target == ReferralState.VERSTUURD else "updated"
    record_processing(work, ACTIVITY, f"referral.{transition.name}", [referral.family_id], result)
    await tell_about_step(work, referral, transition, moment)


async def _record(work: Work, referral: Referral, transition: Transition, *, reason: str | None, outcome: str | None, moment: dt.datetime) -> None:
    """What a step records on the referral besides its state and moment (core stores those),
    by the state it leads to: the response deadline of a sent referral, the reason of a
    rejection, the outcome of completed help."""
    referral.updated_at = moment
    if transition.target == ReferralState.VERSTUURD:
        config = await work.module_config(MODULE_KEY)
        referral.respond_by = domain.add_working_days(moment.date(), config.response_days)
    elif transition.target == ReferralState.AFGEWEZEN:
        referral.rejection_reason = reason
    elif transition.target == ReferralState.AFGEROND:
        referral.outcome, referral.outcome_note = outcome, reason


# -- scheduled -------------------------------------------------------------------------------------------


async def overdue_referrals(work: Work, today: dt.date) -> list[Referral]:
    """Sent referrals whose response deadline passed (for the coalition admin: no family details)."""
    statement = select(Referral).where(Referral.state == ReferralState.VERSTUURD, Referral.respond_by < today)
    return list((await work.session.execute(statement.order_by(Referral.respond_by, Referral.id))).scalars())


async def report_overdue(work: Work, now: dt.datetime) -> int:
    """Scheduled: raise the overdue event once per referral whose deadline passed."""
    rows = [row for row in await overdue_referrals(work, now.date()) if row.overdue_reported_at is None]
    for referral in rows:
        referral.overdue_reported_at = now
        publish_event(
            work.session,
            EVENT_OVERDUE,
            {"referral_id": str(referral.id), "to_partner_id": str(referral.to_partner_id), "respond_by": referral.respond_by.isoformat()},
            actor=work.actor,
        )
    await work.session.flush()
    return len(rows)


async def withdraw_expired(work: Work, now: dt.datetime) -> int:
    """Scheduled: a referral whose consent ran out stops sharing at once (the visibility
    rules need valid consent); this job also withdraws it, with the reason in its history
    and feedback to the referring professional, so that it does not stay open."""
    statement = (
        select(Referral)
        .join(Consent, (Consent.tenant_id == Referral.tenant_id) & (Consent.id == Referral.consent_id))
        .where(Referral.state.in_(OPEN_STATES), Consent.valid_until < now.date())
    )
    rows = list((await work.session.execute(statement)).scalars())
    for referral in rows:
        await take_step(work, referral, ReferralTransition.TERUGTREKKEN, reason="De toestemming van de ouder is verlopen.", system=True)
    return len(rows)
