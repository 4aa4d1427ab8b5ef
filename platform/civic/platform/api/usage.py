"""``/api/v1/usage``: usage reports, for an app (its own) and for a publisher (its data).

JSON by default, CSV with ``format=csv``. Fresh: the daily rollups plus the events
not rolled up yet. Reading them needs ``usage:read``: an app reads its own usage
only; a publisher, its organizations'; administrators and evaluators more.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Response, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag

from civic.platform.api import BEARER, feature_blueprint
from civic.platform.api.usage_schemas import (
    AppUsage,
    ClientPath,
    OrganizationPath,
    OrganizationUsage,
    ReportArgs,
)
from civic.platform.oauth.protection import require
from civic.platform.settings import Settings
from civic.platform.wiring import current_bootstrap, current_settings
from civic.services.catalog.permissions import actor_for_token
from civic.services.quotas.plans import limit_for
from civic.services.tokens.principals import Principal
from civic.services.uow import UnitOfWork
from civic.services.usage import reports
from civic.services.usage.access import UsageViewer
from civic.services.usage.analytics import Period

TAG = Tag(
    name="usage",
    description="Usage reports: an app's own calls, downloads, errors, latency and quota; "
    "a publisher's datasets: who uses them and reuses them. JSON or CSV",
)
CSV_TYPE = "text/csv; charset=utf-8"


def blueprint() -> APIBlueprint:
    """The usage report routes."""
    bp = feature_blueprint(
        "usage", __name__, tag=TAG, url_prefix="/usage", problem_statuses=(401, 403, 404, 429)
    )

    @bp.get(
        "/apps/<client_id>",
        summary="An app's usage",
        responses={200: AppUsage},
        security=BEARER,
    )
    def app_usage(path: ClientPath, query: ReportArgs) -> Response:
        """Calls and downloads per day and per dataset, error rate, latency percentiles,
        quota use. Needs ``usage:read``; a token reads its own app's usage only."""
        principal = require()
        settings = current_settings()
        with current_bootstrap().unit_of_work() as uow:
            report = reports.app_report(
                uow,
                viewer(uow, principal),
                path.client_id,
                period_of(query),
                plans=lambda plan: plan_of(settings, plan),
            )
            return answer(report, query, f"usage-{path.client_id}")

    @bp.get(
        "/organizations/<name>",
        summary="Usage of an organization's datasets",
        responses={200: OrganizationUsage},
        security=BEARER,
    )
    def organization_usage(path: OrganizationPath, query: ReportArgs) -> Response:
        """Calls, downloads and views per dataset and day; who uses them (apps, actor types)
        and reuses them. Needs ``usage:read`` and membership, or ``reports:read``."""
        principal = require()
        with current_bootstrap().unit_of_work() as uow:
            report = reports.organization_report(
                uow, viewer(uow, principal), path.name, period_of(query)
            )
            return answer(report, query, f"usage-{path.name}")

    return bp


def viewer(uow: UnitOfWork, principal: Principal) -> UsageViewer:
    """Who reads a report through a token: its app, its person and their organizations."""
    actor = actor_for_token(uow, principal)
    return UsageViewer(
        app_id=principal.app_id,
        user_id=principal.person_id,
        scopes=principal.effective_scopes,
        organizations=actor.organizations,
    )


def period_of(query: ReportArgs) -> Period:
    """The report's period from its query string (default: the last 30 days)."""
    end = query.end or dt.datetime.now(dt.UTC).date()
    start = query.start or end - dt.timedelta(days=query.days - 1)
    return Period(start, end)


def plan_of(settings: Settings, plan: str | None) -> tuple[str, str]:
    """An app's plan name and its limits (the default plan when it has none)."""
    name = plan or settings.quotas_default_plan
    limits = limit_for(plan, plans=settings.quotas_plans, default_plan=settings.quotas_default_plan)
    return name, limits


def answer(report: reports.Report, query: ReportArgs, filename: str) -> Response:
    """The report as JSON, or as a CSV attachment."""
    if query.format == "csv":
        response = Response(report.csv(), content_type=CSV_TYPE)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", filename)
        response.headers["Content-Disposition"] = f'attachment; filename="{safe}.csv"'
        return response
    return jsonify(report.document)
