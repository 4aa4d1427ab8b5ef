"""The report pauses CPython's cyclic collector while it builds, and resumes it after,
whatever the number of reports built at once and however they end."""

from __future__ import annotations

import gc
import threading

import pytest

from civic.services.evaluation import report


def test_the_collector_is_off_during_a_report_and_back_on_after() -> None:
    assert gc.isenabled()
    with report._collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failed_report_turns_it_back_on() -> None:
    with pytest.raises(RuntimeError), report._collector_paused():
        raise RuntimeError("the database went away")
    assert gc.isenabled()


def test_overlapping_reports_turn_it_on_when_the_last_one_ends() -> None:
    first_in = threading.Event()
    second_in = threading.Event()
    first_out = threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with report._collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with report._collector_paused():
        second_in.set()
        first_out.wait(5)
        seen.append(gc.isenabled())  # the first ended, this one still runs
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_it_stays_off_when_it_was_off_before() -> None:
    gc.disable()
    try:
        with report._collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
