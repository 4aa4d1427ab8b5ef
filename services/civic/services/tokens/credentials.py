"""Random credentials and their stored form."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Prefixes make a leaked credential recognizable by secret scanners and by people.
# (S105: prefixes, not secrets.)
ACCESS_TOKEN = "cvat_"  # noqa: S105
REFRESH_TOKEN = "cvrt_"  # noqa: S105
AUTHORIZATION_CODE = "cvac_"
CLIENT_SECRET = "cvcs_"  # noqa: S105
REGISTRATION_TOKEN = "cvrg_"  # noqa: S105
INITIAL_ACCESS_TOKEN = "cvia_"  # noqa: S105
CLIENT_ID = "cvc_"
# Personal API tokens: spelled out, as CKAN clients show it in configuration files.
PERSONAL_TOKEN = "civic_pat_"  # noqa: S105


def new_secret(prefix: str) -> str:
    """A new credential: ``prefix`` and 256 random bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def new_client_id() -> str:
    """A new public client identifier (not a secret, but not guessable either)."""
    return CLIENT_ID + secrets.token_urlsafe(16)


def digest(value: str) -> str:
    """The stored form of a credential: its SHA-256, in hex."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def matches(value: str, stored_digest: str | None) -> bool:
    """Whether ``value`` is the credential stored as ``stored_digest``, in constant time."""
    if stored_digest is None:
        return False
    return hmac.compare_digest(digest(value), stored_digest)
