"""The `kansrijk` command line: serve, migrate, tenants, modules, users, schema export."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy import select

from core import migrate as migrations
from core.access import TENANT_ROLES
from pydantic import ValidationError

from core.config import Settings
from core.errors import DomainError
from core.models import DeliveryStatus, Person, TenantStatus
from core.platform import Platform
from core.runtime import ModuleRuntime, installed_module_sources, platform_module_sources
from core.services import coalition
from core.services import modules as module_service
from core.services import tenants as tenant_service
from gateway.cli_processing import audit_export
from gateway.cli_webhooks import webhooks_app

app = typer.Typer(help="Kansrijke Start platform: operate it from the command line.", no_args_is_help=True)
tenant_app = typer.Typer(help="Gemeenten (tenants).", no_args_is_help=True)
module_app = typer.Typer(help="Modules and their activation per gemeente.", no_args_is_help=True)
user_app = typer.Typer(help="People and their memberships.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(module_app, name="module")
app.add_typer(user_app, name="user")
client_app = typer.Typer(help="API clients (machines) and their credentials.", no_args_is_help=True)
keys_app = typer.Typer(help="The keys that sign access tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The processing log of personal data.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
audit_app.command("export")(audit_export)
app.add_typer(client_app, name="client")
app.add_typer(keys_app, name="keys")

CLI_ACTOR = "cli"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "schema.graphql"
T = TypeVar("T")


class State:
    strict: bool = False


def settings(**overrides: Any) -> Settings:
    """Settings from the environment; a configuration error ends the command clearly."""
    if State.strict:
        overrides.setdefault("strict_modules", True)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors():
            typer.secho(f"Configuration error: {error['msg']}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None


@app.callback()
def main(
    strict: Annotated[bool, typer.Option("--strict", help="Fail when an installed module cannot be loaded.")] = False,
) -> None:
    State.strict = strict
    from gateway.logging import configure_logging

    # Commands print their own results; only warnings and errors are logged.
    configure_logging(Settings(debug=True, log_json=False, log_level="WARNING"))


def run(action: Callable[[Platform], Awaitable[T]], *, config: Settings | None = None) -> T:
    """Run an async action against a platform; a domain error ends the command with its message."""

    async def runner() -> T:
        from gateway.logging import configure_logging

        effective = config or settings()
        configure_logging(effective.model_copy(update={"log_json": False, "log_level": "WARNING"}))
        platform = Platform.create(effective)
        try:
            return await action(platform)
        finally:
            await platform.dispose()

    try:
        return asyncio.run(runner())
    except DomainError as exc:
        where = f" [{exc.field}]" if exc.field else ""
        typer.secho(f"Error ({exc.code}){where}: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None


# -- serve and migrate ---------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Migrate, seed three demo gemeenten and run in development mode.")] = False,
    public_demo: Annotated[
        bool, typer.Option("--public-demo", help="Allow the demo (known passwords, debug mode) on a non-loopback address.")
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Server processes (PostgreSQL only; the periodic tasks then run in `kansrijk worker`).")
    ] = 1,
) -> None:
    """Run the web service (GraphQL at /t/<tenant slug>/graphql)."""
    import uvicorn

    from gateway.asgi import served_app
    from gateway.demo import describe, seed_demo

    if workers > 1:
        _serve_processes(host, port, workers, demo=demo)
        return
    if not demo:
        config = settings()
    else:
        if not _is_loopback(host) and not public_demo:
            typer.secho(
                f"Refusing to serve the demo on {host}: its passwords are public and it runs in debug mode. "
                "Use 127.0.0.1, or add --public-demo if you really mean it.",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(code=2)
        base_url = f"http://{host}:{port}"
        config = settings(debug=True, log_json=False, public_base_url=base_url)
        if config.jobs_in_process is None:  # one process, on SQLite or PostgreSQL: it runs the periodic tasks itself
            config = config.model_copy(update={"jobs_in_process": True})

        async def prepare(platform: Platform) -> str:
            await migrations.upgrade(platform.runtime, config.effective_migration_url, app_url=config.database_url)
            await platform.start()
            return describe(await seed_demo(platform), base_url)

        typer.echo(run(prepare, config=config))
    # proxy_headers off: the client address behind a proxy is resolved by the app (KANSRIJK_TRUSTED_PROXIES).
    app = served_app(config)  # as `gateway.asgi:app_factory` (several processes) does
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False)


def _serve_processes(host: str, port: int, workers: int, *, demo: bool) -> None:
    """`serve --workers N`: N uvicorn processes, each building the app from the environment
    (`gateway.asgi:app_factory`). Refused where it would break: the demo and the embedded
    SQLite database are for one process, and N servers each running the periodic tasks
    would run every task N times."""
    import os

    import uvicorn

    def refuse(message: str) -> None:
        typer.secho(message, fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)

    if demo:
        refuse("--workers works without --demo only: the demo runs in one process.")
    config = settings()
    if config.is_sqlite:
        refuse(
            "--workers needs PostgreSQL: the embedded SQLite database is for one process "
            "(one writer at a time, and the server runs the periodic tasks itself)."
        )
    if config.run_jobs_in_process:
        refuse(
            f"KANSRIJK_JOBS_IN_PROCESS=true with --workers {workers} would run every periodic task {workers} times: "
            "leave it unset (or false) and run `kansrijk worker`."
        )
    if State.strict:  # the processes read their settings from the environment
        os.environ["KANSRIJK_STRICT_MODULES"] = "true"
    from gateway.logging import configure_logging

    configure_logging(config)  # the supervisor's own lines, like the processes' (which configure themselves)
    # proxy_headers off: the client address behind a proxy is resolved by the app (KANSRIJK_TRUSTED_PROXIES).
    uvicorn.run(
        "gateway.asgi:app_factory",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Periodic tasks this worker runs at once.")] = 1,
) -> None:
    """Run the platform's periodic tasks (event delivery, sealing the processing log, the
    modules' jobs) with procrastinate on PostgreSQL: start any number, on any machine; each
    task runs once per period across all of them. Stops cleanly on Ctrl+C / SIGTERM."""
    from core.jobs import run_worker, worker_problem
    from gateway.logging import configure_logging

    config = settings()
    if config.is_sqlite:  # before touching the database: say at once why not
        typer.secho(
            "`kansrijk worker` runs on PostgreSQL only (DATABASE_URL=postgresql+asyncpg://…). "
            "On the embedded SQLite database `kansrijk serve` runs the periodic tasks itself: start no worker there.",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=2)
    configure_logging(config)

    async def main() -> str | None:
        platform = Platform.create(config)
        try:
            problem = await worker_problem(platform)
            if problem is None:
                await run_worker(platform, concurrency=concurrency)
            return problem
        finally:
            await platform.dispose()

    problem = asyncio.run(main())
    if problem is not None:
        typer.secho(problem, fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@app.command()
def migrate() -> None:
    """Upgrade the database (core and every module branch) to the latest revision."""

    async def action(platform: Platform) -> list[str]:
        try:
            await migrations.upgrade(
                platform.runtime, platform.settings.effective_migration_url, app_url=platform.settings.database_url
            )
        except migrations.UnknownRevisions as exc:
            raise DomainError(str(exc), code="UNKNOWN_REVISIONS") from None
        return sorted(migrations.script_heads(platform.runtime))

    heads = run(action)
    typer.echo(f"Database at: {', '.join(heads)}")


def own_platform() -> Platform:
    """The platform with its own modules only: the committed documents describe the platform,
    not whatever else this installation has. The SDL does not depend on the configuration;
    debug only spares the secret."""
    return Platform.create(settings(strict_modules=True, debug=True), discover=False, extra_modules=platform_module_sources())


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="File to write the tenant schema's SDL to.")] = SCHEMA_FILE,
) -> None:
    """Write the GraphQL schemas (SDL): the tenant schema to docs/schema.graphql (or --output)
    and the public one to docs/public-schema.graphql, and the roles and permissions table in
    docs/security.md."""
    from gateway.api_contract import SDL_FILES, schema_sdls
    from gateway.docs import SECURITY_DOC, render_security_doc

    platform = own_platform()
    sdls = schema_sdls(platform)
    output.write_text(sdls["tenant"], encoding="utf-8")
    typer.echo(f"Schema written to {output}")
    if output.resolve() == SCHEMA_FILE.resolve():
        SDL_FILES["public"].write_text(sdls["public"], encoding="utf-8")
        typer.echo(f"Public schema written to {SDL_FILES['public']}")
        if SECURITY_DOC.exists():
            SECURITY_DOC.write_text(render_security_doc(platform, SECURITY_DOC.read_text(encoding="utf-8")), encoding="utf-8")
            typer.echo(f"Permissions table written to {SECURITY_DOC}")


schema_app = typer.Typer(help="The API contract: breaking changes against the released schemas.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@schema_app.command("changes")
def schema_changes() -> None:
    """List the breaking changes against the released schemas that CHANGELOG.md does not
    list yet, as lines to paste under the version that makes them (exit 1 when any)."""
    from gateway.api_contract import CHANGELOG, unlisted_breaking_changes

    unlisted = unlisted_breaking_changes(own_platform(), CHANGELOG.read_text(encoding="utf-8"))
    for name, changes in unlisted.items():
        for change in changes:
            typer.echo(f"- `{name}` {change}")
    if unlisted:
        raise typer.Exit(1)
    typer.echo("No unlisted breaking changes.", err=True)


@schema_app.command("release")
def schema_release() -> None:
    """Mark the current schemas as released: later breaking changes are counted against them."""
    from gateway.api_contract import RELEASED_FILES, schema_sdls

    RELEASED_FILES["tenant"].parent.mkdir(parents=True, exist_ok=True)
    for name, sdl in schema_sdls(own_platform()).items():
        RELEASED_FILES[name].write_text(sdl, encoding="utf-8")
        typer.echo(f"Released {name} schema written to {RELEASED_FILES[name]}")


# -- tenants ---------------------------------------------------------------------------------------


@tenant_app.command("create")
def tenant_create(
    code: Annotated[str, typer.Argument(help="CBS gemeentecode, e.g. GM0344.")],
    name: Annotated[str | None, typer.Option(help="Name (default: from the CBS list).")] = None,
    slug: Annotated[str | None, typer.Option(help="Slug in the URL (default: from the name).")] = None,
    allow_unlisted: Annotated[
        bool, typer.Option("--allow-unlisted", help="Operator override: allow a code that is not in the CBS reference list.")
    ] = False,
) -> None:
    """Create a tenant for a gemeente."""

    async def action(platform: Platform) -> str:
        async with platform.session(None) as session:
            tenant = await tenant_service.create_tenant(
                session, code=code, name=name, slug=slug, allow_unlisted=allow_unlisted
            )
            await session.commit()
            return f"Created {tenant.code} {tenant.name}, slug '{tenant.slug}'"

    typer.echo(run(action))


@tenant_app.command("list")
def tenant_list() -> None:
    """List the tenants."""

    async def action(platform: Platform) -> list[Any]:
        async with platform.session(None) as session:
            return await tenant_service.list_tenants(session)

    for tenant in run(action):
        typer.echo(f"{tenant.code}  {tenant.slug:<24} {tenant.status:<10} {tenant.name}")


def _set_status(slug: str, status: TenantStatus) -> None:
    async def action(platform: Platform) -> str:
        async with platform.session(None) as session:
            tenant = await tenant_service.set_status(session, slug, status)
            await session.commit()
            return f"{tenant.name}: {tenant.status}"

    typer.echo(run(action))


@tenant_app.command("suspend")
def tenant_suspend(slug: str) -> None:
    """Suspend a tenant: every request gets a clear error; its data stays."""
    _set_status(slug, TenantStatus.SUSPENDED)


@tenant_app.command("resume")
def tenant_resume(slug: str) -> None:
    """Resume a suspended tenant."""
    _set_status(slug, TenantStatus.ACTIVE)


# -- modules ---------------------------------------------------------------------------------------

TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="Tenant slug.")]


@module_app.command("list")
def module_list(tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant slug.")] = None) -> None:
    """List the installed modules (and, with --tenant, whether they are enabled there)."""

    async def action(platform: Platform) -> list[str]:
        lines = [f"{key:<24} {module.version:<10} {module.meta.name}" for key, module in sorted(platform.runtime.modules.items())]
        lines += [f"{key:<24} NOT LOADED: {reason}" for key, reason in sorted(platform.runtime.failed.items())]
        if tenant is None:
            return lines
        async with platform.work_as_system(tenant, CLI_ACTOR) as work:
            states = await module_service.module_states(work)
        return [f"{'on' if state.enabled else 'off':<4} {line}" for state, line in zip(states, lines, strict=False)]

    for line in run(action):
        typer.echo(line)


@module_app.command("enable")
def module_enable(
    key: str,
    tenant: TenantOption,
    config: Annotated[
        str | None, typer.Option(help="Settings as a JSON object; on an enabled module only these change, the others stay.")
    ] = None,
) -> None:
    """Enable a module for a tenant, or change some of its settings when it is enabled."""
    try:
        parsed = json.loads(config) if config else None
    except json.JSONDecodeError as exc:
        typer.secho(f"Error: --config is not valid JSON ({exc.msg}).", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None

    async def action(platform: Platform) -> str:
        async with platform.work_as_system(tenant, CLI_ACTOR) as work:
            state = await module_service.enable_module(work, key, parsed)
            await work.commit()
            return f"{key} enabled for {work.tenant.name}; configuration: {json.dumps(state.config, ensure_ascii=False)}"

    typer.echo(run(action))


@module_app.command("disable")
def module_disable(key: str, tenant: TenantOption) -> None:
    """Disable a module for a tenant (its data stays)."""

    async def action(platform: Platform) -> str:
        async with platform.work_as_system(tenant, CLI_ACTOR) as work:
            await module_service.disable_module(work, key)
            await work.commit()
            return f"{key} disabled for {work.tenant.name}; its data is kept."

    typer.echo(run(action))


@module_app.command("revision")
def module_revision(
    key: str,
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision does, e.g. \"diaper packages\".")],
) -> None:
    """For module authors: write the next migration revision of an installed module's branch
    into its migrations folder, generated from its models (Alembic autogenerate against a
    scratch database; no database of yours is touched). Run it in the module's own project,
    where the module is installed editable; review the file before committing it."""
    import tempfile

    async def action(platform: Platform) -> Path | None:
        if key not in platform.runtime.modules:
            raise DomainError(f"Onbekende module '{key}' (niet geïnstalleerd of niet geladen).", code="UNKNOWN_MODULE", field="key")
        with tempfile.TemporaryDirectory(prefix="kansrijk-revision-") as scratch:
            try:
                return await migrations.draft_module_revision(platform.runtime, key, message, Path(scratch))
            except migrations.RevisionNotWritable as exc:
                raise DomainError(str(exc), code="REVISION_NOT_WRITABLE", field="key") from None

    # Nothing here reads a secret or serves a request: a module author runs it without production settings.
    written = run(action, config=settings(debug=True))
    if written is None:
        typer.echo(f"{key}: nothing to generate, its migrations already match its models.")
    else:
        typer.echo(f"{key}: wrote {written} (review it before you commit it).")


@module_app.command("purge")
def module_purge(
    key: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete all data of a module in every tenant: its tables (downgrades its migration
    branch), the history of its workflows, its events in the outbox, the event deliveries
    to it and of its events, and its activations."""

    async def check(platform: Platform) -> None:
        if key not in platform.runtime.modules:
            raise DomainError(f"Onbekende module '{key}'.", code="UNKNOWN_MODULE", field="key")
        dependents = [other for other, module in platform.runtime.modules.items() if key in module.meta.depends_on]
        dependents += migrations.dependents_of_branch(platform.runtime, key)
        if dependents:
            raise DomainError(
                f"{', '.join(dependents)} hangt af van {key}: verwijder die eerst.", code="MODULE_REQUIRED_BY_OTHERS", field="key"
            )

    run(check)
    if not yes:
        typer.confirm(
            f"This deletes all data of {key} in every tenant. Continue?", abort=True
        )

    async def action(platform: Platform) -> bool:
        purged = await migrations.purge_module(platform.runtime, platform.settings.effective_migration_url, key)
        async with platform.session(None) as session:
            slugs = [tenant.slug for tenant in await tenant_service.list_tenants(session)]
        for slug in slugs:
            async with platform.work_as_system(slug, CLI_ACTOR) as work:
                await module_service.forget_module(work, key)
                await work.commit()
        return purged

    purged = run(action)
    typer.echo(
        f"{key}: data, workflow history and events deleted, activations removed."
        if purged
        else f"{key} has no tables; workflow history, events and activations removed."
    )


