"""From indicators to verdicts: each expectation holds, fails, or lacks evidence.

An expectation is *decided* only when its sample reaches its minimum and its test
stays significant after adjusting for the other expectations tested with it (Holm by
default, see :mod:`civic.services.evaluation.inference`). The family is the entry by
default (each verdict is one claim, tested on its own expectations), or the whole
report (``family = "report"`` in the pathway set's method):

- a threshold (``>=``, ``<=``): the test is whether the indicator differs from the
  threshold, its p-value read from the 95 % interval on the threshold's side (so an
  interval straddling the threshold is never decided);
- a trend (``increasing``, ``decreasing``): the Mann-Kendall test over the period's
  consecutive months or quarters, needing the pathway set's minimum number of points.

An entry is ``inconclusive`` when fewer than half of its expectations are decided,
else ``supported`` (none fails), ``contradicted`` (none holds) or ``mixed``.

Small samples are handled by the intervals (Wilson, Kish, bootstrap, Kaplan-Meier),
which widen as the sample shrinks; ``min_sample`` is only a floor against degenerate
ones. For each expectation left undecided, :func:`decisive_sample` says at which
sample its interval would clear the threshold if the estimate stayed where it is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Literal

from civic.services.evaluation.indicators import INDICATORS, IndicatorValue
from civic.services.evaluation.inference import ADJUSTMENTS, TrendTest, mann_kendall, two_sided_p
from civic.services.evaluation.pathways import TREND_COMPARISONS, Entry, Expectation, PathwaySet
from civic.services.evaluation.statistics import Z95, Interval

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
    # Undecided: the sample (in ``decisive_unit``) that would decide it, if any would.
    decisive_sample: int | None = None
    decisive_unit: str | None = None


@dataclass(frozen=True, slots=True)
class EntryVerdict:
    """A pathway set entry's verdict and the findings behind it."""

    entry: Entry
    verdict: Verdict
    findings: tuple[Finding, ...]


def judge(
    pathway_set: PathwaySet,
    indicators: Mapping[str, IndicatorValue],
    series: Series,
    *,
    threshold_scale: float = 1.0,
) -> list[EntryVerdict]:
    """Verdicts of every pathway entry; thresholds multiplied by ``threshold_scale``
    (the sensitivity analysis runs 0.8 and 1.2). Raises nothing."""
    method = pathway_set.method
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
        for entry in pathway_set.entries
        for index, expectation in enumerate(entry.expectations)
    ]
    findings = list(provisional)
    families: dict[str, list[int]] = {}
    for i, finding in enumerate(provisional):
        key = finding.entry_id if method.family == "entry" else ""
        families.setdefault(key, []).append(i)
    for members in families.values():
        tested = [i for i in members if provisional[i].p_value is not None]
        adjusted = ADJUSTMENTS[method.multiple_testing]([_p(provisional[i]) for i in tested])
        for i, p in zip(tested, adjusted, strict=True):
            findings[i] = _decide(provisional[i], p, method.alpha, method.multiple_testing)
        for i in members:
            if findings[i].result == "insufficient_evidence":
                needed = decisive_sample(findings[i], len(members), method.alpha)
                findings[i] = replace(
                    findings[i],
                    decisive_sample=needed,
                    decisive_unit=None if needed is None else _unit_of(findings[i]),
                )
    verdicts = []
    for entry in pathway_set.entries:
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
    assert threshold is not None  # noqa: S101 - the pathway set guarantees it for >= and <=
    return _test_threshold(finding, expectation.comparison == ">=", threshold)


def _test_threshold(finding: Finding, at_least: bool, threshold: float) -> Finding:
    value = finding.observed
    low, high = finding.interval
    if value is None:
        # A median not reached yet: its interval's lower end still says something.
        if low is not None and low > threshold:
            return replace(finding, p_value=0.0, leaning=at_least)
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


def decisive_sample(finding: Finding, family_size: int, alpha: float) -> int | None:
    """The sample at which ``finding``'s interval would clear its threshold, if the
    estimate stayed where it is: the units ``n`` counts (months or quarters for a
    trend). None when no sample would (no estimate yet, an estimate on the threshold,
    no trend at all).

    The interval is taken at the level that decides under any step of the family's
    adjustment (Bonferroni's ``alpha / family_size``, two-sided), so reaching it is
    enough; and it narrows as ``1 / sqrt(n)``, as every interval of the report does.
    Raises nothing.
    """
    z = NormalDist().inv_cdf(1 - alpha / (2 * max(1, family_size)))
    if finding.trend is not None or (finding.threshold is None and finding.p_value is None):
        return _decisive_points(finding, z)
    value, threshold = finding.observed, finding.threshold
    if value is None or threshold is None or finding.n == 0 or value == threshold:
        return None
    low, high = finding.interval
    spread = (
        (value - low if low is not None else None)
        if value > threshold
        else (high - value if high is not None else None)
    )
    if spread is None:
        return None
    ratio = spread * z / (Z95 * abs(value - threshold))
    needed = math.ceil(finding.n * ratio * ratio - 1e-9)
    return max(needed, finding.min_sample, finding.n)


def _decisive_points(finding: Finding, z: float) -> int | None:
    """Consecutive steps at which a trend as steady as the one seen (the same Kendall
    tau) would be significant at ``z``; None without a trend or over ten years of steps."""
    test = finding.trend
    if test is None or test.statistic == 0:
        return None
    n = test.points
    tau = abs(test.statistic) / (n * (n - 1) / 2)
    for points in range(max(n, 3), 121):
        s = tau * points * (points - 1) / 2
        variance = points * (points - 1) * (2 * points + 5) / 18
        if (s - 1) / math.sqrt(variance) >= z:
            return points
    return None


def _unit_of(finding: Finding) -> str:
    if finding.trend is not None:
        return finding.expected.rsplit(" ", 1)[-1] + "s"
    return INDICATORS[finding.indicator].sample


def _p(finding: Finding) -> float:
    return 1.0 if finding.p_value is None else finding.p_value


def _expected(expectation: Expectation, threshold: float | None) -> str:
    if threshold is None:
        return f"{expectation.comparison} by {expectation.period}"
    return f"{expectation.comparison} {threshold:.4g}"
