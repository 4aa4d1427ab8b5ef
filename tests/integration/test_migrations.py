"""Migrations against the real PostgreSQL: empty database -> head -> base, cleanly.

Each test gets a throwaway database of its own (unique name, dropped at the end), so
it never touches a developer's data or the integration stack's databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from tests.schema import DOMAIN_TABLES

from civic.platform.cli import main
from civic.services.models import metadata
from civic.services.schema import head_revisions

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# The server's maintenance database, to create and drop the throwaway ones.
ADMIN_URL = os.environ.get(
    "CIVIC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DOMAIN_ENUMS = {
    "organization_level",
    "sync_status",
    "user_role",
    "actor_type",
    "app_status",
    "access_action",
    "usage_kind",
    "usage_source",
    "reuse_type",
    "reuse_purpose",
    "reuse_state",
    "reuse_moderation_action",
    "webhook_delivery_status",
    "account_token_purpose",
    "role_request_status",
    "contest_status",
}


@pytest.fixture
def database_url() -> Iterator[str]:
    name = f"civic_migrations_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = sa.make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def inspect(url: str) -> tuple[set[str], set[str]]:
    """The tables and enum types of the public schema."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            enums = set(
                connection.execute(
                    sa.text(
                        "SELECT t.typname FROM pg_type t"
                        " JOIN pg_namespace n ON n.oid = t.typnamespace"
                        " WHERE t.typtype = 'e' AND n.nspname = 'public'"
                    )
                ).scalars()
            )
    finally:
        engine.dispose()
    return tables, enums


def schema_drift(url: str) -> list[object]:
    """What Alembic's autogenerate would still change: nothing if models and migrations agree."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The plain alembic command line, as an operator would run it from the repository."""
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env={**os.environ, "CIVIC_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


def test_alembic_upgrades_an_empty_database_and_downgrades_it_to_empty(database_url: str) -> None:
    assert inspect(database_url) == (set(), set())

    upgraded = alembic(database_url, "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    tables, enums = inspect(database_url)
    assert tables == DOMAIN_TABLES | {"alembic_version"}
    assert enums == DOMAIN_ENUMS
    assert schema_drift(database_url) == []

    downgraded = alembic(database_url, "downgrade", "base")
    assert downgraded.returncode == 0, downgraded.stderr
    assert inspect(database_url) == ({"alembic_version"}, set())

    again = alembic(database_url, "upgrade", "head")  # the downgrade left nothing in the way
    assert again.returncode == 0, again.stderr


def test_civic_db_commands_migrate_and_report_the_revision(database_url: str) -> None:
    runner = CliRunner()
    env = {"CIVIC_DATABASE_URL": database_url, "CIVIC_ENV": "test"}
    (head,) = head_revisions()

    before = runner.invoke(main, ["db", "current"], env=env)
    assert before.exit_code == 0, before.output
    assert before.output == ""

    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert runner.invoke(main, ["db", "current"], env=env).output == f"{head} (head)\n"
    assert inspect(database_url)[0] == DOMAIN_TABLES | {"alembic_version"}

    downgraded = runner.invoke(main, ["db", "downgrade", "base"], env=env)
    assert downgraded.exit_code == 0, downgraded.output
    assert runner.invoke(main, ["db", "current"], env=env).output == ""
    assert inspect(database_url) == ({"alembic_version"}, set())


def test_the_schema_enforces_what_the_models_promise(database_url: str) -> None:
    assert alembic(database_url, "upgrade", "head").returncode == 0
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            org_id = connection.execute(
                sa.text(
                    "INSERT INTO organizations (name, title, level)"
                    " VALUES ('region-x', 'Region X', 'regional') RETURNING id"
                )
            ).scalar_one()
            row = connection.execute(
                sa.text(
                    "INSERT INTO datasets (name, title, organization_id)"
                    " VALUES ('budget-2024', 'Budget', :org) RETURNING sync_status, tags, created"
                ),
                {"org": org_id},
            ).one()
            assert row.sync_status == "pending"
            assert row.tags == []
            assert row.created is not None
        for bad in (
            "INSERT INTO organizations (name, title, level) VALUES ('Bad Name', 't', 'local')",
            "INSERT INTO organizations (name, title, level) VALUES ('ok-name', 't', 'galactic')",
            "INSERT INTO organizations (name, title, level) VALUES ('region-x', 't', 'local')",
        ):
            with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
                connection.execute(sa.text(bad))
    finally:
        engine.dispose()


def test_unreachable_database_is_a_clean_error() -> None:
    result = CliRunner().invoke(
        main,
        ["db", "current"],
        env={"CIVIC_DATABASE_URL": "postgresql+psycopg://civic:s3cret@127.0.0.1:1/none"},
    )
    assert result.exit_code == 1
    assert "OperationalError" in result.output
    assert "s3cret" not in result.output
