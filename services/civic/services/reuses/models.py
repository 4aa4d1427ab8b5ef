"""Tables of the reuse registry.

``reuses``
    One declared reuse: ``title``, ``description``, ``url`` (unique), its
    ``canonical_url`` (unique: one reuse per address, however spelled; see
    :mod:`civic.services.reuses.urls`; null only for duplicates archived when it was
    added), ``type``,
    ``topic``, ``purpose``, ``image_url``, ``state`` (published, archived,
    flagged) and ``state_reason``; its owner is an app (``owner_app_id``) and/or a
    person (``owner_user_id``), and ``owner_actor_type`` is the owner's actor type
    when it was declared (an app's, or the one a person chose in the portal).
    ``declared_via`` is ``api`` or ``portal``; ``created``, ``updated``.
``reuse_datasets``
    ``(reuse_id, dataset_id)``: the datasets a reuse uses (at least one).
``reuse_moderation_events``
    Every archive, flag and restore: ``action``, ``from_state``, ``to_state``,
    ``reason``, the administrator (``actor_id``, ``actor_label``) and ``created``.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.services.apps.models import ActorType, App
from civic.services.catalog.models import Dataset
from civic.services.db import Base, created_at, modified_at, pg_enum, uuid_pk
from civic.services.identity.models import User
from civic.services.reuses.vocabulary import (
    ModerationAction,
    ReusePurpose,
    ReuseState,
    ReuseType,
)

reuse_state_type = pg_enum(ReuseState, "reuse_state")

reuse_datasets = sa.Table(
    "reuse_datasets",
    Base.metadata,
    sa.Column("reuse_id", sa.ForeignKey("reuses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "dataset_id",
        sa.ForeignKey("datasets.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class Reuse(Base):
    """Something built with datasets: an app, an API, a visualization, an article..."""

    __tablename__ = "reuses"
    __table_args__ = (
        sa.CheckConstraint(
            "owner_app_id IS NOT NULL OR owner_user_id IS NOT NULL", name="has_owner"
        ),
        sa.Index("ix_reuses_state_created", "state", "created"),
        sa.Index("ix_reuses_owner_app_id", "owner_app_id"),
        sa.Index("ix_reuses_owner_user_id", "owner_user_id"),
        sa.Index("ix_reuses_canonical_url", "canonical_url", unique=True),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    url: Mapped[str] = mapped_column(sa.String(2000), unique=True)
    canonical_url: Mapped[str | None] = mapped_column(sa.String(2000))
    type: Mapped[ReuseType] = mapped_column(pg_enum(ReuseType, "reuse_type"))
    topic: Mapped[str] = mapped_column(sa.String(50))
    purpose: Mapped[ReusePurpose] = mapped_column(pg_enum(ReusePurpose, "reuse_purpose"))
    image_url: Mapped[str | None] = mapped_column(sa.String(2000))
    state: Mapped[ReuseState] = mapped_column(
        reuse_state_type, default=ReuseState.PUBLISHED, server_default=ReuseState.PUBLISHED.value
    )
    state_reason: Mapped[str | None] = mapped_column(sa.Text)
    owner_app_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("apps.id", ondelete="RESTRICT")
    )
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    owner_actor_type: Mapped[ActorType] = mapped_column(App.__table__.c.actor_type.type)
    declared_via: Mapped[str] = mapped_column(sa.String(20))
    created: Mapped[dt.datetime] = created_at()
    updated: Mapped[dt.datetime] = modified_at()

    datasets: Mapped[list[Dataset]] = relationship(
        secondary=reuse_datasets, order_by=Dataset.name, lazy="selectin"
    )
    owner_app: Mapped[App | None] = relationship(lazy="joined")
    owner_user: Mapped[User | None] = relationship(lazy="joined")


class ReuseModerationEvent(Base):
    """One moderation of a reuse by an administrator; kept forever, like app suspensions."""

    __tablename__ = "reuse_moderation_events"
    __table_args__ = (
        sa.CheckConstraint("length(btrim(reason)) > 0", name="reason_required"),
        sa.Index("ix_reuse_moderation_events_reuse_id_created", "reuse_id", "created"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    reuse_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("reuses.id", ondelete="CASCADE"))
    action: Mapped[ModerationAction] = mapped_column(
        pg_enum(ModerationAction, "reuse_moderation_action")
    )
    from_state: Mapped[ReuseState] = mapped_column(reuse_state_type)
    to_state: Mapped[ReuseState] = mapped_column(reuse_state_type)
    reason: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    actor_label: Mapped[str] = mapped_column(sa.String(320))
    created: Mapped[dt.datetime] = created_at()
