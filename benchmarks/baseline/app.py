"""The baseline of benchmarks/run.py: a plain FastAPI app on the platform's database that
does what the platform's requests do, by hand and nothing more: the same access-token
verification (ES256, the same claims), the same reads of who is asking, the same SQL for
the data, and the same JSON answer. No middleware, no ORM entities, no GraphQL.

    KANSRIJK_DATABASE_URL=... uvicorn --factory benchmarks.baseline.app:create_app

It reads the public signing keys from the database at start-up, as a resource server
would fetch a JWKS once."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from benchmarks.baseline import queries
from core.config import Settings

ALGORITHM = "ES256"
LEEWAY_SECONDS = 30


class Verifier:
    """Access-token verification as the platform does it: header checks, the key by kid,
    signature, the registered claims, not issued in the future."""

    def __init__(self, settings: Settings, keys: dict[str, Any]) -> None:
        self.keys = keys
        self.registry = JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.token_audience},
            exp={"essential": True},
            iat={"essential": True},
            nbf={"essential": True},
            sub={"essential": True},
            jti={"essential": True},
        )

    def claims(self, request: Request) -> dict[str, Any]:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            raise HTTPException(401)
        token = authorization[7:]
        try:
            header = json.loads(_b64(token.split(".", 1)[0]))
            if header.get("alg") != ALGORITHM or header.get("typ") != "at+jwt" or header.get("kid") not in self.keys:
                raise HTTPException(401)
            decoded = jwt.decode(token, self.keys[header["kid"]], algorithms=[ALGORITHM])
            self.registry.validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise HTTPException(401) from exc
        if decoded.claims["iat"] > time.time() + LEEWAY_SECONDS:
            raise HTTPException(401)
        return decoded.claims


def _b64(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json(data: Any) -> Response:
    return Response(json.dumps({"data": data}, separators=(",", ":"), ensure_ascii=False), media_type="application/json")


def create_app() -> FastAPI:
    settings = Settings()
    engine = create_async_engine(
        settings.database_url,
        **({} if settings.is_sqlite else {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}),
    )
    postgres = not settings.is_sqlite
    secret = settings.secret_key.get_secret_value()
    if not postgres:

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # The platform's settings of each SQLite connection (core/db.py), for the requests
            # that write (the processing log): a commit in WAL mode without a sync of its own,
            # the foreign keys checked, a wait for the write lock instead of an error.
            cursor = dbapi_connection.cursor()
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT kid, public_jwk FROM signing_keys WHERE retired_at IS NULL"))).all()
        state["verifier"] = Verifier(settings, {kid: ECKey.import_key(jwk if isinstance(jwk, dict) else json.loads(jwk)) for kid, jwk in rows})
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @asynccontextmanager
    async def as_member(request: Request, slug: str) -> AsyncIterator[tuple[AsyncConnection, uuid.UUID, Any]]:
        """The platform's reads of who is asking: the tenant (active), the live login
        session with its person and the membership (its roles and organisation), in one
        transaction bound to the tenant."""
        # The claims stay on the request: the subject is the processing log's actor.
        claims = request.state.claims = state["verifier"].claims(request)
        async with engine.connect() as connection:
            tenant = (await connection.execute(queries.TENANT, {"slug": slug})).first()
            if tenant is None or tenant.status != "active" or claims.get("tenant") != _hex(tenant.id, postgres):
                raise HTTPException(403)
            if postgres:
                await connection.execute(text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant.id)})
            who = (await connection.execute(queries.WHO, {"session": _id(claims["sid"], postgres), "tenant": tenant.id})).first()
            if who is None or who.revoked_at is not None or not who.active or who.membership_id is None:
                raise HTTPException(401)
            yield connection, tenant.id, who

    @app.post("/t/{slug}/trivial")
    async def trivial(request: Request, slug: str) -> Response:
        """The same token verification and one query."""
        state["verifier"].claims(request)
        async with engine.connect() as connection:
            name = (await connection.execute(queries.TENANT_NAME, {"slug": slug})).scalar_one()
        return _json({"tenant": {"name": name}})

    @app.post("/t/{slug}/regelingen")
    async def regelingen(request: Request, slug: str) -> Response:
        async with as_member(request, slug) as (connection, tenant_id, _who):
            return _json(await queries.regelingen(connection, tenant_id))

    @app.post("/t/{slug}/partners")
    async def partners(request: Request, slug: str) -> Response:
        async with as_member(request, slug) as (connection, tenant_id, _who):
            return _json(await queries.partners(connection, tenant_id))

    @app.post("/t/{slug}/figures")
    async def figures(request: Request, slug: str) -> Response:
        async with as_member(request, slug) as (connection, tenant_id, _who):
            return _json(await queries.figures(connection, tenant_id))

    @app.post("/t/{slug}/families")
    async def families(request: Request, slug: str) -> Response:
        """A page of families with their nested data, as the member's organisation sees
        them, and the processing log's records of the read."""
        async with as_member(request, slug) as (connection, tenant_id, who):
            try:
                data = await queries.families(connection, tenant_id, who, request.state.claims["sub"], secret)
            except PermissionError as exc:
                raise HTTPException(403) from exc
            return _json(data)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _id(value: str, postgres: bool) -> Any:
    """An id as the driver binds it (PostgreSQL: uuid; SQLite: the 32 hex digits the platform stores)."""
    return uuid.UUID(value) if postgres else uuid.UUID(value).hex


def _hex(value: Any, postgres: bool) -> str:
    return str(value if postgres else uuid.UUID(value))