# -- events ----------------------------------------------------------------------------------------

events_app = typer.Typer(help="Domain events: failed deliveries to a module, their retries and the dead letter.", no_args_is_help=True)
app.add_typer(events_app, name="events")
app.add_typer(webhooks_app, name="webhooks")


async def _event_tenants(platform: Platform, slug: str | None) -> list[tuple[str, Any]]:
    """(slug, id) of every tenant, or of the one with this slug."""
    async with platform.session(None) as session:
        tenants = [(row.slug, row.id) for row in await tenant_service.list_tenants(session) if slug is None or row.slug == slug]
    if slug is not None and not tenants:
        raise DomainError(f"Er is geen gemeente met de slug '{slug}'.", code="TENANT_NOT_FOUND")
    return tenants


def _delivery_line(slug: str, delivery: Any, event_type: str) -> str:
    when = f"{delivery.next_attempt_at:%Y-%m-%dT%H:%M:%SZ}" if delivery.next_attempt_at else "-"
    return (
        f"{slug}  {delivery.id}  event {delivery.event_id}  {event_type} -> {delivery.subscriber}  "
        f"{delivery.status}  attempts {delivery.attempts}  next {when}  {delivery.last_error or '-'}"
    )


@events_app.command("list")
def events_list(
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant (slug).")] = None,
    status: Annotated[DeliveryStatus | None, typer.Option("--status", help="Only deliveries with this status.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many lines.")] = 50,
) -> None:
    """List the event deliveries that failed at least once, most recently changed first.

    One line each: tenant, delivery id (for `events retry`), event id, event type -> subscriber, status, attempts,
    next attempt, last error."""
    from core.events import list_deliveries
    from core.tenancy import tenant_context

    async def action(platform: Platform) -> list[tuple[str, Any, str]]:
        rows: list[tuple[str, Any, str]] = []
        for slug, tenant_id in await _event_tenants(platform, tenant):
            with tenant_context(tenant_id):
                async with platform.session() as session:
                    rows += [(slug, delivery, event_type) for delivery, event_type in await list_deliveries(session, status=status, limit=limit)]
        rows.sort(key=lambda row: row[1].updated_at, reverse=True)
        return rows[:limit]

    rows = run(action)
    for slug, delivery, event_type in rows:
        typer.echo(_delivery_line(slug, delivery, event_type))
    if not rows:
        typer.echo("No event deliveries.")


