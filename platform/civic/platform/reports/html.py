"""The pathway report as one printable HTML page, rendered outside any request.

The command line writes it to a file and the API serves it; both call
:func:`pathway_report_html`. The page is self-contained (inline CSS and SVG), so a
saved copy shows the same and prints with its own print stylesheet.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from civic.platform.reports import charts
from civic.services.evaluation.documents import PathwayReportDocument, pathway_report_document
from civic.services.evaluation.indicators import INDICATORS
from civic.services.evaluation.records import ACTOR_TYPES
from civic.services.evaluation.report import PathwayReport
from civic.services.evaluation.verdicts import EntryVerdict

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
VERDICT_WORDS = {
    "supported": "supported by the evidence",
    "contradicted": "contradicted by the evidence",
    "mixed": "mixed: some expectations hold, others fail",
    "inconclusive": "inconclusive: too little evidence either way",
}
RESULT_WORDS = {
    "holds": "holds",
    "fails": "fails",
    "insufficient_evidence": "insufficient evidence",
}


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = number
    return environment


def number(value: float | None, unit: str = "share") -> str:
    """A value as people read it: shares and indices with 3 decimals, others with 1."""
    if value is None:
        return "—"
    if unit in ("share", "index"):
        return f"{value:.3f}"
    if unit == "slope":
        return f"{value:.3g}"
    return f"{value:,.1f}"


def pathway_report_html(report: PathwayReport) -> str:
    """The whole report page. Raises nothing of its own (Jinja errors are bugs)."""
    template = _environment().get_template("reports/pathways.html")
    return template.render(**pathway_report_context(report))


def pathway_report_context(report: PathwayReport) -> dict[str, object]:
    """What ``reports/pathways.html`` reads; the site's page renders it in its layout."""
    document = pathway_report_document(report)
    return dict(
        report=report,
        document=document,
        sections=[_section(report, verdict) for verdict in report.verdicts],
        indicators=INDICATORS,
        verdict_words=VERDICT_WORDS,
        result_words=RESULT_WORDS,
        summary_charts=_summary_charts(report, document),
    )


def _summary_charts(report: PathwayReport, document: PathwayReportDocument) -> list[Markup]:
    reuse_mix = {
        indicator.id.rsplit(".", 1)[1]: indicator.value or 0.0
        for indicator in document.indicators
        if indicator.id.startswith("actor_mix.reuses.") and indicator.id.count(".") == 2
    }
    return [
        charts.actor_mix_chart("Calls and downloads by actor type", report.calls_by_actor),
        charts.actor_mix_chart("Reuses by actor type", _only_actor_types(reuse_mix)),
        charts.concentration_chart("Concentration of usage by app", report.concentration_curve),
    ]


def _only_actor_types(values: dict[str, float]) -> dict[str, float]:
    return {key: value for key, value in values.items() if key in ACTOR_TYPES}


def _section(report: PathwayReport, verdict: EntryVerdict) -> dict[str, object]:
    series = report.series
    rows = []
    for finding, expectation in zip(verdict.findings, verdict.entry.expectations, strict=True):
        definition = INDICATORS[finding.indicator]
        step = series[expectation.period or "month"]
        chart = charts.trend_chart(
            definition.title,
            step.periods,
            step.values[finding.indicator],
            threshold=finding.threshold,
            unit=definition.unit,
        )
        rows.append(
            {
                "finding": finding,
                "definition": definition,
                "why": expectation.why,
                "chart": chart,
                "sensitivity": report.expectation_sensitivity[finding.id],
            }
        )
    holds = sum(f.result == "holds" for f in verdict.findings)
    fails = sum(f.result == "fails" for f in verdict.findings)
    return {
        "verdict": verdict,
        "rows": rows,
        "plain": (
            f"{holds} of {len(verdict.findings)} expectations hold, {fails} fail, "
            f"{len(verdict.findings) - holds - fails} lack evidence."
        ),
        "sensitivity": report.entry_sensitivity[verdict.entry.id],
    }
