"""Computing the indicators of :mod:`civic.services.evaluation.indicators` from evidence."""

from __future__ import annotations

import datetime as dt
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Mapping
from itertools import chain
from operator import attrgetter

import numpy as np

from civic.services.evaluation import resampling
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
    ReuseRecord,
)
from civic.services.evaluation.survival import Waiting, median_wait

_INT = attrgetter("int")
_ID_INT = attrgetter("id.int")
_ORGANIZATION_INT = attrgetter("organization_id.int")
_DATASET_IDS = attrgetter("dataset_ids")
ACTIVE_WINDOW_DAYS = 90
RETENTION_DAYS = 180
NO_INTERVAL: st.Interval = (None, None)


class _Results(dict[str, IndicatorValue]):
    def put(self, id: str, value: float | None, n: int, interval: st.Interval) -> None:
        self[id] = IndicatorValue(id, value, n, st.containing(interval, value), INDICATORS[id].unit)

    def share(self, id: str, hits: int, n: int) -> None:
        self.put(id, hits / n if n else None, n, st.wilson(hits, n))


GROUPS: dict[str, tuple[str, ...]] = {
    "coverage": ("reuse_coverage", "territorial.subnational_dataset_share"),
    "waits": ("time_to_first_reuse", "onboarding_latency"),
    "activity": ("active_app_ratio", "actor_mix.new_apps.small_actors", "reuse_retention"),
    "contestability": ("contestability.per_100_apps", "contestability.restore_days"),
}


def compute_indicators(
    evidence: Evidence,
    *,
    intervals: bool = True,
    only: Collection[str] | None = None,
    first_reuse: Mapping[int, dt.datetime] | None = None,
) -> dict[str, IndicatorValue]:
    """Every indicator of the registry for ``evidence``'s period and scope (or those
    of ``only``, and whatever is computed with them).

    ``intervals=False`` skips the bootstraps (trend steps need values only).
    ``first_reuse`` (from :func:`first_reuses` over the reuses up to a later day)
    spares reading every reuse again for each month. Raises nothing.
    """
    results = _Results()

    def wanted(group: str) -> bool:
        return only is None or any(_group_of(id) == group for id in only)

    if wanted("coverage"):
        _coverage_and_territory(evidence, results)
    if wanted("usage"):
        usage_parts = (evidence.apps, evidence.usage, evidence.territories, evidence.organizations)
        _kept(
            ("usage", evidence.scope, intervals),
            usage_parts,
            lambda found: _usage(evidence, found, intervals),
            results,
        )
    if wanted("reuses"):
        _kept(
            ("reuses", intervals),
            (evidence.live_reuses,),
            lambda found: _reuses(evidence, found, intervals),
            results,
        )
    if wanted("waits"):
        _waits(evidence, results, first_reuse)
    if wanted("activity"):
        _activity(evidence, results)
    if wanted("contestability"):
        _contestability(evidence, results)
    return {id: results[id] for id in INDICATORS if id in results}


# The usage and reuse groups' values (bootstraps included) for the last evidence parts
# they were computed from: the capture check strips one actor, which leaves the other
# group's parts the same objects (the largest app declared no reuse; the largest reuser's
# removal changes no call), so their values are reused rather than drawn again. Each
# entry holds its parts, so an id is never mistaken for another's.
_GROUP_VALUES: OrderedDict[tuple[object, ...], tuple[tuple[object, ...], _Results]] = OrderedDict()


def _kept(
    key: tuple[object, ...],
    parts: tuple[object, ...],
    compute: Callable[[_Results], None],
    results: _Results,
) -> None:
    """``compute`` into ``results``, or the values it gave for the same ``parts``."""
    full = (*key, *map(id, parts))
    known = _GROUP_VALUES.get(full)
    if known is not None and all(a is b for a, b in zip(known[0], parts, strict=True)):
        _GROUP_VALUES.move_to_end(full)
        results.update(known[1])
        return
    found = _Results()
    compute(found)
    results.update(found)
    _GROUP_VALUES[full] = (parts, found)
    while len(_GROUP_VALUES) > 16:
        _GROUP_VALUES.popitem(last=False)


_USAGE_PREFIXES = (
    "actor_mix.calls.",
    "third_party_share",
    "g2g_reuse",
    "usage_concentration.calls_",
    "territorial.subnational_call_share",
    "territorial.gini",
)


# What each group of indicators reads of the evidence (see ``evidence.PARTS``).
READS: dict[str, frozenset[str]] = {
    "coverage": frozenset({"datasets", "reuses", "external"}),
    "usage": frozenset({"apps", "usage", "territories"}),
    "reuses": frozenset({"reuses"}),
    "waits": frozenset({"datasets", "reuses", "first_use", "apps"}),
    "activity": frozenset({"apps", "usage", "reuses"}),
    "contestability": frozenset({"access", "apps"}),
}


