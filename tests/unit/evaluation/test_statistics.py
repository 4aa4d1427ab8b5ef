"""Estimators and intervals: properties (hypothesis) and known values."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.services.evaluation import statistics as stats
from civic.services.evaluation.inference import benjamini_hochberg, holm, mann_kendall
from civic.services.evaluation.survival import Waiting, median_wait, median_wait_counts

counts = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=60)
positive = st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=60)


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_intervals_are_shares_around_the_share(hits: int, extra: int) -> None:
    n = hits + extra
    low, high = stats.wilson(hits, n)
    assert low is not None and high is not None
    assert 0 <= low <= hits / n <= high <= 1


@given(st.lists(st.tuples(st.integers(0, 1000), st.floats(0, 1)), min_size=1, max_size=40))
def test_clustered_shares_are_shares_inside_their_interval(
    clusters: list[tuple[int, float]],
) -> None:
    share, (low, high), n = stats.clustered_share([(c, c * f) for c, f in clusters])
    if share is None:
        assert n == 0
        return
    assert 0 <= share <= 1
    assert low is not None and high is not None and low <= share <= high


@given(positive)
def test_hhi_is_between_one_over_n_and_one(values: list[int]) -> None:
    value = stats.hhi(values)
    assert value is not None
    assert 1 / len(values) - 1e-12 <= value <= 1 + 1e-12


@given(counts, st.randoms(use_true_random=False))
def test_indices_do_not_depend_on_the_order_of_the_units(
    values: list[int], rng: random.Random
) -> None:
    shuffled = list(values)
    rng.shuffle(shuffled)
    for statistic in (stats.hhi, stats.top_share, stats.gini):
        before, after = statistic(values), statistic(shuffled)
        assert (before is None) == (after is None)
        if before is not None and after is not None:
            assert math.isclose(before, after, abs_tol=1e-12)
    assert stats.evenness(values, 8) == pytest.approx(stats.evenness(shuffled, 8))


@given(positive)
def test_top_share_gini_and_evenness_stay_in_zero_one(values: list[int]) -> None:
    assert 0 <= (stats.top_share(values) or 0) <= 1
    assert 0 <= (stats.gini(values) or 0) <= 1
    assert 0 <= (stats.evenness(values, max(2, len(values))) or 0) <= 1 + 1e-12


@settings(max_examples=25, deadline=None)
@given(positive)
def test_bootstrap_intervals_contain_the_value_once_widened(values: list[int]) -> None:
    value = stats.hhi(values)
    low, high = stats.containing(stats.bootstrap(values, stats.hhi), value)
    assert low is not None and high is not None and value is not None
    assert low <= value <= high
    again = stats.containing(stats.bootstrap(values, stats.hhi), value)
    assert again == (low, high)  # a fixed seed: the same report twice


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=2, max_size=8))
def test_multinomial_draws_keep_the_total(category_counts: list[int]) -> None:
    rng = random.Random(1)  # noqa: S311 - reproducible draws
    total = sum(category_counts)
    if total == 0:
        return
    draw = stats.multinomial(rng, total, [c / total for c in category_counts])
    assert sum(draw) == total and min(draw) >= 0


def test_poisson_rate_intervals_contain_the_rate() -> None:
    for count in (0, 1, 5, 40):
        rate, (low, high) = stats.poisson_rate(count, 400)
        assert rate is not None and low is not None and high is not None
        assert low <= rate <= high


def test_kaplan_meier_counts_waiting_units_as_censored() -> None:
    waits = [Waiting(d, True) for d in (1, 2, 3, 4, 5)] + [Waiting(10, False)] * 5
    median, (low, _), n = median_wait(waits)
    assert n == 10 and median == 5
    assert low is not None and low <= 5
    none_ended = median_wait([Waiting(30, False)] * 10)
    assert none_ended[0] is None and none_ended[1] == (30, None)


def test_mann_kendall_sees_a_rising_series_and_not_a_flat_one() -> None:
    rising = mann_kendall([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    assert rising.statistic == 66 and rising.p_value < 0.001 and rising.slope == 1
    flat = mann_kendall([3, 3, 3, 3, 3, 3])
    assert flat.p_value == 1.0


def test_holm_and_benjamini_hochberg_adjust_as_published() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    assert holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.booleans()), max_size=300))
def test_median_wait_counts_gives_median_waits_figures(units: list[tuple[int, bool]]) -> None:
    # The report's waits of datasets go through the NumPy version: the same figures,
    # to the digit, and the same types (whole days stay ints in the report's JSON).
    expected = median_wait([Waiting(duration, ended) for duration, ended in units])
    found = median_wait_counts(
        np.array([d for d, _ in units], dtype=np.int64), np.array([e for _, e in units], dtype=bool)
    )
    assert found == expected
    assert [type(x) for x in (found[0], *found[1])] == [
        type(x) for x in (expected[0], *expected[1])
    ]
