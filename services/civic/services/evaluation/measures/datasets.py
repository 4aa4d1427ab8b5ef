"""The indicators over the datasets: coverage by third-party use or reuse, the national
share, and the waits (time to a dataset's first reuse or use; an app's onboarding
latency beside it), read from the columns of a tuple of datasets (:class:`DatasetColumns`)."""

from __future__ import annotations

import bisect
import datetime as dt
import operator
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np

from civic.services.evaluation.evidence import Evidence
from civic.services.evaluation.measures.results import Results, median
from civic.services.evaluation.records import DatasetRecord, ReuseRecord
from civic.services.evaluation.reuse_columns import Ints, reuse_rows
from civic.services.evaluation.survival import Waiting, median_wait_counts

_INT = attrgetter("int")
_ID_INT = attrgetter("id.int")
_ORGANIZATION_INT = attrgetter("organization_id.int")
_PUBLISHED = attrgetter("published")
_KEPT_SETS = 32  # a report's months' sets of used datasets, with and without one app


def coverage_indicators(evidence: Evidence, results: Results) -> None:
    """Reuse coverage (datasets used by a third party or reused) and the share of
    datasets published below the national level."""
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
    columns = dataset_columns(datasets)
    base, n = columns.base, len(datasets)
    size = len(base.keys)
    marked = np.zeros(size + 1, dtype=bool)  # the last: datasets not among them
    marked[base.positions_of(evidence.used_externally)] = True
    reuse_columns, rows = reuse_rows(evidence.reuses, evidence.live_reuses)
    chosen = np.zeros(len(reuse_columns.reuses), dtype=bool)
    chosen[rows] = True
    marked[base.rows_of(reuse_columns.dataset_keys)[chosen[reuse_columns.dataset_of]]] = True
    national = frozenset(
        id.int for id, org in evidence.organizations.items() if org.level == "national"
    )
    return int(marked[:n].sum()), base.national_before(national, n)


def first_reuses(reuses: tuple[ReuseRecord, ...]) -> dict[int, dt.datetime]:
    """The first reuse's creation per dataset (keys: ``UUID.int``).

    Over the reuses created by a day, it answers for any earlier day too: a first
    reuse created after that day means none by then (:func:`wait_indicators` checks it).
    """
    if reuses:
        columns, rows = reuse_rows(reuses, reuses)
        found = columns.first_created(rows)
        if found is not None:
            return found
    first: dict[int, dt.datetime] = {}  # a naive time: compared one by one
    for reuse in reuses:
        created = reuse.created
        for dataset_id in reuse.dataset_ids:
            key = dataset_id.int
            known = first.get(key)
            if known is None or created < known:
                first[key] = created
    return first


def wait_indicators(
    evidence: Evidence, results: Results, first_reuse: Mapping[int, dt.datetime] | None
) -> None:
    """Time to a dataset's first reuse or third-party use, and the onboarding latency of
    the apps registered in the period (medians, censored at its end)."""
    period = evidence.period
    if first_reuse is None:
        first_reuse = first_reuses(evidence.reuses)
    # Days as ordinals in arrays; a dataset's wait ends at its first third-party use or
    # first reuse, whichever is earlier, when it is within the period (else censored).
    columns = dataset_columns(evidence.datasets)
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
    results.put("onboarding_latency", *median(app_waits))


class DatasetColumns:
    """What the coverage and the waits read of each dataset of a tuple, in lists and
    arrays (made once per tuple: the capture checks share their evidence's datasets)."""

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
        self._positions: dict[int, tuple[frozenset[uuid.UUID], Ints]] = {}
        self._rows_of: tuple[list[int], Ints] | None = None

    def position(self) -> dict[int, int]:
        """Each key's first row (made once)."""
        if self._position is None:
            self._position = {}
            for row, key in enumerate(self.keys):
                self._position.setdefault(key, row)
        return self._position

    def positions_of(self, ids: frozenset[uuid.UUID]) -> Ints:
        """The rows of ``ids`` (past the last row: not here). The last answers are kept:
        the integrity checks ask again for the months' sets the series asked for."""
        known = self._positions.get(id(ids))
        if known is not None and known[0] is ids:
            return known[1]
        rows = self._rows(map(_INT, ids), len(ids))
        self._positions[id(ids)] = (ids, rows)
        while len(self._positions) > _KEPT_SETS:
            del self._positions[next(iter(self._positions))]
        return rows

    def rows_of(self, keys: list[int]) -> Ints:
        """The rows of ``keys`` (past the last row: not here), kept for the same list (a
        report's reuses' datasets, asked for again with each month's)."""
        if self._rows_of is None or self._rows_of[0] is not keys:
            self._rows_of = (keys, self._rows(iter(keys), len(keys)))
        return self._rows_of[1]

    def _rows(self, keys: Iterable[int], n: int) -> Ints:
        return np.fromiter(map(self.position().get, keys, repeat(len(self.keys))), np.int64, n)

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

    def prefix(self, datasets: tuple[DatasetRecord, ...]) -> DatasetColumns | None:
        """The columns of ``datasets`` when they are the first of these (the same
        records, in the same order: a month's datasets in the SQL source's order), else
        None. Cheap: a comparison of identities, in C."""
        n = len(datasets)
        mine = self.datasets
        if n > len(mine) or (n and mine[n - 1] is not datasets[-1]):
            return None
        if not all(map(operator.is_, datasets, mine)):
            return None
        found = object.__new__(DatasetColumns)
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


_COLUMNS: OrderedDict[int, tuple[object, DatasetColumns]] = OrderedDict()


def forget_sets() -> None:
    """Let go of the sets of used datasets kept during reports (each up to the
    datasets' count): called when no report is being built."""
    for _, columns in list(_COLUMNS.values()):
        columns.base._positions = {}


def dataset_columns(datasets: tuple[DatasetRecord, ...]) -> DatasetColumns:
    """The columns of ``datasets``: made before, the first of columns made before, or new."""
    known = _COLUMNS.get(id(datasets))
    if known is not None and known[0] is datasets:
        return known[1]
    # A month's datasets are the first of the period's, read before (one pass, not 13).
    for _, columns in reversed(_COLUMNS.values()):
        found = columns.prefix(datasets)
        if found is not None:
            break
    else:
        found = DatasetColumns(datasets)
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


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600
