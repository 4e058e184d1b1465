"""The HTTP edge: `create_app()` composes the platform with its routes and middleware."""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from core import migrate
from core.config import Settings, get_settings
from core.db import database_problem
from core.errors import DatabaseUnavailable, DomainError
from core.jobs import run_in_process
from core.platform import Platform
from core.runtime import ModuleSource
from core.validation import request_errors
from gateway.api_contract import ApiVersionHeader
from gateway.api_contract import router as api_contract_router
from gateway.problems import domain_problem, problem
from gateway.auth_routes import router as auth_router
from gateway.downloads import router as downloads_router
from gateway.step_links import router as step_links_router
from gateway.graphql_http import router as graphql_router
from gateway.oauth import PlatformAuthorizationServer, allow_plain_http_in_development
from gateway.oauth import router as oauth_router
from gateway.logging import AccessLogMiddleware, configure_logging
from gateway.observability import FASTAPI_OPTIONS, ObservabilityMiddleware
from gateway.observability import router as observability_router
from gateway.oidc import OidcClients
from gateway.rate_limit import RateLimiter
from gateway.oidc import router as oidc_router

log = structlog.get_logger(__name__)

# -- start-up: serve only once what needs the database is prepared ---------------------------

#: Seconds between attempts to prepare the server while the database cannot be used.
PREPARE_RETRY_SECONDS = 3.0
#: What preparing meets while the database cannot be used (yet): unreachable, no such
#: database or role, not migrated. Anything else is a bug and fails start-up.
DATABASE_ERRORS = (OSError, TimeoutError, SQLAlchemyError)
#: Always answered: they say themselves whether the server can serve.
#: Answered before the database is ready: they do not need it (the schemas are built at start).
UNGATED_PATHS = frozenset({"/health", "/ready", "/metrics", "/api/schema.graphql", "/api/public-schema.graphql"})
GRAPHQL_PATH = re.compile(r"^/t/[^/]+/(public/)?graphql/?$")


class UnsafeDatabaseRole(RuntimeError):
    """The app's database role would undo tenant isolation (outside debug)."""


