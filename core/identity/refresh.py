"""Refreshing a person's login: rotate the refresh token and issue a new access token with
the person's current roles. A person who is no longer active, no longer a member, or
whose gemeente is suspended gets no new token (and the login ends)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.identity.login import lacks_second_factor, roles_at
from core.identity.models import AuthSession, RefreshToken
from core.identity.sessions import RefreshRefused, TokenPair, revoke_session, rotate
from core.identity.crypto import token_hash
from core.models import Person, Tenant, TenantStatus
from core.tenancy import TenantContext


async def refresh_login(platform: Any, presented: str) -> TokenPair:
    async with platform.session(None) as lookup:
        tenant_id = (
            await lookup.execute(
                select(AuthSession.tenant_id)
                .join(RefreshToken, RefreshToken.session_id == AuthSession.id)
                .where(RefreshToken.token_hash == token_hash(presented or ""))
            )
        ).scalar_one_or_none()
    context = TenantContext(tenant_id=tenant_id) if tenant_id is not None else None
    async with platform.session(context) as session:
        auth_session, next_token = await rotate(session, presented or "", idle_timeout=platform.settings.refresh_idle_timeout)
        person = await session.get(Person, auth_session.person_id)
        tenant = await session.get(Tenant, auth_session.tenant_id) if auth_session.tenant_id else None
        roles = await roles_at(session, person, tenant) if person is not None and person.active else None
        if roles is None or (tenant is not None and tenant.status != TenantStatus.ACTIVE):
            await revoke_session(session, auth_session.id, "no longer allowed")
            await session.commit()
            raise RefreshRefused("person no longer active or member, or tenant suspended")
        if lacks_second_factor(roles, tenant, auth_session.amr):
            # A role that needs a second factor came after this login: log in again with it.
            await revoke_session(session, auth_session.id, "second factor now required")
            await session.commit()
            raise RefreshRefused("the roles now need a second factor")
        access, expires_in = await platform.identity.tokens.issue_access_token(
            subject=person.email,
            client_id=auth_session.client_id,
            tenant_id=tenant.id if tenant else None,
            tenant_slug=tenant.slug if tenant else None,
            roles=roles,
            scopes=[],
            session_id=auth_session.id,
            amr=list(auth_session.amr),
            auth_time=int(auth_session.created_at.timestamp()),
        )
        await session.commit()
        return TokenPair(access, expires_in, next_token)
