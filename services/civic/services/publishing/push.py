"""Changes pushed by ckanext-civic's ``civic_push`` plugin: verify, then mirror them.

The plugin POSTs ``{"event": "changed"|"deleted", "id": ..., "name": ...}`` after a
dataset changes in CKAN (its web UI, another API client), signed with a shared
secret: ``X-Civic-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>">`` and
``X-Civic-Timestamp: <unix seconds>``. The gateway then reads the dataset from CKAN
itself (so the push carries no data to trust) and takes it into the mirror.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from civic.connectors.ckan.interfaces import CkanClient, CkanNotFound
from civic.connectors.ckan.mapping import from_package
from civic.services.catalog.ingest import Applied, apply_ckan_dataset, find_mirrored
from civic.services.clock import utcnow
from civic.services.errors import DomainError
from civic.services.uow import UnitOfWork

# A push older (or newer) than this is refused: a replayed request cannot be reused later.
MAX_SKEW_SECONDS = 300


class BadSignature(DomainError):  # noqa: N818 - what is wrong with the request
    """The push is unsigned, signed with another key, or too old."""


@dataclass(frozen=True, slots=True)
class PushEvent:
    """One change CKAN told about."""

    event: str
    id: str
    name: str


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Civic-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str | None,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    *,
    now: float | None = None,
) -> None:
    """Raise :class:`BadSignature` unless ``signature`` signs ``body`` with ``secret``, recently."""
    if not secret:
        raise BadSignature("pushes from CKAN are not configured (ckan_push_secret is unset)")
    if not timestamp or not signature:
        raise BadSignature("X-Civic-Timestamp and X-Civic-Signature are required")
    try:
        sent = int(timestamp)
    except ValueError:
        raise BadSignature("X-Civic-Timestamp is not a number of seconds") from None
    if abs((now if now is not None else time.time()) - sent) > MAX_SKEW_SECONDS:
        raise BadSignature("the push is too old or from the future")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise BadSignature("the signature does not match")


def apply_push(uow: UnitOfWork, ckan: CkanClient, event: PushEvent) -> Applied:
    """Take the pushed dataset's current CKAN state into the mirror.

    A dataset CKAN no longer has (purged) is withdrawn. Raises the connector's
    ``CkanUnavailable`` (CKAN will not answer its own push; reconcile repairs it).
    """
    try:
        package = ckan.dataset_show(event.id or event.name)
    except CkanNotFound:
        dataset = find_mirrored(uow, event.id, event.name)
        if dataset is None or dataset.deleted_at is not None:
            return Applied.UNCHANGED
        dataset.deleted_at = utcnow()
        return Applied.WITHDRAWN
    # A dataset made private leaves the mirror (the public catalog): apply_ckan_dataset.
    return apply_ckan_dataset(uow, ckan, from_package(package))
