"""The identity part of a platform instance: its settings, keys, token service and the
helpers that need the platform secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet

from core.config import Settings
from core.identity.crypto import decrypt, derive_fernet, encrypt
from core.identity.keys import KeyStore
from core.identity.tokens import TokenService


@dataclass
class Identity:
    settings: Settings
    keys: KeyStore
    tokens: TokenService
    _totp_fernet: Fernet = field(repr=False)

    @classmethod
    def create(cls, settings: Settings, sessionmaker: Any) -> Identity:
        secret = settings.secret_key.get_secret_value()
        keys = KeyStore(sessionmaker, secret, settings.access_token_lifetime)
        return cls(
            settings=settings,
            keys=keys,
            tokens=TokenService(settings, keys),
            _totp_fernet=derive_fernet(secret, "totp-secrets"),
        )

    def seal_totp(self, secret: str) -> str:
        return encrypt(self._totp_fernet, secret)

    def open_totp(self, sealed: str) -> str:
        return decrypt(self._totp_fernet, sealed)
