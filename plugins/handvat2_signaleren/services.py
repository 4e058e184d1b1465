"""The domain logic of handvat 2: families, signals, consent, warm referrals with feedback,
the support plan, retention and the family's rights. Plain async functions over a `Work`.

Who sees a family: members of the organisation that registered it (with
`family.write`), and members of an organisation with an active referral under valid
consent (`family.read`). A partner worker therefore sees only families referred to their
organisation; analysts and experts by experience see figures only; the platform operator,
no member of any organisation, sees nothing. Every read and write of a family's data is
recorded in the processing log."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import delete, exists, or_, select, update

from core.plugin import (
    Conflict,
    DomainError,
    Forbidden,
    Membership,
    NotFound,
    Partner,
    ValidationFailed,
    Wijk,
    Work,
    WorkflowHistory,
    WorkflowSubject,
    apply_transition,
    forget_events,
    parse_id,
    processing_history,
    publish_event,
    record_processing,
    utcnow,
    validate,
)
from plugins.handvat2_signaleren import domain
from plugins.handvat2_signaleren.models import Consent, DeletionRecord, Family, Notification, PlanItem, Referral, Signal
from plugins.handvat2_signaleren.permissions import FAMILY_READ, FAMILY_WRITE, KEY, REFERRAL_SEND
from plugins.handvat2_signaleren.workflow import OPEN_STATES, REFERRAL_WORKFLOW, SHARING_STATES, TRANSITION_LABELS

ACTIVITY = f"{KEY}.family_support"
EVENT_OVERDUE = f"{KEY}.referral.overdue"
EVENT_FEEDBACK = f"{KEY}.referral.feedback"
EVENT_CONSENT_REVOKED = f"{KEY}.consent.revoked"
EVENT_REGELING_LINKED = f"{KEY}.plan_item.regeling_linked"
EVENT_FAMILY_ERASED = f"{KEY}.family.erased"

Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class IdentifyingData(ValidationFailed):
    code = "IDENTIFYING_DATA"


class ConsentInvalid(DomainError):
    code = "CONSENT_INVALID"
    http_status = 409


class ReasonRequired(ValidationFailed):
    code = "REASON_REQUIRED"


class NoOrganisation(Forbidden):
    """The member works for no partner organisation (handvat 2 works per organisation)."""

    code = "NO_ORGANISATION"


class WrongOrganisation(Forbidden):
    """The step belongs to the other organisation of the referral (or the registering one)."""

    code = "WRONG_ORGANISATION"


def refuse_identifying(text: str | None, field: str) -> None:
    found = domain.identifying_data(text or "")
    if found:
        raise IdentifyingData(
            f"Dit lijkt {found} te bevatten. Leg alleen vast wat nodig is; gegevens die het gezin herkennen horen hier niet.",
            field=field,
        )


# -- who is asking ---------------------------------------------------------------------------


def own_organisation(work: Work) -> tuple[uuid.UUID, uuid.UUID]:
    """(membership id, partner organisation id) of the member; handvat 2 works per organisation."""
    if work.principal.membership_id is None or work.principal.partner_id is None:
        raise NoOrganisation("Dit kan alleen als medewerker van een partnerorganisatie van de coalitie.")
    return work.principal.membership_id, work.principal.partner_id


def shares_with(partner: Any, today: dt.date) -> Any:
    """The SQL condition for a referral that shares its family with this organisation now:
    sent to it, in a sharing state, with consent that is neither revoked nor expired."""
    valid_consent = exists(
        select(Consent.id).where(
            Consent.tenant_id == Referral.tenant_id, Consent.id == Referral.consent_id, Consent.revoked_at.is_(None), Consent.valid_until >= today
        )
    )
    return (Referral.to_partner_id == partner) & Referral.state.in_(SHARING_STATES) & valid_consent


def visible_family_filter(work: Work, today: dt.date) -> Any:
    """The SQL condition for the families this member's organisation may see."""
    partner = work.principal.partner_id
    if partner is None or not work.principal.has(FAMILY_READ):
        return Family.id.is_(None)  # nothing
    referred = exists(select(Referral.id).where(Referral.family_id == Family.id, shares_with(partner, today)))
    own = Family.registering_partner_id == partner if work.principal.has(FAMILY_WRITE) else None
    condition = referred if own is None else or_(own, referred)
    return condition & (Family.status != "anonymised")


async def visible_family(work: Work, family_id: Any, *, field: str = "id", operation: str = "family", record: bool = True) -> Family:
    """The family, when this member's organisation may see it (else NOT_FOUND: whether it
    exists is not told). Records the read (a mutation records its own write instead)."""
    identifier = parse_id(family_id, field)
    family = (
        await work.session.execute(select(Family).where(Family.id == identifier, visible_family_filter(work, dt.date.today())))
    ).scalar_one_or_none()
    if family is None:
        raise NotFound("Dit gezin bestaat niet of uw organisatie mag het niet zien.", field=field)
    if record:
        record_processing(work, ACTIVITY, operation, [family.id], "read")
    return family


