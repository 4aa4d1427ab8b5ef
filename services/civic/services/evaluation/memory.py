"""An :class:`EvidenceSource` over records held in memory (tests, simulations, files).

It aggregates daily usage rows the way the SQL source does with ``GROUP BY``, so the
two answer the same for the same rows.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from civic.services.evaluation.freshness import Freshness
from civic.services.evaluation.records import (
    AccessRecord,
    AppRecord,
    AppUsage,
    DailyUsage,
    DatasetRecord,
    DatasetUsage,
    OrganizationRecord,
    Period,
    ReuseRecord,
    Scope,
    UsageByDimension,
)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


@dataclass(slots=True)
class _Totals:
    calls: int = 0
    downloads: int = 0

    def add(self, row: DailyUsage) -> None:
        if row.kind == "call":
            self.calls += row.count
        else:
            self.downloads += row.count


class InMemoryEvidenceSource:
    """The platform's records as plain lists. Raises nothing."""

    def __init__(
        self,
        *,
        organizations: Iterable[OrganizationRecord] = (),
        datasets: Iterable[DatasetRecord] = (),
        apps: Iterable[AppRecord] = (),
        reuses: Iterable[ReuseRecord] = (),
        usage: Iterable[DailyUsage] = (),
        access_events: Iterable[AccessRecord] = (),
    ) -> None:
        self.organization_list = list(organizations)
        self.dataset_list = list(datasets)
        self.app_list = list(apps)
        self.reuse_list = list(reuses)
        # Sorted by day, so that a period is two bisections, not a scan.
        self.usage_rows = sorted(usage, key=lambda row: row.day)
        self._days = [row.day for row in self.usage_rows]
        self.access_list = list(access_events)
        self._orgs = {org.id: org for org in self.organization_list}
        self._datasets = {dataset.id: dataset for dataset in self.dataset_list}
        self._apps = {app.id: app for app in self.app_list}
        self._scoped: dict[Scope, frozenset[uuid.UUID]] = {}

    # -- scope -----------------------------------------------------------------

    def _in_scope(self, scope: Scope, dataset_id: uuid.UUID) -> bool:
        scoped = self._scoped.get(scope)
        if scoped is None:
            scoped = frozenset(
                dataset.id
                for dataset in self.dataset_list
                if dataset.organization_id in self._orgs
                and scope.admits(self._orgs[dataset.organization_id])
            )
            self._scoped[scope] = scoped
        return dataset_id in scoped

    def _usage(
        self, scope: Scope, period: Period, without_app: uuid.UUID | None = None
    ) -> Iterable[DailyUsage]:
        low = bisect.bisect_left(self._days, period.start)
        high = bisect.bisect_right(self._days, period.end)
        return (
            row
            for row in self.usage_rows[low:high]
            if self._in_scope(scope, row.dataset_id) and row.app_id != without_app
        )

    def _is_external(self, row: DailyUsage) -> bool:
        app = self._apps.get(row.app_id)
        dataset = self._datasets[row.dataset_id]
        return app is None or dataset.organization_id not in app.organization_ids

    def _scoped_app_ids(self, scope: Scope, until: dt.date) -> set[uuid.UUID] | None:
        if scope.is_everything:
            return None
        ids = {
            row.app_id
            for row in self.usage_rows
            if row.day <= until and self._in_scope(scope, row.dataset_id)
        }
        ids.update(
            uuid.UUID(reuse.owner)
            for reuse in self.reuses(scope, until)
            if _is_uuid(reuse.owner) and uuid.UUID(reuse.owner) in self._apps
        )
        return ids

    # -- the protocol ----------------------------------------------------------

    def freshness(self, period: Period) -> Freshness:
        """The records are all there: usage runs to the end of ``period``."""
        return Freshness(period.end_instant, "the records given")

    def organizations(self) -> Sequence[OrganizationRecord]:
        """Every organization."""
        return list(self.organization_list)

    def datasets(self, scope: Scope, until: dt.date) -> Sequence[DatasetRecord]:
        """Datasets in scope published by ``until`` and not withdrawn by then."""
        end = _end_of(until)
        return [
            dataset
            for dataset in self.dataset_list
            if dataset.published < end
            and (dataset.withdrawn is None or dataset.withdrawn >= end)
            and self._in_scope(scope, dataset.id)
        ]

    def apps(self, scope: Scope, until: dt.date) -> Sequence[AppRecord]:
        """Apps registered by ``until`` (with a scope: those that touched it)."""
        end = _end_of(until)
        wanted = self._scoped_app_ids(scope, until)
        return [
            app
            for app in self.app_list
            if app.registered < end and (wanted is None or app.id in wanted)
        ]

    def reuses(self, scope: Scope, until: dt.date) -> Sequence[ReuseRecord]:
        """Reuses created by ``until`` touching a dataset in scope."""
        end = _end_of(until)
        return [
            self._with_publishers(reuse)
            for reuse in self.reuse_list
            if reuse.created < end
            and any(self._in_scope(scope, dataset_id) for dataset_id in reuse.dataset_ids)
        ]

    def _with_publishers(self, reuse: ReuseRecord) -> ReuseRecord:
        organizations = [
            self._orgs[self._datasets[dataset_id].organization_id]
            for dataset_id in reuse.dataset_ids
            if dataset_id in self._datasets
        ]
        return dataclasses.replace(
            reuse,
            organization_ids=frozenset(org.id for org in organizations),
            levels=frozenset(org.level for org in organizations),
        )

    def app_usage(self, scope: Scope, period: Period) -> Sequence[AppUsage]:
        """Per app, calls and downloads of datasets in scope during ``period``."""
        totals: dict[uuid.UUID, _Totals] = defaultdict(_Totals)
        external: dict[uuid.UUID, int] = defaultdict(int)
        subnational: dict[uuid.UUID, int] = defaultdict(int)
        last: dict[uuid.UUID, dt.date] = {}
        for row in self._usage(scope, period):
            totals[row.app_id].add(row)
            if self._is_external(row):
                external[row.app_id] += row.count
            organization = self._orgs[self._datasets[row.dataset_id].organization_id]
            if organization.level != "national":
                subnational[row.app_id] += row.count
            last[row.app_id] = max(last.get(row.app_id, row.day), row.day)
        return [
            AppUsage(
                app_id=app_id,
                calls=total.calls,
                downloads=total.downloads,
                external=external[app_id],
                subnational=subnational[app_id],
                last_day=last[app_id],
            )
            for app_id, total in sorted(totals.items())
        ]

    def territory_usage(
        self, scope: Scope, period: Period, *, without_app: uuid.UUID | None = None
    ) -> Mapping[str, int]:
        """Calls and downloads by the publisher's territory (without one app's, if asked)."""
        counts: dict[str, int] = defaultdict(int)
        for row in self._usage(scope, period, without_app):
            territory = self._orgs[self._datasets[row.dataset_id].organization_id].territory
            if territory is not None:
                counts[territory] += row.count
        return dict(sorted(counts.items()))

    def datasets_used_externally(
        self, scope: Scope, period: Period, *, without_app: uuid.UUID | None = None
    ) -> frozenset[uuid.UUID]:
        """Datasets with a third-party use during ``period`` (by other apps than
        ``without_app``, if given)."""
        return frozenset(
            row.dataset_id
            for row in self._usage(scope, period, without_app)
            if row.count > 0 and self._is_external(row)
        )

    def first_external_use(
        self, scope: Scope, until: dt.date, *, without_app: uuid.UUID | None = None
    ) -> Mapping[uuid.UUID, dt.date]:
        """First day of third-party use per dataset in scope, up to ``until`` (by other
        apps than ``without_app``, if given)."""
        first: dict[uuid.UUID, dt.date] = {}
        for row in self.usage_rows:
            if (
                row.day <= until
                and row.app_id != without_app
                and row.count > 0
                and self._in_scope(scope, row.dataset_id)
                and self._is_external(row)
            ):
                first[row.dataset_id] = min(first.get(row.dataset_id, row.day), row.day)
        return first

    def access_events(self, scope: Scope, until: dt.date) -> Sequence[AccessRecord]:
        """Access events up to ``until`` of the apps in scope."""
        end = _end_of(until)
        wanted = self._scoped_app_ids(scope, until)
        return sorted(
            (
                event
                for event in self.access_list
                if event.at < end and (wanted is None or event.app_id in wanted)
            ),
            key=lambda event: (event.at, str(event.app_id)),
        )

    def dataset_usage(self, scope: Scope, period: Period) -> Sequence[DatasetUsage]:
        """Calls and downloads per used dataset in scope."""
        totals: dict[uuid.UUID, _Totals] = defaultdict(_Totals)
        for row in self._usage(scope, period):
            totals[row.dataset_id].add(row)
        return [
            DatasetUsage(dataset_id, total.calls, total.downloads)
            for dataset_id, total in sorted(totals.items())
        ]

    def usage_by_actor_type(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        """Calls and downloads by the app's actor type."""
        totals: dict[str, _Totals] = defaultdict(_Totals)
        for row in self._usage(scope, period):
            app = self._apps.get(row.app_id)
            totals[app.actor_type if app else "unknown"].add(row)
        return [UsageByDimension(key, t.calls, t.downloads) for key, t in sorted(totals.items())]

    def usage_by_month(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        """Calls and downloads by month."""
        totals: dict[str, _Totals] = defaultdict(_Totals)
        for row in self._usage(scope, period):
            totals[row.day.strftime("%Y-%m")].add(row)
        return [UsageByDimension(key, t.calls, t.downloads) for key, t in sorted(totals.items())]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
