"""The pathway evidence report: indicators, trends, verdicts and their fragility."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from civic.services.evaluation.capture import (
    Actor,
    CaptureCheck,
    Verification,
    largest_actors,
    strip,
    unverified,
    verified_apps,
    verified_only,
)
from civic.services.evaluation.evidence import PARTS, Evidence, gather
from civic.services.evaluation.freshness import Freshness
from civic.services.evaluation.indicators import INDICATORS, IndicatorValue
from civic.services.evaluation.measures import compute_indicators, parts_for
from civic.services.evaluation.measures.datasets import first_reuses, forget_sets
from civic.services.evaluation.pathways import PathwaySet
from civic.services.evaluation.preregistration import (
    Registration,
    RegistrationCheck,
    check_registration,
)
from civic.services.evaluation.records import EvidenceCounts, Period, Scope
from civic.services.evaluation.reuse_columns import forget_subsets
from civic.services.evaluation.sources import EvidenceSource
from civic.services.evaluation.statistics import lorenz
from civic.services.evaluation.verdicts import EntryVerdict, Result, Verdict, judge

Step = Literal["month", "quarter"]


@dataclass(frozen=True, slots=True)
class StepSeries:
    """An indicator's values over consecutive steps of the period."""

    step: Step
    periods: tuple[Period, ...]
    values: Mapping[str, tuple[IndicatorValue, ...]]


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """What one expectation or entry gives with every threshold at -20 % and +20 %."""

    id: str
    base: str
    lower: str
    higher: str

    @property
    def changes(self) -> bool:
        """Whether moving the thresholds changes it."""
        return not self.base == self.lower == self.higher


@dataclass(frozen=True, slots=True)
class PathwayReport:
    """Everything a pathway report shows, whatever its format."""

    generated_at: dt.datetime
    pathway_set: PathwaySet
    period: Period
    scope: Scope
    counts: EvidenceCounts
    indicators: Mapping[str, IndicatorValue]
    series: Mapping[Step, StepSeries]
    verdicts: tuple[EntryVerdict, ...]
    expectation_sensitivity: Mapping[str, Sensitivity]
    entry_sensitivity: Mapping[str, Sensitivity]
    concentration_curve: tuple[tuple[float, float], ...]
    calls_by_actor: Mapping[str, int]
    freshness: Freshness
    capture: tuple[CaptureCheck, ...] = ()
    verification: Verification | None = None
    registration: RegistrationCheck | None = None

    def resting_on(self, entry_id: str) -> list[CaptureCheck]:
        """The capture checks under which entry ``entry_id``'s verdict changes."""
        return [check for check in self.capture if entry_id in check.changed]

    def entries_with(self, verdict: Verdict) -> list[EntryVerdict]:
        """The entries that got ``verdict``, in pathway set order."""
        return [v for v in self.verdicts if v.verdict == verdict]

    def verdict_of(self, entry_id: str) -> Verdict:
        """The verdict of entry ``entry_id``. Raises KeyError for an unknown id."""
        for verdict in self.verdicts:
            if verdict.entry.id == entry_id:
                return verdict.verdict
        raise KeyError(entry_id)


def build_pathway_report(
    source: EvidenceSource,
    pathway_set: PathwaySet,
    period: Period,
    scope: Scope | None = None,
    *,
    now: dt.datetime | None = None,
    registrations: Sequence[Registration] = (),
) -> PathwayReport:
    """Compute the indicators for ``period`` and ``scope``, the monthly (and, when the
    pathway set asks, quarterly) series, the verdicts and their sensitivity, and how
    ``pathway_set`` stands against the ``registrations`` (pre-registration).

    Raises whatever ``source`` raises (a database error for the SQL source).
    """
    with _collector_paused():
        return _build(
            source, pathway_set, period, scope or Scope(), now=now, registrations=registrations
        )


