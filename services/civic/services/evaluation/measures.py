"""Computing the indicators of :mod:`civic.services.evaluation.indicators` from evidence."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from civic.services.evaluation import statistics as st
from civic.services.evaluation.evidence import Evidence
from civic.services.evaluation.indicators import INDICATORS, IndicatorValue
from civic.services.evaluation.records import (
    ACTOR_GROUPS,
    ACTOR_TYPES,
    GENERAL_INTEREST_ACTORS,
    PUBLIC_ACTORS,
    REUSE_TYPES,
    SMALL_ACTORS,
    AppUsage,
)
from civic.services.evaluation.survival import Waiting, median_wait

ACTIVE_WINDOW_DAYS = 90
RETENTION_DAYS = 180
NO_INTERVAL: st.Interval = (None, None)


class _Results(dict[str, IndicatorValue]):
    def put(self, id: str, value: float | None, n: int, interval: st.Interval) -> None:
        self[id] = IndicatorValue(id, value, n, st.containing(interval, value), INDICATORS[id].unit)

    def share(self, id: str, hits: int, n: int) -> None:
        self.put(id, hits / n if n else None, n, st.wilson(hits, n))


def compute_indicators(evidence: Evidence, *, intervals: bool = True) -> dict[str, IndicatorValue]:
    """Every indicator of the registry for ``evidence``'s period and scope.

    ``intervals=False`` skips the bootstraps (trend steps need values only). Raises nothing.
    """
    results = _Results()
    _coverage_and_territory(evidence, results)
    _usage(evidence, results, intervals)
    _reuses(evidence, results, intervals)
    _waits(evidence, results)
    _activity(evidence, results)
    _contestability(evidence, results)
    return {id: results[id] for id in INDICATORS}


def _coverage_and_territory(evidence: Evidence, results: _Results) -> None:
    # Sets of ``UUID.int``: Python hashes ints natively, UUIDs through a Python method,
    # and these loops run over every dataset for each month of a report.
    datasets = evidence.datasets
    touched = {id.int for id in evidence.used_externally}
    touched.update(id.int for reuse in evidence.live_reuses for id in reuse.dataset_ids)
    covered = sum(dataset.id.int in touched for dataset in datasets)
    results.share("reuse_coverage", covered, len(datasets))
    national = {id.int for id, org in evidence.organizations.items() if org.level == "national"}
    subnational = sum(dataset.organization_id.int not in national for dataset in datasets)
    results.share("territorial.subnational_dataset_share", subnational, len(datasets))


def _usage(evidence: Evidence, results: _Results, intervals: bool) -> None:
    actor_of = {app.id: app.actor_type for app in evidence.apps}
    usage = [u for u in evidence.usage if u.total > 0]

    def clustered(id: str, hits: Callable[[AppUsage], float]) -> None:
        value, interval, n = st.clustered_share([(u.total, hits(u)) for u in usage])
        results.put(id, value, n, interval)

    def is_public(u: AppUsage) -> bool:
        return actor_of.get(u.app_id) in PUBLIC_ACTORS

    clustered("third_party_share", lambda u: 0 if is_public(u) else u.total)
    clustered("g2g_reuse", lambda u: u.external if is_public(u) else 0)
    clustered("territorial.subnational_call_share", lambda u: u.subnational)
    for actor in (*ACTOR_TYPES, *ACTOR_GROUPS):
        clustered(f"actor_mix.calls.{actor}", _member_calls(actor_of, actor))

    # Sorted: the estimates and their bootstrap must not depend on the order of the rows.
    totals = sorted(float(u.total) for u in usage)
    results.put(
        "usage_concentration.calls_hhi",
        st.hhi(totals),
        len(totals),
        st.bootstrap(totals, st.hhi) if intervals else NO_INTERVAL,
    )
    results.put(
        "usage_concentration.calls_top5",
        st.top_share(totals),
        len(totals),
        st.bootstrap(totals, st.top_share) if intervals else NO_INTERVAL,
    )
    typed = sorted((actor_of.get(u.app_id, ""), float(u.total)) for u in usage)
    results.put(
        "actor_mix.calls.diversity",
        _actor_evenness(typed),
        len(typed),
        st.bootstrap(typed, _actor_evenness) if intervals else NO_INTERVAL,
    )

    territories = [float(evidence.territories.get(t, 0)) for t in _territories(evidence)]
    results.put(
        "territorial.gini",
        st.gini(territories),
        len(territories),
        st.bootstrap(territories, st.gini) if intervals else NO_INTERVAL,
    )


def _member_calls(actor_of: Mapping[uuid.UUID, str], actor: str) -> Callable[[AppUsage], float]:
    members = ACTOR_GROUPS.get(actor, frozenset({actor}))
    return lambda u: u.total if actor_of.get(u.app_id) in members else 0


def _actor_evenness(typed: Sequence[tuple[str, float]]) -> float | None:
    counts: dict[str, float] = {}
    for actor, total in typed:
        counts[actor] = counts.get(actor, 0.0) + total
    return st.evenness(list(counts.values()), len(ACTOR_TYPES))


def _territories(evidence: Evidence) -> list[str]:
    found = {
        org.territory
        for org in evidence.organizations.values()
        if org.territory is not None and evidence.scope.admits(org)
    }
    found.update(evidence.territories)
    return sorted(found)


def _reuses(evidence: Evidence, results: _Results, intervals: bool) -> None:
    live = evidence.live_reuses
    n = len(live)
    by_actor: Counter[str] = Counter(reuse.actor_type for reuse in live)
    for actor in (*ACTOR_TYPES, *ACTOR_GROUPS):
        members = ACTOR_GROUPS.get(actor, frozenset({actor}))
        results.share(f"actor_mix.reuses.{actor}", sum(by_actor[a] for a in members), n)
    actor_counts = [by_actor[a] for a in ACTOR_TYPES]
    results.put(
        "actor_mix.reuses.diversity",
        st.evenness(actor_counts, len(ACTOR_TYPES)),
        n,
        _categorical(actor_counts, intervals),
    )
    by_type = Counter(reuse.type for reuse in live)
    for kind in REUSE_TYPES:
        results.share(f"reuse_type_mix.{kind}", by_type[kind], n)
    type_counts = [by_type[kind] for kind in REUSE_TYPES]
    results.put(
        "reuse_type_mix.diversity",
        st.evenness(type_counts, len(REUSE_TYPES)),
        n,
        _categorical(type_counts, intervals),
    )
    general = sum(
        reuse.actor_type in GENERAL_INTEREST_ACTORS or reuse.purpose != "commercial"
        for reuse in live
    )
    results.share("general_interest_share", general, n)
    results.share("federation.cross_producer", sum(len(r.organization_ids) >= 2 for r in live), n)
    results.share("federation.cross_level", sum(len(r.levels) >= 2 for r in live), n)

    per_owner = sorted(float(n) for n in Counter(reuse.owner for reuse in live).values())
    for suffix, statistic in (("hhi", st.hhi), ("top5", st.top_share)):
        results.put(
            f"usage_concentration.reuses_{suffix}",
            statistic(per_owner),
            len(per_owner),
            st.bootstrap(per_owner, statistic) if intervals else NO_INTERVAL,
        )


def _categorical(counts: list[int], intervals: bool) -> st.Interval:
    if not intervals:
        return NO_INTERVAL
    return st.bootstrap_categorical(counts, lambda draw: st.evenness(draw, len(counts)))


def _waits(evidence: Evidence, results: _Results) -> None:
    period = evidence.period
    begins, after = period.start_instant, period.end_instant
    fresh = [d for d in evidence.datasets if begins <= d.published < after]
    wanted = {dataset.id.int for dataset in fresh}  # ints: see _coverage_and_territory
    first_reuse: dict[int, dt.datetime] = {}
    for reuse in evidence.reuses:
        created = reuse.created
        for dataset_id in reuse.dataset_ids:
            key = dataset_id.int
            if key in wanted:
                known = first_reuse.get(key)
                if known is None or created < known:
                    first_reuse[key] = created
    dataset_waits = []
    for dataset in fresh:
        published = dataset.published.date()
        reused = first_reuse.get(dataset.id.int)
        candidates = [
            day
            for day in (evidence.first_use.get(dataset.id), reused.date() if reused else None)
            if day is not None and day <= period.end
        ]
        if candidates:
            dataset_waits.append(Waiting(max(0, (min(candidates) - published).days), True))
        else:
            dataset_waits.append(Waiting((period.end - published).days + 1, False))
    results.put("time_to_first_reuse", *_median(dataset_waits))

    app_waits = []
    after = period.end_instant
    for app in evidence.apps:
        if not period.contains(app.registered.date()):
            continue
        call = app.first_successful_call
        if call is not None and call < after:
            app_waits.append(Waiting(max(0.0, _hours(call - app.registered)), True))
        else:
            app_waits.append(Waiting(_hours(after - app.registered), False))
    results.put("onboarding_latency", *_median(app_waits))


def _median(waits: list[Waiting]) -> tuple[float | None, int, st.Interval]:
    value, interval, n = median_wait(waits)
    return value, n, interval


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def _activity(evidence: Evidence, results: _Results) -> None:
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
    cohort = [r for r in evidence.reuses if r.created <= latest]
    kept = sum(r.withdrawn is None or r.withdrawn >= r.created + horizon for r in cohort)
    results.share("reuse_retention", kept, len(cohort))


def _contestability(evidence: Evidence, results: _Results) -> None:
    period = evidence.period
    cutoffs = [
        event
        for event in evidence.access
        if event.action in ("suspended", "refused") and period.contains(event.at.date())
    ]
    rate, interval = st.poisson_rate(len(cutoffs), len(evidence.apps))
    results.put("contestability.per_100_apps", rate, len(evidence.apps), interval)
    waits = []
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
    results.put("contestability.restore_days", *_median(waits))
