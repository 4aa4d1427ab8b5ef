"""The :class:`EvidenceSource` over the platform's own tables in PostgreSQL.

Usage comes from the daily rollups (``usage_daily``), aggregated in SQL: a report
over millions of events reads thousands of rows. The events not rolled up yet are
added in the same statement (those at or above the rollup's watermark), and the
cut-off's own day is read from the raw events up to the cut-off, so a report asked
for right after a call counts it (:mod:`civic.services.evaluation.freshness`).
Conventions, shared with the in-memory source:

- calls are ``api_call`` rows and downloads ``download`` rows, counting the answers
  that succeeded (``events - errors``); imported page views and anonymous calls
  (no app) are left out, since no actor type can be given to them;
- a dataset is published when its mirror row was created, withdrawn when deleted;
- an app belongs to the organizations its owner is a member of: its calls on their
  datasets are not third-party calls;
- a reuse is withdrawn when first archived or flagged by a moderator.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from operator import attrgetter, itemgetter
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from psycopg.rows import namedtuple_row, tuple_row
from sqlalchemy.orm import Session

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
from civic.services.uow import UnitOfWork

T = TypeVar("T")
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
_PARAMETER = re.compile(r"(?<![:\w]):([a-z_]+)")
_MONTH = "CAST(date_trunc('month', u.day) AS date)"


def _scope_sql(scope: Scope, alias: str = "o") -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if scope.organization is not None:
        clauses.append(f"{alias}.name = :scope_organization")
        params["scope_organization"] = scope.organization
    if scope.level is not None:
        clauses.append(f"{alias}.level::text = :scope_level")
        params["scope_level"] = scope.level
    if scope.territory is not None:
        clauses.append(f"{alias}.territory = :scope_territory")
        params["scope_territory"] = scope.territory
    return "".join(f" AND {clause}" for clause in clauses), params


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


class SqlEvidenceSource:
    """Evidence read with ``session`` (one unit of work's). Raises SQLAlchemy's errors.

    One source serves one report. A report asks for the registry (datasets, apps,
    reuses, access changes, first uses) "as of" the end of its period and then of
    each month in it; the source reads each once, as of the latest day asked, and
    answers earlier days from that read, which is exact: every record carries the
    dates that decide whether it existed by then.
    """

    def __init__(
        self, session: Session, *, cutoff: dt.datetime | None = None, note: str = ""
    ) -> None:
        self.session = session
        self.cutoff = cutoff or dt.datetime.now(dt.UTC)
        self.note = note
        self._read: dict[tuple[str, Scope], tuple[dt.date, Any]] = {}
        self._parts: dict[tuple[str, Scope], tuple[Period, dict[dt.date, Any]]] = {}

    def _as_of(self, name: str, scope: Scope, until: dt.date, read: Callable[[], T]) -> T:
        """The answer of an earlier read as of ``until`` or later, else of ``read()``
        (kept for the calls that follow). The caller narrows it to ``until``."""
        known = self._read.get((name, scope))
        if known is not None and until <= known[0]:
            return cast("T", known[1])
        answer = read()
        self._read[(name, scope)] = (until, answer)
        return answer

    def _rows(self, sql: str, **params: Any) -> Sequence[Any]:
        """The rows of ``sql`` (``:name`` parameters) as named tuples, read with the
        driver's own cursor: a report reads hundreds of thousands of rows, and
        SQLAlchemy's row objects cost more than the query at that size."""
        return self._fetch(sql, params, namedtuple_row)

    def _tuples(self, sql: str, **params: Any) -> Sequence[Sequence[Any]]:
        """The rows of ``sql`` as plain tuples (columns by position), which the driver
        builds in C: for the largest reads (datasets, reuses, usage per app and month)."""
        return self._fetch(sql, params, tuple_row)

    def _fetch(self, sql: str, params: Mapping[str, Any], factory: Any) -> Sequence[Any]:
        driver = self.session.connection().connection.driver_connection
        statement = _PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))
        with driver.cursor(row_factory=factory) as cursor:  # type: ignore[union-attr]
            cursor.execute(statement, params)
            rows: list[Any] = cursor.fetchall()
            return rows

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
        where, params = _scope_sql(scope)
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
        cut_day_start = _end(cut_day - dt.timedelta(days=1))
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

    def _scoped_apps(self, scope: Scope) -> tuple[str, dict[str, Any]]:
        """SQL restricting ``a.id`` to the apps that touched the scope by ``:until``:
        in the rollups, in the events not rolled up yet (at or above the watermark,
        as the usage itself is read), or through a reuse."""
        if scope.is_everything:
            return "", {}
        where, params = _scope_sql(scope, "so")
        return (
            f""" AND (a.id IN (
                SELECT su.app_id FROM usage_daily su
                JOIN datasets sd ON sd.id = su.dataset_id
                JOIN organizations so ON so.id = sd.organization_id
                WHERE su.day <= :until {where})
              OR a.id IN (
                SELECT se.app_id FROM usage_events se
                JOIN datasets sd ON sd.id = se.dataset_id
                JOIN organizations so ON so.id = sd.organization_id
                WHERE se.txid >= COALESCE(
                        (SELECT txid FROM usage_rollup_state WHERE name = 'daily'), '0'::xid8)
                  AND se.occurred_at < :until_end {where})
              OR a.id IN (
                SELECT r.owner_app_id FROM reuses r
                JOIN reuse_datasets rd ON rd.reuse_id = r.id
                JOIN datasets sd ON sd.id = rd.dataset_id
                JOIN organizations so ON so.id = sd.organization_id
                WHERE r.created < :until_end {where}))""",
            params,
        )

    def _first_call(self) -> tuple[str, str]:
        """Joins and SQL of app ``a``'s first successful call before ``:cutoff``: the
        rollup's (``usage_app_first_calls``, kept past the raw events' retention) or
        that of the events not rolled up yet (at or above the watermark, found through
        the txid index, once for every app), whichever is earlier."""
        joins = """
            LEFT JOIN usage_app_first_calls f
                   ON f.app_id = a.id AND f.first_call_at < :cutoff
            LEFT JOIN (SELECT e.app_id, min(e.occurred_at) AS first_call_at
                       FROM usage_events e
                       WHERE e.txid >= COALESCE(
                               (SELECT txid FROM usage_rollup_state WHERE name = 'daily'),
                               '0'::xid8)
                         AND e.status < 400 AND e.occurred_at < :cutoff
                         AND e.app_id IS NOT NULL
                       GROUP BY e.app_id) t ON t.app_id = a.id"""
        return joins, "LEAST(f.first_call_at, t.first_call_at)"

    def organizations(self) -> Sequence[OrganizationRecord]:
        """Every organization."""
        return self._as_of("organizations", Scope(), dt.date.max, self._organizations)

    def _organizations(self) -> list[OrganizationRecord]:
        rows = self._rows(
            "SELECT id, name, level::text AS level, territory FROM organizations ORDER BY name"
        )
        return [OrganizationRecord(r.id, r.name, r.level, r.territory) for r in rows]

    def datasets(self, scope: Scope, until: dt.date) -> Sequence[DatasetRecord]:
        """Datasets in scope published by ``until`` and not withdrawn by then."""
        read = self._as_of("datasets", scope, until, lambda: _ByTime(self._datasets(scope, until)))
        end = _end(until)
        published: list[DatasetRecord] = read.before(end)
        gone = {id(record) for record, deleted in read.deleted if deleted < end}
        return [r for r in published if id(r) not in gone] if gone else published

    def _datasets(
        self, scope: Scope, until: dt.date
    ) -> list[tuple[DatasetRecord, dt.datetime, dt.datetime | None]]:
        where, params = _scope_sql(scope)
        rows = self._tuples(
            f"""SELECT d.id, d.organization_id, d.created, d.name, d.deleted_at
                FROM datasets d JOIN organizations o ON o.id = d.organization_id
                WHERE d.created < :end {where}""",
            end=_end(until),
            **params,
        )
        found = []
        for id, organization_id, created, name, deleted_at in rows:
            published = _utc(created)
            found.append(
                (
                    DatasetRecord(id, organization_id, published, name, None),
                    published,
                    _utc(deleted_at) if deleted_at else None,
                )
            )
        return found

    def apps(self, scope: Scope, until: dt.date) -> Sequence[AppRecord]:
        """Apps registered by ``until``, with their first successful call and organizations."""
        if not scope.is_everything:  # which apps touched the scope depends on ``until``
            return self._apps(scope, until)
        read = self._as_of("apps", scope, until, lambda: self._apps(scope, until))
        end = _end(until)
        return [app for app in read if app.registered < end]

    def _apps(self, scope: Scope, until: dt.date) -> list[AppRecord]:
        restriction, params = self._scoped_apps(scope)
        joins, first_call = self._first_call()
        rows = self._rows(
            f"""SELECT a.id, a.actor_type::text AS actor_type, a.created, a.territory,
                       a.client_name, a.actor_type_verified AS verified,
                       {first_call} AS first_call,
                       ARRAY(SELECT m.organization_id FROM memberships m
                             WHERE m.user_id = a.owner_id) AS organization_ids
                FROM apps a {joins} WHERE a.created < :until_end {restriction}""",
            until=until,
            until_end=_end(until),
            cutoff=self.cutoff,
            **params,
        )
        return [
            AppRecord(
                id=r.id,
                actor_type=r.actor_type,
                registered=_utc(r.created),
                first_successful_call=_utc(r.first_call) if r.first_call else None,
                territory=r.territory,
                organization_ids=frozenset(r.organization_ids or ()),
                name=r.client_name,
                verified=bool(r.verified),
            )
            for r in rows
        ]

    def reuses(self, scope: Scope, until: dt.date) -> Sequence[ReuseRecord]:
        """Reuses created by ``until`` touching a dataset in scope."""
        read = self._as_of(
            "reuses",
            scope,
            until,
            lambda: _ByTime([(r, r.created, None) for r in self._reuses(scope, until)]),
        )
        reuses: list[ReuseRecord] = read.before(_end(until))
        return reuses

    def _reuses(self, scope: Scope, until: dt.date) -> list[ReuseRecord]:
        where, params = _scope_sql(scope, "so")
        # Every reuse touches a dataset: without a scope, no need to ask which.
        in_scope = (
            f"""AND EXISTS (
                    SELECT 1 FROM reuse_datasets srd
                    JOIN datasets sd ON sd.id = srd.dataset_id
                    JOIN organizations so ON so.id = sd.organization_id
                    WHERE srd.reuse_id = r.id {where})"""
            if where
            else ""
        )
        rows = self._tuples(
            f"""SELECT r.id, COALESCE(r.owner_app_id::text, r.owner_user_id::text) AS owner,
                       r.owner_actor_type::text AS actor_type, r.type::text AS type, r.topic,
                       r.purpose::text AS purpose, r.created, withdrawn.at AS withdrawn,
                       linked.dataset_ids, linked.organization_ids, linked.levels,
                       COALESCE(oa.actor_type_verified AND oa.actor_type = r.owner_actor_type,
                                false) AS verified
                FROM reuses r
                LEFT JOIN apps oa ON oa.id = r.owner_app_id
                JOIN (SELECT rd.reuse_id,
                             array_agg(DISTINCT rd.dataset_id) AS dataset_ids,
                             array_agg(DISTINCT d.organization_id) AS organization_ids,
                             array_agg(DISTINCT o.level::text) AS levels
                      FROM reuse_datasets rd
                      JOIN datasets d ON d.id = rd.dataset_id
                      JOIN organizations o ON o.id = d.organization_id
                      GROUP BY rd.reuse_id) linked ON linked.reuse_id = r.id
                LEFT JOIN (SELECT me.reuse_id, min(me.created) AS at
                           FROM reuse_moderation_events me
                           WHERE me.to_state::text IN ('archived', 'flagged')
                           GROUP BY me.reuse_id) withdrawn ON withdrawn.reuse_id = r.id
                WHERE r.created < :end {in_scope}""",
            end=_end(until),
            **params,
        )
        return [
            ReuseRecord(
                id=id,
                owner=owner,
                actor_type=actor_type,
                type=type,
                topic=topic,
                purpose=purpose,
                dataset_ids=frozenset(dataset_ids),
                created=_utc(created),
                withdrawn=_utc(withdrawn) if withdrawn else None,
                organization_ids=frozenset(organization_ids),
                levels=frozenset(levels),
                verified=bool(verified),
            )
            for (
                id,
                owner,
                actor_type,
                type,
                topic,
                purpose,
                created,
                withdrawn,
                dataset_ids,
                organization_ids,
                levels,
                verified,
            ) in rows
        ]

    def _by_month(
        self, name: str, scope: Scope, period: Period, read: Callable[[Period], dict[dt.date, T]]
    ) -> list[T]:
        """The monthly parts of ``name`` that make up ``period``.

        ``read(period)`` answers with one part per month (its first day as the key),
        cut at the period's ends as ``Period.steps("month")`` cuts them. A report asks
        for its whole period, then for each month in it: one read serves them all,
        since each of those periods is made of whole parts of the first.
        """
        known = self._parts.get((name, scope))
        if known is not None and _made_of_months(period, known[0]):
            first = period.start.replace(day=1)
            return [part for month, part in known[1].items() if first <= month <= period.end]
        parts = read(period)
        self._parts[(name, scope)] = (period, parts)
        return list(parts.values())

    def app_usage(self, scope: Scope, period: Period) -> Sequence[AppUsage]:
        """Per app, successful calls and downloads of datasets in scope during ``period``."""
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
            f"""{_MONTH} AS month, u.app_id,
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE u.kind = 'api_call'), 0) AS calls,
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE u.kind = 'download'), 0) AS downloads,
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

    def _external(
        self,
        scope: Scope,
        period: Period,
        *,
        only_app: uuid.UUID | None = None,
        without_app: uuid.UUID | None = None,
        among: Sequence[uuid.UUID] | None = None,
    ) -> dict[dt.date, set[uuid.UUID]]:
        first = period.start.replace(day=1)
        months = [first]
        while (following := _next_month(months[-1])) <= period.end:
            months.append(following)
        if len(months) > _MONTH_BITS:
            select = f"{_MONTH} AS month, u.dataset_id, 1 AS months"
            grouped = "GROUP BY 1, 2"
        else:  # one row per dataset, its months as the bits of one number
            base = first.year * 12 + first.month
            select = (
                "NULL AS month, u.dataset_id, bit_or(CAST(1 AS BIGINT) << CAST("
                f"EXTRACT(YEAR FROM u.day) * 12 + EXTRACT(MONTH FROM u.day) - {base} AS INTEGER))"
                " AS months"
            )
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
                continue
            bits = r.months
            for index, month in enumerate(months):
                if bits >> index & 1:
                    parts[month].add(r.dataset_id)
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
        return _UpTo(read, until)

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

    def access_events(self, scope: Scope, until: dt.date) -> Sequence[AccessRecord]:
        """Suspensions, refusals and restorations up to ``until`` of the apps in scope."""
        if not scope.is_everything:  # which apps touched the scope depends on ``until``
            return self._access_events(scope, until)
        read = self._as_of("access", scope, until, lambda: self._access_events(scope, until))
        end = _end(until)
        return [event for event in read if event.at < end]

    def _access_events(self, scope: Scope, until: dt.date) -> list[AccessRecord]:
        restriction, params = self._scoped_apps(scope)
        rows = self._rows(
            f"""SELECT e.app_id, e.action::text AS action, e.created, e.reason,
                       c.contested
                FROM app_access_events e JOIN apps a ON a.id = e.app_id
                LEFT JOIN (SELECT access_event_id, min(created) AS contested
                           FROM app_contests GROUP BY access_event_id) c
                       ON c.access_event_id = e.id
                WHERE e.created < :until_end {restriction}
                ORDER BY e.created, e.app_id""",
            until=until,
            until_end=_end(until),
            **params,
        )
        return [
            AccessRecord(
                r.app_id,
                r.action,
                _utc(r.created),
                r.reason,
                _utc(r.contested) if r.contested else None,
            )
            for r in rows
        ]

    def dataset_usage(self, scope: Scope, period: Period) -> Sequence[DatasetUsage]:
        """Successful calls and downloads per used dataset in scope."""
        rows = self._usage_rows(
            f"""u.dataset_id,
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE u.kind = 'api_call'), 0) AS calls,
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE u.kind = 'download'), 0) AS downloads""",
            scope,
            period,
            "GROUP BY u.dataset_id ORDER BY u.dataset_id",
        )
        return [DatasetUsage(r.dataset_id, int(r.calls), int(r.downloads)) for r in rows]

    def usage_by_actor_type(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        """Successful calls and downloads by the app's actor type at the time."""
        return self._by(scope, period, "COALESCE(u.actor_type::text, 'unknown')")

    def usage_by_month(self, scope: Scope, period: Period) -> Sequence[UsageByDimension]:
        """Successful calls and downloads per month (``YYYY-MM``)."""
        return self._by(scope, period, "to_char(u.day, 'YYYY-MM')")

    def _by(self, scope: Scope, period: Period, key: str) -> list[UsageByDimension]:
        rows = self._usage_rows(
            f"""{key} AS key,
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE u.kind = 'api_call'), 0) AS calls,
                COALESCE(sum({_SUCCEEDED}) FILTER (WHERE u.kind = 'download'), 0) AS downloads""",
            scope,
            period,
            "GROUP BY 1 ORDER BY 1",
        )
        return [UsageByDimension(r.key, int(r.calls), int(r.downloads)) for r in rows]


