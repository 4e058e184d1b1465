"""The coalition's competence framework and the competences its members gain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from core.plugin import Work, dialect_insert, publish_event, record_processing, utcnow
from plugins.handvat4_leren.domain import NATIONAL_FRAMEWORK, CompetenceSource
from plugins.handvat4_leren.events import EVENT_COMPETENCE_GAINED
from plugins.handvat4_leren.models import Activity, Competence, MemberCompetence
from plugins.handvat4_leren.processing import LEARNING
from plugins.handvat4_leren.workflows import DeclarationState


async def ensure_framework(session: Any, tenant_id: uuid.UUID) -> None:
    """Give the gemeente the national framework's competences it does not have yet (one
    statement; safe when two requests do it at once)."""
    rows = [
        {"tenant_id": tenant_id, "id": uuid.uuid4(), "key": item.key, "name": item.name, "description": item.description, "national": True, "active": True, "position": position}
        for position, item in enumerate(NATIONAL_FRAMEWORK)
    ]
    statement = dialect_insert(session)(Competence).values(rows).on_conflict_do_nothing(index_elements=["tenant_id", "key"])
    await session.execute(statement)


async def framework(work: Work, *, active_only: bool = False) -> list[Competence]:
    """The coalition's competences in their order (the national ones first)."""
    statement = select(Competence).order_by(Competence.position, Competence.name)
    if active_only:
        statement = statement.where(Competence.active.is_(True))
    rows = list((await work.session.execute(statement)).scalars())
    if not rows:  # a gemeente that switched the module on before the framework existed
        await ensure_framework(work.session, work.tenant.id)
        rows = list((await work.session.execute(statement)).scalars())
    return rows


async def active_keys(work: Work) -> set[str]:
    return {row.key for row in await framework(work, active_only=True)}


async def gain_by_attendance(work: Work, activity: Activity, membership_ids: Iterable[uuid.UUID]) -> None:
    """Members who attended `activity` gain every competence it addresses (once per
    activity; recording the attendance again changes nothing)."""
    members = list(dict.fromkeys(membership_ids))
    if not members or not activity.competence_keys:
        return
    now = utcnow()
    existing = set(
        (
            await work.session.execute(
                select(MemberCompetence.membership_id, MemberCompetence.competence_key).where(
                    MemberCompetence.activity_id == activity.id, MemberCompetence.membership_id.in_(members)
                )
            )
        ).all()
    )
    for membership_id in members:
        for key in activity.competence_keys:
            if (membership_id, key) in existing:
                continue
            work.session.add(
                MemberCompetence(
                    membership_id=membership_id,
                    competence_key=key,
                    source=CompetenceSource.ACTIVITEIT,
                    activity_id=activity.id,
                    state=DeclarationState.BEVESTIGD,
                    acquired_at=activity.ends_at if activity.ends_at < now else now,
                    declared_at=now,
                    decided_by=work.actor,
                    decided_at=now,
                )
            )
            publish_event(
                work.session,
                EVENT_COMPETENCE_GAINED,
                {"membership_id": str(membership_id), "competence_key": key, "source": CompetenceSource.ACTIVITEIT.value},
                actor=work.actor,
            )
    await work.session.flush()
    record_processing(work, LEARNING, "competentie door deelname", members, "created")
