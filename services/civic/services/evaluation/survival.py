"""Medians of waiting times that may not have ended yet (Kaplan-Meier).

A dataset published late in the period may not have been reused *yet*: dropping it
would make reuse look faster than it is, counting it as "never" slower. The
Kaplan-Meier estimator counts it as waiting up to the end of the period (censored).
The 95 % interval of the median is read off Greenwood's pointwise band of the
survival curve (Brookmeyer and Crowley's construction): from where the lower band
crosses one half to where the upper band does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from civic.services.evaluation.statistics import Z95, Interval


@dataclass(frozen=True, slots=True)
class Waiting:
    """How long a unit waited, and whether the wait ended (False: still waiting)."""

    duration: float
    ended: bool


_DURATION = attrgetter("duration")


def median_wait(waits: Iterable[Waiting]) -> tuple[float | None, Interval, int]:
    """The Kaplan-Meier median wait, its 95 % interval and the number of units.

    The median is None when fewer than half have ended by the longest follow-up; its
    interval then starts where the lower band crosses one half (or at the longest
    follow-up) and is open above (``None``).
    """
    # By duration only: the loop below takes every unit of one duration together.
    ordered = sorted(waits, key=_DURATION)
    n = len(ordered)
    if n == 0:
        return None, (None, None), 0
    survival, greenwood, at_risk = 1.0, 0.0, n
    median: float | None = None
    low: float | None = None
    high: float | None = None
    index = 0
    while index < n:
        time = ordered[index].duration
        events = censored = 0
        while index < n and ordered[index].duration == time:
            events += ordered[index].ended
            censored += not ordered[index].ended
            index += 1
        if events:
            survival *= 1 - events / at_risk
            if at_risk > events:
                greenwood += events / (at_risk * (at_risk - events))
            spread = Z95 * survival * math.sqrt(greenwood)
            if median is None and survival <= 0.5:
                median = time
            if low is None and survival - spread <= 0.5:
                low = time
            if high is None and survival + spread <= 0.5:
                high = time
        at_risk -= events + censored
    if low is None:
        low = ordered[-1].duration
    return median, (low, high), n


def median_wait_counts(
    durations: npt.NDArray[np.int64], ended: npt.NDArray[np.bool_]
) -> tuple[float | None, Interval, int]:
    """:func:`median_wait` of the units whose waits are ``durations`` (whole numbers),
    ``ended`` telling which ended: the same figures, the units of one duration counted
    together by NumPy rather than one by one."""
    n = int(durations.size)
    if n == 0:
        return None, (None, None), 0
    times, inverse, units = np.unique(durations, return_inverse=True, return_counts=True)
    ends = np.bincount(inverse, weights=ended, minlength=times.size).astype(np.int64)
    survival, greenwood, at_risk = 1.0, 0.0, n
    median: float | None = None
    low: float | None = None
    high: float | None = None
    for time, events, count in zip(times.tolist(), ends.tolist(), units.tolist(), strict=True):
        if events:
            survival *= 1 - events / at_risk
            if at_risk > events:
                greenwood += events / (at_risk * (at_risk - events))
            spread = Z95 * survival * math.sqrt(greenwood)
            if median is None and survival <= 0.5:
                median = time
            if low is None and survival - spread <= 0.5:
                low = time
            if high is None and survival + spread <= 0.5:
                high = time
        at_risk -= count
    if low is None:
        low = times[-1].item()
    return median, (low, high), n
