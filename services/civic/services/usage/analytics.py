"""Usage reports for an app (its own calls) and for a publisher (its organization's data).

Reads are fresh and cheap: one statement takes the daily rollups for the period
and adds the events not rolled up yet (those at or above the rollup's watermark),
in one snapshot, so nothing is counted twice or missed whether or not a rollup
ran meanwhile. Sums are then shaped in Python (rows are already per day and key).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from civic.services.apps.models import App
from civic.services.catalog.models import Dataset, Organization
from civic.services.clock import utcnow
from civic.services.errors import InvalidInput
from civic.services.uow import UnitOfWork
from civic.services.usage.events import HISTOGRAM_SIZE, percentile_from_histogram
from civic.services.usage.models import UsageKind
from civic.services.usage.rollup import GROUP_SELECT, ROLLUP_NAME, SUMS_SELECT

MAX_DAYS = 366
ANONYMOUS = "anonymous"

# Built from constants of this package only; every value is a bound parameter.
_FRESH_DAILY = f"""
WITH watermark AS (
    SELECT COALESCE(
        (SELECT txid FROM usage_rollup_state WHERE name = '{ROLLUP_NAME}'), '0'::xid8
    ) AS txid
)
SELECT day, kind, source, app_id, actor_type, dataset_id, dataset_name,
       events, errors, server_errors, bytes, duration_ms_sum, latency_histogram
FROM usage_daily
WHERE day >= :start AND day <= :end AND {{where}}
UNION ALL
SELECT {GROUP_SELECT}, {SUMS_SELECT}
FROM usage_events, watermark
WHERE usage_events.txid >= watermark.txid
  AND occurred_at >= :start_at AND occurred_at < :end_at AND {{where}}
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""  # noqa: S608 - constants of this package only; values are bound
# Filters of the statement above; fixed SQL, values always bound.
_BY_APP = "app_id = :app_id"
_BY_ORGANIZATION = (
    "dataset_id IN (SELECT id FROM datasets WHERE organization_id = :organization_id)"
)


@dataclass(frozen=True, slots=True)
class Period:
    """A range of UTC days, both ends included."""

    start: dt.date
    end: dt.date

    @classmethod
    def last(cls, days: int, *, today: dt.date | None = None) -> Period:
        """The ``days`` days ending today."""
        end = today or utcnow().date()
        return cls(end - dt.timedelta(days=days - 1), end)

    def days(self) -> list[dt.date]:
        """Every day of the period, in order."""
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bounds(self) -> dict[str, Any]:
        """The statement's parameters for this period."""
        start_at = dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)
        end_at = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        return {"start": self.start, "end": self.end, "start_at": start_at, "end_at": end_at}


@dataclass
class Counts:
    """Sums over events: how many, how many failed, bytes, latency."""

    events: int = 0
    errors: int = 0
    server_errors: int = 0
    bytes: int = 0
    duration_ms_sum: float = 0.0
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_SIZE)

    def add(self, row: Mapping[Any, Any]) -> None:
        """Add one daily row's sums."""
        self.events += int(row["events"])
        self.errors += int(row["errors"])
        self.server_errors += int(row["server_errors"])
        self.bytes += int(row["bytes"])
        self.duration_ms_sum += float(row["duration_ms_sum"])
        for index, value in enumerate(row["latency_histogram"] or ()):
            if index < HISTOGRAM_SIZE:
                self.histogram[index] += int(value)

    @property
    def error_rate(self) -> float | None:
        """Share of events answered with an error status; None without events."""
        return round(self.errors / self.events, 4) if self.events else None

    def latency(self) -> dict[str, float | None]:
        """Median, 90th and 99th percentiles (ms, estimated from the histogram), and mean."""
        timed = sum(self.histogram)
        return {
            "p50": percentile_from_histogram(self.histogram, 0.5),
            "p90": percentile_from_histogram(self.histogram, 0.9),
            "p99": percentile_from_histogram(self.histogram, 0.99),
            "mean": round(self.duration_ms_sum / timed, 2) if timed else None,
        }


