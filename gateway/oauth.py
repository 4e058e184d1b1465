"""The OAuth2 token endpoint (authlib's authorization server) and the published metadata.

`POST /oauth/token` serves two grants:

* `client_credentials` for API clients (machines), authenticated with their secret
  (HTTP Basic or form), for one tenant (`tenant=<slug>`, required), with `scope` a subset
  of that tenant's grant (default: all of it). A scope beyond the grant answers
  `invalid_scope`; a tenant that did not grant the client answers `invalid_target`.
* `refresh_token` for people (the public first-party client `kansrijk-app`): rotates the
  refresh token; a reused (already rotated) one revokes the whole login.

authlib's server is synchronous: it runs in a worker thread and reaches the async database
through `anyio.from_thread`.
"""

from __future__ import annotations

import os
from typing import Any

import anyio
import structlog
from anyio import from_thread
from authlib.oauth2 import AuthorizationServer, OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from core.identity import clients as client_service
from core.identity.models import ApiClient
from core.identity.sessions import FIRST_PARTY_CLIENT, RefreshRefused, TokenPair
from core.identity.refresh import refresh_login
from core.models import TenantStatus
from core.platform import Platform
from core.services.tenants import get_by_slug
from core.tenancy import TenantContext
from core.validation import has_unsafe_characters

log = structlog.get_logger(__name__)

router = APIRouter(tags=["oauth"])


class InvalidTargetError(OAuth2Error):
    """RFC 8707: the requested resource (here: the tenant) is not available to the client."""

    error = "invalid_target"