@events_app.command("retry")
def events_retry(
    delivery_id: Annotated[str | None, typer.Argument(metavar="ID", help="The delivery's id (see `kansrijk events list`).")] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant (slug).")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Every dead delivery (of --tenant, or of every tenant).")] = False,
) -> None:
    """Retry a dead or retrying event delivery now (a dead one starts a new series of attempts).

    It is attempted at once when its module is enabled for the tenant; otherwise it waits until it is."""
    import uuid

    from sqlalchemy import select as select_rows

    from core.events import dead_deliveries, delivery_not_found, find_delivery, retry_due, revive
    from core.models import EventDelivery

    if (delivery_id is None) == (not all_dead):
        typer.secho("Give a delivery ID or --all-dead (not both).", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)

    async def action(platform: Platform) -> list[str]:
        wanted = None
        if delivery_id is not None:
            try:
                wanted = uuid.UUID(delivery_id)
            except ValueError:
                raise delivery_not_found(delivery_id) from None
        lines: list[str] = []
        for slug, _tenant_id in await _event_tenants(platform, tenant):
            async with platform.work_as_system(slug, CLI_ACTOR) as work:
                if wanted is None:
                    deliveries = await dead_deliveries(work.session)
                else:
                    found = await find_delivery(work.session, wanted)
                    deliveries = [found] if found is not None else []
                if not deliveries:
                    continue
                ids = await revive(work.session, deliveries)
                await work.session.commit()
                await retry_due(work.session, work.hooks, ids=ids, limit=len(ids))
                subscribers = {key for key, _call in work.hooks.domain_event_subscribers()}
                rows = (
                    await work.session.execute(
                        select_rows(EventDelivery).where(EventDelivery.id.in_(ids)).execution_options(populate_existing=True)
                    )
                ).scalars()
                for row in rows:
                    if row.status == "delivered":
                        outcome = f"delivered (attempt {row.attempts})"
                    elif row.subscriber not in subscribers:
                        outcome = f"waits: {row.subscriber} is not enabled for {slug}"
                    elif row.status == "dead":
                        outcome = f"failed again ({row.last_error}); dead"
                    else:
                        outcome = f"failed again ({row.last_error}); next attempt {row.next_attempt_at:%Y-%m-%dT%H:%M:%SZ}"
                    lines.append(f"{slug}  {row.id}: {outcome}")
                await work.session.rollback()
            if wanted is not None:
                break
        if wanted is not None and not lines:
            raise delivery_not_found(delivery_id)
        return lines

    lines = run(action)
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("No dead deliveries.")


