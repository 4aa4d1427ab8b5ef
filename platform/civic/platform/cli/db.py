"""``civic db``: migrate the gateway's database with Alembic."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click

from civic.platform.cli import settings_from
from civic.platform.settings import redact_url
from civic.services import schema

T = TypeVar("T")


@click.group()
def db() -> None:
    """Migrate the gateway's database (URL from the settings: CIVIC_DATABASE_URL...)."""


@db.command()
@click.argument("revision", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.pass_context
def upgrade(ctx: click.Context, revision: str, sql: bool) -> None:
    """Upgrade the database to REVISION (default: head)."""
    url = settings_from(ctx).database_url
    _run(lambda: schema.upgrade(url, revision, sql=sql, output=sys.stdout))
    if not sql:
        click.echo(f"database {redact_url(url)} upgraded to {revision}", err=True)


@db.command()
@click.argument("revision")
@click.option(
    "--sql", is_flag=True, help="Print the SQL instead of running it (REVISION as head:base)."
)
@click.pass_context
def downgrade(ctx: click.Context, revision: str, sql: bool) -> None:
    """Downgrade the database to REVISION (`base` removes every table)."""
    url = settings_from(ctx).database_url
    _run(lambda: schema.downgrade(url, revision, sql=sql, output=sys.stdout))
    if not sql:
        click.echo(f"database {redact_url(url)} downgraded to {revision}", err=True)


@db.command()
@click.pass_context
def current(ctx: click.Context) -> None:
    """Print the revision the database is at (nothing before the first upgrade)."""
    url = settings_from(ctx).database_url
    heads = set(_run(schema.head_revisions))
    revisions = _run(lambda: schema.current_revisions(url))
    for revision in revisions:
        click.echo(f"{revision} (head)" if revision in heads else revision)


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except schema.SchemaError as error:
        raise click.ClickException(str(error)) from error
