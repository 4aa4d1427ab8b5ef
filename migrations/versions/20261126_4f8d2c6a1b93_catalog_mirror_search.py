"""Catalog mirror: live-name uniqueness, formats, CKAN's modification time, full-text search.

Revision ID: 4f8d2c6a1b93
Revises: 7c1e5a9d2b40
Create Date: 2026-11-26 06:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "4f8d2c6a1b93"
down_revision: str | Sequence[str] | None = "7c1e5a9d2b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# French and English stemming of the same text, so that a query in either language
# finds it; tags and the slug with the "simple" configuration (no stemming), as
# Solr's exact-match fields would. A trigger rather than a generated column: the
# expression uses array_to_string, which PostgreSQL marks stable, not immutable.
SEARCH_FUNCTION = """
CREATE OR REPLACE FUNCTION civic_datasets_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('french', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(
            to_tsvector(
                'simple',
                coalesce(array_to_string(NEW.tags, ' '), '') || ' '
                || replace(replace(NEW.name, '-', ' '), '_', ' ')
            ),
            'B'
        )
        || setweight(to_tsvector('french', coalesce(NEW.description, '')), 'C')
        || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
    RETURN NEW;
END
$$;
"""
SEARCH_TRIGGER = """
CREATE TRIGGER civic_datasets_search_vector
BEFORE INSERT OR UPDATE OF title, description, tags, name ON datasets
FOR EACH ROW EXECUTE FUNCTION civic_datasets_search_vector();
"""


def upgrade() -> None:
    op.drop_constraint("uq_datasets_name", "datasets", type_="unique")
    op.create_index(
        "uq_datasets_live_name",
        "datasets",
        ["name"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.add_column(
        "datasets",
        sa.Column("formats", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
    )
    op.add_column("datasets", sa.Column("ckan_modified", sa.DateTime(timezone=True), nullable=True))
    op.add_column("datasets", sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True))
    op.create_index("ix_datasets_formats", "datasets", ["formats"], postgresql_using="gin")
    op.create_index(
        "ix_datasets_search_vector", "datasets", ["search_vector"], postgresql_using="gin"
    )
    op.create_index("ix_datasets_modified", "datasets", ["modified"])
    op.execute(SEARCH_FUNCTION)
    op.execute(SEARCH_TRIGGER)
    # Rows written before this revision get their vector now.
    op.execute("UPDATE datasets SET title = title")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS civic_datasets_search_vector ON datasets")
    op.execute("DROP FUNCTION IF EXISTS civic_datasets_search_vector()")
    op.drop_index("ix_datasets_modified", table_name="datasets")
    op.drop_index("ix_datasets_search_vector", table_name="datasets")
    op.drop_index("ix_datasets_formats", table_name="datasets")
    op.drop_column("datasets", "search_vector")
    op.drop_column("datasets", "ckan_modified")
    op.drop_column("datasets", "formats")
    op.drop_index("uq_datasets_live_name", table_name="datasets")
    op.create_unique_constraint("uq_datasets_name", "datasets", ["name"])
