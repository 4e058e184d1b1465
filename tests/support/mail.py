"""A mail sender for the tests (plugged in with KANSRIJK_MAIL_SENDER): keeps the messages."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

OUTBOX: list[EmailMessage] = []


class CapturingSender:
    def __init__(self, settings: Any) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        OUTBOX.append(message)
