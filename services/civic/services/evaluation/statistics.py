"""Estimators and intervals, in plain Python (the samples are small once aggregated).

Methods, as the report states them:

- shares: Wilson score interval (Wilson 1927) at 95 %; when the units counted
  (calls) cluster in larger units (apps), the interval uses Kish's effective sample
  size ``(sum w)^2 / sum w^2`` of the clusters instead of the raw count;
- indices (HHI, top-k share, Gini, evenness): percentile bootstrap, resampling the
  independent units (apps, reusers, territories), with a fixed seed so that a report
  is reproducible; categorical counts are resampled as a multinomial;
- rates per 100 apps: Poisson interval by Byar's approximation.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import TypeVar

T = TypeVar("T")
Interval = tuple[float | None, float | None]

Z95 = NormalDist().inv_cdf(0.975)
BOOTSTRAP_SEED = 20150101
# Enough for stable 2.5 % and 97.5 % percentiles, fewer for very large samples where
# each resample costs more and the interval is narrow anyway.
MAX_RESAMPLES = 400
MIN_RESAMPLES = 200
DRAW_BUDGET = 4_000_000


def wilson(successes: float, n: float, z: float = Z95) -> Interval:
    """Wilson score interval of ``successes / n``; ``(None, None)`` when ``n`` is 0.

    ``n`` may be fractional (an effective sample size). Raises ValueError when
    ``successes`` is negative or above ``n``.
    """
    if n <= 0:
        return (None, None)
    if successes < 0 or successes > n * (1 + 1e-9):
        raise ValueError(f"successes {successes} outside [0, {n}]")
    p = min(1.0, successes / n)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # The interval always holds the share; rounding must not push it out (at 0 or 1).
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def clustered_share(clusters: Sequence[tuple[float, float]]) -> tuple[float | None, Interval, int]:
    """Share of hits among counts grouped in clusters: ``[(count, hits), ...]`` per cluster.

    Returns the pooled share, a Wilson interval on Kish's effective number of clusters,
    and the number of clusters with a count. The share is ``None`` with no count.
    """
    weights = [count for count, _ in clusters if count > 0]
    total = sum(weights)
    if total <= 0:
        return None, (None, None), 0
    hits = sum(hit for count, hit in clusters if count > 0)
    share = hits / total
    effective = total * total / sum(w * w for w in weights)
    low, high = wilson(share * effective, effective)
    return share, _containing((low, high), share), len(weights)


def hhi(counts: Sequence[float]) -> float | None:
    """Herfindahl-Hirschman index of the shares of ``counts`` (in [1/n, 1]); None if empty."""
    total = float(sum(counts))
    if total <= 0:
        return None
    return sum((c / total) ** 2 for c in counts if c > 0)


def top_share(counts: Sequence[float], k: int = 5) -> float | None:
    """Share of the total held by the ``k`` largest counts; None if the total is 0."""
    total = float(sum(counts))
    if total <= 0:
        return None
    return sum(sorted(counts, reverse=True)[:k]) / total


def gini(values: Sequence[float]) -> float | None:
    """Gini coefficient of non-negative ``values`` (0 = equal); None when fewer than 2."""
    ordered = sorted(values)
    n = len(ordered)
    total = sum(ordered)
    if n < 2 or total <= 0:
        return None
    weighted = sum((index + 1) * value for index, value in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def evenness(counts: Sequence[float], categories: int) -> float | None:
    """Shannon entropy of ``counts`` over ``categories`` possible ones, divided by its
    maximum: 0 when all fall in one category, 1 when spread evenly. None if empty."""
    total = float(sum(counts))
    if total <= 0 or categories < 2:
        return None
    entropy = -sum((c / total) * math.log(c / total) for c in counts if c > 0)
    return entropy / math.log(categories)


def lorenz(counts: Sequence[float]) -> list[tuple[float, float]]:
    """The concentration curve: cumulative share of units vs cumulative share of total,
    units from the largest down (``(0, 0)`` first)."""
    ordered = sorted((c for c in counts if c > 0), reverse=True)
    total = sum(ordered)
    points = [(0.0, 0.0)]
    running = 0.0
    for index, count in enumerate(ordered, start=1):
        running += count
        points.append((index / len(ordered), running / total))
    return points


def resamples_for(n: int) -> int:
    """How many bootstrap resamples for ``n`` units (see :data:`DRAW_BUDGET`)."""
    return max(MIN_RESAMPLES, min(MAX_RESAMPLES, DRAW_BUDGET // max(n, 1)))


def bootstrap(
    units: Sequence[T],
    statistic: Callable[[Sequence[T]], float | None],
    *,
    seed: int = BOOTSTRAP_SEED,
) -> Interval:
    """Percentile bootstrap 95 % interval of ``statistic`` over resampled ``units``."""
    n = len(units)
    if n == 0:
        return (None, None)
    rng = random.Random(seed)  # noqa: S311 - a reproducible bootstrap, not a secret
    values = [
        value
        for _ in range(resamples_for(n))
        if (value := statistic(rng.choices(units, k=n))) is not None
    ]
    return _percentiles(values)


def bootstrap_categorical(
    counts: Sequence[int],
    statistic: Callable[[Sequence[float]], float | None],
    *,
    seed: int = BOOTSTRAP_SEED,
) -> Interval:
    """Percentile bootstrap of ``statistic`` over category ``counts`` resampled as a
    multinomial (each item drawn again), in time independent of the number of items."""
    n = sum(counts)
    if n == 0:
        return (None, None)
    rng = random.Random(seed)  # noqa: S311 - a reproducible bootstrap, not a secret
    probabilities = [c / n for c in counts]
    values = [
        value
        for _ in range(MAX_RESAMPLES)
        if (value := statistic(multinomial(rng, n, probabilities))) is not None
    ]
    return _percentiles(values)


def multinomial(rng: random.Random, n: int, probabilities: Sequence[float]) -> list[float]:
    """One multinomial draw of ``n`` items, by conditional binomials."""
    left = n
    remaining = 1.0
    draw: list[float] = []
    for index, p in enumerate(probabilities):
        if index == len(probabilities) - 1 or left == 0:
            draw.append(float(left))
            left = 0
            continue
        share = min(1.0, p / remaining) if remaining > 0 else 0.0
        k = binomial(rng, left, share)
        draw.append(float(k))
        left -= k
        remaining -= p
    return draw


def binomial(rng: random.Random, n: int, p: float) -> int:
    """One binomial draw: normal approximation when ``n p (1-p)`` is large, else exact
    waiting times (expected ``n min(p, 1-p)`` steps)."""
    if p <= 0 or n == 0:
        return 0
    if p >= 1:
        return n
    if p > 0.5:
        return n - binomial(rng, n, 1 - p)
    variance = n * p * (1 - p)
    if variance >= 25:
        return min(n, max(0, round(rng.gauss(n * p, math.sqrt(variance)))))
    count, position = 0, 0
    log_q = math.log1p(-p)
    while True:
        position += int(math.log(1.0 - rng.random()) / log_q) + 1
        if position > n:
            return count
        count += 1


def poisson_rate(count: int, exposure: float, per: float = 100.0) -> tuple[float | None, Interval]:
    """Rate of ``count`` events per ``per`` units of ``exposure``, with Byar's 95 % interval."""
    if exposure <= 0:
        return None, (None, None)
    scale = per / exposure
    if count == 0:
        upper = -math.log(0.025)  # the exact upper limit for a zero count
        return 0.0, (0.0, upper * scale)
    z = Z95
    low = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper_count = count + 1
    high = upper_count * (1 - 1 / (9 * upper_count) + z / (3 * math.sqrt(upper_count))) ** 3
    return count * scale, (low * scale, high * scale)


def _percentiles(values: list[float]) -> Interval:
    if not values:
        return (None, None)
    values.sort()
    last = len(values) - 1
    return (values[int(0.025 * last)], values[math.ceil(0.975 * last)])


def _containing(interval: Interval, value: float) -> Interval:
    # Floating-point rounding must never leave the estimate a hair outside its interval.
    low, high = interval
    return (
        None if low is None else min(low, value),
        None if high is None else max(high, value),
    )


def containing(interval: Interval, value: float | None) -> Interval:
    """``interval`` widened, if need be, to contain ``value`` (bootstrap percentiles of a
    skewed statistic can miss the plug-in estimate)."""
    return interval if value is None else _containing(interval, value)
