"""Who may read which usage report.

An app's usage is read by the app itself (a token of that app, whoever it acts
for), by its owner in the portal, and by administrators; never by another app,
even one with the same owner. An organization's usage is read by its members
(``usage:read``), administrators and evaluators (``reports:read``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from civic.services.apps.models import App
from civic.services.errors import PermissionDenied
from civic.services.identity.rights import ADMIN, REPORTS_READ, USAGE_READ


class UsageRefused(PermissionDenied):
    """The viewer may not read this usage report."""


@dataclass(frozen=True, slots=True)
class UsageViewer:
    """Who asks: the token's app (None for a web session), the person, their rights."""

    app_id: uuid.UUID | None
    user_id: uuid.UUID | None
    scopes: frozenset[str]
    organizations: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.scopes


def ensure_may_read_app(viewer: UsageViewer, app: App) -> None:
    """Raise :class:`UsageRefused` unless ``viewer`` may read ``app``'s usage."""
    if viewer.is_admin:
        return
    if USAGE_READ not in viewer.scopes:
        raise UsageRefused("reading usage needs the usage:read scope")
    if viewer.app_id is not None:
        if viewer.app_id == app.id:
            return
        raise UsageRefused("an app reads its own usage only")
    if viewer.user_id is not None and app.owner_id == viewer.user_id:
        return
    raise UsageRefused("you may read the usage of your own apps only")


def ensure_may_read_organization(viewer: UsageViewer, organization: str) -> None:
    """Raise :class:`UsageRefused` unless ``viewer`` may read ``organization``'s usage."""
    if viewer.is_admin or REPORTS_READ in viewer.scopes:
        return
    if USAGE_READ in viewer.scopes and organization in viewer.organizations:
        return
    raise UsageRefused(f"you may not read the usage of the organization {organization!r}")
