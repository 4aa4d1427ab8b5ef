"""Monthly partitions of ``usage_events``: made ahead, strays moved in, old ones dropped.

``usage_events`` is partitioned by range of ``occurred_at``, one partition per UTC
month (``usage_partitions.events_YYYY_MM``), plus a DEFAULT partition
(``usage_partitions.events_default``) that takes any event whose month has no
partition yet, so no event is ever refused. The partitions live in a schema of their
own: the public schema keeps one table per model, as the migrations' checks expect.

Partitions are made ahead, in several places, each cheap and safe to repeat:

- the usage worker makes the current and the next month at every rollup;
- the writers (the gateway's, the simulator's and the import's) make the months of a
  batch before writing it, when this process has not seen them yet (a bulk load of
  past months gets its partitions instead of filling the default one);
- :func:`maintain` (``civic usage partitions``, and the worker once an hour) also
  moves the events the default partition caught into their month's new partition,
  and drops the months older than the retention once they are rolled up.

A month is made as a plain table, filled with its events from the default partition,
then attached, in one transaction: an event is in exactly one place at every instant,
keeps its ``txid`` (so the rollup counts it exactly once whether it ran before or after
the move), and a replay of it meets it again under the key ``(occurred_at, id)``.

Dropping a month: detach it (no writer can reach it afterwards), check that none of
its events is at or above the rollup's watermark, drop it; otherwise roll back and keep
it for the next run. Reports read the daily rollups (``usage_daily``) and each app's
first successful call (``usage_app_first_calls``), which are never dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from civic.services.clock import utcnow

log = logging.getLogger("civic.usage")

PARENT = "usage_events"
SCHEMA = "usage_partitions"
DEFAULT_PARTITION = "events_default"
# One partition change at a time among all processes (an arbitrary, fixed key).
PARTITION_LOCK = 3_253_000_006
# How long a partition change waits for the tables' locks before giving up for this
# run (readers and writers are never held up longer than that).
LOCK_TIMEOUT = "3s"
# A batch spanning more months than this gets its first and last months only.
MAX_SPAN_MONTHS = 36
_NAME = re.compile(r"^events_(\d{4})_(\d{2})$")

Progress = Callable[[str], None]


def month_of(moment: dt.datetime | dt.date) -> dt.date:
    """The first day of the UTC month of ``moment``."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
        return dt.date(moment.year, moment.month, 1)
    return dt.date(moment.year, moment.month, 1)