class Readiness:
    """Whether the server has prepared what needs the database (the role check, an active
    signing key). `open` until the lifespan runs (tests drive the app without one); when
    the first attempt cannot use the database, `unavailable` (requests get 503) until a
    retry succeeds (`ready`); a role found unsafe outside debug makes it `refused` for good."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.state = "open"
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[Any]] = []

    @property
    def serving(self) -> bool:
        return self.state in ("open", "ready")

    async def prepare(self) -> None:
        """Prepare once; raises UnsafeDatabaseRole (outside debug) or a database error."""
        settings = self.platform.settings
        async with self._lock:
            if self.state in ("ready", "refused"):
                return
            unsafe = await self.platform.unsafe_database_role()
            if unsafe and not settings.debug:
                self.state = "refused"
                raise UnsafeDatabaseRole(f"Refusing to serve: {unsafe}. Run `kansrijk migrate`, which creates the app role.")
            if unsafe:
                log.warning("app.unsafe_database_role", reason=unsafe)  # tolerated in development (the demo)
            await self.platform.start()
            self.state = "ready"
        # Workers run the periodic tasks on PostgreSQL; what each process holds in memory is
        # still written by that process. A fresh context: not the request's when /ready prepared.
        in_process = run_in_process(self.platform, per_process_only=not settings.run_jobs_in_process)
        self._tasks.append(asyncio.create_task(in_process, context=contextvars.Context()))

    async def start(self) -> None:
        """The lifespan's start: prepare, or keep trying in the background while the
        database cannot be used. An unsafe role found now fails start-up."""
        try:
            await self.prepare()
        except DATABASE_ERRORS as exc:
            self.state = "unavailable"
            log.warning("app.database_unavailable", error=f"{type(exc).__name__}: {exc}", retry_seconds=PREPARE_RETRY_SECONDS)
            self._tasks.append(asyncio.create_task(self._keep_trying()))

    async def _keep_trying(self) -> None:
        while self.state == "unavailable":
            await asyncio.sleep(PREPARE_RETRY_SECONDS)
            try:
                await self.prepare()
            except UnsafeDatabaseRole as exc:
                log.error("app.refusing_to_serve", reason=str(exc))
                return
            except DATABASE_ERRORS as exc:
                log.warning("app.database_still_unavailable", error=f"{type(exc).__name__}: {exc}")
            except Exception:  # noqa: BLE001 - logged; the next attempt may succeed
                log.exception("app.prepare_failed")
        if self.state == "ready":
            log.info("app.ready")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def refusal(self, path: str) -> JSONResponse:
        """The 503 answer while not serving: GraphQL-shaped on the GraphQL endpoints."""
        if self.state == "refused":
            code, message = "UNSAFE_DATABASE_ROLE", "De server weigert te werken: de databaserol is onveilig. Zie het log."
            headers: dict[str, str] = {}
        else:
            unavailable = DatabaseUnavailable()
            code, message, headers = unavailable.code, unavailable.message, dict(unavailable.headers)
        if GRAPHQL_PATH.match(path):
            return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=503, headers=headers)
        response = problem(503, message, code=code)
        response.headers.update(headers)
        return response


class ReadinessGate:
    """Answers 503 to every request but /health and /ready while the server is not ready."""

    def __init__(self, app: Any, readiness: Readiness) -> None:
        self.app = app
        self.readiness = readiness

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.readiness.serving or scope["path"] in UNGATED_PATHS:
            await self.app(scope, receive, send)
            return
        await self.readiness.refusal(scope["path"])(scope, receive, send)


#: Where the OIDC login runs: the only paths that read or set its cookie.
OIDC_LOGIN_PATH = re.compile(r"^/t/[^/]+/auth/oidc/")


class LoginCookie:
    """Starlette's signed-cookie session (`SessionMiddleware`, with these options), for the
    OIDC login's paths only: no other request reads or sets that cookie, so the rest (every
    API request) skips its parsing and signing."""

    def __init__(self, app: Any, **options: Any) -> None:
        self.app = app
        self.with_cookie = SessionMiddleware(app, **options)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and OIDC_LOGIN_PATH.match(scope["path"]):
            await self.with_cookie(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    extra_modules: Iterable[ModuleSource] = (),
    discover: bool = True,
    platform: Platform | None = None,
) -> FastAPI:
    """The ASGI app. Pass `platform` to reuse one (tests); it is then not disposed here. A
    server process serves it through gateway.asgi, which builds it with the garbage
    collector paused."""
    owns_platform = platform is None
    if platform is None:
        settings = settings or get_settings()
        configure_logging(settings)
        platform = Platform.create(settings, extra_modules=extra_modules, discover=discover)
    settings = platform.settings
    readiness = Readiness(platform)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await readiness.start()
        log.info(
            "app.started",
            modules=sorted(platform.runtime.modules),
            failed=sorted(platform.runtime.failed),
            ready=readiness.state == "ready",
            periodic_tasks="in this process" if settings.run_jobs_in_process else "in `kansrijk worker`",
        )
        try:
            yield
        finally:
            await readiness.stop()
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
        **FASTAPI_OPTIONS,
    )
    app.state.platform = platform
    app.state.readiness = readiness
    app.add_middleware(ReadinessGate, readiness=readiness)  # innermost: logged, with a request id
    # The OIDC login keeps its state, nonce and PKCE verifier in this signed cookie, briefly.
    app.add_middleware(
        LoginCookie,
        secret_key=hashlib.sha256(b"login-cookie:" + settings.secret_key.get_secret_value().encode()).hexdigest(),
        session_cookie="kansrijk_login",
        max_age=600,
        same_site="lax",
        https_only=not settings.debug,
    )
    app.add_middleware(AccessLogMiddleware)  # inner: runs with the request id set
    app.add_middleware(ObservabilityMiddleware)  # a trace span and metrics of every request
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    app.add_middleware(ApiVersionHeader)  # outermost: every answer, refusals included
    app.state.authorization_server = PlatformAuthorizationServer(platform)
    app.state.oidc_clients = OidcClients()
    app.state.public_rate_limiter = RateLimiter(settings.public_rate_limit, settings.rate_limit_storage)
    app.state.login_rate_limiter = RateLimiter(settings.login_rate_limit, settings.rate_limit_storage, "login")
    allow_plain_http_in_development(platform)
    app.include_router(graphql_router)
    app.include_router(downloads_router)
    app.include_router(step_links_router)
    app.include_router(auth_router)
    app.include_router(oauth_router)
    app.include_router(oidc_router)
    app.include_router(observability_router)
    app.include_router(api_contract_router)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], response_model=None)
    async def ready() -> Any:
        """Readiness: the database answers, every migration branch is at its head and the
        server has prepared what needs the database."""
        if readiness.state == "refused":
            return readiness.refusal("/ready")
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
        if not readiness.serving:  # the database is back: prepare now rather than at the next retry
            try:
                await readiness.prepare()
            except UnsafeDatabaseRole as exc:
                log.error("app.refusing_to_serve", reason=str(exc))
                return readiness.refusal("/ready")
            except DATABASE_ERRORS as exc:
                log.warning("ready.prepare_failed", error=f"{type(exc).__name__}: {exc}")
                return readiness.refusal("/ready")
        return {"status": "ready", "migrations": sorted(applied)}

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Niet gevonden", 405: "Methode niet toegestaan"}
        return problem(exc.status_code, titles.get(exc.status_code, str(exc.detail)), code=f"HTTP_{exc.status_code}")

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = request_errors(exc.errors())
        return problem(422, "Ongeldig verzoek", code="VALIDATION_FAILED", detail=errors[0]["message"] if errors else None, errors=errors)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        busy = database_problem(exc)
        if busy is not None:  # contention, a timeout or no database: try again, not a bug
            log.warning("http.database_problem", code=busy.code, error=type(exc).__name__)
            return await domain_error(request, busy)
        log.error("http.internal_error", exc_info=exc)
        return problem(500, "Er ging iets mis aan onze kant.", code="INTERNAL_SERVER_ERROR")

    return app
