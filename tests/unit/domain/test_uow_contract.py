"""The unit of work's contract (tests/uow_contract.py) on the in-memory implementation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.uow_contract import CHECKS, Make

from civic.services.repositories.memory import MemoryStore, MemoryUnitOfWork


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_the_memory_unit_of_work_keeps_the_contract(check: Callable[[Make], None]) -> None:
    store = MemoryStore()
    check(lambda: MemoryUnitOfWork(store))


def test_a_unit_of_work_is_used_in_one_block_at_a_time() -> None:
    uow = MemoryUnitOfWork()
    with pytest.raises(RuntimeError):
        uow.commit()
    with uow, pytest.raises(RuntimeError):
        uow.__enter__()
