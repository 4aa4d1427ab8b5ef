"""Usage as the SQL source reads it: the statements over the daily rollups, the events
not rolled up yet and the cut-off's day read raw, and the readers of usage per app, per
territory, per dataset and by third parties (the conventions are in
:mod:`civic.services.evaluation.sql_source`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

from civic.services.evaluation.freshness import Freshness
from civic.services.evaluation.records import (
    AppUsage,
    DatasetUsage,
    Period,
    Scope,
    UsageByDimension,
)
from civic.services.evaluation.sql_reading import (
    SqlReader,
    UpTo,
    day_end,
    made_of_months,
    next_month,
    scope_sql,
)

_APP_INT = attrgetter("app_id.int")

# Daily rows up to the day before the cut-off, and the events of those days not rolled
# up yet; then, when the period reaches the cut-off's day, that day from the raw events
# up to the cut-off instant. Bounds are computed beforehand: an empty branch is left
# out (the planner would otherwise scan the events for nothing).
_ROLLED_AND_TAIL = """
    SELECT day, kind, app_id, actor_type, dataset_id, events, errors FROM usage_daily
    WHERE day BETWEEN :start AND :end AND day < :cut_day
    UNION ALL
    SELECT (e.occurred_at AT TIME ZONE 'UTC')::date, e.kind, e.app_id, e.actor_type,
           e.dataset_id, count(*), count(*) FILTER (WHERE e.status >= 400)
    FROM usage_events e
    WHERE e.txid >= COALESCE(
            (SELECT txid FROM usage_rollup_state WHERE name = 'daily'), '0'::xid8)
      AND e.occurred_at >= :start_at AND e.occurred_at < :tail_end
    GROUP BY 1, 2, 3, 4, 5
"""
_CUTOFF_DAY = """
    UNION ALL
    SELECT (e.occurred_at AT TIME ZONE 'UTC')::date, e.kind, e.app_id, e.actor_type,
           e.dataset_id, count(*), count(*) FILTER (WHERE e.status >= 400)
    FROM usage_events e
    WHERE e.occurred_at >= :raw_start AND e.occurred_at < :raw_end
    GROUP BY 1, 2, 3, 4, 5
"""
_USAGE = """
    FROM ({rows}) u
    JOIN datasets d ON d.id = u.dataset_id
    JOIN organizations o ON o.id = d.organization_id
    LEFT JOIN apps a ON a.id = u.app_id
    LEFT JOIN memberships m ON m.user_id = a.owner_id AND m.organization_id = d.organization_id
    WHERE u.app_id IS NOT NULL AND u.kind IN ('api_call', 'download')
      AND u.day BETWEEN :start AND :end {scope}