# The first days keyed by ``UUID.int`` of the last few reads (each entry holds its read,
# so an id is never mistaken for another's).
_BY_INT: OrderedDict[int, tuple[object, dict[int, dt.date]]] = OrderedDict()


class _UpTo(Mapping[uuid.UUID, dt.date]):
    """First days up to ``until``, read through without copying the whole mapping (a
    report asks for it as of each month, and reads it dataset by dataset)."""

    def __init__(self, read: Mapping[uuid.UUID, dt.date], until: dt.date) -> None:
        self.read = read
        self.until = until

    def __getitem__(self, key: uuid.UUID) -> dt.date:
        day = self.read[key]
        if day > self.until:
            raise KeyError(key)
        return day

    def get(self, key: uuid.UUID, default: Any = None) -> Any:
        """The first day of ``key`` up to ``until``, else ``default`` (without raising
        and catching KeyError: a report asks for every dataset, month after month)."""
        day = self.read.get(key)
        return default if day is None or day > self.until else day

    def by_int(self) -> Mapping[int, dt.date]:
        """Every first day read, keyed by ``UUID.int``, including those after ``until``
        (the caller compares): converted once for every month of a report."""
        known = _BY_INT.get(id(self.read))
        if known is not None and known[0] is self.read:
            return known[1]
        converted = {key.int: day for key, day in self.read.items()}
        _BY_INT[id(self.read)] = (self.read, converted)
        while len(_BY_INT) > 8:
            _BY_INT.popitem(last=False)
        return converted

    def __iter__(self) -> Iterator[uuid.UUID]:
        return (key for key, day in self.read.items() if day <= self.until)

    def __len__(self) -> int:
        return sum(day <= self.until for day in self.read.values())