class _Collector:
    """How many reports this process is building (threads of one gateway worker), and
    whether the collector was on before the first of them; under ``lock``."""

    lock = threading.Lock()
    building = 0
    resume = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """CPython's cyclic garbage collector paused while reports are built.

    A report holds millions of small tuples (the evidence) until it ends, and every
    full collection walks them all to free nothing: a third of the report's CPU on
    the 1 M-event bench (10.5-12.2 s with it, 7.1-8.1 s without). Reference counting
    still frees everything that is not in a cycle; the collector resumes when the last
    report of the process ends (it is left off if something else had turned it off).

    On resuming, what was made meanwhile and is still alive (the source's reads, held
    by the caller) goes to the oldest generation unscanned (``gc.freeze`` then
    ``gc.unfreeze``): the youngest generation's first pass would otherwise walk those
    millions of objects at once (1.1-1.5 s at 1 M events); the oldest generation's
    next pass, which comes far later, scans them if they are still there. The reuse
    subsets and sets of used datasets the reports kept are let go then too
    (:func:`.reuse_columns.forget_subsets`, :func:`.measures.datasets.forget_sets`).
    """
    with _Collector.lock:
        if _Collector.building == 0:
            _Collector.resume = gc.isenabled()
            gc.disable()
        _Collector.building += 1
    try:
        yield
    finally:
        with _Collector.lock:
            _Collector.building -= 1
            if _Collector.building == 0:
                forget_subsets()
                forget_sets()
                if _Collector.resume:
                    gc.freeze()
                    gc.unfreeze()
                    gc.enable()


def _build(
    source: EvidenceSource,
    pathway_set: PathwaySet,
    period: Period,
    scope: Scope,
    *,
    now: dt.datetime | None,
    registrations: Sequence[Registration],
) -> PathwayReport:
    evidence = gather(source, period, scope)
    first = first_reuses(evidence.reuses)
    indicators = compute_indicators(evidence, first_reuse=first)
    wanted: set[Step] = {"month"}
    wanted.update(
        e.period
        for entry in pathway_set.entries
        for e in entry.expectations
        if e.period is not None
    )
    charted = {e.indicator for entry in pathway_set.entries for e in entry.expectations}
    computed = {
        step: _series(source, period, scope, step, only=charted, first_reuse=first)
        for step in sorted(wanted)
    }
    series = {step: found[0] for step, found in computed.items()}
    by_indicator = {
        expectation.indicator: series[expectation.period].values[expectation.indicator]
        for entry in pathway_set.entries
        for expectation in entry.expectations
        if expectation.period is not None
    }
    verdicts = judge(pathway_set, indicators, by_indicator)
    base = {verdict.entry.id: verdict.verdict for verdict in verdicts}
    steps = {step: found[1] for step, found in computed.items()}
    capture = tuple(
        _capture(source, actor, evidence=evidence, steps=steps, pathway_set=pathway_set, base=base)
        for actor in largest_actors(evidence)
    )
    verification = _verification(evidence=evidence, steps=steps, pathway_set=pathway_set, base=base)
    scale = pathway_set.method.sensitivity
    lower = judge(pathway_set, indicators, by_indicator, threshold_scale=1 - scale)
    higher = judge(pathway_set, indicators, by_indicator, threshold_scale=1 + scale)
    return PathwayReport(
        generated_at=now or dt.datetime.now(dt.UTC),
        pathway_set=pathway_set,
        period=period,
        scope=scope,
        counts=evidence.counts(),
        indicators=indicators,
        series=series,
        verdicts=tuple(verdicts),
        expectation_sensitivity=_finding_sensitivity(verdicts, lower, higher),
        entry_sensitivity={
            base.entry.id: Sensitivity(base.entry.id, base.verdict, low.verdict, high.verdict)
            for base, low, high in zip(verdicts, lower, higher, strict=True)
        },
        concentration_curve=tuple(lorenz([float(u.total) for u in evidence.usage])),
        calls_by_actor=_calls_by_actor(evidence),
        freshness=source.freshness(period),
        capture=capture,
        verification=verification,
        registration=check_registration(registrations, pathway_set, period),
    )


def _capture(
    source: EvidenceSource,
    actor: Actor,
    *,
    evidence: Evidence,
    steps: Mapping[Step, list[Evidence]],
    pathway_set: PathwaySet,
    base: Mapping[str, Verdict],
) -> CaptureCheck:
    """The verdicts again without ``actor``, from the evidence already read (the
    period's and each step's), stripped of what is the actor's."""
    verdicts = _verdicts_without(
        lambda part, need: strip(part, actor, source, need=need),
        evidence=evidence,
        steps=steps,
        pathway_set=pathway_set,
    )
    changed = tuple(id for id, verdict in verdicts.items() if verdict != base[id])
    return CaptureCheck(actor, verdicts, changed)


