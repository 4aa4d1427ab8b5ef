"""The periodic work of usage and notifications, for any loop that wants to run it.

:meth:`PeriodicJobs.run_due` rolls usage up when ``rollup_interval`` has passed (making
the current and next months' partitions of the events first, if missing), looks after
the partitions every ``maintenance_interval`` (moves the events the default partition
caught, drops the months past ``raw_retention_months`` once rolled up) and sends the
webhook deliveries that are due; it returns quickly when there is
nothing to do, so ``civic usage worker`` calls it every second, and any other
worker loop (``civic worker``) could call it too. Several processes may run it at
once: rollups take an advisory lock, deliveries are claimed with SKIP LOCKED.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from civic.connectors.webhooks import WebhookSender
from civic.services.clock import utcnow
from civic.services.notifications.dispatch import RetryPolicy, deliver_due
from civic.services.usage.partitions import add_months, ensure_months, maintain, month_of
from civic.services.usage.rollup import roll_up

log = logging.getLogger("civic.usage")


@dataclass
class JobStats:
    """What the jobs have done since they started."""

    rollups: int = 0
    maintenance_runs: int = 0
    partitions_dropped: int = 0
    deliveries: Counter[str] = field(default_factory=Counter)
    errors: int = 0


class PeriodicJobs:
    """Rollups every ``rollup_interval`` seconds; due webhook deliveries at every call."""

    def __init__(
        self,
        engine: Engine,
        session_factory: sessionmaker[Session],
        sender: WebhookSender,
        *,
        rollup_interval: float = 60.0,
        retry: RetryPolicy | None = None,
        raw_retention_months: int = 0,
        maintenance_interval: float = 3600.0,
    ) -> None:
        self.engine = engine
        self.session_factory = session_factory
        self.sender = sender
        self.rollup_interval = rollup_interval
        self.retry = retry or RetryPolicy()
        self.raw_retention_months = raw_retention_months
        self.maintenance_interval = maintenance_interval
        self.stats = JobStats()
        self._last_rollup: float | None = None
        self._last_maintenance: float | None = None
        self._stopping = threading.Event()

    def run_due(self, *, force_rollup: bool = False) -> None:
        """Do what is due now. Database errors are logged and retried at the next call."""
        now = time.monotonic()
        try:
            if (
                force_rollup
                or self._last_rollup is None
                or now - self._last_rollup >= self.rollup_interval
            ):
                self._last_rollup = now
                current = month_of(utcnow())
                ensure_months(self.engine, (current, add_months(current, 1)))
                if roll_up(self.engine) is not None:
                    self.stats.rollups += 1
            if (
                self._last_maintenance is None
                or now - self._last_maintenance >= self.maintenance_interval
            ):
                self._last_maintenance = now
                run = maintain(self.engine, retention_months=self.raw_retention_months)
                self.stats.maintenance_runs += 1
                self.stats.partitions_dropped += len(run.dropped)
            self.stats.deliveries.update(
                deliver_due(self.session_factory, self.sender, policy=self.retry)
            )
        except SQLAlchemyError as error:
            self.stats.errors += 1
            log.warning("usage jobs: database error, will retry: %s", error)

    def run(self, *, poll_interval: float = 1.0, once: bool = False) -> JobStats:
        """Call :meth:`run_due` every ``poll_interval`` until :meth:`stop` (or once)."""
        while True:
            self.run_due(force_rollup=once)
            if once or self._stopping.wait(poll_interval):
                return self.stats

    def stop(self) -> None:
        """Return from :meth:`run` after the work under way."""
        self._stopping.set()
