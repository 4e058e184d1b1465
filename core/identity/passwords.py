"""Password hashing (argon2id, argon2-cffi) and the password policy (length, and zxcvbn
to refuse common and easily guessed passwords)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.errors import ValidationFailed

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MAX_PASSWORD_LENGTH = 256
MIN_STRENGTH = 3  # zxcvbn score 0..4; 3 = "safely unguessable: moderate protection"
# zxcvbn's dictionaries are English; these Dutch words are as guessable here.
DUTCH_COMMON_WORDS = [
    "welkom", "wachtwoord", "geheim", "kansrijke", "kansrijkestart", "gemeente", "coalitie",
    "voorjaar", "zomer", "najaar", "herfst", "winter", "januari", "februari", "maart", "april",
    "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december",
    "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag",
    "hallo", "schat", "liefde", "ajax", "feyenoord", "psv", "nederland", "holland", "amsterdam",
    "rotterdam", "utrecht", "denbosch", "baby", "mama", "papa", "kindje", "verloskundige", "jgz",
]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. Without a hash, a dummy verification runs so the
    answer takes as long as for a real account."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_policy(password: str, *, min_length: int, user_inputs: list[str], field: str = "password") -> None:
    if len(password) < min_length:
        raise ValidationFailed(f"Een wachtwoord heeft minstens {min_length} tekens.", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"Een wachtwoord heeft hoogstens {MAX_PASSWORD_LENGTH} tekens.", field=field)
    # Imported when first needed: loading its dictionaries is a sixth of a second of start-up.
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:100], user_inputs=[*user_inputs, *DUTCH_COMMON_WORDS])
    if result["score"] < MIN_STRENGTH:
        warning = result["feedback"].get("warning") or "Dit wachtwoord is te makkelijk te raden."
        raise ValidationFailed(
            "Dit wachtwoord is te makkelijk te raden (het staat in lijsten van veelgebruikte wachtwoorden "
            f"of volgt een voorspelbaar patroon). Kies een langere zin van losse woorden. ({warning})",
            field=field,
        )


#: Verified instead when there is no hash: a fixed hash of a phrase nobody uses, with the
#: hasher's parameters (tests/identity/test_passwords.py holds it to them). Hashing it at
#: import instead took ~0.13 s of every process's start-up.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$r821da+5SD6O8i0gnlwOOw$HDJ1XVYch0Jbbs8M9bL81mugeq1o5mnDIARUnv9/1Iw"
