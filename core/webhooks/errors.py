"""The errors of webhook management: each a stable `extensions.code` with a Dutch message."""

from __future__ import annotations

from core.errors import Conflict, ValidationFailed


class WebhookUrlInvalid(ValidationFailed):
    """De webhook-URL is geen geldige absolute URL (of bevat inloggegevens of een fragment)."""

    code = "WEBHOOK_URL_INVALID"


class WebhookUrlNotHttps(ValidationFailed):
    """Een webhook-URL moet https gebruiken (http alleen in de ontwikkelomgeving)."""

    code = "WEBHOOK_URL_NOT_HTTPS"


class WebhookTargetNotAllowed(ValidationFailed):
    """De webhook-URL wijst naar een adres dat niet van buiten bereikbaar hoort te zijn
    (loopback, privé, link-local, multicast, gereserveerd), of de naam is niet te vinden."""

    code = "WEBHOOK_TARGET_NOT_ALLOWED"


class UnknownEventType(ValidationFailed):
    """Een gevraagd gebeurtenistype bestaat niet (zie `webhookEventTypes`)."""

    code = "UNKNOWN_EVENT_TYPE"


class WebhookLimitReached(Conflict):
    """De gemeente heeft het grootste aantal webhook-abonnementen al."""

    code = "WEBHOOK_LIMIT_REACHED"


class WebhookPaused(Conflict):
    """Het webhook-abonnement is gepauzeerd: hervat het eerst."""

    code = "WEBHOOK_PAUSED"
