"""usage_events partitioned by UTC month; each app's first successful call kept apart.

The table keeps its name, columns and index names; its key becomes
``(occurred_at, id)`` (a partitioned table's keys hold its partition column). The
partitions live in the schema ``usage_partitions``: one per month that has events,
the current and the next month, and a DEFAULT partition for any event of a month
without one (``civic.services.usage.partitions`` makes the next ones and moves those
strays in). An existing table is converted month by month: the old table is renamed,
each month is copied into a plain table in time order, which is then attached (its
indexes are built in one sort each), and the old table is dropped. On an empty
database that is just the empty partitions.

``usage_app_first_calls``: each app's first successful call, kept by the rollup, so
that reports need no raw event older than the retention; filled here from the events
already rolled up.

Revision ID: a7c3e91b5d24
Revises: f2b8c4d6e0a3
Create Date: 2026-12-03 07:50:00+00:00
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "a7c3e91b5d24"
down_revision: str | Sequence[str] | None = "f2b8c4d6e0a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

SCHEMA = "usage_partitions"
OLD = "usage_events_unpartitioned"
INDEXES = (
    "CREATE INDEX ix_usage_events_txid ON usage_events (txid)",
    "CREATE INDEX ix_usage_events_app_id_occurred_at ON usage_events (app_id, occurred_at)",
    "CREATE INDEX ix_usage_events_dataset_id_occurred_at ON usage_events (dataset_id, occurred_at)",
    "CREATE INDEX ix_usage_events_occurred_at ON usage_events USING brin (occurred_at)",
)


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bounds(month: dt.date) -> tuple[str, str]:
    return f"{month.isoformat()} 00:00:00+00", f"{_next_month(month).isoformat()} 00:00:00+00"


def _partition(month: dt.date, *, copy_from: str | None = None) -> None:
    """Make ``month``'s partition: a plain table, filled in time order, then attached."""
    name = f"events_{month.year:04d}_{month.month:02d}"
    low, high = _bounds(month)
    op.execute(f"CREATE TABLE {SCHEMA}.{name} (LIKE usage_events INCLUDING DEFAULTS)")
    copied = 0
    if copy_from is not None:
        copied = (
            op.get_bind()
            .execute(
                sa.text(
                    f"INSERT INTO {SCHEMA}.{name} SELECT * FROM {copy_from}"  # noqa: S608 - constants
                    " WHERE occurred_at >= CAST(:low AS timestamptz)"
                    " AND occurred_at < CAST(:high AS timestamptz) ORDER BY occurred_at"
                ),
                {"low": low, "high": high},
            )
            .rowcount
        )
    op.execute(
        f"ALTER TABLE usage_events ATTACH PARTITION {SCHEMA}.{name}"
        f" FOR VALUES FROM ('{low}') TO ('{high}')"
    )
    log.info("usage_events: %s.%s, %d events", SCHEMA, name, max(copied, 0))


def upgrade() -> None:
    bind = op.get_bind()
    op.execute(f"CREATE SCHEMA {SCHEMA}")
    # The old table keeps only its BRIN index on occurred_at: each month is read by it.
    op.execute(f"ALTER TABLE usage_events RENAME TO {OLD}")
    op.execute(f"ALTER TABLE {OLD} DROP CONSTRAINT pk_usage_events")
    for name in ("txid", "app_id_occurred_at", "dataset_id_occurred_at"):
        op.execute(f"DROP INDEX ix_usage_events_{name}")
    op.execute(f"ALTER INDEX ix_usage_events_occurred_at RENAME TO ix_{OLD}_occurred_at")

    op.execute(
        f"CREATE TABLE usage_events (LIKE {OLD} INCLUDING DEFAULTS)"
        " PARTITION BY RANGE (occurred_at)"
    )
    op.execute(
        "ALTER TABLE usage_events ADD CONSTRAINT pk_usage_events PRIMARY KEY (occurred_at, id)"
    )
    for statement in INDEXES:
        op.execute(statement)
    op.execute(f"CREATE TABLE {SCHEMA}.events_default PARTITION OF usage_events DEFAULT")

    if context.is_offline_mode():  # --sql: nothing to read; the parent routes every row
        current = dt.date.today().replace(day=1)
        for month in (current, _next_month(current)):
            _partition(month)
        op.execute(f"INSERT INTO usage_events SELECT * FROM {OLD}")  # noqa: S608 - constants
    else:
        months = set(
            bind.execute(
                sa.text(
                    "SELECT DISTINCT CAST(date_trunc('month', occurred_at AT TIME ZONE 'UTC')"  # noqa: S608 - constants
                    f" AS date) FROM {OLD}"
                )
            ).scalars()
        )
        today = bind.execute(sa.text("SELECT CAST(now() AT TIME ZONE 'UTC' AS date)")).scalar_one()
        current = dt.date(today.year, today.month, 1)
        for month in sorted(months | {current, _next_month(current)}):
            _partition(month, copy_from=OLD)

    op.create_table(
        "usage_app_first_calls",
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("first_call_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_usage_app_first_calls")),
    )
    # What the rollup has counted so far (the rest is counted by its next runs).
    op.execute(
        f"""INSERT INTO usage_app_first_calls (app_id, first_call_at)
            SELECT app_id, min(occurred_at) FROM {OLD}
            WHERE app_id IS NOT NULL AND status < 400
              AND txid < COALESCE((SELECT txid FROM usage_rollup_state WHERE name = 'daily'),
                                  '0'::xid8)
            GROUP BY app_id"""  # noqa: S608 - constants
    )
    op.execute(f"DROP TABLE {OLD}")


def downgrade() -> None:
    # Events dropped by the retention are gone; the others go back to one table. Two
    # events sharing an id at different times (which no writer makes) keep the first.
    op.drop_table("usage_app_first_calls")
    op.execute(f"CREATE TABLE {OLD} (LIKE usage_events INCLUDING DEFAULTS)")
    op.execute(f"ALTER TABLE {OLD} ADD CONSTRAINT pk_{OLD} PRIMARY KEY (id)")
    op.execute(
        f"INSERT INTO {OLD} SELECT * FROM usage_events ORDER BY occurred_at"  # noqa: S608
        " ON CONFLICT (id) DO NOTHING"
    )
    op.execute("DROP TABLE usage_events")  # and every partition
    op.execute(f"DROP SCHEMA {SCHEMA} CASCADE")  # a partition left detached, if any
    op.execute(f"ALTER TABLE {OLD} RENAME TO usage_events")
    op.execute(f"ALTER TABLE usage_events RENAME CONSTRAINT pk_{OLD} TO pk_usage_events")
    for statement in INDEXES:
        op.execute(statement)
