"""The platform of one app instance: settings, module runtime, database, permissions and
the GraphQL schema, built once at start-up. The gateway (HTTP) and the CLI both use it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from functools import partial
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import strawberry
import structlog
from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import make_transient_to_detached

from core import core_module, migrate
from core.access import PLATFORM_OPERATOR, PermissionRegistry, Principal
from core.db import utcnow
from core.identity.clients import active_grant, client_by_id
from core.identity.login import lacks_second_factor
from core.identity.models import ApiClient, AuthSession
from core.identity.service import Identity
from core.identity.tokens import AccessClaims
from core.config import Settings
from core.db import SerializedAsyncSession, begin_write, create_engine, make_sessionmaker, open_session
from core.errors import Forbidden, NotFound, TenantSuspended, Unauthenticated
from core.events import DELIVERY_POLICY_KEY, DeliveryPolicy, dispatch_pending, retry_due
from core.processing import SEAL_BATCH, ProcessingJournal, SealerBusy, Trace, seal
from core.graphql.builder import build_public_schema, build_schema
from core.graphql.context import RequestContext
from core.member_gemeenten import MemberGemeenten
from core.models import Membership, Person, Tenant, TenantStatus
from core.module_types import JobScope, ScheduledJob
from core.runtime import ModuleRuntime, ModuleSource, TenantHooks, installed_module_sources
from core.services import modules as module_service
from core.services.tenants import require_by_slug, tenant_info
from core.tenancy import TenantContext, system_context, tenant_context
from core.webhooks.delivery import deliver_due, forget_old_deliveries
from core.work import PlatformWork, Work

log = structlog.get_logger(__name__)


#: Seconds between the job engine's removals of old webhook deliveries from the delivery log.
WEBHOOK_CLEANUP_INTERVAL = 3600
#: Seconds between the job engine's sealing of every tenant's processing log: it seals what
#: a process that stopped left unsealed (a running process seals its own within seconds).
SEAL_BACKSTOP_INTERVAL = 60


@dataclass(frozen=True)
class PlatformTask:
    """A periodic task of the platform: `run()` does one round and returns how many things
    it handled; `interval` is in seconds."""

    name: str
    interval: int
    run: Callable[[], Awaitable[int]]
    #: Run by every server process itself (it handles what that process holds in memory),
    #: not once for the platform by the job engine.
    per_process: bool = False


@dataclass
class Platform:
    settings: Settings
    runtime: ModuleRuntime
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[SerializedAsyncSession]
    permissions: PermissionRegistry
    schema: strawberry.Schema
    public_schema: strawberry.Schema | None
    identity: Identity
    # (tenant id, modules_revision) -> enabled module keys; see Tenant.modules_revision.
    _enabled_cache: OrderedDict[tuple[uuid.UUID, int], frozenset[str]] = field(default_factory=OrderedDict)
    _tenants: OrderedDict[tuple[Any, ...], Tenant] = field(default_factory=OrderedDict)
    # slug -> tenant id: a tenant's slug and id never change, so a request can open its
    # tenant-bound session at once (the tenant row itself is read fresh in it).
    _tenant_ids: OrderedDict[str, uuid.UUID] = field(default_factory=OrderedDict)
    # Tenants whose committed processing records this process has yet to seal, and the
    # task that will (started on demand, ends when nothing is left).
    _unsealed: set[uuid.UUID] = field(default_factory=set)
    _sealer: asyncio.Task[None] | None = None

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        extra_modules: Iterable[ModuleSource] = (),
        discover: bool = True,
    ) -> Platform:
        runtime = ModuleRuntime(strict=settings.strict_modules)
        runtime.register_core(core_module)
        sources = list(installed_module_sources()) if discover else []
        runtime.load([*sources, *extra_modules])
        for key, problem in migrate.branch_problems(runtime).items():
            runtime.fail(key, f"migrations: {problem}")
        for key, problem in migrate.shape_problems(runtime).items():
            runtime.fail(key, f"models: {problem}")
        runtime.drop_unmet_dependencies()
        engine = create_engine(settings.database_url, limits=settings.database_limits)
        sessionmaker = make_sessionmaker(engine)
        # Every session knows how failed event deliveries are retried (core.events).
        sessionmaker.configure(info={DELIVERY_POLICY_KEY: DeliveryPolicy.from_settings(settings)})
        return cls(
            settings=settings,
            runtime=runtime,
            engine=engine,
            sessionmaker=sessionmaker,
            permissions=PermissionRegistry(runtime.permissions()),
            schema=build_schema(runtime, settings),
            public_schema=build_public_schema(runtime, settings),
            identity=Identity.create(settings, sessionmaker),
        )

    async def start(self) -> None:
        """Prepare what needs the database before serving: an active signing key."""
        await self.identity.keys.ensure_active()

    async def unsafe_database_role(self) -> str | None:
        """Why the app's PostgreSQL role would undo isolation (a superuser, BYPASSRLS, or the
        owner of the tables: row-level security and the processing log's append-only grants
        then do not hold), or None. SQLite has no roles."""
        if self.engine.dialect.name != "postgresql":
            return None
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT r.rolname, r.rolsuper, r.rolbypassrls,"
                        " (SELECT count(*) FROM pg_tables t WHERE t.tableowner = current_user AND t.schemaname = current_schema())"
                        " FROM pg_roles r WHERE r.rolname = current_user"
                    )
                )
            ).one()
        name, superuser, bypass, owned = row
        if superuser or bypass:
            return f"the app connects as {name}, which is a superuser or has BYPASSRLS"
        if owned:
            return f"the app connects as {name}, which owns {owned} tables (use DATABASE_URL for the app role, MIGRATION_DATABASE_URL for the owner)"
        return None

    async def active_tenants(self, why: str) -> list[Tenant]:
        """The active tenants, read in a system context (`why` says for what): platform
        tasks go through them one by one, each in its own tenant-bound session."""
        with system_context(why):
            async with self.session() as lookup:
                return list((await lookup.execute(select(Tenant).where(Tenant.status == TenantStatus.ACTIVE))).scalars())

    async def dispatch_pending_events(self, *, older_than: dt.timedelta = dt.timedelta(seconds=60)) -> int:
        """Retry the delivery of committed but undelivered events, tenant by tenant."""
        tenants = await self.active_tenants("outbox: retry undelivered events")
        delivered = 0
        for tenant in tenants:
            with tenant_context(tenant.id):
                async with self.session() as session:
                    delivered += await dispatch_pending(session, await self.hooks_for(session, tenant), older_than=older_than)
        return delivered

    async def retry_event_deliveries(self, *, now: dt.datetime | None = None, limit: int = 100) -> int:
        """Retry failed event deliveries that are due (as of `now`), tenant by tenant: only
        the subscriber that failed is called again, each delivery in its own transaction,
        claimed with FOR UPDATE SKIP LOCKED so that two workers never run the same one. A
        module the tenant no longer has enabled is not called; its deliveries wait. Returns
        how many deliveries were attempted."""
        tenants = await self.active_tenants("events: retry failed deliveries")
        attempted = 0
        for tenant in tenants:
            try:
                with tenant_context(tenant.id):
                    async with self.session() as session:
                        attempted += await retry_due(session, await self.hooks_for(session, tenant), now=now, limit=limit)
            except Exception:
                log.exception("event.retry_round_failed", tenant=tenant.slug)
        return attempted

    async def deliver_webhooks(self, *, now: dt.datetime | None = None, ids: Collection[uuid.UUID] | None = None) -> int:
        """Send the webhook deliveries that are due (as of `now`; only those `ids`, when
        given), tenant by tenant (`core.webhooks.delivery`). Returns how many attempts were made."""
        return await deliver_due(self, now=now, ids=ids)

    def periodic_tasks(self) -> list[PlatformTask]:
        """Everything the platform runs on a schedule, each once per interval across all
        processes: the job engine (`kansrijk worker` on PostgreSQL, the server process on
        the embedded SQLite default) runs these and nothing else."""
        tasks = [
            PlatformTask("outbox.dispatch", self.settings.outbox_interval, self.dispatch_pending_events),
            PlatformTask("events.retry", self.settings.event_retry_interval, self.retry_event_deliveries),
            PlatformTask("processing_log.seal", SEAL_BACKSTOP_INTERVAL, self.seal_processing_logs),
            PlatformTask("webhooks.deliver", self.settings.webhook_delivery_interval, self.deliver_webhooks),
            PlatformTask("webhooks.cleanup", WEBHOOK_CLEANUP_INTERVAL, partial(forget_old_deliveries, self)),
        ]
        for _module_key, job in self.runtime.scheduled_jobs():
            tasks.append(PlatformTask(f"job.{job.name}", job.interval, partial(self.run_scheduled_job, job.name), job.per_process))
        return [task for task in tasks if task.interval > 0]

    async def run_scheduled_job(self, name: str) -> int:
        """Run one module job in every tenant that enabled its module; how many things it handled."""
        return (await self.run_scheduled_jobs(names=[name])).get(name, 0)

    async def run_scheduled_jobs(self, *, now: dt.datetime | None = None, names: Collection[str] | None = None) -> dict[str, int]:
        """Run the modules' scheduled jobs (or those `names`) as of `now`, in every active
        tenant that enabled the job's module: one transaction per tenant and job, a failure
        logged and not stopping the others. Returns how many things each job handled."""
        now = now or utcnow()
        slugs = [tenant.slug for tenant in await self.active_tenants("jobs: the active tenants")]
        totals: dict[str, int] = {}
        for module_key, job in self.runtime.scheduled_jobs():
            if names is not None and job.name not in names:
                continue
            totals[job.name] = 0
            if job.scope == JobScope.PLATFORM:
                totals[job.name] = await self._run_platform_job(job, now)
                continue
            for slug in slugs:
                try:
                    async with self.work_as_system(slug, f"job:{job.name}", extra_permissions=job.permissions) as work:
                        if module_key not in work.enabled_modules:
                            continue
                        handled = await job.run(work, now)
                        await work.commit()
                except Exception:
                    log.exception("job.failed", job=job.name, tenant=slug)
                    continue
                totals[job.name] += handled
                if handled:
                    log.info("job.ran", job=job.name, tenant=slug, handled=handled)
        return totals

    async def _run_platform_job(self, job: ScheduledJob, now: dt.datetime) -> int:
        try:
            async with self.work_as_platform(f"job:{job.name}") as work:
                handled = await job.run(work, now)
                await work.commit()
        except Exception:
            log.exception("job.failed", job=job.name, tenant=None)
            return 0
        if handled:
            log.info("job.ran", job=job.name, handled=handled)
        return handled

    # -- sealing the processing log ---------------------------------------------------------

    def note_unsealed(self, tenant_id: uuid.UUID) -> None:
        """Records of this tenant were committed: seal them within `seal_interval` seconds."""
        self._unsealed.add(tenant_id)
        if self._sealer is None or self._sealer.done():
            self._sealer = asyncio.get_running_loop().create_task(self._seal_soon())

    async def _seal_soon(self) -> None:
        # A round after `seal_interval`; the next at once while some gemeente has more than
        # a batch waiting. Those stay noted in `_unsealed`, so a stop still seals them.
        more: list[uuid.UUID] = []
        while self._unsealed:
            if not more:
                await asyncio.sleep(self.settings.seal_interval)
            _sealed, more = await self._seal_round(list(self._take_unsealed()))
            self._unsealed.update(more)

    def _take_unsealed(self) -> set[uuid.UUID]:
        tenants, self._unsealed = self._unsealed, set()
        return tenants

    async def seal_processing_logs(self, tenant_ids: Collection[uuid.UUID] | None = None) -> int:
        """Seal the committed, unsealed processing records of these tenants (default: all).
        A tenant that fails (contention, no database) is logged and kept for the next round.
        Returns how many records were sealed."""
        if tenant_ids is None:
            with system_context("processing log: seal every tenant's records"):
                async with self.session() as lookup:
                    tenant_ids = list((await lookup.execute(select(Tenant.id))).scalars())
        sealed, pending = 0, list(tenant_ids)
        while pending:
            count, pending = await self._seal_round(pending)
            sealed += count
        return sealed

    async def _seal_round(self, tenant_ids: list[uuid.UUID]) -> tuple[int, list[uuid.UUID]]:
        """One batch (`SEAL_BATCH`) for each of these tenants in turn, so that a gemeente
        whose records keep coming never keeps the sealer from the others. Returns how many
        records were sealed and the tenants that may have more (a full batch)."""
        secret = self.settings.secret_key.get_secret_value()
        sealed, more = 0, []
        for tenant_id in tenant_ids:
            try:
                with tenant_context(tenant_id):
                    async with self.session() as session:
                        await begin_write(session, background=True)
                        count = await seal(session, secret)
                        await session.commit()
            except SealerBusy:
                self._unsealed.add(tenant_id)  # another process is sealing it; look again soon
            except Exception:
                log.exception("processing.seal_failed", tenant=str(tenant_id))
                self._unsealed.add(tenant_id)
            else:
                sealed += count
                if count == SEAL_BATCH:
                    more.append(tenant_id)
        return sealed, more

    async def dispose(self) -> None:
        if self._sealer is not None:
            self._sealer.cancel()
        if self._unsealed:  # a clean stop leaves nothing unsealed that it could seal
            try:
                await asyncio.wait_for(self.seal_processing_logs(self._take_unsealed()), timeout=5)
            except Exception:
                log.warning("processing.seal_at_stop_failed")
        await self.engine.dispose()

    # -- sessions ---------------------------------------------------------------------------

    def session(self, context: TenantContext | None = None) -> Any:
        """An async context manager yielding a session bound to `context` (default: current)."""
        return open_session(self.sessionmaker, context)

    async def enabled_modules(self, session: Any, tenant: Tenant) -> frozenset[str]:
        key = (tenant.id, tenant.modules_revision)
        enabled = self._enabled_cache.get(key)
        if enabled is None:
            enabled = frozenset(await module_service.enabled_module_keys(session))
            self._enabled_cache[key] = enabled
            if len(self._enabled_cache) > 4096:
                self._enabled_cache.popitem(last=False)
        return enabled

    async def hooks_for(self, session: Any, tenant: Tenant) -> TenantHooks:
        return self.runtime.hooks_for(await self.enabled_modules(session, tenant))

    # -- units of work ----------------------------------------------------------------------

    async def tenant_id_of(self, slug: str, *, fresh: bool = False) -> uuid.UUID:
        """The id of the tenant with this slug (`TENANT_NOT_FOUND` when there is none),
        from a cache unless `fresh`."""
        tenant_id = None if fresh else self._tenant_ids.get(slug)
        if tenant_id is None:
            self._tenant_ids.pop(slug, None)  # a slug that is gone keeps no entry
            async with self.session(None) as lookup:
                tenant_id = (await require_by_slug(lookup, slug)).id
            self._tenant_ids[slug] = tenant_id
            if len(self._tenant_ids) > 4096:
                self._tenant_ids.popitem(last=False)
        return tenant_id

    @asynccontextmanager
    async def tenant_session(self, slug: str) -> AsyncIterator[tuple[Any, Tenant]]:
        """A session bound to the tenant with this slug, with the tenant's row read fresh in
        it (the tenant must be active)."""
        async with self._tenant_session(slug, None) as (session, tenant, _caller):
            yield session, tenant

    @asynccontextmanager
    async def _tenant_session(self, slug: str, login_session_id: uuid.UUID | None) -> AsyncIterator[tuple[Any, Tenant, Any]]:
        """A session bound to the tenant with this slug, the tenant's row read fresh in it
        (the tenant must be active) and, given a login session, who is asking (see
        `_caller_principal`), in the same statement: one round trip decides who may do what. The id
        comes from the cache and is trusted only when the row it names carries this slug
        (slugs are unique); else it is looked up again, so a stale cache entry never decides
        anything."""
        for fresh in (False, True):
            tenant_id = await self.tenant_id_of(slug, fresh=fresh)
            with tenant_context(tenant_id):
                async with self.session() as session:
                    # On the session's connection, as core's own statement: the ORM's
                    # tenant scoping would cost as much as the rest of a small request; the
                    # membership is filtered by tenant here (and by row-level security).
                    connection = await session.connection()
                    if login_session_id is None:
                        row = (await connection.execute(_TENANT_ONLY, {"tenant_id": tenant_id})).first()
                    else:
                        row = (await connection.execute(_TENANT_AND_CALLER, {"tenant_id": tenant_id, "login_session_id": login_session_id})).first()
                    tenant = self._tenant_of(row) if row is not None else None
                    if tenant is not None and tenant.slug == slug:
                        yield session, self.check_active(tenant), row
                        return
        # Only when the gemeente's row went away between the lookup and the read.
        raise NotFound(f"Er is geen gemeente met de slug '{slug}'.", code="TENANT_NOT_FOUND")

    def _tenant_of(self, row: Any) -> Tenant:
        """The tenant of a row `_TENANT_AND_CALLER` read, as a detached `Tenant` (as if read
        and expunged: a rollback later in the request must not expire what the context
        holds), kept while its columns are unchanged."""
        values = tuple(row[:_TENANT_COLUMN_COUNT])
        tenant = self._tenants.get(values)
        if tenant is None:
            tenant = Tenant(**dict(zip(_TENANT_COLUMNS, values, strict=True)))
            make_transient_to_detached(tenant)
            self._tenants[values] = tenant
            if len(self._tenants) > 4096:
                self._tenants.popitem(last=False)
        return tenant

    @staticmethod
    async def active_tenant(session: Any, slug: str) -> Tenant:
        return Platform.check_active(await require_by_slug(session, slug))

    @staticmethod
    def check_active(tenant: Tenant) -> Tenant:
        if tenant.status == TenantStatus.SUSPENDED:
            raise TenantSuspended(
                f"De omgeving van {tenant.name} is tijdelijk opgeschort. De gegevens blijven bewaard; "
                "neem contact op met de platformbeheerder."
            )
        return tenant

    @asynccontextmanager
    async def work_as_system(self, tenant_slug: str, actor: str, *, extra_permissions: Collection[str] = ()) -> AsyncIterator[Work]:
        """A unit of work for operator tooling (CLI, demo, jobs) in one tenant, with every
        permission of a coalition admin and the platform operator (and a job's own)."""
        async with self.session(None) as lookup:
            tenant = await require_by_slug(lookup, tenant_slug)
        with tenant_context(tenant.id):
            async with self.session() as session:
                hooks = await self.hooks_for(session, tenant)
                roles = frozenset({"coalition_admin", PLATFORM_OPERATOR})
                principal = Principal(subject=actor, roles=roles, permissions=self.permissions.for_roles(roles) | frozenset(extra_permissions))
                yield Work(
                    session=session,
                    tenant=tenant_info(tenant),
                    principal=principal,
                    hooks=hooks,
                    runtime=self.runtime,
                    settings=self.settings,
                    registry=self.permissions,
                    on_records_committed=self.note_unsealed,
                )

    @asynccontextmanager
    async def work_as_platform(self, actor: str) -> AsyncIterator[PlatformWork]:
        """A unit of work outside any tenant (system context), for platform-scoped jobs and
        module commands: national reference data, never one tenant's data."""
        with system_context(f"platform work: {actor}"):
            async with self.session() as session:
                await begin_write(session)
                yield PlatformWork(session=session, runtime=self.runtime, settings=self.settings, actor=actor)

    @asynccontextmanager
    async def request_context(
        self,
        tenant_slug: str,
        claims: AccessClaims | None,
        *,
        request: Any = None,
        request_id: str | None = None,
        trace: Trace | None = None,
    ) -> AsyncIterator[RequestContext]:
        """The GraphQL context of one request: the tenant (which must exist and be active),
        the caller of a verified access token (a member, a platform operator or an API
        client granted by this tenant) and a session bound to the tenant. One session and
        transaction does it all: tenants, persons, login sessions and API clients are
        platform tables, readable in a tenant's session."""
        person_token = claims is not None and not claims.is_client
        async with self._tenant_session(tenant_slug, claims.session_id if person_token else None) as (session, tenant, caller):
            # An unknown or suspended gemeente says so first, with or without a token.
            if claims is None:
                raise Unauthenticated("Log in om deze gegevens te zien.")
            if claims.tenant_id is not None and claims.tenant_id != tenant.id:
                raise Forbidden("Dit token hoort bij een andere gemeente.", code="TENANT_MISMATCH")
            if claims.is_client:
                client = await client_by_id(session, claims.client_id)
                if client is None or not client.active or claims.tenant_id is None:
                    raise Unauthenticated("Dit token is niet (meer) geldig.")
                principal = await self._client_principal(session, client, claims)
            else:
                principal = self._caller_principal(caller, claims)
                # Roles and the tenant's policy are read now, the second factor was done at
                # login: a role that needs MFA (given since, or a policy turned on) needs it now.
                if lacks_second_factor(principal.roles, tenant, claims.raw.get("amr")):
                    raise Unauthenticated(
                        "Voor uw rol is inloggen met een tweede stap nodig. Log opnieuw in.", code="MFA_REQUIRED"
                    )
            context = await self.context_for(session, tenant, principal, request=request, request_id=request_id, trace=trace)
            if principal.person_id is not None:
                context.member_gemeenten = MemberGemeenten(self, principal.person_id, principal.subject, claims.raw.get("amr"), trace)
            yield context
            if context.journal.pending:  # what the queries read: logged after they ran
                await context.save_reads()

    @asynccontextmanager
    async def public_context(
        self, tenant_slug: str, *, request: Any = None, request_id: str | None = None, trace: Trace | None = None
    ) -> AsyncIterator[RequestContext]:
        """The context of an anonymous request to a tenant's public schema: no permissions
        (only fields declared public answer), a session bound to the tenant."""
        async with self.tenant_session(tenant_slug) as (session, tenant):
            anonymous = Principal(subject="anonymous")
            yield await self.context_for(session, tenant, anonymous, request=request, request_id=request_id, trace=trace)

    async def context_for(
        self, session: Any, tenant: Tenant, principal: Principal, *, request: Any, request_id: str | None, trace: Trace | None
    ) -> RequestContext:
        """The unit of work of one request of `principal` in `tenant` (a request with a token,
        an anonymous one, or a personal feed link's member)."""
        return RequestContext(
            session=session,
            tenant=tenant_info(tenant),
            principal=principal,
            hooks=await self.hooks_for(session, tenant),
            runtime=self.runtime,
            settings=self.settings,
            registry=self.permissions,
            journal=ProcessingJournal(trace=trace or Trace.from_header(None)),
            on_records_committed=self.note_unsealed,
            tenant_row=tenant,
            request=request,
            request_id=request_id,
        )

    async def person_of(self, session: Any, claims: AccessClaims) -> Person | None:
        """The person of a login session that is still live (logout ends it at once)."""
        row = (
            await session.execute(
                select(AuthSession, Person).outerjoin(Person, Person.id == AuthSession.person_id).where(AuthSession.id == claims.session_id)
            )
        ).first()
        auth_session, person = row if row is not None else (None, None)
        _require_live_login(
            auth_session.revoked_at if auth_session else None,
            auth_session.expires_at if auth_session else None,
            person.active if person else None,
            person.email if person else None,
            claims,
        )
        return person

    def _caller_principal(self, caller: Any, claims: AccessClaims) -> Principal:
        """The principal of a person's token from the row `_TENANT_AND_CALLER` read: the login
        session still live, the person active and the token's, and their membership here now.
        Read on every request, so a logout, a deactivation, a revoked membership or a role
        change takes effect at the caller's next request."""
        _require_live_login(caller.session_revoked_at, caller.session_expires_at, caller.person_active, caller.person_email, claims)
        principal = self._principal_of(
            caller.person_email,
            caller.person_id,
            caller.membership_id,
            caller.membership_partner_id,
            caller.membership_roles,
            operator=bool(caller.person_is_operator),
        )
        if not principal.roles:
            raise Forbidden("U bent geen lid van deze gemeente.", code="NOT_A_MEMBER")
        return principal

    def member_principal(self, subject: str, person_id: uuid.UUID, membership: Membership | None, *, operator: bool = False) -> Principal:
        """A person acting in the session's gemeente with the roles of their membership there
        now (and the operator's role), for a request, a feed link or another gemeente of theirs."""
        if membership is None:
            return self._principal_of(subject, person_id, None, None, (), operator=operator)
        return self._principal_of(subject, person_id, membership.id, membership.partner_id, membership.roles, operator=operator)

    def _principal_of(
        self,
        subject: str,
        person_id: uuid.UUID,
        membership_id: uuid.UUID | None,
        partner_id: uuid.UUID | None,
        membership_roles: Iterable[str] | None,
        *,
        operator: bool,
    ) -> Principal:
        roles = frozenset(membership_roles or ()) | ({PLATFORM_OPERATOR} if operator else set())
        return Principal(
            subject=subject,
            person_id=person_id,
            membership_id=membership_id,
            partner_id=partner_id,
            roles=roles,
            permissions=self.permissions.for_roles(roles),
        )

    async def _client_principal(self, session: Any, client: ApiClient, claims: AccessClaims) -> Principal:
        """An API client holds the token's scopes that its grant still allows."""
        grant = await active_grant(session, client)
        if grant is None:
            raise Forbidden("Deze API-client heeft geen toegang (meer) tot deze gemeente.", code="NOT_GRANTED")
        scopes = claims.scopes & set(grant.scopes) & set(client.allowed_scopes)
        permissions = frozenset(scope for scope in scopes if self.permissions.is_declared(scope))
        return Principal(subject=client.client_id, client_id=client.client_id, permissions=permissions)


def _require_live_login(
    revoked_at: dt.datetime | None, expires_at: dt.datetime | None, person_active: bool | None, person_email: str | None, claims: AccessClaims
) -> None:
    """A person's token stands only on a login session that has not ended (logout ends it at
    once) and on an active person who is still the token's subject."""
    if expires_at is None or revoked_at is not None or expires_at <= utcnow():
        raise Unauthenticated("Deze sessie is beëindigd. Log opnieuw in.")
    if not person_active or person_email != claims.subject:
        raise Unauthenticated("Dit token is niet (meer) geldig.")


_TENANT_COLUMNS = tuple(column.key for column in Tenant.__table__.columns)  # type: ignore[attr-defined]
_TENANT_COLUMN_COUNT = len(_TENANT_COLUMNS)


def _tenant_and_caller_statement(with_caller: bool) -> Any:
    """The tenant's row and, with the caller, a login session's state, its person and the
    person's active membership of this tenant: one statement, on the tables (see
    `Platform._tenant_session`), built once (its parameters are bound per request)."""
    tenants = Tenant.__table__  # type: ignore[attr-defined]
    if not with_caller:
        return select(*tenants.columns).where(tenants.c.id == bindparam("tenant_id"))
    sessions, persons, memberships = AuthSession.__table__, Person.__table__, Membership.__table__  # type: ignore[attr-defined]
    return (
        select(
            *tenants.columns,
            sessions.c.revoked_at.label("session_revoked_at"),
            sessions.c.expires_at.label("session_expires_at"),
            persons.c.id.label("person_id"),
            persons.c.email.label("person_email"),
            persons.c.active.label("person_active"),
            persons.c.is_platform_operator.label("person_is_operator"),
            memberships.c.id.label("membership_id"),
            memberships.c.roles.label("membership_roles"),
            memberships.c.partner_id.label("membership_partner_id"),
        )
        .select_from(tenants)
        .outerjoin(sessions, sessions.c.id == bindparam("login_session_id"))
        .outerjoin(persons, persons.c.id == sessions.c.person_id)
        .outerjoin(
            memberships,
            (memberships.c.person_id == persons.c.id) & memberships.c.active.is_(True) & (memberships.c.tenant_id == tenants.c.id),
        )
        .where(tenants.c.id == bindparam("tenant_id"))
    )


_TENANT_ONLY = _tenant_and_caller_statement(with_caller=False)
_TENANT_AND_CALLER = _tenant_and_caller_statement(with_caller=True)