@dataclass
class KindCounts:
    """Counts split by kind of event, and over all kinds."""

    by_kind: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    total: Counts = field(default_factory=Counts)

    def add(self, row: Mapping[Any, Any]) -> None:
        self.by_kind[str(row["kind"])].add(row)
        self.total.add(row)

    def events(self, kind: UsageKind) -> int:
        """Events of one kind."""
        counts = self.by_kind.get(kind.value)
        return counts.events if counts else 0


@dataclass
class UsageReport:
    """Usage over a period, along the axes reports need."""

    period: Period
    total: KindCounts = field(default_factory=KindCounts)
    days: dict[dt.date, KindCounts] = field(default_factory=lambda: defaultdict(KindCounts))
    datasets: dict[str, KindCounts] = field(default_factory=lambda: defaultdict(KindCounts))
    apps: dict[str, KindCounts] = field(default_factory=lambda: defaultdict(KindCounts))
    actor_types: dict[str, KindCounts] = field(default_factory=lambda: defaultdict(KindCounts))
    apps_per_dataset: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Finest grain: (day, dataset, app, actor type, kind), for CSV exports.
    cells: dict[tuple[dt.date, str | None, str, str, str], Counts] = field(
        default_factory=lambda: defaultdict(Counts)
    )

    def add(self, row: Mapping[Any, Any]) -> None:
        app = str(row["app_id"]) if row["app_id"] is not None else ANONYMOUS
        actor_type = row["actor_type"]
        actor = str(getattr(actor_type, "value", actor_type)) if actor_type else ANONYMOUS
        self.total.add(row)
        self.days[row["day"]].add(row)
        self.apps[app].add(row)
        self.actor_types[actor].add(row)
        self.cells[(row["day"], row["dataset_name"], app, actor, str(row["kind"]))].add(row)
        if row["dataset_name"] is not None:
            self.datasets[row["dataset_name"]].add(row)
            if app != ANONYMOUS:
                self.apps_per_dataset[row["dataset_name"]].add(app)


def app_usage(uow: UnitOfWork, app_id: uuid.UUID, period: Period) -> UsageReport:
    """Usage by one app over ``period`` (its calls and downloads, by day and dataset)."""
    return _report(uow, _BY_APP, {"app_id": app_id}, period)


def organization_usage(uow: UnitOfWork, organization: Organization, period: Period) -> UsageReport:
    """Usage of ``organization``'s datasets (withdrawn ones included) over ``period``."""
    return _report(uow, _BY_ORGANIZATION, {"organization_id": organization.id}, period)


def apps_by_id(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, App]:
    """Apps by their id (as text), deleted ones included; unknown ids are left out."""
    wanted = [uuid.UUID(value) for value in ids if value != ANONYMOUS]
    if not wanted:
        return {}
    return {
        str(app.id): app for app in uow.session.scalars(sa.select(App).where(App.id.in_(wanted)))
    }


def datasets_of(uow: UnitOfWork, organization: Organization) -> list[Dataset]:
    """The live datasets of ``organization``, by name."""
    return list(
        uow.session.scalars(
            sa.select(Dataset)
            .where(Dataset.organization_id == organization.id, Dataset.deleted_at.is_(None))
            .order_by(Dataset.name)
        )
    )


def _report(uow: UnitOfWork, where: str, params: dict[str, Any], period: Period) -> UsageReport:
    if (period.end - period.start).days >= MAX_DAYS or period.end < period.start:
        raise InvalidInput([("#/start", f"a period is 1 to {MAX_DAYS} days long, start <= end")])
    report = UsageReport(period)
    statement = sa.text(_FRESH_DAILY.format(where=where))
    for row in uow.session.execute(statement, {**params, **period.bounds()}).mappings():
        report.add(row)
    return report
