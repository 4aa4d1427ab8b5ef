"""``civic bench``: the benchmarks of DESIGN.md, the same run as ``make bench``.

The runner is ``tests/bench/run.py``: it starts a throwaway stack, seeds it, drives
the gateway and its peers with ``wrk`` and writes ``var/bench/results.json``. It
lives with the tests because it uses their stack and data helpers, which the
installed package does not ship and which ``civic.platform`` may not import (the
import-linter contracts keep SQL and ckanapi out of the gateway). So this command
runs it as a separate process, ``python -m tests.bench.run``, with the same Python,
in the source checkout: the one around the current folder, else the one this package
was installed from in development mode, or ``--root``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

RUNNER = Path("tests") / "bench" / "run.py"
SIZES = ("quick", "full")


def find_checkout(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``tests/bench/run.py``, if any."""
    for folder in (start, *start.parents):
        if (folder / RUNNER).is_file() and (folder / "pyproject.toml").is_file():
            return folder
    return None


def runner_arguments(
    size: str, seconds: int | None, repetitions: int | None, only: str, out: Path | None
) -> list[str]:
    """The runner's command line for these options (``--size`` always given)."""
    arguments = ["--size", size]
    if seconds is not None:
        arguments += ["--seconds", str(seconds)]
    if repetitions is not None:
        arguments += ["--repetitions", str(repetitions)]
    if only:
        arguments += ["--only", only]
    if out is not None:
        arguments += ["--out", str(out.resolve())]
    return arguments


@click.command()
@click.option(
    "--size",
    type=click.Choice(SIZES),
    default="full",
    show_default=True,
    help="quick: small data, under five minutes; full: the sizes of DESIGN.md.",
)
@click.option("--seconds", type=click.IntRange(1, 600), default=None, help="Length of one wrk run.")
@click.option(
    "--repetitions", type=click.IntRange(1, 50), default=None, help="Pairs of runs per benchmark."
)
@click.option(
    "--only", default="", metavar="ID,ID", help="Comma-separated benchmark ids (default: all)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Results file (default: var/bench/results.json in the checkout).",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The source checkout holding tests/bench (default: found from this package).",
)
def bench(
    size: str,
    seconds: int | None,
    repetitions: int | None,
    only: str,
    out: Path | None,
    root: Path | None,
) -> None:
    """Run the benchmarks against their peers; print the table and write the JSON results.

    Needs a source checkout (the runner is tests/bench/run.py), wrk, PostgreSQL and
    Redis on this machine; it starts and stops its own gateway, worker and CKAN.
    """
    package = Path(__file__).resolve().parent
    if root is not None:
        checkout: Path | None = root.resolve()
    else:
        checkout = find_checkout(Path.cwd()) or find_checkout(package)
    if checkout is None or not (checkout / RUNNER).is_file():
        where = f"in {root}" if root else f"above {Path.cwd()} or {package}"
        raise click.ClickException(
            f"civic bench needs the source checkout: {RUNNER} was not found ({where}). "
            "Run it inside a clone of the repository, or pass --root."
        )
    command = [
        sys.executable,
        "-m",
        "tests.bench.run",
        *runner_arguments(size, seconds, repetitions, only, out),
    ]
    # The runner's own exit status (and its output, streamed as it comes) is ours.
    completed = subprocess.run(command, cwd=checkout, env=os.environ.copy(), check=False)  # noqa: S603 - our own runner, with this interpreter
    if completed.returncode != 0:
        raise SystemExit(completed.returncode)
