"""The usage reports the API and the web pages serve, access checks included."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from civic.services.apps import registry as apps_registry
from civic.services.apps.models import App
from civic.services.catalog.organizations import get_organization
from civic.services.reuses.registry import reuses_of_organization
from civic.services.uow import UnitOfWork
from civic.services.usage import analytics, documents
from civic.services.usage.access import (
    UsageViewer,
    ensure_may_read_app,
    ensure_may_read_organization,
)
from civic.services.usage.analytics import Period, UsageReport

# An app's plan name -> (plan shown, its limit string).
PlanLookup = Callable[[str | None], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Report:
    """A report as a JSON-ready document, and its finest rows as CSV."""

    document: dict[str, Any]
    report: UsageReport
    apps: dict[str, App] = field(default_factory=dict)

    def csv(self) -> str:
        """The report's rows as CSV text."""
        return documents.report_csv(self.report, self.apps)


def app_report(
    uow: UnitOfWork, viewer: UsageViewer, client_id: str, period: Period, *, plans: PlanLookup
) -> Report:
    """The usage of the app ``client_id``, for the app itself, its owner or an admin.

    Raises :class:`~civic.services.apps.errors.UnknownApp` and
    :class:`~civic.services.usage.access.UsageRefused`.
    """
    app = apps_registry.get_app(uow, client_id)
    ensure_may_read_app(viewer, app)
    report = analytics.app_usage(uow, app.id, period)
    plan, limits = plans(app.plan)
    document = documents.app_document(app, report, plan=plan, limits=limits)
    return Report(document, report, {str(app.id): app})


def organization_report(uow: UnitOfWork, viewer: UsageViewer, name: str, period: Period) -> Report:
    """The usage of organization ``name``'s datasets and the reuses declared on them.

    Raises :class:`~civic.services.catalog.errors.UnknownOrganization` and
    :class:`~civic.services.usage.access.UsageRefused`.
    """
    organization = get_organization(uow, name)
    ensure_may_read_organization(viewer, organization.name)
    report = analytics.organization_usage(uow, organization, period)
    apps = analytics.apps_by_id(uow, report.apps)
    document = documents.organization_document(
        organization,
        report,
        datasets=analytics.datasets_of(uow, organization),
        apps=apps,
        reuses=reuses_of_organization(uow, organization.name, limit=1000),
    )
    return Report(document, report, apps)