# -- users -------------------------------------------------------------------------------------------


@user_app.command("add")
def user_add(
    email: str,
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant slug.")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", "-r", help=f"Role ({', '.join(TENANT_ROLES)}); repeatable.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    partner: Annotated[str | None, typer.Option(help="Name of the partner organisation.")] = None,
    operator: Annotated[bool, typer.Option("--operator", help="Make the person a platform operator.")] = False,
) -> None:
    """Add a person: as a member of a tenant (with roles) and/or as a platform operator."""
    if tenant is None and not operator:
        typer.secho("Error: give --tenant (with --role) or --operator.", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)

    async def action(platform: Platform) -> list[str]:
        messages = []
        normalized = email.strip().lower()
        if operator:
            async with platform.session(None) as session:
                person = (await session.execute(select(Person).where(Person.email == normalized))).scalar_one_or_none()
                if person is None:
                    person = Person(email=coalition.normalize_email(normalized))
                    session.add(person)
                person.is_platform_operator = True
                await session.commit()
            messages.append(f"{normalized} is a platform operator")
        if tenant is not None:
            async with platform.work_as_system(tenant, CLI_ACTOR) as work:
                partner_id = None
                if partner:
                    partner_id = await coalition.partner_id_by_name(work, partner)
                member = await coalition.create_member(
                    work,
                    {"email": normalized, "display_name": name or normalized, "roles": role or [], "partner_id": partner_id},
                )
                await work.commit()
                messages.append(f"{member.email} is a member of {work.tenant.name} with roles {', '.join(member.roles)}")
        return messages

    for message in run(action):
        typer.echo(message)



