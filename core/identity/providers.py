"""A gemeente's own identity provider (OpenID Connect): its registration, and who a login
through it is.

A person is identified by (tenant, issuer, subject). The first login of a known member is
linked by their verified e-mail address (in an allowed domain); an unknown person is
refused unless the tenant allows just-in-time provisioning, which makes them a member with
the least-privileged role. Two-step login stays mandatory for coalition admins: when the
provider does not say it did a second factor (`amr`), the platform's own TOTP step follows.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any
from urllib.parse import urlparse

import structlog
from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator
from sqlalchemy import select

from core.access import MEMBER
from core.db import utcnow
from core.errors import DomainError, ValidationFailed
from core.identity.login import LoginOutcome, finish_login, roles_at
from core.identity.models import Credential, ExternalIdentity, IdentityProvider
from core.identity.service import Identity
from core.models import Membership, Person, Tenant
from core.validation import validate
from core.work import Work

log = structlog.get_logger(__name__)

ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,99}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SECOND_FACTOR_AMR = {"mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "iris", "pin"}
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class OidcLoginFailed(DomainError):
    code = "OIDC_LOGIN_FAILED"
    http_status = 401


def _is_loopback(host: str | None) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _https_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme == "https" or (parsed.scheme == "http" and _is_loopback(parsed.hostname)):
        if parsed.netloc:
            return value.rstrip("/") if parsed.path in ("", "/") else value
    raise ValueError("Gebruik een https://-adres.")


class ProviderFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
    metadata_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
    client_id: Short
    client_secret_env: Annotated[str, StringConstraints(strip_whitespace=True)]
    scopes: Short = "openid email profile"
    email_claim: Short = "email"
    name_claim: Short = "name"
    allowed_email_domains: list[str] = []
    jit_provisioning: bool = False
    enabled: bool = True

    @field_validator("issuer", "metadata_url")
    @classmethod
    def _secure(cls, value: str) -> str:
        return _https_url(value)

    @field_validator("client_secret_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError("De naam van een omgevingsvariabele: hoofdletters, cijfers en _, bijvoorbeeld OIDC_GM0344_CLIENT_SECRET.")
        return value

    @field_validator("scopes")
    @classmethod
    def _openid(cls, value: str) -> str:
        if "openid" not in value.split():
            raise ValueError("De scopes moeten 'openid' bevatten.")
        return value

    @field_validator("allowed_email_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        cleaned = sorted({domain.strip().lower().lstrip("@") for domain in value if domain.strip()})
        wrong = [domain for domain in cleaned if not DOMAIN.match(domain)]
        if wrong:
            raise ValueError(f"Geen geldig domein: {', '.join(wrong)}.")
        return cleaned


async def provider_of(session: Any) -> IdentityProvider | None:
    return (await session.execute(select(IdentityProvider))).scalar_one_or_none()


def secret_env_prefix(tenant_code: str) -> str:
    """The environment variables a gemeente may name for its client secret: its own only
    (never the platform's secrets or another gemeente's), e.g. OIDC_GM0344_CLIENT_SECRET."""
    return f"OIDC_{tenant_code}_"


async def configure(work: Work, data: dict[str, Any]) -> IdentityProvider:
    fields = validate(ProviderFields, data, prefix="input")
    prefix = secret_env_prefix(work.tenant.code)
    if not fields.client_secret_env.startswith(prefix):
        raise ValidationFailed(
            f"De naam van de omgevingsvariabele begint met {prefix} (de code van uw gemeente), bijvoorbeeld {prefix}CLIENT_SECRET.",
            field="input.clientSecretEnv",
        )
    provider = await provider_of(work.session)
    if provider is None:
        provider = IdentityProvider(**fields.model_dump())
        work.session.add(provider)
    else:
        for name, value in fields.model_dump().items():
            setattr(provider, name, value)
    provider.updated_at = utcnow()
    await work.session.flush()
    log.info("identity_provider.configured", tenant=work.tenant.slug, issuer=provider.issuer)
    return provider


def _email_allowed(provider: IdentityProvider, email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    return not provider.allowed_email_domains or domain in provider.allowed_email_domains


async def login_with_claims(
    session: Any, identity: Identity, tenant: Tenant, provider: IdentityProvider, claims: dict[str, Any]
) -> LoginOutcome:
    """Who logged in through the tenant's provider (claims of a validated ID token)."""
    if claims.get("iss") != provider.issuer:
        log.warning("oidc.wrong_issuer", tenant=tenant.slug, expected=provider.issuer, got=claims.get("iss"))
        raise OidcLoginFailed("Deze inlog komt niet van de inlogvoorziening van deze gemeente.")
    subject = str(claims.get("sub") or "")
    email = str(claims.get(provider.email_claim) or "").strip().lower()
    verified = claims.get("email_verified") is True  # missing, or the string "false", is not verified
    if not subject:
        raise OidcLoginFailed("De inlogvoorziening gaf geen gebruiker door.")
    link = (
        await session.execute(
            select(ExternalIdentity).where(ExternalIdentity.issuer == provider.issuer, ExternalIdentity.subject == subject)
        )
    ).scalar_one_or_none()
    person = await session.get(Person, link.person_id) if link is not None else None
    if person is None:
        person = await _first_login(session, tenant, provider, subject, email, verified, claims)
        link = ExternalIdentity(issuer=provider.issuer, subject=subject, person_id=person.id)
        session.add(link)
    link.last_login_at = utcnow()
    roles = await roles_at(session, person, tenant) if person.active else None
    if roles is None:
        log.warning("oidc.not_a_member", tenant=tenant.slug)
        raise OidcLoginFailed("U heeft (nog) geen toegang tot deze gemeente. Vraag de coalitieregisseur om een uitnodiging.")
    credential = await session.get(Credential, person.id)
    if credential is None:
        credential = Credential(person_id=person.id)
        session.add(credential)
    await session.flush()
    provider_amr = claims.get("amr") if isinstance(claims.get("amr"), list) else []
    # The provider's second factor counts only for someone without one of their own here: a
    # person's own TOTP (which may guard their logins at other gemeenten too) is always asked.
    provider_second_factor = bool(SECOND_FACTOR_AMR & set(provider_amr)) and not credential.totp_enabled
    amr = ["ext", *(["otp"] if provider_second_factor else [])]
    return await finish_login(session, identity, person, tenant, roles, credential, amr)


