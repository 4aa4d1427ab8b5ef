"""Reuses and their moderation, usage events and daily rollups, webhooks and their log.

Revision ID: 845901b4c90e
Revises: 4f8d2c6a1b93
Create Date: 2026-11-26 05:30:26.828401+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from civic.services.usage.models import Xid8

revision: str = "845901b4c90e"
down_revision: str | Sequence[str] | None = "4f8d2c6a1b93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# create_type=False: the new types are created and dropped explicitly below, so a
# downgrade leaves none behind; actor_type belongs to the identity revision.
actor_type = postgresql.ENUM(name="actor_type", create_type=False)
usage_kind = postgresql.ENUM(
    "api_call", "download", "page_view", name="usage_kind", create_type=False
)
usage_source = postgresql.ENUM("gateway", "import", name="usage_source", create_type=False)
reuse_type = postgresql.ENUM(
    "api",
    "application",
    "idea",
    "news_article",
    "paper",
    "post",
    "visualization",
    "hardware",
    name="reuse_type",
    create_type=False,
)
reuse_purpose = postgresql.ENUM(
    "commercial", "non_commercial", "general_interest", name="reuse_purpose", create_type=False
)
reuse_state = postgresql.ENUM(
    "published", "archived", "flagged", name="reuse_state", create_type=False
)
reuse_moderation_action = postgresql.ENUM(
    "archive", "flag", "restore", name="reuse_moderation_action", create_type=False
)
webhook_delivery_status = postgresql.ENUM(
    "pending", "delivered", "failed", name="webhook_delivery_status", create_type=False
)
ENUMS = (
    usage_kind,
    usage_source,
    reuse_type,
    reuse_purpose,
    reuse_state,
    reuse_moderation_action,
    webhook_delivery_status,
)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    bind = op.get_bind()
    for enum_type in ENUMS:
        enum_type.create(bind, checkfirst=False)

    # Usage ----------------------------------------------------------------------
    op.create_table(
        "usage_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", usage_kind, nullable=False),
        sa.Column("source", usage_source, nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("app_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", actor_type, nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("route", sa.String(length=300), nullable=True),
        sa.Column("dataset_id", sa.Uuid(), nullable=True),
        sa.Column("dataset_name", sa.String(length=100), nullable=True),
        sa.Column("resource_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("duration_ms", sa.REAL(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("ip_hash", sa.String(length=32), nullable=True),
        sa.Column("txid", Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
    )
    op.create_index("ix_usage_events_txid", "usage_events", ["txid"])
    op.create_index("ix_usage_events_app_id_occurred_at", "usage_events", ["app_id", "occurred_at"])
    op.create_index(
        "ix_usage_events_dataset_id_occurred_at", "usage_events", ["dataset_id", "occurred_at"]
    )
    op.create_index(
        "ix_usage_events_occurred_at", "usage_events", ["occurred_at"], postgresql_using="brin"
    )
    op.create_table(
        "usage_daily",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", usage_kind, nullable=False),
        sa.Column("source", usage_source, nullable=False),
        sa.Column("app_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", actor_type, nullable=True),
        sa.Column("dataset_id", sa.Uuid(), nullable=True),
        sa.Column("dataset_name", sa.String(length=100), nullable=True),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("server_errors", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms_sum", sa.Float(precision=53), nullable=False),
        sa.Column("latency_histogram", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_daily")),
    )
    op.create_index(
        "uq_usage_daily_key",
        "usage_daily",
        ["day", "kind", "source", "app_id", "actor_type", "dataset_id", "dataset_name"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_index("ix_usage_daily_app_id_day", "usage_daily", ["app_id", "day"])
    op.create_index("ix_usage_daily_dataset_id_day", "usage_daily", ["dataset_id", "day"])
    op.create_table(
        "usage_rollup_state",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("txid", Xid8(), server_default=sa.text("'0'::xid8"), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_usage_rollup_state")),
    )
    op.execute("INSERT INTO usage_rollup_state (name) VALUES ('daily')")

    # Reuses ---------------------------------------------------------------------
    op.create_table(
        "reuses",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("type", reuse_type, nullable=False),
        sa.Column("topic", sa.String(length=50), nullable=False),
        sa.Column("purpose", reuse_purpose, nullable=False),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("state", reuse_state, server_default="published", nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("owner_app_id", sa.Uuid(), nullable=True),
        sa.Column("owner_user_id", sa.Uuid(), nullable=True),
        sa.Column("owner_actor_type", actor_type, nullable=False),
        sa.Column("declared_via", sa.String(length=20), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "owner_app_id IS NOT NULL OR owner_user_id IS NOT NULL",
            name=op.f("ck_reuses_has_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_app_id"],
            ["apps.id"],
            name=op.f("fk_reuses_owner_app_id_apps"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_reuses_owner_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reuses")),
        sa.UniqueConstraint("url", name=op.f("uq_reuses_url")),
    )
    op.create_index("ix_reuses_owner_app_id", "reuses", ["owner_app_id"])
    op.create_index("ix_reuses_owner_user_id", "reuses", ["owner_user_id"])
    op.create_index("ix_reuses_state_created", "reuses", ["state", "created"])
    op.create_table(
        "reuse_datasets",
        sa.Column("reuse_id", sa.Uuid(), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_reuse_datasets_dataset_id_datasets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reuse_id"],
            ["reuses.id"],
            name=op.f("fk_reuse_datasets_reuse_id_reuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reuse_id", "dataset_id", name=op.f("pk_reuse_datasets")),
    )
    op.create_index(op.f("ix_reuse_datasets_dataset_id"), "reuse_datasets", ["dataset_id"])
    op.create_table(
        "reuse_moderation_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("reuse_id", sa.Uuid(), nullable=False),
        sa.Column("action", reuse_moderation_action, nullable=False),
        sa.Column("from_state", reuse_state, nullable=False),
        sa.Column("to_state", reuse_state, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "length(btrim(reason)) > 0", name=op.f("ck_reuse_moderation_events_reason_required")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_reuse_moderation_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reuse_id"],
            ["reuses.id"],
            name=op.f("fk_reuse_moderation_events_reuse_id_reuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reuse_moderation_events")),
    )
    op.create_index(
        "ix_reuse_moderation_events_reuse_id_created",
        "reuse_moderation_events",
        ["reuse_id", "created"],
    )

    # Webhooks -------------------------------------------------------------------
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_webhooks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_webhooks_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_index("ix_webhooks_organization_id", "webhooks", ["organization_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", webhook_delivery_status, server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False
        ),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_webhook_deliveries_webhook_id_created", "webhook_deliveries", ["webhook_id", "created"]
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.REAL(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes.
    for table in (
        "webhook_attempts",
        "webhook_deliveries",
        "webhooks",
        "reuse_moderation_events",
        "reuse_datasets",
        "reuses",
        "usage_rollup_state",
        "usage_daily",
        "usage_events",
    ):
        op.drop_table(table)
    bind = op.get_bind()
    for enum_type in reversed(ENUMS):
        enum_type.drop(bind, checkfirst=False)
