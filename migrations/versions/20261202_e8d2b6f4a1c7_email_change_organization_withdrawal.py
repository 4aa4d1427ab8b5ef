"""Changing one's e-mail address by a link mailed to the new one (the link's target
address beside its token), and organizations withdrawn by an administrator (issue 17).

The enum value added to ``account_token_purpose`` stays on downgrade (PostgreSQL
cannot drop an enum value); links of that purpose are deleted.

Revision ID: e8d2b6f4a1c7
Revises: c3a9e5d7f1b8
Create Date: 2026-12-02 18:45:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e8d2b6f4a1c7"
down_revision: str | Sequence[str] | None = "c3a9e5d7f1b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TYPE account_token_purpose ADD VALUE IF NOT EXISTS 'email_change'")
    op.add_column("account_tokens", sa.Column("new_email", sa.String(length=320), nullable=True))
    op.add_column(
        "organizations", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("organizations", "withdrawn_at")
    op.execute("DELETE FROM account_tokens WHERE new_email IS NOT NULL")
    op.drop_column("account_tokens", "new_email")
