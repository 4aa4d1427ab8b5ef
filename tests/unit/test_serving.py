"""The retiring gunicorn worker's rules: spaced first retirements, one turn at a time."""

from __future__ import annotations

import logging
import os

import pytest

from civic.platform.serving import RetiringThreadWorker, first_limit, turn_path


def test_first_generation_retires_at_evenly_spaced_counts() -> None:
    assert [first_limit(4000, age, 2) for age in (1, 2)] == [2000, 4000]
    assert [first_limit(900, age, 3) for age in (1, 2, 3)] == [300, 600, 900]
    # Their successors (older ages) and a lone worker use max_requests itself.
    assert first_limit(4000, 3, 2) == 4000
    assert first_limit(4000, 1, 1) == 4000


def worker(master: int) -> RetiringThreadWorker:
    shell = object.__new__(RetiringThreadWorker)
    shell.ppid = master
    shell.log = logging.getLogger("test.serving")
    shell._turn = None
    return shell


def test_only_one_worker_of_a_master_holds_the_turn_until_it_ends() -> None:
    master = 10_000_000 + os.getpid()  # no real master has this pid
    first, second = worker(master), worker(master)
    try:
        assert first._take_turn()
        assert not second._take_turn()  # first is retiring: second keeps serving
        assert not second._take_turn()
        assert first._turn is not None
        os.close(first._turn)  # what the kernel does when the worker's process ends
        first._turn = None
        assert second._take_turn()
    finally:
        for shell in (first, second):
            if shell._turn is not None:
                os.close(shell._turn)
        turn_path(master).unlink(missing_ok=True)


@pytest.mark.parametrize("other_master", [1, 2])
def test_workers_of_different_masters_do_not_share_a_turn(other_master: int) -> None:
    master = 20_000_000 + os.getpid()
    mine, theirs = worker(master), worker(master + other_master)
    try:
        assert mine._take_turn() and theirs._take_turn()
    finally:
        for shell, pid in ((mine, master), (theirs, master + other_master)):
            if shell._turn is not None:
                os.close(shell._turn)
            turn_path(pid).unlink(missing_ok=True)
