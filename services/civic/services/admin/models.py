"""Tables of governance: the audit log of administrators' actions, and the contests
owners of suspended apps write, with the administrators' answers."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from civic.services.db import Base, created_at, pg_enum, uuid_pk


class AdminAction(Base):
    """One action of an administrator (or an operator at the command line): kept forever."""

    __tablename__ = "admin_actions"
    __table_args__ = (
        sa.Index("ix_admin_actions_created", "created"),
        sa.Index("ix_admin_actions_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    created: Mapped[dt.datetime] = created_at()
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The administrator's address as it was then, or "operator (command line)".
    actor_label: Mapped[str] = mapped_column(sa.String(320))
    # "app.suspend", "user.role", "reuse.flag", "organization.create"...
    action: Mapped[str] = mapped_column(sa.String(50))
    target_type: Mapped[str] = mapped_column(sa.String(30))
    target_id: Mapped[str] = mapped_column(sa.String(100))
    target_label: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sa.text("'{}'"))
    # Which door: "pages", "api" or "cli".
    via: Mapped[str] = mapped_column(sa.String(10))


class ContestStatus(enum.StrEnum):
    """Where an owner's contest of a suspension stands."""

    OPEN = "open"
    ANSWERED = "answered"  # an administrator answered; the suspension stays for now
    RESTORED = "restored"  # the administrator restored the app
    CONFIRMED = "confirmed"  # the administrator confirmed the suspension


class AppContest(Base):
    """An owner contests a suspension (or refusal) of their app; an administrator answers."""

    __tablename__ = "app_contests"
    __table_args__ = (
        sa.CheckConstraint("length(btrim(message)) > 0", name="message_required"),
        sa.Index("ix_app_contests_app_id_created", "app_id", "created"),
        sa.Index("ix_app_contests_status", "status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    app_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("apps.id", ondelete="RESTRICT"))
    # The suspension (or refusal) contested.
    access_event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_access_events.id", ondelete="RESTRICT")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    message: Mapped[str] = mapped_column(sa.Text)
    created: Mapped[dt.datetime] = created_at()
    status: Mapped[ContestStatus] = mapped_column(
        pg_enum(ContestStatus, "contest_status"),
        default=ContestStatus.OPEN,
        server_default=ContestStatus.OPEN.value,
    )
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by: Mapped[str | None] = mapped_column(sa.String(320))
    answered_at: Mapped[dt.datetime | None] = mapped_column()
