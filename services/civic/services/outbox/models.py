"""The outbox table.

A write to the mirror and its outbox row commit together, so a change accepted by
the API reaches CKAN even if CKAN is down now: the worker delivers pending rows,
retrying with ``available_at`` pushed back and ``last_error`` kept for operators.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from civic.services.db import Base, created_at


class OutboxMessage(Base):
    """One change of one aggregate, waiting to be delivered."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The worker polls "unprocessed and due, oldest first"; a partial index keeps
        # that query small however many processed rows accumulate.
        sa.Index(
            "ix_outbox_pending",
            "available_at",
            "id",
            postgresql_where=sa.text("processed_at IS NULL"),
        ),
        sa.Index("ix_outbox_aggregate", "aggregate_type", "aggregate_id"),
    )

    # A sequence rather than a UUID: delivery follows insertion order per aggregate.
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    aggregate_type: Mapped[str] = mapped_column(sa.String(50))
    aggregate_id: Mapped[uuid.UUID] = mapped_column()
    operation: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    attempts: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    available_at: Mapped[dt.datetime] = mapped_column(server_default=sa.func.now())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created: Mapped[dt.datetime] = created_at()
    processed_at: Mapped[dt.datetime | None] = mapped_column()
