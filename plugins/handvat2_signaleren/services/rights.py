"""Retention and the family's rights. After the gemeente's retention period a closed
family is anonymised; on a parent's request the privacy officer exports everything about a
family (with who processed it) or erases it. Both leave a deletion record (ids only), and
both publish an event (family id only) so that other modules can do the same with what
they hold about the family."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from sqlalchemy import delete, exists, select

from core.plugin import (
    NotFound,
    ValidationFailed,
    Work,
    anonymise_workflow_history,
    erase_workflow_history,
    forget_events,
    members_by_id,
    parse_id,
    partners_by_id,
    processing_history,
    publish_event,
    record_processing,
    refuse_identifying,
    utcnow,
    wijken_by_id,
    workflow_history,
)
from plugins.handvat2_signaleren import MODULE_KEY
from plugins.handvat2_signaleren.events import EVENT_FAMILY_ANONYMISED, EVENT_FAMILY_ERASED
from plugins.handvat2_signaleren.models import Consent, DeletionRecord, Family, Notification, PlanItem, Referral, Signal
from plugins.handvat2_signaleren.processing import ACTIVITY
from plugins.handvat2_signaleren.services.consent import consents_of
from plugins.handvat2_signaleren.services.notifications import notifications_of
from plugins.handvat2_signaleren.services.plan import plan_of
from plugins.handvat2_signaleren.services.referrals import referrals_of
from plugins.handvat2_signaleren.services.signals import signals_of
from plugins.handvat2_signaleren.services.visibility import newest_first
from plugins.handvat2_signaleren.workflows import OPEN_STATES, REFERRAL_WORKFLOW

#: Stands in for the member who recorded something, once a family is anonymised.
NOBODY = uuid.UUID(int=0)


def month_start(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0) if moment else None


def day_start(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0) if moment else None


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


# -- retention ----------------------------------------------------------------------------------------


async def apply_retention(work: Work, now: dt.datetime) -> int:
    """Scheduled: anonymise the families closed longer ago than the gemeente's retention
    period. What could identify them or tell their story goes (reference, initials,
    months, notes, reasons, consent texts, the support plan, notifications); what the
    coalition's figures count stays (wijk, month, worries, classification, referral dates
    and outcomes). One deletion record per batch; an event per family."""
    config = await work.module_config(MODULE_KEY)
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
    for signal in await signals_of(session, ids):
        signal.note = signal.classification_reason = None
        signal.risk_factors, signal.protective_factors = [], []
        signal.recorded_by, signal.recorded_at = NOBODY, month_start(signal.recorded_at)
    for consent in await consents_of(session, ids):
        consent.purpose, consent.revocation_note, consent.recorded_by = "(geanonimiseerd)", None, NOBODY
        consent.revoked_by = NOBODY if consent.revoked_by else None
        consent.given_on, consent.valid_until = consent.given_on.replace(day=1), consent.valid_until.replace(day=1)
        consent.recorded_at, consent.revoked_at = month_start(consent.recorded_at), month_start(consent.revoked_at)
    referral_ids = []
    for referral in await referrals_of(session, ids):
        referral_ids.append(referral.id)
        referral.note = referral.rejection_reason = referral.outcome_note = referral.to_contact_id = None
        referral.referred_by = NOBODY
        for name in ("created_at", "sent_at", "responded_at", "started_at", "completed_at", "overdue_reported_at", "updated_at"):
            setattr(referral, name, day_start(getattr(referral, name)))
    if referral_ids:
        await anonymise_workflow_history(session, REFERRAL_WORKFLOW, referral_ids)
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
    for family_id in ids:
        publish_event(session, EVENT_FAMILY_ANONYMISED, {"family_id": str(family_id)}, actor=work.actor)
    await session.flush()
    record_processing(work, ACTIVITY, "retention", ids, "anonymised")
    return len(ids)


# -- the family's rights ------------------------------------------------------------------------------


async def family_for_rights(work: Work, family_id: Any, field: str) -> Family:
    family = (await work.session.execute(select(Family).where(Family.id == parse_id(family_id, field)))).scalar_one_or_none()
    if family is None:
        raise NotFound("Dit gezin bestaat niet.", field=field)
    return family


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


async def _names(fetch: Any, session: Any, ids: Collection[Any], attribute: str = "name") -> dict[Any, str]:
    found = await fetch(session, {value for value in ids if value is not None})
    return {key: getattr(item, attribute) for key, item in found.items()}


async def export_family(work: Work, family_id: Any) -> dict[str, Any]:
    """Everything the platform holds about one family, with who processed it (the
    processing log), for the family's right of access. Recorded as an export."""
    family = await family_for_rights(work, family_id, "familyId")
    session = work.session
    signals = await signals_of(session, [family.id])
    consents = await consents_of(session, [family.id])
    referrals = await referrals_of(session, [family.id])
    plan = await plan_of(session, [family.id])
    history = await workflow_history(session, REFERRAL_WORKFLOW, [row.id for row in referrals])
    notification_rows = await notifications_of(session, [row.id for row in referrals])
    notifications: dict[uuid.UUID, list[Notification]] = {}
    for item in notification_rows:
        notifications.setdefault(item.referral_id, []).append(item)
    partner_ids = {family.registering_partner_id, *(row.partner_id for row in signals), *(uuid.UUID(value) for row in consents for value in row.partner_ids)}
    partner_ids |= {row.from_partner_id for row in referrals} | {row.to_partner_id for row in referrals}
    partners = await _names(partners_by_id, session, partner_ids)
    members = await _names(members_by_id, session, {row.to_contact_id for row in referrals} | {item.recipient_id for item in notification_rows}, "display_name")
    wijken = await _names(wijken_by_id, session, {family.wijk_id})
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
            for row in signals
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
            for row in consents
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
            for row in referrals
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
            for row in plan
        ],
        "processing_log": [
            {"at": row.started_at.isoformat(), "by": row.actor, "operation": row.operation, "activity": row.activity, "result": row.result}
            for row in log
        ],
    }
    record_processing(work, ACTIVITY, "exportFamily", [family.id], "exported")
    return exported