@user_app.command("set-password")
def user_set_password(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="The new password.")],
) -> None:
    """Set a person's password (the password policy applies)."""

    async def action(platform: Platform) -> str:
        from core.identity.login import set_password, unlock

        async with platform.session(None) as session:
            person = (await session.execute(select(Person).where(Person.email == email.strip().lower()))).scalar_one_or_none()
            if person is None:
                raise DomainError("Er is niemand met dit e-mailadres.", code="NOT_FOUND", field="email")
            await set_password(session, platform.identity, person, password)
            await unlock(session, person.email)
            await session.commit()
            return f"Password set for {person.email}"

    typer.echo(run(action))


@client_app.command("create")
def client_create(
    name: str,
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="A scope (permission) the client may hold; repeatable.")],
) -> None:
    """Register an API client; prints its id and secret (the secret is shown only now)."""

    async def action(platform: Platform) -> tuple[str, str]:
        from core.identity.clients import create_client

        async with platform.session(None) as session:
            created = await create_client(session, platform.permissions, name=name, allowed_scopes=scope)
            await session.commit()
            return created.client.client_id, created.secret

    client_id, secret = run(action)
    typer.echo(f"client_id:     {client_id}\nclient_secret: {secret}\n(store the secret now: it is not shown again)")


@client_app.command("list")
def client_list() -> None:
    """List the API clients."""

    async def action(platform: Platform) -> list[str]:
        from core.identity.models import ApiClient

        async with platform.session(None) as session:
            rows = (await session.execute(select(ApiClient).order_by(ApiClient.name))).scalars().all()
        return [
            f"{row.client_id:<28} {'active ' if row.active else 'revoked'} {row.name}  [{' '.join(row.allowed_scopes)}]"
            for row in rows
        ]

    for line in run(action):
        typer.echo(line)


