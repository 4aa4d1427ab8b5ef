"""The benchmark results: ratios, targets, spread and the JSON shape of issue 7."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench.results import Pair, Result, ratio, table, write_results

KEYS = {
    "id",
    "description",
    "ours",
    "peer",
    "unit",
    "ratio",
    "target",
    "meets",
    "repetitions",
    "spread",
}


def throughput(*pairs: tuple[float, float], target: float | None = 0.5) -> Result:
    return Result("x", "d", "requests/s", target, [Pair(a, b) for a, b in pairs])


def test_ratio_is_the_median_of_per_repetition_ratios() -> None:
    result = throughput((50, 100), (90, 100), (300, 400))
    assert result.ratio == 0.75
    assert result.as_json()["ours"] == 90
    assert result.as_json()["peer"] == 100


def test_spread_is_range_over_median() -> None:
    result = throughput((50, 100), (60, 100), (70, 100))
    assert result.spread == round((0.7 - 0.5) / 0.6, 3)
    assert throughput((50, 100)).spread == 0.0


def test_a_throughput_target_is_a_lower_bound() -> None:
    assert throughput((50, 100)).meets
    assert not throughput((49, 100)).meets


def test_a_memory_target_is_an_upper_bound() -> None:
    under = Result("rss", "d", "MB", 1.0, [Pair(150, 200)], at_most=True)
    over = Result("rss", "d", "MB", 1.0, [Pair(201, 200)], at_most=True)
    assert under.meets
    assert not over.meets


def test_reported_only_and_failed_runs() -> None:
    assert throughput((1, 100), target=None).meets
    assert not Result("x", "d", "u", 0.5, []).meets
    assert ratio(10, 0) == 0.0


def test_the_json_file_has_the_shape_of_the_issue(tmp_path: Path) -> None:
    out = tmp_path / "bench" / "results.json"
    write_results(out, {"cpus": 2}, [throughput((50, 100), (60, 100))])
    written = json.loads(out.read_text())
    assert written["machine"] == {"cpus": 2}
    (row,) = written["results"]
    assert set(row) == KEYS
    assert row["meets"] is True
    assert row["repetitions"] == 2


def test_the_table_marks_misses() -> None:
    text = table([throughput((10, 100)), throughput((90, 100))])
    lines = text.splitlines()
    assert lines[0].split()[0] == "id"
    assert "NO" in lines[2]
    assert "yes" in lines[3]


def test_figures_below_one_keep_four_significant_digits() -> None:
    # A report of 17.5 s is 0.05714 reports/s: two decimals would say 0.06.
    result = throughput((1 / 17.5, 1 / 16.3), (1 / 17.7, 1 / 16.1), (1 / 17.2, 1 / 16.4))
    assert result.as_json()["ours"] == 0.05714
    assert result.as_json()["peer"] == 0.06135
    assert throughput((1234.5678, 2000)).as_json()["ours"] == 1234.57
