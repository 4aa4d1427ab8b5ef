"""The version of who may call: a new value at the commit of any change that can make a
checked bearer token invalid.

Checked access tokens are cached per gateway worker with the version they were checked
at (see ``civic.platform.read_cache``); every API call reads the version first, so a
revoked token, a suspended or deleted app, or a disabled account stops at the next call
in every worker, as when nothing was cached. A deferred constraint trigger, as for
``catalog_version``: once per transaction, at its commit only.

What a cached check depends on: the token row (``oauth_tokens``), its app (``apps``), the
person it acts for (``users``: role, active, deleted). New rows change no checked token,
so inserts do not count; neither do the users' other columns (a login's time and
failed-attempt counter change at every login).

Revision ID: c3a9e5d7f1b8
Revises: b7e3d1f5a902
Create Date: 2026-12-02 18:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3a9e5d7f1b8"
down_revision: str | Sequence[str] | None = "b7e3d1f5a902"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = {
    "oauth_tokens": "UPDATE OR DELETE",
    "apps": "UPDATE OR DELETE",
    "users": "UPDATE OF role, is_active, deleted_at OR DELETE",
}

BUMP_FUNCTION = """
CREATE OR REPLACE FUNCTION civic_bump_auth_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the setting is local to it.
    IF current_setting('civic.auth_version_bumped', true) = 'yes' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('civic.auth_version_bumped', 'yes', true);
    INSERT INTO auth_version (id, version) VALUES (1, gen_random_uuid())
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "auth_version",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Uuid(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_auth_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_version")),
    )
    op.execute("INSERT INTO auth_version (id, version) VALUES (1, gen_random_uuid())")
    op.execute(BUMP_FUNCTION)
    for table, events in EVENTS.items():
        op.execute(
            f"CREATE CONSTRAINT TRIGGER civic_auth_version AFTER {events}"
            f" ON {table} DEFERRABLE INITIALLY DEFERRED"
            f" FOR EACH ROW EXECUTE FUNCTION civic_bump_auth_version()"
        )


def downgrade() -> None:
    for table in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS civic_auth_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS civic_bump_auth_version()")
    op.drop_table("auth_version")
