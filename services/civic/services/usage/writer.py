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

import collections
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
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
EXPECT_SECONDS = 10.0


class BatchWriter:
    """Writes events to ``sink`` from a background thread, in batches. Thread-safe.

    Recording appends to a deque (atomic, no lock, no wake-up): the thread wakes once
    per ``interval``, or when a full batch waits, and takes the events in bulk, so
    request threads never hand the interpreter lock over to it event by event.
    """

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
        on_flushed: Callable[[float], None] | None = None,
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
        self._buffer: collections.deque[Item] = collections.deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending: list[Event] = []
        # Every event recorded before this wall-clock time (``time.time()``) is written;
        # ``on_flushed`` hears it after each pass, idle ones too (reports wait on it).
        self.flushed_through = 0.0
        self.on_flushed = on_flushed
        # Events announced by ``expect`` and not recorded yet (an answer being sent):
        # the instant announced never passes the earliest of them.
        self._expected: dict[object, float] = {}

    def expect(self, event: Event) -> None:
        """Say that ``event`` will be recorded soon (its answer is being sent), so that
        no announcement claims its time as written before it is."""
        self._expected[event.id] = event.occurred_at.timestamp()
        if self._pid != os.getpid():
            # This process's first event: announce at once (held back by this event),
            # so a report asked before the thread's first pass knows to wait for it.
            self._start()
            self._flushed(time.time())

    def record(self, event: Event, address: str | None = None) -> bool:
        """Queue ``event`` (with the client's address, to be hashed off the request path).

        Never blocks: False when the queue is full and the event was dropped.
        """
        self._expected.pop(event.id, None)
        if self._pid != os.getpid():
            self._start()
        buffer = self._buffer
        if len(buffer) >= self.queue_size:
            self.stats.dropped += 1
            return False
        buffer.append((event, address))
        self.stats.recorded += 1
        if len(buffer) == self.batch_size:
            self._wake.set()
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread after it has written every queued event (waits up to ``timeout``)."""
        thread = self._thread
        if thread is None or self._pid != os.getpid():
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout)
        self._thread = None
        self._pid = None

    def after_fork(self) -> None:
        """In a forked child: the parent's thread and events are not ours; the first
        event recorded here starts this process's thread (:meth:`record` checks the pid
        too; this also renews the lock the parent might have held at the fork)."""
        self._start_lock = threading.Lock()
        self._thread = None
        self._pid = None
        self._expected = {}

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every event queued so far is written (or ``timeout`` passes)."""
        deadline = time.monotonic() + timeout
        self._wake.set()
        while time.monotonic() < deadline:
            if not self._buffer and not self._pending:
                return
            time.sleep(0.01)

    def _start(self) -> None:
        with self._start_lock:
            if self._pid == os.getpid():
                return
            # A new process (first use, or a fork of a process that had started one):
            # events queued by the parent are the parent's to write.
            self._buffer = collections.deque()
            self._pending = []
            self._wake = threading.Event()
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
            if not stopping and len(self._buffer) < self.batch_size:
                # An event waits at most ``interval`` (plus the write) before it is stored.
                self._wake.wait(pause or self.interval)
                self._wake.clear()
                stopping = self._stopping.is_set()
            began = time.time()
            self._take()
            drained = not self._buffer  # so every event recorded before ``began`` was taken
            if not self._pending:
                self._flushed(began)
                if stopping and not self._buffer:
                    return
                continue
            if self._write():
                pause = 0.0
                if drained:
                    self._flushed(began)
            elif stopping:
                log.error("usage writer: %d events lost at exit", len(self._pending))
                self._pending = []
                return
            else:
                pause = min(self.retry_max, max(0.5, pause * 2))

    def _flushed(self, through: float) -> None:
        # One C call, safe beside request threads; an answer not closed within
        # ``EXPECT_SECONDS`` (a lost connection) stops holding announcements back.
        stale = time.time() - EXPECT_SECONDS
        waiting = [at for at in list(self._expected.values()) if at > stale]
        if waiting:
            through = min(through, *waiting)
        self.flushed_through = through
        if self.on_flushed is not None:
            try:
                self.on_flushed(through)
            except Exception:  # telling readers is a courtesy; writing events is the job
                log.debug("usage writer: on_flushed failed", exc_info=True)

    def _take(self) -> None:
        """Move up to a batch of events from the buffer to the pending batch."""
        buffer, pending = self._buffer, self._pending
        while buffer and len(pending) < self.batch_size:
            event, address = buffer.popleft()
            pending.append(self._hashed(event, address))

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