async def _first_login(
    session: Any,
    tenant: Tenant,
    provider: IdentityProvider,
    subject: str,
    email: str,
    verified: bool,
    claims: dict[str, Any],
) -> Person:
    """Link a first login to a member (by verified e-mail), or provision one just in time."""
    if not email or not verified or not _email_allowed(provider, email):
        log.warning("oidc.refused_email", tenant=tenant.slug, verified=verified, has_email=bool(email))
        raise OidcLoginFailed("Uw e-mailadres is niet bevestigd of hoort niet bij een toegestaan domein.")
    person = (await session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
    member = None
    if person is not None:
        member = (await session.execute(select(Membership).where(Membership.person_id == person.id))).scalar_one_or_none()
    if member is not None and member.active:
        # Only a first login ever is linked by e-mail. Someone who has logged in before (a
        # password, a TOTP, another provider, perhaps at another gemeente) keeps control of
        # their account: otherwise an admin elsewhere could add their address as a member and
        # have their own provider assert it, and so reach (and change) that account.
        if person.is_platform_operator or await session.get(Credential, person.id) is not None:
            log.warning("oidc.link_refused_existing_account", tenant=tenant.slug, person_id=str(person.id))
            raise OidcLoginFailed(
                "Dit e-mailadres hoort al bij een account. Log in met uw wachtwoord; via de inlogvoorziening "
                "koppelen kan alleen bij de allereerste inlog."
            )
        log.info("oidc.linked", tenant=tenant.slug, person_id=str(person.id))
        return person  # type: ignore[return-value]
    if not provider.jit_provisioning:
        log.warning("oidc.unknown_person", tenant=tenant.slug)
        raise OidcLoginFailed("U heeft (nog) geen toegang tot deze gemeente. Vraag de coalitieregisseur om een uitnodiging.")
    if member is not None:  # a former member does not come back by themselves
        raise OidcLoginFailed("Uw lidmaatschap van deze gemeente is beëindigd. Vraag de coalitieregisseur om een uitnodiging.")
    if person is None:
        person = Person(email=email)
        session.add(person)
        await session.flush()
    name = str(claims.get(provider.name_claim) or email)[:200]
    session.add(Membership(person_id=person.id, email=email, display_name=name, roles=[MEMBER]))
    await session.flush()
    log.info("oidc.provisioned", tenant=tenant.slug, person_id=str(person.id))
    return person
