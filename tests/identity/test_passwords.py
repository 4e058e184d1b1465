"""The password hashing's fixed parts."""

from __future__ import annotations

from argon2 import PasswordHasher

from core.identity import passwords


def test_the_dummy_hash_costs_what_a_real_hash_costs() -> None:
    """An unknown account's login verifies the fixed dummy hash, so it must carry the
    hasher's current parameters (memory, time, parallelism, variant): a cheaper one would
    tell an attacker which addresses have an account."""
    assert passwords._DUMMY_HASH.startswith("$argon2id$")
    assert not passwords.needs_rehash(passwords._DUMMY_HASH)
    assert not PasswordHasher().check_needs_rehash(passwords._DUMMY_HASH)  # the library's own defaults too
    real = passwords.hash_password("een-echt-wachtwoord-van-iemand")
    assert real.split("$")[1:4] == passwords._DUMMY_HASH.split("$")[1:4]


def test_an_account_without_a_hash_never_verifies_but_does_the_work() -> None:
    assert passwords.verify_password(None, "not-a-real-password: equalises timing for unknown accounts") is False
    assert passwords.verify_password(None, "anything") is False
    # A well-formed hash of a known phrase: verifying it is the full work. A malformed one
    # would fail fast (InvalidHashError) and make unknown accounts answer sooner.
    assert PasswordHasher().verify(passwords._DUMMY_HASH, "not-a-real-password: equalises timing for unknown accounts")
