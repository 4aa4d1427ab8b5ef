"""Accent- and case-insensitive catalog search: `ecoles` finds "écoles" (issue 16).

The search vector keeps its French, English and simple lexemes (so every query that
worked still does, the CKAN facade's included) and gains the same text without its
accents: text search configurations ``civic_french`` and ``civic_simple`` run
PostgreSQL's ``unaccent`` dictionary before stemming. A query's words are looked up
both ways (services/catalog/search.py adds the civic_* configurations), so
``ecoles``, ``Ecoles`` and ``écoles`` find the same datasets.

Revision ID: 687fdf01d0e1
Revises: a4c2e8f0b6d1
Create Date: 2026-12-02 15:45:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "687fdf01d0e1"
down_revision: str | Sequence[str] | None = "a4c2e8f0b6d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIGURATIONS = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION civic_french (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION civic_french
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
CREATE TEXT SEARCH CONFIGURATION civic_simple (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION civic_simple
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
"""
TAGS_AND_NAME = (
    "coalesce(array_to_string(NEW.tags, ' '), '') || ' ' "
    "|| replace(replace(NEW.name, '-', ' '), '_', ' ')"
)
FUNCTION = """
CREATE OR REPLACE FUNCTION civic_datasets_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('french', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('simple', {tags}), 'B')
        || setweight(to_tsvector('french', coalesce(NEW.description, '')), 'C')
        || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C'){unaccented};
    RETURN NEW;
END
$$;
"""
UNACCENTED = """
        || setweight(to_tsvector('civic_french', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('civic_simple', {tags}), 'B')
        || setweight(to_tsvector('civic_french', coalesce(NEW.description, '')), 'C')"""


def upgrade() -> None:
    op.execute(CONFIGURATIONS)
    unaccented = UNACCENTED.format(tags=TAGS_AND_NAME)
    op.execute(FUNCTION.format(tags=TAGS_AND_NAME, unaccented=unaccented))
    op.execute("UPDATE datasets SET title = title")  # every vector, recomputed by the trigger


def downgrade() -> None:
    op.execute(FUNCTION.format(tags=TAGS_AND_NAME, unaccented=""))
    op.execute("UPDATE datasets SET title = title")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS civic_french")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS civic_simple")
