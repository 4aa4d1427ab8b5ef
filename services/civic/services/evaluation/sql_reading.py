"""Reading the platform's tables for the evaluation: the plumbing the SQL source's
readers share (the driver's cursor, the answers kept "as of" a day and by month, the
scope as SQL) and the views over what they read (:class:`UpTo`, :class:`ByTime`)."""

from __future__ import annotations

import bisect
import datetime as dt
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar, cast

from psycopg.rows import namedtuple_row, tuple_row
from sqlalchemy.orm import Session

from civic.services.evaluation.records import Period, Scope

T = TypeVar("T")
# For the rest of the report's transaction (SET LOCAL): the grouped reads over the
# usage hash in memory instead of sorting on disk (4 MB is PostgreSQL's default; the
# full-size bench's grouping needed 29 MB), and neither JIT compilation nor parallel
# workers, which cost about 100 ms a statement each (JIT's code generation; starting
# workers to find the few events not rolled up yet) for statements of about a second.
_REPORT_SETTINGS = (
    "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; "
    "SET LOCAL max_parallel_workers_per_gather = 0"
)
_PARAMETER = re.compile(r"(?<![:\w]):([a-z_]+)")


def scope_sql(scope: Scope, alias: str = "o") -> tuple[str, dict[str, Any]]:
    """The conditions (each after `` AND``) restricting organization ``alias`` to
    ``scope``, and their parameters."""
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


def utc(value: dt.datetime) -> dt.datetime:
    """``value`` with UTC as its zone when it has none."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def day_end(day: dt.date) -> dt.datetime:
    """The instant ``day`` ends (UTC midnight after it)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


class SqlReader:
    """Statements run with ``session`` (one unit of work's), and what they answered,
    kept for the rest of a report. Raises SQLAlchemy's and the driver's errors."""

    def __init__(
        self, session: Session, *, cutoff: dt.datetime | None = None, note: str = ""
    ) -> None:
        self.session = session
        self.cutoff = cutoff or dt.datetime.now(dt.UTC)
        self.note = note
        self._read: dict[tuple[str, Scope], tuple[dt.date, Any]] = {}
        self._parts: dict[tuple[str, Scope], tuple[Period, dict[dt.date, Any]]] = {}
        self._tuned = False  # _REPORT_SETTINGS applied to the transaction

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
            if not self._tuned:
                cursor.execute(_REPORT_SETTINGS)
                self._tuned = True
            cursor.execute(statement, params)
            rows: list[Any] = cursor.fetchall()
            return rows

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
        if known is not None and made_of_months(period, known[0]):
            first = period.start.replace(day=1)
            return [part for month, part in known[1].items() if first <= month <= period.end]
        parts = read(period)
        self._parts[(name, scope)] = (period, parts)
        return list(parts.values())


# The first days keyed by ``UUID.int`` of the last few reads (each entry holds its read,
# so an id is never mistaken for another's).
_BY_INT: OrderedDict[int, tuple[object, dict[int, dt.date]]] = OrderedDict()


class UpTo(Mapping[uuid.UUID, dt.date]):
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


class ByTime:
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


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def made_of_months(period: Period, span: Period) -> bool:
    """Whether ``period`` lies in ``span`` and starts and ends where its months do."""
    return (
        span.start <= period.start
        and period.end <= span.end
        and (period.start == span.start or period.start.day == 1)
        and (period.end == span.end or (period.end + dt.timedelta(days=1)).day == 1)
    )
