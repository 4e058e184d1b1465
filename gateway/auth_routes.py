"""Login endpoints for people (REST, JSON; errors as application/problem+json).

Members log in at their gemeente (`/t/{slug}/auth/...`); platform operators at the
platform (`/auth/...`). A login answers with tokens, or with the next step: an MFA code
(`mfa_required`) or, where MFA is mandatory and not set up yet, its enrolment
(`mfa_enrollment_required`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field

from core.errors import DomainError, Unauthenticated
from core.identity import invitations, login
from core.identity.sessions import revoke_person_sessions, revoke_session
from core.identity.tokens import InvalidToken
from core.models import Person, Tenant
from core.platform import Platform
from core.tenancy import TenantContext
from core.validation import has_unsafe_characters
from gateway.auth import authenticate, bearer_token

log = structlog.get_logger(__name__)

router = APIRouter(tags=["login"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _safe_text(value: str) -> str:
    # NUL (PostgreSQL refuses it) and lone surrogates never reach a lookup: a 422, not a 500.
    if has_unsafe_characters(value):
        raise ValueError("Deze tekst bevat een teken dat niet is toegestaan.")
    return value


SafeText = Annotated[str, AfterValidator(_safe_text)]


class LoginInput(BaseModel):
    email: SafeText = Field(max_length=320)
    password: SafeText = Field(max_length=1024)


class SecondFactorInput(BaseModel):
    mfa_token: SafeText = Field(max_length=4096)
    code: SafeText | None = Field(default=None, max_length=12)
    recovery_code: SafeText | None = Field(default=None, max_length=40)


class CodeInput(BaseModel):
    code: SafeText = Field(max_length=12)


class PasswordChangeInput(BaseModel):
    current_password: SafeText = Field(max_length=1024)
    new_password: SafeText = Field(max_length=1024)


class InvitationAcceptInput(BaseModel):
    token: SafeText = Field(max_length=200)
    password: SafeText = Field(max_length=1024)


def tokens_response(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers=NO_STORE)


@asynccontextmanager
async def login_session(platform: Platform, slug: str | None) -> AsyncIterator[tuple[Any, Tenant | None]]:
    """A session for a login at a tenant (bound to it) or at the platform."""
    tenant = None
    if slug is not None:
        async with platform.session(None) as lookup:
            tenant = await platform.active_tenant(lookup, slug)
    context = TenantContext(tenant_id=tenant.id) if tenant is not None else None
    async with platform.session(context) as session:
        yield session, tenant


def _platform(request: Request) -> Platform:
    return request.app.state.platform


class TooManyAttempts(DomainError):
    code = "RATE_LIMITED"
    http_status = 429


async def _limit_attempts(request: Request, platform: Platform) -> None:
    """Login attempts per client address (all addresses tried, all gemeenten): the per-address
    lock stops guessing one password, this stops trying one password on many addresses."""
    retry = await request.app.state.login_rate_limiter.refusal("login", request, platform.settings.trusted_proxies)
    if retry is not None:
        log.warning("auth.rate_limited")
        raise TooManyAttempts("Te veel inlogpogingen vanaf dit adres. Probeer het over een minuut opnieuw.", headers={"Retry-After": str(retry)})


async def _login(request: Request, slug: str | None, data: LoginInput) -> JSONResponse:
    platform = _platform(request)
    await _limit_attempts(request, platform)
    async with login_session(platform, slug) as (session, tenant):
        outcome = await login.password_login(session, platform.identity, tenant=tenant, email=data.email, password=data.password)
    return tokens_response(outcome.as_response())


@router.post("/t/{slug}/auth/login")
async def tenant_login(slug: str, request: Request, data: LoginInput) -> JSONResponse:
    """Log in to a gemeente with e-mail address and password."""
    return await _login(request, slug, data)


@router.post("/auth/login")
async def platform_login(request: Request, data: LoginInput) -> JSONResponse:
    """Log in as platform operator."""
    return await _login(request, None, data)


async def _second_factor(request: Request, slug: str | None, data: SecondFactorInput) -> JSONResponse:
    platform = _platform(request)
    await _limit_attempts(request, platform)
    async with login_session(platform, slug) as (session, tenant):
        outcome = await login.verify_second_factor(
            session, platform.identity, tenant=tenant, mfa_token=data.mfa_token, code=data.code, recovery_code=data.recovery_code
        )
    return tokens_response(outcome.as_response())


@router.post("/t/{slug}/auth/mfa/verify")
async def tenant_second_factor(slug: str, request: Request, data: SecondFactorInput) -> JSONResponse:
    """The second step of a login: a code from the authenticator app, or a recovery code."""
    return await _second_factor(request, slug, data)


@router.post("/auth/mfa/verify")
async def platform_second_factor(request: Request, data: SecondFactorInput) -> JSONResponse:
    return await _second_factor(request, None, data)


async def _enrolling_person(request: Request, platform: Platform, session: Any, tenant: Tenant | None) -> tuple[Person, bool]:
    """The person enrolling: from an enrolment token (during login) or an access token."""
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated("Log eerst in.")
    try:
        await platform.identity.tokens.verify_login_step(token, login.ENROLL_PURPOSE)
        return await login.enrollment_person(session, platform.identity, tenant, token), True
    except InvalidToken:
        pass
    claims = await authenticate(request, platform)
    if claims is None or claims.is_client:
        raise Unauthenticated("Log eerst in.")
    person = await platform.person_of(session, claims)
    assert person is not None
    return person, False


async def _enroll(request: Request, slug: str | None) -> JSONResponse:
    platform = _platform(request)
    async with login_session(platform, slug) as (session, tenant):
        person, _during_login = await _enrolling_person(request, platform, session, tenant)
        secret, uri = await login.begin_enrollment(session, platform.identity, person)
    return JSONResponse({"secret": secret, "otpauth_uri": uri}, headers=NO_STORE)


async def _confirm(request: Request, slug: str | None, data: CodeInput) -> JSONResponse:
    platform = _platform(request)
    async with login_session(platform, slug) as (session, tenant):
        person, during_login = await _enrolling_person(request, platform, session, tenant)
        if during_login:
            codes, outcome = await login.complete_enrolled_login(session, platform.identity, tenant, bearer_token(request) or "", data.code)
            return tokens_response({"recovery_codes": codes, **outcome.as_response()})
        codes = await login.confirm_enrollment(session, platform.identity, person, data.code)
        await session.commit()
    return tokens_response({"recovery_codes": codes})


@router.post("/t/{slug}/auth/mfa/enroll")
async def tenant_enroll(slug: str, request: Request) -> JSONResponse:
    """Start setting up two-step login: a secret and an otpauth:// URI for the app."""
    return await _enroll(request, slug)


