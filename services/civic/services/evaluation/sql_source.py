"""The :class:`EvidenceSource` over the platform's own tables in PostgreSQL.

Usage comes from the daily rollups (``usage_daily``), aggregated in SQL: a report
over millions of events reads thousands of rows. The events not rolled up yet are
added in the same statement (those at or above the rollup's watermark), and the
cut-off's own day is read from the raw events up to the cut-off, so a report asked
for right after a call counts it (:mod:`civic.services.evaluation.freshness`).
This module reads the registry (organizations, datasets, apps, reuses, access
changes); :mod:`~civic.services.evaluation.sql_usage` reads the usage, on the plumbing
of :mod:`~civic.services.evaluation.sql_reading`.
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

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from civic.services.evaluation.records import (
    AccessRecord,
    AppRecord,
    DatasetRecord,
    OrganizationRecord,
    ReuseRecord,
    Scope,
)
from civic.services.evaluation.sql_reading import ByTime, day_end, scope_sql, utc
from civic.services.evaluation.sql_usage import UsageReader
from civic.services.uow import UnitOfWork


class SqlEvidenceSource(UsageReader):
    """Evidence read with ``session`` (one unit of work's). Raises SQLAlchemy's errors.

    One source serves one report. A report asks for the registry (datasets, apps,
    reuses, access changes, first uses) "as of" the end of its period and then of
    each month in it; the source reads each once, as of the latest day asked, and
    answers earlier days from that read, which is exact: every record carries the
    dates that decide whether it existed by then.
    """

    def _scoped_apps(self, scope: Scope) -> tuple[str, dict[str, Any]]:
        """SQL restricting ``a.id`` to the apps that touched the scope by ``:until``:
        in the rollups, in the events not rolled up yet (at or above the watermark,
        as the usage itself is read), or through a reuse."""
        if scope.is_everything:
            return "", {}
        where, params = scope_sql(scope, "so")
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
        read = self._as_of("datasets", scope, until, lambda: ByTime(self._datasets(scope, until)))
        end = day_end(until)
        published: list[DatasetRecord] = read.before(end)
        gone = {id(record) for record, deleted in read.deleted if deleted < end}
        return [r for r in published if id(r) not in gone] if gone else published

    def _datasets(
        self, scope: Scope, until: dt.date
    ) -> list[tuple[DatasetRecord, dt.datetime, dt.datetime | None]]:
        where, params = scope_sql(scope)
        rows = self._tuples(
            f"""SELECT d.id, d.organization_id, d.created, d.name, d.deleted_at
                FROM datasets d JOIN organizations o ON o.id = d.organization_id
                WHERE d.created < :end {where}""",
            end=day_end(until),
            **params,
        )
        found = []
        for id, organization_id, created, name, deleted_at in rows:
            published = utc(created)
            found.append(
                (
                    DatasetRecord(id, organization_id, published, name, None),
                    published,
                    utc(deleted_at) if deleted_at else None,
                )
            )
        return found

    def apps(self, scope: Scope, until: dt.date) -> Sequence[AppRecord]:
        """Apps registered by ``until``, with their first successful call and organizations."""
        if not scope.is_everything:  # which apps touched the scope depends on ``until``
            return self._apps(scope, until)
        read = self._as_of("apps", scope, until, lambda: self._apps(scope, until))
        end = day_end(until)
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
            until_end=day_end(until),
            cutoff=self.cutoff,
            **params,
        )
        return [
            AppRecord(
                id=r.id,
                actor_type=r.actor_type,
                registered=utc(r.created),
                first_successful_call=utc(r.first_call) if r.first_call else None,
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
            lambda: ByTime([(r, r.created, None) for r in self._reuses(scope, until)]),
        )
        reuses: list[ReuseRecord] = read.before(day_end(until))
        return reuses

    def _reuses(self, scope: Scope, until: dt.date) -> list[ReuseRecord]:
        where, params = scope_sql(scope, "so")
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
        # The arrays may repeat an organization or a level: the records hold sets.
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
                             array_agg(rd.dataset_id) AS dataset_ids,
                             array_agg(d.organization_id) AS organization_ids,
                             array_agg(o.level::text) AS levels
                      FROM reuse_datasets rd
                      JOIN datasets d ON d.id = rd.dataset_id
                      JOIN organizations o ON o.id = d.organization_id
                      GROUP BY rd.reuse_id) linked ON linked.reuse_id = r.id
                LEFT JOIN (SELECT me.reuse_id, min(me.created) AS at
                           FROM reuse_moderation_events me
                           WHERE me.to_state::text IN ('archived', 'flagged')
                           GROUP BY me.reuse_id) withdrawn ON withdrawn.reuse_id = r.id
                WHERE r.created < :end {in_scope}""",
            end=day_end(until),
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
                created=utc(created),
                withdrawn=utc(withdrawn) if withdrawn else None,
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

    def access_events(self, scope: Scope, until: dt.date) -> Sequence[AccessRecord]:
        """Suspensions, refusals and restorations up to ``until`` of the apps in scope."""
        if not scope.is_everything:  # which apps touched the scope depends on ``until``
            return self._access_events(scope, until)
        read = self._as_of("access", scope, until, lambda: self._access_events(scope, until))
        end = day_end(until)
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
            until_end=day_end(until),
            **params,
        )
        return [
            AccessRecord(
                r.app_id,
                r.action,
                utc(r.created),
                r.reason,
                utc(r.contested) if r.contested else None,
            )
            for r in rows
        ]


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
