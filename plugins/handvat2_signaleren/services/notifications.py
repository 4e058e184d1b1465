"""Feedback to professionals about their referrals (terugkoppeling): a notification per
step, reading them and marking them read. A notification is about a family's referral, so
reading it is in the processing log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select

from core.plugin import NotFound, Transition, Work, parse_id, partners_by_id, publish_event, record_processing, utcnow
from plugins.handvat2_signaleren.events import EVENT_FEEDBACK
from plugins.handvat2_signaleren.models import Notification, Referral
from plugins.handvat2_signaleren.processing import ACTIVITY
from plugins.handvat2_signaleren.services.errors import OrganisationRequired
from plugins.handvat2_signaleren.services.visibility import newest_first
from plugins.handvat2_signaleren.workflows import ReferralState

#: Why an API client (or anyone who is no member) has no feedback (ORGANISATION_REQUIRED).
FEEDBACK_NEEDS_MEMBER = (
    "Terugkoppelingen zijn persoonlijk: ze zijn er alleen voor medewerkers van een partnerorganisatie "
    "die een gezin verwezen of een verwijzing ontvingen. Een API-client heeft er geen."
)


def _recipient(work: Work) -> Any:
    """The member whose feedback this is (an API client has none: ORGANISATION_REQUIRED)."""
    if work.principal.membership_id is None:
        raise OrganisationRequired(FEEDBACK_NEEDS_MEMBER)
    return work.principal.membership_id


async def tell_about_step(work: Work, referral: Referral, transition: Transition, moment: dt.datetime) -> None:
    """A notification for the referring professional on every step, with the step's
    feedback (and one for the named contact when the referral is sent), plus an event for
    other channels. Nobody is told about their own step."""
    partner = (await partners_by_id(work.session, [referral.to_partner_id]))[referral.to_partner_id]
    recipients = {referral.referred_by: f"Verwijzing naar {partner.name}: {transition.feedback}."}
    if transition.target == ReferralState.VERSTUURD and referral.to_contact_id is not None:
        recipients[referral.to_contact_id] = f"U heeft een nieuwe verwijzing ontvangen ({', '.join(referral.support)})."
    for recipient, message in recipients.items():
        if recipient == work.principal.membership_id:
            continue  # no note to oneself
        step = str(transition.name)
        notification = Notification(recipient_id=recipient, referral_id=referral.id, transition=step, message=message, created_at=moment)
        work.session.add(notification)
        await work.session.flush()
        publish_event(
            work.session,
            EVENT_FEEDBACK,
            {"notification_id": str(notification.id), "referral_id": str(referral.id), "recipient_id": str(recipient), "transition": step},
            actor=work.actor,
        )


async def _record_access(work: Work, rows: Sequence[Notification], operation: str, result: str) -> None:
    referral_ids = {row.referral_id for row in rows}
    if referral_ids:
        families = set((await work.session.execute(select(Referral.family_id).where(Referral.id.in_(referral_ids)))).scalars())
        record_processing(work, ACTIVITY, operation, families, result)


async def notifications_page(
    work: Work, *, unread_only: bool, first: int | None, after: str | None, to_nodes: Callable[[list[Notification]], Awaitable[list[Any]]]
) -> Any:
    """A page of the member's own feedback, newest first; the read of the families of the
    page is recorded."""
    statement = select(Notification).where(Notification.recipient_id == _recipient(work))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))

    async def seen(rows: list[Notification]) -> list[Any]:
        await _record_access(work, rows, "referralFeedback", "read")
        return await to_nodes(rows)

    return await newest_first(work, statement, Notification, first=first, after=after, to_nodes=seen)


async def mark_notification_read(work: Work, notification_id: Any) -> Notification:
    recipient = _recipient(work)
    row = (
        await work.session.execute(
            select(Notification).where(Notification.id == parse_id(notification_id, "input.id"), Notification.recipient_id == recipient)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("Deze melding bestaat niet.", field="input.id")
    row.read_at = row.read_at or utcnow()
    await work.session.flush()
    await _record_access(work, [row], "markReferralFeedbackRead", "updated")
    return row


async def notifications_of(session: Any, referral_ids: Sequence[Any]) -> list[Notification]:
    """The notifications about these referrals, oldest first."""
    rows = await session.execute(select(Notification).where(Notification.referral_id.in_(list(referral_ids))).order_by(Notification.created_at))
    return list(rows.scalars())
