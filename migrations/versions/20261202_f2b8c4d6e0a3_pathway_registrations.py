"""Pre-registration of the pathway set: frozen contents, versions and times (issue 18).

Revision ID: f2b8c4d6e0a3
Revises: e8d2b6f4a1c7
Create Date: 2026-12-02 19:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f2b8c4d6e0a3"
down_revision: str | Sequence[str] | None = "e8d2b6f4a1c7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pathway_registrations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=320), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_registrations")),
    )
    op.create_index(
        "ix_pathway_registrations_registered_at",
        "pathway_registrations",
        ["registered_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_pathway_registrations_registered_at", table_name="pathway_registrations")
    op.drop_table("pathway_registrations")