async def registered_family(work: Work, family_id: Any, *, field: str, operation: str, closed_too: bool = False) -> Family:
    """A family this member may change: registered by their own organisation (an
    organisation it was referred to sees it, but changes nothing and shares it no further)
    and still open (a closed family is only reopened)."""
    work.principal.require(FAMILY_WRITE)
    own_organisation(work)
    family = await visible_family(work, family_id, field=field, operation=operation, record=False)
    if family.registering_partner_id != work.principal.partner_id:
        raise WrongOrganisation("Alleen de organisatie die het gezin registreerde, legt hier iets over vast.", field=field)
    if family.status != "open" and not closed_too:
        raise Conflict("Dit gezin is afgesloten: heropen het eerst (closeFamily met closed: false).", field=field)
    return family


async def _owning_family(work: Work, row: Any, message: str, operation: str, *, closed_too: bool = False) -> Family:
    """The family of a consent or plan item this member may change; one answer whether the
    row does not exist or is another organisation's (its existence is not told)."""
    try:
        if row is None:
            raise NotFound(message, field="input.id")
        return await registered_family(work, row.family_id, field="input.id", operation=operation, closed_too=closed_too)
    except (NotFound, WrongOrganisation):
        raise NotFound(message, field="input.id") from None


# -- families ---------------------------------------------------------------------------------


class FamilyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    local_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    initials: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([A-Za-z]\.?){1,4}$")] | None = None
    phase: Literal["preconceptie", "zwanger", "kind_0_2"]
    expected_month: Month | None = None
    birth_month: Month | None = None
    wijk_code: Annotated[str, StringConstraints(pattern=r"^WK\d{6}$")] | None = None



def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def check_phase(phase: str, expected_month: str | None, birth_month: str | None, today: dt.date) -> None:
    """The months that go with the phase, each error on its own field."""
    now = today.year * 12 + today.month - 1
    expected, birth = "input.expectedMonth", "input.birthMonth"
    if phase == "zwanger":
        if expected_month is None:
            raise ValidationFailed("Geef bij 'zwanger' de verwachte maand (JJJJ-MM).", field=expected)
        if birth_month is not None:
            raise ValidationFailed("Bij 'zwanger' hoort geen geboortemaand.", field=birth)
        if not -1 <= _month_index(expected_month) - now <= 10:
            raise ValidationFailed("De verwachte maand ligt niet binnen tien maanden vanaf nu.", field=expected)
    elif phase == "kind_0_2":
        if birth_month is None:
            raise ValidationFailed("Geef bij 'kind_0_2' de geboortemaand (JJJJ-MM).", field=birth)
        if expected_month is not None:
            raise ValidationFailed("Bij 'kind_0_2' hoort geen verwachte maand.", field=expected)
        if not 0 <= now - _month_index(birth_month) <= 35:
            raise ValidationFailed("De geboortemaand moet in de afgelopen drie jaar liggen en niet in de toekomst.", field=birth)
    elif expected_month is not None or birth_month is not None:
        raise ValidationFailed("Bij 'preconceptie' horen geen verwachte maand of geboortemaand.", field=expected if expected_month else birth)


async def _wijk_id(work: Work, code: str | None, field: str) -> uuid.UUID | None:
    if code is None:
        return None
    wijk_id = (await work.session.execute(select(Wijk.id).where(Wijk.code == code, Wijk.active.is_(True)))).scalar_one_or_none()
    if wijk_id is None:
        raise ValidationFailed(f"De gemeente heeft geen wijk {code}.", field=field)
    return wijk_id


async def register_family(work: Work, data: dict[str, Any]) -> Family:
    work.principal.require(FAMILY_WRITE)
    membership_id, partner_id = own_organisation(work)
    fields = validate(FamilyInput, data, prefix="input")
    check_phase(fields.phase, fields.expected_month, fields.birth_month, dt.date.today())
    refuse_identifying(fields.local_reference, "input.localReference")
    clash = (
        await work.session.execute(
            select(Family.id).where(
                Family.registering_partner_id == partner_id, Family.local_reference == fields.local_reference, Family.status == "open"
            )
        )
    ).first()
    if clash is not None:
        raise Conflict("Uw organisatie heeft al een open gezin met dit kenmerk.", field="input.localReference")
    family = Family(
        local_reference=fields.local_reference,
        initials=fields.initials.upper() if fields.initials else None,
        phase=fields.phase,
        expected_month=fields.expected_month,
        birth_month=fields.birth_month,
        wijk_id=await _wijk_id(work, fields.wijk_code, "input.wijkCode"),
        registering_partner_id=partner_id,
        registered_by=membership_id,
    )
    work.session.add(family)
    await work.session.flush()
    record_processing(work, ACTIVITY, "registerFamily", [family.id], "created")
    return family


class FamilyPhaseInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: Literal["preconceptie", "zwanger", "kind_0_2"]
    expected_month: Month | None = None
    birth_month: Month | None = None
    wijk_code: Annotated[str, StringConstraints(pattern=r"^WK\d{6}$")] | None = None



