"""The gateway's read caches hold at most their budget of bytes, as measured when kept."""

from __future__ import annotations

import sys
import uuid

from civic.services.caching import VersionedCache, kept_size

V1, V2 = uuid.uuid4(), uuid.uuid4()


def document(resources: int) -> dict[str, object]:
    return {
        "name": f"ds-{resources}",
        "resources": [{"url": f"https://files.example.org/{n}.csv"} for n in range(resources)],
    }


def test_kept_size_counts_what_a_value_refers_to_once() -> None:
    small, large = document(1), document(100)
    assert kept_size(large) > 50 * kept_size(small) / 2
    text = "x" * 1000
    assert kept_size([text, text]) == sys.getsizeof([text, text]) + sys.getsizeof(text)
    assert kept_size((small, b"{}", "application/json")) > kept_size(small)


def test_values_are_served_only_at_their_version() -> None:
    cache = VersionedCache[dict[str, object]](100_000, kept_size)
    cache.put("a", V1, document(1))
    assert cache.get("a", V1) == document(1)
    assert cache.get("a", V2) is None
    assert cache.get("a", None) is None
    cache.put("b", None, document(1))  # no version: nothing kept
    assert len(cache) == 1
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_budget_bounds_bytes_not_entries() -> None:
    one = kept_size(document(1))
    cache = VersionedCache[dict[str, object]](10 * one, kept_size)
    for n in range(20):
        cache.put(f"small-{n}", V1, document(1))
    assert len(cache) == 10
    assert cache.weight <= cache.budget
    cache.get("small-10", V1)  # recently used: kept when a large one comes
    cache.put("large", V1, document(5))
    assert cache.get("large", V1) is not None
    assert cache.get("small-10", V1) is not None
    assert cache.get("small-11", V1) is None  # least recently used went first
    assert cache.weight <= cache.budget


def test_a_value_larger_than_the_budget_is_not_kept() -> None:
    cache = VersionedCache[dict[str, object]](kept_size(document(10)), kept_size)
    cache.put("a", V1, document(1))
    cache.put("a", V2, document(100))  # the older one goes, the new one does not fit
    assert len(cache) == 0
    assert cache.get("a", V1) is None
    empty = VersionedCache[dict[str, object]](0, kept_size)
    empty.put("a", V1, document(1))
    assert len(empty) == 0
