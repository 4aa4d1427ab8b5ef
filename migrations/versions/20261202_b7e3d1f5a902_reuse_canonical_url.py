"""One reuse per canonical URL (issue 18): ``reuses.canonical_url``, unique.

Each reuse's canonical URL is computed by :func:`civic.services.reuses.urls.canonical_url`
(scheme, host case, IDNA, default port, trailing slash, fragment, tracking parameters,
Unicode normalization). Reuses already declared twice under variants of one address
must not stop the migration: the earliest (by ``created``, then id) keeps the
canonical URL; each later one keeps its row, its datasets and its history, gets no
canonical URL (null, which the unique index allows), and, when it was published, is
archived with a recorded moderation event whose reason names the reuse it duplicates,
so that the evidence counts it once. The migration prints how many it archived.
An offline (``--sql``) script cannot run Python over the rows: it adds the column
and the index, and existing reuses keep a null canonical URL (new ones get theirs).
Downgrading drops the column and its index; the archiving is not undone.

Revision ID: b7e3d1f5a902
Revises: 687fdf01d0e1
Create Date: 2026-12-02 19:10:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from civic.services.reuses.urls import canonical_url

revision: str = "b7e3d1f5a902"
down_revision: str | Sequence[str] | None = "687fdf01d0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIGRATION_LABEL = "migration b7e3d1f5a902 (one reuse per canonical URL)"


def upgrade() -> None:
    op.add_column("reuses", sa.Column("canonical_url", sa.String(length=2000), nullable=True))
    if context.is_offline_mode():
        op.execute("-- existing reuses: canonical URLs are filled in by an online upgrade only")
    else:
        _fill_canonical_urls()
    op.create_index("ix_reuses_canonical_url", "reuses", ["canonical_url"], unique=True)


def _fill_canonical_urls() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, url, state FROM reuses ORDER BY created, id")
    ).all()
    first: dict[str, object] = {}
    archived = 0
    for reuse_id, url, state in rows:
        try:
            canonical = canonical_url(url)
        except ValueError:
            continue  # not an http(s) address with a host: stays without a canonical URL
        if canonical not in first:
            first[canonical] = reuse_id
            connection.execute(
                sa.text("UPDATE reuses SET canonical_url = :c WHERE id = :id"),
                {"c": canonical, "id": reuse_id},
            )
            continue
        if state != "published":
            continue
        reason = (
            f"duplicate of reuse {first[canonical]} (same canonical URL {canonical}); "
            "archived when reuses became one per canonical URL"
        )
        connection.execute(
            sa.text("UPDATE reuses SET state = 'archived', state_reason = :reason WHERE id = :id"),
            {"reason": reason, "id": reuse_id},
        )
        connection.execute(
            sa.text(
                "INSERT INTO reuse_moderation_events"
                " (reuse_id, action, from_state, to_state, reason, actor_id, actor_label)"
                " VALUES (:id, 'archive', 'published', 'archived', :reason, NULL, :label)"
            ),
            {"id": reuse_id, "reason": reason, "label": MIGRATION_LABEL},
        )
        archived += 1
    if archived:
        print(f"{MIGRATION_LABEL}: archived {archived} duplicate reuse(s)")


def downgrade() -> None:
    op.drop_index("ix_reuses_canonical_url", table_name="reuses")
    op.drop_column("reuses", "canonical_url")
