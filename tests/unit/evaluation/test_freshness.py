"""Freshness: writers announce up to when their events are written, reports wait on it
and state the instant their usage runs to. No database, no Redis server."""

from __future__ import annotations

import datetime as dt
import fnmatch
import threading
import time
import uuid

from tests.unit.evaluation.worlds import PERIOD, World, build

from civic.services.evaluation.documents import pathway_report_json
from civic.services.evaluation.freshness import FLUSHED_PREFIX, await_writers
from civic.services.evaluation.pathways import load_pathways
from civic.services.evaluation.report import build_pathway_report
from civic.services.usage.events import Event
from civic.services.usage.writer import BatchWriter, MemorySink


class _Announcements:
    """The three Redis commands the freshness barrier uses, over a dict."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def set(self, key: str, value: str, ex: int | None = None) -> None:
        self.values[key] = value

    def scan_iter(self, match: str, count: int = 10) -> list[str]:
        return [key for key in list(self.values) if fnmatch.fnmatch(key, match)]

    def mget(self, keys: list[str]) -> list[str | None]:
        return [self.values.get(key) for key in keys]


def _event() -> Event:
    return Event(
        id=uuid.uuid4(),
        occurred_at=dt.datetime.now(dt.UTC),
        kind="api_call",
        source="gateway",
        status=200,
    )


def test_a_writer_announces_an_instant_only_once_what_came_before_is_written() -> None:
    sink = MemorySink()
    heard: list[tuple[float, int]] = []
    writer = BatchWriter(
        sink, interval=0.05, on_flushed=lambda at: heard.append((at, len(sink.events)))
    )
    try:
        before = time.time()
        event = _event()
        writer.record(event)
        deadline = time.monotonic() + 5
        while writer.flushed_through < before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert writer.flushed_through >= before
        assert event.id in sink.events
        # Every announcement at or after the event's recording came with it written.
        assert all(written == 1 for at, written in heard if at >= before)
        # Idle passes keep announcing, so readers never wait on a quiet worker.
        seen = len(heard)
        time.sleep(0.2)
        assert len(heard) > seen
    finally:
        writer.close()


def test_an_answer_still_being_sent_holds_the_announcement_back() -> None:
    # The event of a call is recorded once its answer is sent; a report asked by the
    # client in between (served by another worker) must still wait for it.
    sink = MemorySink()
    writer = BatchWriter(sink, interval=0.02)
    try:
        event = _event()
        writer.expect(event)
        writer.record(_event())  # starts the thread; others' events flow meanwhile
        time.sleep(0.2)
        assert writer.flushed_through <= event.occurred_at.timestamp()
        writer.record(event)
        deadline = time.monotonic() + 5
        while writer.flushed_through <= event.occurred_at.timestamp():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert event.id in sink.events
    finally:
        writer.close()


def test_a_report_waits_for_every_worker_behind_its_cutoff() -> None:
    redis = _Announcements()
    cutoff = dt.datetime.now(dt.UTC)
    redis.set(f"{FLUSHED_PREFIX}host:1", repr(cutoff.timestamp() + 0.1))
    redis.set(f"{FLUSHED_PREFIX}host:2", repr(cutoff.timestamp() - 0.5))

    def catch_up() -> None:
        time.sleep(0.2)
        redis.set(f"{FLUSHED_PREFIX}host:2", repr(cutoff.timestamp() + 0.01))

    began = time.monotonic()
    threading.Thread(target=catch_up).start()
    barrier = await_writers(redis, cutoff, timeout=5)
    assert barrier.confirmed == 2 and not barrier.behind
    assert 0.15 < time.monotonic() - began < 4
    assert "2 gateway worker(s) confirmed" in barrier.describe()


def test_a_worker_that_never_catches_up_is_named_and_the_report_goes_on() -> None:
    redis = _Announcements()
    cutoff = dt.datetime.now(dt.UTC)
    redis.set(f"{FLUSHED_PREFIX}host:7", repr(cutoff.timestamp() - 5))
    barrier = await_writers(redis, cutoff, timeout=0.1)
    assert barrier.behind == (f"{FLUSHED_PREFIX}host:7",)
    assert "did not confirm" in barrier.describe()
    broken = await_writers(object(), cutoff, timeout=0.1)
    assert broken.error == "AttributeError" and "could not be checked" in broken.describe()


def test_the_report_states_the_instant_its_usage_runs_to() -> None:
    report = build_pathway_report(build(World(apps={"citizen": 2})), load_pathways(), PERIOD)
    document = pathway_report_json(report)
    assert document["usage_until"] == "2026-01-01T00:00:00Z"
    assert document["usage_note"]
