"""Self-service accounts (issue 17): verified addresses, deleted accounts, one-use mailed
links (verification, password reset) and requests for a role an administrator grants.

Accounts that exist already were made by an operator: they count as verified.

Revision ID: 9d4f2a7c1e30
Revises: 5b0e7d2c9a41
Create Date: 2026-12-02 14:24:48.959989+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9d4f2a7c1e30"
down_revision: str | Sequence[str] | None = "5b0e7d2c9a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose", sa.Enum("verify", "reset", name="account_token_purpose"), nullable=False
        ),
        sa.Column(
            "created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_account_tokens")),
    )
    op.create_index(op.f("ix_account_tokens_user_id"), "account_tokens", ["user_id"], unique=False)
    op.create_table(
        "role_requests",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            postgresql.ENUM(
                "admin", "publisher", "developer", "evaluator", name="user_role", create_type=False
            ),
            nullable=False,
        ),
        sa.Column("organization_name", sa.String(length=300), nullable=True),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "granted", "refused", "withdrawn", name="role_request_status"),
            server_default="pending",
            nullable=False,
        ),
        sa.Column(
            "created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_role_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_requests")),
    )
    op.create_index(
        "ix_role_requests_status_created", "role_requests", ["status", "created"], unique=False
    )
    op.create_index(op.f("ix_role_requests_user_id"), "role_requests", ["user_id"], unique=False)
    op.add_column(
        "users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("users", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created")


def downgrade() -> None:
    op.drop_column("users", "deleted_at")
    op.drop_column("users", "email_verified_at")
    op.drop_index(op.f("ix_role_requests_user_id"), table_name="role_requests")
    op.drop_index("ix_role_requests_status_created", table_name="role_requests")
    op.drop_table("role_requests")
    op.drop_index(op.f("ix_account_tokens_user_id"), table_name="account_tokens")
    op.drop_table("account_tokens")
    op.execute("DROP TYPE IF EXISTS role_request_status")
    op.execute("DROP TYPE IF EXISTS account_token_purpose")
