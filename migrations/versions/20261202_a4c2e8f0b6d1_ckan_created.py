"""CKAN's metadata_created kept on the mirror's datasets, so the CKAN facade's
package_show gives CKAN's own value (issue 13).

Revision ID: a4c2e8f0b6d1
Revises: 6f1a3c5e7b92
Create Date: 2026-12-02 15:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4c2e8f0b6d1"
down_revision: str | Sequence[str] | None = "6f1a3c5e7b92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("datasets", sa.Column("ckan_created", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("datasets", "ckan_created")