@client_app.command("revoke")
def client_revoke(client_id: str) -> None:
    """Revoke an API client everywhere (its tokens stop working at once)."""

    async def action(platform: Platform) -> str:
        from core.identity.clients import revoke_client

        async with platform.session(None) as session:
            await revoke_client(session, client_id)
            await session.commit()
        return f"{client_id} revoked"

    typer.echo(run(action))


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Make a new signing key; the old one stays published until its tokens have expired."""

    async def action(platform: Platform) -> str:
        return await platform.identity.keys.rotate()

    typer.echo(f"New signing key: {run(action)}")


def _each_tenant_chain(tenant: str | None, read: Any) -> Any:
    """`read(slug, session)` for every tenant (or the one with slug `tenant`), in its own unit of work."""

    async def action(platform: Platform) -> list[tuple[str, Any]]:
        async with platform.session(None) as session:
            tenants = await tenant_service.list_tenants(session)
        results = []
        for row in tenants:
            if tenant is not None and row.slug != tenant:
                continue
            async with platform.work_as_system(row.slug, CLI_ACTOR) as work:
                results.append((row.slug, await read(row.slug, work.session, platform.settings.secret_key.get_secret_value())))
        if tenant is not None and not results:
            raise DomainError(f"Er is geen gemeente met de slug '{tenant}'.", code="TENANT_NOT_FOUND")
        return results

    return run(action)


def _read_anchors(path: Path) -> dict[str, Any]:
    from core.processing import Anchor

    anchors = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            typer.secho(f"{path}:{number}: expected '<slug> <seq> <hash>', as `kansrijk audit anchor` prints", fg=typer.colors.RED)
            raise typer.Exit(code=2)
        anchors[parts[0]] = Anchor(int(parts[1]), parts[2])
    return anchors


@audit_app.command("verify")
def audit_verify(
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant (slug).")] = None,
    anchors: Annotated[
        Path | None, typer.Option("--anchors", help="A file printed earlier by `kansrijk audit anchor`: each chain must still pass through it.")
    ] = None,
) -> None:
    """Check every tenant's hash chain of processing records; fails when one was changed or removed."""
    from core.processing import verify_chain

    expected = _read_anchors(anchors) if anchors is not None else {}
    reports = _each_tenant_chain(tenant, lambda slug, session, secret: verify_chain(session, secret, expected.get(slug)))
    broken = False
    for slug, report in reports:
        if report.intact:
            waiting = f", {report.unsealed} not sealed yet (since {report.oldest_unsealed:%Y-%m-%d %H:%M:%S} UTC)" if report.unsealed else ""
            typer.echo(f"{slug}: intact ({report.records} records{waiting})")
        else:
            broken = True
            typer.secho(f"{slug}: BROKEN at record {report.broken_at}: {report.reason}", fg=typer.colors.RED)
    for slug in sorted(set(expected) - {slug for slug, _ in reports}):
        if tenant is None:  # an anchored gemeente that is gone
            broken = True
            typer.secho(f"{slug}: BROKEN: the anchors name this gemeente, the database does not have it", fg=typer.colors.RED)
    if broken:
        raise typer.Exit(code=1)


