"""Logging in with a local account: password, then (when enrolled or required) a TOTP code.

Failures never say whether an account exists: an unknown address, a wrong password, a
locked account and a person who is not a member of the gemeente all get the same answer,
after the same (progressive) delay, counted per e-mail address. After too many failures
the address is locked for a while. MFA is mandatory for coalition admins and platform
operators, and for everyone in a tenant that requires it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import case, delete, select, update

from core.access import COALITION_ADMIN, PLATFORM_OPERATOR
from core.db import begin_write, dialect_insert, utcnow
from core.errors import DomainError
from core.identity import mfa
from core.identity.models import Credential, LoginThrottle, RecoveryCode
from core.identity.passwords import check_policy, hash_password, needs_rehash, verify_password
from core.identity.service import Identity
from core.identity.sessions import TokenPair, start_session
from core.identity.tokens import InvalidToken
from core.models import Membership, Person, Tenant

log = structlog.get_logger(__name__)

MFA_PURPOSE = "mfa"
ENROLL_PURPOSE = "mfa-enroll"
GENERIC_FAILURE = "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord, of probeer het later opnieuw."


class LoginFailed(DomainError):
    code = "LOGIN_FAILED"
    http_status = 401


@dataclass(frozen=True)
class LoginOutcome:
    tokens: TokenPair | None = None
    mfa_token: str | None = None
    enrollment_token: str | None = None

    def as_response(self) -> dict[str, Any]:
        if self.tokens is not None:
            return self.tokens.as_response()
        if self.mfa_token is not None:
            return {"mfa_required": True, "mfa_token": self.mfa_token}
        return {"mfa_enrollment_required": True, "enrollment_token": self.enrollment_token}


def throttle_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _delay_for(failures: int) -> float:
    """No delay for the first two failures, then 0.5 s doubling up to 4 s."""
    return 0.0 if failures < 2 else min(0.5 * 2 ** (failures - 2), 4.0)


async def _throttle(session: Any, email: str) -> LoginThrottle:
    """The address's failures so far (a blank one when there are none; not added to the
    session: failures are counted by `_record_failure` in the database itself)."""
    key = throttle_key(email)
    return await session.get(LoginThrottle, key) or LoginThrottle(key=key)


async def _record_failure(session: Any, identity: Identity, throttle: LoginThrottle, reason: str) -> None:
    """Count one failure atomically in the database (parallel attempts each count) and lock
    the address when the count is reached."""
    settings = identity.settings
    now = utcnow()
    window = dt.timedelta(seconds=settings.login_lock_seconds)
    key = throttle.key
    # A write transaction of its own (SQLite: BEGIN IMMEDIATE), so that parallel failures
    # queue up instead of failing to upgrade a read snapshot; nothing else was written yet.
    await begin_write(session)
    # One statement counts the failure: a new row, or one more (an old streak forgotten).
    insert = dialect_insert(session)
    counted = (
        insert(LoginThrottle)
        .values(key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((LoginThrottle.last_failure_at < now - window, 1), else_=LoginThrottle.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(LoginThrottle.failures)
    )
    failures = (await session.execute(counted)).scalar_one()
    if failures >= settings.login_max_failures:
        await session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(locked_until=now + window, failures=0)
            .execution_options(synchronize_session=False)
        )
        log.warning("auth.login_locked", account=key[:12], reason=reason)
    await session.commit()
    log.warning("auth.login_failed", account=key[:12], reason=reason)


def _locked(throttle: LoginThrottle) -> bool:
    return throttle.locked_until is not None and throttle.locked_until > utcnow()


async def roles_at(session: Any, person: Person, tenant: Tenant | None) -> list[str] | None:
    """The person's roles where they log in; None when they may not log in there."""
    if tenant is None:
        return [PLATFORM_OPERATOR] if person.is_platform_operator else None
    membership = (
        await session.execute(
            select(Membership).where(Membership.person_id == person.id, Membership.active.is_(True))
        )
    ).scalar_one_or_none()
    roles = list(membership.roles) if membership is not None else []
    if person.is_platform_operator:
        roles.append(PLATFORM_OPERATOR)
    return roles or None


def mfa_required(roles: Collection[str], tenant: Tenant | None) -> bool:
    return COALITION_ADMIN in roles or PLATFORM_OPERATOR in roles or bool(tenant and tenant.mfa_required_for_all)


def lacks_second_factor(roles: Collection[str], tenant: Tenant | None, amr: Collection[str] | None) -> bool:
    """Whether these roles (or the gemeente's policy) need a second factor the login did not give."""
    return "otp" not in (amr or ()) and mfa_required(roles, tenant)


