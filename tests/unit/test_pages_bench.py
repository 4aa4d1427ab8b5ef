"""`make bench pages`: a page meets its bound on its own median in ms, whatever its ratio
to the catalog's JSON (reported), and the JSON says so."""

from __future__ import annotations

from tests.bench.pages_bench import PAGE_BOUND_MS, PageResult, p95
from tests.bench.results import Pair


def _page(*medians: float) -> PageResult:
    pairs = [Pair(ours, 20.0) for ours in medians]
    return PageResult("page_x", "x", "ms", PAGE_BOUND_MS, pairs, at_most=True, p95_ms=[400.0])


def test_a_page_meets_its_bound_on_its_median_not_on_the_ratio() -> None:
    fast = _page(150.0, 290.0, 200.0)
    assert fast.meets and fast.ratio == 10.0  # ten times the JSON, within 300 ms
    assert not _page(310.0, 320.0, 100.0).meets
    assert not PageResult("page_y", "y", "ms", PAGE_BOUND_MS, [], at_most=True).meets


def test_the_json_holds_the_bound_the_ratio_and_the_p95() -> None:
    document = _page(150.0).as_json()
    assert document["target"] == PAGE_BOUND_MS and document["meets"] is True
    assert document["ours"] == 150.0 and document["peer"] == 20.0 and document["ratio"] == 7.5
    assert document["p95_ms"] == 400.0 and "ms" in document["target_applies_to"]


def test_p95_of_twenty_requests_is_the_nineteenth() -> None:
    assert p95([float(n) for n in range(1, 21)]) == 19.0
