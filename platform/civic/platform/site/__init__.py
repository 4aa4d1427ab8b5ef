"""One site: the layout every page extends, the home page, the organizations index,
the language and the error pages for people.

- The layout (``templates/layout/base.html``) is the DSFR's, served from its npm
  package (:mod:`.frontend`); ``site_theme = "neutral"`` keeps the layout without the
  State's brand (Marianne font, the "République française" block).
- The header's links depend on the role (:mod:`.navigation`); the language switch
  keeps the current address and the choice is kept in a cookie (:mod:`.locale`).
- A browser that asks for HTML gets an error page in its language with a way on;
  API clients keep problem+json (:mod:`.errors`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template, request, url_for
from flask_babel import get_locale

from civic.platform.pages import labels
from civic.platform.pages.labels import level_label
from civic.platform.settings import Settings
from civic.platform.site import errors, frontend, locale, navigation
from civic.platform.web.session import current_user
from civic.platform.wiring import current_bootstrap
from civic.services.catalog.organizations import list_organizations
from civic.services.catalog.search import SearchQuery, search_datasets
from civic.services.reuses import registry
from civic.services.reuses.documents import reuse_document
from civic.services.reuses.registry import ReuseFilters

ORGANIZATIONS_PAGE_SIZE = 50


def init_app(app: Flask, settings: Settings) -> None:
    """The DSFR's files, the layout's context, the home page, the error pages."""
    assets = frontend.locate(settings)
    app.register_blueprint(frontend.blueprint(assets))
    app.register_blueprint(blueprint())

    def dsfr(filename: str) -> str:
        return url_for("dsfr.asset", version=assets.version or "missing", filename=filename)

    def layout() -> dict[str, Any]:
        user = current_user()
        language = get_locale().language if get_locale() is not None else "en"
        other = "en" if language == "fr" else "fr"
        return {
            "site": {
                "name": settings.site_name,
                "theme": settings.site_theme,
                "state": settings.site_theme == "dsfr",
            },
            "dsfr": dsfr,
            "nav_links": navigation.links(user),
            "my_organizations": navigation.my_organizations(user),
            "language": language,
            "other_language": other,
            "other_language_name": locale.LANGUAGE_NAMES[other],
            "other_language_url": locale.switch_url(other),
        }

    app.context_processor(layout)
    app.context_processor(labels.context)
    app.after_request(locale.remember)
    errors.init_app(app)


def blueprint() -> Blueprint:
    """``/`` (home) and ``/organizations`` (the index)."""
    bp = Blueprint("site", __name__)

    @bp.get("/")
    def home() -> str:
        with current_bootstrap().unit_of_work() as uow:
            latest = search_datasets(uow, SearchQuery(sort="-modified", page_size=6), facets=False)
            _, organizations = list_organizations(uow, page_size=1)
            reuses = registry.list_reuses(uow, ReuseFilters(), page_size=4)
            return render_template(
                "site/home.html",
                latest=latest,
                organizations_total=organizations,
                reuses=[reuse_document(reuse) for reuse in reuses.reuses],
                reuses_total=reuses.total,
            )

    @bp.get("/organizations")
    def organizations() -> str:
        try:
            page = max(1, min(int(request.args.get("page", "1")), 10_000))
        except ValueError:
            page = 1
        with current_bootstrap().unit_of_work() as uow:
            rows, total = list_organizations(uow, page=page, page_size=ORGANIZATIONS_PAGE_SIZE)
            return render_template(
                "site/organizations.html",
                rows=rows,
                total=total,
                page=page,
                last_page=max(1, -(-total // ORGANIZATIONS_PAGE_SIZE)),
                level_label=level_label,
            )

    return bp
