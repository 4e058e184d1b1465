"""`kansrijk webhooks ...`: the operator's commands for a gemeente's webhook subscriptions
(the same rules as the coalition admin's GraphQL mutations; docs/webhooks.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from core.webhooks.models import WebhookDeliveryStatus

webhooks_app = typer.Typer(help="Signed webhooks: subscriptions of a gemeente's systems, the delivery log, replays.", no_args_is_help=True)

TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="Tenant slug.")]
WEBHOOKS_DOC = Path(__file__).resolve().parent.parent / "docs" / "webhooks.md"


def _run(action: Any) -> Any:
    from gateway.cli import run  # the command line's runner (imported late: gateway.cli adds this group)

    return run(action)


def _in_tenant(tenant: str, action: Any, *, commit: bool = False) -> Any:
    """Run `action(work)` in a unit of work of the gemeente as the operator (committed, when
    `commit`); its result."""
    from gateway.cli import CLI_ACTOR

    async def run_in(platform: Any) -> Any:
        async with platform.work_as_system(tenant, CLI_ACTOR) as work:
            result = await action(work)
            if commit:
                await work.commit()
            return result

    return _run(run_in)


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%dT%H:%M:%SZ}" if value is not None else "-"


def _subscription_line(row: Any) -> str:
    paused = f" ({row.pause_reason})" if row.pause_reason else ""
    return (
        f"{row.id}  {row.status}{paused}  {row.url}  [{', '.join(row.event_types)}]  "
        f"failures {row.consecutive_failures}  {row.description or '-'}"
    )


def _delivery_line(row: Any) -> str:
    return (
        f"{row.id}  {row.message_id}  {row.event_type}  {row.status}  attempts {row.attempts}  "
        f"next {_when(row.next_attempt_at)}  last {row.last_status_code or '-'} {row.last_error or ''}".rstrip()
    )


@webhooks_app.command("list")
def webhooks_list(tenant: TenantOption) -> None:
    """List the gemeente's subscriptions: id, status, URL, event types, failures since the last success, description."""
    from sqlalchemy import select

    from core.webhooks.models import WebhookSubscription

    async def action(work: Any) -> list[str]:
        rows = (await work.session.execute(select(WebhookSubscription).order_by(WebhookSubscription.created_at))).scalars()
        return [_subscription_line(row) for row in rows]

    lines = _in_tenant(tenant, action)
    typer.echo("\n".join(lines) if lines else "No webhook subscriptions.")


@webhooks_app.command("subscribe")
def webhooks_subscribe(
    url: str,
    tenant: TenantOption,
    event: Annotated[list[str], typer.Option("--event", "-e", help="An event type (repeat for more; see `kansrijk webhooks event-types`).")],
    description: Annotated[str, typer.Option(help="What the receiving system is.")] = "",
) -> None:
    """Subscribe a URL to event types of the gemeente. Prints the secret: the only time it is shown."""
    from core.webhooks import service

    async def action(work: Any) -> tuple[Any, str]:
        return await service.create_subscription(work, url=url, event_types=event, description=description)

    row, secret = _in_tenant(tenant, action, commit=True)
    typer.echo(f"Subscribed {row.id} ({row.url}) to {', '.join(row.event_types)}.")
    typer.echo(f"Secret (shown once; give it to the receiving system): {secret}")


@webhooks_app.command("unsubscribe")
def webhooks_unsubscribe(subscription_id: Annotated[str, typer.Argument(metavar="ID")], tenant: TenantOption) -> None:
    """Delete a subscription and its delivery log."""
    from core.webhooks import service

    row = _in_tenant(tenant, lambda work: service.delete_subscription(work, subscription_id), commit=True)
    typer.echo(f"Deleted {row.id} ({row.url}).")


@webhooks_app.command("pause")
def webhooks_pause(subscription_id: Annotated[str, typer.Argument(metavar="ID")], tenant: TenantOption) -> None:
    """Stop sending to a subscription (what waits is kept)."""
    _change(subscription_id, tenant, "pause_subscription")


@webhooks_app.command("resume")
def webhooks_resume(subscription_id: Annotated[str, typer.Argument(metavar="ID")], tenant: TenantOption) -> None:
    """Send again to a paused subscription (what waited is due at once)."""
    _change(subscription_id, tenant, "resume_subscription")


