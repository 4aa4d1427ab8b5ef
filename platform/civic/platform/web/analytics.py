"""Usage pages with charts: an app's own usage (portal) and an organization's (publisher).

The same reports as ``/api/v1/usage`` (and the same access rules), drawn as SVG
on the server (no script, no CDN), with links to the JSON and CSV exports: the same
page with ``format=json`` or ``format=csv``, through the person's session and rights
(no token needed in a browser).
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Flask, Response, abort, jsonify, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from civic.platform.web.session import WebUser, current_user, login_required
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.catalog.permissions import actor_for_user
from civic.services.identity import accounts
from civic.services.quotas.plans import limit_for
from civic.services.uow import UnitOfWork
from civic.services.usage import reports
from civic.services.usage.access import UsageViewer
from civic.services.usage.analytics import MAX_DAYS, Period

Page = str | tuple[str, int] | WerkzeugResponse


def init_app(app: Flask) -> None:
    """Register the usage pages."""
    bp = Blueprint("usage_pages", __name__)
    bp.add_url_rule("/portal/apps/<client_id>/usage", view_func=app_page, methods=["GET"])
    bp.add_url_rule(
        "/publisher/organizations/<name>/usage", view_func=organization_page, methods=["GET"]
    )
    app.register_blueprint(bp)


@login_required
def app_page(client_id: str) -> Page:
    settings = current_settings()
    period = _period()

    def plans(plan: str | None) -> tuple[str, str]:
        name = plan or settings.quotas_default_plan
        limits = limit_for(
            plan, plans=settings.quotas_plans, default_plan=settings.quotas_default_plan
        )
        return name, limits

    with current_bootstrap().unit_of_work() as uow:
        report = reports.app_report(uow, _viewer(uow, _user()), client_id, period, plans=plans)
        exported = _export(report, f"usage-{client_id}-{period.start}-{period.end}")
        if exported is not None:
            return exported  # built inside the unit of work: the CSV reads the rows
    return render_template(
        "usage/app.html", report=report.document, days=(period.end - period.start).days + 1
    )


@login_required
def organization_page(name: str) -> Page:
    period = _period()
    with current_bootstrap().unit_of_work() as uow:
        report = reports.organization_report(uow, _viewer(uow, _user()), name, period)
        exported = _export(report, f"usage-{name}-{period.start}-{period.end}")
        if exported is not None:
            return exported
    return render_template(
        "usage/organization.html",
        report=report.document,
        days=(period.end - period.start).days + 1,
    )


def _export(report: reports.Report, filename: str) -> Response | None:
    """The report as JSON or as a CSV attachment when the page is asked for one."""
    wanted = request.args.get("format")
    if wanted == "json":
        return jsonify(report.document)
    if wanted == "csv":
        response = Response(report.csv(), content_type="text/csv; charset=utf-8")
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", filename)
        response.headers["Content-Disposition"] = f'attachment; filename="{safe}.csv"'
        return response
    return None


def _viewer(uow: UnitOfWork, user: WebUser) -> UsageViewer:
    actor = actor_for_user(uow, accounts.get_user(uow, user.id))
    return UsageViewer(
        app_id=None, user_id=user.id, scopes=actor.scopes, organizations=actor.organizations
    )


def _period() -> Period:
    try:
        days = int(request.args.get("days", "30"))
    except ValueError:
        abort(400)
    days = max(1, min(days, MAX_DAYS))
    return Period.last(days, today=dt.datetime.now(dt.UTC).date())


def _user() -> WebUser:
    user = current_user()
    if user is None:  # login_required ran first
        raise RuntimeError("no user logged in")
    return user
