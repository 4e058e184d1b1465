"""Signing keys for access tokens (ES256, each with a `kid`), their rotation and the JWKS.

Keys live in the database (private keys encrypted with the platform secret), so every app
replica signs with the same active key and publishes the same JWKS. A replica reloads the
keys when it meets an unknown `kid` (at most every few seconds) or when its copy is older
than a minute, so a rotation made by one replica or by the CLI reaches all of them.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import structlog
from joserfc.jwk import ECKey, KeySet
from sqlalchemy import select

from core.db import utcnow
from core.identity.crypto import decrypt, derive_fernet, encrypt
from core.identity.models import SigningKey

log = structlog.get_logger(__name__)

ALGORITHM = "ES256"
RELOAD_AFTER_SECONDS = 60
UNKNOWN_KID_RELOAD_SECONDS = 5


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    key: ECKey
    retired_at: dt.datetime | None


class KeyStore:
    def __init__(self, sessionmaker: Any, secret: str, token_lifetime: int) -> None:
        self._sessionmaker = sessionmaker
        self._fernet = derive_fernet(secret, "signing-keys")
        self._token_lifetime = dt.timedelta(seconds=token_lifetime)
        self._keys: dict[str, LoadedKey] = {}
        self._active: LoadedKey | None = None
        self._loaded_at = 0.0
        self._unknown_kid_reload_at = 0.0

    # -- loading -------------------------------------------------------------------------

    async def _load(self, session: Any) -> None:
        rows = (await session.execute(select(SigningKey).order_by(SigningKey.created_at))).scalars().all()
        keys = {}
        for row in rows:
            pem = decrypt(self._fernet, row.private_key)
            keys[row.kid] = LoadedKey(row.kid, ECKey.import_key(pem, parameters={"kid": row.kid}), row.retired_at)
        self._keys = keys
        active = [key for key in keys.values() if key.retired_at is None]
        self._active = active[-1] if active else None
        self._loaded_at = time.monotonic()

    async def refresh(self, *, force: bool = False) -> None:
        if force or time.monotonic() - self._loaded_at > RELOAD_AFTER_SECONDS:
            async with self._sessionmaker() as session:
                await self._load(session)

    async def ensure_active(self) -> None:
        """Create the first key when there is none (a fresh installation)."""
        await self.refresh(force=True)
        if self._active is None:
            await self.rotate()

    async def rotate(self) -> str:
        """Create a new active key; the previous one is retired (still published)."""
        key = ECKey.generate_key("P-256", private=True, auto_kid=True)
        kid = key.kid
        assert kid is not None
        async with self._sessionmaker() as session:
            now = utcnow()
            for row in (await session.execute(select(SigningKey).where(SigningKey.retired_at.is_(None)))).scalars():
                row.retired_at = now
            session.add(
                SigningKey(
                    kid=kid,
                    algorithm=ALGORITHM,
                    private_key=encrypt(self._fernet, key.as_pem(private=True).decode()),
                    public_jwk=key.as_dict(private=False, kid=kid, alg=ALGORITHM, use="sig"),
                )
            )
            await session.commit()
            await self._load(session)
        log.info("signing_key.rotated", kid=kid)
        return kid

    # -- use -----------------------------------------------------------------------------

    async def signing_key(self) -> LoadedKey:
        await self.refresh()
        if self._active is None:
            # Created at start-up (Platform.start), never inside a unit of work: a new key
            # needs its own transaction.
            raise RuntimeError("no active signing key: the platform was not started")
        return self._active

    async def verification_key(self, kid: str) -> ECKey | None:
        """The key with this kid, if it may still verify tokens."""
        await self.refresh()
        loaded = self._keys.get(kid)
        if loaded is None and time.monotonic() - self._unknown_kid_reload_at > UNKNOWN_KID_RELOAD_SECONDS:
            self._unknown_kid_reload_at = time.monotonic()
            await self.refresh(force=True)
            loaded = self._keys.get(kid)
        if loaded is None or not self._published(loaded):
            return None
        return loaded.key

    def _published(self, key: LoadedKey) -> bool:
        return key.retired_at is None or key.retired_at + self._token_lifetime > utcnow()

    async def jwks(self) -> dict[str, Any]:
        await self.refresh()
        key_set = KeySet([loaded.key for loaded in self._keys.values() if self._published(loaded)])
        published = key_set.as_dict(private=False)
        for entry in published["keys"]:
            entry.update({"alg": ALGORITHM, "use": "sig"})
        return published
