"""The batch writer: off the request path, batched, retried without duplicates, bounded."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Sequence

from civic.services.usage.events import Event
from civic.services.usage.privacy import IpHasher, LocalSaltStore
from civic.services.usage.writer import BatchWriter, MemorySink


def event(n: int = 0) -> Event:
    return Event(
        id=uuid.uuid4(),
        occurred_at=dt.datetime.now(dt.UTC),
        kind="api_call",
        source="gateway",
        status=200,
        request_id=f"req-{n}",
    )


def wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def test_a_full_batch_is_written_at_once() -> None:
    sink = MemorySink()
    writer = BatchWriter(sink, batch_size=10, interval=30.0)
    for n in range(10):
        assert writer.record(event(n))
    wait_for(lambda: len(sink.events) == 10)
    assert sink.batches == [10]
    writer.close()


def test_a_partial_batch_waits_at_most_the_interval() -> None:
    sink = MemorySink()
    writer = BatchWriter(sink, batch_size=1000, interval=0.2)
    started = time.monotonic()
    writer.record(event())
    wait_for(lambda: len(sink.events) == 1)
    assert time.monotonic() - started < 1.0
    writer.close()


def test_close_writes_what_is_queued() -> None:
    sink = MemorySink()
    writer = BatchWriter(sink, batch_size=1000, interval=30.0)
    for n in range(25):
        writer.record(event(n))
    writer.close()
    assert len(sink.events) == 25


class FlakySink:
    """Fails its first ``failures`` writes after storing them (as a lost commit ack would)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.stored = MemorySink()
        self.calls = 0

    def write(self, events: Sequence[Event]) -> int:
        self.calls += 1
        written = self.stored.write(events)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("server closed the connection unexpectedly")
        return written


def test_a_failed_batch_is_retried_and_stored_once() -> None:
    sink = FlakySink(failures=2)
    writer = BatchWriter(sink, batch_size=5, interval=0.05)
    events = [event(n) for n in range(5)]
    for item in events:
        writer.record(item)
    wait_for(lambda: sink.calls >= 3, timeout=10)
    writer.close()
    assert set(sink.stored.events) == {item.id for item in events}
    assert writer.stats.failures == 2
    assert writer.stats.dropped == 0


class BlockedSink:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.stored = MemorySink()

    def write(self, events: Sequence[Event]) -> int:
        self.release.wait(10)
        return self.stored.write(events)


def test_a_full_queue_drops_and_counts_instead_of_blocking() -> None:
    sink = BlockedSink()
    writer = BatchWriter(sink, batch_size=1, interval=0.01, queue_size=100)
    started = time.monotonic()
    results = [writer.record(event(n)) for n in range(300)]
    assert time.monotonic() - started < 1.0, "recording never waits for the database"
    assert results.count(False) == writer.stats.dropped > 0
    sink.release.set()
    writer.close()
    assert len(sink.stored.events) == results.count(True)


def test_addresses_are_hashed_by_the_writer_and_never_stored() -> None:
    sink = MemorySink()
    writer = BatchWriter(sink, hasher=IpHasher(LocalSaltStore()), batch_size=2, interval=0.05)
    writer.record(event(1), "203.0.113.7")
    writer.record(event(2), "203.0.113.7")
    writer.close()
    hashes = {stored.ip_hash for stored in sink.events.values()}
    assert len(hashes) == 1
    (value,) = hashes
    assert value is not None and len(value) == 32 and "203.0.113.7" not in value


def test_a_failing_hasher_keeps_the_event() -> None:
    class Broken:
        def salt_for(self, period: int, ttl: int) -> bytes:
            raise AttributeError("no such command")

    sink = MemorySink()
    writer = BatchWriter(sink, hasher=IpHasher(Broken()), batch_size=1, interval=0.05)
    writer.record(event(), "198.51.100.1")
    writer.close()
    assert len(sink.events) == 1
