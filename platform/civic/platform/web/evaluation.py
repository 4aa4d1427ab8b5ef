"""The evaluators' page: the pathway report of the platform's own data, printable.

``/reports/pathways`` takes the same parameters as ``/api/v1/reports/pathways``
(``from``, ``to``, ``organization``, ``level``, ``territory``), asked for with a form,
and shows the same report, for a person logged in with the right to read reports
(evaluators and administrators) instead of a bearer token. ``format=csv`` and
``format=json`` download it (the page's export links, through the session). A report
is kept a few minutes (:mod:`civic.platform.reports.cache`); ``fresh=1`` computes it
again now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from civic.platform.pages.labels import actor_type_labels, level_label
from civic.platform.reports.cache import KEEP_SECONDS, page_report
from civic.platform.reports.html import number, p_value, pathway_report_context
from civic.platform.reports.queries import FIRST_DAY, LAST_DAY, MAX_DAYS, ReportQuery
from civic.platform.web.session import current_user, login_required
from civic.services.evaluation.documents import pathway_report_document, pathway_report_json
from civic.services.evaluation.exports import pathway_report_csv
from civic.services.identity.rights import REPORTS_READ, ROLE_RIGHTS

FIELDS = ("from", "to", "organization", "level", "territory")
LEVELS = ("national", "regional", "local")


def init_app(app: Flask) -> None:
    """Register the evaluators' page."""
    bp = Blueprint("evaluation_pages", __name__)
    bp.add_url_rule("/reports/pathways", view_func=pathways_page, methods=["GET"])
    app.register_blueprint(bp)
    # The report's template, in the site's layout.
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["p_value"] = p_value


@login_required
def pathways_page() -> Response | tuple[str, int]:
    user = current_user()
    if user is None or REPORTS_READ not in ROLE_RIGHTS[user.role]:
        return _error(_("Not allowed"), _("Reports are for evaluators and administrators."), 403)
    values = {name: request.args.get(name, "").strip() for name in FIELDS}
    query, errors = read_query(values)
    if query is None:
        page = render_template(
            "reports/pathways.html",
            layout="layout/base.html",
            document=None,
            form=_form(values, errors),
        )
        return page, 400
    found = page_report(query, fresh=request.args.get("fresh") == "1")
    report = found.report
    wanted = request.args.get("format")
    if wanted == "json":
        return _attachment(jsonify(pathway_report_json(report)), report, "json")
    if wanted == "csv":
        text = pathway_report_csv(pathway_report_document(report))
        return _attachment(Response(text, content_type="text/csv; charset=utf-8"), report, "csv")
    period = report.period
    shown = {**values, "from": period.start.isoformat(), "to": period.end.isoformat()}
    asked = {name: value for name, value in shown.items() if value}
    html = render_template(
        "reports/pathways.html",
        layout="layout/base.html",
        form=_form(shown, {}),
        exports={
            "csv": _here({**asked, "format": "csv"}),
            "json": _here({**asked, "format": "json"}),
        },
        computed={
            "cached": found.cached,
            "minutes": KEEP_SECONDS // 60,
            "fresh_url": _here({**asked, "fresh": "1"}),
        },
        simulated={"apps": found.simulated_apps, "total": found.apps}
        if found.simulated_apps
        else None,
        **pathway_report_context(report, actor_names=actor_type_labels()),
    )
    return Response(html, content_type="text/html; charset=utf-8")


def read_query(values: dict[str, str]) -> tuple[ReportQuery | None, dict[str, str]]:
    """The report asked for by the form's ``values``, or the fields' errors in the
    reader's language (named by the field's label)."""
    errors: dict[str, str] = {}
    days: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        text = values.get(name, "")
        days[name] = None
        if not text:
            continue
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            errors[name] = _(
                "%(field)s: enter a date as YYYY-MM-DD, for example 2025-01-31.",
                field=_label(name),
            )
            continue
        if not FIRST_DAY <= day <= LAST_DAY:
            errors[name] = _(
                "%(field)s: choose a day between %(first)s and %(last)s.",
                field=_label(name),
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
            continue
        days[name] = day
    start, end = days["from"], days["to"]
    if start and end and start > end:
        errors["to"] = _("The last day must not be before the first day.")
    level = values.get("level", "")
    if level and level not in LEVELS:
        errors["level"] = _("%(field)s: choose one in the list.", field=_label("level"))
    for name in ("organization", "territory"):
        if len(values.get(name, "")) > 100:
            errors[name] = _("%(field)s: at most 100 characters.", field=_label(name))
    if errors:
        return None, errors
    try:
        query = ReportQuery.model_validate({k: v for k, v in values.items() if v})
    except ValidationError:
        # The period's length, with the defaults filled in (``from`` alone, years back).
        return None, {"from": _("A report covers at most %(days)s days.", days=MAX_DAYS)}
    return query, {}


def _here(arguments: dict[str, str]) -> str:
    """This page's address with ``arguments``."""
    return f"{url_for('evaluation_pages.pathways_page')}?{urlencode(arguments)}"


def _label(name: str) -> str:
    labels: dict[str, str] = {
        "from": _("First day"),
        "to": _("Last day"),
        "organization": _("Organization"),
        "level": _("Level of the publishers"),
        "territory": _("Territory"),
    }
    return labels[name]


def _form(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    levels = [("", _("All levels")), *((level, level_label(level)) for level in LEVELS)]
    return {
        "action": url_for("evaluation_pages.pathways_page"),
        "errors": errors,
        "fields": [
            {"name": "from", "label": _label("from"), "type": "date", "value": values["from"],
             "hint": _("YYYY-MM-DD; default: a year before the last day")},
            {"name": "to", "label": _label("to"), "type": "date", "value": values["to"],
             "hint": _("YYYY-MM-DD; default: yesterday")},
            {"name": "organization", "label": _label("organization"), "type": "text",
             "value": values["organization"], "hint": _("its short name; empty: every one")},
            {"name": "level", "label": _label("level"), "choices": levels,
             "value": values["level"]},
            {"name": "territory", "label": _label("territory"), "type": "text",
             "value": values["territory"], "hint": _("empty: every one")},
        ],
    }  # fmt: skip


def _attachment(response: Response, report: Any, extension: str) -> Response:
    period = report.period
    response.headers["Content-Disposition"] = (
        f'attachment; filename="pathways-{period.start}-{period.end}.{extension}"'
    )
    return response


def _error(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("web/error.html", title=title, message=message), status
