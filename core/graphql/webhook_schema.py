"""Core's GraphQL for webhooks (docs/webhooks.md): the coalition admin subscribes the
gemeente's systems to event types, reads the delivery log and replays a delivery; the
catalogue of event types with their payload schemas. Secrets are shown once, when made."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import strawberry
from strawberry.types import Info

from core.db import utcnow
from core.graphql.fields import container, field, mutation, readable_with
from core.graphql.pagination import Connection, paginate, paginate_list
from core.webhooks import service
from core.webhooks.catalogue import catalogue
from core.webhooks.models import PauseReason, SubscriptionStatus, WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription

READ = "core.webhook.read"
MANAGE = "core.webhook.manage"

WebhookSubscriptionStatusEnum = strawberry.enum(
    SubscriptionStatus, name="WebhookSubscriptionStatus", description="Of een webhook-abonnement verstuurt (ACTIVE) of niet (PAUSED)."
)
WebhookPauseReasonEnum = strawberry.enum(
    PauseReason,
    name="WebhookPauseReason",
    description="Waarom een abonnement gepauzeerd is: MANUAL (met de hand), FAILING (alles mislukte te lang), GONE (de ontvanger antwoordde 410).",
)
WebhookDeliveryStatusEnum = strawberry.enum(
    WebhookDeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING (wacht op verzending), FAILED (mislukt, wordt opnieuw geprobeerd), DELIVERED, DEAD (opgegeven; opnieuw te versturen).",
)


def _id(value: Any) -> strawberry.ID:
    return strawberry.ID(str(value))


@readable_with(READ)
@strawberry.type(name="WebhookSubscription", description="Een systeem van de gemeente dat meldingen van gebeurtenissen krijgt.")
class WebhookSubscriptionNode:
    id: strawberry.ID
    url: str
    description: str
    event_types: list[str] = strawberry.field(description="De gebeurtenistypen (zie webhookEventTypes).")
    status: WebhookSubscriptionStatusEnum  # type: ignore[valid-type]
    paused_at: dt.datetime | None
    pause_reason: WebhookPauseReasonEnum | None  # type: ignore[valid-type]
    previous_secret_valid_until: dt.datetime | None = strawberry.field(
        description="Tijdens het wisselen van het secret: tot wanneer het vorige secret ook ondertekent."
    )
    consecutive_failures: int = strawberry.field(description="Mislukte pogingen sinds de laatste geslaagde.")
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: WebhookSubscription) -> WebhookSubscriptionNode:
        grace = row.previous_secret_expires_at if row.previous_secret and row.previous_secret_expires_at and row.previous_secret_expires_at > utcnow() else None
        return cls(
            id=_id(row.id),
            url=row.url,
            description=row.description,
            event_types=list(row.event_types),
            status=SubscriptionStatus(row.status),
            paused_at=row.paused_at,
            pause_reason=PauseReason(row.pause_reason) if row.pause_reason else None,
            previous_secret_valid_until=grace,
            consecutive_failures=row.consecutive_failures,
            last_success_at=row.last_success_at,
            last_failure_at=row.last_failure_at,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@readable_with(READ)
@strawberry.type(name="WebhookDelivery", description="Eén gebeurtenis voor één abonnement: de pogingen en hun uitkomst.")
class WebhookDeliveryNode:
    id: strawberry.ID
    webhook_id: str = strawberry.field(description="De header webhook-id: gelijk bij elke poging en elke herhaling.")
    subscription_id: strawberry.ID
    event_id: strawberry.ID
    event_type: str
    status: WebhookDeliveryStatusEnum  # type: ignore[valid-type]
    attempts: int = strawberry.field(description="Pogingen in de huidige reeks (een herhaling begint een nieuwe).")
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_status_code: int | None = strawberry.field(description="De HTTP-status van het laatste antwoord.")
    last_error: str | None = strawberry.field(description="Wat er de laatste keer misging (nooit de inhoud van het antwoord).")
    delivered_at: dt.datetime | None
    replays: int = strawberry.field(description="Hoe vaak de aflevering opnieuw is verstuurd.")
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: WebhookDelivery) -> WebhookDeliveryNode:
        return cls(
            id=_id(row.id),
            webhook_id=row.message_id,
            subscription_id=_id(row.subscription_id),
            event_id=_id(row.event_id),
            event_type=row.event_type,
            status=WebhookDeliveryStatus(row.status),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_attempt_at=row.last_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
            replays=row.replays,
            created_at=row.created_at,
        )


@readable_with(READ)
@strawberry.type(name="WebhookEventField", description="Een veld van de data van een gebeurtenis.")
class WebhookEventFieldNode:
    name: str
    type: str = strawberry.field(description="uuid, string (een code), date, datetime, integer of boolean; met [] een lijst.")
    description: str


@readable_with(READ)
@strawberry.type(name="WebhookEventType", description="Een gebeurtenistype waarop een webhook kan abonneren.")
class WebhookEventTypeNode:
    name: str
    module: str
    version: int = strawberry.field(description="De versie van het schema van de data.")
    description: str
    fields: list[WebhookEventFieldNode]
    payload_schema: str = strawberry.field(description="Het JSON Schema van `data` (als tekst).")


@strawberry.input
class CreateWebhookSubscriptionInput:
    url: str = strawberry.field(description="https-URL van de ontvanger.")
    event_types: list[str]
    description: str | None = None


@strawberry.input
class UpdateWebhookSubscriptionInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    event_types: list[str] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class WebhookSubscriptionIdInput:
    id: strawberry.ID


@strawberry.input
class RotateWebhookSecretInput:
    id: strawberry.ID
    grace_hours: int | None = strawberry.field(
        default=None, description="Hoe lang het vorige secret ook geldig blijft (standaard 24 uur; 0: meteen niet meer)."
    )


@strawberry.input
class ReplayWebhookDeliveryInput:
    id: strawberry.ID


@container
@strawberry.type
class WebhookSubscriptionPayload:
    subscription: WebhookSubscriptionNode


@container
@strawberry.type(description="Het abonnement en zijn nieuwe secret: dit is de enige keer dat het secret te zien is.")
class WebhookSecretPayload:
    subscription: WebhookSubscriptionNode
    secret: str = strawberry.field(description="Het secret (whsec_…) om handtekeningen mee te controleren. Bewaar het veilig.")


@container
@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDeliveryNode


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


@strawberry.type
class WebhookQuery:
    @field(permission=READ, description="De webhook-abonnementen van de gemeente, oudste eerst.")
    async def webhook_subscriptions(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[WebhookSubscriptionNode]:
        return await paginate(
            info.context.session,
            service.subscriptions_statement(),
            order_by=[WebhookSubscription.created_at, WebhookSubscription.id],
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=WebhookSubscriptionNode.from_row,
        )

    @field(permission=READ)
    async def webhook_subscription(self, info: Info, id: strawberry.ID) -> WebhookSubscriptionNode:
        return WebhookSubscriptionNode.from_row(await service.get_subscription(info.context, id, field="id"))

    @field(permission=READ, description="De afleverlog: de afleveringen (van één abonnement, met een status), nieuwste eerst.")
    async def webhook_deliveries(
        self,
        info: Info,
        subscription_id: strawberry.ID | None = None,
        status: WebhookDeliveryStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDeliveryNode]:
        wanted = None
        if subscription_id is not None:
            wanted = (await service.get_subscription(info.context, subscription_id, field="subscriptionId")).id
        return await paginate(
            info.context.session,
            service.deliveries_statement(wanted, status.value if status is not None else None),
            order_by=[WebhookDelivery.created_at, WebhookDelivery.id],
            descending=True,
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
            to_node=WebhookDeliveryNode.from_row,
        )

    @field(permission=READ, description="De gebeurtenistypen waarop een webhook kan abonneren, met het schema van hun data.")
    async def webhook_event_types(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[WebhookEventTypeNode]:
        entries = catalogue(info.context.runtime)
        nodes = [
            WebhookEventTypeNode(
                name=name,
                module=entry.module,
                version=entry.event_type.version,
                description=entry.event_type.description,
                fields=[WebhookEventFieldNode(name=key, type=kind, description=text) for key, (kind, text) in entry.event_type.payload.items()],
                payload_schema=json.dumps(entry.event_type.json_schema(), ensure_ascii=False),
            )
            for name, entry in sorted(entries.items())
        ]
        return await paginate_list(nodes, first=first, after=after, max_page_size=info.context.settings.graphql_max_page_size)


@strawberry.type
class WebhookMutation:
    @mutation(permission=MANAGE, description="Een systeem abonneren op gebeurtenistypen. Het antwoord toont het secret, alleen deze keer.")
    async def create_webhook_subscription(self, info: Info, input: CreateWebhookSubscriptionInput) -> WebhookSecretPayload:
        row, secret = await service.create_subscription(info.context, url=input.url, event_types=input.event_types, description=input.description)
        return WebhookSecretPayload(subscription=WebhookSubscriptionNode.from_row(row), secret=secret)

    @mutation(permission=MANAGE, description="De URL, de gebeurtenistypen of de omschrijving wijzigen (alleen wat is opgegeven).")
    async def update_webhook_subscription(self, info: Info, input: UpdateWebhookSubscriptionInput) -> WebhookSubscriptionPayload:
        row = await service.update_subscription(
            info.context, input.id, url=_given(input.url), event_types=_given(input.event_types), description=_given(input.description)
        )
        return WebhookSubscriptionPayload(subscription=WebhookSubscriptionNode.from_row(row))

    @mutation(permission=MANAGE, description="Een nieuw secret maken; het vorige ondertekent nog tot het eind van de overgangstijd mee.")
    async def rotate_webhook_secret(self, info: Info, input: RotateWebhookSecretInput) -> WebhookSecretPayload:
        row, secret = await service.rotate_secret(info.context, input.id, grace_hours=input.grace_hours)
        return WebhookSecretPayload(subscription=WebhookSubscriptionNode.from_row(row), secret=secret)

    @mutation(permission=MANAGE, description="Het wisselen van het secret afronden: het vorige secret ondertekent niet meer.")
    async def finish_webhook_secret_rotation(self, info: Info, input: WebhookSubscriptionIdInput) -> WebhookSubscriptionPayload:
        return WebhookSubscriptionPayload(subscription=WebhookSubscriptionNode.from_row(await service.finish_rotation(info.context, input.id)))

    @mutation(permission=MANAGE, description="Het versturen stoppen; wat wacht, blijft bewaard.")
    async def pause_webhook_subscription(self, info: Info, input: WebhookSubscriptionIdInput) -> WebhookSubscriptionPayload:
        return WebhookSubscriptionPayload(subscription=WebhookSubscriptionNode.from_row(await service.pause_subscription(info.context, input.id)))

    @mutation(permission=MANAGE, description="Weer versturen; wat wachtte, gaat meteen.")
    async def resume_webhook_subscription(self, info: Info, input: WebhookSubscriptionIdInput) -> WebhookSubscriptionPayload:
        return WebhookSubscriptionPayload(subscription=WebhookSubscriptionNode.from_row(await service.resume_subscription(info.context, input.id)))

    @mutation(permission=MANAGE, description="Een abonnement en zijn afleverlog verwijderen.")
    async def delete_webhook_subscription(self, info: Info, input: WebhookSubscriptionIdInput) -> WebhookSubscriptionPayload:
        return WebhookSubscriptionPayload(subscription=WebhookSubscriptionNode.from_row(await service.delete_subscription(info.context, input.id)))

    @mutation(permission=MANAGE, description="Een aflevering opnieuw versturen, met dezelfde webhook-id (binnen enkele seconden).")
    async def replay_webhook_delivery(self, info: Info, input: ReplayWebhookDeliveryInput) -> WebhookDeliveryPayload:
        return WebhookDeliveryPayload(delivery=WebhookDeliveryNode.from_row(await service.replay_delivery(info.context, input.id)))
