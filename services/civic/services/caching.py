"""Values kept per process with the version they were read at (:class:`VersionedCache`).

The versions are the database's (:mod:`civic.services.versioned_cache` reads them): a
value is served again only while its version is current. This module imports no domain,
so that every service package may keep values this way.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import uuid
from collections.abc import Callable, Hashable
from operator import itemgetter
from typing import Generic, TypeVar

from cachetools import LRUCache

V = TypeVar("V")
_CONTAINERS = (dict, list, tuple, set, frozenset)


class VersionedCache(Generic[V]):
    """Values each kept with the version it was read at; least recently used out first.

    Bounded by ``budget``, the weight of the values in all: ``weigh`` weighs each value
    once, when it is kept (without it every value weighs 1 and the budget is a count);
    and, when ``entries`` is given, by that many values too. A value heavier than the
    whole budget is not kept. Safe to share between threads; values are shared, callers
    must not change them. A budget of 0 keeps nothing.
    """

    def __init__(
        self,
        budget: int,
        weigh: Callable[[V], int] | None = None,
        *,
        entries: int | None = None,
    ) -> None:
        self.budget = budget
        self.entries = entries
        self.hits = 0
        self.misses = 0
        self._weigh = weigh
        # cachetools does the weight's accounting and the recency order.
        self._entries: LRUCache[Hashable, tuple[uuid.UUID, V, int]] = LRUCache(
            maxsize=max(budget, 1), getsizeof=itemgetter(2)
        )
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: uuid.UUID | None) -> V | None:
        """The value kept for ``key`` at ``version``, or None (never one of another version)."""
        if version is None:
            return None
        with self._lock:
            entry = self._entries.get(key)  # a hit is now the most recently used
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, version: uuid.UUID | None, value: V) -> None:
        """Keep ``value`` for ``key`` at ``version``, replacing what was kept for ``key``
        (nothing is kept without a version)."""
        if version is None or self.budget <= 0:
            return
        weight = self._weigh(value) if self._weigh is not None else 1
        with self._lock:
            self._entries.pop(key, None)
            if weight > self.budget:
                return
            self._entries[key] = (version, value, weight)
            while self.entries is not None and len(self._entries) > self.entries:
                self._entries.popitem()

    @property
    def weight(self) -> int:
        """The weight of the values kept."""
        return int(self._entries.currsize)

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def kept_size(value: object) -> int:
    """The bytes ``value`` holds: it and, through dicts, lists, tuples, sets and
    dataclasses, what it refers to, each object once (``sys.getsizeof``). Strings shared
    with other values (dict keys) are counted here too: an upper bound."""
    seen: set[int] = set()
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            pending.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            pending.extend(getattr(item, field.name) for field in dataclasses.fields(item))
    return total
