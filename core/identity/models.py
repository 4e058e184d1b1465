"""Tables of identity and access.

Platform tables (no tenant: they are read before a tenant context exists, or span
tenants): signing keys, credentials, MFA recovery codes, login throttles, login sessions and
their refresh tokens, API clients. Tenant-scoped: client grants, invitations, the tenant's
identity provider and the external identities linked through it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import JSONType, TenantScopedModel, UTCDateTime, tenant_foreign_key, utcnow


class SigningKey(SQLModel, table=True):
    """An asymmetric key that signs access tokens. One is active; retired keys stay
    published in the JWKS until the last token they signed has expired."""

    __tablename__ = "signing_keys"

    kid: str = Field(sa_column=Column(String(64), primary_key=True))
    algorithm: str = Field(sa_column=Column(String(16), nullable=False))
    private_key: str = Field(sa_column=Column(String(4000), nullable=False))  # Fernet-encrypted PEM
    public_jwk: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    retired_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Credential(SQLModel, table=True):
    """A person's local account: password hash and TOTP second factor."""

    __tablename__ = "credentials"

    person_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    )
    password_hash: str | None = Field(default=None, sa_column=Column(String(200)))
    password_changed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    totp_secret: str | None = Field(default=None, sa_column=Column(String(500)))  # Fernet-encrypted
    totp_enabled: bool = Field(default=False, nullable=False)
    totp_last_step: int | None = Field(default=None)  # the last accepted time step: no code twice
    last_login_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "mfa_recovery_codes"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="persons.id", nullable=False, ondelete="CASCADE", index=True)
    code_hash: str = Field(sa_column=Column(String(200), nullable=False))
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per e-mail address (hashed), whether or not an account exists, so the
    delay and the lock reveal nothing about which addresses have accounts."""

    __tablename__ = "login_throttles"

    key: str = Field(sa_column=Column(String(64), primary_key=True))
    failures: int = Field(default=0, nullable=False)
    last_failure_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    """One login: the family of rotating refresh tokens. Revoking it ends the login (logout,
    reuse of a rotated refresh token, a revoked membership)."""

    __tablename__ = "auth_sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="persons.id", nullable=False, ondelete="CASCADE", index=True)
    tenant_id: uuid.UUID | None = Field(default=None, foreign_key="tenants.id", ondelete="CASCADE")
    client_id: str = Field(sa_column=Column(String(100), nullable=False))
    amr: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, sa_column=Column(String(100)))


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_tokens"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    session_id: uuid.UUID = Field(foreign_key="auth_sessions.id", nullable=False, ondelete="CASCADE", index=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    rotated_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiClient(SQLModel, table=True):
    """A machine client (municipal IT, a third party). Which tenants it may act for, and with
    which scopes, each tenant decides through a grant."""

    __tablename__ = "api_clients"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    secret_hash: str = Field(sa_column=Column(String(64), nullable=False))
    allowed_scopes: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    active: bool = Field(default=True, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ClientGrant(TenantScopedModel, table=True):
    """A tenant's permission for an API client to act for it, with its own scopes."""

    __tablename__ = "client_grants"
    __table_args__ = (UniqueConstraint("tenant_id", "api_client_id"),)

    api_client_id: uuid.UUID = Field(foreign_key="api_clients.id", nullable=False, ondelete="CASCADE")
    scopes: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    granted_by: str = Field(sa_column=Column(String(320), nullable=False))
    granted_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Invitation(TenantScopedModel, table=True):
    """A coalition admin's invitation of a person to a role: a one-time, expiring token."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        tenant_foreign_key("partner_id", "partners"),
    )

    email: str = Field(sa_column=Column(String(320), nullable=False))
    display_name: str = Field(sa_column=Column(String(200), nullable=False))
    roles: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    partner_id: uuid.UUID | None = Field(default=None)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False))
    invited_by: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    accepted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdentityProvider(TenantScopedModel, table=True):
    """The gemeente's own OpenID Connect identity provider (one registration per tenant).
    The client secret is not stored: `client_secret_env` names the environment variable
    that holds it."""

    __tablename__ = "identity_providers"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    issuer: str = Field(sa_column=Column(String(500), nullable=False))
    metadata_url: str = Field(sa_column=Column(String(500), nullable=False))
    client_id: str = Field(sa_column=Column(String(200), nullable=False))
    client_secret_env: str = Field(sa_column=Column(String(100), nullable=False))
    scopes: str = Field(default="openid email profile", sa_column=Column(String(200), nullable=False))
    email_claim: str = Field(default="email", sa_column=Column(String(100), nullable=False))
    name_claim: str = Field(default="name", sa_column=Column(String(100), nullable=False))
    allowed_email_domains: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    jit_provisioning: bool = Field(default=False, nullable=False)
    enabled: bool = Field(default=True, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ExternalIdentity(TenantScopedModel, table=True):
    """A person as known to the tenant's identity provider: (tenant, issuer, subject)."""

    __tablename__ = "external_identities"
    __table_args__ = (
        UniqueConstraint("tenant_id", "issuer", "subject"),
        Index("ix_external_identities_person", "tenant_id", "person_id"),
    )

    issuer: str = Field(sa_column=Column(String(500), nullable=False))
    subject: str = Field(sa_column=Column(String(255), nullable=False))
    person_id: uuid.UUID = Field(foreign_key="persons.id", nullable=False, ondelete="CASCADE")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_login_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


IDENTITY_MODELS: list[type[SQLModel]] = [
    SigningKey,
    Credential,
    RecoveryCode,
    LoginThrottle,
    AuthSession,
    RefreshToken,
    ApiClient,
    ClientGrant,
    Invitation,
    IdentityProvider,
    ExternalIdentity,
]
