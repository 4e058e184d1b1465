"""Invitations: a coalition admin invites a person by e-mail to a role in the tenant.

The invitation holds a one-time token (only its hash is stored) that expires. Accepting it
makes the person a member: a new person chooses a password (the policy applies); a person
who already has an account proves it with their password.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import structlog
from sqlalchemy import select

from core.db import utcnow
from core.errors import Conflict, DomainError, NotFound
from core.feeds import delete_member_links
from core.identity.crypto import new_token, token_hash
from core.identity.login import LoginOutcome, finish_login, set_password
from core.identity.models import Credential, Invitation
from core.identity.passwords import verify_password
from core.identity.service import Identity
from core.mail import message, sender_for
from core.models import Membership, Person, Tenant
from core.services.coalition import MemberFields, check_partner_for_member
from core.validation import validate
from core.work import Work

log = structlog.get_logger(__name__)


class InvitationInvalid(DomainError):
    code = "INVITATION_INVALID"
    http_status = 400


def invitation_link(settings: Any, tenant_slug: str, token: str) -> str:
    return f"{settings.issuer}/t/{tenant_slug}/uitnodiging#token={token}"


async def invite(work: Work, data: dict[str, Any]) -> Invitation:
    fields = validate(MemberFields, data, prefix="input")
    await check_partner_for_member(work, fields.partner_id)
    person = (await work.session.execute(select(Person).where(Person.email == fields.email))).scalar_one_or_none()
    if person is not None:
        member = (
            await work.session.execute(select(Membership).where(Membership.person_id == person.id, Membership.active.is_(True)))
        ).scalar_one_or_none()
        if member is not None:
            raise Conflict("Deze persoon is al lid van deze gemeente.", field="input.email")
    now = utcnow()
    for pending in (
        await work.session.execute(
            select(Invitation).where(Invitation.email == fields.email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        )
    ).scalars():
        pending.revoked_at = now  # one open invitation per address: the newest
    token = new_token()
    invitation = Invitation(
        email=fields.email,
        display_name=fields.display_name,
        roles=fields.roles,
        partner_id=fields.partner_id,
        token_hash=token_hash(token),
        invited_by=work.actor,
        expires_at=now + dt.timedelta(seconds=work.settings.invitation_lifetime),
    )
    work.session.add(invitation)
    await work.session.flush()
    link = invitation_link(work.settings, work.tenant.slug, token)
    body = (
        f"Beste {fields.display_name},\n\n"
        f"U bent uitgenodigd voor de coalitie Kansrijke Start van {work.tenant.name}.\n"
        f"Open deze link om de uitnodiging aan te nemen (geldig tot {invitation.expires_at:%d-%m-%Y %H:%M} UTC):\n\n"
        f"{link}\n\nWerd u niet verwacht? Dan kunt u dit bericht negeren.\n"
    )
    await sender_for(work.settings).send(
        message(work.settings, to=fields.email, subject=f"Uitnodiging: Kansrijke Start {work.tenant.name}", body=body)
    )
    log.info("invitation.sent", invitation_id=str(invitation.id), tenant=work.tenant.slug)
    return invitation


async def revoke(work: Work, invitation_id: Any) -> Invitation:
    from core.validation import parse_id

    invitation = (
        await work.session.execute(select(Invitation).where(Invitation.id == parse_id(invitation_id, "input.id")))
    ).scalar_one_or_none()
    if invitation is None:
        raise NotFound("Deze uitnodiging bestaat niet.", field="input.id")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        await work.session.flush()
    return invitation


async def accept(session: Any, identity: Identity, tenant: Tenant, token: str, password: str) -> LoginOutcome:
    """Accept an invitation (session bound to the invitation's tenant) and log in."""
    invitation = (
        await session.execute(select(Invitation).where(Invitation.token_hash == token_hash(token or "")))
    ).scalar_one_or_none()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        log.warning("invitation.refused", tenant=tenant.slug, known=invitation is not None)
        raise InvitationInvalid("Deze uitnodiging is ongeldig, al gebruikt of verlopen. Vraag de coalitieregisseur om een nieuwe.")
    person = (await session.execute(select(Person).where(Person.email == invitation.email))).scalar_one_or_none()
    if person is None:
        person = Person(email=invitation.email)
        session.add(person)
        await session.flush()
    credential = await session.get(Credential, person.id)
    if credential is not None and credential.password_hash is not None:
        if not verify_password(credential.password_hash, password or ""):
            raise DomainError(
                "U heeft al een account: vul uw bestaande wachtwoord in om de uitnodiging aan te nemen.",
                code="LOGIN_FAILED",
                field="password",
            )
    else:
        await set_password(session, identity, person, password or "")
        credential = await session.get(Credential, person.id)
    membership = (await session.execute(select(Membership).where(Membership.person_id == person.id))).scalar_one_or_none()
    if membership is None:
        membership = Membership(person_id=person.id, email=invitation.email, display_name=invitation.display_name, roles=[])
        session.add(membership)
    elif not membership.active or set(membership.roles) != set(invitation.roles):
        await delete_member_links(session, membership.id)  # a changed membership ends its feed links (core.feeds)
    membership.roles = list(invitation.roles)
    membership.partner_id = invitation.partner_id
    membership.display_name = invitation.display_name
    membership.active = True
    membership.updated_at = utcnow()
    invitation.accepted_at = utcnow()
    await session.flush()
    log.info("invitation.accepted", invitation_id=str(invitation.id), tenant=tenant.slug)
    assert credential is not None
    return await finish_login(session, identity, person, tenant, list(invitation.roles), credential, ["pwd"])
