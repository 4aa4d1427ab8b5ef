"""The pathway report as JSON: the models behind its published JSON Schema.

The shape is the one the issue states — ``period``, ``indicators`` (``id``, ``value``,
``n``, ``interval``, ``unit``) and ``pathways`` (``id``, ``kind``, ``title``,
``verdict``, ``evidence`` with ``indicator``, ``expected``, ``observed``,
``interval``, ``n``, ``result``) — plus what makes a report reproducible and honest:
the pathway set version, the method, the scope, the counts read, the trends, and the
sensitivity of every verdict. ``docs/schemas/pathway-report.schema.json`` is
generated from :class:`PathwayReportDocument` (a unit test keeps it in step).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from civic.services.evaluation.capture import Actor
from civic.services.evaluation.indicators import INDICATORS
from civic.services.evaluation.inference import TrendTest
from civic.services.evaluation.integrity import (
    RegistrationCheckOut,
    VerificationOut,
    registration_out,
    verification_out,
)
from civic.services.evaluation.records import Period
from civic.services.evaluation.report import PathwayReport, Sensitivity
from civic.services.evaluation.statistics import BOOTSTRAP_SEED, MAX_RESAMPLES, MIN_RESAMPLES
from civic.services.evaluation.verdicts import Finding, Result, Verdict

Bound = float | None
IntervalOut = tuple[Bound, Bound]


class _Document(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class PeriodOut(_Document):
    """The days the report covers, both included."""

    from_: dt.date = Field(alias="from")
    to: dt.date


class ScopeOut(_Document):
    """The publishers' side the report looks at (null: no filter)."""

    organization: str | None = None
    level: Literal["national", "regional", "local"] | None = None
    territory: str | None = None


class PathwaySetOut(_Document):
    """Which pathway set was checked: its content hash and size (the JSON key stays ``catalog``)."""

    version: str = Field(description="sha256 of the pathway set's content")
    source: str
    entries: int
    expectations: int


class MethodOut(_Document):
    """How the verdicts were reached."""

    alpha: float
    multiple_testing: Literal["holm", "benjamini-hochberg"]
    family: Literal["entry", "report"] = Field(
        description="which expectations are adjusted together: each entry's, or the report's"
    )
    small_samples: str = (
        "carried by the intervals, which widen as the sample shrinks; min_sample is only a "
        "floor against degenerate intervals, counted in the units n counts"
    )
    trend_test: str = "Mann-Kendall (two-sided), Sen's slope"
    shares: str = "Wilson score interval (Kish's effective sample size for calls)"
    indices: str = (
        f"percentile bootstrap, seed {BOOTSTRAP_SEED}, {MIN_RESAMPLES}-{MAX_RESAMPLES} resamples"
    )
    medians: str = "Kaplan-Meier, Brookmeyer-Crowley interval"
    sensitivity: float = Field(description="relative threshold shift of the sensitivity analysis")
    min_trend_points: int


class CountsOut(_Document):
    """How much data the report read."""

    organizations: int
    datasets: int
    apps: int
    reuses: int
    calls: int
    downloads: int
    access_events: int


class IndicatorOut(_Document):
    """An indicator for the period and scope."""

    id: str
    title: str
    family: str
    value: float | None
    n: int
    interval: IntervalOut
    unit: str


class TrendTestOut(_Document):
    """Mann-Kendall statistic S, its z and p, and Sen's slope per step."""

    statistic: int
    z: float
    p_value: float
    slope: float


class SensitivityOut(_Document):
    """The result again with every threshold moved down and up by the sensitivity."""

    minus: str
    plus: str
    changes: bool


class EvidenceOut(_Document):
    """One expectation of a pathway, checked."""

    id: str
    indicator: str
    expected: str
    observed: float | None
    interval: IntervalOut
    n: int
    result: Result
    min_sample: int
    reason: str
    p_value: float | None
    adjusted_p_value: float | None
    trend: TrendTestOut | None = None
    sensitivity: SensitivityOut
    decisive_sample: int | None = Field(
        default=None,
        description="left undecided: the sample (in decisive_unit) at which the interval "
        "would clear the threshold if the estimate stayed where it is; null when decided "
        "or when no sample would decide it",
    )
    decisive_unit: str | None = None