async def update_family(work: Work, family_id: Any, data: dict[str, Any]) -> Family:
    family = await registered_family(work, family_id, field="input.id", operation="updateFamily")
    fields = validate(FamilyPhaseInput, data, prefix="input")
    check_phase(fields.phase, fields.expected_month, fields.birth_month, dt.date.today())
    family.phase, family.expected_month, family.birth_month = fields.phase, fields.expected_month, fields.birth_month
    family.wijk_id = await _wijk_id(work, fields.wijk_code, "input.wijkCode")
    family.updated_at = utcnow()
    await work.session.flush()
    record_processing(work, ACTIVITY, "updateFamily", [family.id], "updated")
    return family


async def set_family_closed(work: Work, family_id: Any, closed: bool) -> Family:
    """Close (the support ended; the retention period starts) or reopen a family."""
    family = await registered_family(work, family_id, field="input.id", operation="closeFamily", closed_too=True)
    if closed and family.status == "open":
        open_referrals = (
            await work.session.execute(
                select(Referral.id).where(Referral.family_id == family.id, Referral.state.in_(OPEN_STATES))
            )
        ).first()
        if open_referrals is not None:
            raise Conflict("Er lopen nog verwijzingen voor dit gezin: rond ze af of trek ze terug.", field="input.id")
        family.status, family.closed_at = "closed", utcnow()
    elif not closed and family.status == "closed":
        family.status, family.closed_at = "open", None
    family.updated_at = utcnow()
    await work.session.flush()
    record_processing(work, ACTIVITY, "closeFamily", [family.id], "updated")
    return family


def families_statement(work: Work, *, status: str | None = None) -> Any:
    """The families this member's organisation may see (to be paginated; the caller records
    the read of the rows it returns)."""
    if status is not None and status not in ("open", "closed"):
        raise ValidationFailed("Kies de status open of closed.", field="status")
    statement = select(Family).where(visible_family_filter(work, dt.date.today()))
    return statement if status is None else statement.where(Family.status == status)


# -- configuration and content ----------------------------------------------------------------


async def content(work: Work) -> dict[str, Any]:
    """The worries with their conversation guides and the factor checklists, as this
    gemeente configured them (the shipped Dutch defaults where it did not)."""
    config = await work.module_config(KEY)
    shipped = domain.shipped_content()
    worries = []
    for worry in shipped["worries"]:
        own = config.guides.get(worry["key"])
        worries.append({**worry, "guide": own.model_dump() if own else worry["guide"]})
    return {
        "worries": worries,
        "risk_factors": [item.model_dump() for item in config.risk_factors] if config.risk_factors else shipped["risk_factors"],
        "protective_factors": [item.model_dump() for item in config.protective_factors]
        if config.protective_factors
        else shipped["protective_factors"],
        "several_risk_factors": config.several_risk_factors,
    }


# -- signals ------------------------------------------------------------------------------------


class SignalInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_id: str
    worries: list[str] = Field(min_length=1, max_length=8)
    risk_factors: list[str] = Field(default_factory=list, max_length=40)
    protective_factors: list[str] = Field(default_factory=list, max_length=40)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    classification: Literal["A", "B", "C", "D"]
    classification_reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


async def record_signal(work: Work, data: dict[str, Any]) -> tuple[Signal, list[dict[str, Any]]]:
    """A signal with its classification snapshot; returns it with the conversation guides
    of its worries."""
    fields = validate(SignalInput, data, prefix="input")
    family = await registered_family(work, fields.family_id, field="input.familyId", operation="recordSignal")
    membership_id, partner_id = own_organisation(work)
    options = await content(work)
    _known(fields.worries, [item["key"] for item in options["worries"]], "input.worries", "zorg")
    _known(fields.risk_factors, [item["key"] for item in options["risk_factors"]], "input.riskFactors", "risicofactor")
    _known(fields.protective_factors, [item["key"] for item in options["protective_factors"]], "input.protectiveFactors", "beschermende factor")
    refuse_identifying(fields.note, "input.note")
    suggested = domain.suggest_classification(fields.risk_factors, fields.protective_factors, several=options["several_risk_factors"])
    if fields.classification != suggested and not fields.classification_reason:
        raise ReasonRequired(
            f"De factoren wijzen op {suggested} ({domain.CLASSIFICATIONS[suggested]}). Geef een reden als u {fields.classification} kiest.",
            field="input.classificationReason",
            suggested=suggested,
        )
    refuse_identifying(fields.classification_reason, "input.classificationReason")
    signal = Signal(
        family_id=family.id,
        worries=sorted(set(fields.worries)),
        risk_factors=sorted(set(fields.risk_factors)),
        protective_factors=sorted(set(fields.protective_factors)),
        note=fields.note or None,
        suggested_classification=suggested,
        classification=fields.classification,
        classification_reason=fields.classification_reason or None,
        wijk_id=family.wijk_id,
        partner_id=partner_id,
        recorded_by=membership_id,
    )
    work.session.add(signal)
    await work.session.flush()
    record_processing(work, ACTIVITY, "recordSignal", [family.id], "created")
    guides = [worry for worry in options["worries"] if worry["key"] in signal.worries]
    return signal, guides


def _known(values: Sequence[str], known: Sequence[str], field: str, what: str) -> None:
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValidationFailed(f"Onbekende {what}: {', '.join(unknown)}.", field=field, allowed=list(known))


