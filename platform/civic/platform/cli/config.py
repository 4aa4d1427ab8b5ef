"""``civic config``: what the platform would run with."""

from __future__ import annotations

import json

import click

from civic.platform.cli import settings_from


@click.group()
def config() -> None:
    """Inspect the settings (config/<env>.toml, then CIVIC_* variables)."""


@config.command()
@click.pass_context
def show(ctx: click.Context) -> None:
    """Print the effective settings as JSON, secrets and URL passwords masked."""
    click.echo(json.dumps(settings_from(ctx).redacted(), indent=2))
