"""Catalog (organizations, datasets mirror, resources) and the outbox.

Revision ID: 23991c4b854c
Revises:
Create Date: 2025-11-26 05:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "23991c4b854c"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# create_type=False: the types are created and dropped explicitly below, so that a
# downgrade to base leaves no enum behind.
organization_level = postgresql.ENUM(
    "national", "regional", "local", name="organization_level", create_type=False
)
sync_status = postgresql.ENUM("pending", "synced", "failed", name="sync_status", create_type=False)


def _timestamps() -> list[sa.Column[sa.DateTime]]:
    return [
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    organization_level.create(bind, checkfirst=False)
    sync_status.create(bind, checkfirst=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("level", organization_level, nullable=False),
        sa.Column("territory", sa.String(200), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("ckan_id", sa.String(100), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("name ~ '^[a-z0-9_-]{2,100}$'", name=op.f("ck_organizations_name_slug")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("name", name=op.f("uq_organizations_name")),
        sa.UniqueConstraint("ckan_id", name=op.f("uq_organizations_ckan_id")),
    )

    op.create_table(
        "datasets",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("license", sa.String(100), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("themes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("temporal_start", sa.Date(), nullable=True),
        sa.Column("temporal_end", sa.Date(), nullable=True),
        sa.Column("spatial", sa.Text(), nullable=True),
        sa.Column("frequency", sa.String(200), nullable=True),
        sa.Column("contact_point", postgresql.JSONB(), nullable=True),
        sa.Column("ckan_id", sa.String(100), nullable=True),
        sa.Column("sync_status", sync_status, server_default="pending", nullable=False),
        sa.Column("sync_error", sa.Text(), nullable=True),
        *_timestamps(),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("name ~ '^[a-z0-9_-]{2,100}$'", name=op.f("ck_datasets_name_slug")),
        sa.CheckConstraint(
            "temporal_start IS NULL OR temporal_end IS NULL OR temporal_start <= temporal_end",
            name=op.f("ck_datasets_temporal_order"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_datasets_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
        sa.UniqueConstraint("name", name=op.f("uq_datasets_name")),
        sa.UniqueConstraint("ckan_id", name=op.f("uq_datasets_ckan_id")),
    )
    op.create_index(op.f("ix_datasets_organization_id"), "datasets", ["organization_id"])
    op.create_index(op.f("ix_datasets_sync_status"), "datasets", ["sync_status"])
    op.create_index("ix_datasets_tags", "datasets", ["tags"], postgresql_using="gin")
    op.create_index("ix_datasets_themes", "datasets", ["themes"], postgresql_using="gin")

    op.create_table(
        "resources",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("name", sa.String(500), server_default="", nullable=False),
        sa.Column("format", sa.String(100), server_default="", nullable=False),
        sa.Column("media_type", sa.String(200), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("checksum", sa.String(200), nullable=True),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("ckan_id", sa.String(100), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("position >= 0", name=op.f("ck_resources_position_not_negative")),
        sa.CheckConstraint("size IS NULL OR size >= 0", name=op.f("ck_resources_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_resources_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("ckan_id", name=op.f("uq_resources_ckan_id")),
    )
    op.create_index("ix_resources_dataset_id_position", "resources", ["dataset_id", "position"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("aggregate_type", sa.String(50), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.String(50), nullable=False),
        sa.Column("payload", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "available_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["available_at", "id"],
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.create_index("ix_outbox_aggregate", "outbox", ["aggregate_type", "aggregate_id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("resources")
    op.drop_table("datasets")
    op.drop_table("organizations")
    bind = op.get_bind()
    sync_status.drop(bind, checkfirst=False)
    organization_level.drop(bind, checkfirst=False)
