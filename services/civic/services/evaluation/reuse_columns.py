"""Reuses as columns: what the report reads of each reuse of a tuple, as codes in
NumPy arrays, made once per report and shared by every month and every integrity check.

A report reads its period's reuses once; each month's are a prefix of them (sorted by
creation), its live ones and those left without one actor are subsets. Rather than
look each record up again for every month and check, a subset is found here as rows of
the period's columns: :func:`reuse_rows` (a tuple's rows), :func:`live_reuses` (those
existing at some time of a period) and :func:`without_owner` (the capture check) note
the rows of the tuples they make, so the indicators find them at once.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import OrderedDict
from collections.abc import Iterator
from itertools import chain, compress, count
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from civic.services.evaluation.records import GENERAL_INTEREST_ACTORS, ReuseRecord

Ints = npt.NDArray[np.int64]  # rows of the columns
_INT = attrgetter("int")
_DATASET_IDS = attrgetter("dataset_ids")
_OWNER = attrgetter("owner")
_CREATED = attrgetter("created")
_WITHDRAWN = attrgetter("withdrawn")
RETENTION_DAYS = 180
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_NEVER = int(np.iinfo(np.int64).max)
_RETENTION = dt.timedelta(days=RETENTION_DAYS) // _MICROSECOND


class ReuseColumns:
    """What the indicators read of each reuse of a tuple, as codes in arrays (made
    once per report: every month's and every capture check's reuses are among the
    period's, found by identity)."""

    def __init__(self, reuses: tuple[ReuseRecord, ...]) -> None:
        self.reuses = reuses
        # Each reuse's identity, sorted, and its row: ``rows`` finds a tuple's rows by
        # binary search (a dict lookup per record cost 0.5 us, mostly cache misses).
        ids = np.fromiter(map(id, reuses), np.int64, len(reuses))
        self._order = np.argsort(ids, kind="stable")
        self._sorted_ids = ids[self._order]
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
        self._times: tuple[Ints, Ints] | bool | None = None
        self._known: dict[int, tuple[tuple[ReuseRecord, ...], Ints]] = {}
        self._dataset_codes: Ints | None = None

    @staticmethod
    def _codes(values: Iterator[str], names: list[str]) -> Ints:
        codes: dict[str, int] = {}
        found = np.fromiter((codes.setdefault(value, len(codes)) for value in values), np.int64)
        names.extend(codes)
        return found

    def remember(self, reuses: tuple[ReuseRecord, ...], rows: Ints) -> None:
        """Note that ``reuses`` are at ``rows`` here: :meth:`rows` answers them at once."""
        self._known[id(reuses)] = (reuses, rows)
        while len(self._known) > 64:
            del self._known[next(iter(self._known))]

    def forget(self) -> None:
        """Let go of the subsets :meth:`remember` noted."""
        self._known = {}

    def holds(self, reuse: ReuseRecord) -> bool:
        """Whether ``reuse`` (this very record) is among the columns' reuses."""
        at = int(np.searchsorted(self._sorted_ids, id(reuse)))
        return at < self._sorted_ids.size and int(self._sorted_ids[at]) == id(reuse)

    def rows(self, reuses: tuple[ReuseRecord, ...]) -> Ints | None:
        """The rows of ``reuses`` here, or None when one is not among them."""
        known = self._known.get(id(reuses))
        if known is not None and known[0] is reuses:
            return known[1]
        if len(reuses) <= len(self.reuses) and all(map(operator.is_, reuses, self.reuses)):
            return np.arange(len(reuses), dtype=np.int64)  # a prefix (a month's reuses)
        wanted = np.fromiter(map(id, reuses), np.int64, len(reuses))
        if not self._sorted_ids.size:
            return None if wanted.size else wanted
        at = np.minimum(np.searchsorted(self._sorted_ids, wanted), self._sorted_ids.size - 1)
        if not np.array_equal(self._sorted_ids[at], wanted):
            return None
        return self._order[at]

    @staticmethod
    def count(codes: Ints, names: list[str], rows: Ints) -> dict[str, int]:
        """How many of ``rows`` have each name (names counted 0 left out)."""
        counts = np.bincount(codes[rows], minlength=len(names)).tolist()
        return {name: count for name, count in zip(names, counts, strict=True) if count}

    def times(self) -> tuple[Ints, Ints] | None:
        """Each reuse's creation and withdrawal (microseconds since 1970; never
        withdrawn: the largest integer), or None when a time has no zone."""
        if self._times is None:
            try:
                created = np.fromiter(
                    map(_micros, map(_CREATED, self.reuses)), np.int64, len(self.reuses)
                )
                withdrawn = np.fromiter(
                    (_NEVER if w is None else _micros(w) for w in map(_WITHDRAWN, self.reuses)),
                    np.int64,
                    len(self.reuses),
                )
            except TypeError:  # a naive time: compared one by one
                self._times = False
                return None
            self._times = (created, withdrawn)
        return self._times if isinstance(self._times, tuple) else None

    def first_created(self, rows: Ints) -> dict[int, dt.datetime] | None:
        """The earliest creation among the reuses at ``rows`` of each dataset they build
        on (keys: ``UUID.int``), or None when a time has no zone."""
        times = self.times()
        if times is None:
            return None
        if self._dataset_codes is None:  # a dataset's code: its first entry
            codes: dict[int, int] = {}
            self._dataset_codes = np.fromiter(
                map(codes.setdefault, self.dataset_keys, count()),
                np.int64,
                len(self.dataset_keys),
            )
        chosen = np.zeros(len(self.reuses), dtype=bool)
        chosen[rows] = True
        entries = np.flatnonzero(chosen[self.dataset_of])
        reuse = self.dataset_of[entries]
        dataset = self._dataset_codes[entries]
        # Each dataset's entries by creation, earliest first (ties: the first row).
        order = np.lexsort((reuse, times[0][reuse], dataset))
        _, first = np.unique(dataset[order], return_index=True)
        earliest = order[first]
        keys, records = self.dataset_keys, self.reuses
        return {
            keys[code]: records[row].created
            for code, row in zip(dataset[earliest].tolist(), reuse[earliest].tolist(), strict=True)
        }

    def retained(self, rows: Ints, latest: dt.datetime) -> tuple[int, int] | None:
        """Of the reuses at ``rows`` created by ``latest``, how many were kept
        :data:`RETENTION_DAYS` days, and how many there are; None when a time has no
        zone."""
        times = self.times()
        if times is None:
            return None
        created, withdrawn = times[0][rows], times[1][rows]
        in_cohort = created <= _micros(latest)
        kept = withdrawn >= created + _RETENTION
        return int(kept[in_cohort].sum()), int(in_cohort.sum())


_REUSE_COLUMNS: OrderedDict[int, tuple[object, ReuseColumns]] = OrderedDict()


def forget_subsets() -> None:
    """Let go of the subsets noted during reports (a report notes about fifty, each up
    to the period's size): called when no report is being built. The columns stay; a
    subset asked for later is found again by its records."""
    for _, columns in list(_REUSE_COLUMNS.values()):
        columns.forget()


def reuse_rows(
    reuses: tuple[ReuseRecord, ...], live: tuple[ReuseRecord, ...]
) -> tuple[ReuseColumns, Ints]:
    """Columns holding every reuse of ``live`` (which are among ``reuses``), and the
    rows of ``live`` in them: those of a tuple seen before that holds them, else of
    ``reuses`` (of ``live`` itself, were they not among them)."""
    if live:
        for _, known in reversed(_REUSE_COLUMNS.values()):
            if known.holds(live[0]) and known.holds(live[-1]):
                rows = known.rows(live)
                if rows is not None:
                    return known, rows
    elif _REUSE_COLUMNS:  # no rows: any columns serve
        return next(reversed(_REUSE_COLUMNS.values()))[1], np.zeros(0, dtype=np.int64)
    columns = ReuseColumns(reuses)
    rows = columns.rows(live)
    if rows is None:
        columns = ReuseColumns(live)
        rows = np.arange(len(live), dtype=np.int64)
    _REUSE_COLUMNS[id(columns.reuses)] = (columns.reuses, columns)
    while len(_REUSE_COLUMNS) > 4:
        _REUSE_COLUMNS.popitem(last=False)
    return columns, rows


def without_owner(
    reuses: tuple[ReuseRecord, ...], within: tuple[ReuseRecord, ...], owner: str
) -> tuple[ReuseRecord, ...]:
    """``reuses`` (among ``within``) without those of ``owner``: the same tuple when
    ``owner`` has none of them. Found over the columns' owner codes, and the rows of
    what is kept noted there, so the indicators find them without looking again."""
    if not reuses:
        return reuses
    columns, rows = reuse_rows(within, reuses)
    try:
        code = columns.owners.index(owner)
    except ValueError:
        return reuses
    kept = columns.owner[rows] != code
    if kept.all():
        return reuses
    found = tuple(compress(reuses, kept.tolist()))
    columns.remember(found, rows[kept])
    return found


def live_reuses(
    reuses: tuple[ReuseRecord, ...], start: dt.datetime, after: dt.datetime
) -> tuple[ReuseRecord, ...]:
    """The reuses of ``reuses`` that existed at some time in [``start``, ``after``):
    created before ``after`` and not withdrawn before ``start``."""
    if not reuses:
        return reuses
    columns, rows = reuse_rows(reuses, reuses)
    times = columns.times()
    if times is None:  # a naive time: compared one by one
        return tuple(
            r for r in reuses if r.created < after and (r.withdrawn is None or r.withdrawn >= start)
        )
    created, withdrawn = times
    alive = (created[rows] < _micros(after)) & (withdrawn[rows] >= _micros(start))
    if alive.all():
        return reuses
    found = tuple(compress(reuses, alive.tolist()))
    columns.remember(found, rows[alive])
    return found


def _micros(instant: dt.datetime) -> int:
    return (instant - _EPOCH) // _MICROSECOND
