"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106's second choice).

Only the PHC string (algorithm, parameters, salt, hash) is stored. ``needs_rehash``
lets a login upgrade a hash made with older parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()

# A hash of a random password, verified when the account does not exist, so that a
# login attempt takes the same time whether or not the email is known.
_DUMMY_HASH = _HASHER.hash("the account does not exist")

MIN_LENGTH = 12
MAX_LENGTH = 1024


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password``, as a PHC string."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (None: compare with a dummy, then False)."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
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
