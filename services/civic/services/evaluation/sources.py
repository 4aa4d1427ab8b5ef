"""Where the evaluation reads its evidence: one narrow, typed protocol.

Usage is asked for already aggregated (per app over a period, per territory, per
dataset), because that is what the database does best: the heavy work over millions
of usage rows stays a ``GROUP BY`` over the daily rollups, and Python only sees
thousands of rows. Implementations: ``memory.InMemoryEvidenceSource`` (tests,
simulations) and ``sql_source.SqlEvidenceSource`` (the platform's tables).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Protocol

from civic.services.evaluation.freshness import Freshness
from civic.services.evaluation.records import (
    AccessRecord,
    AppRecord,
    AppUsage,
    DatasetRecord,
    DatasetUsage,
    OrganizationRecord,
    Period,
    ReuseRecord,
    Scope,
    UsageByDimension,
)


class EvidenceSource(Protocol):
    """The platform's records as the evaluation needs them.

    "In scope" means: datasets whose organization the :class:`Scope` admits; usage
    and reuses that touch such datasets; apps that made such usage or reuses (every
    app when the scope filters nothing). Implementations raise nothing of their own;
    a database source lets its driver's errors through.
    """

    def freshness(self, period: Period) -> Freshness:
        """Up to which instant usage is counted for ``period``, and how."""
        ...

    def organizations(self) -> Sequence[OrganizationRecord]:
        """Every publishing organization (whatever the scope: names are needed for labels)."""
        ...

    def datasets(self, scope: Scope, until: dt.date) -> Sequence[DatasetRecord]:
        """Datasets in scope published on or before ``until`` (and not withdrawn by then)."""
        ...

    def apps(self, scope: Scope, until: dt.date) -> Sequence[AppRecord]:
        """Apps registered on or before ``until``; with a scope, those that touched it by then."""
        ...

    def reuses(self, scope: Scope, until: dt.date) -> Sequence[ReuseRecord]:
        """Reuses created on or before ``until`` linked to at least one dataset in scope.

        Each record keeps all its datasets, in scope or not (federation counts them all).
        """
        ...

    def app_usage(self, scope: Scope, period: Period) -> Sequence[AppUsage]:
        """Per app, its calls and downloads of datasets in scope during ``period``."""
        ...

    def territory_usage(
        self, scope: Scope, period: Period, *, without_app: uuid.UUID | None = None
    ) -> Mapping[str, int]:
        """Calls and downloads during ``period`` by the publisher's territory (none:
        skipped); without those of ``without_app`` when given (the capture check)."""
        ...

    def datasets_used_externally(
        self, scope: Scope, period: Period, *, without_app: uuid.UUID | None = None
    ) -> frozenset[uuid.UUID]:
        """Datasets in scope called or downloaded during ``period`` by an app not of their
        organization (a third-party use), other than ``without_app`` when given."""
        ...

    def first_external_use(
        self, scope: Scope, until: dt.date, *, without_app: uuid.UUID | None = None
    ) -> Mapping[uuid.UUID, dt.date]:
        """For datasets in scope, the first day of a third-party use on or before
        ``until`` (by other apps than ``without_app``, when given)."""
        ...

    def access_events(self, scope: Scope, until: dt.date) -> Sequence[AccessRecord]:
        """Suspensions, refusals and restorations on or before ``until`` of the apps in scope."""
        ...

    def dataset_usage(self, scope: Scope, period: Period) -> Sequence[DatasetUsage]:
        """Per dataset in scope, its calls and downloads during ``period`` (used ones only)."""
        ...

    def usage_by_actor_type(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        """Calls and downloads of datasets in scope during ``period`` by the app's actor type."""
        ...

    def usage_by_month(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        """Calls and downloads of datasets in scope during ``period`` by month (``YYYY-MM``)."""
        ...