async def finish_login(
    session: Any, identity: Identity, person: Person, tenant: Tenant | None, roles: list[str], credential: Credential, amr: list[str]
) -> LoginOutcome:
    tenant_id = tenant.id if tenant else None
    if "otp" not in amr and credential.totp_enabled:
        token = await identity.tokens.issue_login_step(person_id=person.id, tenant_id=tenant_id, purpose=MFA_PURPOSE, amr=amr)
        await session.commit()
        return LoginOutcome(mfa_token=token)
    if lacks_second_factor(roles, tenant, amr):
        token = await identity.tokens.issue_login_step(person_id=person.id, tenant_id=tenant_id, purpose=ENROLL_PURPOSE, amr=amr)
        await session.commit()
        return LoginOutcome(enrollment_token=token)
    credential.last_login_at = utcnow()
    pair = await start_session(
        session,
        identity.tokens,
        person_id=person.id,
        email=person.email,
        tenant_id=tenant_id,
        tenant_slug=tenant.slug if tenant else None,
        roles=roles,
        amr=amr,
    )
    await session.commit()
    log.info("auth.login", person_id=str(person.id), tenant=tenant.slug if tenant else None, amr=amr)
    return LoginOutcome(tokens=pair)


async def password_login(session: Any, identity: Identity, *, tenant: Tenant | None, email: str, password: str) -> LoginOutcome:
    """Step one: e-mail address and password, at a tenant (or at the platform for operators)."""
    email = (email or "").strip().lower()
    throttle = await _throttle(session, email)
    await asyncio.sleep(_delay_for(throttle.failures))
    person = (await session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
    credential = await session.get(Credential, person.id) if person is not None else None
    # argon2 takes a tenth of a second on purpose: off the event loop, so logins do not stall other requests.
    password_ok = await asyncio.to_thread(verify_password, credential.password_hash if credential else None, password or "")
    if _locked(throttle):
        account = throttle.key[:12]
        await session.rollback()
        log.warning("auth.login_refused_locked", account=account)
        raise LoginFailed(GENERIC_FAILURE)
    roles = await roles_at(session, person, tenant) if person is not None and person.active else None
    if not password_ok or roles is None or credential is None:
        reason = "bad password" if person is not None else "unknown account"
        if password_ok:
            reason = "not a member here"
        await _record_failure(session, identity, throttle, reason)
        raise LoginFailed(GENERIC_FAILURE)
    if not credential.totp_enabled:
        # With a second factor still to come, the streak of failures stays: else the password
        # (once known) would reset the count of wrong codes before every few guesses.
        await session.execute(delete(LoginThrottle).where(LoginThrottle.key == throttle.key))
    if needs_rehash(credential.password_hash):  # type: ignore[arg-type]
        credential.password_hash = hash_password(password)
    return await finish_login(session, identity, person, tenant, roles, credential, ["pwd"])


async def _step_person(
    session: Any, identity: Identity, token: str, purpose: str, tenant: Tenant | None
) -> tuple[Person, list[str]]:
    """The person of a login-step token, which must belong to this tenant (or the platform)."""
    try:
        claims = await identity.tokens.verify_login_step(token, purpose)
    except InvalidToken as exc:
        log.warning("auth.login_step_refused", reason=exc.reason)
        raise LoginFailed("Deze inlogstap is verlopen of ongeldig. Log opnieuw in.") from None
    if claims.get("tenant") != (str(tenant.id) if tenant else None):
        log.warning("auth.login_step_refused", reason="token of another tenant")
        raise LoginFailed("Deze inlogstap is verlopen of ongeldig. Log opnieuw in.")
    person = await session.get(Person, uuid.UUID(claims["sub"]))
    if person is None or not person.active:
        raise LoginFailed(GENERIC_FAILURE)
    return person, list(claims.get("amr", []))


async def verify_second_factor(
    session: Any,
    identity: Identity,
    *,
    tenant: Tenant | None,
    mfa_token: str,
    code: str | None = None,
    recovery_code: str | None = None,
) -> LoginOutcome:
    """Step two: a TOTP code (or a recovery code) for the person of the MFA token."""
    person, amr = await _step_person(session, identity, mfa_token, MFA_PURPOSE, tenant)
    throttle = await _throttle(session, person.email)
    await asyncio.sleep(_delay_for(throttle.failures))
    credential = await session.get(Credential, person.id)
    roles = await roles_at(session, person, tenant)
    if _locked(throttle) or credential is None or not credential.totp_enabled or roles is None:
        await session.rollback()
        raise LoginFailed(GENERIC_FAILURE)
    method = None
    if code:
        step = mfa.matching_step(identity.open_totp(credential.totp_secret or ""), code, credential.totp_last_step)
        if step is not None:
            credential.totp_last_step = step
            method = "otp"
    elif recovery_code:
        for row in (
            await session.execute(select(RecoveryCode).where(RecoveryCode.person_id == person.id, RecoveryCode.used_at.is_(None)))
        ).scalars():
            if mfa.recovery_code_matches(row.code_hash, recovery_code):
                row.used_at = utcnow()
                method = "otp"
                log.info("auth.recovery_code_used", person_id=str(person.id))
                break
    if method is None:
        await _record_failure(session, identity, throttle, "bad second factor")
        raise LoginFailed("De code klopt niet of is al gebruikt.")
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == throttle.key))
    return await finish_login(session, identity, person, tenant, roles, credential, [*amr, "otp"])


