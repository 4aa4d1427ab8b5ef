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


def page(documents: int) -> SearchDocuments:
    return SearchDocuments(
        documents=[{"name": f"d{n}"} for n in range(documents)],
        total=documents,
        page=1,
        page_size=documents,
    )


def test_the_documents_kept_stay_within_the_budget() -> None:
    cache = SearchCache(4)  # 4 answers, 80 documents in all
    version = uuid.uuid4()
    for key in "abc":
        cache.put(key, version, page(20))
    assert (len(cache), cache.documents) == (3, 60)
    cache.put("big", version, page(50))  # a, then b, make room for it
    assert cache.get("a", version) is None and cache.get("b", version) is None
    assert cache.get("c", version) is not None and cache.get("big", version) is not None
    assert cache.documents == 70
    cache.put("huge", version, page(81))  # more than the whole budget: not kept
    assert cache.get("huge", version) is None
    assert cache.documents == 70
    cache.put("c", version, page(1))  # replaced: its old weight is given back
    assert cache.documents == 51
    cache.put("empty", version, page(0))  # an empty answer weighs one
    assert (len(cache), cache.documents) == (3, 52)
