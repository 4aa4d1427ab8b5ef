"""Governance (issue 17): the audit log of administrators' actions, owners' contests of
suspensions with the administrators' answers, and the verification of an app's
declared actor type.

Revision ID: 2c7e9b4d8f51
Revises: 9d4f2a7c1e30
Create Date: 2026-12-02 14:47:51.507967+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2c7e9b4d8f51"
down_revision: str | Sequence[str] | None = "9d4f2a7c1e30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target_type", sa.String(length=30), nullable=False),
        sa.Column("target_id", sa.String(length=100), nullable=False),
        sa.Column("target_label", sa.String(length=300), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_admin_actions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_actions")),
    )
    op.create_index("ix_admin_actions_created", "admin_actions", ["created"], unique=False)
    op.create_index(
        "ix_admin_actions_target", "admin_actions", ["target_type", "target_id"], unique=False
    )
    op.create_table(
        "app_contests",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("access_event_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum("open", "answered", "restored", "confirmed", name="contest_status"),
            server_default="open",
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=320), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(btrim(message)) > 0", name=op.f("ck_app_contests_message_required")
        ),
        sa.ForeignKeyConstraint(
            ["access_event_id"],
            ["app_access_events.id"],
            name=op.f("fk_app_contests_access_event_id_app_access_events"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_app_contests_app_id_apps"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_app_contests_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_contests")),
    )
    op.create_index(
        "ix_app_contests_app_id_created", "app_contests", ["app_id", "created"], unique=False
    )
    op.create_index("ix_app_contests_status", "app_contests", ["status"], unique=False)
    op.add_column(
        "apps",
        sa.Column(
            "actor_type_verified", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
    )
    op.add_column(
        "apps", sa.Column("actor_type_verified_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("apps", sa.Column("actor_type_verified_by", sa.String(length=320), nullable=True))


def downgrade() -> None:
    op.drop_column("apps", "actor_type_verified_by")
    op.drop_column("apps", "actor_type_verified_at")
    op.drop_column("apps", "actor_type_verified")
    op.drop_index("ix_app_contests_status", table_name="app_contests")
    op.drop_index("ix_app_contests_app_id_created", table_name="app_contests")
    op.drop_table("app_contests")
    op.drop_index("ix_admin_actions_target", table_name="admin_actions")
    op.drop_index("ix_admin_actions_created", table_name="admin_actions")
    op.drop_table("admin_actions")
    op.execute("DROP TYPE IF EXISTS contest_status")