LAST_MONTH = dt.date(dt.MAXYEAR, 12, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after ``month`` (before, if < 0)."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_apart(first: dt.date, last: dt.date) -> int:
    """How many months ``last``'s month is after ``first``'s."""
    return (last.year - first.year) * 12 + last.month - first.month


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first``'s to ``last``'s, both included."""
    months, month, end = [], month_of(first), month_of(last)
    while month <= end:
        months.append(month)
        if month == LAST_MONTH:
            break
        month = add_months(month, 1)
    return months


def partition_name(month: dt.date) -> str:
    """The table of ``month``'s events, in :data:`SCHEMA`."""
    return f"events_{month.year:04d}_{month.month:02d}"


def expired_before(today: dt.date, retention_months: int) -> dt.date | None:
    """The first month kept when raw events are kept ``retention_months`` months.

    The current month and the ``retention_months`` months before it are kept (so at
    least that many whole months of raw events); None (keep everything) for 0.
    """
    if retention_months <= 0:
        return None
    return add_months(month_of(today), -retention_months)


def _bounds(month: dt.date) -> tuple[str, str]:
    # December 9999 has no next month in Python's dates: its partition runs to infinity
    # (an imported log's stray date there must not stop the maintenance for good).
    end = "infinity" if month == LAST_MONTH else f"{add_months(month, 1).isoformat()} 00:00:00+00"
    return f"{month.isoformat()} 00:00:00+00", end


# Partitions this process knows exist, per engine: writers look here before asking.
_known: weakref.WeakKeyDictionary[Engine, set[dt.date]] = weakref.WeakKeyDictionary()
# When this process last failed to make a month, per engine: it waits RETRY_AFTER
# seconds before trying again, so a writer never stalls batch after batch on a lock.
_failed: weakref.WeakKeyDictionary[Engine, dict[dt.date, float]] = weakref.WeakKeyDictionary()
_known_lock = threading.Lock()
RETRY_AFTER = 60.0


def existing_months(connection: Connection) -> set[dt.date]:
    """The months that have a partition."""
    rows = connection.execute(
        sa.text(
            "SELECT c.relname FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE i.inhparent = CAST(:parent AS regclass) AND n.nspname = :schema"
        ),
        {"parent": PARENT, "schema": SCHEMA},
    ).scalars()
    months = set()
    for name in rows:
        found = _NAME.match(name)
        if found:
            months.add(dt.date(int(found.group(1)), int(found.group(2)), 1))
    return months


def _forget(engine: Engine, month: dt.date) -> None:
    with _known_lock:
        _known.get(engine, set()).discard(month)


def ensure_months(engine: Engine, months: Iterable[dt.date]) -> list[str]:
    """Make the partitions of ``months`` that do not exist yet; the tables made.

    Asks the database only for months this process has not seen yet. Never raises for
    a partition it could not make (a lock held too long, a database away): it logs,
    and the events of that month go to the default partition meanwhile, to be moved
    into it later.
    """
    wanted = {month_of(m) for m in months}
    now = time.monotonic()
    with _known_lock:
        failed = _failed.setdefault(engine, {})
        missing = {
            m
            for m in wanted - _known.setdefault(engine, set())
            if now - failed.get(m, -RETRY_AFTER) >= RETRY_AFTER
        }
    if not missing:
        return []
    made: list[str] = []
    try:
        with engine.connect() as connection:
            existing = existing_months(connection)
        for month in sorted(missing - existing):
            try:
                moved = _make(engine, month)
            except sa.exc.OperationalError as error:
                log.warning("usage partitions: %s not made now: %s", partition_name(month), error)
                with _known_lock:
                    failed[month] = time.monotonic()
                continue
            existing.add(month)
            if moved is not None:
                made.append(partition_name(month))
                log.info("usage partitions: made %s (%d events moved in)", made[-1], moved)
    except sa.exc.SQLAlchemyError as error:
        log.warning("usage partitions: cannot make them now: %s", error)
        with _known_lock:
            failed.update(dict.fromkeys(missing, time.monotonic()))
        return made
    with _known_lock:
        _known.setdefault(engine, set()).update(existing)
    return made


def ensure_span(engine: Engine, first: dt.datetime, last: dt.datetime) -> list[str]:
    """Make the partitions of every month from ``first``'s to ``last``'s (writers)."""
    low, high = sorted((month_of(first), month_of(last)))
    if months_apart(low, high) > MAX_SPAN_MONTHS:  # a stray time: its ends only, not a century
        return ensure_months(engine, (low, high))
    return ensure_months(engine, months_between(low, high))


def _make(engine: Engine, month: dt.date) -> int | None:
    """Make ``month``'s partition, moving its events out of the default partition.

    The rows moved, or None when the partition already existed. One transaction.
    """
    name, (low, high) = partition_name(month), _bounds(month)
    with engine.begin() as connection:
        connection.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({PARTITION_LOCK})"))
        if month in existing_months(connection):
            return None
        connection.execute(
            sa.text(f"CREATE TABLE {SCHEMA}.{name} (LIKE public.{PARENT} INCLUDING DEFAULTS)")
        )
        # The default partition is locked first (writers then wait for the attach),
        # so no event of the month can slip into it between the move and the attach.
        connection.execute(
            sa.text(f"LOCK TABLE {SCHEMA}.{DEFAULT_PARTITION} IN SHARE ROW EXCLUSIVE MODE")
        )
        moved = connection.execute(
            sa.text(
                f"WITH moved AS (DELETE FROM {SCHEMA}.{DEFAULT_PARTITION}"  # noqa: S608 - ours
                "  WHERE occurred_at >= CAST(:low AS timestamptz)"
                "    AND occurred_at < CAST(:high AS timestamptz) RETURNING *)"
                f" INSERT INTO {SCHEMA}.{name} SELECT * FROM moved ORDER BY occurred_at"
            ),
            {"low": low, "high": high},
        ).rowcount
        connection.execute(
            sa.text(
                f"ALTER TABLE public.{PARENT} ATTACH PARTITION {SCHEMA}.{name}"
                f" FOR VALUES FROM ('{low}') TO ('{high}')"
            )
        )
    moved = max(moved or 0, 0)
    log.debug("usage partitions: made %s (%d events moved from the default)", name, moved)
    return moved


def default_months(connection: Connection) -> list[dt.date]:
    """The months of the events the default partition holds."""
    rows = connection.execute(
        sa.text(
            "SELECT DISTINCT CAST(date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS date)"  # noqa: S608
            f" FROM {SCHEMA}.{DEFAULT_PARTITION} ORDER BY 1"
        )
    ).scalars()
    return list(rows)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A month dropped by the retention: its table, size and (estimated) events."""

    month: dt.date
    name: str
    bytes: int
    events: int


@dataclass
class MaintenanceRun:
    """What :func:`maintain` did."""

    made: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)
    dropped: list[Dropped] = field(default_factory=list)
    # Months past the retention kept because some of their events are not rolled up.
    kept_not_rolled_up: list[str] = field(default_factory=list)
    # Months left alone this run (a lock not obtained in time); tried again next run.
    deferred: list[str] = field(default_factory=list)
    # The first month kept (None: the retention keeps everything).
    keep_from: dt.date | None = None


def maintain(
    engine: Engine,
    *,
    retention_months: int,
    today: dt.date | None = None,
    ahead: int = 1,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> MaintenanceRun:
    """Make the partitions ahead, move the default partition's events, drop expired months.

    ``retention_months`` (0: keep raw events forever): see :func:`expired_before`.
    ``dry_run`` makes the partitions ahead and moves strays but drops nothing and says
    what it would drop. ``progress`` hears a line per step.
    """
    say = progress or (lambda line: log.info("usage partitions: %s", line))
    today = today or utcnow().date()
    current = month_of(today)
    run = MaintenanceRun(keep_from=expired_before(today, retention_months))
    for name in ensure_months(engine, [add_months(current, n) for n in range(ahead + 1)]):
        run.made.append(name)
        say(f"made {SCHEMA}.{name}")
    with engine.connect() as connection:
        strays = default_months(connection)
    if strays:
        say(f"the default partition holds events of {len(strays)} month(s): moving them")
    for month in strays:
        name = partition_name(month)
        try:
            moved = _make(engine, month)
        except sa.exc.OperationalError as error:
            run.deferred.append(name)
            say(f"{name}: not made this run ({error.orig.__class__.__name__})")
            continue
        if moved is not None:
            run.made.append(name)
            run.moved[name] = moved
            say(f"made {SCHEMA}.{name}: {moved:,} events moved from the default partition")
    if run.keep_from is None:
        say("retention: raw events are kept forever (raw_retention_months = 0)")
        return run
    with engine.connect() as connection:
        expired = sorted(m for m in existing_months(connection) if m < run.keep_from)
    say(
        f"retention: {retention_months} month(s), keeping {run.keep_from:%Y-%m} onwards;"
        f" {len(expired)} month(s) older"
    )
    for month in expired:
        name = partition_name(month)
        try:
            outcome = _drop(engine, month, dry_run=dry_run)
        except sa.exc.OperationalError as error:
            run.deferred.append(name)
            say(f"{name}: left for the next run ({error.orig.__class__.__name__})")
            continue
        if isinstance(outcome, Dropped):
            run.dropped.append(outcome)
            verb = "would drop" if dry_run else "dropped"
            say(
                f"{verb} {SCHEMA}.{name}: {outcome.bytes / 1e6:,.1f} MB,"
                f" ~{outcome.events:,} events, all rolled up"
            )
        elif outcome is not None:
            run.kept_not_rolled_up.append(name)
            say(f"kept {SCHEMA}.{name}: {outcome:,} events not rolled up yet")
    return run


def _drop(engine: Engine, month: dt.date, *, dry_run: bool) -> Dropped | int | None:
    """Drop ``month``'s partition if every event of it is rolled up; else the number
    not rolled up (the partition is kept); None if it is gone already. One transaction."""
    name = partition_name(month)
    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({PARTITION_LOCK})"))
        if month not in existing_months(connection):
            return None
        # Detached, it is out of every writer's reach (they wait for this transaction);
        # what it holds now is all it will ever hold.
        connection.execute(sa.text(f"ALTER TABLE public.{PARENT} DETACH PARTITION {SCHEMA}.{name}"))
        waiting = int(
            connection.scalar(
                sa.text(
                    f"SELECT count(*) FROM {SCHEMA}.{name}"  # noqa: S608 - our own names
                    " WHERE txid >= COALESCE((SELECT txid FROM usage_rollup_state"
                    "                         WHERE name = 'daily'), '0'::xid8)"
                )
            )
            or 0
        )
        if waiting:
            transaction.rollback()
            return waiting
        size = connection.execute(
            sa.text(
                "SELECT pg_total_relation_size(c.oid), GREATEST(c.reltuples, 0)::bigint"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :schema AND c.relname = :name"
            ),
            {"schema": SCHEMA, "name": name},
        ).one()
        if dry_run:
            transaction.rollback()
        else:
            connection.execute(sa.text(f"DROP TABLE {SCHEMA}.{name}"))
            transaction.commit()
    if not dry_run:
        _forget(engine, month)
    return Dropped(month, name, int(size[0]), int(size[1]))
