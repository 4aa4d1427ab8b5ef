"""Reports' arithmetic: histogram percentiles, sums by axis, quotas, CSV."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from civic.services.usage.analytics import ANONYMOUS, Period, UsageReport
from civic.services.usage.documents import daily_limit, report_csv
from civic.services.usage.events import (
    HISTOGRAM_SIZE,
    LATENCY_BUCKETS_MS,
    latency_bucket,
    percentile_from_histogram,
)
from civic.services.usage.rollup import ROLLUP_SQL, histogram_sql


def test_latency_buckets_and_percentiles() -> None:
    assert latency_bucket(0.3) == 0
    assert latency_bucket(5) == 1
    assert latency_bucket(99_999) == len(LATENCY_BUCKETS_MS)
    histogram = [0] * HISTOGRAM_SIZE
    histogram[latency_bucket(7)] = 50  # 5-10 ms
    histogram[latency_bucket(30)] = 50  # 25-50 ms
    assert percentile_from_histogram(histogram, 0.5) == 10.0
    assert percentile_from_histogram(histogram, 0.99) == pytest.approx(49.5)
    assert percentile_from_histogram([0] * HISTOGRAM_SIZE, 0.5) is None


def test_the_rollup_upserts_and_adds_histograms_element_by_element() -> None:
    assert histogram_sql().count("count(*) FILTER") == HISTOGRAM_SIZE
    assert "ON CONFLICT (day, kind, source, app_id, actor_type, dataset_id, dataset_name)" in (
        ROLLUP_SQL
    )
    assert "WITH ORDINALITY" in ROLLUP_SQL


def row(
    day: dt.date, kind: str, app: uuid.UUID | None, dataset: str | None, **sums: Any
) -> dict[str, Any]:
    histogram = [0] * HISTOGRAM_SIZE
    histogram[2] = sums.get("events", 1)
    return {
        "day": day,
        "kind": kind,
        "source": "gateway",
        "app_id": app,
        "actor_type": "association" if app else None,
        "dataset_id": None,
        "dataset_name": dataset,
        "events": sums.get("events", 1),
        "errors": sums.get("errors", 0),
        "server_errors": 0,
        "bytes": 10,
        "duration_ms_sum": 15.0 * sums.get("events", 1),
        "latency_histogram": histogram,
    }


def test_a_report_sums_along_each_axis() -> None:
    today = dt.date(2026, 11, 26)
    app = uuid.uuid4()
    report = UsageReport(Period(today - dt.timedelta(days=1), today))
    for item in (
        row(today, "api_call", app, "budget", events=8, errors=2),
        row(today, "download", app, "budget", events=2),
        row(today - dt.timedelta(days=1), "api_call", None, "air", events=5),
    ):
        report.add(item)
    assert report.total.total.events == 15
    assert report.total.total.error_rate == round(2 / 15, 4)
    assert report.days[today].total.events == 10
    assert report.datasets["budget"].by_kind["download"].events == 2
    assert report.apps[ANONYMOUS].total.events == 5
    assert report.actor_types["association"].total.events == 10
    assert report.apps_per_dataset["budget"] == {str(app)}
    lines = report_csv(report).splitlines()
    assert lines[0] == "day,dataset,app,actor_type,kind,events,errors,bytes,mean_ms"
    assert len(lines) == 4
    assert lines[1].startswith("2026-11-25,air,anonymous,anonymous,api_call,5,0,10,15.0")


def test_daily_limits_are_read_from_plans() -> None:
    assert daily_limit("600/minute;50000/day") == 50000
    assert daily_limit("100 per day") == 100
    assert daily_limit("600/minute") is None
    assert Period.last(30, today=dt.date(2026, 1, 30)).start == dt.date(2026, 1, 1)
