"""Who is calling: the platform's own access token, as `Authorization: Bearer <jwt>`.

Any token that does not verify is refused with 401 (the reason goes to the log only);
a request without a token is anonymous and refused by everything that needs a login.
"""

from __future__ import annotations

import structlog
from fastapi import Request

from core.errors import Unauthenticated
from core.identity.tokens import AccessClaims, InvalidToken
from core.platform import Platform

log = structlog.get_logger(__name__)

INVALID_TOKEN_HEADER = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def challenge(request: Request, code: str | None = None) -> dict[str, str]:
    """The WWW-Authenticate header of a 401: with `error="invalid_token"` only when a token
    was sent (RFC 6750 section 3.1: a request without one gets no error code), and
    `insufficient_user_authentication` when the login lacks the second factor (RFC 9470)."""
    if code == "MFA_REQUIRED":
        return {"WWW-Authenticate": 'Bearer error="insufficient_user_authentication"'}
    return INVALID_TOKEN_HEADER if request.headers.get("authorization") else {"WWW-Authenticate": "Bearer"}


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Gebruik 'Authorization: Bearer <token>'.")
    return token.strip()


async def authenticate(request: Request, platform: Platform) -> AccessClaims | None:
    """The verified claims of the request's access token, or None without a token."""
    token = bearer_token(request)
    if token is None:
        return None
    try:
        return await platform.identity.tokens.verify_access_token(token)
    except InvalidToken as exc:
        log.warning("auth.token_refused", reason=exc.reason, path=request.url.path)
        raise Unauthenticated("Dit token is ongeldig of verlopen. Log opnieuw in.") from None