def _verification(
    *,
    evidence: Evidence,
    steps: Mapping[Step, list[Evidence]],
    pathway_set: PathwaySet,
    base: Mapping[str, Verdict],
) -> Verification:
    """The verdicts on verified actor types only (the base ones when all are verified)."""
    apps, reuses, share = unverified(evidence)
    verdicts: Mapping[str, Verdict] = base
    if apps or reuses:
        kept = verified_apps(evidence)
        verdicts = _verdicts_without(
            lambda part, need: verified_only(part, kept, need=need),
            evidence=evidence,
            steps=steps,
            pathway_set=pathway_set,
        )
    return Verification(
        apps=len(evidence.apps),
        unverified_apps=apps,
        reuses=len(evidence.live_reuses),
        unverified_reuses=reuses,
        unverified_share=share,
        verdicts=verdicts,
        changed=tuple(id for id, verdict in verdicts.items() if verdict != base[id]),
    )


def _verdicts_without(
    without_part: Callable[[Evidence, Collection[str]], Evidence],
    *,
    evidence: Evidence,
    steps: Mapping[Step, list[Evidence]],
    pathway_set: PathwaySet,
) -> dict[str, Verdict]:
    """The verdicts on the evidence already read (the period's and each step's), each
    part passed through ``without_part`` with the parts its indicators read."""
    without = without_part(evidence, PARTS)
    first = first_reuses(without.reuses)
    indicators = compute_indicators(without, first_reuse=first)
    trends = {
        (e.indicator, e.period)
        for entry in pathway_set.entries
        for e in entry.expectations
        if e.period is not None
    }
    by_indicator: dict[str, tuple[IndicatorValue, ...]] = {}
    for indicator, step in trends:
        if step is None:
            continue
        need = parts_for({indicator})
        by_indicator[indicator] = tuple(
            compute_indicators(
                without_part(part, need),
                intervals=False,
                only={indicator},
                first_reuse=first,
            )[indicator]
            for part in steps[step]
        )
    return {v.entry.id: v.verdict for v in judge(pathway_set, indicators, by_indicator)}


def _series(
    source: EvidenceSource,
    period: Period,
    scope: Scope,
    step: Step,
    *,
    only: set[str] | None = None,
    first_reuse: Mapping[int, dt.datetime] | None = None,
) -> tuple[StepSeries, list[Evidence]]:
    """The indicators (those of ``only``, if given) over each step of ``period``, and
    the evidence of each step (the capture check strips it of one actor)."""
    periods = tuple(period.steps(step))
    need = PARTS if only is None else parts_for(only)
    evidences = [gather(source, p, scope, need=need) for p in periods]
    computed = [
        compute_indicators(part, intervals=False, only=only, first_reuse=first_reuse)
        for part in evidences
    ]
    found = StepSeries(
        step=step,
        periods=periods,
        values={
            id: tuple(values[id] for values in computed)
            for id in INDICATORS
            if only is None or id in only
        },
    )
    return found, evidences


def _finding_sensitivity(
    base: list[EntryVerdict], lower: list[EntryVerdict], higher: list[EntryVerdict]
) -> dict[str, Sensitivity]:
    found: dict[str, Sensitivity] = {}
    for b, lo, hi in zip(base, lower, higher, strict=True):
        for fb, fl, fh in zip(b.findings, lo.findings, hi.findings, strict=True):
            results: tuple[Result, Result, Result] = (fb.result, fl.result, fh.result)
            found[fb.id] = Sensitivity(fb.id, *results)
    return found


def _calls_by_actor(evidence: Evidence) -> dict[str, int]:
    actor_of = {app.id: app.actor_type for app in evidence.apps}
    totals: dict[str, int] = {}
    for usage in evidence.usage:
        actor = actor_of.get(usage.app_id, "unknown")
        totals[actor] = totals.get(actor, 0) + usage.total
    return totals