class FormRequest(OAuth2Request):
    """An OAuth2 request from a form-encoded body (what the token endpoint receives)."""

    def __init__(self, uri: str, headers: Any, form: dict[str, str]) -> None:
        super().__init__("POST", uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @property
    def args(self) -> dict[str, str]:
        return {}


class ApiClientAdapter(ClientMixin):
    def __init__(self, client: ApiClient, secret_ok: Any) -> None:
        self.client = client
        self._secret_ok = secret_ok

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self.client.active and self._secret_ok(self.client, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class FirstPartyClient(ClientMixin):
    """The platform's own (public) app: it only refreshes people's logins."""

    def get_client_id(self) -> str:
        return FIRST_PARTY_CLIENT

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method == "none"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "refresh_token"


class TenantClientCredentialsGrant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    def validate_requested_scope(self) -> None:
        """Checked against the tenant's grant when the token is issued."""

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        platform: Platform = self.server.platform
        slug = (self.request.payload.data.get("tenant") or "").strip()
        if not slug:
            raise InvalidRequestError("Missing 'tenant': the slug of the gemeente the token is for.")
        scope = self.request.payload.scope
        adapter: ApiClientAdapter = self.request.client
        try:
            pair = from_thread.run(_issue_client_token, platform, adapter.client, slug, scope.split() if scope else None)
        except client_service.ScopeRefused:
            log.warning("oauth.invalid_scope", client_id=adapter.client.client_id, tenant=slug, scope=scope)
            raise InvalidScopeError("The requested scope exceeds what this gemeente granted.") from None
        except client_service.TargetRefused:
            log.warning("oauth.invalid_target", client_id=adapter.client.client_id, tenant=slug)
            raise InvalidTargetError("This gemeente has not granted access to this client.") from None
        return 200, pair.as_response(), self.TOKEN_RESPONSE_HEADER


class RotatingRefreshTokenGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError()
        if not self.request.payload.data.get("refresh_token"):
            raise InvalidRequestError("Missing 'refresh_token'.")
        self.request.client = client

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        platform: Platform = self.server.platform
        try:
            pair = from_thread.run(_refresh, platform, self.request.payload.data["refresh_token"])
        except RefreshRefused as exc:
            log.warning("oauth.refresh_refused", reason=exc.reason)
            raise InvalidGrantError() from None
        return 200, pair.as_response(), self.TOKEN_RESPONSE_HEADER


async def _issue_client_token(platform: Platform, client: ApiClient, slug: str, scopes: list[str] | None) -> TokenPair:
    async with platform.session(None) as lookup:
        tenant = await get_by_slug(lookup, slug)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        raise client_service.TargetRefused()
    async with platform.session(TenantContext(tenant_id=tenant.id)) as session:
        fresh = await client_service.client_by_id(session, client.client_id)
        assert fresh is not None
        return await client_service.issue_client_token(session, platform.identity, fresh, tenant, scopes)


async def _refresh(platform: Platform, presented: str) -> TokenPair:
    return await refresh_login(platform, presented)


class PlatformAuthorizationServer(AuthorizationServer):
    def __init__(self, platform: Platform) -> None:
        super().__init__()
        self.platform = platform
        self.register_grant(TenantClientCredentialsGrant)
        self.register_grant(RotatingRefreshTokenGrant)

    def query_client(self, client_id: str) -> ClientMixin | None:
        if client_id == FIRST_PARTY_CLIENT:
            return FirstPartyClient()
        client = from_thread.run(_load_client, self.platform, client_id)
        return ApiClientAdapter(client, client_service.secret_matches) if client is not None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Access tokens are self-contained JWTs; refresh tokens are stored by the grant."""

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: Any) -> Any:
        # RFC 6749 section 3.2: the token endpoint takes form-encoded requests only.
        raise InvalidRequestError("Use application/x-www-form-urlencoded at the token endpoint.")

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        if name == "after_authenticate_client":
            client = kwargs.get("client")
            log.debug("oauth.client_authenticated", client_id=client.get_client_id() if client else None)


async def _load_client(platform: Platform, client_id: str) -> ApiClient | None:
    if has_unsafe_characters(client_id):  # e.g. NUL from HTTP Basic: no client has it, PostgreSQL refuses it
        return None
    async with platform.session(None) as session:
        return await client_service.client_by_id(session, client_id)


def _uri(platform: Platform) -> str:
    return f"{platform.settings.issuer}/oauth/token"


@router.post("/oauth/token")
async def token(request: Request) -> JSONResponse:
    """OAuth2 token endpoint (client_credentials, refresh_token); form-encoded."""
    platform: Platform = request.app.state.platform
    server: PlatformAuthorizationServer = request.app.state.authorization_server
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return JSONResponse(
            {"error": "invalid_request", "error_description": "Use application/x-www-form-urlencoded."},
            status_code=400,
        )
    form = await request.form()
    # NUL (which PostgreSQL refuses) or a lone surrogate in any field: refused before a lookup.
    if any(has_unsafe_characters(str(key)) or has_unsafe_characters(str(value)) for key, value in form.multi_items()):
        return JSONResponse(
            {"error": "invalid_request", "error_description": "A form field holds a character that is not allowed."},
            status_code=400,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )
    oauth_request = FormRequest(_uri(platform), request.headers, {key: str(value) for key, value in form.items()})
    status, body, headers = await anyio.to_thread.run_sync(server.create_token_response, oauth_request)
    if status != 200:
        log.warning("oauth.token_refused", error=body.get("error"), grant_type=form.get("grant_type"))
    return JSONResponse(body, status_code=status, headers={**dict(headers), "Cache-Control": "no-store", "Pragma": "no-cache"})


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify the platform's access tokens."""
    platform: Platform = request.app.state.platform
    return JSONResponse(await platform.identity.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/oauth-authorization-server")
async def metadata(request: Request) -> JSONResponse:
    """Authorization server metadata (RFC 8414)."""
    platform: Platform = request.app.state.platform
    issuer = platform.settings.issuer
    return JSONResponse(
        {
            "issuer": issuer,
            "token_endpoint": f"{issuer}/oauth/token",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "grant_types_supported": ["client_credentials", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
            "scopes_supported": sorted(name for name, permission in platform.permissions.permissions.items() if permission.for_clients),
            "response_types_supported": ["none"],
            "service_documentation": f"{issuer}/docs",
        }
    )


def allow_plain_http_in_development(platform: Platform) -> None:
    """authlib refuses http:// endpoints unless told otherwise; only in debug."""
    if platform.settings.debug and platform.settings.issuer.startswith("http://"):
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
