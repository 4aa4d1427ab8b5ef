"""Migration b7e3d1f5a902 on a database that already holds one reuse under several URLs.

The earliest keeps the canonical URL, the later published ones are archived with a
recorded reason, and the unique index is created (the migration does not fail).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from tests.integration.test_migrations import alembic, database_url  # noqa: F401 - fixture

pytestmark = pytest.mark.integration

BEFORE = "687fdf01d0e1"
URLS = [
    "https://carte.example.fr/air",  # the earliest
    "http://CARTE.example.fr/air/",
    "https://carte.example.fr:443/air?utm_source=x#top",
    "https://autre.example.fr/",
]


def test_existing_duplicates_keep_the_earliest_and_the_others_are_archived(
    database_url: str,  # noqa: F811 - the fixture
) -> None:
    assert alembic(database_url, "upgrade", BEFORE).returncode == 0
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    app_id = uuid.uuid4()
    ids = [uuid.uuid4() for _ in URLS]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO apps (id, client_id, client_name, registered_via,"
                    " token_endpoint_auth_method, actor_type)"
                    " VALUES (:id, 'c1', 'An app', 'api', 'none', 'citizen')"
                ),
                {"id": app_id},
            )
            for index, (reuse_id, url) in enumerate(zip(ids, URLS, strict=True)):
                connection.execute(
                    sa.text(
                        "INSERT INTO reuses (id, title, url, type, topic, purpose,"
                        " owner_app_id, owner_actor_type, declared_via, created, updated)"
                        " VALUES (:id, 'A map', :url, 'visualization', 'health',"
                        " 'general_interest', :app, 'citizen', 'api', :at, :at)"
                    ),
                    {"id": reuse_id, "url": url, "app": app_id, "at": start + dt.timedelta(index)},
                )
        upgraded = alembic(database_url, "upgrade", "head")
        assert upgraded.returncode == 0, upgraded.stderr
        assert "archived 2 duplicate reuse(s)" in upgraded.stdout
        with engine.connect() as connection:
            rows = {
                row.id: row
                for row in connection.execute(
                    sa.text("SELECT id, canonical_url, state, state_reason FROM reuses")
                )
            }
            events = connection.execute(
                sa.text("SELECT reuse_id, action, reason FROM reuse_moderation_events")
            ).all()
        assert rows[ids[0]].canonical_url == "https://carte.example.fr/air"
        assert rows[ids[0]].state == "published"
        for duplicate in ids[1:3]:
            assert rows[duplicate].canonical_url is None
            assert rows[duplicate].state == "archived"
            assert str(ids[0]) in rows[duplicate].state_reason
        assert rows[ids[3]].canonical_url == "https://autre.example.fr"
        assert sorted(str(e.reuse_id) for e in events) == sorted(str(i) for i in ids[1:3])
        assert all(e.action == "archive" and str(ids[0]) in e.reason for e in events)
        assert alembic(database_url, "downgrade", BEFORE).returncode == 0
    finally:
        engine.dispose()