class ActorOut(_Document):
    """The largest app (by calls and downloads) or reuser (by live reuses)."""

    kind: Literal["app", "reuser"]
    id: str
    name: str
    share: float = Field(description="its share of the calls and downloads, or of live reuses")


class RestsOnOut(_Document):
    """An actor without whom the entry's verdict would change, and the verdict then."""

    actor: ActorOut
    verdict_without: Verdict


class CaptureOut(_Document):
    """The capture check: every verdict again without one actor."""

    actor: ActorOut
    changed: list[str] = Field(description="entries whose verdict changes without it")


class PathwayOut(_Document):
    """A pathway set entry and its verdict."""

    id: str
    kind: Literal["model", "pathway", "lever"]
    title: str
    title_fr: str
    verdict: Verdict
    evidence: list[EvidenceOut]
    sensitivity: SensitivityOut
    rests_on: list[RestsOnOut] = Field(
        default_factory=list,
        description="actors without whom the verdict changes (the capture check)",
    )


class TrendPointOut(_Document):
    """An indicator's value over one step."""

    from_: dt.date = Field(alias="from")
    to: dt.date
    value: float | None
    n: int


class TrendOut(_Document):
    """An indicator over the period's consecutive months (or quarters)."""

    indicator: str
    step: Literal["month", "quarter"]
    points: list[TrendPointOut]


class SummaryOut(_Document):
    """Entry ids by verdict, and those whose verdict moves with the thresholds."""

    supported: list[str]
    contradicted: list[str]
    mixed: list[str]
    inconclusive: list[str]
    fragile: list[str]
    resting_on_one_actor: list[str] = Field(
        default_factory=list, description="entries whose verdict changes without one actor"
    )
    differ_on_verified: list[str] = Field(
        default_factory=list,
        description="entries whose verdict differs on verified actor types only",
    )


class PathwayReportDocument(_Document):
    """The pathway evidence report."""

    report: Literal["pathways"] = "pathways"
    generated_at: dt.datetime
    usage_until: dt.datetime = Field(
        description="the instant the usage counted runs to: the report's cut-off, or the "
        "end of its period when earlier"
    )
    usage_note: str = Field(description="how usage up to that instant was read")
    period: PeriodOut
    scope: ScopeOut
    catalog: PathwaySetOut
    method: MethodOut
    counts: CountsOut
    summary: SummaryOut
    indicators: list[IndicatorOut]
    pathways: list[PathwayOut]
    trends: list[TrendOut]
    capture: list[CaptureOut] = Field(default_factory=list)
    verification: VerificationOut | None = None
    registration: RegistrationCheckOut | None = None


