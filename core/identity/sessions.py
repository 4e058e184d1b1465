"""Login sessions and rotating refresh tokens.

A login creates a session (the token family) and its first refresh token. Each refresh
rotates: the presented token is marked used and a new one issued. Presenting a token that
was already rotated means it leaked: the whole session is revoked. A session ends at its
absolute lifetime, after the idle timeout, or on logout. Only hashes are stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select, update

from core.db import utcnow
from core.identity.crypto import new_token, token_hash
from core.identity.models import AuthSession, RefreshToken
from core.identity.tokens import TokenService

log = structlog.get_logger(__name__)

FIRST_PARTY_CLIENT = "kansrijk-app"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str | None
    scope: str = ""

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {"access_token": self.access_token, "token_type": "Bearer", "expires_in": self.expires_in}
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        if self.scope:
            body["scope"] = self.scope
        return body


class RefreshRefused(Exception):
    """The refresh token cannot be used; `reason` is for the logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _new_refresh_token(session: Any, auth_session: AuthSession) -> str:
    token = new_token()
    session.add(RefreshToken(session_id=auth_session.id, token_hash=token_hash(token)))
    return token


async def start_session(
    session: Any,
    tokens: TokenService,
    *,
    person_id: uuid.UUID,
    email: str,
    tenant_id: uuid.UUID | None,
    tenant_slug: str | None,
    roles: list[str],
    amr: list[str],
) -> TokenPair:
    settings = tokens.settings
    now = utcnow()
    auth_session = AuthSession(
        person_id=person_id,
        tenant_id=tenant_id,
        client_id=FIRST_PARTY_CLIENT,
        amr=amr,
        created_at=now,
        last_used_at=now,
        expires_at=now + dt.timedelta(seconds=settings.refresh_token_lifetime),
    )
    session.add(auth_session)
    await session.flush()
    refresh = await _new_refresh_token(session, auth_session)
    access, expires_in = await tokens.issue_access_token(
        subject=email,
        client_id=FIRST_PARTY_CLIENT,
        tenant_id=tenant_id,
        tenant_slug=tenant_slug,
        roles=roles,
        scopes=[],
        session_id=auth_session.id,
        amr=amr,
        auth_time=int(now.timestamp()),
    )
    return TokenPair(access, expires_in, refresh)


async def revoke_session(session: Any, session_id: uuid.UUID, reason: str) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


async def revoke_person_sessions(
    session: Any, person_id: uuid.UUID, tenant_id: uuid.UUID | None, reason: str, *, keep: uuid.UUID | None = None
) -> None:
    """End the person's logins (in one tenant, or everywhere), except the one to `keep`."""
    statement = update(AuthSession).where(AuthSession.person_id == person_id, AuthSession.revoked_at.is_(None))
    if tenant_id is not None:
        statement = statement.where(AuthSession.tenant_id == tenant_id)
    if keep is not None:
        statement = statement.where(AuthSession.id != keep)
    await session.execute(statement.values(revoked_at=utcnow(), revoked_reason=reason))


def session_is_live(auth_session: AuthSession, idle_timeout: int, *, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        auth_session.revoked_at is None
        and auth_session.expires_at > now
        and auth_session.last_used_at + dt.timedelta(seconds=idle_timeout) > now
    )


async def rotate(session: Any, presented: str, *, idle_timeout: int) -> tuple[AuthSession, str]:
    """Use a refresh token: its session and the next refresh token. Reuse of a rotated token
    revokes the session (every token of the family)."""
    row = (
        await session.execute(select(RefreshToken).where(RefreshToken.token_hash == token_hash(presented)))
    ).scalar_one_or_none()
    if row is None:
        raise RefreshRefused("unknown refresh token")
    auth_session = (await session.execute(select(AuthSession).where(AuthSession.id == row.session_id))).scalar_one()
    now = utcnow()
    # Mark it used atomically: of two concurrent uses of one token, only one wins.
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        await revoke_session(session, auth_session.id, "refresh token reused")
        await session.commit()
        log.warning("auth.refresh_token_reused", session_id=str(auth_session.id), person_id=str(auth_session.person_id))
        raise RefreshRefused("refresh token reused: session revoked")
    if not session_is_live(auth_session, idle_timeout, now=now):
        await session.rollback()
        raise RefreshRefused("session revoked, expired or idle")
    auth_session.last_used_at = now
    next_token = await _new_refresh_token(session, auth_session)
    await session.flush()
    return auth_session, next_token