@router.post("/auth/mfa/enroll")
async def platform_enroll(request: Request) -> JSONResponse:
    return await _enroll(request, None)


@router.post("/t/{slug}/auth/mfa/enroll/confirm")
async def tenant_enroll_confirm(slug: str, request: Request, data: CodeInput) -> JSONResponse:
    """Finish the set-up with a first code; answers ten recovery codes (shown once)."""
    return await _confirm(request, slug, data)


@router.post("/auth/mfa/enroll/confirm")
async def platform_enroll_confirm(request: Request, data: CodeInput) -> JSONResponse:
    return await _confirm(request, None, data)


@router.post("/auth/logout", status_code=204)
async def logout(request: Request) -> Response:
    """End the login of this access token: its refresh tokens stop working at once."""
    platform = _platform(request)
    claims = await authenticate(request, platform)
    if claims is None or claims.session_id is None:
        raise Unauthenticated("Log eerst in.")
    async with platform.session(None) as session:
        await revoke_session(session, claims.session_id, "logout")
        await session.commit()
    log.info("auth.logout", session_id=str(claims.session_id))
    return Response(status_code=204)


@router.post("/auth/password", status_code=204)
async def change_password(request: Request, data: PasswordChangeInput) -> Response:
    """Change one's own password (the current one is required)."""
    platform = _platform(request)
    claims = await authenticate(request, platform)
    if claims is None or claims.is_client:
        raise Unauthenticated("Log eerst in.")
    async with platform.session(None) as session:
        person = await platform.person_of(session, claims)
        assert person is not None
        await login.change_password(session, platform.identity, person, data.current_password, data.new_password)
        # Every other login of this person ends: a stolen session must not outlive the new password.
        await revoke_person_sessions(session, person.id, None, "password_changed", keep=claims.session_id)
        await session.commit()
    return Response(status_code=204)


@router.post("/t/{slug}/auth/invitations/accept")
async def accept_invitation(slug: str, request: Request, data: Annotated[InvitationAcceptInput, Body()]) -> JSONResponse:
    """Accept an invitation: become a member (choosing a password if new) and log in."""
    platform = _platform(request)
    async with login_session(platform, slug) as (session, tenant):
        assert tenant is not None
        outcome = await invitations.accept(session, platform.identity, tenant, data.token, data.password)
    return tokens_response(outcome.as_response())
