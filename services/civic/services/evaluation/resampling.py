"""Percentile bootstrap intervals drawn in bulk with NumPy.

All resamples of one interval are drawn at once, as a matrix of unit indices (or of
multinomial counts), and the statistic is computed on every row together: the same
method as :func:`civic.services.evaluation.statistics.bootstrap`, without a Python
loop per resample. Seeded with :data:`~civic.services.evaluation.statistics.BOOTSTRAP_SEED`,
so a report is reproducible to the digit. Resample counts follow
:func:`~civic.services.evaluation.statistics.resamples_for`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from civic.services.evaluation.statistics import (
    BOOTSTRAP_SEED,
    MAX_RESAMPLES,
    Interval,
    resamples_for,
)

Floats = npt.NDArray[np.float64]
Statistic = Literal["hhi", "top5", "gini"]


def _rng() -> np.random.Generator:
    return np.random.default_rng(BOOTSTRAP_SEED)


def _percentiles(values: Floats) -> Interval:
    values = np.sort(values[~np.isnan(values)])
    if values.size == 0:
        return (None, None)
    last = values.size - 1
    return (float(values[int(0.025 * last)]), float(values[math.ceil(0.975 * last)]))


def _rows(values: Floats, statistic: Statistic) -> Floats:
    """``statistic`` of each row of ``values`` (one resample per row); NaN when empty."""
    totals = values.sum(axis=1)
    empty = totals <= 0
    safe = np.where(empty, 1.0, totals)
    if statistic == "hhi":
        result = (values * values).sum(axis=1) / (safe * safe)
    elif statistic == "top5":
        k = min(5, values.shape[1])
        top = -np.partition(-values, k - 1, axis=1)[:, :k]
        result = top.sum(axis=1) / safe
    else:  # gini, which needs at least two units
        n = values.shape[1]
        if n < 2:
            return np.full(values.shape[0], np.nan)
        ordered = np.sort(values, axis=1)
        weighted = (ordered * np.arange(1, n + 1)).sum(axis=1)
        result = 2 * weighted / (n * safe) - (n + 1) / n
    return np.where(empty, np.nan, result)


def bootstrap(counts: Sequence[float], statistic: Statistic) -> Interval:
    """95 % percentile interval of ``statistic`` over ``counts`` resampled with
    replacement (the units: apps, reusers, territories). Raises nothing."""
    units = np.asarray(counts, dtype=np.float64)
    n = units.size
    if n == 0:
        return (None, None)
    draws = _rng().integers(0, n, size=(resamples_for(n), n))
    return _percentiles(_rows(units[draws], statistic))


def bootstrap_evenness(categories: Sequence[int], weights: Sequence[float], size: int) -> Interval:
    """95 % interval of the evenness (normalised Shannon entropy over ``size``
    categories) of ``weights`` summed by category, resampling the units (apps with
    their actor type and calls). Raises nothing."""
    codes = np.asarray(categories, dtype=np.int64)
    values = np.asarray(weights, dtype=np.float64)
    n = values.size
    if n == 0 or size < 2:
        return (None, None)
    draws = _rng().integers(0, n, size=(resamples_for(n), n))
    drawn_codes, drawn_values = codes[draws], values[draws]
    columns = max(size, int(codes.max()) + 1)  # a code past ``size``: a category of its own
    sums = np.stack(
        [np.where(drawn_codes == c, drawn_values, 0.0).sum(axis=1) for c in range(columns)],
        axis=1,
    )
    return _percentiles(evenness_rows(sums, size))


def bootstrap_categorical(counts: Sequence[int]) -> Interval:
    """95 % interval of the evenness of category ``counts`` resampled as a multinomial
    (every item drawn again). Raises nothing."""
    n = int(sum(counts))
    if n == 0 or len(counts) < 2:
        return (None, None)
    probabilities = np.asarray(counts, dtype=np.float64) / n
    draws = _rng().multinomial(n, probabilities, size=MAX_RESAMPLES).astype(np.float64)
    return _percentiles(evenness_rows(draws, len(counts)))


def evenness_rows(sums: Floats, size: int) -> Floats:
    """Normalised Shannon entropy of each row of category sums; NaN for an empty row."""
    totals = sums.sum(axis=1, keepdims=True)
    safe = np.where(totals <= 0, 1.0, totals)
    shares = sums / safe
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(shares > 0, shares * np.log(np.where(shares > 0, shares, 1.0)), 0.0)
    entropy = -terms.sum(axis=1) / math.log(size)
    return np.where(totals[:, 0] <= 0, np.nan, entropy)
