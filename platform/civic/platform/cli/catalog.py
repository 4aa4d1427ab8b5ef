"""``civic catalog``: keep the gateway's mirror and CKAN in agreement."""

from __future__ import annotations

import json

import click

from civic.connectors.ckan.interfaces import CkanError
from civic.platform.cli import settings_from
from civic.platform.wiring import build_bootstrap
from civic.services.publishing.reconcile import reconcile as run_reconcile


@click.group()
def catalog() -> None:
    """The catalog mirror."""


@catalog.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def reconcile(ctx: click.Context, as_json: bool) -> None:
    """Repair the mirror from CKAN, and CKAN from the mirror (what pushes missed).

    Changes made in CKAN are taken in; datasets withdrawn in CKAN are withdrawn;
    anything the gateway holds that CKAN lacks gets a new outbox message.
    """
    bootstrap = build_bootstrap(settings_from(ctx))
    try:
        report = run_reconcile(bootstrap.unit_of_work, bootstrap.ckan)
    except CkanError as error:
        raise click.ClickException(f"CKAN could not be read: {error}") from error
    finally:
        bootstrap.close()
    summary = report.as_dict()
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(
            f"CKAN has {summary['seen_in_ckan']} dataset(s); from CKAN: {summary['from_ckan']}; "
            f"sent again to CKAN: {summary['to_ckan']}"
        )
