"""Daily rollups of usage events, maintained incrementally and exactly once.

Each run takes the events written since the previous run, by transaction id: every
event whose ``txid`` lies between the stored watermark and the oldest transaction
still running (``pg_snapshot_xmin``) is final and visible, and none can appear
there later. Their sums are added to ``usage_daily`` (an upsert on the day and the
key) and the watermark moves, in one transaction: a run that fails changes
nothing, and two runs never count an event twice (the second waits for none: it
skips while another holds the lock). Days are UTC days.

The same run keeps each app's first successful call (``usage_app_first_calls``), the
one fact of the raw events that reports need and the daily sums do not hold, so
that old months of raw events can be dropped (:mod:`civic.services.usage.partitions`).
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from civic.services.usage.events import LATENCY_BUCKETS_MS

log = logging.getLogger("civic.usage")
ROLLUP_NAME = "daily"
# An arbitrary, fixed advisory lock key: one rollup at a time among all processes.
ROLLUP_LOCK = 3_253_000_005

KEY_COLUMNS = ("day", "kind", "source", "app_id", "actor_type", "dataset_id", "dataset_name")
SUM_COLUMNS = ("events", "errors", "server_errors", "bytes", "duration_ms_sum")


def histogram_sql(column: str = "duration_ms") -> str:
    """SQL of an aggregate: the latency histogram (bigint[]) of the grouped events."""
    bounds = (None, *LATENCY_BUCKETS_MS, None)
    counts = []
    for lower, upper in itertools.pairwise(bounds):
        condition = [f"{column} >= {lower}" if lower is not None else f"{column} IS NOT NULL"]
        if upper is not None:
            condition.append(f"{column} < {upper}")
        counts.append(f"count(*) FILTER (WHERE {' AND '.join(condition)})")
    return f"ARRAY[{', '.join(counts)}]::bigint[]"


# The grouping and sums shared by the rollup and by fresh reads (analytics).
GROUP_SELECT = (
    "(occurred_at AT TIME ZONE 'UTC')::date AS day, kind, source, app_id, actor_type, "
    "dataset_id, dataset_name"
)
SUMS_SELECT = (
    "count(*) AS events, "
    "count(*) FILTER (WHERE status >= 400) AS errors, "
    "count(*) FILTER (WHERE status >= 500) AS server_errors, "
    "COALESCE(sum(bytes), 0)::bigint AS bytes, "
    "COALESCE(sum(duration_ms), 0)::double precision AS duration_ms_sum, "
    f"{histogram_sql()} AS latency_histogram"
)

# Built from constants of this module only; the range is bound.
ROLLUP_SQL = f"""
INSERT INTO usage_daily ({", ".join(KEY_COLUMNS + SUM_COLUMNS)}, latency_histogram)
SELECT {GROUP_SELECT}, {SUMS_SELECT}
FROM usage_events
WHERE txid >= CAST(:lo AS xid8) AND txid < CAST(:hi AS xid8)
GROUP BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT ({", ".join(KEY_COLUMNS)}) DO UPDATE SET
    {", ".join(f"{c} = usage_daily.{c} + excluded.{c}" for c in SUM_COLUMNS)},
    latency_histogram = ARRAY(
        SELECT t.a + t.b
        FROM unnest(usage_daily.latency_histogram, excluded.latency_histogram)
             WITH ORDINALITY AS t(a, b, n)
        ORDER BY t.n
    )
"""  # noqa: S608 - constants of this package only; values are bound


# Same range; an earlier first call found later (an import of old logs) wins.
FIRST_CALLS_SQL = """
INSERT INTO usage_app_first_calls (app_id, first_call_at)
SELECT app_id, min(occurred_at)
FROM usage_events
WHERE txid >= CAST(:lo AS xid8) AND txid < CAST(:hi AS xid8)
  AND app_id IS NOT NULL AND status < 400
GROUP BY app_id
ON CONFLICT (app_id) DO UPDATE
    SET first_call_at = excluded.first_call_at
    WHERE excluded.first_call_at < usage_app_first_calls.first_call_at
"""


@dataclass(frozen=True, slots=True)
class RollupRun:
    """What one run did: the transaction-id range it took, and the rows it upserted."""

    low: str
    high: str
    rows: int


def roll_up(engine: Engine) -> RollupRun | None:
    """Add the events written since the last run to ``usage_daily``.

    Returns None when another run holds the lock (it will count them). Raises the
    database's errors; nothing is changed then.
    """
    with engine.begin() as connection:
        if not connection.scalar(sa.text(f"SELECT pg_try_advisory_xact_lock({ROLLUP_LOCK})")):
            return None
        low = _watermark(connection)
        high = str(connection.scalar(sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())")))
        rows = 0
        if int(high) > int(low):
            result = connection.execute(sa.text(ROLLUP_SQL), {"lo": low, "hi": high})
            rows = max(result.rowcount, 0)
            connection.execute(sa.text(FIRST_CALLS_SQL), {"lo": low, "hi": high})
            connection.execute(
                sa.text(
                    "UPDATE usage_rollup_state SET txid = CAST(:hi AS xid8), updated = now()"
                    " WHERE name = :name"
                ),
                {"hi": high, "name": ROLLUP_NAME},
            )
        log.info("usage rollup: txid %s..%s, %d daily rows", low, high, rows)
        return RollupRun(low, high, rows)


def _watermark(connection: Connection) -> str:
    connection.execute(
        sa.text("INSERT INTO usage_rollup_state (name) VALUES (:name) ON CONFLICT DO NOTHING"),
        {"name": ROLLUP_NAME},
    )
    value = connection.scalar(
        sa.text("SELECT txid FROM usage_rollup_state WHERE name = :name FOR UPDATE"),
        {"name": ROLLUP_NAME},
    )
    return str(value)


def roll_up_everything(engine: Engine, *, timeout: float = 600.0, poll: float = 0.5) -> int:
    """Roll up until every event committed before this call is counted; the rows upserted.

    A run only takes events older than the oldest transaction still running anywhere
    on the server, so a long transaction elsewhere holds the rollup back: this waits
    for it (it is how a bulk writer, such as the simulator, makes its events visible
    in the reports at once). Raises TimeoutError after ``timeout`` seconds.
    """
    with engine.connect() as connection:
        target = int(
            connection.scalar(sa.text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text"))
        )
    deadline = time.monotonic() + timeout
    rows = 0
    while True:
        run = roll_up(engine)
        if run is not None:
            rows += run.rows
            if int(run.high) >= target:
                return rows
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"usage events are still waiting for a rollup after {timeout:.0f} s: a long "
                "transaction on the server holds them back"
            )
        time.sleep(poll)
