"""The evidence for one period and scope: everything the indicators read, read once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from civic.services.evaluation.records import (
    AccessRecord,
    AppRecord,
    AppUsage,
    DatasetRecord,
    EvidenceCounts,
    OrganizationRecord,
    Period,
    ReuseRecord,
    Scope,
)
from civic.services.evaluation.reuse_columns import live_reuses
from civic.services.evaluation.sources import EvidenceSource


@dataclass(frozen=True, slots=True)
class Evidence:
    """The records of one period and scope (see :func:`gather`)."""

    period: Period
    scope: Scope
    organizations: Mapping[uuid.UUID, OrganizationRecord]
    datasets: tuple[DatasetRecord, ...]
    apps: tuple[AppRecord, ...]
    reuses: tuple[ReuseRecord, ...]
    usage: tuple[AppUsage, ...]
    territories: Mapping[str, int]
    used_externally: frozenset[uuid.UUID]
    first_use: Mapping[uuid.UUID, dt.date]
    access: tuple[AccessRecord, ...]

    live_reuses: tuple[ReuseRecord, ...]
    """The reuses that existed at some time during the period (read once)."""

    def counts(self) -> EvidenceCounts:
        """How many records of each kind were read."""
        return EvidenceCounts(
            organizations=sum(self.scope.admits(org) for org in self.organizations.values()),
            datasets=len(self.datasets),
            apps=len(self.apps),
            reuses=len(self.live_reuses),
            calls=sum(usage.calls for usage in self.usage),
            downloads=sum(usage.downloads for usage in self.usage),
            access_events=sum(self.period.contains(event.at.date()) for event in self.access),
        )


PARTS = frozenset(
    {"datasets", "apps", "reuses", "usage", "territories", "external", "first_use", "access"}
)


def gather(
    source: EvidenceSource, period: Period, scope: Scope, *, need: Collection[str] = PARTS
) -> Evidence:
    """Read from ``source`` what the indicators need for ``period`` and ``scope``: every
    part of :data:`PARTS`, or those of ``need`` (the others are left empty).

    Raises whatever ``source`` raises (a database error, for the SQL source).
    """
    end = period.end
    reuses = tuple(source.reuses(scope, end)) if "reuses" in need else ()
    start, after = period.start_instant, period.end_instant
    return Evidence(
        period=period,
        scope=scope,
        organizations={org.id: org for org in source.organizations()},
        datasets=tuple(source.datasets(scope, end)) if "datasets" in need else (),
        apps=tuple(source.apps(scope, end)) if "apps" in need else (),
        reuses=reuses,
        usage=tuple(source.app_usage(scope, period)) if "usage" in need else (),
        territories=dict(source.territory_usage(scope, period)) if "territories" in need else {},
        used_externally=source.datasets_used_externally(scope, period)
        if "external" in need
        else frozenset(),
        first_use=source.first_external_use(scope, end) if "first_use" in need else {},
        access=tuple(source.access_events(scope, end)) if "access" in need else (),
        live_reuses=live_reuses(reuses, start, after),
    )