class _ByTime:
    """Records sorted by when they appeared: those before an instant are a prefix.

    ``read``: each record with when it appeared (a dataset published, a reuse created)
    and when it was deleted (None: not deleted)."""

    def __init__(self, read: Sequence[tuple[Any, dt.datetime, dt.datetime | None]]) -> None:
        ordered = sorted(read, key=itemgetter(1))
        self.records: list[Any] = [record for record, _, _ in ordered]
        self.keys: list[dt.datetime] = [appeared for _, appeared, _ in ordered]
        self.deleted: list[tuple[Any, dt.datetime]] = [
            (record, deleted) for record, _, deleted in ordered if deleted is not None
        ]

    def before(self, end: dt.datetime) -> list[Any]:
        """The records that appeared before ``end``."""
        return self.records[: bisect.bisect_left(self.keys, end)]


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _made_of_months(period: Period, span: Period) -> bool:
    """Whether ``period`` lies in ``span`` and starts and ends where its months do."""
    return (
        span.start <= period.start
        and period.end <= span.end
        and (period.start == span.start or period.start.day == 1)
        and (period.end == span.end or (period.end + dt.timedelta(days=1)).day == 1)
    )


def evidence_source(
    uow: UnitOfWork, *, cutoff: dt.datetime | None = None, note: str = ""
) -> SqlEvidenceSource:
    """The database's evidence up to ``cutoff`` (default: now), read within ``uow``'s
    transaction; ``note`` says how buffered events were awaited."""
    return SqlEvidenceSource(uow.session, cutoff=cutoff, note=note)


def simulated_apps(session: Session) -> tuple[int, int]:
    """How many apps a simulated history registered (``civic simulate``), and how many
    apps there are: the report's page says when its figures describe a simulation."""
    row = session.execute(
        sa.text(
            "SELECT count(*) FILTER (WHERE registered_via = 'simulation') AS simulated,"
            " count(*) AS apps FROM apps"
        )
    ).one()
    return int(row.simulated), int(row.apps)
