"""The activity indicators (active apps, small actors among new apps, reuse retention)
and the contestability of access cut-offs (rate, time to restore, contests)."""

from __future__ import annotations

import datetime as dt

from civic.services.evaluation import statistics as st
from civic.services.evaluation.evidence import Evidence
from civic.services.evaluation.measures.results import Results, median
from civic.services.evaluation.records import SMALL_ACTORS
from civic.services.evaluation.reuse_columns import RETENTION_DAYS, reuse_rows
from civic.services.evaluation.survival import Waiting

ACTIVE_WINDOW_DAYS = 90


def activity_indicators(evidence: Evidence, results: Results) -> None:
    """Active apps, small actors among the new apps, and the reuses kept
    :data:`~civic.services.evaluation.reuse_columns.RETENTION_DAYS` days."""
    period = evidence.period
    cutoff = period.end - dt.timedelta(days=ACTIVE_WINDOW_DAYS - 1)
    active_ids = {u.app_id for u in evidence.usage if u.total > 0 and u.last_day >= cutoff}
    results.share(
        "active_app_ratio",
        sum(app.id in active_ids for app in evidence.apps),
        len(evidence.apps),
    )
    new_apps = [app for app in evidence.apps if period.contains(app.registered.date())]
    results.share(
        "actor_mix.new_apps.small_actors",
        sum(app.actor_type in SMALL_ACTORS for app in new_apps),
        len(new_apps),
    )
    horizon = dt.timedelta(days=RETENTION_DAYS)
    latest = period.end_instant - horizon
    reuses = evidence.reuses
    columns, rows = reuse_rows(reuses, reuses)
    counted = columns.retained(rows, latest)
    if counted is not None:
        results.share("reuse_retention", *counted)
        return
    cohort = [r for r in reuses if r.created <= latest]
    kept = sum(r.withdrawn is None or r.withdrawn >= r.created + horizon for r in cohort)
    results.share("reuse_retention", kept, len(cohort))


def contestability_indicators(evidence: Evidence, results: Results) -> None:
    """Access cut-offs per 100 apps, days to restore, and how contests went."""
    period = evidence.period
    cutoffs = [
        event
        for event in evidence.access
        if event.action in ("suspended", "refused") and period.contains(event.at.date())
    ]
    rate, interval = st.poisson_rate(len(cutoffs), len(evidence.apps))
    results.put("contestability.per_100_apps", rate, len(evidence.apps), interval)
    waits = []
    contested = after_contest = 0
    for cutoff in cutoffs:
        restored = next(
            (
                event.at
                for event in evidence.access
                if event.app_id == cutoff.app_id
                and event.action == "restored"
                and event.at > cutoff.at
                and event.at < period.end_instant
            ),
            None,
        )
        end = restored or period.end_instant
        waits.append(Waiting((end - cutoff.at).total_seconds() / 86400, restored is not None))
        if cutoff.contested is not None and cutoff.contested < period.end_instant:
            contested += 1
            after_contest += restored is not None and restored >= cutoff.contested
    results.put("contestability.restore_days", *median(waits))
    results.share("contestability.contested_share", contested, len(cutoffs))
    results.share("contestability.restored_after_contest", after_contest, contested)
