"""The pathway report as one printable HTML page, rendered outside any request.

The command line writes it to a file and the API serves it; both call
:func:`pathway_report_html`. The page is self-contained (inline CSS and SVG), so a
saved copy shows the same and prints with its own print stylesheet. The evaluators'
page (:mod:`civic.platform.web.evaluation`) renders the same template in the site's
layout, in the reader's language, with its form and export links.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from civic.platform.reports import charts
from civic.services.evaluation.documents import PathwayReportDocument, pathway_report_document
from civic.services.evaluation.indicators import INDICATORS
from civic.services.evaluation.records import ACTOR_TYPES
from civic.services.evaluation.report import PathwayReport
from civic.services.evaluation.verdicts import EntryVerdict

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
SMALLEST_P = 0.001


@cache  # one compiled template per process
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = number
    environment.filters["p_value"] = p_value
    environment.globals["_"] = _untranslated
    return environment


def _untranslated(message: str, **values: Any) -> str:
    """The standalone document's ``_``: English, with Flask-Babel's ``%(name)s`` values."""
    return message % values if values else message


def _decimal(context: Context, text: str) -> str:
    return text.replace(".", ",") if context.get("language") == "fr" else text


@pass_context
def number(context: Context, value: float | None, unit: str = "share") -> str:
    """A value as people read it: shares and indices with 3 decimals, others with 1
    (a decimal comma on a French page)."""
    if value is None:
        return "—"
    if unit in ("share", "index"):
        text = f"{value:.3f}"
    elif unit == "slope":
        text = f"{value:.3g}"
    else:
        text = f"{value:,.1f}".replace(",", "\u202f")
    return _decimal(context, text)


@pass_context
def p_value(context: Context, value: float | None, *, relation: bool = False) -> str:
    """A p-value as a journal prints it: ``< 0.001`` below that, else two significant
    digits (``0.012``, ``0.5``); with ``relation``, ``= 0.012`` for the latter."""
    if value is None:
        return "—"
    if value < SMALLEST_P:
        return _decimal(context, f"< {SMALLEST_P}")
    text = _decimal(context, f"{value:.2g}" if value < 1 else "1")
    return f"= {text}" if relation else text


def pathway_report_html(report: PathwayReport) -> str:
    """The whole report page. Raises nothing of its own (Jinja errors are bugs)."""
    template = _environment().get_template("reports/pathways.html")
    return template.render(**pathway_report_context(report))


def pathway_report_context(
    report: PathwayReport, *, actor_names: Mapping[str, str] | None = None
) -> dict[str, object]:
    """What ``reports/pathways.html`` reads; the site's page renders it in its layout
    (``actor_names``: the actor types' labels in the reader's language)."""
    document = pathway_report_document(report)
    names = dict(actor_names or {actor: actor.replace("_", " ") for actor in ACTOR_TYPES})
    return dict(
        report=report,
        document=document,
        sections=[_section(report, verdict) for verdict in report.verdicts],
        indicators=INDICATORS,
        summary_charts=_summary_charts(report, document, names),
    )


def _summary_charts(
    report: PathwayReport, document: PathwayReportDocument, names: Mapping[str, str]
) -> dict[str, Markup]:
    reuse_mix = {
        indicator.id.rsplit(".", 1)[1]: indicator.value or 0.0
        for indicator in document.indicators
        if indicator.id.startswith("actor_mix.reuses.") and indicator.id.count(".") == 2
    }
    return {
        "calls": charts.actor_mix_chart("calls by actor type", report.calls_by_actor, names),
        "reuses": charts.actor_mix_chart(
            "reuses by actor type", _only_actor_types(reuse_mix), names
        ),
        "concentration": charts.concentration_chart(
            "concentration of usage by app", report.concentration_curve
        ),
    }


def _only_actor_types(values: dict[str, float]) -> dict[str, float]:
    return {key: value for key, value in values.items() if key in ACTOR_TYPES}


def _section(report: PathwayReport, verdict: EntryVerdict) -> dict[str, object]:
    series = report.series
    rows = []
    for finding, expectation in zip(verdict.findings, verdict.entry.expectations, strict=True):
        definition = INDICATORS[finding.indicator]
        step = series[expectation.period or "month"]
        rows.append(
            {
                "finding": finding,
                "definition": definition,
                "why": expectation.why,
                "step": step.step,
                "chart": charts.trend_chart(
                    definition.title,
                    step.periods,
                    step.values[finding.indicator],
                    threshold=finding.threshold,
                ),
                "sensitivity": report.expectation_sensitivity[finding.id],
            }
        )
    return {
        "verdict": verdict,
        "rows": rows,
        "holds": sum(f.result == "holds" for f in verdict.findings),
        "fails": sum(f.result == "fails" for f in verdict.findings),
        "sensitivity": report.entry_sensitivity[verdict.entry.id],
    }
