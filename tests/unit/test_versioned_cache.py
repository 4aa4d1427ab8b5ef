"""VersionedCache: a value is served only at the version it was read at."""

from __future__ import annotations

import uuid

from civic.services.caching import VersionedCache


def test_a_value_is_served_at_its_version_only() -> None:
    cache = VersionedCache[str](4)
    v1, v2 = uuid.uuid4(), uuid.uuid4()
    cache.put("a", v1, "one")
    assert cache.get("a", v1) == "one"
    assert cache.get("a", v2) is None  # the database changed since
    assert cache.get("a", None) is None  # no version: nothing is trusted
    assert (cache.hits, cache.misses) == (1, 1)


def test_without_a_version_or_a_size_nothing_is_kept() -> None:
    version = uuid.uuid4()
    empty = VersionedCache[str](0)
    empty.put("a", version, "one")
    assert len(empty) == 0
    cache = VersionedCache[str](4)
    cache.put("a", None, "one")
    assert len(cache) == 0


def test_the_least_recently_used_goes_first() -> None:
    version = uuid.uuid4()
    cache = VersionedCache[int](2)
    cache.put("a", version, 1)
    cache.put("b", version, 2)
    assert cache.get("a", version) == 1
    cache.put("c", version, 3)
    assert cache.get("b", version) is None
    assert cache.get("a", version) == 1 and cache.get("c", version) == 3
    cache.clear()
    assert len(cache) == 0


def test_a_weighed_cache_keeps_at_most_its_budget() -> None:
    version = uuid.uuid4()
    cache = VersionedCache[str](10, len)  # at most 10 characters in all
    cache.put("a", version, "aaaa")
    cache.put("b", version, "bbbb")
    assert cache.weight == 8
    cache.put("c", version, "cccc")  # a makes room
    assert cache.get("a", version) is None and cache.weight == 8
    cache.put("big", version, "x" * 11)  # heavier than the whole budget: not kept
    assert cache.get("big", version) is None and cache.weight == 8
    cache.put("b", version, "é")  # replaced: its old weight is given back
    assert cache.weight == 5


def test_a_count_of_entries_bounds_it_too() -> None:
    version = uuid.uuid4()
    cache = VersionedCache[str](100, len, entries=2)
    for key in "abc":
        cache.put(key, version, key)
    assert len(cache) == 2 and cache.get("a", version) is None
