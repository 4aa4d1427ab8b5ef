"""The reuse indicators (actor and type mix, general interest, federation, concentration
over reusers), counted by NumPy over the columns of a tuple of reuses
(:class:`ReuseColumns`), which the coverage and retention read too."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterator
from itertools import chain, repeat
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from civic.services.evaluation import resampling
from civic.services.evaluation import statistics as st
from civic.services.evaluation.evidence import Evidence
from civic.services.evaluation.measures.results import NO_INTERVAL, Ints, Results
from civic.services.evaluation.records import (
    ACTOR_GROUPS,
    ACTOR_TYPES,
    GENERAL_INTEREST_ACTORS,
    REUSE_TYPES,
    ReuseRecord,
)

_INT = attrgetter("int")
_DATASET_IDS = attrgetter("dataset_ids")
_OWNER = attrgetter("owner")
RETENTION_DAYS = 180
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def reuse_indicators(evidence: Evidence, results: Results, intervals: bool) -> None:
    """The reuse indicators of the live reuses, counted by NumPy over codes."""
    columns, rows = reuse_rows(evidence.reuses, evidence.live_reuses)
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
    results.concentration("usage_concentration.reuses", per_owner, intervals)


class ReuseColumns:
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

    def retained(self, rows: Ints, latest: dt.datetime) -> tuple[int, int] | None:
        """Of the reuses at ``rows`` created by ``latest``, how many were kept
        :data:`RETENTION_DAYS` days, and how many there are; None when a time has no
        zone."""
        retention = self.retention()
        if retention is None:
            return None
        created, kept = retention
        in_cohort = created[rows] <= (latest - _EPOCH) // _MICROSECOND
        return int(kept[rows][in_cohort].sum()), int(in_cohort.sum())


_REUSE_COLUMNS: OrderedDict[int, tuple[object, ReuseColumns]] = OrderedDict()


def reuse_rows(
    reuses: tuple[ReuseRecord, ...], live: tuple[ReuseRecord, ...]
) -> tuple[ReuseColumns, Ints]:
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
    columns = ReuseColumns(reuses)
    rows = columns.rows(live)
    if rows is None:
        columns = ReuseColumns(live)
        rows = np.arange(len(live), dtype=np.int64)
    _REUSE_COLUMNS[id(columns.reuses)] = (columns.reuses, columns)
    while len(_REUSE_COLUMNS) > 4:
        _REUSE_COLUMNS.popitem(last=False)
    return columns, rows


def _categorical(counts: list[int], intervals: bool) -> st.Interval:
    if not intervals:
        return NO_INTERVAL
    return resampling.bootstrap_categorical(counts)
