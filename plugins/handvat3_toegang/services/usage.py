"""Bekendheid and gebruik: which members (and so which partner organisations) know a
regeling, how often it was checked, matched and referred to, and the overview of the gaps.
Nothing about a family is recorded: a referral is a count."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from core.plugin import DomainEvent, MemberKnowledge, ValidationFailed, Work, publish_event, utcnow
from plugins.handvat3_toegang.events import EVENT_REGELING_REFERRED
from plugins.handvat3_toegang.models import Knowledge, Regeling, UsageCount
from plugins.handvat3_toegang.services.catalogue import get_regeling
from plugins.handvat3_toegang.services.check import count_usage, usage_tally


@dataclass(frozen=True)
class RegelingUsage:
    regeling: Regeling
    known_by_members: int
    #: The partner organisations of the members who know it.
    known_by_partner_ids: frozenset[uuid.UUID]
    checked: int
    matched: int
    referred: int


async def regeling_usage(work: Work) -> list[RegelingUsage]:
    """Per visible regeling how well it is known and used; the least known first (then the
    least referred to)."""
    session = work.session
    rows = list((await session.execute(select(Regeling).where(Regeling.hidden.is_(False)))).scalars())
    counts: dict[tuple[Any, str], int] = {}
    for regeling_id, kind, total in (
        await session.execute(select(UsageCount.regeling_id, UsageCount.kind, func.sum(UsageCount.count)).group_by(UsageCount.regeling_id, UsageCount.kind))
    ).all():
        counts[(regeling_id, kind)] = int(total)
    # With the counts this process has not written yet (every process writes its own each minute).
    for (regeling_id, kind, _month), count in usage_tally.pending(work.tenant.id).items():
        counts[(regeling_id, kind)] = counts.get((regeling_id, kind), 0) + count
    known: dict[Any, int] = dict((await session.execute(select(Knowledge.regeling_id, func.count()).group_by(Knowledge.regeling_id))).all())
    partners: dict[Any, set[uuid.UUID]] = {}
    for regeling_id, partner_id in (
        await session.execute(select(Knowledge.regeling_id, Knowledge.partner_id).where(Knowledge.partner_id.is_not(None)).distinct())
    ).all():
        partners.setdefault(regeling_id, set()).add(partner_id)
    usage = [
        RegelingUsage(
            regeling=row,
            known_by_members=known.get(row.id, 0),
            known_by_partner_ids=frozenset(partners.get(row.id, ())),
            checked=counts.get((row.id, "checked"), 0),
            matched=counts.get((row.id, "matched"), 0),
            referred=counts.get((row.id, "referred"), 0),
        )
        for row in rows
    ]
    return sorted(usage, key=lambda item: (item.known_by_members, item.referred, item.regeling.key))


async def count_referral(session: Any, event: DomainEvent) -> None:
    """A referral to a regeling (an event with `regeling_id`) counts towards its use."""
    try:
        regeling_id = uuid.UUID(str(event.payload["regeling_id"]))
    except (KeyError, ValueError):
        return
    if (await session.execute(select(Regeling.id).where(Regeling.id == regeling_id))).first() is not None:
        await count_usage(session, event.tenant_id, Counter({(regeling_id, "referred", utcnow().strftime("%Y-%m")): 1}))


async def mark_referred(work: Work, regeling_id: Any) -> Regeling:
    """A professional referred a family to this regeling (counted, nothing about the family)."""
    row = await get_regeling(work, regeling_id, field="input.regelingId")
    publish_event(work.session, EVENT_REGELING_REFERRED, {"regeling_id": str(row.id)}, actor=work.actor)
    return row


async def mark_known(work: Work, regeling_id: Any, known: bool) -> Regeling:
    """A member says "I know this regeling and can explain it" (or takes that back)."""
    row = await get_regeling(work, regeling_id, field="input.regelingId")
    membership_id = work.principal.membership_id
    if membership_id is None:
        raise ValidationFailed("Alleen leden van de coalitie kunnen dit aangeven.", field="input.regelingId")
    mark = (
        await work.session.execute(select(Knowledge).where(Knowledge.regeling_id == row.id, Knowledge.membership_id == membership_id))
    ).scalar_one_or_none()
    if known and mark is None:
        work.session.add(Knowledge(regeling_id=row.id, membership_id=membership_id, partner_id=work.principal.partner_id))
    elif not known and mark is not None:
        await work.session.delete(mark)
    await work.session.flush()
    return row


async def member_knowledge(session: Any) -> list[MemberKnowledge]:
    """Per member how many of the gemeente's visible regelingen they marked known (topic
    `regelingen`), and when they last marked one: two statements, whatever the number of
    members. A regeling hidden since then no longer counts."""
    total = int((await session.execute(select(func.count()).select_from(Regeling).where(Regeling.hidden.is_(False)))).scalar_one())
    rows = (
        await session.execute(
            select(Knowledge.membership_id, func.count(), func.max(Knowledge.marked_at))
            .join(Regeling, Regeling.id == Knowledge.regeling_id)
            .where(Regeling.hidden.is_(False))
            .group_by(Knowledge.membership_id)
        )
    ).all()
    return [MemberKnowledge(membership_id=membership_id, topic="regelingen", known=int(known), total=total, since=since) for membership_id, known, since in rows]
