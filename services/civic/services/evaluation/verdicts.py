"""From indicators to verdicts: each expectation holds, fails, or lacks evidence.

An expectation is *decided* only when its sample reaches its minimum and its test
stays significant after adjusting for every expectation tested in the same report
(Holm by default, see :mod:`civic.services.evaluation.inference`):

- a threshold (``>=``, ``<=``): the test is whether the indicator differs from the
  threshold, its p-value read from the 95 % interval on the threshold's side (so an
  interval straddling the threshold is never decided);
- a trend (``increasing``, ``decreasing``): the Mann-Kendall test over the period's
  consecutive months or quarters, needing the catalog's minimum number of points.

An entry is ``inconclusive`` when fewer than half of its expectations are decided,
else ``supported`` (none fails), ``contradicted`` (none holds) or ``mixed``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from civic.services.evaluation.catalog import TREND_COMPARISONS, Catalog, Entry, Expectation
from civic.services.evaluation.indicators import IndicatorValue
from civic.services.evaluation.inference import ADJUSTMENTS, TrendTest, mann_kendall, two_sided_p
from civic.services.evaluation.statistics import Interval

Result = Literal["holds", "fails", "insufficient_evidence"]
Verdict = Literal["supported", "contradicted", "mixed", "inconclusive"]
Series = Mapping[str, Sequence[IndicatorValue]]


@dataclass(frozen=True, slots=True)
class Finding:
    """The evidence for one expectation."""

    id: str
    entry_id: str
    indicator: str
    expected: str
    threshold: float | None
    observed: float | None
    interval: Interval
    n: int
    min_sample: int
    result: Result
    reason: str
    p_value: float | None = None
    adjusted_p_value: float | None = None
    trend: TrendTest | None = None
    # Provisional direction before adjustment: True if the data lean towards "holds".
    leaning: bool | None = None


@dataclass(frozen=True, slots=True)
class EntryVerdict:
    """A catalog entry's verdict and the findings behind it."""

    entry: Entry
    verdict: Verdict
    findings: tuple[Finding, ...]


def judge(
    catalog: Catalog,
    indicators: Mapping[str, IndicatorValue],
    series: Series,
    *,
    threshold_scale: float = 1.0,
) -> list[EntryVerdict]:
    """Verdicts of every catalog entry; thresholds multiplied by ``threshold_scale``
    (the sensitivity analysis runs 0.8 and 1.2). Raises nothing."""
    method = catalog.method
    provisional = [
        _test(
            entry,
            index,
            expectation,
            indicators=indicators,
            series=series,
            min_points=method.min_trend_points,
            scale=threshold_scale,
        )
        for entry in catalog.entries
        for index, expectation in enumerate(entry.expectations)
    ]
    tested = [i for i, f in enumerate(provisional) if f.p_value is not None]
    adjusted = ADJUSTMENTS[method.multiple_testing]([_p(provisional[i]) for i in tested])
    findings = list(provisional)
    for i, p in zip(tested, adjusted, strict=True):
        findings[i] = _decide(provisional[i], p, method.alpha, method.multiple_testing)
    verdicts = []
    for entry in catalog.entries:
        mine = tuple(f for f in findings if f.entry_id == entry.id)
        verdicts.append(EntryVerdict(entry, entry_verdict([f.result for f in mine]), mine))
    return verdicts


def entry_verdict(results: Sequence[Result]) -> Verdict:
    """The verdict of an entry whose expectations gave ``results``."""
    holds = results.count("holds")
    fails = results.count("fails")
    if not results or 2 * (holds + fails) < len(results):
        return "inconclusive"
    if fails == 0:
        return "supported"
    if holds == 0:
        return "contradicted"
    return "mixed"


def _test(
    entry: Entry,
    index: int,
    expectation: Expectation,
    *,
    indicators: Mapping[str, IndicatorValue],
    series: Series,
    min_points: int,
    scale: float,
) -> Finding:
    current = indicators[expectation.indicator]
    threshold = None if expectation.threshold is None else expectation.threshold * scale
    finding = Finding(
        id=entry.expectation_id(index),
        entry_id=entry.id,
        indicator=expectation.indicator,
        expected=_expected(expectation, threshold),
        threshold=threshold,
        observed=current.value,
        interval=current.interval,
        n=current.n,
        min_sample=expectation.min_sample,
        result="insufficient_evidence",
        reason="",
    )
    if current.n < expectation.min_sample:
        return replace(
            finding, reason=f"sample {current.n} under the minimum {expectation.min_sample}"
        )
    if expectation.comparison in TREND_COMPARISONS:
        return _test_trend(finding, expectation, series.get(expectation.indicator, ()), min_points)
    assert threshold is not None  # noqa: S101 - the catalog guarantees it for >= and <=
    return _test_threshold(finding, expectation.comparison == ">=", threshold)


def _test_threshold(finding: Finding, at_least: bool, threshold: float) -> Finding:
    value = finding.observed
    low, high = finding.interval
    if value is None:
        # A median not reached yet: its interval's lower end still says something.
        if low is not None and low > threshold:
            return replace(finding, p_value=0.0, leaning=not at_least)
        return replace(finding, reason="no value yet (median not reached)")
    above = value > threshold
    spread = (
        (value - low if low is not None else None)
        if above
        else (high - value if high is not None else None)
    )
    p_value = two_sided_p(value, threshold, spread)
    return replace(finding, p_value=p_value, leaning=above if at_least else not above)


def _test_trend(
    finding: Finding, expectation: Expectation, points: Sequence[IndicatorValue], min_points: int
) -> Finding:
    values = [p.value for p in points if p.value is not None]
    if len(values) < min_points:
        return replace(
            finding, reason=f"{len(values)} {expectation.period}s with a value, under {min_points}"
        )
    test = mann_kendall(values)
    increasing = test.statistic > 0
    wanted = expectation.comparison == "increasing"
    return replace(
        finding,
        observed=test.slope,
        interval=(None, None),
        p_value=test.p_value,
        trend=test,
        leaning=increasing == wanted and test.statistic != 0,
    )


def _decide(finding: Finding, adjusted: float, alpha: float, method: str) -> Finding:
    if adjusted >= alpha:
        reason = (
            f"not significant after {method} adjustment (p = {adjusted:.3g} >= {alpha:g})"
            if _p(finding) < alpha
            else "the interval straddles the threshold"
            if finding.trend is None
            else "no significant trend"
        )
        return replace(finding, adjusted_p_value=adjusted, reason=reason)
    result: Result = "holds" if finding.leaning else "fails"
    return replace(
        finding,
        adjusted_p_value=adjusted,
        result=result,
        reason=f"{method}-adjusted p = {adjusted:.3g} < {alpha:g}",
    )


def _p(finding: Finding) -> float:
    return 1.0 if finding.p_value is None else finding.p_value


def _expected(expectation: Expectation, threshold: float | None) -> str:
    if threshold is None:
        return f"{expectation.comparison} by {expectation.period}"
    return f"{expectation.comparison} {threshold:.4g}"
