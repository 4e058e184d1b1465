"""Signed webhooks (docs/webhooks.md): real deliveries to a receiver on a loopback port,
verified with the `standardwebhooks` library; retries, the dead letter and pausing driven by
passing `now`; replays; the SSRF rules; every bad input with its code and nothing written;
another gemeente sees nothing; no request waits for a receiver."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from core.db import utcnow
from core.metrics import WEBHOOK_DELIVERIES
from core.models import OutboxEvent
from core.platform import Platform
from core.processing import ProcessingRecord, pseudonym
from core.testing import TEST_SECRET, count_statements
from core.webhooks import targets
from core.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.conftest import Api, World
from tests.plugins.handvat2_signaleren.conftest import Coalition, Flow, build_coalition
from tests.support import mail

REFERRAL_STEPS = "handvat2_signaleren.referral.transitioned"
SUBSCRIPTION_FIELDS = "id url description eventTypes status pausedAt pauseReason previousSecretValidUntil consecutiveFailures"
CREATE = f"mutation($i: CreateWebhookSubscriptionInput!) {{ createWebhookSubscription(input: $i) {{ secret subscription {{ {SUBSCRIPTION_FIELDS} }} }} }}"
UPDATE = f"mutation($i: UpdateWebhookSubscriptionInput!) {{ updateWebhookSubscription(input: $i) {{ subscription {{ {SUBSCRIPTION_FIELDS} }} }} }}"
ROTATE = f"mutation($i: RotateWebhookSecretInput!) {{ rotateWebhookSecret(input: $i) {{ secret subscription {{ {SUBSCRIPTION_FIELDS} }} }} }}"
FINISH = f"mutation($i: WebhookSubscriptionIdInput!) {{ finishWebhookSecretRotation(input: $i) {{ subscription {{ {SUBSCRIPTION_FIELDS} }} }} }}"
PAUSE = f"mutation($i: WebhookSubscriptionIdInput!) {{ pauseWebhookSubscription(input: $i) {{ subscription {{ {SUBSCRIPTION_FIELDS} }} }} }}"
RESUME = f"mutation($i: WebhookSubscriptionIdInput!) {{ resumeWebhookSubscription(input: $i) {{ subscription {{ {SUBSCRIPTION_FIELDS} }} }} }}"
DELETE = f"mutation($i: WebhookSubscriptionIdInput!) {{ deleteWebhookSubscription(input: $i) {{ subscription {{ {SUBSCRIPTION_FIELDS} }} }} }}"
REPLAY = "mutation($i: ReplayWebhookDeliveryInput!) { replayWebhookDelivery(input: $i) { delivery { id webhookId status attempts replays } } }"
SUBSCRIPTION = f"query($id: ID!) {{ webhookSubscription(id: $id) {{ {SUBSCRIPTION_FIELDS} }} }}"
SUBSCRIPTIONS = f"{{ webhookSubscriptions {{ totalCount nodes {{ {SUBSCRIPTION_FIELDS} }} }} }}"
DELIVERIES = """query($s: ID, $status: WebhookDeliveryStatus) { webhookDeliveries(subscriptionId: $s, status: $status) {
  totalCount nodes { id webhookId subscriptionId eventId eventType status attempts nextAttemptAt lastStatusCode lastError deliveredAt replays } } }"""
EVENT_TYPES = "{ webhookEventTypes { totalCount nodes { name module version description fields { name type description } payloadSchema } } }"


# -- a receiver on a loopback port -------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP(S) server in a thread of its own: it keeps every request and answers with
    `statuses` in order (then `default`), after `delay` seconds. The benchmark uses it too."""

    default: int = 204
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    scheme: str = "http"
    host: str = "127.0.0.1"
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.scheme}://{self.host}:{self.server.server_address[1]}/hooks/kansrijk"

    def start(self, tls: ssl.SSLContext | None = None) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append(Received(self.path, {key.lower(): value for key, value in self.headers.items()}, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.default
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A loopback receiver, with the operator's setting that allows loopback targets."""
    monkeypatch.setattr(platform.settings, "webhook_allow_private_targets", True)
    started = Receiver().start()
    yield started
    started.stop()


# -- a gemeente with handvat 2 and its coalition admin -----------------------------------------


@dataclass
class Gemeente:
    api: Api
    platform: Platform
    coalition: Coalition
    flow: Flow

    @property
    def slug(self) -> str:
        return self.coalition.slug

    @property
    def admin(self) -> str:
        return World.email("coalition_admin", self.slug)

    async def gql(self, query: str, variables: dict[str, Any] | None = None, *, who: str | None = None) -> Any:
        return await self.api.gql(self.slug, query, variables, user=who or self.admin)

    async def subscribe(self, url: str, event_types: list[str] | None = None, description: str = "Datawarehouse") -> tuple[str, str]:
        data = (await self.gql(CREATE, {"i": {"url": url, "eventTypes": event_types or [REFERRAL_STEPS], "description": description}})).ok()
        created = data["createWebhookSubscription"]
        return created["subscription"]["id"], created["secret"]

    async def deliveries(self, subscription_id: str | None = None) -> list[dict[str, Any]]:
        return (await self.gql(DELIVERIES, {"s": subscription_id})).ok()["webhookDeliveries"]["nodes"]


@pytest.fixture
async def utrecht(api: Api, world: World, platform: Platform) -> Gemeente:
    coalition = await build_coalition(platform, "utrecht")
    return Gemeente(api, platform, coalition, Flow(api, coalition))


@pytest.fixture
async def bosch(api: Api, world: World, platform: Platform) -> Gemeente:
    coalition = await build_coalition(platform, "s-hertogenbosch")
    return Gemeente(api, platform, coalition, Flow(api, coalition))


async def rows(platform: Platform, model: Any, slug: str = "utrecht") -> list[Any]:
    async with platform.work_as_system(slug, "test") as work:
        return list((await work.session.execute(select(model))).scalars())


async def count(platform: Platform, model: Any, slug: str = "utrecht") -> int:
    async with platform.work_as_system(slug, "test") as work:
        return (await work.session.execute(select(func.count()).select_from(model))).scalar_one()


def metric(outcome: str) -> float:
    return WEBHOOK_DELIVERIES.labels(outcome=outcome)._value.get()


def verified(secret: str, request: Received) -> dict[str, Any]:
    return Webhook(secret).verify(request.body, request.headers)


async def sent_referral(flow: Flow, reference: str) -> dict[str, Any]:
    """A family with a signal and consent, referred (the step `versturen`) to the debt counsellor."""
    family = await flow.register(reference)
    await flow.signal(family["id"])
    consent = await flow.consent(family["id"])
    return await flow.refer(family["id"], consent["id"], toContactId=flow.coalition.members["schuldhulp"])


# -- the referral transition, delivered and verified --------------------------------------------


async def test_a_loopback_receiver_gets_a_signed_delivery_for_a_referral_transition(utrecht: Gemeente, receiver: Receiver, platform: Platform) -> None:
    subscription_id, secret = await utrecht.subscribe(receiver.url)
    assert secret.startswith("whsec_")
    delivered_before = metric("delivered")

    _family, _consent, referral = await utrecht.flow.referred_family()  # the step `versturen`
    # Nothing was sent on the request path: the delivery waits for the job engine.
    assert receiver.received == []
    [pending] = await utrecht.deliveries(subscription_id)
    assert (pending["status"], pending["attempts"], pending["eventType"]) == ("PENDING", 0, REFERRAL_STEPS)

    assert await platform.deliver_webhooks() == 1
    [request] = receiver.received
    body = verified(secret, request)  # the library checks the signature and the timestamp
    assert body["type"] == REFERRAL_STEPS and body["version"] == 1 and body["tenant"] == "utrecht"
    assert body["data"] == {
        "workflow": "handvat2_signaleren.referral",
        "subject_id": referral["id"],
        "transition": "versturen",
        "from_state": "concept",
        "to_state": "verstuurd",
    }
    assert dt.datetime.fromisoformat(body["timestamp"]) <= utcnow()
    assert request.path == "/hooks/kansrijk" and request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == pending["webhookId"] == f"msg_{uuid.UUID(pending['id']).hex}"
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    assert len(request.headers["webhook-signature"].split(" ")) == 1  # one secret, one signature
    # Ids and codes only: nothing the midwife typed reaches the receiver.
    assert b"VK-2026-001" not in request.body and b"geldzorgen" not in request.body
    with pytest.raises(WebhookVerificationError):  # another secret does not verify
        Webhook("whsec_" + "A" * 44).verify(request.body, request.headers)

    [done] = await utrecht.deliveries(subscription_id)
    assert (done["status"], done["attempts"], done["lastStatusCode"], done["lastError"]) == ("DELIVERED", 1, 204, None)
    assert done["deliveredAt"] is not None and metric("delivered") == delivered_before + 1
    assert await platform.deliver_webhooks() == 0  # delivered once, not again

    # One processing-log record for the attempt, filed under the referral, with the trace
    # and span the receiver got as `traceparent`.
    records = [row for row in await rows(platform, ProcessingRecord) if row.activity == "core.webhook_delivery"]
    assert len(records) == 1
    record = records[0]
    assert record.data_subject == pseudonym(TEST_SECRET, record.tenant_id, referral["id"])
    assert (record.actor, record.actor_type, record.result, record.status) == (f"webhook:{subscription_id}", "system", "shared", "ok")
    assert request.headers["traceparent"] == f"00-{record.trace_id}-{record.span_id}-01"


async def test_during_a_rotation_both_secrets_verify_and_after_it_only_the_new_one(utrecht: Gemeente, receiver: Receiver, platform: Platform) -> None:
    subscription_id, old = await utrecht.subscribe(receiver.url)
    _family, _consent, referral = await utrecht.flow.referred_family()
    rotated = (await utrecht.gql(ROTATE, {"i": {"id": subscription_id}})).ok()["rotateWebhookSecret"]
    new = rotated["secret"]
    assert new != old and new.startswith("whsec_")
    until = dt.datetime.fromisoformat(rotated["subscription"]["previousSecretValidUntil"])
    assert dt.timedelta(hours=23) < until - utcnow() <= dt.timedelta(hours=24)

    assert await platform.deliver_webhooks() == 1
    [during] = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verified(old, during)["data"]["to_state"] == "verstuurd"
    assert verified(new, during)["data"]["to_state"] == "verstuurd"

    finished = (await utrecht.gql(FINISH, {"i": {"id": subscription_id}})).ok()["finishWebhookSecretRotation"]["subscription"]
    assert finished["previousSecretValidUntil"] is None
    (await utrecht.flow.move(referral["id"], "accepteren")).ok()
    assert await platform.deliver_webhooks() == 1
    after = receiver.received[1]
    assert verified(new, after)["data"]["transition"] == "accepteren"
    with pytest.raises(WebhookVerificationError):
        verified(old, after)

    # A rotation without grace: the old secret stops at once.
    newest = (await utrecht.gql(ROTATE, {"i": {"id": subscription_id, "graceHours": 0}})).ok()["rotateWebhookSecret"]["secret"]
    (await utrecht.flow.move(referral["id"], "starten")).ok()
    assert await platform.deliver_webhooks() == 1
    last = receiver.received[2]
    assert verified(newest, last)["data"]["transition"] == "starten"
    assert len(last.headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        verified(new, last)
    # The secret is stored encrypted: neither secret is in the row.
    [row] = await rows(platform, WebhookSubscription)
    assert newest not in row.secret and newest[6:] not in row.secret and row.previous_secret is None


# -- failures: backoff, the dead letter, pausing -------------------------------------------------


async def test_a_failing_receiver_is_retried_with_backoff_for_about_a_day_then_dead_and_paused_with_a_notice(
    utrecht: Gemeente, receiver: Receiver, platform: Platform
) -> None:
    receiver.default = 503
    subscription_id, secret = await utrecht.subscribe(receiver.url)
    await utrecht.flow.referred_family()
    start = utcnow()
    assert await platform.deliver_webhooks(now=start) == 1
    [first] = await rows(platform, WebhookDelivery)
    assert (first.status, first.attempts, first.last_status_code, first.last_error) == ("failed", 1, 503, "HTTP 503")
    # The first retry a minute later (±20 % jitter); not due before.
    assert dt.timedelta(seconds=48) <= first.next_attempt_at - start <= dt.timedelta(seconds=72)
    assert await platform.deliver_webhooks(now=start + dt.timedelta(seconds=40)) == 0

    waits, moment = [], first.next_attempt_at
    maximum = platform.settings.webhook_max_attempts
    for _ in range(maximum - 1):
        assert await platform.deliver_webhooks(now=moment) == 1
        [row] = await rows(platform, WebhookDelivery)
        if row.next_attempt_at is None:
            break
        waits.append((row.next_attempt_at - moment).total_seconds())
        moment = row.next_attempt_at
    [dead] = await rows(platform, WebhookDelivery)
    assert (dead.status, dead.attempts, dead.next_attempt_at) == ("dead", maximum, None)
    assert len(receiver.received) == maximum
    # Every attempt carried the same webhook-id and a valid signature.
    assert {request.headers["webhook-id"] for request in receiver.received} == {dead.message_id}
    assert all(verified(secret, request)["type"] == REFERRAL_STEPS for request in receiver.received)
    # Doubling waits (±20 %), at most three hours; the whole series spans about a day.
    for number, wait in enumerate(waits, start=1):
        expected = min(3 * 3600, 60 * 2**number)
        assert 0.8 * expected <= wait <= 1.2 * expected, (number, wait)
    assert dt.timedelta(hours=18) <= moment - start <= dt.timedelta(hours=32)

    # Dead after a day with nothing delivered: paused, with the event and a mail to the coalition admin.
    subscription = (await utrecht.gql(SUBSCRIPTION, {"id": subscription_id})).ok()["webhookSubscription"]
    assert (subscription["status"], subscription["pauseReason"], subscription["consecutiveFailures"]) == ("PAUSED", "FAILING", maximum)
    paused_events = [row for row in await rows(platform, OutboxEvent) if row.type == "core.webhook.paused"]
    assert [event.payload for event in paused_events] == [{"subscription_id": subscription_id, "reason": "failing"}]
    [notice] = [message for message in mail.OUTBOX if "Webhook gepauzeerd" in message["Subject"]]
    assert notice["To"] == utrecht.admin and subscription_id in notice.get_content()
    # Dead and paused: the rounds leave it alone.
    assert await platform.deliver_webhooks(now=moment + dt.timedelta(days=5)) == 0


async def test_a_receiver_that_times_out_is_retried_and_never_holds_up_a_request(
    utrecht: Gemeente, receiver: Receiver, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platform.settings, "webhook_timeout", 0.5)
    receiver.delay = 1.5
    subscription_id, _secret = await utrecht.subscribe(receiver.url)
    started = time.perf_counter()
    await utrecht.flow.referred_family()
    assert time.perf_counter() - started < 1.5 and receiver.received == []  # the request did not wait
    failed_before = metric("failed")
    started = time.perf_counter()
    assert await platform.deliver_webhooks() == 1
    assert time.perf_counter() - started < 1.4  # the attempt gave up after its timeout
    [row] = await utrecht.deliveries(subscription_id)
    assert (row["status"], row["attempts"], row["lastStatusCode"], row["lastError"]) == ("FAILED", 1, None, "geen antwoord binnen 0.5 s")
    assert metric("failed") == failed_before + 1

    # The receiver recovers: the retry delivers.
    receiver.delay = 0
    assert await platform.deliver_webhooks(now=utcnow() + dt.timedelta(minutes=2)) == 1
    [row] = await utrecht.deliveries(subscription_id)
    assert (row["status"], row["attempts"], row["lastError"]) == ("DELIVERED", 2, None)


async def test_a_receiver_that_answers_410_pauses_the_subscription_at_once_and_resuming_sends_what_waited(
    utrecht: Gemeente, receiver: Receiver, platform: Platform
) -> None:
    receiver.statuses = [410]
    subscription_id, secret = await utrecht.subscribe(receiver.url)
    _family, _consent, referral = await utrecht.flow.referred_family()
    assert await platform.deliver_webhooks() == 1
    subscription = (await utrecht.gql(SUBSCRIPTION, {"id": subscription_id})).ok()["webhookSubscription"]
    assert (subscription["status"], subscription["pauseReason"]) == ("PAUSED", "GONE")
    assert any("410 Gone" in message.get_content() for message in mail.OUTBOX)
    # Paused: new events make no deliveries, and the one that waits is held.
    (await utrecht.flow.move(referral["id"], "accepteren")).ok()
    assert len(await utrecht.deliveries(subscription_id)) == 1
    assert await platform.deliver_webhooks(now=utcnow() + dt.timedelta(hours=1)) == 0

    resumed = (await utrecht.gql(RESUME, {"i": {"id": subscription_id}})).ok()["resumeWebhookSubscription"]["subscription"]
    assert (resumed["status"], resumed["pauseReason"], resumed["consecutiveFailures"]) == ("ACTIVE", None, 0)
    assert await platform.deliver_webhooks() == 1  # due at once after resuming
    assert verified(secret, receiver.received[-1])["data"]["transition"] == "versturen"
    [row] = await utrecht.deliveries(subscription_id)
    assert row["status"] == "DELIVERED"


async def test_a_delivery_can_be_replayed_with_the_same_webhook_id(utrecht: Gemeente, receiver: Receiver, platform: Platform) -> None:
    subscription_id, secret = await utrecht.subscribe(receiver.url)
    await utrecht.flow.referred_family()
    assert await platform.deliver_webhooks() == 1
    [delivery] = await utrecht.deliveries(subscription_id)

    replayed = (await utrecht.gql(REPLAY, {"i": {"id": delivery["id"]}})).ok()["replayWebhookDelivery"]["delivery"]
    assert (replayed["status"], replayed["attempts"], replayed["replays"], replayed["webhookId"]) == ("PENDING", 0, 1, delivery["webhookId"])
    assert len(receiver.received) == 1  # the replay is the job engine's, not the request's
    assert await platform.deliver_webhooks() == 1
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery["webhookId"]
    assert verified(secret, second) == verified(secret, first)
    [row] = await utrecht.deliveries(subscription_id)
    assert (row["status"], row["attempts"], row["replays"]) == ("DELIVERED", 1, 1)

    # Not while the subscription is paused; a delivery that does not exist is not found.
    (await utrecht.gql(PAUSE, {"i": {"id": subscription_id}})).ok()
    paused = await utrecht.gql(REPLAY, {"i": {"id": delivery["id"]}})
    assert paused.codes == ["WEBHOOK_PAUSED"]
    missing = await utrecht.gql(REPLAY, {"i": {"id": str(uuid.uuid4())}})
    assert missing.codes == ["NOT_FOUND"] and missing.errors[0]["extensions"]["field"] == "input.id"
    [row] = await utrecht.deliveries(subscription_id)
    assert (row["status"], row["replays"]) == ("DELIVERED", 1)  # nothing written


# -- bad input: a clear code, nothing written -------------------------------------------------------


async def test_bad_subscriptions_are_refused_with_a_code_and_nothing_is_written(
    utrecht: Gemeente, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platform.settings, "debug", False)  # production: https only
    names = {"intern.utrecht.example": ["10.20.30.40"], "integratie.utrecht.example": ["93.184.216.34"], "gemengd.example": ["93.184.216.34", "127.0.0.1"]}
    lookups: list[str] = []

    async def lookup(host: str, port: int) -> list[str]:
        lookups.append(host)
        if host not in names:
            raise OSError("unknown name")
        return names[host]

    monkeypatch.setattr(targets, "lookup", lookup)
    cases = [
        ("http://integratie.utrecht.example/hook", [REFERRAL_STEPS], "WEBHOOK_URL_NOT_HTTPS"),
        ("https://127.0.0.1/hook", [REFERRAL_STEPS], "WEBHOOK_TARGET_NOT_ALLOWED"),
        ("https://[::1]/hook", [REFERRAL_STEPS], "WEBHOOK_TARGET_NOT_ALLOWED"),
        ("https://[::ffff:10.0.0.1]/hook", [REFERRAL_STEPS], "WEBHOOK_TARGET_NOT_ALLOWED"),
        ("https://169.254.169.254/latest/meta-data", [REFERRAL_STEPS], "WEBHOOK_TARGET_NOT_ALLOWED"),
        ("https://192.168.1.10/hook", [REFERRAL_STEPS], "WEBHOOK_TARGET_NOT_ALLOWED"),
        ("https://intern.utrecht.example/hook", [REFERRAL_STEPS], "WEBHOOK_TARGET_NOT_ALLOWED"),
        ("https://gemengd.example/hook", [REFERRAL_STEPS], "WEBHOOK_TARGET_NOT_ALLOWED"),  # one private address is enough
        ("https://bestaat-niet.example/hook", [REFERRAL_STEPS], "WEBHOOK_TARGET_NOT_ALLOWED"),
        ("https://gebruiker:wachtwoord@integratie.utrecht.example/hook", [REFERRAL_STEPS], "WEBHOOK_URL_INVALID"),
        ("ftp://integratie.utrecht.example/hook", [REFERRAL_STEPS], "WEBHOOK_URL_INVALID"),
        ("geen url", [REFERRAL_STEPS], "WEBHOOK_URL_INVALID"),
        ("https://integratie.utrecht.example/hook", ["handvat2_signaleren.referral.geheim"], "UNKNOWN_EVENT_TYPE"),
        ("https://integratie.utrecht.example/hook", [], "VALIDATION_FAILED"),
    ]
    for url, event_types, code in cases:
        response = await utrecht.gql(CREATE, {"i": {"url": url, "eventTypes": event_types}})
        assert response.codes == [code], (url, response.body)
        field = "input.eventTypes" if code in ("UNKNOWN_EVENT_TYPE", "VALIDATION_FAILED") else "input.url"
        assert response.errors[0]["extensions"]["field"] == field
        assert response.data is None or response.data["createWebhookSubscription"] is None
    assert await count(platform, WebhookSubscription) == 0
    # The name is not repeated back, and the message is Dutch.
    unknown = await utrecht.gql(CREATE, {"i": {"url": "https://integratie.utrecht.example/hook", "eventTypes": [REFERRAL_STEPS, "x.y.geheim"]}})
    assert "geheim" not in unknown.errors[0]["message"] and "Onbekend gebeurtenistype" in unknown.errors[0]["message"]
    assert unknown.errors[0]["extensions"]["index"] == 1
    private = await utrecht.gql(CREATE, {"i": {"url": "https://intern.utrecht.example/hook", "eventTypes": [REFERRAL_STEPS]}})
    assert "privé-adres" in private.errors[0]["message"]

    # A public address is fine; changing it to a private one is refused and changes nothing.
    subscription_id, _secret = await utrecht.subscribe("https://integratie.utrecht.example/hook")
    refused = await utrecht.gql(UPDATE, {"i": {"id": subscription_id, "url": "https://intern.utrecht.example/hook", "description": "Anders"}})
    assert refused.codes == ["WEBHOOK_TARGET_NOT_ALLOWED"]
    refused = await utrecht.gql(UPDATE, {"i": {"id": subscription_id, "eventTypes": ["nope"], "description": "Anders"}})
    assert refused.codes == ["UNKNOWN_EVENT_TYPE"]
    [row] = await rows(platform, WebhookSubscription)
    assert (row.url, row.description, row.event_types) == ("https://integratie.utrecht.example/hook", "Datawarehouse", [REFERRAL_STEPS])
    changed = (await utrecht.gql(UPDATE, {"i": {"id": subscription_id, "eventTypes": [REFERRAL_STEPS, "handvat2_signaleren.consent.revoked"]}})).ok()
    assert changed["updateWebhookSubscription"]["subscription"]["eventTypes"] == [REFERRAL_STEPS, "handvat2_signaleren.consent.revoked"]
    assert changed["updateWebhookSubscription"]["subscription"]["description"] == "Datawarehouse"


async def test_the_address_is_checked_again_before_every_attempt(utrecht: Gemeente, receiver: Receiver, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    subscription_id, _secret = await utrecht.subscribe(receiver.url)
    await utrecht.flow.referred_family()
    monkeypatch.setattr(platform.settings, "webhook_allow_private_targets", False)  # the operator withdraws the exception
    refused_before = metric("refused")
    assert await platform.deliver_webhooks() == 1
    assert receiver.received == []  # nothing was sent
    [row] = await utrecht.deliveries(subscription_id)
    assert row["status"] == "FAILED" and row["lastError"].startswith("niet verstuurd: De webhook-URL wijst naar een loopback-adres")
    assert metric("refused") == refused_before + 1
    assert [record for record in await rows(platform, ProcessingRecord) if record.activity == "core.webhook_delivery"] == []


async def test_the_request_goes_to_the_address_resolved_once_with_the_name_for_tls(
    utrecht: Gemeente, platform: Platform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A name that resolves to the loopback receiver: the connection goes to that address,
    the certificate is checked against the name (SNI), and a certificate for another name
    fails."""
    certificate, key = self_signed("webhooks.gemeente.test", tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate, key)
    server = Receiver(host="webhooks.gemeente.test").start(tls)
    lookups: list[str] = []

    async def lookup(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(targets, "lookup", lookup)
    monkeypatch.setattr(platform.settings, "webhook_allow_private_targets", True)
    monkeypatch.setattr(platform.settings, "webhook_ca_bundle", str(certificate))
    try:
        subscription_id, secret = await utrecht.subscribe(server.url)
        await utrecht.flow.referred_family()
        lookups.clear()
        assert await platform.deliver_webhooks() == 1
        assert lookups == ["webhooks.gemeente.test"]  # resolved once for the attempt
        [request] = server.received
        assert request.headers["host"] == server.url.split("/")[2]
        assert verified(secret, request)["type"] == REFERRAL_STEPS
        # The same address under a name the certificate is not for: refused by TLS.
        other = server.url.replace("webhooks.gemeente.test", "ander.gemeente.test")
        (await utrecht.gql(UPDATE, {"i": {"id": subscription_id, "url": other}})).ok()
        [delivery] = await rows(platform, WebhookDelivery)
        (await utrecht.gql(REPLAY, {"i": {"id": str(delivery.id)}})).ok()
        assert await platform.deliver_webhooks() == 1
        assert len(server.received) == 1
        [row] = await utrecht.deliveries(subscription_id)
        assert row["status"] == "FAILED" and "ConnectError" in row["lastError"]
    finally:
        server.stop()


def self_signed(name: str, directory: Path) -> tuple[Path, Path]:
    """A certificate for `name` signed by its own key: (certificate file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return certificate_file, key_file


# -- who may do what ------------------------------------------------------------------------------


async def test_another_gemeente_can_neither_see_nor_touch_a_subscription_or_delivery(
    utrecht: Gemeente, bosch: Gemeente, receiver: Receiver, platform: Platform
) -> None:
    subscription_id, _secret = await utrecht.subscribe(receiver.url)
    await utrecht.flow.referred_family()
    assert await platform.deliver_webhooks() == 1
    [delivery] = await utrecht.deliveries(subscription_id)

    # Utrecht's admin cannot subscribe at Bosch's endpoint (a token is for one gemeente).
    token = await utrecht.api.token("utrecht", utrecht.admin)
    response = await utrecht.api.client.post(
        "/t/s-hertogenbosch/graphql",
        json={"query": CREATE, "variables": {"i": {"url": receiver.url, "eventTypes": [REFERRAL_STEPS]}}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == ["TENANT_MISMATCH"]
    assert await count(platform, WebhookSubscription, "s-hertogenbosch") == 0

    assert (await bosch.gql(SUBSCRIPTIONS)).ok()["webhookSubscriptions"] == {"totalCount": 0, "nodes": []}
    assert (await bosch.gql(DELIVERIES, {})).ok()["webhookDeliveries"]["nodes"] == []
    assert (await bosch.gql(SUBSCRIPTION, {"id": subscription_id})).codes == ["NOT_FOUND"]
    assert (await bosch.gql(DELIVERIES, {"s": subscription_id})).codes == ["NOT_FOUND"]
    for query, data in (
        (UPDATE, {"id": subscription_id, "description": "overgenomen"}),
        (ROTATE, {"id": subscription_id}),
        (FINISH, {"id": subscription_id}),
        (PAUSE, {"id": subscription_id}),
        (RESUME, {"id": subscription_id}),
        (DELETE, {"id": subscription_id}),
        (REPLAY, {"id": delivery["id"]}),
    ):
        response = await bosch.gql(query, {"i": data})
        assert response.codes == ["NOT_FOUND"], (query, response.body)
    # Utrecht's subscription and delivery are as they were; Bosch has none.
    [row] = await rows(platform, WebhookSubscription)
    assert (row.description, row.status, row.previous_secret) == ("Datawarehouse", "active", None)
    [kept] = await utrecht.deliveries(subscription_id)
    assert (kept["status"], kept["replays"]) == ("DELIVERED", 0)
    assert await count(platform, WebhookSubscription, "s-hertogenbosch") == 0


async def test_only_the_coalition_admin_manages_webhooks_and_the_privacy_officer_reads_them(utrecht: Gemeente, receiver: Receiver) -> None:
    subscription_id, _secret = await utrecht.subscribe(receiver.url)
    privacy_officer = World.email("privacy_officer", "utrecht")
    seen = (await utrecht.gql(SUBSCRIPTIONS, who=privacy_officer)).ok()["webhookSubscriptions"]
    assert [node["id"] for node in seen["nodes"]] == [subscription_id]
    assert (await utrecht.gql(PAUSE, {"i": {"id": subscription_id}}, who=privacy_officer)).codes == ["FORBIDDEN"]
    for role in ("professional", "partner_worker", "analyst", "member"):
        who = World.email(role, "utrecht")
        assert (await utrecht.gql(SUBSCRIPTIONS, who=who)).codes == ["FORBIDDEN"], role
        assert (await utrecht.gql(CREATE, {"i": {"url": receiver.url, "eventTypes": [REFERRAL_STEPS]}}, who=who)).codes == ["FORBIDDEN"], role


async def test_the_subscription_lifecycle_pause_delete(utrecht: Gemeente, receiver: Receiver, platform: Platform) -> None:
    subscription_id, _secret = await utrecht.subscribe(receiver.url)
    paused = (await utrecht.gql(PAUSE, {"i": {"id": subscription_id}})).ok()["pauseWebhookSubscription"]["subscription"]
    assert (paused["status"], paused["pauseReason"]) == ("PAUSED", "MANUAL")
    await sent_referral(utrecht.flow, "VK-1")
    assert await count(platform, WebhookDelivery) == 0  # a paused subscription gets no new deliveries
    (await utrecht.gql(RESUME, {"i": {"id": subscription_id}})).ok()
    referral = await sent_referral(utrecht.flow, "VK-2")
    assert await count(platform, WebhookDelivery) == 1
    deleted = (await utrecht.gql(DELETE, {"i": {"id": subscription_id}})).ok()["deleteWebhookSubscription"]["subscription"]
    assert deleted["id"] == subscription_id
    assert await count(platform, WebhookSubscription) == 0 and await count(platform, WebhookDelivery) == 0  # the log went with it
    (await utrecht.flow.move(referral["id"], "accepteren")).ok()
    assert await platform.deliver_webhooks() == 0 and receiver.received == []


# -- never on the request path, and a constant number of statements -------------------------------


async def test_five_subscribers_cost_a_request_one_statement_and_no_network(
    utrecht: Gemeente, receiver: Receiver, platform: Platform
) -> None:
    receiver.delay = 2.0  # a slow receiver: a request that waited for it would show
    first, second = await sent_referral(utrecht.flow, "VK-1"), await sent_referral(utrecht.flow, "VK-2")
    (await utrecht.flow.call("schuldhulp", "{ me { roles } }")).ok()  # the counsellor's token, made beforehand
    with count_statements(platform) as none:
        (await utrecht.flow.move(first["id"], "accepteren")).ok()
    for number in range(5):
        await utrecht.subscribe(receiver.url, description=f"Systeem {number}")
    started = time.perf_counter()
    with count_statements(platform) as five:
        (await utrecht.flow.move(second["id"], "accepteren")).ok()
    assert time.perf_counter() - started < 1.5 and receiver.received == []
    # The same statements, plus one bulk INSERT of the five deliveries.
    inserts = [statement for statement in five if statement.lstrip().upper().startswith("INSERT INTO WEBHOOK_DELIVERIES")]
    assert len(inserts) == 1 and len(five) == len(none) + 1, (len(none), len(five))
    assert await count(platform, WebhookDelivery) == 5


# -- the catalogue ----------------------------------------------------------------------------------


async def test_the_event_types_are_listed_with_version_and_payload_schema(utrecht: Gemeente) -> None:
    catalogue = (await utrecht.gql(EVENT_TYPES)).ok()["webhookEventTypes"]
    by_name = {node["name"]: node for node in catalogue["nodes"]}
    steps = by_name[REFERRAL_STEPS]
    assert (steps["module"], steps["version"]) == ("handvat2_signaleren", 1)
    assert [item["name"] for item in steps["fields"]] == ["workflow", "subject_id", "transition", "from_state", "to_state"]
    schema = json.loads(steps["payloadSchema"])
    assert schema["properties"]["subject_id"] == {"type": "string", "format": "uuid", "description": "Het record dat de stap deed (bijv. de verwijzing)."}
    assert schema["required"] == ["from_state", "subject_id", "to_state", "transition", "workflow"] and "additionalProperties" not in schema
    assert {"core.workflow.transitioned", "core.webhook.paused", "handvat3_toegang.regeling.referred"} <= set(by_name)
    assert catalogue["totalCount"] == len(by_name)


def test_docs_list_every_event_type_of_the_platform_with_its_version() -> None:
    from core.config import Settings
    from core.runtime import platform_module_sources
    from core.webhooks.catalogue import catalogue, render_doc
    from gateway.cli_webhooks import WEBHOOKS_DOC

    platform = Platform.create(Settings(database_url="sqlite+aiosqlite:///:memory:", strict_modules=True, debug=True), discover=False, extra_modules=platform_module_sources())
    entries = catalogue(platform.runtime)
    current = WEBHOOKS_DOC.read_text(encoding="utf-8")
    assert render_doc(entries, current) == current, "run `uv run kansrijk webhooks event-types --write-docs` and commit docs/webhooks.md"
    for name, entry in entries.items():
        assert f"#### `{name}` (version {entry.event_type.version})" in current, name


# -- two workers, and the operator's command line ----------------------------------------------------


async def test_two_workers_at_once_send_each_delivery_once(utrecht: Gemeente, receiver: Receiver, platform: Platform) -> None:
    import asyncio

    for number in range(3):
        await utrecht.subscribe(receiver.url, description=f"Systeem {number}")
    for number in range(4):
        await sent_referral(utrecht.flow, f"VK-{number}")
    attempts = await asyncio.gather(platform.deliver_webhooks(), platform.deliver_webhooks())
    assert sum(attempts) == 12
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert {row.status for row in await rows(platform, WebhookDelivery)} == {"delivered"}


async def test_the_operator_manages_webhooks_from_the_command_line(utrecht: Gemeente, receiver: Receiver, platform: Platform) -> None:
    import asyncio

    from typer.testing import CliRunner

    from gateway.cli import app

    env = {
        "DATABASE_URL": platform.settings.database_url,
        "KANSRIJK_SECRET_KEY": TEST_SECRET,
        "KANSRIJK_DEBUG": "true",
        "KANSRIJK_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "KANSRIJK_LOG_LEVEL": "WARNING",
    }

    async def kansrijk(*args: str) -> tuple[int, str]:
        result = await asyncio.to_thread(CliRunner().invoke, app, ["webhooks", *args], env=env)
        return result.exit_code, result.output

    code, out = await kansrijk("subscribe", receiver.url, "--tenant", "utrecht", "--event", REFERRAL_STEPS, "--description", "Datawarehouse")
    assert code == 0 and f"to {REFERRAL_STEPS}" in out, out
    secret = out.split("): ")[1].strip()
    [row] = await rows(platform, WebhookSubscription)
    assert (row.url, row.created_by, row.description) == (receiver.url, "cli", "Datawarehouse")
    code, out = await kansrijk("subscribe", receiver.url, "--tenant", "utrecht", "--event", "nope.nope.nope")
    assert code == 1 and "UNKNOWN_EVENT_TYPE" in out
    code, out = await kansrijk("list", "--tenant", "utrecht")
    assert code == 0 and str(row.id) in out and "active" in out and REFERRAL_STEPS in out

    await utrecht.flow.referred_family()
    code, out = await kansrijk("deliveries", "--tenant", "utrecht", "--status", "pending")
    [delivery] = await rows(platform, WebhookDelivery)
    assert code == 0 and f"{delivery.id}  {delivery.message_id}  {REFERRAL_STEPS}  pending  attempts 0" in out, out
    code, out = await kansrijk("replay", str(delivery.id), "--tenant", "utrecht")  # sent now, by the command
    assert code == 0 and "delivered  attempts 1" in out and "last 204" in out, out
    [request] = receiver.received
    assert verified(secret, request)["type"] == REFERRAL_STEPS
    code, out = await kansrijk("replay", str(uuid.uuid4()), "--tenant", "utrecht")
    assert code == 1 and "NOT_FOUND" in out

    code, out = await kansrijk("rotate", str(row.id), "--tenant", "utrecht", "--grace-hours", "2")
    assert code == 0 and "New secret" in out and "The previous secret signs too until" in out
    code, out = await kansrijk("pause", str(row.id), "--tenant", "utrecht")
    assert code == 0 and "paused (manual)" in out
    code, out = await kansrijk("resume", str(row.id), "--tenant", "utrecht")
    assert code == 0 and "active" in out and "manual" not in out
    code, out = await kansrijk("unsubscribe", str(row.id), "--tenant", "utrecht")
    assert code == 0 and f"Deleted {row.id}" in out
    code, out = await kansrijk("list", "--tenant", "utrecht")
    assert (code, out.strip()) == (0, "No webhook subscriptions.")
    code, out = await kansrijk("list", "--tenant", "atlantis")
    assert code == 1 and "TENANT_NOT_FOUND" in out


async def test_forgetting_an_event_after_an_erasure_deletes_its_deliveries(utrecht: Gemeente, receiver: Receiver, platform: Platform) -> None:
    from core.events import forget_events

    subscription_id, _secret = await utrecht.subscribe(receiver.url, [REFERRAL_STEPS, "core.workflow.transitioned"])
    start = utcnow() - dt.timedelta(minutes=1)
    kept, erased = await sent_referral(utrecht.flow, "VK-1"), await sent_referral(utrecht.flow, "VK-2")
    by_subject = {row.payload.get("subject_id"): row.id for row in await rows(platform, OutboxEvent) if row.type == "core.workflow.transitioned"}
    deliveries = {row.event_id: row for row in await rows(platform, WebhookDelivery)}
    # One delivery per step, as the more specific of the two types subscribed to.
    assert {row.event_type for row in deliveries.values()} == {REFERRAL_STEPS} and len(deliveries) == 2
    async with platform.work_as_system("utrecht", "test") as work:
        assert await forget_events(work.session, [erased["id"]], since=start) == 2  # its step, and the feedback about it
        await work.commit()
    remaining = await rows(platform, WebhookDelivery)
    assert [row.event_id for row in remaining] == [by_subject[kept["id"]]]
    assert await platform.deliver_webhooks() == 1 and len(receiver.received) == 1
    assert erased["id"].encode() not in receiver.received[0].body and subscription_id
