"""Tests behind the verdicts: direction of a trend, and many expectations at once.

- Trend: the Mann-Kendall test (two-sided, normal approximation with the tie
  correction and a continuity correction), with Sen's slope as its size. It assumes
  nothing of the shape of the trend, only that it keeps one direction.
- Many expectations: Holm's step-down adjustment (family-wise error) by default, or
  Benjamini-Hochberg (false discovery rate), as the pathway set chooses.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist, median

_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class TrendTest:
    """Result of a Mann-Kendall test on a series of consecutive values."""

    statistic: int
    z: float
    p_value: float
    slope: float
    points: int


def mann_kendall(values: Sequence[float]) -> TrendTest:
    """Mann-Kendall test of ``values`` (in time order) and Sen's slope per step.

    Raises ValueError with fewer than 3 values.
    """
    n = len(values)
    if n < 3:
        raise ValueError("a trend test needs at least 3 values")
    s = 0
    for i in range(n - 1):
        for j in range(i + 1, n):
            s += (values[j] > values[i]) - (values[j] < values[i])
    ties = Counter(values).values()
    variance = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    z = 0.0 if variance <= 0 or s == 0 else (s - 1 if s > 0 else s + 1) / math.sqrt(variance)
    p_value = 2 * (1 - _NORMAL.cdf(abs(z)))
    slopes = [(values[j] - values[i]) / (j - i) for i in range(n - 1) for j in range(i + 1, n)]
    return TrendTest(statistic=s, z=z, p_value=min(1.0, p_value), slope=median(slopes), points=n)


def two_sided_p(value: float, threshold: float, spread: float | None) -> float:
    """p-value of ``value`` differing from ``threshold`` given the 95 % half-width
    ``spread`` on the threshold's side (a normal approximation). 1.0 without a spread."""
    if spread is None:
        return 1.0
    if spread <= 0:
        return 0.0 if value != threshold else 1.0
    z = abs(value - threshold) / (spread / 1.959963984540054)
    return min(1.0, 2 * (1 - _NORMAL.cdf(z)))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i], reverse=True)
    adjusted = [1.0] * m
    running = 1.0
    for position, index in enumerate(order):
        rank = m - position
        running = min(running, m / rank * p_values[index])
        adjusted[index] = min(1.0, running)
    return adjusted


ADJUSTMENTS = {"holm": holm, "benjamini-hochberg": benjamini_hochberg}
