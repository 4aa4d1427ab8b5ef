"""Usage reports as the API (JSON, CSV) and the web pages show them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from civic.services.apps.models import App
from civic.services.catalog.models import Dataset, Organization
from civic.services.csv_cells import formula_safe_row
from civic.services.reuses.models import Reuse
from civic.services.usage.analytics import ANONYMOUS, Counts, KindCounts, UsageReport
from civic.services.usage.models import UsageKind

_DAILY_LIMIT = re.compile(r"(\d+)\s*(?:/|per)\s*(?:1\s*)?days?\b", re.IGNORECASE)
CALLS, DOWNLOADS, VIEWS = UsageKind.API_CALL, UsageKind.DOWNLOAD, UsageKind.PAGE_VIEW


def daily_limit(limits: str) -> int | None:
    """The per-day number of a rate-limit string ("600/minute;50000/day"), if it has one."""
    found = _DAILY_LIMIT.search(limits)
    return int(found.group(1)) if found else None


def app_document(app: App, report: UsageReport, *, plan: str, limits: str) -> dict[str, Any]:
    """An app's own usage: totals, per day, per dataset, latency, quota use."""
    today = report.period.end
    calls_today = report.days[today].total.events if today in report.days else 0
    per_day = daily_limit(limits)
    return {
        "app": {
            "client_id": app.client_id,
            "client_name": app.client_name,
            "actor_type": app.actor_type.value,
        },
        "period": _period(report),
        "totals": _totals(report.total.total, report.total),
        "days": [
            {"day": day.isoformat(), **_kinds(report.days.get(day))} for day in report.period.days()
        ],
        "datasets": [
            {"dataset": name, **_kinds(counts)}
            for name, counts in _busiest(report.datasets.items())
        ],
        "quota": {
            "plan": plan,
            "limits": limits,
            "calls_today": calls_today,
            "daily_limit": per_day,
            "daily_used": round(calls_today / per_day, 4) if per_day else None,
        },
    }


def organization_document(
    organization: Organization,
    report: UsageReport,
    *,
    datasets: list[Dataset],
    apps: dict[str, App],
    reuses: list[Reuse],
) -> dict[str, Any]:
    """Who uses an organization's datasets, how much, and which reuses were declared."""
    reuses_per_dataset: dict[str, int] = {}
    reuses_per_actor: dict[str, int] = {}
    for reuse in reuses:
        actor = reuse.owner_actor_type.value
        reuses_per_actor[actor] = reuses_per_actor.get(actor, 0) + 1
        for dataset in reuse.datasets:
            reuses_per_dataset[dataset.name] = reuses_per_dataset.get(dataset.name, 0) + 1
    titles = {dataset.name: dataset.title for dataset in datasets}
    names = list(titles) + sorted(set(report.datasets) - set(titles))
    dataset_rows = [
        {
            "dataset": name,
            "title": titles.get(name),
            **_kinds(report.datasets.get(name)),
            "apps": len(report.apps_per_dataset.get(name, ())),
            "reuses": reuses_per_dataset.get(name, 0),
        }
        for name in names
    ]
    dataset_rows.sort(key=lambda row: (-(row["calls"] + row["downloads"]), row["dataset"]))
    actors = sorted(set(report.actor_types) | set(reuses_per_actor))
    known_apps = [key for key in report.apps if key != ANONYMOUS]
    return {
        "organization": {
            "name": organization.name,
            "title": organization.title,
            "level": organization.level.value,
        },
        "period": _period(report),
        "totals": {
            **_totals(report.total.total, report.total),
            "apps": len(known_apps),
            "reuses": len(reuses),
        },
        "days": [
            {"day": day.isoformat(), **_kinds(report.days.get(day))} for day in report.period.days()
        ],
        "datasets": dataset_rows,
        "apps": [
            _app_row(key, apps.get(key), counts) for key, counts in _busiest(report.apps.items())
        ],
        "actor_types": [
            {
                "actor_type": actor,
                **_kinds(report.actor_types.get(actor)),
                "reuses": reuses_per_actor.get(actor, 0),
            }
            for actor in actors
        ],
        "reuses": [
            {
                "id": str(reuse.id),
                "title": reuse.title,
                "url": reuse.url,
                "type": reuse.type.value,
                "topic": reuse.topic,
                "purpose": reuse.purpose.value,
                "owner_actor_type": reuse.owner_actor_type.value,
                "owner_app": reuse.owner_app.client_name if reuse.owner_app else None,
                "datasets": [dataset.name for dataset in reuse.datasets],
                "created": reuse.created.isoformat(),
            }
            for reuse in reuses
        ],
    }


def report_csv(report: UsageReport, apps: dict[str, App] | None = None) -> str:
    """The report's finest rows: day, dataset, app, actor type, kind, sums (one line each)."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(
        ["day", "dataset", "app", "actor_type", "kind", "events", "errors", "bytes", "mean_ms"]
    )
    # Names and ids are text a spreadsheet must not run as formulas.
    for (day, dataset, app, actor, kind), counts in sorted(
        report.cells.items(), key=lambda item: (item[0][0], *(str(part) for part in item[0][1:]))
    ):
        known = (apps or {}).get(app)
        timed = sum(counts.histogram)
        writer.writerow(
            formula_safe_row(
                [
                    day.isoformat(),
                    dataset or "",
                    known.client_id if known else app,
                    actor,
                    kind,
                    counts.events,
                    counts.errors,
                    counts.bytes,
                    round(counts.duration_ms_sum / timed, 2) if timed else "",
                ]
            )
        )
    return output.getvalue()


def _period(report: UsageReport) -> dict[str, str]:
    return {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()}


def _kinds(counts: KindCounts | None) -> dict[str, Any]:
    counts = counts or KindCounts()
    return {
        "calls": counts.events(CALLS),
        "downloads": counts.events(DOWNLOADS),
        "page_views": counts.events(VIEWS),
        "errors": counts.total.errors,
        "error_rate": counts.total.error_rate,
    }


def _totals(total: Counts, by_kind: KindCounts) -> dict[str, Any]:
    return {
        **_kinds(by_kind),
        "events": total.events,
        "bytes": total.bytes,
        "server_errors": total.server_errors,
        "latency_ms": total.latency(),
    }


def _busiest(items: Iterable[tuple[str, KindCounts]]) -> list[tuple[str, KindCounts]]:
    return sorted(items, key=lambda item: (-item[1].total.events, item[0]))


def _app_row(key: str, app: App | None, counts: KindCounts) -> dict[str, Any]:
    if app is None:
        return {"client_id": None, "client_name": key, "actor_type": None, **_kinds(counts)}
    return {
        "client_id": app.client_id,
        "client_name": app.client_name,
        "actor_type": app.actor_type.value,
        **_kinds(counts),
    }
