"""Sending mail, pluggable by setting (`KANSRIJK_MAIL_SENDER`):

* `console`: log the message (development; the demo uses it);
* `file`: write each message as an .eml file to `KANSRIJK_MAIL_DIR`;
* `package.module:ClassName`: your own sender class, constructed with the settings, with
  an `async def send(message: EmailMessage) -> None` (e.g. SMTP or the gemeente's mail
  service).
"""

from __future__ import annotations

import importlib
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import structlog

from core.config import Settings

log = structlog.get_logger(__name__)


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class ConsoleSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        # The body holds a one-time link; it is logged only in development.
        body = message.get_content() if self.settings.debug else "(body not logged outside debug)"
        log.info("mail.console", to=message["To"], subject=message["Subject"], body=body)


class FileSender:
    def __init__(self, settings: Settings) -> None:
        self.directory = Path(settings.mail_dir)

    async def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(message))
        log.info("mail.file", to=message["To"], subject=message["Subject"], path=str(path))


def sender_for(settings: Settings) -> MailSender:
    if settings.mail_sender == "console":
        return ConsoleSender(settings)
    if settings.mail_sender == "file":
        return FileSender(settings)
    module_name, _, class_name = settings.mail_sender.partition(":")
    sender_class: Any = getattr(importlib.import_module(module_name), class_name)
    return sender_class(settings)


def message(settings: Settings, *, to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail
