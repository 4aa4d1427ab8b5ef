"""The evaluators' page: the pathway report of the platform's own data, printable.

``/reports/pathways`` takes the same parameters as ``/api/v1/reports/pathways``
(``from``, ``to``, ``organization``, ``level``, ``territory``) and shows the same
report as ``/api/v1/reports/pathways.html``, for a person logged in with the right to
read reports (evaluators and administrators) instead of a bearer token.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, render_template, request
from pydantic import ValidationError

from civic.platform.reports.html import number, pathway_report_context
from civic.platform.reports.queries import ReportQuery, pathway_report
from civic.platform.web.session import current_user, login_required
from civic.services.identity.rights import REPORTS_READ, ROLE_RIGHTS


def init_app(app: Flask) -> None:
    """Register the evaluators' page."""
    bp = Blueprint("evaluation_pages", __name__)
    bp.add_url_rule("/reports/pathways", view_func=pathways_page, methods=["GET"])
    app.register_blueprint(bp)
    app.jinja_env.filters["number"] = number  # the report's template, in the site's layout


@login_required
def pathways_page() -> Response | tuple[str, int]:
    user = current_user()
    if user is None or REPORTS_READ not in ROLE_RIGHTS[user.role]:
        return _error("Not allowed", "Reports are for evaluators and administrators.", 403)
    try:
        query = ReportQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'query'}: {item['msg']}"
            for item in error.errors()
        )
        return _error("Report refused", problems, 400)
    html = render_template(
        "reports/pathways.html",
        layout="layout/base.html",
        **pathway_report_context(pathway_report(query)),
    )
    return Response(html, content_type="text/html; charset=utf-8")


def _error(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("web/error.html", title=title, message=message), status