def pathway_report_document(report: PathwayReport) -> PathwayReportDocument:
    """The JSON document of ``report``."""
    pathway_set = report.pathway_set
    method = pathway_set.method
    counts = report.counts
    charted = sorted({e.indicator for entry in pathway_set.entries for e in entry.expectations})
    return PathwayReportDocument(
        generated_at=report.generated_at,
        usage_until=report.freshness.until,
        usage_note=report.freshness.note,
        period=period_out(report.period),
        scope=ScopeOut.model_validate(
            {
                "organization": report.scope.organization,
                "level": report.scope.level,
                "territory": report.scope.territory,
            }
        ),
        catalog=PathwaySetOut(
            version=pathway_set.version,
            source=pathway_set.source.title,
            entries=len(pathway_set.entries),
            expectations=pathway_set.expectation_count,
        ),
        method=MethodOut(
            alpha=method.alpha,
            multiple_testing=method.multiple_testing,
            family=method.family,
            sensitivity=method.sensitivity,
            min_trend_points=method.min_trend_points,
        ),
        counts=CountsOut(
            organizations=counts.organizations,
            datasets=counts.datasets,
            apps=counts.apps,
            reuses=counts.reuses,
            calls=counts.calls,
            downloads=counts.downloads,
            access_events=counts.access_events,
        ),
        summary=SummaryOut(
            supported=[v.entry.id for v in report.entries_with("supported")],
            contradicted=[v.entry.id for v in report.entries_with("contradicted")],
            mixed=[v.entry.id for v in report.entries_with("mixed")],
            inconclusive=[v.entry.id for v in report.entries_with("inconclusive")],
            fragile=[id for id, s in report.entry_sensitivity.items() if s.changes],
            resting_on_one_actor=[
                v.entry.id for v in report.verdicts if report.resting_on(v.entry.id)
            ],
            differ_on_verified=list(report.verification.changed) if report.verification else [],
        ),
        indicators=[
            IndicatorOut(
                id=value.id,
                title=INDICATORS[value.id].title,
                family=INDICATORS[value.id].family,
                value=value.value,
                n=value.n,
                interval=value.interval,
                unit=value.unit,
            )
            for value in report.indicators.values()
        ],
        pathways=[
            PathwayOut(
                id=verdict.entry.id,
                kind=verdict.entry.kind,
                title=verdict.entry.title.en,
                title_fr=verdict.entry.title.fr,
                verdict=verdict.verdict,
                evidence=[_evidence(report, finding) for finding in verdict.findings],
                sensitivity=_sensitivity(report.entry_sensitivity[verdict.entry.id]),
                rests_on=[
                    RestsOnOut(
                        actor=_actor(check.actor), verdict_without=check.verdicts[verdict.entry.id]
                    )
                    for check in report.resting_on(verdict.entry.id)
                ],
            )
            for verdict in report.verdicts
        ],
        trends=[
            TrendOut(
                indicator=indicator,
                step=series.step,
                points=[
                    TrendPointOut.model_validate(
                        {"from": period.start, "to": period.end, "value": value.value, "n": value.n}
                    )
                    for period, value in zip(series.periods, series.values[indicator], strict=True)
                ],
            )
            for series in report.series.values()
            for indicator in charted
        ],
        capture=[
            CaptureOut(actor=_actor(check.actor), changed=list(check.changed))
            for check in report.capture
        ],
        verification=verification_out(report.verification) if report.verification else None,
        registration=registration_out(report.registration) if report.registration else None,
    )


def _actor(actor: Actor) -> ActorOut:
    return ActorOut(kind=actor.kind, id=actor.id, name=actor.name, share=actor.share)


def period_out(period: Period) -> PeriodOut:
    """The JSON form of ``period``."""
    return PeriodOut.model_validate({"from": period.start, "to": period.end})


def pathway_report_json(report: PathwayReport) -> dict[str, Any]:
    """``report`` as a JSON-ready dict (the shape of the published schema)."""
    return pathway_report_document(report).model_dump(mode="json", by_alias=True)


def pathway_report_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the pathway report."""
    schema = PathwayReportDocument.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://civic-platform.example/schemas/pathway-report.schema.json",
        **schema,
    }


def _evidence(report: PathwayReport, finding: Finding) -> EvidenceOut:
    return EvidenceOut(
        id=finding.id,
        indicator=finding.indicator,
        expected=finding.expected,
        observed=finding.observed,
        interval=finding.interval,
        n=finding.n,
        result=finding.result,
        min_sample=finding.min_sample,
        reason=finding.reason,
        p_value=finding.p_value,
        adjusted_p_value=finding.adjusted_p_value,
        trend=_trend(finding.trend),
        sensitivity=_sensitivity(report.expectation_sensitivity[finding.id]),
        decisive_sample=finding.decisive_sample,
        decisive_unit=finding.decisive_unit,
    )


def _trend(test: TrendTest | None) -> TrendTestOut | None:
    if test is None:
        return None
    return TrendTestOut(statistic=test.statistic, z=test.z, p_value=test.p_value, slope=test.slope)


def _sensitivity(sensitivity: Sensitivity) -> SensitivityOut:
    return SensitivityOut(
        minus=sensitivity.lower, plus=sensitivity.higher, changes=sensitivity.changes
    )
