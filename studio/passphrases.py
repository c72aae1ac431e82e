"""Sign-in passphrases: one per person, stored only as an argon2id hash.

argon2id is memory-hard (each guess costs 64 MiB and a few tens of
milliseconds), so a copied project file does not give up its passphrases to a
graphics card overnight. argon2-cffi is the reference implementation's binding;
its PasswordHasher salts each hash and records its parameters in it, so stronger
parameters later still verify old hashes.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from studio.errors import StudioError

MIN_LENGTH = 8
# The library's defaults (RFC 9106 "low memory" profile: t=3, 64 MiB, 4 lanes), argon2id.
_HASHER = PasswordHasher()


def hash_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_LENGTH:
        raise StudioError(f"a passphrase needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(passphrase)


def matches(stored_hash: str, passphrase: str) -> bool:
    """True when `passphrase` is the one hashed; never raises for a wrong or damaged hash."""
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, passphrase)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
