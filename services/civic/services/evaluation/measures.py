"""Computing the indicators of :mod:`civic.services.evaluation.indicators` from evidence."""

from __future__ import annotations

import bisect
import datetime as dt
import operator
import uuid
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

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
    DatasetRecord,
    ReuseRecord,
)
from civic.services.evaluation.survival import Waiting, median_wait, median_wait_counts

_INT = attrgetter("int")
_ID_INT = attrgetter("id.int")
_ORGANIZATION_INT = attrgetter("organization_id.int")
_DATASET_IDS = attrgetter("dataset_ids")
_PUBLISHED = attrgetter("published")
_OWNER = attrgetter("owner")
ACTIVE_WINDOW_DAYS = 90
RETENTION_DAYS = 180
NO_INTERVAL: st.Interval = (None, None)
Ints = npt.NDArray[np.int64]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


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
    datasets = evidence.datasets
    covered, in_national = _coverage_counts(evidence) if datasets else (0, 0)
    results.share("reuse_coverage", covered, len(datasets))
    results.share(
        "territorial.subnational_dataset_share", len(datasets) - in_national, len(datasets)
    )


def _coverage_counts(evidence: Evidence) -> tuple[int, int]:
    """How many of the (non-empty) datasets were used by a third party or reused, and
    how many are national publishers', marked in arrays over the period's datasets (the
    month's are their first ones)."""
    datasets = evidence.datasets
    columns = _dataset_columns(datasets)
    base, n = columns.base, len(datasets)
    size = len(base.keys)
    marked = np.zeros(size + 1, dtype=bool)  # the last: datasets not among them
    marked[base.positions_of(evidence.used_externally)] = True
    reuse_columns, rows = _reuse_rows(evidence.reuses, evidence.live_reuses)
    chosen = np.zeros(len(reuse_columns.reuses), dtype=bool)
    chosen[rows] = True
    marked[reuse_columns.dataset_positions(base)[chosen[reuse_columns.dataset_of]]] = True
    national = frozenset(
        id.int for id, org in evidence.organizations.items() if org.level == "national"
    )
    return int(marked[:n].sum()), base.national_before(national, n)


def _usage(evidence: Evidence, results: _Results, intervals: bool) -> None:
    actor_of = {app.id: app.actor_type for app in evidence.apps}
    usage = [u for u in evidence.usage if u.total > 0]
    totals = np.array([u.total for u in usage], dtype=np.float64)
    actors = [actor_of.get(u.app_id, "") for u in usage]
    # Each row's actor type as a code: a group's rows are those of its members' codes.
    code_of: dict[str, int] = {}
    codes = np.fromiter(
        (code_of.setdefault(actor, len(code_of)) for actor in actors), np.int64, len(actors)
    )

    def among(members: Collection[str]) -> npt.NDArray[np.bool_]:
        return np.isin(codes, [code_of[a] for a in members if a in code_of])

    public = among(PUBLIC_ACTORS)
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
        clustered(f"actor_mix.calls.{actor}", np.where(among(members), totals, 0.0))

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
    """The reuse indicators of the live reuses, counted by NumPy over codes."""
    columns, rows = _reuse_rows(evidence.reuses, evidence.live_reuses)
    n = int(rows.size)
    by_actor = columns.count(columns.actor, columns.actors, rows)
    for actor in (*ACTOR_TYPES, *ACTOR_GROUPS):
        members = ACTOR_GROUPS.get(actor, frozenset({actor}))
        results.share(f"actor_mix.reuses.{actor}", sum(by_actor.get(a, 0) for a in members), n)
    actor_counts = [by_actor.get(a, 0) for a in ACTOR_TYPES]
    results.put(
        "actor_mix.reuses.diversity",
        st.evenness(actor_counts, len(ACTOR_TYPES)),
        n,
        _categorical(actor_counts, intervals),
    )
    by_type = columns.count(columns.type, columns.types, rows)
    for kind in REUSE_TYPES:
        results.share(f"reuse_type_mix.{kind}", by_type.get(kind, 0), n)
    type_counts = [by_type.get(kind, 0) for kind in REUSE_TYPES]
    results.put(
        "reuse_type_mix.diversity",
        st.evenness(type_counts, len(REUSE_TYPES)),
        n,
        _categorical(type_counts, intervals),
    )
    results.share("general_interest_share", int(columns.general[rows].sum()), n)
    results.share("federation.cross_producer", int(columns.cross_producer[rows].sum()), n)
    results.share("federation.cross_level", int(columns.cross_level[rows].sum()), n)
    owners = np.bincount(columns.owner[rows], minlength=len(columns.owners))
    per_owner = sorted(float(count) for count in owners[owners > 0].tolist())
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


