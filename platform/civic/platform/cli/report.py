"""``civic report``: the pathway evidence report and the reuse report, to a file.

The evidence is the platform's database, or a simulated history written by
``civic simulate`` (``--evidence FILE``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from civic.platform.cli.session import unit_of_work
from civic.platform.reports.html import pathway_report_html
from civic.platform.reports.pathways import default_pathways
from civic.services.admin.audit import OPERATOR_LABEL
from civic.services.evaluation.documents import pathway_report_document, pathway_report_json
from civic.services.evaluation.errors import EvaluationError
from civic.services.evaluation.exports import pathway_report_csv, reuse_report_csv
from civic.services.evaluation.pathways import load_pathways
from civic.services.evaluation.preregistration import Registration
from civic.services.evaluation.records import LEVELS, Period, Scope
from civic.services.evaluation.registrations import register as register_pathways
from civic.services.evaluation.registrations import registrations
from civic.services.evaluation.report import build_pathway_report
from civic.services.evaluation.reuse_report import build_reuse_report
from civic.services.evaluation.sources import EvidenceSource
from civic.services.evaluation.sql_source import evidence_source
from civic.services.simulation.files import read_evidence


def _scope_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(
        (
            click.option(
                "--from",
                "start",
                type=click.DateTime(["%Y-%m-%d"]),
                default=None,
                help="First day (default: the evidence file's, else a year ago).",
            ),
            click.option(
                "--to",
                "end",
                type=click.DateTime(["%Y-%m-%d"]),
                default=None,
                help="Last day, included (default: the evidence file's, else yesterday).",
            ),
            click.option("--organization", default=None, help="Only this publisher's datasets."),
            click.option(
                "--level",
                type=click.Choice(LEVELS),
                default=None,
                help="Only datasets of publishers of this level.",
            ),
            click.option("--territory", default=None, help="Only datasets of this territory."),
            click.option(
                "--evidence",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=None,
                help="A history from `civic simulate` instead of the database.",
            ),
            click.option(
                "--output",
                type=click.Path(dir_okay=False, path_type=Path),
                required=True,
                help="Where to write the report.",
            ),
        )
    ):
        command = option(command)
    return command


@click.group()
def report() -> None:
    """Evaluators' reports: pathway evidence and reuse."""


@contextmanager
def _evidence(
    ctx: click.Context, evidence: Path | None, start: dt.datetime | None, end: dt.datetime | None
) -> Iterator[tuple[EvidenceSource, Period, list[Registration]]]:
    """The evidence (a file's, else the database's), the period, and the registrations
    of the pathway set (none for a file)."""
    try:
        if evidence is not None:
            source, period, _ = read_evidence(evidence)
            yield source, _period(start, end, period), []
            return
        with unit_of_work(ctx) as uow:
            yield evidence_source(uow), _period(start, end, None), registrations(uow)
    except (EvaluationError, ValueError) as error:
        raise click.ClickException(str(error)) from error


def _period(start: dt.datetime | None, end: dt.datetime | None, default: Period | None) -> Period:
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    last = end.date() if end else (default.end if default else yesterday)
    first = start.date() if start else (default.start if default else last - dt.timedelta(days=364))
    return Period(first, last)


@report.command()
@_scope_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["html", "json", "csv"]),
    default="html",
    show_default=True,
)
@click.option(
    "--pathways",
    "--catalog",
    "pathways_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The pathways file (default: config/pathways.toml; --catalog is its old name).",
)
@click.pass_context
def pathways(
    ctx: click.Context,
    start: dt.datetime | None,
    end: dt.datetime | None,
    organization: str | None,
    level: str | None,
    territory: str | None,
    evidence: Path | None,
    output: Path,
    output_format: str,
    pathways_path: Path | None,
) -> None:
    """The pathway evidence report: each model, pathway and lever of the seed, checked."""
    try:
        pathway_set = load_pathways(pathways_path or default_pathways())
    except EvaluationError as error:
        raise click.ClickException(str(error)) from error
    scope = Scope(organization, level, territory)
    with _evidence(ctx, evidence, start, end) as (source, period, registered):
        built = build_pathway_report(source, pathway_set, period, scope, registrations=registered)
    if output_format == "html":
        text = pathway_report_html(built)
    elif output_format == "json":
        text = json.dumps(pathway_report_json(built), indent=2, ensure_ascii=False)
    else:
        text = pathway_report_csv(pathway_report_document(built))
    output.write_text(text, encoding="utf-8")
    counts = {verdict: 0 for verdict in ("supported", "contradicted", "mixed", "inconclusive")}
    for verdict in built.verdicts:
        counts[verdict.verdict] += 1
    click.echo(
        f"{output}: {period.start} to {period.end}, pathways {pathway_set.version[:19]}; "
        + ", ".join(f"{n} {verdict}" for verdict, n in counts.items())
    )


@report.command()
@_scope_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv"]),
    default="csv",
    show_default=True,
)
@click.pass_context
def reuse(
    ctx: click.Context,
    start: dt.datetime | None,
    end: dt.datetime | None,
    organization: str | None,
    level: str | None,
    territory: str | None,
    evidence: Path | None,
    output: Path,
    output_format: str,
) -> None:
    """Reuses, calls and downloads by dataset, organization, actor type, type, topic, month."""
    scope = Scope(organization, level, territory)
    with _evidence(ctx, evidence, start, end) as (source, period, _registered):
        document = build_reuse_report(source, period, scope)
    if output_format == "json":
        text = json.dumps(document.model_dump(mode="json", by_alias=True), indent=2)
    else:
        text = reuse_report_csv(document)
    output.write_text(text, encoding="utf-8")
    click.echo(f"{output}: {period.start} to {period.end}, {len(document.by_dataset)} dataset rows")


@report.command()
@click.option(
    "--pathways",
    "pathways_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The pathways file to freeze (default: the one reports use, config/pathways.toml).",
)
@click.option("--note", default="", help="Why, for whom: kept with the registration.")
@click.pass_context
def register(ctx: click.Context, pathways_path: Path | None, note: str) -> None:
    """Pre-register the pathway thresholds: freeze the pathway set now, before the data.

    A report over a period starting after this instant says it was registered, and
    lists every threshold or expectation changed since, with old and new values.
    """
    try:
        pathway_set = load_pathways(pathways_path or default_pathways())
        with unit_of_work(ctx) as uow:
            frozen = register_pathways(uow, pathway_set, OPERATOR_LABEL, note=note)
            uow.commit()
    except (EvaluationError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"registration {frozen.id}: {frozen.version} at {frozen.registered_at.isoformat()} "
        f"({len(pathway_set.entries)} entries, {pathway_set.expectation_count} expectations)"
    )


@report.command("registrations")
@click.pass_context
def list_registrations(ctx: click.Context) -> None:
    """Every registration of the pathway thresholds, oldest first."""
    with unit_of_work(ctx) as uow:
        for frozen in registrations(uow):
            note = f"  {frozen.note}" if frozen.note else ""
            click.echo(
                f"{frozen.id}\t{frozen.registered_at.isoformat()}\t{frozen.version}\t"
                f"{frozen.registered_by}{note}"
            )
