"""``civic usage``: import another portal's access logs, roll usage up, run the periodic jobs."""

from __future__ import annotations

import json
import logging
import signal
import time
from dataclasses import asdict
from pathlib import Path
from types import FrameType

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from civic.platform.cli import settings_from
from civic.platform.logs import configure_logging
from civic.platform.wiring import build_bootstrap
from civic.services.usage.importing import FORMATS, ImportFailed, import_log
from civic.services.usage.jobs import PeriodicJobs
from civic.services.usage.partitions import maintain
from civic.services.usage.rollup import roll_up
from civic.services.usage.storage import ImportSink

log = logging.getLogger("civic.usage")


@click.group()
def usage() -> None:
    """Usage events: import access logs, roll them up, run the periodic jobs."""


@usage.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "log_format",
    type=click.Choice(FORMATS),
    default="combined",
    show_default=True,
    help="The log's format (NCSA combined, as nginx and Apache write it; gzip too).",
)
@click.option("--batch-size", type=click.IntRange(100, 1_000_000), default=10_000)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
def import_command(
    ctx: click.Context, path: Path, log_format: str, batch_size: int, as_json: bool
) -> None:
    """Import a CKAN portal's access log as dataset views, downloads and API calls.

    Importing a file again stores nothing twice. Prints the lines read, mapped,
    skipped (not about datasets) and malformed (not in the format).
    """
    settings = settings_from(ctx)
    bootstrap = build_bootstrap(settings)
    sink = ImportSink(bootstrap.engine)
    console = Console(stderr=True)
    started = time.monotonic()
    try:
        with Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=as_json or not console.is_terminal,
        ) as progress:
            task = progress.add_task("import", total=path.stat().st_size)
            counts = import_log(
                path,
                sink.write,
                batch_size=batch_size,
                on_progress=lambda done: progress.update(task, completed=done),
                datasets=sink.known_datasets(),
                resources=sink.known_resources(),
            )
    except ImportFailed as error:
        raise click.ClickException(str(error)) from error
    finally:
        bootstrap.close()
    took = time.monotonic() - started
    summary = {**asdict(counts), "duplicates": counts.duplicates, "seconds": round(took, 2)}
    if as_json:
        click.echo(json.dumps(summary))
        return
    click.echo(
        f"{counts.read} lines read: {counts.mapped} mapped ({counts.inserted} new, "
        f"{counts.duplicates} already imported), {counts.skipped} skipped, "
        f"{counts.malformed} malformed, in {took:.1f}s"
    )
    if counts.malformed_lines:
        shown = ", ".join(str(n) for n in counts.malformed_lines)
        click.echo(f"first malformed lines: {shown}", err=True)


@usage.command()
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def rollup(ctx: click.Context, as_json: bool) -> None:
    """Add the events written since the last rollup to the daily sums (exactly once)."""
    bootstrap = build_bootstrap(settings_from(ctx))
    try:
        run = roll_up(bootstrap.engine)
    finally:
        bootstrap.close()
    if run is None:
        text = "another rollup is running; it will count these events"
        click.echo(json.dumps({"skipped": True}) if as_json else text)
        return
    if as_json:
        click.echo(json.dumps({"skipped": False, **asdict(run)}))
    else:
        click.echo(f"rolled up transactions {run.low}..{run.high}: {run.rows} daily rows")


@usage.command()
@click.option(
    "--retention-months",
    type=click.IntRange(0, 1200),
    default=None,
    help="Months of raw events kept before the current one (default: the setting"
    " usage raw_retention_months; 0 keeps everything).",
)
@click.option("--dry-run", is_flag=True, help="Drop nothing; say what would be dropped.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def partitions(
    ctx: click.Context, retention_months: int | None, dry_run: bool, as_json: bool
) -> None:
    """Look after the monthly partitions of the raw events.

    Makes the current and next months' partitions, moves the events the default
    partition caught into their month's, and drops the months older than the
    retention whose events are all rolled up (their daily sums stay). The worker
    does the same every hour.
    """
    settings = settings_from(ctx)
    keep = settings.usage_raw_retention_months if retention_months is None else retention_months
    bootstrap = build_bootstrap(settings)
    try:
        run = maintain(
            bootstrap.engine,
            retention_months=keep,
            dry_run=dry_run,
            progress=None if as_json else lambda line: click.echo(line, err=True),
        )
    finally:
        bootstrap.close()
    if as_json:
        summary = asdict(run)
        summary["keep_from"] = run.keep_from.isoformat() if run.keep_from else None
        summary["dropped"] = [{**asdict(d), "month": d.month.isoformat()} for d in run.dropped]
        click.echo(json.dumps({"dry_run": dry_run, **summary}))
        return
    freed = sum(d.bytes for d in run.dropped)
    verb = "would drop" if dry_run else "dropped"
    click.echo(
        f"partitions: {len(run.made)} made, {sum(run.moved.values())} events moved from the"
        f" default, {len(run.dropped)} {verb} ({freed / 1e6:,.1f} MB),"
        f" {len(run.kept_not_rolled_up)} kept until rolled up, {len(run.deferred)} deferred"
    )


@usage.command()
@click.option("--once", is_flag=True, help="Roll up and send what is due, then exit.")
@click.pass_context
def worker(ctx: click.Context, once: bool) -> None:
    """Roll usage up every `usage_rollup_interval` seconds and send due webhooks.

    Several may run at once. SIGTERM or SIGINT stop it after the work under way.
    """
    settings = settings_from(ctx)
    configure_logging(settings.log_level)
    bootstrap = build_bootstrap(settings)
    jobs = PeriodicJobs(
        bootstrap.engine,
        bootstrap.session_factory,
        bootstrap.webhook_sender,
        rollup_interval=settings.usage_rollup_interval,
        retry=bootstrap.webhook_retry,
        raw_retention_months=settings.usage_raw_retention_months,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signum)
        jobs.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stats = jobs.run(once=once)
    finally:
        bootstrap.close()  # the webhook sender's connections too
    click.echo(
        f"rollups: {stats.rollups}; deliveries: {dict(stats.deliveries)}; errors: {stats.errors}",
        err=True,
    )
