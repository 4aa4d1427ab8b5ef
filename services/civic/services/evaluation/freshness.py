"""How fresh a report's usage is: the instant it runs to, buffers included.

Usage reaches the database in two steps, and a report asked for right after a call
must count it through both:

1. Each gateway worker queues its events in memory and writes them at least every
   ``usage_flush_interval`` (:mod:`civic.services.usage.writer`). After each pass the
   writer announces in Redis, under :data:`FLUSHED_PREFIX` and its host and process,
   the instant up to which every event it recorded is written (a key that expires
   when the worker is gone). :func:`await_writers` waits until every live worker has
   announced an instant at or after the report's cut-off: at most about one flush
   interval.
2. Written events are rolled up into ``usage_daily`` every minute or so. The SQL
   evidence source reads the rollups, adds the events not rolled up yet (those at or
   above the rollup's watermark, in the same statement) and reads the cut-off's own
   day from the raw events, up to the cut-off: nothing is counted twice or missed.

The report then states ``usage_until``: the cut-off, or the end of its period when
that is earlier.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("civic.evaluation")
FLUSHED_PREFIX = "civic:usage:flushed:"
# A worker that has not announced for this long is gone (its writer announces every
# flush interval, at most a second): its key expires and reports stop waiting for it.
ANNOUNCE_TTL = 30


def announce_flushed(redis: Callable[[], Any], through: float) -> None:
    """Record in Redis that this process has written every event recorded before
    ``through`` (``time.time()``). Raises Redis's errors (the writer logs them)."""
    key = f"{FLUSHED_PREFIX}{socket.gethostname()}:{os.getpid()}"
    redis().set(key, repr(through), ex=ANNOUNCE_TTL)


@dataclass(frozen=True, slots=True)
class Freshness:
    """Up to when a report's usage runs, and how that was made sure of."""

    until: dt.datetime
    note: str


@dataclass(frozen=True, slots=True)
class WriterBarrier:
    """The workers whose buffered events were awaited: those that confirmed, and
    those still behind when the wait ended (their last events may be missing)."""

    confirmed: int
    behind: tuple[str, ...]
    error: str | None = None

    def describe(self) -> str:
        """The barrier in a sentence of the report."""
        if self.error is not None:
            return (
                f"the workers' buffers could not be checked ({self.error}): events of the "
                "last second may be missing"
            )
        text = f"buffered events of {self.confirmed} gateway worker(s) confirmed written"
        if self.behind:
            text += f"; {len(self.behind)} did not confirm in time (its last events may be missing)"
        return text


def await_writers(
    redis: Any, cutoff: dt.datetime, *, timeout: float = 3.0, poll: float = 0.02
) -> WriterBarrier:
    """Wait until every live worker's writer has written what it recorded before
    ``cutoff`` (or ``timeout`` seconds pass). Raises nothing: a Redis error is told."""
    target = cutoff.timestamp()
    deadline = time.monotonic() + timeout
    try:
        while True:
            keys = sorted(redis.scan_iter(match=f"{FLUSHED_PREFIX}*", count=200))
            values = redis.mget(keys) if keys else []
            announced = {
                _text(key): float(value) for key, value in zip(keys, values, strict=True) if value
            }
            behind = tuple(key for key, at in announced.items() if at < target)
            if not behind or time.monotonic() >= deadline:
                return WriterBarrier(len(announced) - len(behind), behind)
            time.sleep(poll)
    except Exception as error:  # a report without Redis still reports
        log.warning("report freshness: cannot read the writers' announcements: %s", error)
        return WriterBarrier(0, (), error=type(error).__name__)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
