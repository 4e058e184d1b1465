"""The foundation's steps may be answered through core's single-use link, for a foundation
without accounts: the link shows only what the step needs (the address only once the
package is to be delivered) and allows only the foundation's next step."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.plugin import COALITION_ADMIN, LinkedSteps, LinkedSubject, NotFound, Work, partners_by_id, record_processing

from kansrijk_babyspullen.models import StarterPackageRequest
from kansrijk_babyspullen.permissions import LINK_SEND
from kansrijk_babyspullen.processing import REQUESTS
from kansrijk_babyspullen.services.requests import DELIVER, PICK_UP, gemeente_config, handover_problem, take_step
from kansrijk_babyspullen.workflows import REQUEST_WORKFLOW, RequestState, Side


async def _request(work: Work, subject_id: uuid.UUID, *, lock: bool = False) -> StarterPackageRequest | None:
    statement = select(StarterPackageRequest).where(StarterPackageRequest.id == subject_id)
    row = (await work.session.execute(statement.with_for_update() if lock else statement)).scalar_one_or_none()
    if row is None:
        return None
    member = work.principal.membership_id is not None
    if member and COALITION_ADMIN not in work.principal.roles and work.principal.partner_id != row.requesting_partner_id:
        return None  # a member sends links for their own organisation's requests only
    return row


async def load(work: Work, subject_id: uuid.UUID) -> LinkedSubject | None:
    row = await _request(work, subject_id)
    if row is None:
        return None
    config = await gemeente_config(work)
    labels = {item.key: item.label for item in config.items}
    summary = [
        ("Uitgerekende datum", f"{row.due_date:%d-%m-%Y}") if row.due_date else ("Leeftijd van het kind", f"{row.child_age_months} maanden"),
        ("Kledingmaat", row.clothing_size or "niet opgegeven"),
        ("Luiermaat", row.diaper_size or "niet opgegeven"),
        ("Spullen", ", ".join(labels.get(key, key) for key in row.items)),
        ("Overdracht", f"ophalen bij {row.pickup_point}" if row.handover == PICK_UP else "bezorgen"),
    ]
    if row.handover == DELIVER and row.delivery_address and row.state in (RequestState.ACCEPTED, RequestState.READY):
        summary.append(("Bezorgadres", row.delivery_address))  # only once the foundation delivers
    steps = tuple(t.name for t in REQUEST_WORKFLOW.taken_by(Side.FOUNDATION) if handover_problem(row, t.name) is None)
    record_processing(work, REQUESTS, "showStarterPackageRequest", [row.id], "read")
    return LinkedSubject(state=row.state, summary=tuple(summary), steps=steps)


async def recipient(work: Work, subject_id: uuid.UUID) -> str | None:
    """The foundation's own address, as the coalition recorded it with the organisation."""
    row = await _request(work, subject_id)
    if row is None:
        return None
    foundation = (await partners_by_id(work.session, [row.foundation_partner_id])).get(row.foundation_partner_id)
    return foundation.email if foundation is not None and foundation.active else None


async def take(work: Work, subject_id: uuid.UUID, transition: str, reason: str | None) -> None:
    row = await _request(work, subject_id, lock=True)
    if row is None:
        raise NotFound("Deze aanvraag bestaat niet (meer).")
    await take_step(work, row, transition, reason, operation="answerStarterPackageRequestByLink", prefix="")


STEP_LINKS = [
    LinkedSteps(
        workflow=REQUEST_WORKFLOW,
        side=Side.FOUNDATION,
        send_permission=LINK_SEND,
        load=load,
        take=take,
        recipient=recipient,
        title="Aanvraag startpakket Stichting Babyspullen",
    )
]
