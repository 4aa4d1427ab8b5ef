"""Password hashing with Argon2id.

Parameters are OWASP's (Password Storage Cheat Sheet): 19 MiB, 2 iterations, one
lane. argon2-cffi's defaults (64 MiB, 3 iterations, 4 lanes) took 300 ms per login
on the 2-core machines this runs on, which would make the login form itself a
cheap way to exhaust the gateway's CPU. Only the PHC string (algorithm, parameters,
salt, hash) is stored; ``needs_rehash`` lets a login move a hash to new parameters.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 12
MAX_LENGTH = 1024


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password``, as a PHC string."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (None: compare with a dummy, then False)."""
    try:
        return (
            _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, or None (length only, as NIST SP 800-63B advises)."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    return None


@cache
def _dummy_hash() -> str:
    # Verified when the account does not exist, so that a login attempt takes the
    # same time whether or not the email is known. Made on first use, not at import.
    return _HASHER.hash("the account does not exist")
