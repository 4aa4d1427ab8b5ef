"""Tables of usage: raw events, their daily rollups, and the rollup's watermark.

``usage_events``
    One row per API call, tracked download or imported page view, partitioned by UTC
    month (:mod:`civic.services.usage.partitions`; the partitions and a default one
    live in the ``usage_partitions`` schema). ``id`` is made by the writer (a UUID)
    together with ``occurred_at``; the key is ``(occurred_at, id)`` (a partitioned
    table's keys hold its partition column), so a batch written twice is stored
    once. ``txid`` is the writing transaction's id (``pg_current_xact_id()``): the
    rollup takes events by transaction id, below the oldest transaction still running, so an event
    committed late is never skipped. No foreign keys: events outlive the apps and
    datasets they name, and writing them must stay cheap. Never a raw IP address:
    ``ip_hash`` is a keyed hash whose key changes every day and is then forgotten.

``usage_daily``
    Sums of events per (day, kind, source, app, actor type, dataset); rows are
    added to by :func:`civic.services.usage.rollup.roll_up` (an upsert), never
    rewritten. ``latency_histogram`` counts events per latency bucket
    (:data:`civic.services.usage.events.LATENCY_BUCKETS_MS`), for percentiles.

``usage_app_first_calls``
    Each app's first successful call (status < 400), kept by the rollup with the
    daily sums: reports read it, so dropping old months of raw events (the
    retention) leaves every app's onboarding time intact.

``usage_rollup_state``
    One row per rollup (``name = 'daily'``): every event whose ``txid`` is below
    ``txid`` is in ``usage_daily``; events at or above it are not yet.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from civic.services.apps.models import ActorType, App
from civic.services.db import Base, pg_enum


class UsageKind(enum.StrEnum):
    """What an event counts."""

    API_CALL = "api_call"  # a call to /api/v1 (or, imported, CKAN's action API)
    DOWNLOAD = "download"  # a resource fetched through the tracked link
    PAGE_VIEW = "page_view"  # a dataset page seen (imported from a portal's logs)


class UsageSource(enum.StrEnum):
    """Where an event comes from."""

    GATEWAY = "gateway"  # recorded by this platform's gateway
    IMPORT = "import"  # read from another portal's access logs (`civic usage import`)


class Xid8(sa.types.UserDefinedType[str]):
    """PostgreSQL's 64-bit transaction id type (``xid8``), handled as text in Python."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "XID8"


# So that reflection (Alembic's comparisons, inspection) knows the type too.
postgresql.base.ischema_names["xid8"] = Xid8

usage_kind_type = pg_enum(UsageKind, "usage_kind")
usage_source_type = pg_enum(UsageSource, "usage_source")
# The apps' own enum type (created by the identity migration), so reports compare alike.
actor_type_type = App.__table__.c.actor_type.type


class UsageEvent(Base):
    """One API call, tracked download or imported page view."""

    __tablename__ = "usage_events"
    __table_args__ = (
        sa.PrimaryKeyConstraint("occurred_at", "id", name="pk_usage_events"),
        sa.Index("ix_usage_events_txid", "txid"),
        sa.Index("ix_usage_events_app_id_occurred_at", "app_id", "occurred_at"),
        sa.Index("ix_usage_events_dataset_id_occurred_at", "dataset_id", "occurred_at"),
        sa.Index("ix_usage_events_occurred_at", "occurred_at", postgresql_using="brin"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(primary_key=True)
    kind: Mapped[UsageKind] = mapped_column(usage_kind_type)
    source: Mapped[UsageSource] = mapped_column(usage_source_type)
    # The X-Request-ID of the call (gateway events only).
    request_id: Mapped[str | None] = mapped_column(sa.String(128))
    # The app whose bearer token made the call; None: anonymous (or imported).
    app_id: Mapped[uuid.UUID | None] = mapped_column()
    # The app's actor type when the call was made.
    actor_type: Mapped[ActorType | None] = mapped_column(actor_type_type)
    # The person the token acted for (delegated user or the app's owner), if any.
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    method: Mapped[str | None] = mapped_column(sa.String(10))
    # The route's template ("/api/v1/datasets/<name>"), never the concrete path.
    route: Mapped[str | None] = mapped_column(sa.String(300))
    # Resolved from dataset_name when the writer stores the event (live datasets).
    dataset_id: Mapped[uuid.UUID | None] = mapped_column()
    dataset_name: Mapped[str | None] = mapped_column(sa.String(100))
    resource_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[int] = mapped_column(sa.SmallInteger)
    duration_ms: Mapped[float | None] = mapped_column(sa.REAL())
    bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    ip_hash: Mapped[str | None] = mapped_column(sa.String(32))
    txid: Mapped[str] = mapped_column(Xid8(), server_default=sa.text("pg_current_xact_id()"))


class UsageDaily(Base):
    """Daily sums of events per (day, kind, source, app, actor type, dataset)."""

    __tablename__ = "usage_daily"
    __table_args__ = (
        sa.Index(
            "uq_usage_daily_key",
            "day",
            "kind",
            "source",
            "app_id",
            "actor_type",
            "dataset_id",
            "dataset_name",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        sa.Index("ix_usage_daily_app_id_day", "app_id", "day"),
        sa.Index("ix_usage_daily_dataset_id_day", "dataset_id", "day"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    kind: Mapped[UsageKind] = mapped_column(usage_kind_type)
    source: Mapped[UsageSource] = mapped_column(usage_source_type)
    app_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_type: Mapped[ActorType | None] = mapped_column(actor_type_type)
    dataset_id: Mapped[uuid.UUID | None] = mapped_column()
    dataset_name: Mapped[str | None] = mapped_column(sa.String(100))
    events: Mapped[int] = mapped_column(sa.BigInteger)
    # Answers with status >= 400, and among them >= 500.
    errors: Mapped[int] = mapped_column(sa.BigInteger)
    server_errors: Mapped[int] = mapped_column(sa.BigInteger)
    bytes: Mapped[int] = mapped_column(sa.BigInteger)
    duration_ms_sum: Mapped[float] = mapped_column(sa.Float(precision=53))
    latency_histogram: Mapped[list[int]] = mapped_column(postgresql.ARRAY(sa.BigInteger))


class UsageAppFirstCall(Base):
    """An app's first successful call among the events rolled up."""

    __tablename__ = "usage_app_first_calls"

    app_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    first_call_at: Mapped[dt.datetime] = mapped_column()


class UsageRollupState(Base):
    """How far a rollup has gone: events below ``txid`` are counted."""

    __tablename__ = "usage_rollup_state"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    txid: Mapped[str] = mapped_column(Xid8(), server_default=sa.text("'0'::xid8"))
    updated: Mapped[dt.datetime] = mapped_column(server_default=sa.func.now())
