"""The header's links, by role: what each kind of person comes to the site for.

Everyone: the catalog, organizations, reuses, the API's documentation. A developer:
their apps (each app's page links its usage) and personal tokens. A publisher: the
publish form, their organizations' pages and analytics. An evaluator: the pathway
report and the organizations' analytics. An administrator: all of those, and the
admin console. Everyone logged in: their account page.

After logging in without a page to go back to, each lands where their role's work
is (:func:`landing`): an evaluator on the pathway report, a publisher on their
organization, an administrator on the console, a developer on their apps.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, url_for

from civic.platform.pages.labels import _
from civic.platform.web.session import WebUser
from civic.platform.wiring import current_bootstrap
from civic.services.identity import accounts
from civic.services.identity.models import Role
from civic.services.identity.rights import DATASETS_WRITE, REPORTS_READ, ROLE_RIGHTS


@dataclass(frozen=True, slots=True)
class Link:
    """One link of the header's navigation."""

    label: str
    href: str
    current: bool = False


def _link(label: str, href: str, *, prefix: str | None = None) -> Link:
    path = request.path
    base = prefix or href.split("?", 1)[0]
    current = path == base if base == "/" else path == base or path.startswith(base + "/")
    return Link(label, href, current)


def my_organizations(user: WebUser | None) -> list[tuple[str, str]]:
    """The (name, title) of the organizations ``user`` publishes for (one query, kept in g)."""
    if user is None or user.role is not Role.PUBLISHER:
        return []
    if "civic_my_organizations" not in g:
        with current_bootstrap().unit_of_work() as uow:
            account = accounts.active_user(uow, user.id)
            g.civic_my_organizations = sorted(
                ((org.name, org.title) for org in (account.organizations if account else [])),
                key=lambda pair: pair[1].casefold(),
            )
    organizations: list[tuple[str, str]] = g.civic_my_organizations
    return organizations


def links(user: WebUser | None) -> list[Link]:
    """The header's navigation for ``user`` (``None``: a visitor)."""
    found = [
        _link(_("Catalog"), url_for("pages.search"), prefix="/catalog"),
        _link(_("Organizations"), url_for("site.organizations")),
        _link(_("Reuses"), url_for("reuse_pages.list_page")),
    ]
    if user is None:
        return [*found, _link(_("API"), "/api/v1/docs")]
    rights = ROLE_RIGHTS[user.role]
    if user.role in (Role.DEVELOPER, Role.ADMIN):
        found.append(_link(_("My apps"), url_for("portal.index")))
    if DATASETS_WRITE in rights:
        found.append(_link(_("Publish"), url_for("publisher.new")))
    for name, title in my_organizations(user)[:3]:
        found.append(
            _link(
                _("Analytics of %(organization)s", organization=title),
                url_for("usage_pages.organization_page", name=name),
            )
        )
    if REPORTS_READ in rights:
        found.append(_link(_("Pathway report"), url_for("evaluation_pages.pathways_page")))
    if user.role is Role.ADMIN:
        found.append(_link(_("Admin console"), url_for("admin_home.index"), prefix="/admin"))
    found.append(_link(_("My account"), url_for("accounts.account")))
    return [*found, _link(_("API"), "/api/v1/docs")]


def landing(user: WebUser) -> str:
    """Where ``user`` lands after logging in when no page asked for the login."""
    if user.role is Role.EVALUATOR:
        return str(url_for("evaluation_pages.pathways_page"))
    if user.role is Role.ADMIN:
        return str(url_for("admin_home.index"))
    if user.role is Role.PUBLISHER:
        organizations = my_organizations(user)
        if organizations:
            return str(url_for("pages.organization", name=organizations[0][0]))
        return str(url_for("publisher.new"))
    return str(url_for("portal.index"))
