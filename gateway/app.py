"""The HTTP edge: `create_app()` composes the platform with its routes and middleware."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from core import migrate
from core.config import Settings, get_settings
from core.errors import DomainError
from core.platform import Platform
from core.runtime import ModuleSource
from core.validation import request_errors
from gateway.auth import challenge
from gateway.auth_routes import router as auth_router
from gateway.graphql_http import router as graphql_router
from gateway.oauth import PlatformAuthorizationServer, allow_plain_http_in_development
from gateway.oauth import router as oauth_router
from gateway.logging import AccessLogMiddleware, configure_logging
from gateway.oidc import OidcClients
from gateway.rate_limit import RateLimiter
from gateway.oidc import router as oidc_router

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, *, code: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def create_app(
    settings: Settings | None = None,
    *,
    extra_modules: Iterable[ModuleSource] = (),
    discover: bool = True,
    platform: Platform | None = None,
) -> FastAPI:
    """The ASGI app. Pass `platform` to reuse one (tests); it is then not disposed here."""
    owns_platform = platform is None
    if platform is None:
        settings = settings or get_settings()
        configure_logging(settings)
        platform = Platform.create(settings, extra_modules=extra_modules, discover=discover)
    settings = platform.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        unsafe = await platform.unsafe_database_role()
        if unsafe and not settings.debug:
            raise RuntimeError(f"Refusing to serve: {unsafe}. Run `kansrijk migrate`, which creates the app role.")
        if unsafe:
            log.warning("app.unsafe_database_role", reason=unsafe)  # tolerated in development (the demo)
        await platform.start()
        workers = [asyncio.create_task(platform.run_outbox_worker()), asyncio.create_task(platform.run_job_worker())]
        log.info("app.started", modules=sorted(platform.runtime.modules), failed=sorted(platform.runtime.failed))
        yield
        for worker in workers:
            worker.cancel()
        if owns_platform:
            await platform.dispose()

    app = FastAPI(
        title="Kansrijke Start platform",
        description="Samen tegen armoede in de eerste 1000 dagen: het platform van de lokale coalities.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if settings.debug else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.debug else None,
    )
    app.state.platform = platform
    # The OIDC login keeps its state, nonce and PKCE verifier in this signed cookie, briefly.
    app.add_middleware(
        SessionMiddleware,
        secret_key=hashlib.sha256(b"login-cookie:" + settings.secret_key.get_secret_value().encode()).hexdigest(),
        session_cookie="kansrijk_login",
        max_age=600,
        same_site="lax",
        https_only=not settings.debug,
    )
    app.add_middleware(AccessLogMiddleware)  # inner: runs with the request id set
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    app.state.authorization_server = PlatformAuthorizationServer(platform)
    app.state.oidc_clients = OidcClients()
    app.state.public_rate_limiter = RateLimiter(settings.public_rate_limit, settings.rate_limit_storage)
    app.state.login_rate_limiter = RateLimiter(settings.login_rate_limit, settings.rate_limit_storage, "login")
    allow_plain_http_in_development(platform)
    app.include_router(graphql_router)
    app.include_router(auth_router)
    app.include_router(oauth_router)
    app.include_router(oidc_router)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], response_model=None)
    async def ready() -> Any:
        """Readiness: the database answers and every migration branch is at its head."""
        try:
            async with platform.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            applied = await migrate.applied_heads(platform.engine)
        except Exception as exc:  # noqa: BLE001 - any database failure means not ready
            log.warning("ready.database_unreachable", error=str(exc))
            return problem(503, "Database niet bereikbaar", code="DATABASE_UNAVAILABLE")
        unknown = migrate.unknown_revisions(platform.runtime, applied)
        if unknown:
            return problem(
                503,
                "Onbekende migraties in de database",
                code="UNKNOWN_REVISIONS",
                detail="De database bevat migraties van een module die niet (meer) geladen is.",
                unknown=sorted(unknown),
            )
        pending = migrate.pending_revisions(platform.runtime, applied)
        if pending:
            return problem(
                503,
                "Migraties niet bijgewerkt",
                code="MIGRATIONS_PENDING",
                detail="Voer `kansrijk migrate` uit.",
                pending=sorted(pending),
            )
        return {"status": "ready", "migrations": sorted(applied)}

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        response = problem(exc.http_status, exc.message, code=exc.code, field=exc.field)
        response.headers.update(exc.headers)
        if exc.http_status == 401:  # a 401 always says how to authenticate (RFC 9110 section 15.5.2)
            response.headers.update(challenge(request, exc.code))
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Niet gevonden", 405: "Methode niet toegestaan"}
        return problem(exc.status_code, titles.get(exc.status_code, str(exc.detail)), code=f"HTTP_{exc.status_code}")

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = request_errors(exc.errors())
        return problem(422, "Ongeldig verzoek", code="VALIDATION_FAILED", detail=errors[0]["message"] if errors else None, errors=errors)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("http.internal_error", exc_info=exc)
        return problem(500, "Er ging iets mis aan onze kant.", code="INTERNAL_SERVER_ERROR")

    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory gateway.app:app_factory`."""
    return create_app()