async def begin_enrollment(session: Any, identity: Identity, person: Person) -> tuple[str, str]:
    """A new TOTP secret for the person (not active until confirmed): (secret, otpauth URI)."""
    credential = await session.get(Credential, person.id)
    if credential is None:
        credential = Credential(person_id=person.id)
        session.add(credential)
    if credential.totp_enabled:
        raise DomainError("Tweestapsverificatie staat al aan.", code="MFA_ALREADY_ENABLED")
    secret = mfa.new_secret()
    credential.totp_secret = identity.seal_totp(secret)
    await session.commit()
    return secret, mfa.provisioning_uri(secret, person.email)


async def confirm_enrollment(session: Any, identity: Identity, person: Person, code: str) -> list[str]:
    """Activate TOTP with a first valid code; returns ten recovery codes (shown once)."""
    credential = await session.get(Credential, person.id)
    if credential is None or credential.totp_secret is None or credential.totp_enabled:
        raise DomainError("Begin eerst met het instellen van tweestapsverificatie.", code="MFA_NOT_STARTED")
    step = mfa.matching_step(identity.open_totp(credential.totp_secret), code or "", None)
    if step is None:
        raise DomainError("De code klopt niet. Controleer de tijd op uw telefoon.", code="MFA_CODE_INVALID", field="code")
    credential.totp_enabled = True
    credential.totp_last_step = step
    await session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    codes = mfa.new_recovery_codes()
    for code_value in codes:
        session.add(RecoveryCode(person_id=person.id, code_hash=mfa.hash_recovery_code(code_value)))
    await session.flush()
    log.info("auth.mfa_enabled", person_id=str(person.id))
    return codes


async def complete_enrolled_login(
    session: Any, identity: Identity, tenant: Tenant | None, enrollment_token: str, code: str
) -> tuple[list[str], LoginOutcome]:
    """Enrolment during login: confirm the code, then finish the login with both factors."""
    person, amr = await _step_person(session, identity, enrollment_token, ENROLL_PURPOSE, tenant)
    codes = await confirm_enrollment(session, identity, person, code)
    credential = await session.get(Credential, person.id)
    roles = await roles_at(session, person, tenant)
    if roles is None or credential is None:
        raise LoginFailed(GENERIC_FAILURE)
    return codes, await finish_login(session, identity, person, tenant, roles, credential, [*amr, "otp"])


async def enrollment_person(session: Any, identity: Identity, tenant: Tenant | None, enrollment_token: str) -> Person:
    person, _amr = await _step_person(session, identity, enrollment_token, ENROLL_PURPOSE, tenant)
    return person


async def set_password(session: Any, identity: Identity, person: Person, password: str, *, field: str = "password") -> None:
    check_policy(password, min_length=identity.settings.password_min_length, user_inputs=[person.email, *person.email.split("@")], field=field)
    credential = await session.get(Credential, person.id)
    if credential is None:
        credential = Credential(person_id=person.id)
        session.add(credential)
    credential.password_hash = await asyncio.to_thread(hash_password, password)  # argon2: off the event loop
    credential.password_changed_at = utcnow()
    await session.flush()


async def change_password(session: Any, identity: Identity, person: Person, current: str, new: str) -> None:
    credential = await session.get(Credential, person.id)
    if credential is None or not await asyncio.to_thread(verify_password, credential.password_hash, current or ""):
        raise DomainError("Het huidige wachtwoord klopt niet.", code="LOGIN_FAILED", field="current_password")
    await set_password(session, identity, person, new, field="new_password")


async def unlock(session: Any, email: str) -> None:
    await session.execute(update(LoginThrottle).where(LoginThrottle.key == throttle_key(email)).values(locked_until=None, failures=0))
