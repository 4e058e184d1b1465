"""Small, standard cryptographic helpers (the `cryptography` library does the work)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_fernet(secret: str, purpose: str) -> Fernet:
    """A Fernet key for one purpose, derived from the platform secret (HKDF-SHA256)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(fernet: Fernet, plaintext: str) -> str:
    return fernet.encrypt(plaintext.encode()).decode()


def decrypt(fernet: Fernet, token: str) -> str:
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong secret key or damaged value") from exc


def new_token(nbytes: int = 32) -> str:
    """A random, URL-safe secret (refresh tokens, invitation tokens, client secrets)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """How high-entropy secrets are stored: SHA-256 (they are random, so no slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_hash(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored_hash)
