"""SearchCache: answers kept per catalog version, the least recently used dropped first."""

from __future__ import annotations

import uuid

from civic.services.caching import kept_size
from civic.services.catalog.search import SearchCache, SearchDocuments

BUDGET = 1024 * 1024


def answer(total: int) -> SearchDocuments:
    return SearchDocuments(documents=[], total=total, page=1, page_size=20)


def test_an_answer_is_served_only_at_the_version_it_was_computed_at() -> None:
    cache = SearchCache(8, BUDGET)
    v1, v2 = uuid.uuid4(), uuid.uuid4()
    cache.put("q=eau", v1, answer(3))
    assert cache.get("q=eau", v1) == answer(3)
    assert cache.get("q=eau", v2) is None  # the catalog changed since
    assert cache.get("q=air", v1) is None
    assert (cache.hits, cache.misses) == (1, 2)
    cache.put("q=eau", v2, answer(4))  # replaces the older one
    assert cache.get("q=eau", v1) is None
    assert cache.get("q=eau", v2) == answer(4)
    assert len(cache) == 1


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = SearchCache(2, BUDGET)
    version = uuid.uuid4()
    cache.put("a", version, answer(1))
    cache.put("b", version, answer(2))
    assert cache.get("a", version) is not None  # a is now the most recent
    cache.put("c", version, answer(3))
    assert cache.get("b", version) is None
    assert cache.get("a", version) == answer(1)
    assert cache.get("c", version) == answer(3)
    assert len(cache) == 2


def page(documents: int) -> SearchDocuments:
    return SearchDocuments(
        documents=[{"name": f"d{n}"} for n in range(documents)],
        total=documents,
        page=1,
        page_size=documents,
    )


def test_the_bytes_kept_stay_within_the_budget() -> None:
    twenty = kept_size(page(20))
    cache = SearchCache(8, 4 * twenty)  # room for four pages of 20
    version = uuid.uuid4()
    for key in "abc":
        cache.put(key, version, page(20))
    assert (len(cache), cache.weight) == (3, 3 * twenty)
    cache.put("big", version, page(50))  # a, then b, make room for it
    assert cache.get("a", version) is None and cache.get("b", version) is None
    assert cache.get("c", version) is not None and cache.get("big", version) is not None
    assert cache.weight == twenty + kept_size(page(50)) <= cache.budget
    cache.put("huge", version, page(100))  # more than the whole budget: not kept
    assert cache.get("huge", version) is None
    cache.put("c", version, page(1))  # replaced: its old weight is given back
    assert cache.weight == kept_size(page(1)) + kept_size(page(50))


def test_a_cache_of_no_answers_keeps_nothing() -> None:
    cache = SearchCache(0, BUDGET)
    cache.put("a", uuid.uuid4(), page(1))
    assert len(cache) == 0
