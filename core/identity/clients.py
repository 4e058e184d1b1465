"""API clients (machines): OAuth2 client credentials, granted per tenant with scopes.

The platform operator registers a client (a municipal data warehouse, a foundation's
system) with the scopes it may ever hold; the secret is shown once and stored hashed. A
tenant's coalition admin then grants the client access to that tenant with a subset of
those scopes; one client may be granted by many tenants, each with its own scopes. A
token is always for one tenant, and a scope beyond the grant is refused (`invalid_scope`).
Scopes are permission names (`module.resource.action`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select

from core.access import PermissionRegistry
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.identity.crypto import new_token, same_hash, token_hash
from core.identity.models import ApiClient, ClientGrant
from core.identity.service import Identity
from core.identity.sessions import TokenPair
from core.models import Tenant
from core.work import Work

log = structlog.get_logger(__name__)


class ScopeRefused(Exception):
    """A requested scope beyond the client's grant (`invalid_scope`)."""


class TargetRefused(Exception):
    """No active grant of the tenant for this client (`invalid_target`)."""


def _check_scopes(scopes: Iterable[str], registry: PermissionRegistry, *, field: str) -> list[str]:
    cleaned = sorted(set(scopes))
    unknown = [scope for scope in cleaned if not registry.is_declared(scope)]
    if unknown:
        raise ValidationFailed(f"Onbekende scope(s): {', '.join(unknown)}.", field=field)
    personal = [scope for scope in cleaned if not registry.permissions[scope].for_clients]
    if personal:
        raise ValidationFailed(
            f"Een API-client kan deze scope(s) niet gebruiken: {', '.join(personal)}. Deze gegevens zijn alleen "
            "zichtbaar voor medewerkers van de partnerorganisatie waarmee het gezin te maken heeft; een client hoort "
            "bij geen organisatie.",
            field=field,
            code="INVALID_SCOPE",
        )
    return cleaned


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    secret: str


async def create_client(
    session: Any,
    registry: PermissionRegistry,
    *,
    name: str,
    allowed_scopes: Iterable[str],
    client_id: str | None = None,
    secret: str | None = None,
) -> NewClient:
    """Register a client. The id and secret are generated unless given (the demo fixes
    them so that its printed example keeps working)."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Geef de client een naam (hoogstens 200 tekens).", field="name")
    scopes = _check_scopes(allowed_scopes, registry, field="scopes")
    secret = secret or new_token(32)
    client_id = client_id or f"kc_{secrets.token_hex(8)}"
    if await client_by_id(session, client_id) is not None:
        raise Conflict(f"Er bestaat al een client '{client_id}'.", field="clientId")
    client = ApiClient(client_id=client_id, name=name, secret_hash=token_hash(secret), allowed_scopes=scopes)
    session.add(client)
    await session.flush()
    log.info("api_client.created", client_id=client.client_id, scopes=scopes)
    return NewClient(client, secret)


async def client_by_id(session: Any, client_id: str) -> ApiClient | None:
    return (await session.execute(select(ApiClient).where(ApiClient.client_id == client_id))).scalar_one_or_none()


def secret_matches(client: ApiClient, secret: str) -> bool:
    return same_hash(secret or "", client.secret_hash)


async def revoke_client(session: Any, client_id: str) -> ApiClient:
    client = await client_by_id(session, client_id)
    if client is None:
        raise NotFound("Deze API-client bestaat niet.", field="clientId")
    client.active = False
    client.revoked_at = utcnow()
    await session.flush()
    log.info("api_client.revoked", client_id=client_id)
    return client


async def grant_client(work: Work, registry: PermissionRegistry, client_id: str, scopes: Iterable[str]) -> tuple[ClientGrant, ApiClient]:
    """The tenant admin lets a client act for this tenant with these scopes."""
    client = await client_by_id(work.session, (client_id or "").strip())
    if client is None or not client.active:
        raise NotFound("Deze API-client bestaat niet of is ingetrokken.", field="input.clientId")
    wanted = _check_scopes(scopes, registry, field="input.scopes")
    if not wanted:
        raise ValidationFailed("Geef minstens één scope op.", field="input.scopes")
    beyond = [scope for scope in wanted if scope not in client.allowed_scopes]
    if beyond:
        raise ValidationFailed(
            f"Deze client mag deze scope(s) niet krijgen: {', '.join(beyond)}.", field="input.scopes", code="INVALID_SCOPE"
        )
    grant = (
        await work.session.execute(select(ClientGrant).where(ClientGrant.api_client_id == client.id))
    ).scalar_one_or_none()
    if grant is None:
        grant = ClientGrant(api_client_id=client.id, granted_by=work.actor)
        work.session.add(grant)
    grant.scopes = wanted
    grant.granted_by = work.actor
    grant.granted_at = utcnow()
    grant.revoked_at = None
    await work.session.flush()
    return grant, client


async def revoke_grant(work: Work, client_id: str) -> tuple[ClientGrant, ApiClient]:
    client = await client_by_id(work.session, (client_id or "").strip())
    grant = None
    if client is not None:
        grant = (
            await work.session.execute(select(ClientGrant).where(ClientGrant.api_client_id == client.id))
        ).scalar_one_or_none()
    if grant is None or client is None:
        raise NotFound("Deze API-client heeft geen toegang tot deze gemeente.", field="input.clientId")
    if grant.revoked_at is None:
        grant.revoked_at = utcnow()
    await work.session.flush()
    return grant, client


async def grants(work: Work) -> list[tuple[ClientGrant, ApiClient]]:
    rows = await work.session.execute(
        select(ClientGrant, ApiClient).join(ApiClient, ApiClient.id == ClientGrant.api_client_id).order_by(ApiClient.name)
    )
    return [(grant, client) for grant, client in rows.all()]


async def active_grant(session: Any, client: ApiClient) -> ClientGrant | None:
    """The active grant of the session's tenant for this client."""
    return (
        await session.execute(
            select(ClientGrant).where(ClientGrant.api_client_id == client.id, ClientGrant.revoked_at.is_(None))
        )
    ).scalar_one_or_none()


async def issue_client_token(
    session: Any, identity: Identity, client: ApiClient, tenant: Tenant, requested: Iterable[str] | None
) -> TokenPair:
    """A token for one tenant with the requested scopes (default: all granted ones)."""
    grant = await active_grant(session, client)
    if grant is None or not client.active:
        raise TargetRefused()
    requested_scopes = sorted(set(requested or ()))
    if any(scope not in grant.scopes for scope in requested_scopes):
        raise ScopeRefused()
    scopes = requested_scopes or sorted(grant.scopes)
    now = utcnow()
    client.last_used_at = now
    grant.last_used_at = now
    access, expires_in = await identity.tokens.issue_access_token(
        subject=client.client_id,
        client_id=client.client_id,
        tenant_id=tenant.id,
        tenant_slug=tenant.slug,
        roles=[],
        scopes=scopes,
        session_id=None,
        amr=[],
    )
    await session.commit()
    log.info("api_client.token_issued", client_id=client.client_id, tenant=tenant.slug, scopes=scopes)
    return TokenPair(access, expires_in, None, " ".join(scopes))