def parts_for(only: Collection[str]) -> frozenset[str]:
    """The parts of the evidence that the indicators ``only`` read."""
    return frozenset().union(*(READS[_group_of(id)] for id in only))


def _group_of(id: str) -> str:
    for group, ids in GROUPS.items():
        if id in ids:
            return group
    return "usage" if id.startswith(_USAGE_PREFIXES) else "reuses"


def first_reuses(reuses: Collection[ReuseRecord]) -> dict[int, dt.datetime]:
    """The first reuse's creation per dataset (keys: ``UUID.int``).

    Over the reuses created by a day, it answers for any earlier day too: a first
    reuse created after that day means none by then (:func:`_waits` checks it).
    """
    first: dict[int, dt.datetime] = {}
    for reuse in reuses:
        created = reuse.created
        for dataset_id in reuse.dataset_ids:
            key = dataset_id.int
            known = first.get(key)
            if known is None or created < known:
                first[key] = created
    return first


def _coverage_and_territory(evidence: Evidence, results: _Results) -> None:
    # Sets of ``UUID.int``: Python hashes ints natively, UUIDs through a Python method,
    # and these loops run over every dataset for each month of a report.
    # ``attrgetter`` and ``map`` keep the loops over every dataset in C.
    datasets = evidence.datasets
    keys, in_national = _dataset_keys(evidence)
    touched = set(map(_INT, evidence.used_externally))
    touched.update(_reused_keys(evidence.live_reuses))
    results.share("reuse_coverage", len(touched.intersection(keys)), len(datasets))
    results.share(
        "territorial.subnational_dataset_share", len(datasets) - in_national, len(datasets)
    )


# The datasets of an evidence are shared by its capture checks (the same tuple): their
# keys are computed once. A few recent entries, each holding its tuple, so an id is
# never mistaken for another's.
_KEYS: OrderedDict[int, tuple[object, object, frozenset[int], int]] = OrderedDict()


_REUSED: OrderedDict[int, tuple[object, frozenset[int]]] = OrderedDict()


def _reused_keys(live: tuple[ReuseRecord, ...]) -> frozenset[int]:
    """The keys of the datasets that ``live`` reuses build on (computed once per tuple)."""
    known = _REUSED.get(id(live))
    if known is not None and known[0] is live:
        return known[1]
    keys = frozenset(map(_INT, chain.from_iterable(map(_DATASET_IDS, live))))
    _REUSED[id(live)] = (live, keys)
    while len(_REUSED) > 64:
        _REUSED.popitem(last=False)
    return keys


def _dataset_keys(evidence: Evidence) -> tuple[frozenset[int], int]:
    """The datasets' ``UUID.int`` keys, and how many are national publishers'."""
    datasets, organizations = evidence.datasets, evidence.organizations
    known = _KEYS.get(id(datasets))
    if known is not None and known[0] is datasets and known[1] is organizations:
        return known[2], known[3]
    keys = frozenset(map(_ID_INT, datasets))
    national = {id.int for id, org in organizations.items() if org.level == "national"}
    in_national = sum(map(national.__contains__, map(_ORGANIZATION_INT, datasets)))
    _KEYS[id(datasets)] = (datasets, organizations, keys, in_national)
    while len(_KEYS) > 64:
        _KEYS.popitem(last=False)
    return keys, in_national


