"""``civic simulate``: a plausible platform history for one scenario of the seed.

For now the history is written to a file (``--output``) that ``civic report
--evidence`` reads; writing it through the platform's services (organizations,
datasets, apps, reuses, usage) is the next step.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from civic.services.simulation.files import write_history
from civic.services.simulation.history import simulate as simulate_history
from civic.services.simulation.scenarios import SCENARIOS


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
    default="2025-01-01",
    show_default=True,
    help="First day of the simulated months.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the history (JSON).",
)
def simulate(scenario: str, seed: int, months: int, start: dt.datetime, output: Path) -> None:
    """Simulate a history: publishers, datasets, apps, reuses, calls, suspensions."""
    history = simulate_history(SCENARIOS[scenario], seed=seed, months=months, start=start.date())
    write_history(history, output)
    source = history.source
    click.echo(
        f"{output}: {scenario}, {history.period.start} to {history.period.end}: "
        f"{len(source.organization_list)} organizations, {len(source.dataset_list)} datasets, "
        f"{len(source.app_list)} apps, {len(source.reuse_list)} reuses, "
        f"{len(source.usage_rows)} daily usage rows, {len(source.access_list)} access events"
    )
