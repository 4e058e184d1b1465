"""Demo data of handvat 2: a few invented, pseudonymous families per demo gemeente, with
signals, consent and referrals in several states, so that the coalition's screens are not
empty. References like "VK-DEMO-1" identify nobody. The referrals take their steps through
the workflow (backdated), as the members of the two organisations would."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.plugin import Work, all_members, all_partners, all_wijken, utcnow
from plugins.handvat2_signaleren import MODULE_KEY
from plugins.handvat2_signaleren.domain import suggest_classification
from plugins.handvat2_signaleren.models import Consent, Family, PlanItem, Referral, Signal
from plugins.handvat2_signaleren.services.referrals import take_step
from plugins.handvat2_signaleren.workflows import REFERRAL_WORKFLOW, ReferralState, Side

#: (reference, registering partner type, phase, months from now, worries, risks, protection,
#:  referral to partner type, support, steps taken)
FAMILIES = (
    ("VK-DEMO-1", "verloskundige", "zwanger", 3, ["geldzorgen", "betalingsachterstanden"], ["financiele_problemen"], ["steunend_netwerk"],
     "schuldhulpverlening", ["schuldhulp"], ("versturen",)),
    ("VK-DEMO-2", "verloskundige", "kind_0_2", -4, ["voedselonzekerheid", "stress"], ["financiele_problemen", "langdurig_laag_inkomen"], [],
     "voedselbank", ["materiele_steun"], ("versturen", "accepteren", "starten", "afronden")),
    ("JGZ-DEMO-1", "jgz", "kind_0_2", -9, ["stress", "sociaal_isolement"], ["financiele_problemen", "geen_of_onzeker_werk", "huisvestingsproblemen"], [],
     "wijkteam", ["sociale_steun", "opvoedondersteuning"], ("versturen", "accepteren")),
)  # fmt: skip


def _month(today: dt.date, offset: int) -> str:
    index = today.year * 12 + today.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


async def seed(work: Work) -> None:
    session = work.session
    if (await session.execute(select(func.count()).select_from(Family))).scalar_one():
        return  # seeded before
    config = await work.module_config(MODULE_KEY)
    partners = {partner.type: partner for partner in await all_partners(session)}
    members = await all_members(session)
    wijk = next(iter(await all_wijken(session)), None)
    today, now = dt.date.today(), utcnow()
    for reference, own_type, phase, months, worries, risks, protection, to_type, support, steps in FAMILIES:
        own, to = partners.get(own_type), partners.get(to_type)
        professional = next((m for m in members if own and m.partner_id == own.id and "professional" in m.roles), None)
        if own is None or to is None or professional is None:
            continue
        contact = next((m for m in members if m.partner_id == to.id), None)
        family = Family(
            local_reference=reference,
            phase=phase,
            expected_month=_month(today, months) if phase == "zwanger" else None,
            birth_month=_month(today, months) if phase == "kind_0_2" else None,
            wijk_id=wijk.id if wijk else None,
            registering_partner_id=own.id,
            registered_by=professional.id,
        )
        session.add(family)
        await session.flush()
        suggested = suggest_classification(risks, protection, several=config.several_risk_factors)
        session.add(
            Signal(
                family_id=family.id,
                worries=worries,
                risk_factors=risks,
                protective_factors=protection,
                suggested_classification=suggested,
                classification=suggested,
                wijk_id=family.wijk_id,
                partner_id=own.id,
                recorded_by=professional.id,
                recorded_at=now - dt.timedelta(days=20),
            )
        )
        consent = Consent(
            family_id=family.id,
            purpose="Doorverwijzen voor steun en terugkoppeling",
            partner_ids=[str(to.id)],
            method="mondeling",
            given_on=today - dt.timedelta(days=19),
            valid_until=today + dt.timedelta(days=180),
            recorded_by=professional.id,
        )
        session.add(consent)
        await session.flush()
        referral = Referral(
            family_id=family.id,
            consent_id=consent.id,
            from_partner_id=own.id,
            referred_by=professional.id,
            to_partner_id=to.id,
            to_contact_id=contact.id if contact else None,
            support=support,
            created_at=now - dt.timedelta(days=19),
        )
        session.add(referral)
        await session.flush()
        moment = now - dt.timedelta(days=18)
        for name in steps:
            transition = REFERRAL_WORKFLOW.transition(name)
            member, partner_id = (professional, own.id) if transition.side == Side.REFERRER else (contact, to.id)
            outcome = "geholpen" if transition.target == ReferralState.AFGEROND else None
            await take_step(work.acting_as(member, {transition.permission}, partner_id=partner_id), referral, transition.name, outcome=outcome, at=moment)
            moment += dt.timedelta(days=3)
        if "financiele_hulp" in support or "schuldhulp" in support:
            session.add(PlanItem(family_id=family.id, domain="financieel", description="Samen de post en rekeningen op orde brengen", created_by=professional.id))
    await session.flush()