def _usage(evidence: Evidence, results: _Results, intervals: bool) -> None:
    actor_of = {app.id: app.actor_type for app in evidence.apps}
    usage = [u for u in evidence.usage if u.total > 0]
    totals = np.array([u.total for u in usage], dtype=np.float64)
    actors = [actor_of.get(u.app_id, "") for u in usage]
    public = np.array([actor in PUBLIC_ACTORS for actor in actors], dtype=bool)
    external = np.array([u.external for u in usage], dtype=np.float64)
    subnational = np.array([u.subnational for u in usage], dtype=np.float64)
    # Kish's effective number of apps is the same for every share of calls.
    total = float(totals.sum())
    effective = total * total / float((totals * totals).sum()) if total > 0 else 0.0

    def clustered(id: str, hits: np.ndarray) -> None:
        if total <= 0:
            results.put(id, None, 0, (None, None))
            return
        share = float(hits.sum()) / total
        interval = st.containing(st.wilson(share * effective, effective), share)
        results.put(id, share, len(usage), interval)

    clustered("third_party_share", np.where(public, 0.0, totals))
    clustered("g2g_reuse", np.where(public, external, 0.0))
    clustered("territorial.subnational_call_share", subnational)
    for actor in (*ACTOR_TYPES, *ACTOR_GROUPS):
        members = ACTOR_GROUPS.get(actor, frozenset({actor}))
        mask = np.array([a in members for a in actors], dtype=bool)
        clustered(f"actor_mix.calls.{actor}", np.where(mask, totals, 0.0))

    # Sorted: the estimates and their bootstrap must not depend on the order of the rows.
    ordered = sorted(float(t) for t in totals)
    results.put(
        "usage_concentration.calls_hhi",
        st.hhi(ordered),
        len(ordered),
        resampling.bootstrap(ordered, "hhi") if intervals else NO_INTERVAL,
    )
    results.put(
        "usage_concentration.calls_top5",
        st.top_share(ordered),
        len(ordered),
        resampling.bootstrap(ordered, "top5") if intervals else NO_INTERVAL,
    )
    # Codes of the actor types; an app of no known type is a ninth category of its own.
    index: dict[str, int] = {actor: i for i, actor in enumerate(ACTOR_TYPES)}
    unknown = len(ACTOR_TYPES)
    typed = sorted(
        (index.get(actor, unknown), float(t)) for actor, t in zip(actors, totals, strict=True)
    )
    by_type = [0.0] * (unknown + 1)
    for code, weight in typed:
        by_type[code] += weight
    results.put(
        "actor_mix.calls.diversity",
        st.evenness(by_type, len(ACTOR_TYPES)) if typed else None,
        len(typed),
        resampling.bootstrap_evenness(
            [code for code, _ in typed], [weight for _, weight in typed], len(ACTOR_TYPES)
        )
        if intervals
        else NO_INTERVAL,
    )

    territories = [float(evidence.territories.get(t, 0)) for t in _territories(evidence)]
    results.put(
        "territorial.gini",
        st.gini(territories),
        len(territories),
        resampling.bootstrap(territories, "gini") if intervals else NO_INTERVAL,
    )


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
    by_actor: Counter[str] = Counter(map(attrgetter("actor_type"), live))
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
    by_type = Counter(map(attrgetter("type"), live))
    for kind in REUSE_TYPES:
        results.share(f"reuse_type_mix.{kind}", by_type[kind], n)
    type_counts = [by_type[kind] for kind in REUSE_TYPES]
    results.put(
        "reuse_type_mix.diversity",
        st.evenness(type_counts, len(REUSE_TYPES)),
        n,
        _categorical(type_counts, intervals),
    )
    commercial = Counter(
        zip(map(attrgetter("actor_type"), live), map(attrgetter("purpose"), live), strict=True)
    )
    general = sum(
        count
        for (actor, purpose), count in commercial.items()
        if actor in GENERAL_INTEREST_ACTORS or purpose != "commercial"
    )
    results.share("general_interest_share", general, n)
    producers = Counter(map(len, map(attrgetter("organization_ids"), live)))
    levels = Counter(map(len, map(attrgetter("levels"), live)))
    results.share("federation.cross_producer", _several(producers), n)
    results.share("federation.cross_level", _several(levels), n)

    per_owner = sorted(float(n) for n in Counter(map(attrgetter("owner"), live)).values())
    results.put(
        "usage_concentration.reuses_hhi",
        st.hhi(per_owner),
        len(per_owner),
        resampling.bootstrap(per_owner, "hhi") if intervals else NO_INTERVAL,
    )
    results.put(
        "usage_concentration.reuses_top5",
        st.top_share(per_owner),
        len(per_owner),
        resampling.bootstrap(per_owner, "top5") if intervals else NO_INTERVAL,
    )


def _several(counts: Counter[int]) -> int:
    """How many reuses have two (producers, levels) or more."""
    return sum(count for size, count in counts.items() if size >= 2)


def _categorical(counts: list[int], intervals: bool) -> st.Interval:
    if not intervals:
        return NO_INTERVAL
    return resampling.bootstrap_categorical(counts)


def _waits(
    evidence: Evidence, results: _Results, first_reuse: Mapping[int, dt.datetime] | None
) -> None:
    period = evidence.period
    begins, after = period.start_instant, period.end_instant
    fresh = [d for d in evidence.datasets if begins <= d.published < after]
    if first_reuse is None:
        first_reuse = first_reuses(evidence.reuses)
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
    results.put("contestability.restore_days", *_median(waits))
    results.share("contestability.contested_share", contested, len(cutoffs))
    results.share("contestability.restored_after_contest", after_contest, contested)