class _ReuseColumns:
    """What the indicators read of each reuse of a tuple, as codes in arrays (made
    once per report: every month's and every capture check's reuses are among the
    period's, found by identity)."""

    def __init__(self, reuses: tuple[ReuseRecord, ...]) -> None:
        self.reuses = reuses
        self.index: dict[int, int] = {id(reuse): i for i, reuse in enumerate(reuses)}
        self.actors: list[str] = []
        self.actor = self._codes(map(attrgetter("actor_type"), reuses), self.actors)
        self.types: list[str] = []
        self.type = self._codes(map(attrgetter("type"), reuses), self.types)
        self.owners: list[str] = []
        self.owner = self._codes(map(_OWNER, reuses), self.owners)
        self.general = np.fromiter(
            (
                actor in GENERAL_INTEREST_ACTORS or purpose != "commercial"
                for actor, purpose in zip(
                    map(attrgetter("actor_type"), reuses),
                    map(attrgetter("purpose"), reuses),
                    strict=True,
                )
            ),
            bool,
            len(reuses),
        )
        self.cross_producer = np.fromiter(
            (size >= 2 for size in map(len, map(attrgetter("organization_ids"), reuses))),
            bool,
            len(reuses),
        )
        self.cross_level = np.fromiter(
            (size >= 2 for size in map(len, map(attrgetter("levels"), reuses))),
            bool,
            len(reuses),
        )
        # Each reuse's datasets, flattened: their keys and whose they are.
        sizes = np.fromiter(map(len, map(_DATASET_IDS, reuses)), np.int64, len(reuses))
        self.dataset_keys: list[int] = list(
            map(_INT, chain.from_iterable(map(_DATASET_IDS, reuses)))
        )
        self.dataset_of = np.repeat(np.arange(len(reuses), dtype=np.int64), sizes)
        self._dataset_positions: tuple[_DatasetColumns, Ints] | None = None
        self._retention: tuple[Ints, npt.NDArray[np.bool_]] | bool | None = None

    @staticmethod
    def _codes(values: Iterator[str], names: list[str]) -> Ints:
        codes: dict[str, int] = {}
        found = np.fromiter((codes.setdefault(value, len(codes)) for value in values), np.int64)
        names.extend(codes)
        return found

    def rows(self, reuses: tuple[ReuseRecord, ...]) -> Ints | None:
        """The rows of ``reuses`` here, or None when one is not among them."""
        found = np.fromiter(map(self.index.get, map(id, reuses), repeat(-1)), np.int64, len(reuses))
        if found.size and int(found.min()) < 0:
            return None
        return found

    @staticmethod
    def count(codes: Ints, names: list[str], rows: Ints) -> dict[str, int]:
        """How many of ``rows`` have each name (names counted 0 left out)."""
        counts = np.bincount(codes[rows], minlength=len(names)).tolist()
        return {name: count for name, count in zip(names, counts, strict=True) if count}

    def dataset_positions(self, base: _DatasetColumns) -> Ints:
        """The rows in ``base`` of each reuse's datasets, flattened (past its last
        row: not there); made once per base."""
        if self._dataset_positions is None or self._dataset_positions[0] is not base:
            found = np.fromiter(
                map(base.position().get, self.dataset_keys, repeat(len(base.keys))),
                np.int64,
                len(self.dataset_keys),
            )
            self._dataset_positions = (base, found)
        return self._dataset_positions[1]

    def retention(self) -> tuple[Ints, npt.NDArray[np.bool_]] | None:
        """Each reuse's creation (microseconds since 1970) and whether it was kept
        :data:`RETENTION_DAYS` days; None when a time has no zone."""
        if self._retention is None:
            horizon = dt.timedelta(days=RETENTION_DAYS)
            try:
                created = np.fromiter(
                    ((r.created - _EPOCH) // _MICROSECOND for r in self.reuses),
                    np.int64,
                    len(self.reuses),
                )
            except TypeError:  # a naive time: counted one by one
                self._retention = False
                return None
            kept = np.fromiter(
                (r.withdrawn is None or r.withdrawn >= r.created + horizon for r in self.reuses),
                bool,
                len(self.reuses),
            )
            self._retention = (created, kept)
        return self._retention if isinstance(self._retention, tuple) else None


_REUSE_COLUMNS: OrderedDict[int, tuple[object, _ReuseColumns]] = OrderedDict()


def _reuse_rows(
    reuses: tuple[ReuseRecord, ...], live: tuple[ReuseRecord, ...]
) -> tuple[_ReuseColumns, Ints]:
    """Columns holding every reuse of ``live`` (which are among ``reuses``), and the
    rows of ``live`` in them: those of a tuple seen before that holds them, else of
    ``reuses`` (of ``live`` itself, were they not among them)."""
    if live:
        first, last = id(live[0]), id(live[-1])
        for _, known in reversed(_REUSE_COLUMNS.values()):
            if first in known.index and last in known.index:
                rows = known.rows(live)
                if rows is not None:
                    return known, rows
    elif _REUSE_COLUMNS:  # no rows: any columns serve
        return next(reversed(_REUSE_COLUMNS.values()))[1], np.zeros(0, dtype=np.int64)
    columns = _ReuseColumns(reuses)
    rows = columns.rows(live)
    if rows is None:
        columns = _ReuseColumns(live)
        rows = np.arange(len(live), dtype=np.int64)
    _REUSE_COLUMNS[id(columns.reuses)] = (columns.reuses, columns)
    while len(_REUSE_COLUMNS) > 4:
        _REUSE_COLUMNS.popitem(last=False)
    return columns, rows


def _categorical(counts: list[int], intervals: bool) -> st.Interval:
    if not intervals:
        return NO_INTERVAL
    return resampling.bootstrap_categorical(counts)


def _waits(
    evidence: Evidence, results: _Results, first_reuse: Mapping[int, dt.datetime] | None
) -> None:
    period = evidence.period
    if first_reuse is None:
        first_reuse = first_reuses(evidence.reuses)
    # Days as ordinals in arrays; a dataset's wait ends at its first third-party use or
    # first reuse, whichever is earlier, when it is within the period (else censored).
    columns = _dataset_columns(evidence.datasets)
    keys, published = columns.fresh(period.start_instant, period.end_instant)
    end = period.end.toordinal()
    never = end + 1
    used = np.fromiter(
        map(_first_days(evidence.first_use).get, keys, repeat(never)), np.int64, len(keys)
    )
    reused = np.fromiter(map(_ordinals(first_reuse).get, keys, repeat(never)), np.int64, len(keys))
    first = np.minimum(np.minimum(used, reused), never)
    ended = first <= end
    durations = np.where(ended, np.maximum(0, first - published), end - published + 1)
    value, interval, n = median_wait_counts(durations, ended)
    results.put("time_to_first_reuse", value, n, interval)

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


class _DatasetColumns:
    """What the waits read of each dataset of a tuple, in lists and arrays (made once
    per tuple: the capture checks share their evidence's datasets)."""

    def __init__(self, datasets: tuple[DatasetRecord, ...]) -> None:
        self.datasets = datasets
        self.keys: list[int] = list(map(_ID_INT, datasets))
        self.published: list[dt.datetime] = list(map(_PUBLISHED, datasets))
        self.days = np.fromiter(
            map(dt.date.toordinal, map(dt.datetime.date, self.published)),
            np.int64,
            len(datasets),
        )
        self.ordered = all(map(operator.le, self.published, self.published[1:]))
        self.base = self
        self._position: dict[int, int] | None = None
        self._national: tuple[frozenset[int], Ints] | None = None
        self._positions: tuple[object, Ints] | None = None

    def position(self) -> dict[int, int]:
        """Each key's first row (made once)."""
        if self._position is None:
            self._position = {}
            for row, key in enumerate(self.keys):
                self._position.setdefault(key, row)
        return self._position

    def positions_of(self, ids: frozenset[uuid.UUID]) -> Ints:
        """The rows of ``ids`` (past the last row: not here); the last answer is kept."""
        if self._positions is not None and self._positions[0] is ids:
            return self._positions[1]
        found = np.fromiter(
            map(self.position().get, map(_INT, ids), repeat(len(self.keys))), np.int64, len(ids)
        )
        self._positions = (ids, found)
        return found

    def national_before(self, national: frozenset[int], n: int) -> int:
        """How many of the first ``n`` datasets are of the ``national`` organizations."""
        if self._national is None or self._national[0] != national:
            flags = np.fromiter(
                map(national.__contains__, map(_ORGANIZATION_INT, self.datasets)),
                np.int64,
                len(self.datasets),
            )
            self._national = (national, np.concatenate(([0], np.cumsum(flags))))
        return int(self._national[1][n])

    def prefix(self, datasets: tuple[DatasetRecord, ...]) -> _DatasetColumns | None:
        """The columns of ``datasets`` when they are the first of these (the same
        records, in the same order: a month's datasets in the SQL source's order), else
        None. Cheap: a comparison of identities, in C."""
        n = len(datasets)
        mine = self.datasets
        if n > len(mine) or (n and mine[n - 1] is not datasets[-1]):
            return None
        if not all(map(operator.is_, datasets, mine)):
            return None
        found = object.__new__(_DatasetColumns)
        found.datasets = datasets
        found.keys = self.keys[:n]
        found.published = self.published[:n]
        found.days = self.days[:n]
        found.ordered = self.ordered
        found.base = self.base
        return found

    def fresh(self, begins: dt.datetime, after: dt.datetime) -> tuple[list[int], Ints]:
        """The keys and publication days of the datasets published in ``[begins, after)``."""
        if self.ordered:  # as the SQL source gives them: a slice
            low = bisect.bisect_left(self.published, begins)
            high = bisect.bisect_left(self.published, after)
            return self.keys[low:high], self.days[low:high]
        chosen = [i for i, published in enumerate(self.published) if begins <= published < after]
        return [self.keys[i] for i in chosen], self.days[np.asarray(chosen, dtype=np.int64)]


_COLUMNS: OrderedDict[int, tuple[object, _DatasetColumns]] = OrderedDict()


def _dataset_columns(datasets: tuple[DatasetRecord, ...]) -> _DatasetColumns:
    known = _COLUMNS.get(id(datasets))
    if known is not None and known[0] is datasets:
        return known[1]
    # A month's datasets are the first of the period's, read before (one pass, not 13).
    for _, columns in reversed(_COLUMNS.values()):
        found = columns.prefix(datasets)
        if found is not None:
            break
    else:
        found = _DatasetColumns(datasets)
    _COLUMNS[id(datasets)] = (datasets, found)
    while len(_COLUMNS) > 16:
        _COLUMNS.popitem(last=False)
    return found


# Days as ordinals keyed by ``UUID.int``, for the last few mappings they were made from
# (each entry holds its mapping, so an id is never mistaken for another's).
_ORDINALS: OrderedDict[int, tuple[object, Mapping[int, int]]] = OrderedDict()


def _first_days(first_use: Mapping[uuid.UUID, dt.date]) -> Mapping[int, int]:
    """``first_use``'s days as ordinals keyed by ``UUID.int``; it may hold days after
    the evidence's period (callers compare). A source's mapping may offer them
    (``by_int()``: read once for every month of a report); others are converted once
    per mapping."""
    by_int = getattr(first_use, "by_int", None)
    if by_int is not None:
        return _ordinals(by_int())
    return _ordinals(first_use, key=_INT)


def _ordinals(
    days: Mapping[Any, dt.date] | Mapping[Any, dt.datetime],
    key: Callable[[Any], int] | None = None,
) -> Mapping[int, int]:
    """``days`` as ordinals of their dates (keys through ``key``), once per mapping."""
    known = _ORDINALS.get(id(days))
    if known is not None and known[0] is days:
        return known[1]
    converted = {
        (key(k) if key else k): (d.date() if isinstance(d, dt.datetime) else d).toordinal()
        for k, d in days.items()
    }
    _ORDINALS[id(days)] = (days, converted)
    while len(_ORDINALS) > 16:
        _ORDINALS.popitem(last=False)
    return converted


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
    reuses = evidence.reuses
    columns, rows = _reuse_rows(reuses, reuses)
    retention = columns.retention()
    if retention is not None:
        created, retained = retention
        in_cohort = created[rows] <= (latest - _EPOCH) // _MICROSECOND
        results.share("reuse_retention", int(retained[rows][in_cohort].sum()), int(in_cohort.sum()))
        return
    cohort = [r for r in reuses if r.created <= latest]
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
