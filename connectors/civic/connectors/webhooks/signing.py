"""Signatures of webhook bodies: HMAC-SHA256 over the timestamp and the body.

The sender adds two headers::

    Civic-Webhook-Timestamp: 1764134400
    Civic-Webhook-Signature: sha256=<hex of HMAC-SHA256(secret, "1764134400." + body)>

A receiver recomputes the HMAC over the exact bytes it received, compares in
constant time, and refuses timestamps too far from its clock (replays). Signing the
timestamp with the body means an old delivery cannot be replayed with a new date.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "Civic-Webhook-Timestamp"
SIGNATURE_HEADER = "Civic-Webhook-Signature"
SCHEME = "sha256="
DEFAULT_TOLERANCE = 300  # seconds a receiver should accept between the timestamp and now


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    message = str(timestamp).encode("ascii") + b"." + body
    return SCHEME + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The timestamp and signature headers for ``body`` (now, unless ``timestamp`` is given)."""
    when = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(when), SIGNATURE_HEADER: signature(secret, when, body)}


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    signature_value: str,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """Whether ``signature_value`` signs ``body`` at ``timestamp``, within ``tolerance`` of now."""
    try:
        when = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - when) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, when, body), signature_value)
