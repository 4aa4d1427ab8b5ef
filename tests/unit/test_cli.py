"""The `civic` command line: db, config, serve; errors are messages, not tracebacks."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from civic.platform.cli import main
from civic.platform.settings import REDACTED
from civic.services.schema import head_revisions

PRODUCTION = {
    "CIVIC_ENV": "production",
    "CIVIC_DATABASE_URL": "postgresql+psycopg://civic:db-pass@db/civic",
    "CIVIC_REDIS_URL": "redis://:redis-pass@cache:6379/0",
    "CIVIC_CKAN_URL": "http://ckan:5000",
    "CIVIC_CKAN_API_TOKEN": "ckan-token-value",
    "CIVIC_SECRET_KEY": "flask-secret-value",
}


def test_help_lists_the_command_groups(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "config", "serve"):
        assert command in result.output
    db_help = runner.invoke(main, ["db", "--help"])
    for command in ("upgrade", "downgrade", "current"):
        assert command in db_help.output


def test_config_show_prints_the_settings_with_secrets_masked(runner: CliRunner) -> None:
    result = runner.invoke(main, ["config", "show"], env=PRODUCTION)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["env"] == "production"
    assert shown["ckan_api_token"] == REDACTED
    assert shown["secret_key"] == REDACTED
    assert shown["database_url"] == f"postgresql+psycopg://civic:{REDACTED}@db/civic"
    for secret in ("db-pass", "redis-pass", "ckan-token-value", "flask-secret-value"):
        assert secret not in result.output


def test_env_option_chooses_the_file(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--env", "development", "config", "show"])
    assert json.loads(result.output)["env"] == "development"


def test_invalid_settings_are_a_message_not_a_traceback(runner: CliRunner) -> None:
    result = runner.invoke(main, ["config", "show"], env={"CIVIC_ENV": "production"})
    assert result.exit_code == 1
    assert "CIVIC_DATABASE_URL" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, AttributeError | TypeError)


def test_db_upgrade_sql_prints_the_schema(runner: CliRunner) -> None:
    result = runner.invoke(main, ["db", "upgrade", "--sql"])
    assert result.exit_code == 0, result.output
    for statement in (
        "CREATE TYPE organization_level AS ENUM ('national', 'regional', 'local')",
        "CREATE TYPE sync_status AS ENUM ('pending', 'synced', 'failed')",
        "CREATE TABLE organizations",
        "CREATE TABLE datasets",
        "CREATE TABLE resources",
        "CREATE TABLE outbox",
        "CREATE TABLE users",
        "CREATE TABLE apps",
        "CREATE TABLE oauth_tokens",
    ):
        assert statement in result.output
    (head,) = head_revisions()
    assert "INSERT INTO alembic_version (version_num) VALUES" in result.output
    # The last revision moves the version to the head.
    assert f"version_num='{head}'" in result.output or f"('{head}')" in result.output


def test_db_downgrade_sql_drops_tables_and_types(runner: CliRunner) -> None:
    result = runner.invoke(main, ["db", "downgrade", "head:base", "--sql"])
    assert result.exit_code == 0, result.output
    for statement in (
        "DROP TABLE datasets",
        "DROP TYPE sync_status",
        "DROP TYPE organization_level",
    ):
        assert statement in result.output


def test_db_unknown_revision_is_a_message(runner: CliRunner) -> None:
    result = runner.invoke(main, ["db", "upgrade", "no-such-revision", "--sql"])
    assert result.exit_code == 1
    assert "no-such-revision" in result.output
    assert "Traceback" not in result.output


def test_db_downgrade_needs_a_revision(runner: CliRunner) -> None:
    result = runner.invoke(main, ["db", "downgrade"])
    assert result.exit_code == 2
    assert "REVISION" in result.output


def test_serve_refuses_the_debugger_in_production(runner: CliRunner) -> None:
    result = runner.invoke(main, ["serve", "--debug"], env=PRODUCTION)
    assert result.exit_code == 2
    assert "--debug is refused" in result.output


def test_serve_validates_the_port(runner: CliRunner) -> None:
    result = runner.invoke(main, ["serve", "--port", "70000"])
    assert result.exit_code == 2


def test_later_modules_can_add_commands(runner: CliRunner) -> None:
    @click.command("hello-test")
    def hello() -> None:
        click.echo("hello")

    main.add_command(hello)
    try:
        assert runner.invoke(main, ["hello-test"]).output == "hello\n"
    finally:
        main.commands.pop("hello-test")


@pytest.mark.parametrize("args", [["--help"], ["db", "--help"], ["serve", "--help"]])
def test_help_needs_no_configuration(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(main, args, env={"CIVIC_ENV": "does-not-exist"})
    assert result.exit_code == 0
