"""SearchCache: answers kept per catalog version, the least recently used dropped first."""

from __future__ import annotations

import uuid

from civic.services.catalog.search import SearchCache, SearchDocuments


def answer(total: int) -> SearchDocuments:
    return SearchDocuments(documents=[], total=total, page=1, page_size=20)


def test_an_answer_is_served_only_at_the_version_it_was_computed_at() -> None:
    cache = SearchCache(8)
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
    cache = SearchCache(2)
    version = uuid.uuid4()
    cache.put("a", version, answer(1))
    cache.put("b", version, answer(2))
    assert cache.get("a", version) is not None  # a is now the most recent
    cache.put("c", version, answer(3))
    assert cache.get("b", version) is None
    assert cache.get("a", version) == answer(1)
    assert cache.get("c", version) == answer(3)
    assert len(cache) == 2
