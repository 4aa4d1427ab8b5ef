"""Tables of webhook notifications.

``webhooks``
    An organization's endpoint: ``url``, ``events`` it wants (``reuse.declared``),
    ``secret`` (kept in clear: signing needs it; shown once to the publisher),
    ``active``, who created it and when.
``webhook_deliveries``
    One event for one endpoint: the exact ``payload`` bytes (as text, so every
    retry sends the same body), ``status`` (pending, delivered, failed),
    ``attempts``, ``next_attempt_at``, the last answer or error, ``delivered_at``.
``webhook_attempts``
    The delivery log: each POST with its HTTP status or error and its duration.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.services.catalog.models import Organization
from civic.services.db import Base, created_at, pg_enum, uuid_pk


class DeliveryStatus(enum.StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed; kept for the log


class Webhook(Base):
    """An organization's endpoint for notifications."""

    __tablename__ = "webhooks"
    __table_args__ = (sa.Index("ix_webhooks_organization_id", "organization_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list[str]] = mapped_column(default=list, server_default="{}")
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created: Mapped[dt.datetime] = created_at()

    organization: Mapped[Organization] = relationship(lazy="joined")


class WebhookDelivery(Base):
    """One event to deliver to one endpoint, with its retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_webhook_deliveries_webhook_id_created", "webhook_id", "created"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    webhook_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        pg_enum(DeliveryStatus, "webhook_delivery_status"),
        default=DeliveryStatus.PENDING,
        server_default=DeliveryStatus.PENDING.value,
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(server_default=sa.func.now())
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column()
    created: Mapped[dt.datetime] = created_at()

    webhook: Mapped[Webhook] = relationship(lazy="joined")


class WebhookAttempt(Base):
    """One POST of a delivery: the delivery log."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (sa.Index("ix_webhook_attempts_delivery_id", "delivery_id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[float | None] = mapped_column(sa.REAL())
    created: Mapped[dt.datetime] = created_at()
