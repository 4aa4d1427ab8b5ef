"""The outbox worker: ``civic worker`` runs one; several may run at once.

It polls for due messages (one per aggregate), delivers them on a small thread
pool (each delivery its own transaction, see :mod:`civic.services.outbox.relay`;
several due dataset messages go in batches of at most ``ckan_batch``, split so
that ``ckan_batches_at_once`` batches keep CKAN's workers busy together),
sleeps until a commit NOTIFYs it or the poll interval passes, and now and then
reconciles the mirror with CKAN (one worker at a time, under an advisory lock).
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from civic.connectors.ckan.interfaces import CkanClient, CkanError
from civic.services.outbox import relay
from civic.services.outbox.messages import CHANNEL
from civic.services.publishing.reconcile import reconcile
from civic.services.publishing.sync import HANDLERS
from civic.services.uow import SqlAlchemyUnitOfWork

log = logging.getLogger("civic.worker")
# An arbitrary, fixed key: one reconcile at a time among all workers.
RECONCILE_LOCK = 3_253_000_001


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How a worker behaves (from the settings)."""

    concurrency: int = 4
    batch_size: int = 20
    poll_interval: float = 1.0
    backoff: relay.Backoff = field(default_factory=relay.Backoff)
    reconcile_interval: float = 0.0  # seconds; 0: never
    # Due dataset messages delivered together (one CKAN request and commit); 1: never.
    ckan_batch: int = 10
    # Batches sent at once (CKAN's workers each take one).
    ckan_batches_at_once: int = 2


@dataclass
class WorkerStats:
    """What a worker has done since it started."""

    deliveries: Counter[str] = field(default_factory=Counter)
    reconciles: int = 0