async def erase_family(work: Work, family_id: Any, reason: str) -> DeletionRecord:
    """Erase a family on request: every row about it goes; a deletion record (ids only)
    and the processing log remain. Returns that record."""
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 500:
        raise ValidationFailed("Geef de reden van het wissen (3 tot 500 tekens).", field="input.reason")
    refuse_identifying(reason, "input.reason")
    family = await family_for_rights(work, family_id, "input.familyId")
    session = work.session
    referral_ids = list((await session.execute(select(Referral.id).where(Referral.family_id == family.id))).scalars())
    if referral_ids:
        await session.execute(delete(Notification).where(Notification.referral_id.in_(referral_ids)))
        await erase_workflow_history(session, REFERRAL_WORKFLOW, referral_ids)
    # Nothing should lead back to the family afterwards, not even an id in an old event. The
    # erasure event is published after this, so that it stays and is delivered.
    await forget_events(session, {str(family.id), *(str(value) for value in referral_ids)}, since=family.created_at)
    for model in (Referral, Consent, Signal, PlanItem):
        await session.execute(delete(model).where(model.family_id == family.id))
    await session.execute(delete(Family).where(Family.id == family.id))
    record = DeletionRecord(batch_id=uuid.uuid4(), family_ids=[str(family.id)], action="erased", reason=f"Op verzoek: {reason}", performed_by=work.actor)
    session.add(record)
    publish_event(session, EVENT_FAMILY_ERASED, {"family_id": str(family.id)}, actor=work.actor)
    record_processing(work, ACTIVITY, "eraseFamily", [family.id], "deleted")
    await session.flush()
    return record


async def deletion_records_page(
    work: Work, *, first: int | None, after: str | None, to_nodes: Callable[[list[DeletionRecord]], Awaitable[list[Any]]]
) -> Any:
    """A page of the deletion records (ids only), newest first."""
    statement = select(DeletionRecord)
    return await newest_first(work, statement, DeletionRecord, first=first, after=after, to_nodes=to_nodes, moment="performed_at")
