"""Login with the gemeente's own identity provider: OpenID Connect authorization code flow
with PKCE (S256), state and nonce, through authlib's Starlette client. One registration per
tenant (its state lives under its own name in the signed login cookie, so a state started
at one gemeente is unknown at another).

    GET /t/{slug}/auth/oidc/login      -> redirect to the provider
    GET /t/{slug}/auth/oidc/callback   -> tokens (JSON), or the next login step (MFA)
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import httpx
import structlog
from authlib.common.errors import AuthlibBaseError
from authlib.deprecate import AuthlibDeprecationWarning  # installs authlib's own "always" filter first

with warnings.catch_warnings():
    # authlib announces its own move to the httpx2 package on import; nothing for us to do,
    # and it would greet every start of the server.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from joserfc.errors import JoseError

from core.errors import DomainError, NotFound
from core.identity.models import IdentityProvider
from core.identity.providers import OidcLoginFailed, login_with_claims, provider_of, secret_env_prefix
from core.models import Tenant
from core.platform import Platform
from core.tenancy import TenantContext
from gateway.auth_routes import NO_STORE

log = structlog.get_logger(__name__)

router = APIRouter(tags=["login"])


class OidcMisconfigured(DomainError):
    code = "OIDC_MISCONFIGURED"
    http_status = 503


class OidcClients:
    """authlib clients, one per tenant, re-registered when its configuration changes."""

    def __init__(self) -> None:
        self.oauth = OAuth()
        self._versions: dict[str, Any] = {}

    def client_for(self, tenant: Tenant, provider: IdentityProvider) -> Any:
        name = f"tenant_{tenant.id.hex}"
        version = (provider.updated_at, provider.client_id, provider.metadata_url, provider.scopes)
        if self._versions.get(name) != version:
            # Only the gemeente's own variable, whatever is stored (a row from before this rule).
            own = provider.client_secret_env.startswith(secret_env_prefix(tenant.code))
            secret = os.environ.get(provider.client_secret_env) if own else None
            if not secret:
                log.error("oidc.secret_missing", tenant=tenant.slug, variable=provider.client_secret_env)
                raise OidcMisconfigured("De inlogvoorziening van deze gemeente is niet compleet ingesteld.")
            self.oauth.register(
                name,
                overwrite=True,
                client_id=provider.client_id,
                client_secret=secret,
                server_metadata_url=provider.metadata_url,
                client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256"},
            )
            self._versions[name] = version
        return self.oauth.create_client(name)


async def _tenant_and_provider(platform: Platform, slug: str) -> tuple[Tenant, IdentityProvider]:
    async with platform.session(None) as lookup:
        tenant = await platform.active_tenant(lookup, slug)
    async with platform.session(TenantContext(tenant_id=tenant.id)) as session:
        provider = await provider_of(session)
    if provider is None or not provider.enabled:
        raise NotFound("Deze gemeente heeft geen eigen inlogvoorziening ingesteld.", code="OIDC_NOT_CONFIGURED")
    return tenant, provider


def _callback_url(platform: Platform, slug: str) -> str:
    return f"{platform.settings.issuer}/t/{slug}/auth/oidc/callback"


@router.get("/t/{slug}/auth/oidc/login", response_model=None)
async def oidc_login(slug: str, request: Request) -> Response:
    """Start a login at the gemeente's identity provider."""
    platform: Platform = request.app.state.platform
    tenant, provider = await _tenant_and_provider(platform, slug)
    client = request.app.state.oidc_clients.client_for(tenant, provider)
    try:
        response: RedirectResponse = await client.authorize_redirect(request, _callback_url(platform, slug))
    except (httpx.HTTPError, AuthlibBaseError) as exc:
        log.error("oidc.provider_unreachable", tenant=slug, error=str(exc))
        raise OidcMisconfigured("De inlogvoorziening van deze gemeente is niet bereikbaar.") from None
    return response


@router.get("/t/{slug}/auth/oidc/callback")
async def oidc_callback(slug: str, request: Request) -> JSONResponse:
    """The provider sends the browser back here with a one-time code."""
    platform: Platform = request.app.state.platform
    tenant, provider = await _tenant_and_provider(platform, slug)
    client = request.app.state.oidc_clients.client_for(tenant, provider)
    try:
        token = await client.authorize_access_token(request)
    except (AuthlibBaseError, JoseError, httpx.HTTPError, ValueError) as exc:
        log.warning("oidc.callback_refused", tenant=slug, error=type(exc).__name__, detail=str(exc)[:200])
        raise OidcLoginFailed("Inloggen via de gemeente is niet gelukt. Begin opnieuw.") from None
    claims = token.get("userinfo")
    if not claims:  # no validated ID token (no nonce was stored): never trust the login
        log.warning("oidc.no_id_token", tenant=slug)
        raise OidcLoginFailed("Inloggen via de gemeente is niet gelukt. Begin opnieuw.")
    async with platform.session(TenantContext(tenant_id=tenant.id)) as session:
        outcome = await login_with_claims(session, platform.identity, tenant, provider, dict(claims))
    return JSONResponse(outcome.as_response(), headers=NO_STORE)
