"""Sending webhook deliveries: the job engine's periodic task `webhooks.deliver`.

A round goes through the active gemeenten one by one. In each it

1. **claims** a batch of due deliveries of active subscriptions in a short transaction
   (`FOR UPDATE SKIP LOCKED`, so two workers never take the same one): each counts an
   attempt and is leased (`next_attempt_at` moves past the attempt's timeout), so a worker
   that dies mid-send leaves it to be tried again after the lease;
2. **sends** them with no transaction open (a slow receiver holds no lock and no request
   waits for it), several at once, each to the address its URL resolves to *now*, checked
   again (`core.webhooks.targets`), signed with the subscription's secret(s), within
   `webhook_timeout` seconds;
3. **records** the outcomes in one short transaction: delivered (2xx), or failed and due
   again after an exponential backoff with jitter (`DeliveryPolicy`, honouring a
   `Retry-After`), or dead after `webhook_max_attempts` attempts; the subscription's
   health (a delivery that goes dead with nothing delivered since its first attempt, or a
   410 Gone, pauses it: the event `core.webhook.paused` and a mail to the gemeente's
   coalition admins); one
   processing-log record per attempt that sent data about a data subject; the metric
   `kansrijk_webhook_deliveries_total{outcome}`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import ssl
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import structlog
from sqlalchemy import and_, delete, select

from core.access import COALITION_ADMIN, Principal
from core.db import begin_write, utcnow
from core.errors import DomainError
from core.events import DeliveryPolicy, error_summary, publish_event
from core.mail import message, sender_for
from core.metrics import WEBHOOK_DELIVERIES
from core.models import Membership, OutboxEvent
from core.processing import STATUS_ERROR, STATUS_OK, ProcessingJournal, Trace, record_processing, write_records
from core.webhooks.catalogue import CatalogueEntry, catalogue, webhook_data
from core.webhooks.models import (
    WEBHOOK_ACTIVITY,
    WEBHOOK_PAUSED,
    PauseReason,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSubscription,
    message_id,
)
from core.webhooks.service import secrets_in_use
from core.webhooks.signing import signed_headers
from core.webhooks.targets import Target, check_url

if TYPE_CHECKING:
    from core.config import Settings
    from core.work import Work

log = structlog.get_logger(__name__)

#: The actor of the delivery rounds (in logs and the outbox).
ACTOR = "webhooks"
#: Deliveries claimed per transaction.
BATCH = 100
#: Seconds a claimed delivery is leased beyond the attempt's timeout.
LEASE_MARGIN = 60
#: The most of a receiver's answer that is read (then the connection is closed).
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "KansrijkeStart-Webhooks/1"
DUE = (WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.FAILED)


def webhook_policy(settings: Settings) -> DeliveryPolicy:
    """The retry schedule of webhook deliveries (the outbox's, with the webhook settings)."""
    return DeliveryPolicy(
        base_delay=settings.webhook_retry_base_delay,
        max_delay=settings.webhook_retry_max_delay,
        max_attempts=settings.webhook_max_attempts,
    )


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for one attempt, with what sending it needs."""

    delivery_id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    occurred_at: dt.datetime
    data: dict[str, Any]
    data_subject: str | None
    url: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    started_at: dt.datetime
    trace: Trace
    status_code: int | None = None
    error: str | None = None
    #: Nothing was sent: the target was not allowed (or the URL no longer valid).
    refused: bool = False
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.error is None


def body_of(claimed: Claimed, tenant_slug: str, version: int) -> str:
    """The JSON body: Standard Webhooks' `type`, `timestamp` (when the event happened) and
    `data` (the declared payload fields: ids and codes), plus the payload `version`, the
    `tenant` (its slug, for the receiver's API calls) and the `event_id`. Minified: the
    signature covers these exact bytes."""
    document = {
        "type": claimed.event_type,
        "version": version,
        "timestamp": claimed.occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "tenant": tenant_slug,
        "event_id": str(claimed.event_id),
        "data": claimed.data,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


class Sender:
    """The HTTP side of a round: one client per receiving host name (a connection is only
    reused for the name whose certificate it checked), no redirects, no proxies from the
    environment, a total time limit per attempt."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clients: dict[tuple[str, str], httpx.AsyncClient] = {}
        #: URL -> its checked target (or why it is refused): a name is resolved once per round.
        self.targets: dict[str, Target | DomainError] = {}
        self.verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=settings.webhook_ca_bundle) if settings.webhook_ca_bundle else True
        self.limit = asyncio.Semaphore(settings.webhook_concurrency)

    def client(self, target: Target) -> httpx.AsyncClient:
        key = (target.url.scheme, target.url.host)
        found = self.clients.get(key)
        if found is None:
            found = httpx.AsyncClient(
                verify=self.verify,
                trust_env=False,
                follow_redirects=False,
                timeout=httpx.Timeout(self.settings.webhook_timeout),
                limits=httpx.Limits(max_connections=self.settings.webhook_concurrency, max_keepalive_connections=self.settings.webhook_concurrency),
            )
            self.clients[key] = found
        return found

    async def close(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients.values()), return_exceptions=True)
        self.clients.clear()

    async def target(self, url: str) -> Target:
        """The checked target of a URL, resolved once per round (refusals too)."""
        found = self.targets.get(url)
        if found is None:
            try:
                found = await check_url(url, self.settings)
            except DomainError as exc:
                found = exc
            self.targets[url] = found
        if isinstance(found, DomainError):
            raise found
        return found

    async def send(self, claimed: Claimed, tenant_slug: str, version: int, trace: Trace) -> Outcome:
        async with self.limit:
            return await self._send(claimed, tenant_slug, version, trace)

    async def _send(self, claimed: Claimed, tenant_slug: str, version: int, trace: Trace) -> Outcome:
        started = utcnow()
        try:
            target = await self.target(claimed.url)
        except DomainError as exc:
            return Outcome(claimed, started, trace, error=f"niet verstuurd: {exc.message}"[:500], refused=True)
        body = body_of(claimed, tenant_slug, version)
        headers = {
            **signed_headers(claimed.secrets, message_id(claimed.delivery_id), utcnow(), body),
            **target.headers,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            # The trace and span of the attempt's processing-log record.
            "traceparent": trace.header(),
        }
        try:
            async with asyncio.timeout(self.settings.webhook_timeout):
                request = self.client(target).build_request(
                    "POST", target.request_url, content=body.encode("utf-8"), headers=headers, extensions=target.extensions
                )
                response = await self.client(target).send(request, stream=True)
                try:
                    read = 0
                    async for chunk in response.aiter_raw():
                        read += len(chunk)
                        if read > MAX_ANSWER_BYTES:
                            break
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(claimed, started, trace, error=f"geen antwoord binnen {self.settings.webhook_timeout:g} s")
        except httpx.HTTPError as exc:
            return Outcome(claimed, started, trace, error=error_summary(exc))
        if 200 <= response.status_code < 300:
            return Outcome(claimed, started, trace, status_code=response.status_code)
        return Outcome(
            claimed, started, trace, status_code=response.status_code, error=f"HTTP {response.status_code}",
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )  # fmt: skip


