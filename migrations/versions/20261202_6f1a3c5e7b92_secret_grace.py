"""A rotated client secret may keep working for a grace period beside the new one
(issue 17): the replaced secret's hash and when it stops.

Revision ID: 6f1a3c5e7b92
Revises: 2c7e9b4d8f51
Create Date: 2026-12-02 15:07:28.175979+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "6f1a3c5e7b92"
down_revision: str | Sequence[str] | None = "2c7e9b4d8f51"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("apps", sa.Column("previous_secret_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "apps", sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("apps", "previous_secret_expires_at")
    op.drop_column("apps", "previous_secret_hash")