async def signals_of(work: Work, family_ids: Sequence[uuid.UUID]) -> list[Signal]:
    """The signals of these (visible) families, newest first."""
    rows = await work.session.execute(select(Signal).where(Signal.family_id.in_(list(family_ids))).order_by(Signal.recorded_at.desc()))
    return list(rows.scalars())


# -- consent ------------------------------------------------------------------------------------


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


async def record_consent(work: Work, data: dict[str, Any]) -> Consent:
    fields = validate(ConsentInput, data, prefix="input")
    check_consent_dates(fields.given_on, fields.valid_until, dt.date.today())
    family = await registered_family(work, fields.family_id, field="input.familyId", operation="recordConsent")
    membership_id, _partner = own_organisation(work)
    refuse_identifying(fields.purpose, "input.purpose")
    partner_ids = [parse_id(value, "input.partnerIds") for value in fields.partner_ids]
    found = set((await work.session.execute(select(Partner.id).where(Partner.id.in_(partner_ids), Partner.active.is_(True)))).scalars())
    missing = [str(value) for value in partner_ids if value not in found]
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
    return consent


def consent_problem(consent: Consent, partner_id: uuid.UUID, today: dt.date) -> str | None:
    if consent.revoked_at is not None:
        return "De ouder heeft deze toestemming ingetrokken."
    if consent.valid_until < today:
        return f"Deze toestemming is verlopen op {consent.valid_until:%d-%m-%Y}."
    if str(partner_id) not in consent.partner_ids:
        return "De toestemming geldt niet voor deze organisatie."
    return None


async def revoke_consent(work: Work, consent_id: Any, note: str | None) -> Consent:
    """The parent withdraws consent: every referral under it that still shares stops now."""
    consent = (await work.session.execute(select(Consent).where(Consent.id == parse_id(consent_id, "input.id")))).scalar_one_or_none()
    family = await _owning_family(work, consent, "Deze toestemming bestaat niet of is niet van uw organisatie.", "revokeConsent", closed_too=True)
    membership_id, _partner = own_organisation(work)
    if consent.revoked_at is not None:
        raise Conflict("Deze toestemming is al ingetrokken.", field="input.id")
    refuse_identifying(note, "input.note")
    consent.revoked_at, consent.revoked_by, consent.revocation_note = utcnow(), membership_id, (note or None)
    ongoing = (
        await work.session.execute(
            select(Referral).where(Referral.consent_id == consent.id, Referral.state.in_(OPEN_STATES))
        )
    ).scalars()
    for referral in list(ongoing):
        await _transition(work, referral, "terugtrekken", reason="De ouder heeft de toestemming ingetrokken.", system=True)
    await work.session.flush()
    publish_event(work.session, EVENT_CONSENT_REVOKED, {"consent_id": str(consent.id), "family_id": str(family.id)}, actor=work.actor)
    record_processing(work, ACTIVITY, "revokeConsent", [family.id], "updated")
    return consent


async def consents_of(work: Work, family_ids: Sequence[uuid.UUID]) -> list[Consent]:
    rows = await work.session.execute(select(Consent).where(Consent.family_id.in_(list(family_ids))).order_by(Consent.recorded_at.desc()))
    return list(rows.scalars())


# -- referrals ----------------------------------------------------------------------------------


class ReferralInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_id: str
    consent_id: str
    to_partner_id: str
    to_contact_id: str | None = None
    support: list[Literal["financiele_hulp", "materiele_steun", "opvoedondersteuning", "sociale_steun", "schuldhulp", "overig"]] = Field(
        min_length=1, max_length=6
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    send: bool = False


async def create_referral(work: Work, data: dict[str, Any]) -> Referral:
    """A referral (concept), sent at once with `send`. Needs the parent's valid consent for
    the receiving organisation."""
    work.principal.require(REFERRAL_SEND)
    fields = validate(ReferralInput, data, prefix="input")
    family = await registered_family(work, fields.family_id, field="input.familyId", operation="createReferral")
    membership_id, partner_id = own_organisation(work)
    to_partner = (
        await work.session.execute(select(Partner).where(Partner.id == parse_id(fields.to_partner_id, "input.toPartnerId")))
    ).scalar_one_or_none()
    if to_partner is None:
        raise NotFound("Deze organisatie bestaat niet.", field="input.toPartnerId")
    if not to_partner.active:
        raise ValidationFailed("Deze organisatie is niet (meer) actief in de coalitie.", field="input.toPartnerId", code="PARTNER_INACTIVE")
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
        contact = (
            await work.session.execute(
                select(Membership.id).where(Membership.id == contact_id, Membership.partner_id == to_partner.id, Membership.active.is_(True))
            )
        ).first()
        if contact is None:
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
        await _transition(work, referral, "versturen")
    return referral


def visible_referral_filter(work: Work) -> Any:
    """Referrals this member's organisation may see: its own outgoing ones (not for a
    partner worker), and incoming ones only while they share the family with valid consent
    (as `visible_family_filter`); never those of an anonymised family."""
    partner = work.principal.partner_id
    if partner is None or not work.principal.has(FAMILY_READ):
        return Referral.id.is_(None)
    incoming = shares_with(partner, dt.date.today())
    condition = or_(Referral.from_partner_id == partner, incoming) if work.principal.has(REFERRAL_SEND) else incoming
    not_anonymised = exists(
        select(Family.id).where(Family.id == Referral.family_id, Family.tenant_id == Referral.tenant_id, Family.status != "anonymised")
    )
    return condition & not_anonymised


async def get_referral(work: Work, referral_id: Any, *, field: str = "id") -> Referral:
    referral = (
        await work.session.execute(
            select(Referral).where(Referral.id == parse_id(referral_id, field), visible_referral_filter(work))
        )
    ).scalar_one_or_none()
    if referral is None:
        raise NotFound("Deze verwijzing bestaat niet of is niet van of voor uw organisatie.", field=field)
    return referral


class MoveInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transition: str
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    outcome: Literal["geholpen", "deels_geholpen", "niet_geholpen", "geen_contact", "elders_geholpen"] | None = None


async def move_referral(work: Work, referral_id: Any, data: dict[str, Any]) -> Referral:
    fields = validate(MoveInput, data, prefix="input")
    referral = await get_referral(work, referral_id, field="input.id")
    refuse_identifying(fields.reason, "input.reason")
    if fields.transition == "afronden" and referral.state == "in_behandeling":
        if fields.outcome is None:
            raise ValidationFailed("Geef de uitkomst bij het afronden.", field="input.outcome")
        referral.outcome, referral.outcome_note = fields.outcome, fields.reason
    await _transition(work, referral, fields.transition, reason=fields.reason)
    return referral


async def _transition(work: Work, referral: Referral, name: str, *, reason: str | None = None, system: bool = False) -> None:
    """Carry out a step of the referral workflow: the organisation's side, the consent,
    the whitelist and permission and other modules' guards (core), the timestamps, the
    feedback to the referring professional."""
    transition = REFERRAL_WORKFLOW.transition(name)
    if not system and transition is not None:
        sender_side = transition.permission == REFERRAL_SEND
        own = referral.from_partner_id if sender_side else referral.to_partner_id
        if work.principal.partner_id != own:
            who = "de verwijzende organisatie" if sender_side else "de organisatie waarnaar verwezen is"
            raise WrongOrganisation(f"Deze stap is aan {who}.", field="input.transition")
        if name in ("versturen", "accepteren", "starten") and referral.state in transition.source:
            consent = (await work.session.execute(select(Consent).where(Consent.id == referral.consent_id))).scalar_one()
            problem = consent_problem(consent, referral.to_partner_id, dt.date.today())
            if problem:
                raise ConsentInvalid(f"{problem} Deze stap kan niet zonder geldige toestemming.", field="input.transition")
    subject = WorkflowSubject(
        id=referral.id,
        state=referral.state,
        attributes={"family_id": str(referral.family_id), "to_partner_id": str(referral.to_partner_id), "support": list(referral.support)},
    )
    referral.state = await apply_transition(work, REFERRAL_WORKFLOW, subject, name, reason=reason)
    now = utcnow()
    referral.updated_at = now
    if name == "versturen":
        config = await work.module_config(KEY)
        referral.sent_at, referral.respond_by = now, domain.add_working_days(now.date(), config.response_days)
    elif name in ("accepteren", "afwijzen"):
        referral.responded_at = now
        if name == "afwijzen":
            referral.rejection_reason = reason
    elif name == "starten":
        referral.started_at = now
    elif name == "afronden":
        referral.completed_at = now
    await work.session.flush()
    result = "shared" if name == "versturen" else "updated"
    record_processing(work, ACTIVITY, f"referral.{name}", [referral.family_id], result)
    await _feedback(work, referral, name)


async def _feedback(work: Work, referral: Referral, transition: str) -> None:
    """Terugkoppeling: a notification for the referring professional on every step (and
    for the named contact when it is sent), plus an event for other channels."""
    partner = (await work.session.execute(select(Partner.name).where(Partner.id == referral.to_partner_id))).scalar_one()
    label = TRANSITION_LABELS[transition]
    recipients = {referral.referred_by: f"Verwijzing naar {partner}: {label}."}
    if transition == "versturen" and referral.to_contact_id is not None:
        recipients[referral.to_contact_id] = f"U heeft een nieuwe verwijzing ontvangen ({', '.join(referral.support)})."
    for recipient, message in recipients.items():
        if recipient == work.principal.membership_id:
            continue  # no note to oneself
        notification = Notification(recipient_id=recipient, referral_id=referral.id, transition=transition, message=message)
        work.session.add(notification)
        await work.session.flush()
        publish_event(
            work.session,
            EVENT_FEEDBACK,
            {"notification_id": str(notification.id), "referral_id": str(referral.id), "recipient_id": str(recipient), "transition": transition},
            actor=work.actor,
        )


def referrals_statement(work: Work, *, direction: str | None = None, state: str | None = None) -> Any:
    """The referrals this member's organisation may see, from or to it (to be paginated)."""
    if state is not None and state not in REFERRAL_WORKFLOW.states:
        raise ValidationFailed(f"Kies een stand uit: {', '.join(REFERRAL_WORKFLOW.states)}.", field="state")
    statement = select(Referral).where(visible_referral_filter(work))
    if direction == "incoming":
        statement = statement.where(Referral.to_partner_id == work.principal.partner_id)
    elif direction == "outgoing":
        statement = statement.where(Referral.from_partner_id == work.principal.partner_id)
    return statement if state is None else statement.where(Referral.state == state)


async def referrals_of(work: Work, family_ids: Sequence[uuid.UUID]) -> list[Referral]:
    """The visible referrals of these (visible) families, newest first."""
    statement = select(Referral).where(visible_referral_filter(work), Referral.family_id.in_(list(family_ids)))
    return list((await work.session.execute(statement.order_by(Referral.created_at.desc()))).scalars())


async def referral_history(work: Work, referral_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[WorkflowHistory]]:
    rows = await work.session.execute(
        select(WorkflowHistory)
        .where(WorkflowHistory.workflow == REFERRAL_WORKFLOW.key, WorkflowHistory.subject_id.in_(list(referral_ids)))
        .order_by(WorkflowHistory.occurred_at)
    )
    history: dict[uuid.UUID, list[WorkflowHistory]] = {}
    for row in rows.scalars():
        history.setdefault(row.subject_id, []).append(row)
    return history


async def overdue_referrals(work: Work, today: dt.date) -> list[Referral]:
    """Sent referrals whose response deadline passed (for the coalition admin: no family details)."""
    rows = await work.session.execute(
        select(Referral).where(Referral.state == "verstuurd", Referral.respond_by < today).order_by(Referral.respond_by)
    )
    return list(rows.scalars())


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
    rows = list(
        (
            await work.session.execute(
                select(Referral)
                .join(Consent, (Consent.tenant_id == Referral.tenant_id) & (Consent.id == Referral.consent_id))
                .where(Referral.state.in_(OPEN_STATES), Consent.valid_until < now.date())
            )
        ).scalars()
    )
    for referral in rows:
        await _transition(work, referral, "terugtrekken", reason="De toestemming van de ouder is verlopen.", system=True)
    return len(rows)


# -- notifications ------------------------------------------------------------------------------


async def my_notifications(work: Work, *, unread_only: bool) -> list[Notification]:
    if work.principal.membership_id is None:
        return []
    statement = select(Notification).where(Notification.recipient_id == work.principal.membership_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    rows = list((await work.session.execute(statement.order_by(Notification.created_at.desc()).limit(200))).scalars())
    await _record_notification_access(work, rows, "referralFeedback", "read")
    return rows


async def _record_notification_access(work: Work, rows: Sequence[Notification], operation: str, result: str) -> None:
    """A notification is about a family's referral: its reading is in the processing log."""
    referral_ids = {row.referral_id for row in rows}
    if referral_ids:
        families = set((await work.session.execute(select(Referral.family_id).where(Referral.id.in_(referral_ids)))).scalars())
        record_processing(work, ACTIVITY, operation, families, result)


async def mark_notification_read(work: Work, notification_id: Any) -> Notification:
    row = (
        await work.session.execute(
            select(Notification).where(
                Notification.id == parse_id(notification_id, "input.id"), Notification.recipient_id == work.principal.membership_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("Deze melding bestaat niet.", field="input.id")
    row.read_at = row.read_at or utcnow()
    await work.session.flush()
    await _record_notification_access(work, [row], "markReferralFeedbackRead", "updated")
    return row


# -- the support plan ---------------------------------------------------------------------------


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
    if regeling_id is not None and "handvat3_toegang" not in work.enabled_modules:
        raise ValidationFailed("Koppelen aan een regeling kan als de gemeente handvat 3 (regelingen) gebruikt.", field="input.regelingId")
    if regeling_id is not None and not await work.reference_exists("handvat3_toegang.regeling", regeling_id):
        raise ValidationFailed("Deze regeling staat niet in de catalogus van de gemeente.", field="input.regelingId")
    item = PlanItem(family_id=family.id, domain=fields.domain, description=fields.description, regeling_id=regeling_id, created_by=membership_id)
    work.session.add(item)
    await work.session.flush()
    if regeling_id is not None:
        # Handvat 3 counts it as a referral to the regeling; this module knows it only by id.
        publish_event(work.session, EVENT_REGELING_LINKED, {"regeling_id": str(regeling_id), "plan_item_id": str(item.id)}, actor=work.actor)
    record_processing(work, ACTIVITY, "addPlanItem", [family.id], "created")
    return item


async def update_plan_item(work: Work, item_id: Any, status: str | None, description: str | None) -> PlanItem:
    item = (await work.session.execute(select(PlanItem).where(PlanItem.id == parse_id(item_id, "input.id")))).scalar_one_or_none()
    await _owning_family(work, item, "Dit onderdeel van het plan bestaat niet of is niet van uw organisatie.", "updatePlanItem")
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


async def plan_of(work: Work, family_ids: Sequence[uuid.UUID]) -> list[PlanItem]:
    rows = await work.session.execute(select(PlanItem).where(PlanItem.family_id.in_(list(family_ids))).order_by(PlanItem.created_at))
    return list(rows.scalars())


# -- retention and the family's rights ------------------------------------------------------------


#: Stands in for the member who recorded something, once a family is anonymised.
NOBODY = uuid.UUID(int=0)


def month_start(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0) if moment else None


def day_start(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0) if moment else None


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


async def apply_retention(work: Work, now: dt.datetime) -> int:
    """Scheduled: anonymise the families closed longer ago than the gemeente's retention
    period. What could identify them or tell their story goes (reference, initials,
    months, notes, reasons, consent texts, the support plan, notifications); what the
    coalition's figures count stays (wijk, month, worries, classification, referral dates
    and outcomes). One deletion record per batch."""
    config = await work.module_config(KEY)
    cutoff = months_before(now, config.retention_months)
    still_referred = exists(
        select(Referral.id).where(Referral.family_id == Family.id, Referral.tenant_id == Family.tenant_id, Referral.state.in_(OPEN_STATES))
    )
    due = list(
        (await work.session.execute(select(Family).where(Family.status == "closed", Family.closed_at < cutoff, ~still_referred))).scalars()
    )
    if not due:
        return 0
    ids = [family.id for family in due]
    session = work.session
    for family in due:
        family.local_reference = family.initials = family.expected_month = family.birth_month = None
        family.status, family.registered_by = "anonymised", NOBODY
        family.created_at, family.closed_at, family.updated_at = month_start(family.created_at), month_start(family.closed_at), month_start(now)
    # Who recorded it and exact moments would let an organisation find the family again in
    # its own files; months (and days for referral steps, for the figures' medians) remain.
    for signal in (await session.execute(select(Signal).where(Signal.family_id.in_(ids)))).scalars():
        signal.note = signal.classification_reason = None
        signal.risk_factors, signal.protective_factors = [], []
        signal.recorded_by, signal.recorded_at = NOBODY, month_start(signal.recorded_at)
    for consent in (await session.execute(select(Consent).where(Consent.family_id.in_(ids)))).scalars():
        consent.purpose, consent.revocation_note, consent.recorded_by = "(geanonimiseerd)", None, NOBODY
        consent.revoked_by = NOBODY if consent.revoked_by else None
        consent.given_on, consent.valid_until = consent.given_on.replace(day=1), consent.valid_until.replace(day=1)
        consent.recorded_at, consent.revoked_at = month_start(consent.recorded_at), month_start(consent.revoked_at)
    referral_ids = []
    for referral in (await session.execute(select(Referral).where(Referral.family_id.in_(ids)))).scalars():
        referral_ids.append(referral.id)
        referral.note = referral.rejection_reason = referral.outcome_note = referral.to_contact_id = None
        referral.referred_by = NOBODY
        for name in ("created_at", "sent_at", "responded_at", "started_at", "completed_at", "overdue_reported_at", "updated_at"):
            setattr(referral, name, day_start(getattr(referral, name)))
    if referral_ids:
        await session.execute(
            update(WorkflowHistory)
            .where(WorkflowHistory.workflow == REFERRAL_WORKFLOW.key, WorkflowHistory.subject_id.in_(referral_ids))
            .values(reason=None, actor="(geanonimiseerd)")
        )
        await session.execute(delete(Notification).where(Notification.referral_id.in_(referral_ids)))
    await session.execute(delete(PlanItem).where(PlanItem.family_id.in_(ids)))
    session.add(
        DeletionRecord(
            batch_id=uuid.uuid4(),
            family_ids=[str(value) for value in ids],
            action="anonymised",
            reason=f"Bewaartermijn verstreken: langer dan {config.retention_months} maanden geleden afgesloten (vóór {cutoff:%d-%m-%Y}).",
            performed_by=work.actor,
            performed_at=now,
        )
    )
    await session.flush()
    record_processing(work, ACTIVITY, "retention", ids, "anonymised")
    return len(ids)


async def family_for_rights(work: Work, family_id: Any, field: str) -> Family:
    family = (await work.session.execute(select(Family).where(Family.id == parse_id(family_id, field)))).scalar_one_or_none()
    if family is None:
        raise NotFound("Dit gezin bestaat niet.", field=field)
    return family


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


async def export_family(work: Work, family_id: Any) -> dict[str, Any]:
    """Everything the platform holds about one family, with who processed it (the
    processing log), for the family's right of access. Recorded as an export."""
    family = await family_for_rights(work, family_id, "familyId")
    referral_rows = list((await work.session.execute(select(Referral).where(Referral.family_id == family.id))).scalars())
    history = await referral_history(work, [row.id for row in referral_rows])
    partners = dict((await work.session.execute(select(Partner.id, Partner.name))).all())
    wijken = dict((await work.session.execute(select(Wijk.id, Wijk.name))).all())
    members = dict((await work.session.execute(select(Membership.id, Membership.display_name))).all())
    notifications: dict[uuid.UUID, list[Notification]] = {}
    notification_rows = await work.session.execute(
        select(Notification).where(Notification.referral_id.in_([row.id for row in referral_rows])).order_by(Notification.created_at)
    )
    for item in notification_rows.scalars():
        notifications.setdefault(item.referral_id, []).append(item)
    log = await processing_history(work, family.id)
    exported = {
        "exported_at": utcnow().isoformat(),
        "gemeente": work.tenant.name,
        "family": {
            "id": str(family.id),
            "local_reference": family.local_reference,
            "initials": family.initials,
            "phase": family.phase,
            "expected_month": family.expected_month,
            "birth_month": family.birth_month,
            "wijk": wijken.get(family.wijk_id),
            "registered_by_organisation": partners.get(family.registering_partner_id),
            "status": family.status,
            "created_at": family.created_at.isoformat(),
            "updated_at": family.updated_at.isoformat(),
            "closed_at": family.closed_at.isoformat() if family.closed_at else None,
        },
        "signals": [
            {
                "recorded_at": row.recorded_at.isoformat(),
                "organisation": partners.get(row.partner_id),
                "worries": row.worries,
                "risk_factors": row.risk_factors,
                "protective_factors": row.protective_factors,
                "note": row.note,
                "classification": row.classification,
                "suggested_classification": row.suggested_classification,
                "classification_reason": row.classification_reason,
            }
            for row in await signals_of(work, [family.id])
        ],
        "consents": [
            {
                "purpose": row.purpose,
                "organisations": [partners.get(uuid.UUID(value)) for value in row.partner_ids],
                "method": row.method,
                "given_on": row.given_on.isoformat(),
                "valid_until": row.valid_until.isoformat(),
                "recorded_at": row.recorded_at.isoformat(),
                "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
                "revocation_note": row.revocation_note,
            }
            for row in await consents_of(work, [family.id])
        ],
        "referrals": [
            {
                "from": partners.get(row.from_partner_id),
                "to": partners.get(row.to_partner_id),
                "to_contact": members.get(row.to_contact_id),
                "support": row.support,
                "note": row.note,
                "state": row.state,
                "rejection_reason": row.rejection_reason,
                "outcome": row.outcome,
                "outcome_note": row.outcome_note,
                **{name: _iso(getattr(row, name)) for name in ("created_at", "sent_at", "respond_by", "responded_at", "started_at", "completed_at")},
                "notifications": [
                    {"at": item.created_at.isoformat(), "to": members.get(item.recipient_id), "message": item.message, "read_at": _iso(item.read_at)}
                    for item in notifications.get(row.id, [])
                ],
                "history": [
                    {"at": item.occurred_at.isoformat(), "step": item.transition, "to": item.to_state, "reason": item.reason}
                    for item in history.get(row.id, [])
                ],
            }
            for row in referral_rows
        ],
        "support_plan": [
            {
                "domain": row.domain,
                "description": row.description,
                "status": row.status,
                "regeling_id": str(row.regeling_id) if row.regeling_id else None,
                "created_at": row.created_at.isoformat(),
                "updated_at": row.updated_at.isoformat(),
            }
            for row in await plan_of(work, [family.id])
        ],
        "processing_log": [
            {"at": row.started_at.isoformat(), "by": row.actor, "operation": row.operation, "activity": row.activity, "result": row.result}
            for row in log
        ],
    }
    record_processing(work, ACTIVITY, "exportFamily", [family.id], "exported")
    return exported


async def erase_family(work: Work, family_id: Any, reason: str) -> uuid.UUID:
    """Erase a family on request: every row about it goes; a deletion record (ids only)
    and the processing log remain."""
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 500:
        raise ValidationFailed("Geef de reden van het wissen (3 tot 500 tekens).", field="input.reason")
    refuse_identifying(reason, "input.reason")
    family = await family_for_rights(work, family_id, "input.familyId")
    session = work.session
    referral_ids = list((await session.execute(select(Referral.id).where(Referral.family_id == family.id))).scalars())
    if referral_ids:
        await session.execute(delete(Notification).where(Notification.referral_id.in_(referral_ids)))
        await session.execute(
            delete(WorkflowHistory).where(WorkflowHistory.workflow == REFERRAL_WORKFLOW.key, WorkflowHistory.subject_id.in_(referral_ids))
        )
    # Nothing should lead back to the family afterwards, not even an id in an old event.
    await forget_events(session, {str(family.id), *(str(value) for value in referral_ids)}, since=family.created_at)
    for model in (Referral, Consent, Signal, PlanItem):
        await session.execute(delete(model).where(model.family_id == family.id))
    await session.execute(delete(Family).where(Family.id == family.id))
    session.add(
        DeletionRecord(batch_id=uuid.uuid4(), family_ids=[str(family.id)], action="erased", reason=f"Op verzoek: {reason}", performed_by=work.actor)
    )
    publish_event(session, EVENT_FAMILY_ERASED, {"family_id": str(family.id)}, actor=work.actor)
    record_processing(work, ACTIVITY, "eraseFamily", [family.id], "deleted")
    await session.flush()
    return family.id


async def deletion_records(work: Work) -> list[DeletionRecord]:
    rows = await work.session.execute(select(DeletionRecord).order_by(DeletionRecord.performed_at.desc()).limit(200))
    return list(rows.scalars())

