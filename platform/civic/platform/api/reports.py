"""``/api/v1/reports``: the pathway evidence report and the reuse report, JSON or CSV.

Both need the ``reports:read`` scope (evaluators and administrators) and take the
publishers' scope filters ``organization``, ``level`` and ``territory``. The pathway
report's JSON is described by ``docs/schemas/pathway-report.schema.json`` — the
same model as the 200 answer documented here. ``POST /reports/pathways/registrations``
(``reports:register``) freezes the pathway thresholds before the data is seen.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from civic.platform.api import BEARER, feature_blueprint
from civic.platform.oauth.protection import require
from civic.platform.reports.html import pathway_report_html
from civic.platform.reports.queries import ReportQuery, pathway_report, reuse_report
from civic.platform.reports.registrations import (
    RegistrationInput,
    RegistrationList,
    RegistrationOut,
    register_pathways,
    registrations_out,
)
from civic.services.evaluation.documents import (
    PathwayReportDocument,
    pathway_report_document,
    pathway_report_json,
)
from civic.services.evaluation.exports import pathway_report_csv, reuse_report_csv
from civic.services.evaluation.report import PathwayReport
from civic.services.evaluation.reuse_report import ReuseReportDocument
from civic.services.identity.rights import REPORTS_READ, REPORTS_REGISTER

TAG = Tag(
    name="reports",
    description="Evaluators' reports: the seed's pathways checked against usage, and reuse "
    "statistics. JSON (the pathway report's JSON Schema is docs/schemas/"
    "pathway-report.schema.json), CSV, or HTML",
)
CSV_TYPE = "text/csv; charset=utf-8"


def _pathway_report(query: ReportQuery) -> PathwayReport:
    require(REPORTS_READ)
    return pathway_report(query)


def _reuse_report(query: ReportQuery) -> ReuseReportDocument:
    require(REPORTS_READ)
    return reuse_report(query)


def _document(media_type: str, description: str) -> dict[str, Any]:
    # The 200 answer of a CSV or HTML route (a fresh dict: flask-openapi3 edits it in place).
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def _attachment(text: str, content_type: str, filename: str) -> Response:
    response = Response(text, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def blueprint() -> APIBlueprint:
    """The report routes."""
    bp = feature_blueprint(
        "reports", __name__, tag=TAG, url_prefix="/reports", problem_statuses=(401, 403, 429)
    )

    @bp.get(
        "/pathways",
        summary="Pathway evidence report",
        responses={200: PathwayReportDocument},
        security=BEARER,
    )
    def pathways(query: ReportQuery) -> Response:
        """Each model, pathway and lever of the seed with its verdict and evidence: the
        indicators with sample sizes and 95 % intervals, Holm-adjusted tests, trends and
        ±20 % threshold sensitivity. Needs ``reports:read``."""
        return jsonify(pathway_report_json(_pathway_report(query)))

    @bp.get(
        "/pathways.csv",
        summary="Pathway evidence report (CSV)",
        responses={200: _document("text/csv", "The report as CSV (an attachment)")},
        security=BEARER,
    )
    def pathways_csv(query: ReportQuery) -> Response:
        """The same report as one CSV table (sections report, indicator, evidence)."""
        report = _pathway_report(query)
        text = pathway_report_csv(pathway_report_document(report))
        return _attachment(
            text, CSV_TYPE, f"pathways-{report.period.start}-{report.period.end}.csv"
        )

    @bp.get(
        "/pathways.html",
        summary="Pathway evidence report (printable page)",
        responses={200: _document("text/html", "The report as a printable HTML page")},
        security=BEARER,
    )
    def pathways_html(query: ReportQuery) -> Response:
        """The same report as a one-page summary and a section per catalog entry, with charts."""
        return Response(pathway_report_html(_pathway_report(query)), content_type="text/html")

    @bp.post(
        "/pathways/registrations",
        summary="Register the pathway thresholds (pre-registration)",
        responses={201: RegistrationOut},
        security=BEARER,
    )
    def register(body: RegistrationInput) -> tuple[Response, int]:
        """Freeze the pathway set the reports use now (``config/pathways.toml``): its
        content, version and this instant are stored. A report over a period starting
        later says it was registered, and lists every threshold changed since. Needs
        ``reports:register`` (evaluators and administrators)."""
        principal = require(REPORTS_REGISTER)
        out = register_pathways(principal.person_id, body.note)
        return jsonify(out.model_dump(mode="json")), 201

    @bp.get(
        "/pathways/registrations",
        summary="Registrations of the pathway thresholds",
        responses={200: RegistrationList},
        security=BEARER,
    )
    def registrations() -> Response:
        """Every registration, oldest first. Needs ``reports:read``."""
        require(REPORTS_READ)
        return jsonify(registrations_out().model_dump(mode="json"))

    @bp.get("/reuse", summary="Reuse report", responses={200: ReuseReportDocument}, security=BEARER)
    def reuse(query: ReportQuery) -> Response:
        """Reuses, calls and downloads by dataset, organization, actor type, reuse type,
        topic and month. Needs ``reports:read``."""
        return jsonify(_reuse_report(query).model_dump(mode="json", by_alias=True))

    @bp.get(
        "/reuse.csv",
        summary="Reuse report (CSV)",
        responses={200: _document("text/csv", "The report as CSV (an attachment)")},
        security=BEARER,
    )
    def reuse_csv(query: ReportQuery) -> Response:
        """The same report as CSV: one row per dimension and key."""
        document = _reuse_report(query)
        period = document.period
        return _attachment(
            reuse_report_csv(document), CSV_TYPE, f"reuse-{period.from_}-{period.to}.csv"
        )

    return bp
