"""``civic simulate``: a plausible platform history for one scenario of the seed.

By default the history is written into the platform's database through its own
services (accounts, organizations, datasets and their way to CKAN, apps, reuses,
suspensions, usage events and their rollups), so the portal, the reports and the
API all show it. ``--output FILE`` writes it to a JSON file instead, which ``civic
report --evidence`` reads without a database.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from civic.platform.cli import settings_from
from civic.platform.wiring import build_bootstrap
from civic.services.errors import DomainError
from civic.services.simulation.files import write_history
from civic.services.simulation.history import History
from civic.services.simulation.history import simulate as simulate_history
from civic.services.simulation.scenarios import SCENARIOS
from civic.services.simulation.seeding import (
    Progress,
    SeedRefused,
    platform_is_empty,
    refresh_statistics,
    seed_history,
)


def default_start(months: int, today: dt.date | None = None) -> dt.date:
    """The first day of the month ``months`` months before this one: the history ends
    with last month, so the reports' default period (the last 365 days) shows it."""
    today = today or dt.datetime.now(dt.UTC).date()
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


@click.command()
@click.option(
    "--scenario",
    type=click.Choice(sorted(SCENARIOS)),
    required=True,
    help="Which model of the seed the history follows (or mixed).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same history.")
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day of the simulated months (default: so that they end with last month).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the history to this JSON file instead of the database.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (and succeed) when the database already holds a platform.",
)
@click.pass_context
def simulate(
    ctx: click.Context,
    scenario: str,
    seed: int,
    months: int,
    start: dt.datetime | None,
    output: Path | None,
    if_empty: bool,
) -> None:
    """Simulate a history: publishers, datasets, apps, reuses, calls, suspensions."""
    first_day = start.date() if start else default_start(months)
    history = simulate_history(SCENARIOS[scenario], seed=seed, months=months, start=first_day)
    if output is not None:
        write_history(history, output)
        click.echo(f"{output}: {_describe(scenario, history)}")
        return
    _seed(ctx, scenario, history, if_empty=if_empty)


def _seed(ctx: click.Context, scenario: str, history: History, *, if_empty: bool) -> None:
    settings = settings_from(ctx)
    bootstrap = build_bootstrap(settings)
    began = time.monotonic()
    try:
        with bootstrap.unit_of_work() as uow:
            empty = platform_is_empty(uow)
        if not empty and if_empty:
            # A demo written before seeding analyzed its tables gets its statistics now.
            refresh_statistics(bootstrap)
            click.echo("the platform already has data: no history simulated")
            return
        click.echo(f"simulating {_describe(scenario, history)}", err=True)
        seeded = seed_history(
            bootstrap,
            history,
            licenses=settings.catalog_licenses,
            topics=settings.reuse_topics,
            progress=_progress(),
        )
    except (SeedRefused, DomainError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        bootstrap.close()
    click.echo(
        f"{scenario}, {history.period.start} to {history.period.end}, written in "
        f"{time.monotonic() - began:.1f} s: {seeded.summary()}"
    )
    if seeded.left_out:
        click.echo(f"left out ({len(seeded.left_out)}), first: {seeded.left_out[0]}")


def _progress() -> Progress:
    last: dict[str, float] = {}

    def report(step: str, done: int) -> None:
        now = time.monotonic()
        if now - last.get(step, 0.0) >= 1.0:  # at most a line a second per step
            last[step] = now
            click.echo(f"  {step}: {done}", err=True)

    return report


def _describe(scenario: str, history: History) -> str:
    source = history.source
    return (
        f"{scenario}, {history.period.start} to {history.period.end}: "
        f"{len(source.organization_list)} organizations, {len(source.dataset_list)} datasets, "
        f"{len(source.app_list)} apps, {len(source.reuse_list)} reuses, "
        f"{len(source.usage_rows)} daily usage rows, {len(source.access_list)} access events"
    )
