"""``civic publish PATH``: publish the datasets of a Data Package (file or URL) or a CSV."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from civic.platform.cli import settings_from
from civic.platform.wiring import build_bootstrap
from civic.services.bootstrap import Bootstrap
from civic.services.catalog.permissions import actor_for_user
from civic.services.errors import DomainError
from civic.services.identity.accounts import find_user
from civic.services.publishing.status import sync_counts

if TYPE_CHECKING:
    from civic.services.publishing.bulk import BulkReport, Entry


def _source(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return value
    return str(click.Path(exists=True, dir_okay=False).convert(value, param, ctx))


def _base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter("an http(s) URL, e.g. https://example.org/data/", ctx, param)
    return value


@click.command()
@click.argument("path", callback=_source)
@click.option("--as", "email", required=True, help="Email of the publisher (or admin) acting.")
@click.option("--organization", default=None, help="Organization of datasets that name none.")
@click.option(
    "--license",
    "license_id",
    default=None,
    help="Licence of datasets that name none (an SPDX id or a known alias).",
)
@click.option(
    "--base-url",
    default=None,
    callback=_base_url,
    help="URL the descriptor's folder is served at: relative resource paths are resolved"
    " against it (default: the descriptor's own URL when PATH is one).",
)
@click.option("--dry-run", is_flag=True, help="Validate and show what would change; write nothing.")
@click.option(
    "--wait",
    type=click.FloatRange(0, 3600),
    default=0.0,
    help="Seconds to wait for the worker to deliver to CKAN before the summary.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def publish(
    ctx: click.Context,
    path: str,
    email: str,
    organization: str | None,
    license_id: str | None,
    base_url: str | None,
    dry_run: bool,
    wait: float,
    as_json: bool,
) -> None:
    """Publish every dataset of PATH: a Frictionless Data Package, or a CSV.

    PATH is a datapackage.json, .yaml or .yml file, or its http(s) URL, whose relative
    resource paths are then resolved against that URL (or --base-url). Each dataset is
    created, or updated when it exists; running the same file again changes nothing.
    Exits with status 1, listing the failing datasets, when any fails.
    """
    # Imported here so that the other civic commands do not load frictionless (0.3 s).
    from civic.services.publishing.bulk import publish_entries, read_entries  # noqa: PLC0415

    settings = settings_from(ctx)
    bootstrap = build_bootstrap(settings)
    console = Console(stderr=True)
    try:
        entries = read_entries(
            path,
            default_organization=organization,
            default_license=license_id,
            base_url=base_url,
            user_agent=settings.user_agent,
        )
        with bootstrap.unit_of_work() as uow:
            actor = actor_for_user(uow, find_user(uow, email))
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=as_json,
        ) as progress:
            task = progress.add_task("checking" if dry_run else "publishing", total=len(entries))
            report = publish_entries(
                bootstrap,
                actor,
                entries,
                licenses=list(settings.catalog_licenses),
                dry_run=dry_run,
                progress=lambda _: progress.advance(task),
            )
        synced = _wait_for_ckan(bootstrap, report, wait) if wait and not dry_run else None
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    finally:
        bootstrap.close()
    _show(report, synced, entries, dry_run=dry_run, as_json=as_json)
    if not report.ok:
        ctx.exit(1)


def _wait_for_ckan(bootstrap: Bootstrap, report: BulkReport, wait: float) -> dict[str, int]:
    names = report.created + report.updated
    deadline = time.monotonic() + wait
    while True:
        with bootstrap.unit_of_work() as uow:
            counts = sync_counts(uow, names)
        if not counts.get("pending") or time.monotonic() >= deadline:
            return counts
        time.sleep(0.5)


def _show(
    report: BulkReport,
    synced: dict[str, int] | None,
    entries: list[Entry],
    *,
    dry_run: bool,
    as_json: bool,
) -> None:
    notes = [(entry.where, entry.name, note) for entry in entries for note in entry.notes]
    if as_json:
        body = {
            "dry_run": dry_run,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "failed": [{"where": w, "name": n, "error": e} for w, n, e in report.failed],
            "sync": synced,
            "notes": [{"where": w, "name": n, "note": note} for w, n, note in notes],
        }
        click.echo(json.dumps(body, indent=2))
        return
    console = Console()
    verb = "would be " if dry_run else ""
    table = Table(title="civic publish" + (" (dry run)" if dry_run else ""))
    table.add_column("outcome")
    table.add_column("datasets", justify="right")
    table.add_row(f"{verb}created", str(len(report.created)))
    table.add_row(f"{verb}updated", str(len(report.updated)))
    table.add_row("unchanged", str(len(report.unchanged)))
    table.add_row("failed", str(len(report.failed)), style="red" if report.failed else None)
    if synced is not None:
        for status, count in sorted(synced.items()):
            table.add_row(f"CKAN: {status}", str(count))
    console.print(table)
    if notes:
        derived = Table(title="notes (what was derived or left out)")
        derived.add_column("where")
        derived.add_column("name")
        derived.add_column("note")
        for where, name, note in notes:
            derived.add_row(where, name or "-", note)
        console.print(derived)
    if report.failed:
        failures = Table(title="failing rows", title_style="bold red")
        failures.add_column("where")
        failures.add_column("name")
        failures.add_column("error")
        for where, name, error in report.failed:
            failures.add_row(where, name or "-", error)
        console.print(failures)