def _retry_after(value: str | None) -> float | None:
    """Seconds of a `Retry-After` header (its date form is not honoured)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


# -- a round ---------------------------------------------------------------------------------


async def deliver_due(platform: Any, *, now: dt.datetime | None = None, ids: Collection[uuid.UUID] | None = None) -> int:
    """Send the deliveries that are due as of `now` (only those `ids`, when given), gemeente
    by gemeente. Returns how many attempts were made."""
    tenants = await platform.active_tenants("webhooks: send due deliveries")
    entries = catalogue(platform.runtime)
    sender = Sender(platform.settings)
    attempted = 0
    try:
        for tenant in tenants:
            try:
                async with platform.work_as_system(tenant.slug, ACTOR) as work:
                    attempted += await deliver_tenant(work, sender, entries, now=now or utcnow(), ids=ids)
            except Exception:
                log.exception("webhook.round_failed", tenant=tenant.slug)
    finally:
        await sender.close()
    return attempted


async def deliver_tenant(
    work: Work, sender: Sender, entries: dict[str, CatalogueEntry], *, now: dt.datetime, ids: Collection[uuid.UUID] | None = None
) -> int:
    attempted = 0
    while True:
        claimed = await claim(work, entries, now, ids=ids)
        if not claimed:
            return attempted
        versions = {item.delivery_id: entries[item.event_type].event_type.version if item.event_type in entries else 1 for item in claimed}
        # One span per receiving subscription and batch: its attempts' processing-log records
        # carry it, and each attempt sends it as `traceparent`.
        traces = {subscription_id: Trace.from_header(None) for subscription_id in {item.subscription_id for item in claimed}}
        outcomes = await asyncio.gather(
            *(sender.send(item, work.tenant.slug, versions[item.delivery_id], traces[item.subscription_id]) for item in claimed)
        )
        await record(work, list(outcomes), now)
        attempted += len(claimed)
        if len(claimed) < BATCH:
            return attempted


async def claim(work: Work, entries: dict[str, CatalogueEntry], now: dt.datetime, *, ids: Collection[uuid.UUID] | None = None) -> list[Claimed]:
    """Take up to BATCH due deliveries of active subscriptions for one attempt each."""
    session, settings = work.session, work.settings
    await begin_write(session, background=True)
    statement = (
        select(WebhookDelivery, WebhookSubscription, OutboxEvent.payload, OutboxEvent.occurred_at)
        .join(
            WebhookSubscription,
            and_(WebhookSubscription.tenant_id == WebhookDelivery.tenant_id, WebhookSubscription.id == WebhookDelivery.subscription_id),
        )
        .join(OutboxEvent, and_(OutboxEvent.tenant_id == WebhookDelivery.tenant_id, OutboxEvent.id == WebhookDelivery.event_id))
        .where(
            WebhookDelivery.status.in_(DUE),
            WebhookDelivery.next_attempt_at <= now,
            WebhookSubscription.status == SubscriptionStatus.ACTIVE,
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(BATCH)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    )
    if ids is not None:
        statement = statement.where(WebhookDelivery.id.in_(list(ids)))
    rows = (await session.execute(statement)).all()
    platform_secret = settings.secret_key.get_secret_value()
    lease = now + dt.timedelta(seconds=settings.webhook_timeout + LEASE_MARGIN)
    claimed = []
    for delivery, subscription, payload, occurred_at in rows:
        if delivery.attempts == 0:  # a new series (the first attempt, or after a replay)
            delivery.first_attempt_at = now
        delivery.attempts += 1
        delivery.next_attempt_at = lease
        delivery.last_attempt_at = now
        delivery.updated_at = utcnow()
        entry = entries.get(delivery.event_type)
        subject_field = entry.event_type.data_subject if entry is not None else None
        claimed.append(
            Claimed(
                delivery_id=delivery.id,
                subscription_id=subscription.id,
                event_id=delivery.event_id,
                event_type=delivery.event_type,
                occurred_at=occurred_at,
                data=webhook_data(entry, payload or {}),
                data_subject=str(payload[subject_field]) if subject_field and (payload or {}).get(subject_field) else None,
                url=subscription.url,
                secrets=tuple(secrets_in_use(subscription, platform_secret, now)),
            )
        )
    await session.commit()
    return claimed


async def record(work: Work, outcomes: list[Outcome], now: dt.datetime) -> None:
    """Write the outcomes of a batch, the subscriptions' health and the processing log in one
    transaction; then raise the pause events and send the notices."""
    session, settings = work.session, work.settings
    policy = webhook_policy(settings)
    await begin_write(session, background=True)
    subscription_ids = sorted({outcome.claimed.subscription_id for outcome in outcomes})
    subscriptions = {
        row.id: row
        for row in (
            await session.execute(
                select(WebhookSubscription)
                .where(WebhookSubscription.id.in_(subscription_ids))
                .order_by(WebhookSubscription.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    deliveries = {
        row.id: row
        for row in (
            await session.execute(
                select(WebhookDelivery)
                .where(WebhookDelivery.id.in_([outcome.claimed.delivery_id for outcome in outcomes]))
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    paused: list[tuple[uuid.UUID, str, PauseReason]] = []  # (subscription, what it is, why), for the notices
    logged: dict[tuple[uuid.UUID, bool], list[Outcome]] = {}  # (subscription, delivered) -> attempts to log
    for outcome in sorted(outcomes, key=lambda item: item.started_at):
        delivery = deliveries.get(outcome.claimed.delivery_id)
        subscription = subscriptions.get(outcome.claimed.subscription_id)
        if delivery is None or subscription is None:
            continue  # deleted meanwhile, with its log
        label = _apply(delivery, subscription, outcome, policy, now)
        WEBHOOK_DELIVERIES.labels(outcome=label).inc()
        if label == "dead":
            log.warning("webhook.delivery_dead", delivery=str(delivery.id), subscription=str(subscription.id), attempts=delivery.attempts)
        reason = _pause_reason(subscription, delivery, outcome, label)
        if reason is not None:
            subscription.status, subscription.paused_at, subscription.pause_reason = SubscriptionStatus.PAUSED, now, reason
            paused.append((subscription.id, subscription.description or subscription.url, reason))
            publish_event(session, WEBHOOK_PAUSED, {"subscription_id": str(subscription.id), "reason": str(reason)}, actor=ACTOR)
            log.warning("webhook.subscription_paused", subscription=str(subscription.id), reason=str(reason), tenant=work.tenant.slug)
        if not outcome.refused and outcome.claimed.data_subject is not None:
            logged.setdefault((subscription.id, outcome.delivered), []).append(outcome)
    written = 0
    for (subscription_id, delivered), attempts in logged.items():
        written += await _log_attempts(work, subscription_id, delivered, attempts)
    await session.flush()
    await session.commit()
    if written and work.on_records_committed is not None:
        work.on_records_committed(work.tenant.id)
    if paused:
        await work.dispatch_events()
        await _notify(work, paused)


def _apply(delivery: WebhookDelivery, subscription: WebhookSubscription, outcome: Outcome, policy: DeliveryPolicy, now: dt.datetime) -> str:
    """The new state of the delivery and of its subscription's health; the metric's label."""
    delivery.last_status_code = outcome.status_code
    delivery.updated_at = utcnow()
    if outcome.delivered:
        delivery.status, delivery.next_attempt_at, delivery.delivered_at = WebhookDeliveryStatus.DELIVERED, None, now
        delivery.last_error = None
        subscription.consecutive_failures, subscription.failing_since, subscription.last_success_at = 0, None, now
        return "delivered"
    delivery.last_error = outcome.error
    subscription.consecutive_failures += 1
    subscription.failing_since = subscription.failing_since or now
    subscription.last_failure_at = now
    next_attempt = policy.next_attempt(delivery.attempts, now)
    if next_attempt is None:
        delivery.status, delivery.next_attempt_at = WebhookDeliveryStatus.DEAD, None
        return "dead"
    if outcome.retry_after is not None:
        next_attempt = min(max(next_attempt, now + dt.timedelta(seconds=outcome.retry_after)), now + dt.timedelta(seconds=policy.max_delay))
    delivery.status, delivery.next_attempt_at = WebhookDeliveryStatus.FAILED, next_attempt
    return "refused" if outcome.refused else "failed"


def _pause_reason(subscription: WebhookSubscription, delivery: WebhookDelivery, outcome: Outcome, label: str) -> PauseReason | None:
    """Why the subscription is paused after this outcome, if it is: the receiver answered
    410 Gone, or a delivery went dead while nothing was delivered since its first attempt
    (a whole retry schedule, about a day, of nothing but failures)."""
    if subscription.status != SubscriptionStatus.ACTIVE or outcome.delivered:
        return None
    if outcome.status_code == 410:
        return PauseReason.GONE
    began = delivery.first_attempt_at
    if label == "dead" and subscription.failing_since is not None and began is not None and subscription.failing_since <= began:
        return PauseReason.FAILING
    return None


async def _log_attempts(work: Work, subscription_id: uuid.UUID, delivered: bool, outcomes: list[Outcome]) -> int:
    """The processing-log records of a batch's attempts to one subscription that sent an
    event about a data subject to the gemeente's system, one per attempt: actor
    `webhook:<subscription id>`, the batch's trace and span for that subscription (sent to
    the receiver as `traceparent`), status ok (delivered) or error."""
    attempt = dataclasses.replace(
        work, principal=Principal(subject=f"webhook:{subscription_id}"), journal=ProcessingJournal(trace=outcomes[0].trace)
    )
    for outcome in outcomes:
        operation = f"webhook.deliver:{outcome.claimed.event_type}"[:120]
        record_processing(attempt, WEBHOOK_ACTIVITY, operation, [outcome.claimed.data_subject], "shared", started_at=outcome.started_at)
    return await write_records(attempt, status=STATUS_OK if delivered else STATUS_ERROR)


async def _notify(work: Work, paused: list[tuple[uuid.UUID, str, PauseReason]]) -> None:
    """Tell the gemeente's coalition admins that subscriptions were paused (by mail)."""
    reasons = {
        PauseReason.GONE: "de ontvanger antwoordde 410 Gone (hij wil niets meer ontvangen)",
        PauseReason.FAILING: "een melding kwam na een etmaal van pogingen niet aan, en intussen kwam er ook niets anders aan",
    }
    try:
        members = (await work.session.execute(select(Membership.email, Membership.roles).where(Membership.active.is_(True)))).all()
        await work.session.rollback()
        admins = [email for email, roles in members if COALITION_ADMIN in (roles or [])]
        sender = sender_for(work.settings)
        for subscription_id, what, reason in paused:
            body = (
                f"Het webhook-abonnement {subscription_id} van {work.tenant.name} ({what}) is gepauzeerd: {reasons.get(reason, reason)}.\n\n"
                "Er worden geen meldingen meer verstuurd; wat nog wachtte, blijft bewaard. Controleer de ontvanger en hervat het "
                "abonnement daarna (GraphQL: resumeWebhookSubscription; of vraag het de platformbeheerder). De afleverlog "
                "(webhookDeliveries) laat zien wat er misging.\n"
            )
            for email in admins:
                await sender.send(message(work.settings, to=email, subject=f"Webhook gepauzeerd: Kansrijke Start {work.tenant.name}", body=body))
    except Exception:
        log.exception("webhook.notice_failed", subscriptions=[str(item[0]) for item in paused])


# -- the delivery log's retention ----------------------------------------------------------------


async def forget_old_deliveries(platform: Any, *, now: dt.datetime | None = None) -> int:
    """Delete delivered and dead deliveries older than `webhook_delivery_retention_days`,
    gemeente by gemeente. Returns how many went."""
    now = now or utcnow()
    before = now - dt.timedelta(days=platform.settings.webhook_delivery_retention_days)
    removed = 0
    for tenant in await platform.active_tenants("webhooks: forget old deliveries"):
        try:
            async with platform.work_as_system(tenant.slug, ACTOR) as work:
                await begin_write(work.session, background=True)
                result = await work.session.execute(
                    delete(WebhookDelivery).where(
                        WebhookDelivery.status.in_([WebhookDeliveryStatus.DELIVERED, WebhookDeliveryStatus.DEAD]),
                        WebhookDelivery.updated_at < before,
                    )
                )
                await work.session.commit()
                removed += result.rowcount or 0
        except Exception:
            log.exception("webhook.cleanup_failed", tenant=tenant.slug)
    return removed
