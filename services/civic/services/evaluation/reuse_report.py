"""The reuse report: reuses and usage by dataset, organization, actor type, type, topic,
and month — what publishers and evaluators look at before the pathway verdicts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

from pydantic import BaseModel, ConfigDict, Field

from civic.services.evaluation.documents import PeriodOut, ScopeOut, period_out
from civic.services.evaluation.records import Period, Scope
from civic.services.evaluation.sources import EvidenceSource

DIMENSIONS = ("dataset", "organization", "actor_type", "type", "topic", "month")


class ReuseRow(BaseModel):
    """Counts for one key of one dimension; ``calls`` and ``downloads`` are null where
    usage cannot be attributed (reuse types and topics)."""

    model_config = ConfigDict(extra="forbid")

    key: str
    label: str
    reuses: int
    calls: int | None
    downloads: int | None


class ReuseReportDocument(BaseModel):
    """The reuse report."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    report: str = "reuse"
    generated_at: dt.datetime
    period: PeriodOut
    scope: ScopeOut
    by_dataset: list[ReuseRow] = Field(description="the most reused and used datasets first")
    by_organization: list[ReuseRow]
    by_actor_type: list[ReuseRow]
    by_type: list[ReuseRow]
    by_topic: list[ReuseRow]
    by_month: list[ReuseRow] = Field(description="reuses created, calls and downloads per month")


def build_reuse_report(
    source: EvidenceSource,
    period: Period,
    scope: Scope | None = None,
    *,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> ReuseReportDocument:
    """Reuses live during ``period`` and the calls and downloads in it, grouped.

    ``limit`` caps the dataset rows. Raises whatever ``source`` raises.
    """
    scope = scope or Scope()
    organizations = {org.id: org for org in source.organizations()}
    datasets = {d.id: d for d in source.datasets(scope, period.end)}
    reuses = [r for r in source.reuses(scope, period.end) if r.live_during(period)]
    usage = {u.dataset_id: u for u in source.dataset_usage(scope, period)}

    reuses_per_dataset: Counter[uuid.UUID] = Counter(
        dataset_id for reuse in reuses for dataset_id in reuse.dataset_ids if dataset_id in datasets
    )
    dataset_rows = []
    for dataset_id in set(reuses_per_dataset) | set(usage):
        dataset = datasets.get(dataset_id)
        used = usage.get(dataset_id)
        dataset_rows.append(
            ReuseRow(
                key=str(dataset_id),
                label=dataset.name if dataset else str(dataset_id),
                reuses=reuses_per_dataset[dataset_id],
                calls=used.calls if used else 0,
                downloads=used.downloads if used else 0,
            )
        )
    dataset_rows.sort(key=lambda r: (-r.reuses, -(r.calls or 0), r.label))

    per_org: dict[uuid.UUID, list[int]] = {}
    for row in dataset_rows:
        key = _uuid(row.key)
        dataset = datasets.get(key) if key else None
        if dataset is None:
            continue
        totals = per_org.setdefault(dataset.organization_id, [0, 0, 0])
        totals[0] += row.reuses
        totals[1] += row.calls or 0
        totals[2] += row.downloads or 0
    organization_rows = sorted(
        (
            ReuseRow(
                key=organizations[org_id].name if org_id in organizations else str(org_id),
                label=organizations[org_id].name if org_id in organizations else str(org_id),
                reuses=reuses_count,
                calls=calls,
                downloads=downloads,
            )
            for org_id, (reuses_count, calls, downloads) in per_org.items()
        ),
        key=lambda r: (-r.reuses, -(r.calls or 0), r.key),
    )

    by_actor: Counter[str] = Counter(reuse.actor_type for reuse in reuses)
    actor_usage = {row.key: row for row in source.usage_by_actor_type(scope, period)}
    actor_rows = [
        ReuseRow(
            key=key,
            label=key.replace("_", " "),
            reuses=by_actor[key],
            calls=actor_usage[key].calls if key in actor_usage else 0,
            downloads=actor_usage[key].downloads if key in actor_usage else 0,
        )
        for key in sorted(set(by_actor) | set(actor_usage))
    ]
    created = Counter(
        reuse.created.strftime("%Y-%m") for reuse in reuses if period.contains(reuse.created.date())
    )
    month_usage = {row.key: row for row in source.usage_by_month(scope, period)}
    month_rows = [
        ReuseRow(
            key=month,
            label=month,
            reuses=created[month],
            calls=month_usage[month].calls if month in month_usage else 0,
            downloads=month_usage[month].downloads if month in month_usage else 0,
        )
        for month in _months(period)
    ]
    return ReuseReportDocument(
        generated_at=now or dt.datetime.now(dt.UTC),
        period=period_out(period),
        scope=ScopeOut.model_validate(
            {"organization": scope.organization, "level": scope.level, "territory": scope.territory}
        ),
        by_dataset=dataset_rows[:limit],
        by_organization=organization_rows,
        by_actor_type=actor_rows,
        by_type=_reuse_only(Counter(reuse.type for reuse in reuses)),
        by_topic=_reuse_only(Counter(reuse.topic for reuse in reuses)),
        by_month=month_rows,
    )


def _reuse_only(counts: Counter[str]) -> list[ReuseRow]:
    return [
        ReuseRow(key=key, label=key.replace("_", " "), reuses=n, calls=None, downloads=None)
        for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _months(period: Period) -> list[str]:
    return [step.start.strftime("%Y-%m") for step in period.steps("month")]


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
