"""Platform access tokens: JWTs in the RFC 9068 profile, signed with the active ES256 key.

Claims: `iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti`, `client_id`, `scope`, and for this
platform `tenant` (the tenant id the token is for; absent for a platform operator),
`tenant_slug`, `roles`, `sid` (the login session, so logout ends it at once), `amr` and
`auth_time`. Verification accepts only ES256 with a known `kid`, refuses `jku`, `jwk`,
`x5u` and `x5c` headers, and checks issuer, audience and times.

Short-lived login-step tokens (between password and MFA code, or for MFA enrolment) use the
same keys but another type and audience, so they never pass as access tokens.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from core.config import Settings
from core.identity.keys import ALGORITHM, KeyStore

ACCESS_TOKEN_TYPE = "at+jwt"
LOGIN_STEP_TYPE = "login-step+jwt"
LOGIN_STEP_AUDIENCE = "kansrijkestart-login"
LOGIN_STEP_LIFETIME = 300
FORBIDDEN_HEADERS = ("jku", "jwk", "x5u", "x5c", "crit")
LEEWAY_SECONDS = 30


class InvalidToken(Exception):
    """A token that cannot be accepted; `reason` is for the logs, never for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    client_id: str
    tenant_id: uuid.UUID | None
    scopes: frozenset[str]
    session_id: uuid.UUID | None
    jti: str
    raw: dict[str, Any] = field(repr=False)

    @property
    def is_client(self) -> bool:
        return self.session_id is None


def _header(token: str) -> dict[str, Any]:
    try:
        encoded = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, IndexError) as exc:
        raise InvalidToken("malformed token") from exc
    if not isinstance(header, dict):
        raise InvalidToken("malformed header")
    return header


#: Verified access tokens kept (their signature is checked once per process).
VERIFIED_CACHE_SIZE = 4096


class TokenService:
    def __init__(self, settings: Settings, keys: KeyStore) -> None:
        self.settings = settings
        self.keys = keys
        # token -> (kid, claims): a token's signature and claims never change, so the
        # signature is verified once; its expiry and its key are checked on every use.
        self._verified: OrderedDict[str, tuple[str, AccessClaims]] = OrderedDict()

    async def _sign(self, header_type: str, claims: dict[str, Any]) -> str:
        key = await self.keys.signing_key()
        header = {"alg": ALGORITHM, "kid": key.kid, "typ": header_type}
        return jwt.encode(header, claims, key.key, algorithms=[ALGORITHM])

    async def issue_access_token(
        self,
        *,
        subject: str,
        client_id: str,
        tenant_id: uuid.UUID | None,
        tenant_slug: str | None,
        roles: list[str],
        scopes: list[str],
        session_id: uuid.UUID | None,
        amr: list[str],
        auth_time: int | None = None,
    ) -> tuple[str, int]:
        now = int(time.time())
        lifetime = self.settings.access_token_lifetime
        claims: dict[str, Any] = {
            "iss": self.settings.issuer,
            "sub": subject,
            "aud": self.settings.token_audience,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "client_id": client_id,
            "scope": " ".join(sorted(scopes)),
            "roles": sorted(roles),
            "amr": amr,
            "auth_time": auth_time or now,
        }
        if tenant_id is not None:
            claims["tenant"] = str(tenant_id)
            claims["tenant_slug"] = tenant_slug
        if session_id is not None:
            claims["sid"] = str(session_id)
        return await self._sign(ACCESS_TOKEN_TYPE, claims), lifetime

    async def _verify(self, token: str, *, token_type: str, audience: str) -> dict[str, Any]:
        header = _header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"algorithm {header.get('alg')!r} not accepted")
        if header.get("typ") != token_type:
            raise InvalidToken(f"token type {header.get('typ')!r} not accepted here")
        forbidden = [name for name in FORBIDDEN_HEADERS if name in header]
        if forbidden:
            raise InvalidToken(f"header parameters not accepted: {forbidden}")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("no kid")
        key = await self.keys.verification_key(kid)
        if key is None:
            raise InvalidToken("unknown or expired kid")
        try:
            decoded = jwt.decode(token, key, algorithms=[ALGORITHM])
            registry = JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.settings.issuer},
                aud={"essential": True, "value": audience},
                exp={"essential": True},
                iat={"essential": True},
                nbf={"essential": True},
                sub={"essential": True},
                jti={"essential": True},
            )
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise InvalidToken(f"{type(exc).__name__}: {exc}") from exc
        if decoded.claims["iat"] > time.time() + LEEWAY_SECONDS:
            raise InvalidToken("issued in the future")
        return decoded.claims

    async def verify_access_token(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None:
            kid, verified = known
            # Still within its life (the same leeway as a first verification) and signed by
            # a key that may still verify: a retired key's tokens stop with it.
            if verified.raw["exp"] + LEEWAY_SECONDS > time.time() and await self.keys.verification_key(kid) is not None:
                return verified
            del self._verified[token]
        verified = await self._verify_access_token(token)
        self._verified[token] = (_header(token)["kid"], verified)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return verified

    async def _verify_access_token(self, token: str) -> AccessClaims:
        claims = await self._verify(token, token_type=ACCESS_TOKEN_TYPE, audience=self.settings.token_audience)
        try:
            tenant = uuid.UUID(claims["tenant"]) if claims.get("tenant") else None
            session_id = uuid.UUID(claims["sid"]) if claims.get("sid") else None
            scope = claims.get("scope", "")
            if not isinstance(scope, str) or not isinstance(claims.get("client_id"), str):
                raise ValueError
        except (ValueError, TypeError) as exc:
            raise InvalidToken("malformed claims") from exc
        return AccessClaims(
            subject=claims["sub"],
            client_id=claims["client_id"],
            tenant_id=tenant,
            scopes=frozenset(scope.split()),
            session_id=session_id,
            jti=claims["jti"],
            raw=claims,
        )

    async def issue_login_step(self, *, person_id: uuid.UUID, tenant_id: uuid.UUID | None, purpose: str, amr: list[str]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.settings.issuer,
            "sub": str(person_id),
            "aud": LOGIN_STEP_AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + LOGIN_STEP_LIFETIME,
            "jti": uuid.uuid4().hex,
            "purpose": purpose,
            "amr": amr,
        }
        if tenant_id is not None:
            claims["tenant"] = str(tenant_id)
        return await self._sign(LOGIN_STEP_TYPE, claims)

    async def verify_login_step(self, token: str, purpose: str) -> dict[str, Any]:
        claims = await self._verify(token, token_type=LOGIN_STEP_TYPE, audience=LOGIN_STEP_AUDIENCE)
        if claims.get("purpose") != purpose:
            raise InvalidToken("login step for another purpose")
        return claims
