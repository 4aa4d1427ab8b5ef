"""The usage event as the gateway and the importer hand it to the writer.

A plain named tuple: building one on the request path costs about a microsecond,
and the writer turns it into a ``COPY`` row without any mapping layer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NamedTuple

# Upper bounds (milliseconds) of the latency histogram's buckets; the last bucket
# holds everything slower. Percentiles read from it are estimates within a bucket.
LATENCY_BUCKETS_MS: tuple[float, ...] = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
HISTOGRAM_SIZE = len(LATENCY_BUCKETS_MS) + 1


class Event(NamedTuple):
    """One usage event, in the column order of the writer's ``COPY``.

    ``ip_hash`` is always a hash (see :mod:`civic.services.usage.privacy`); the raw
    address travels beside the event to the writer, which hashes it.
    ``resource_ckan_id`` is only for imported events: the writer maps it to the
    resource of the mirror that CKAN knows by this id, if any.
    """

    id: uuid.UUID | str  # a UUID, or its 32 hex digits (imports)
    occurred_at: dt.datetime
    kind: str
    source: str
    status: int
    request_id: str | None = None
    app_id: uuid.UUID | None = None
    actor_type: str | None = None
    user_id: uuid.UUID | None = None
    method: str | None = None
    route: str | None = None
    dataset_id: uuid.UUID | None = None
    dataset_name: str | None = None
    resource_id: uuid.UUID | None = None
    duration_ms: float | None = None
    bytes: int | None = None
    ip_hash: str | None = None
    resource_ckan_id: str | None = None


COLUMNS: tuple[str, ...] = Event._fields


def latency_bucket(duration_ms: float) -> int:
    """The histogram bucket (0-based) of a latency."""
    for index, bound in enumerate(LATENCY_BUCKETS_MS):
        if duration_ms < bound:
            return index
    return len(LATENCY_BUCKETS_MS)


def percentile_from_histogram(histogram: list[int], fraction: float) -> float | None:
    """The ``fraction`` percentile (0 < fraction <= 1) estimated from a latency histogram.

    Linear within the bucket that holds it; in the open last bucket, its lower
    bound. None when the histogram is empty.
    """
    total = sum(histogram)
    if total == 0:
        return None
    rank = fraction * total
    seen = 0
    for index, count in enumerate(histogram):
        if count and seen + count >= rank:
            lower = LATENCY_BUCKETS_MS[index - 1] if index > 0 else 0.0
            if index >= len(LATENCY_BUCKETS_MS):
                return float(lower)
            upper = LATENCY_BUCKETS_MS[index]
            return round(lower + (upper - lower) * (rank - seen) / count, 2)
        seen += count
    return float(LATENCY_BUCKETS_MS[-1])