"""
_SUCCEEDED = "(u.events - u.errors)"
# Months of a period as the bits of a bigint: up to 62 (a longer period reads a row
# per month and dataset).
_MONTH_BITS = 62
_MONTH = "CAST(date_trunc('month', u.day) AS date)"
# Successful calls and downloads, as two columns of a grouped statement.
_CALLS_AND_DOWNLOADS = f"""
    COALESCE(sum({_SUCCEEDED}) FILTER (WHERE u.kind = 'api_call'), 0) AS calls,
    COALESCE(sum({_SUCCEEDED}) FILTER (WHERE u.kind = 'download'), 0) AS downloads"""


class UsageReader(SqlReader):
    """The usage in a scope during a period, aggregated in SQL (a report over millions
    of events reads thousands of rows)."""

    def _usage_rows(
        self,
        select: str,
        scope: Scope,
        period: Period,
        tail: str = "",
        without_app: uuid.UUID | None = None,
        *,
        only_app: uuid.UUID | None = None,
        among: Sequence[uuid.UUID] | None = None,
        tuples: bool = False,
    ) -> Sequence[Any]:
        """Usage rows in ``scope`` during ``period``: without those of ``without_app``,
        or only those of ``only_app``, or only on the datasets ``among``, when given
        (plain tuples when ``tuples``, else named ones)."""
        where, params = scope_sql(scope)
        if without_app is not None:
            where += " AND u.app_id <> :without_app"
            params["without_app"] = without_app
        if only_app is not None:
            where += " AND u.app_id = :only_app"
            params["only_app"] = only_app
        if among is not None:
            where += " AND u.dataset_id IN (SELECT unnest(CAST(:among AS uuid[])))"
            params["among"] = list(among)
        rows, bounds = self._usage_table(period)
        sql = f"SELECT {select} {_USAGE.format(scope=where, rows=rows)} {tail}"
        fetch = self._tuples if tuples else self._rows
        return fetch(sql, start=period.start, end=period.end, **bounds, **params)

    def _usage_table(self, period: Period) -> tuple[str, dict[str, Any]]:
        """The rows usage is read from for ``period`` (rollups, events not rolled up,
        the cut-off's day raw), and their bounds."""
        cut_day = self.cutoff.astimezone(dt.UTC).date()
        cut_day_start = day_end(cut_day - dt.timedelta(days=1))
        bounds: dict[str, Any] = {
            "cut_day": cut_day,
            "start_at": period.start_instant,
            "tail_end": min(period.end_instant, cut_day_start),
        }
        raw_start = max(period.start_instant, cut_day_start)
        raw_end = min(period.end_instant, self.cutoff)
        if raw_start >= raw_end:
            return _ROLLED_AND_TAIL, bounds
        return _ROLLED_AND_TAIL + _CUTOFF_DAY, {
            **bounds,
            "raw_start": raw_start,
            "raw_end": raw_end,
        }

    def freshness(self, period: Period) -> Freshness:
        """Usage runs to the cut-off, or to the end of ``period`` when that is earlier."""
        until = min(period.end_instant, self.cutoff)
        how = "daily rollups, the events not rolled up yet and the cut-off's day read raw"
        return Freshness(until, f"{how}; {self.note}" if self.note else how)

    def app_usage(self, scope: Scope, period: Period) -> Sequence[AppUsage]:
        """Per app, successful calls and downloads of datasets in scope during ``period``."""
        self._read_together(scope, period)
        parts = self._by_month("app_usage", scope, period, partial(self._app_usage, scope))
        if len(parts) == 1:  # a month: its rows as read
            return sorted(parts[0], key=_APP_INT)
        totals: dict[uuid.UUID, list[Any]] = {}
        for part in parts:
            for usage in part:
                seen = totals.get(usage.app_id)
                if seen is None:
                    totals[usage.app_id] = [
                        usage.calls,
                        usage.downloads,
                        usage.external,
                        usage.subnational,
                        usage.last_day,
                    ]
                else:
                    seen[0] += usage.calls
                    seen[1] += usage.downloads
                    seen[2] += usage.external
                    seen[3] += usage.subnational
                    seen[4] = max(seen[4], usage.last_day)
        # UUIDs order as their ints do (``UUID.__lt__``), which sort in C.
        return [
            AppUsage(app_id, *totals[app_id]) for app_id in sorted(totals, key=attrgetter("int"))
        ]

    def _app_usage(self, scope: Scope, period: Period) -> dict[dt.date, list[AppUsage]]:
        rows = self._usage_rows(
            f"""{_MONTH} AS month, u.app_id, {_CALLS_AND_DOWNLOADS},
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE m.user_id IS NULL), 0) AS external,
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE o.level::text <> 'national'), 0)
                    AS subnational,
                max(u.day) AS last_day""",
            scope,
            period,
            "GROUP BY 1, 2",
            tuples=True,
        )
        parts: dict[dt.date, list[AppUsage]] = {}
        for month, app_id, calls, downloads, external, subnational, last_day in rows:
            part = parts.get(month)
            if part is None:
                part = parts[month] = []
            part.append(
                AppUsage(
                    app_id, int(calls), int(downloads), int(external), int(subnational), last_day
                )
            )
        return parts

    def territory_usage(
        self, scope: Scope, period: Period, *, without_app: uuid.UUID | None = None
    ) -> Mapping[str, int]:
        """Calls and downloads by the publisher's territory (without one app's, if asked:
        the totals less that app's own, which only its rows are read for)."""
        totals = self._territory_totals(scope, period)
        if without_app is not None:
            # Read in separate statements: events written in between (a flushed buffer)
            # may count in the app's own rows only; never below zero, never a KeyError.
            for territory, n in self._territory_totals(scope, period, without_app).items():
                totals[territory] = max(0, totals.get(territory, 0) - n)
        return dict(sorted(totals.items()))

    def _territory_totals(
        self, scope: Scope, period: Period, only_app: uuid.UUID | None = None
    ) -> dict[str, int]:
        if only_app is None:
            self._read_together(scope, period)
        totals: dict[str, int] = {}
        read = partial(self._territories, scope, only_app=only_app)
        for part in self._by_month(f"territory:{only_app}", scope, period, read):
            for territory, n in part.items():
                totals[territory] = totals.get(territory, 0) + n
        return totals

    def _territories(
        self, scope: Scope, period: Period, *, only_app: uuid.UUID | None
    ) -> dict[dt.date, dict[str, int]]:
        rows = self._usage_rows(
            f"{_MONTH} AS month, o.territory, sum({_SUCCEEDED}) AS n",
            scope,
            period,
            "AND o.territory IS NOT NULL GROUP BY 1, 2",
            only_app=only_app,
        )
        parts: dict[dt.date, dict[str, int]] = {}
        for r in rows:
            parts.setdefault(r.month, {})[r.territory] = int(r.n)
        return parts

    def datasets_used_externally(
        self, scope: Scope, period: Period, *, without_app: uuid.UUID | None = None
    ) -> frozenset[uuid.UUID]:
        """Datasets with a successful third-party use during ``period`` (by other apps
        than ``without_app``, if given).

        Without an app: those used by anyone, less those that app used and no other
        did, which only the app's rows and its datasets' rows are read for."""
        self._read_together(scope, period)
        used = self._external_parts("external", scope, period)
        if without_app is None:
            return used
        own = self._external_parts(f"external_of:{without_app}", scope, period, only=without_app)
        if not own:
            return used
        among = sorted(self._read_datasets(f"external_of:{without_app}", scope))
        others = self._external_parts(
            f"external_besides:{without_app}",
            scope,
            period,
            without=without_app,
            among=among,
        )
        return used - (own - others)

    def _external_parts(
        self,
        name: str,
        scope: Scope,
        period: Period,
        *,
        only: uuid.UUID | None = None,
        without: uuid.UUID | None = None,
        among: Sequence[uuid.UUID] | None = None,
    ) -> frozenset[uuid.UUID]:
        read = partial(self._external, scope, only_app=only, without_app=without, among=among)
        return frozenset().union(*self._by_month(name, scope, period, read))

    def _read_datasets(self, name: str, scope: Scope) -> frozenset[uuid.UUID]:
        """Every dataset in the monthly parts read under ``name`` (sets of ids)."""
        return frozenset().union(*self._parts[(name, scope)][1].values())

    def _read_together(self, scope: Scope, period: Period) -> None:
        """Read the monthly parts of usage per app, per territory and of the datasets
        used by a third party in one statement (one pass over the usage, with one
        hash table per grouping set), unless they are known for ``period`` already.
        The readers of each then find their parts kept (:meth:`_by_month`)."""
        known = self._parts.get(("app_usage", scope))
        if known is not None and made_of_months(period, known[0]):
            return
        months = _months(period)
        if len(months) > _MONTH_BITS:
            return  # each reader reads its own
        external = f"m.user_id IS NULL AND {_SUCCEEDED} > 0"
        rows = self._usage_rows(
            f"""GROUPING(u.app_id, o.territory, u.dataset_id) AS grouped,
                {_MONTH} AS month, u.app_id, o.territory, u.dataset_id,
                {_CALLS_AND_DOWNLOADS},
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE m.user_id IS NULL), 0) AS external,
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE o.level::text <> 'national'), 0)
                    AS subnational,
                max(u.day) AS last_day, sum({_SUCCEEDED}) AS n,
                bit_or({_month_bit(months[0])}) FILTER (WHERE {external}) AS months""",
            scope,
            period,
            f"""GROUP BY GROUPING SETS (({_MONTH}, u.app_id), ({_MONTH}, o.territory),
                                        (u.dataset_id))""",
            tuples=True,
        )
        apps: dict[dt.date, list[AppUsage]] = {}
        territories: dict[dt.date, dict[str, int]] = {}
        used: dict[dt.date, set[uuid.UUID]] = {month: set() for month in months}
        for (
            grouped,
            month,
            app_id,
            territory,
            dataset_id,
            calls,
            downloads,
            by_others,
            subnational,
            last_day,
            n,
            bits,
        ) in rows:
            if grouped == _BY_APP:
                apps.setdefault(month, []).append(
                    AppUsage(
                        app_id,
                        int(calls),
                        int(downloads),
                        int(by_others),
                        int(subnational),
                        last_day,
                    )
                )
            elif grouped == _BY_TERRITORY:
                if territory is not None:
                    territories.setdefault(month, {})[territory] = int(n)
            elif bits is not None:
                _mark(used, months, dataset_id, bits)
        self._parts[("app_usage", scope)] = (period, apps)
        self._parts[("territory:None", scope)] = (period, territories)
        self._parts[("external", scope)] = (period, used)

    def _external(
        self,
        scope: Scope,
        period: Period,
        *,
        only_app: uuid.UUID | None = None,
        without_app: uuid.UUID | None = None,
        among: Sequence[uuid.UUID] | None = None,
    ) -> dict[dt.date, set[uuid.UUID]]:
        months = _months(period)
        if len(months) > _MONTH_BITS:
            select = f"{_MONTH} AS month, u.dataset_id, 1 AS months"
            grouped = "GROUP BY 1, 2"
        else:  # one row per dataset, its months as the bits of one number
            select = f"NULL AS month, u.dataset_id, bit_or({_month_bit(months[0])}) AS months"
            grouped = "GROUP BY u.dataset_id"
        rows = self._usage_rows(
            select,
            scope,
            period,
            f"AND m.user_id IS NULL AND {_SUCCEEDED} > 0 {grouped}",
            without_app,
            only_app=only_app,
            among=among,
        )
        parts: dict[dt.date, set[uuid.UUID]] = {month: set() for month in months}
        for r in rows:
            if r.month is not None:
                parts[r.month].add(r.dataset_id)
            else:
                _mark(parts, months, r.dataset_id, r.months)
        return parts

    def first_external_use(
        self, scope: Scope, until: dt.date, *, without_app: uuid.UUID | None = None
    ) -> Mapping[uuid.UUID, dt.date]:
        """First day of successful third-party use per dataset, up to ``until`` (by
        other apps than ``without_app``, if given).

        A first day up to a later day is the first day up to ``until`` when it is not
        after ``until`` (and there is none otherwise): one read serves every month.
        """
        read = self._as_of(
            f"first_use:{without_app}",
            scope,
            until,
            lambda: self._first_uses(scope, until, without_app),
        )
        return UpTo(read, until)

    def _first_uses(
        self, scope: Scope, until: dt.date, without_app: uuid.UUID | None = None
    ) -> dict[uuid.UUID, dt.date]:
        epoch = dt.date(1970, 1, 1)
        if until < epoch:
            return {}  # a report of an earlier period has no usage (and no valid Period)
        if without_app is not None:
            return self._first_uses_without(scope, until, without_app)
        rows = self._usage_rows(
            "u.dataset_id, min(u.day) AS first_day",
            scope,
            Period(epoch, until),
            f"AND m.user_id IS NULL AND {_SUCCEEDED} > 0 GROUP BY u.dataset_id",
        )
        return {r.dataset_id: r.first_day for r in rows}

    def _first_uses_without(
        self, scope: Scope, until: dt.date, app: uuid.UUID
    ) -> dict[uuid.UUID, dt.date]:
        """The first days by other apps than ``app``: everyone's, except on the datasets
        ``app`` used, whose first day by the others only is read."""
        found = dict(self.first_external_use(scope, until))
        span = Period(dt.date(1970, 1, 1), until)
        external = f"AND m.user_id IS NULL AND {_SUCCEEDED} > 0 GROUP BY u.dataset_id"
        own = [
            r.dataset_id
            for r in self._usage_rows("u.dataset_id", scope, span, external, only_app=app)
        ]
        if not own:
            return found
        others = self._usage_rows(
            "u.dataset_id, min(u.day) AS first_day",
            scope,
            span,
            external,
            app,
            among=sorted(own),
        )
        for dataset_id in own:
            found.pop(dataset_id, None)
        found.update((r.dataset_id, r.first_day) for r in others)
        return found

    def dataset_usage(self, scope: Scope, period: Period) -> Sequence[DatasetUsage]:
        """Successful calls and downloads per used dataset in scope."""
        rows = self._totals(scope, period, "u.dataset_id")
        return [DatasetUsage(r.key, int(r.calls), int(r.downloads)) for r in rows]

    def usage_by_actor_type(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        """Successful calls and downloads by the app's actor type at the time."""
        return self._by(scope, period, "COALESCE(u.actor_type::text, 'unknown')")

    def usage_by_month(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        """Successful calls and downloads per month (``YYYY-MM``)."""
        return self._by(scope, period, "to_char(u.day, 'YYYY-MM')")

    def _by(self, scope: Scope, period: Period, key: str) -> list[UsageByDimension]:
        rows = self._totals(scope, period, key)
        return [UsageByDimension(r.key, int(r.calls), int(r.downloads)) for r in rows]

    def _totals(self, scope: Scope, period: Period, key: str) -> Sequence[Any]:
        """Successful calls and downloads per value of ``key`` (an SQL expression), in
        its order."""
        return self._usage_rows(
            f"{key} AS key, {_CALLS_AND_DOWNLOADS}", scope, period, "GROUP BY 1 ORDER BY 1"
        )


# What GROUPING(u.app_id, o.territory, u.dataset_id) gives for each grouping set of
# _read_together (a bit set: that column is not grouped by).
_BY_APP = 0b011
_BY_TERRITORY = 0b101


def _months(period: Period) -> list[dt.date]:
    """The first days of the months ``period`` touches."""
    months = [period.start.replace(day=1)]
    while (following := next_month(months[-1])) <= period.end:
        months.append(following)
    return months


def _month_bit(first: dt.date) -> str:
    """SQL of the bit of ``u.day``'s month, counting from the month of ``first``."""
    base = first.year * 12 + first.month
    return (
        "CAST(1 AS BIGINT) << CAST("
        f"EXTRACT(YEAR FROM u.day) * 12 + EXTRACT(MONTH FROM u.day) - {base} AS INTEGER)"
    )


def _mark(
    parts: dict[dt.date, set[uuid.UUID]], months: list[dt.date], dataset: uuid.UUID, bits: int
) -> None:
    """Add ``dataset`` to the part of each month whose bit is set in ``bits``."""
    for index, month in enumerate(months):
        if bits >> index & 1:
            parts[month].add(dataset)
