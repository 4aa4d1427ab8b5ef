"""The catalog's version: a new value at the commit of any write to the catalog.

Search answers are cached with the version they were computed at (see
``civic.services.catalog.search.SearchCache``). A deferred constraint trigger on the
tables a search document is made of gives ``catalog_version`` a new random value
when a transaction that wrote to them commits: once per transaction, and at commit
only, so no transaction holds the row while it waits for another row (no deadlock),
and a reader never sees the new version before the data.

Revision ID: b7d3e9f15a26
Revises: 845901b4c90e
Create Date: 2026-11-26 11:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d3e9f15a26"
down_revision: str | Sequence[str] | None = "845901b4c90e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("organizations", "datasets", "resources")

BUMP_FUNCTION = """
CREATE OR REPLACE FUNCTION civic_bump_catalog_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the setting is local to it.
    IF current_setting('civic.catalog_version_bumped', true) = 'yes' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('civic.catalog_version_bumped', 'yes', true);
    INSERT INTO catalog_version (id, version) VALUES (1, gen_random_uuid())
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Uuid(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalog_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
    )
    op.execute("INSERT INTO catalog_version (id, version) VALUES (1, gen_random_uuid())")
    op.execute(BUMP_FUNCTION)
    for table in TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER civic_catalog_version AFTER INSERT OR UPDATE OR DELETE"
            f" ON {table} DEFERRABLE INITIALLY DEFERRED"
            f" FOR EACH ROW EXECUTE FUNCTION civic_bump_catalog_version()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS civic_catalog_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS civic_bump_catalog_version()")
    op.drop_table("catalog_version")