def _change(subscription_id: str, tenant: str, name: str) -> None:
    from core.webhooks import service

    typer.echo(_subscription_line(_in_tenant(tenant, lambda work: getattr(service, name)(work, subscription_id), commit=True)))


@webhooks_app.command("rotate")
def webhooks_rotate(
    subscription_id: Annotated[str, typer.Argument(metavar="ID")],
    tenant: TenantOption,
    grace_hours: Annotated[int | None, typer.Option(help="Hours the previous secret keeps signing too (default 24; 0: not at all).")] = None,
    finish: Annotated[bool, typer.Option("--finish", help="End a running rotation: only the newest secret signs.")] = False,
) -> None:
    """Make a new secret (printed once); the previous one keeps signing during the grace period."""
    from core.webhooks import service

    async def action(work: Any) -> tuple[Any, str | None]:
        if finish:
            return await service.finish_rotation(work, subscription_id), None
        return await service.rotate_secret(work, subscription_id, grace_hours=grace_hours)

    row, secret = _in_tenant(tenant, action, commit=True)
    if secret is None:
        typer.echo(f"Rotation of {row.id} finished: only the newest secret signs.")
        return
    until = f"until {_when(row.previous_secret_expires_at)}" if row.previous_secret else "no longer"
    typer.echo(f"New secret of {row.id} (shown once): {secret}")
    typer.echo(f"The previous secret signs too {until}.")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    tenant: TenantOption,
    subscription: Annotated[str | None, typer.Option("--subscription", "-s", help="Only this subscription's deliveries.")] = None,
    status: Annotated[WebhookDeliveryStatus | None, typer.Option("--status", help="Only deliveries with this status.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many lines.")] = 50,
) -> None:
    """The delivery log, newest first: id, webhook-id, event type, status, attempts, next attempt, last answer."""
    from core.webhooks import service
    from core.webhooks.models import WebhookDelivery

    async def action(work: Any) -> list[str]:
        wanted = (await service.get_subscription(work, subscription, field="subscription")).id if subscription else None
        statement = service.deliveries_statement(wanted, status.value if status else None)
        rows = (await work.session.execute(statement.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit))).scalars()
        return [_delivery_line(row) for row in rows]

    lines = _in_tenant(tenant, action)
    typer.echo("\n".join(lines) if lines else "No webhook deliveries.")


@webhooks_app.command("replay")
def webhooks_replay(delivery_id: Annotated[str, typer.Argument(metavar="ID")], tenant: TenantOption) -> None:
    """Send a delivery again, now, with the same webhook-id (a new series of attempts)."""
    from sqlalchemy import select

    from core.webhooks import service
    from core.webhooks.models import WebhookDelivery

    from gateway.cli import CLI_ACTOR

    async def action(platform: Any) -> Any:
        async with platform.work_as_system(tenant, CLI_ACTOR) as work:
            row = await service.replay_delivery(work, delivery_id)
            await work.commit()
        await platform.deliver_webhooks(ids=[row.id])
        async with platform.work_as_system(tenant, CLI_ACTOR) as work:
            return (await work.session.execute(select(WebhookDelivery).where(WebhookDelivery.id == row.id))).scalar_one()

    typer.echo(_delivery_line(_run(action)))


@webhooks_app.command("event-types")
def webhooks_event_types(
    write_docs: Annotated[bool, typer.Option("--write-docs", help="Write the catalogue of the platform's own modules into docs/webhooks.md.")] = False,
) -> None:
    """The event types a webhook can subscribe to, with their version and payload fields."""
    from core.config import Settings
    from core.platform import Platform
    from core.runtime import platform_module_sources
    from core.webhooks.catalogue import catalogue, render_doc

    if write_docs:  # the platform's own modules only, as the committed SDL
        platform = Platform.create(Settings(debug=True, strict_modules=True), discover=False, extra_modules=platform_module_sources())
        entries = catalogue(platform.runtime)
        WEBHOOKS_DOC.write_text(render_doc(entries, WEBHOOKS_DOC.read_text(encoding="utf-8")), encoding="utf-8")
        typer.echo(f"Event catalogue written to {WEBHOOKS_DOC}")
        return
    from gateway.cli import settings

    entries = catalogue(Platform.create(settings()).runtime)
    for name, entry in sorted(entries.items()):
        fields = ", ".join(entry.event_type.payload) or "-"
        typer.echo(f"{name}  v{entry.event_type.version}  ({fields})  {entry.event_type.description}")