@audit_app.command("seal")
def audit_seal() -> None:
    """Seal the processing records that were committed but not yet chained (the job engine
    and the server do this within seconds; this is for before a verification or a downgrade)."""

    async def action(platform: Platform) -> int:
        return await platform.seal_processing_logs()

    typer.echo(f"{run(action)} records sealed")


@audit_app.command("anchor")
def audit_anchor(tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant (slug).")] = None) -> None:
    """Print each tenant's chain head (slug, record number, hash). Keep the output outside the
    database (e.g. write-once storage); `kansrijk audit verify --anchors FILE` then shows that
    no record up to there was removed, not even by someone who owns the database."""
    from core.processing import chain_head

    async def head(_slug: str, session: Any, _secret: str) -> Any:
        return await chain_head(session)

    typer.echo(f"# kansrijk audit anchor, {dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%SZ}")
    for slug, anchor in _each_tenant_chain(tenant, head):
        typer.echo(f"{slug} {anchor.seq} {anchor.record_hash}")


jobs_app = typer.Typer(help="The modules' scheduled jobs (retention, deadlines, ...).", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("list")
def jobs_list() -> None:
    """The scheduled jobs of the installed modules."""

    async def action(platform: Platform) -> list[Any]:
        return [job for _key, job in platform.runtime.scheduled_jobs()]

    for job in run(action):
        where = "platform" if job.scope == "platform" else "per gemeente"
        typer.echo(f"{job.name:48} every {job.interval // 60:>5} min  {where:12}  {job.description}")


@jobs_app.command("run")
def jobs_run(
    job: Annotated[list[str] | None, typer.Option("--job", "-j", help="Only this job (repeatable).")] = None,
    now: Annotated[str | None, typer.Option("--now", help="Act as of this moment (ISO 8601, e.g. 2027-06-01T03:00:00+00:00).")] = None,
) -> None:
    """Run the scheduled jobs once (for cron): per-gemeente jobs in every gemeente that
    enabled their module, platform jobs once."""
    import datetime as dt

    moment = None
    if now is not None:
        try:
            moment = dt.datetime.fromisoformat(now)
        except ValueError:
            raise typer.BadParameter("give an ISO 8601 moment, e.g. 2027-06-01T03:00:00+00:00", param_hint="--now") from None
        if moment.tzinfo is None:
            raise typer.BadParameter("give the time zone, e.g. +00:00", param_hint="--now")

    async def action(platform: Platform) -> dict[str, int]:
        known = {item.name for _key, item in platform.runtime.scheduled_jobs()}
        unknown = sorted(set(job or ()) - known)
        if unknown:
            raise DomainError(f"Onbekende taak: {', '.join(unknown)}.", code="UNKNOWN_JOB")
        return await platform.run_scheduled_jobs(now=moment, names=job or None)

    for name, handled in run(action).items():
        typer.echo(f"{name}: {handled}")


# -- modules' own commands (the register_cli_commands hook) ----------------------------------


def add_module_commands(target: typer.Typer, runtime: ModuleRuntime) -> list[str]:
    """Add each loaded module's commands as `kansrijk <module key> ...`, and under its short
    `command` name when it has one that is free; the names added."""
    taken = {group.name for group in target.registered_groups} | {
        command.name or typer.main.get_command_name(command.callback.__name__) for command in target.registered_commands if command.callback
    }
    added = []
    for key, module in runtime.modules.items():
        commands = module.contributions.cli_commands
        if commands is None:
            continue
        if key in taken:
            typer.secho(f"Module {key}: its commands are not added, `kansrijk {key}` is taken.", fg=typer.colors.YELLOW, err=True)
            continue
        target.add_typer(commands, name=key, help=module.meta.name)
        added.append(key)
        taken.add(key)
        alias = module.meta.command
        if alias and alias != key:
            if alias in taken:
                typer.secho(f"Module {key}: `kansrijk {alias}` is taken, use `kansrijk {key}`.", fg=typer.colors.YELLOW, err=True)
                continue
            target.add_typer(commands, name=alias, help=f"{module.meta.name} (= kansrijk {key})")
            added.append(alias)
            taken.add(alias)
    return added


def command_line() -> typer.Typer:
    """The `kansrijk` command (run by gateway.command): the platform's commands plus those
    of the installed modules."""
    from gateway.logging import configure_logging

    # Loading the modules logs at info level: keep that out of the commands' output.
    configure_logging(Settings(debug=True, log_json=False, log_level="WARNING"))
    runtime = ModuleRuntime(strict="--strict" in sys.argv[1:2])
    runtime.load(installed_module_sources())
    add_module_commands(app, runtime)
    return app
