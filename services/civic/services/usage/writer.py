"""The batch writer: events leave the request path through a bounded in-memory queue.

:meth:`BatchWriter.record` only puts the event in a queue (it never blocks, never
touches the network). A background thread takes events out and hands them to an
:class:`EventSink` in batches: as soon as ``batch_size`` events wait, or
``interval`` seconds after the first event of a batch arrived, whichever comes
first. So a crash loses at most the events of the last ``interval`` (one second by
default). Events carry their own ids and sinks insert with "on conflict do
nothing", so a batch written again after a failure is never stored twice.

If the sink fails (the database restarts), the batch is kept and retried with a
growing pause while new events queue up; when the queue is full, new events are
dropped and counted rather than slowing the API down. :meth:`close` (at exit, or
from gunicorn's ``worker_exit``) writes whatever is left.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from civic.services.usage.events import Event
from civic.services.usage.privacy import IpHasher

log = logging.getLogger("civic.usage")


class EventSink(Protocol):
    """Stores events; storing an event twice must keep one (ids are primary keys)."""

    def write(self, events: Sequence[Event]) -> int:
        """Store ``events``; the number actually inserted (duplicates are skipped).

        Raises whatever the storage raises; the writer retries the same batch.
        """
        ...


class MemorySink:
    """Keeps events in a list, deduplicated by id (unit tests, benchmarks' "off" side)."""

    def __init__(self) -> None:
        self.events: dict[object, Event] = {}
        self.batches: list[int] = []

    def write(self, events: Sequence[Event]) -> int:
        before = len(self.events)
        for event in events:
            self.events.setdefault(event.id, event)
        self.batches.append(len(events))
        return len(self.events) - before


@dataclass
class WriterStats:
    """What a writer has done since it started (for logs and tests)."""

    recorded: int = 0
    written: int = 0
    dropped: int = 0
    failures: int = 0
    batches: int = 0


Item = tuple[Event, str | None]


class BatchWriter:
    """Writes events to ``sink`` from a background thread, in batches. Thread-safe."""

    def __init__(
        self,
        sink: EventSink,
        *,
        hasher: IpHasher | None = None,
        batch_size: int = 500,
        interval: float = 1.0,
        queue_size: int = 50_000,
        retry_max: float = 30.0,
        name: str = "usage-writer",
    ) -> None:
        self.sink = sink
        self.hasher = hasher
        self.batch_size = batch_size
        self.interval = interval
        self.queue_size = queue_size
        self.retry_max = retry_max
        self.name = name
        self.stats = WriterStats()
        self._start_lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue[Item] = queue.Queue(maxsize=queue_size)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending: list[Event] = []

    def record(self, event: Event, address: str | None = None) -> bool:
        """Queue ``event`` (with the client's address, to be hashed off the request path).

        Never blocks: False when the queue is full and the event was dropped.
        """
        if self._pid != os.getpid():
            self._start()
        try:
            self._queue.put_nowait((event, address))
        except queue.Full:
            self.stats.dropped += 1
            return False
        self.stats.recorded += 1
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread after it has written every queued event (waits up to ``timeout``)."""
        thread = self._thread
        if thread is None or self._pid != os.getpid():
            return
        self._stopping.set()
        thread.join(timeout)
        self._thread = None
        self._pid = None

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every event queued so far is written (or ``timeout`` passes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0 and not self._pending:
                return
            time.sleep(0.01)

    def _start(self) -> None:
        with self._start_lock:
            if self._pid == os.getpid():
                return
            # A new process (first use, or a fork of a process that had started one):
            # events queued by the parent are the parent's to write.
            self._queue = queue.Queue(maxsize=self.queue_size)
            self._pending = []
            self._stopping = threading.Event()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._pid = os.getpid()
            self._thread.start()

    def _run(self) -> None:
        # The thread must outlive any surprise: a failure is logged and the loop goes on.
        while True:
            try:
                self._loop()
                return
            except Exception:
                log.exception("usage writer: unexpected error; going on")
                self._stopping.wait(0.5)

    def _loop(self) -> None:
        pause = 0.0
        while True:
            stopping = self._stopping.is_set()
            if pause and not stopping:
                self._stopping.wait(pause)
            self._fill(block=not self._pending and not stopping)
            if not self._pending:
                if stopping:
                    return
                continue
            if self._write():
                pause = 0.0
            elif stopping:
                log.error("usage writer: %d events lost at exit", len(self._pending))
                self._pending = []
                return
            else:
                pause = min(self.retry_max, max(0.5, pause * 2))

    def _fill(self, *, block: bool) -> None:
        """Move events from the queue to the pending batch, waiting up to ``interval``."""
        deadline = None
        while len(self._pending) < self.batch_size:
            try:
                if block and not self._pending:
                    # Nothing pending: wait for the first event, waking now and then
                    # to notice a stop.
                    event, address = self._queue.get(timeout=0.2)
                    deadline = time.monotonic() + self.interval
                elif deadline is not None and not self._stopping.is_set():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    event, address = self._queue.get(timeout=remaining)
                else:
                    event, address = self._queue.get_nowait()
            except queue.Empty:
                if block and not self._pending and not self._stopping.is_set():
                    continue
                return
            self._pending.append(self._hashed(event, address))
            self._queue.task_done()

    def _hashed(self, event: Event, address: str | None) -> Event:
        if address is None or self.hasher is None:
            return event
        try:
            return event._replace(ip_hash=self.hasher.hash(address, event.occurred_at.timestamp()))
        except Exception:  # the event matters more than its address
            log.exception("usage writer: cannot hash an address; event kept without it")
            return event

    def _write(self) -> bool:
        batch = self._pending
        try:
            written = self.sink.write(batch)
        except Exception:
            self.stats.failures += 1
            log.exception("usage writer: a batch of %d events failed; will retry", len(batch))
            return False
        self.stats.batches += 1
        self.stats.written += written
        self._pending = []
        return True