class Worker:
    """Delivers the outbox until :meth:`stop` (or, with ``once``, until nothing is due)."""

    def __init__(
        self,
        engine: Engine,
        session_factory: sessionmaker[Session],
        ckan: CkanClient,
        options: WorkerOptions,
    ) -> None:
        self.engine = engine
        self.session_factory = session_factory
        self.ckan = ckan
        self.options = options
        self.stats = WorkerStats()
        self._stopping = threading.Event()
        self._last_reconcile = time.monotonic()
        # Batches in flight at once: CKAN's workers each take one; more would queue in
        # CKAN while their timeout runs (and a timed-out batch is sent again).
        self._batches = threading.Semaphore(max(1, options.ckan_batches_at_once))

    def stop(self) -> None:
        """Finish the deliveries under way, then return from :meth:`run`."""
        self._stopping.set()

    def run(
        self,
        *,
        once: bool = False,
        on_delivery: Callable[[relay.Delivery], None] | None = None,
    ) -> WorkerStats:
        """Deliver until stopped; with ``once``, return when no message is due."""
        listener = None if once else self._listen()
        try:
            with ThreadPoolExecutor(
                max_workers=self.options.concurrency, thread_name_prefix="outbox"
            ) as pool:
                limit = self.options.batch_size * self.options.concurrency
                tried: set[int] = set()
                while not self._stopping.is_set():
                    try:
                        due = relay.due_messages_by_kind(self.session_factory, limit)
                    except sa.exc.SQLAlchemyError as error:
                        if once:
                            raise
                        # The database is restarting or unreachable: what is due stays
                        # due; ask again after a pause rather than exit.
                        log.warning("outbox: database unavailable, polling again: %s", error)
                        self._stopping.wait(self.options.poll_interval)
                        continue
                    if once:
                        # Each message at most once per run: a retried one waits for the next.
                        due = [
                            (message_id, kind)
                            for message_id, kind in due
                            if message_id not in tried
                        ]
                        tried.update(message_id for message_id, _ in due)
                    ids = [message_id for message_id, _ in due]
                    for deliveries in pool.map(lambda job: job(), self._jobs(due)):
                        for delivery in deliveries:
                            self.stats.deliveries[delivery.status] += 1
                            if on_delivery is not None:
                                on_delivery(delivery)
                    if once and not ids:
                        break
                    try:
                        self._maybe_reconcile()
                    except sa.exc.SQLAlchemyError as error:
                        log.warning("reconcile skipped, database unavailable: %s", error)
                    if len(ids) < limit:
                        self._wait(listener)
        finally:
            if listener is not None:
                listener.close()
        return self.stats

    def _jobs(self, due: list[tuple[int, str]]) -> list[Callable[[], list[relay.Delivery]]]:
        """What the pool runs: batches of the due dataset messages, the others one by one."""
        handler = HANDLERS.get("dataset")
        batched: list[int] = []
        if isinstance(handler, relay.BatchHandler) and self.options.ckan_batch > 1:
            batched = [message_id for message_id, kind in due if kind == "dataset"]
        if len(batched) < 2:
            batched = []
        alone = set(batched)
        jobs: list[Callable[[], list[relay.Delivery]]] = [
            functools.partial(self._deliver_alone, message_id)
            for message_id, _ in due
            if message_id not in alone
        ]
        if batched and isinstance(handler, relay.BatchHandler):
            at_once = max(1, self.options.ckan_batches_at_once)
            size = min(self.options.ckan_batch, math.ceil(len(batched) / at_once))
            for start in range(0, len(batched), size):
                chunk = batched[start : start + size]
                jobs.append(functools.partial(self._deliver_batch, chunk, handler))
        return jobs

    def _deliver_alone(self, message_id: int) -> list[relay.Delivery]:
        return [self._deliver(message_id)]

    def _deliver_batch(
        self, message_ids: list[int], handler: relay.BatchHandler
    ) -> list[relay.Delivery]:
        if len(message_ids) == 1:
            return [self._deliver(message_ids[0])]
        try:
            with self._batches:
                return relay.deliver_batch(
                    self.session_factory,
                    self.ckan,
                    message_ids,
                    handler,
                    backoff=self.options.backoff,
                )
        except sa.exc.SQLAlchemyError as error:
            log.warning("outbox batch %s: database error, will retry: %s", message_ids, error)
            return [
                relay.Delivery(message_id, "retry", error=str(error)) for message_id in message_ids
            ]

    def _deliver(self, message_id: int) -> relay.Delivery:
        try:
            return relay.deliver(
                self.session_factory,
                self.ckan,
                message_id,
                HANDLERS,
                backoff=self.options.backoff,
            )
        except sa.exc.SQLAlchemyError as error:
            # The database blinked: the message stays unprocessed and comes back.
            log.warning("outbox %s: database error, will retry: %s", message_id, error)
            return relay.Delivery(message_id, "retry", error=str(error))

    def _listen(self) -> psycopg.Connection[tuple[object, ...]] | None:
        url = self.engine.url
        if url.get_backend_name() != "postgresql":
            return None
        try:
            connection = psycopg.connect(
                url.set(drivername="postgresql").render_as_string(hide_password=False),
                autocommit=True,
                connect_timeout=5,
            )
            connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            log.warning("cannot LISTEN (%s); polling only", error)
            return None
        return connection

    def _wait(self, listener: psycopg.Connection[tuple[object, ...]] | None) -> None:
        timeout = self.options.poll_interval
        if listener is None:
            self._stopping.wait(timeout)
            return
        try:
            for _ in listener.notifies(timeout=timeout, stop_after=1):
                break
        except psycopg.Error as error:
            log.warning("LISTEN connection lost (%s); polling", error)
            self._stopping.wait(timeout)

    def _maybe_reconcile(self) -> None:
        interval = self.options.reconcile_interval
        if interval <= 0 or time.monotonic() - self._last_reconcile < interval:
            return
        self._last_reconcile = time.monotonic()
        with self.engine.connect() as connection:
            got = connection.scalar(sa.select(sa.func.pg_try_advisory_lock(RECONCILE_LOCK)))
            if not got:
                return
            try:
                reconcile(lambda: SqlAlchemyUnitOfWork(self.session_factory), self.ckan)
                self.stats.reconciles += 1
            except CkanError as error:
                log.warning("reconcile skipped: %s", error)
            finally:
                connection.scalar(sa.select(sa.func.pg_advisory_unlock(RECONCILE_LOCK)))
