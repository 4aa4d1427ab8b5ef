"""Personal API tokens: long-lived keys of a person, counted for one of their apps.

Revision ID: 3e8a61c0d5f7
Revises: b7d3e9f15a26
Create Date: 2026-12-02 14:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e8a61c0d5f7"
down_revision: str | Sequence[str] | None = "b7d3e9f15a26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_tokens",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.Text(), server_default="", nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column("created_via", sa.String(length=20), nullable=False),
        sa.Column(
            "created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=50), nullable=True),
        sa.CheckConstraint(
            "length(btrim(name)) > 0", name=op.f("ck_personal_tokens_name_required")
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["apps.id"],
            name=op.f("fk_personal_tokens_app_id_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_personal_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_personal_tokens_token_hash")),
    )
    op.create_index("ix_personal_tokens_app_id", "personal_tokens", ["app_id"], unique=False)
    op.create_index(
        "ix_personal_tokens_user_id_created",
        "personal_tokens",
        ["user_id", "created"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_personal_tokens_user_id_created", table_name="personal_tokens")
    op.drop_index("ix_personal_tokens_app_id", table_name="personal_tokens")
    op.drop_table("personal_tokens")
