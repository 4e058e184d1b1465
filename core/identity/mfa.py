"""TOTP second factor (pyotp) and recovery codes."""

from __future__ import annotations

import secrets
import time

import pyotp

from core.identity.passwords import hash_password, verify_password

ISSUER_NAME = "Kansrijke Start"
RECOVERY_CODES = 10
VALID_WINDOW = 1  # accept the previous and next 30-second step (clock skew)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER_NAME)


def matching_step(secret: str, code: str, last_step: int | None, *, now: float | None = None) -> int | None:
    """The time step a valid code belongs to, or None. A code of a step already used (or
    older) is refused, so a code cannot be replayed."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like `7f3k-q9m2-x8d4`, shown once; stored as argon2 hashes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)) for _ in range(RECOVERY_CODES)]


def hash_recovery_code(code: str) -> str:
    return hash_password(code.strip().lower())


def recovery_code_matches(code_hash: str, code: str) -> bool:
    return verify_password(code_hash, code.strip().lower())
