"""Webhook secrets and signatures (Standard Webhooks, with the `standardwebhooks` library).

A secret is `whsec_` + 32 random bytes in base64, one per subscription, shown once (when it
is made or rotated) and stored encrypted with a key derived from the platform's secret
(`derive_fernet`, purpose `webhook-secrets`). Each attempt is signed over
`{webhook-id}.{webhook-timestamp}.{body}` with HMAC-SHA256; while a rotation runs the
previous secret signs too, and `webhook-signature` carries both (`v1,<new> v1,<old>`,
space-separated, as the spec provides), so a receiver that still has the old secret keeps
verifying until it switched.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet
from standardwebhooks import Webhook

from core.identity.crypto import decrypt, derive_fernet, encrypt

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
PURPOSE = "webhook-secrets"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


@lru_cache(maxsize=8)
def _fernet(platform_secret: str) -> Fernet:
    return derive_fernet(platform_secret, PURPOSE)


def seal_secret(platform_secret: str, secret: str) -> str:
    """The secret as it is stored."""
    return encrypt(_fernet(platform_secret), secret)


def open_secret(platform_secret: str, stored: str) -> str:
    return decrypt(_fernet(platform_secret), stored)


def signature_header(secrets_in_use: Sequence[str], message_id: str, timestamp: dt.datetime, body: str) -> str:
    """`webhook-signature`: one `v1,<signature>` per secret, space-separated (newest first)."""
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets_in_use)


def signed_headers(secrets_in_use: Sequence[str], message_id: str, timestamp: dt.datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(secrets_in_use, message_id, timestamp, body),
    }
