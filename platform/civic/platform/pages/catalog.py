"""``/catalog`` (search with facets), ``/datasets/<name>`` and ``/organizations/<name>``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request

from civic.platform.pages.labels import (
    _,
    facet_title,
    frequency_label,
    level_label,
    theme_label,
)
from civic.platform.web.session import current_user
from civic.platform.wiring import current_bootstrap
from civic.services.catalog.datasets import get_dataset
from civic.services.catalog.errors import UnknownDataset, UnknownOrganization
from civic.services.catalog.organizations import get_organization, list_organizations
from civic.services.catalog.permissions import member_of
from civic.services.catalog.search import FACETS, SearchQuery, search_datasets
from civic.services.catalog.vocabularies import LICENSES
from civic.services.identity.models import Role
from civic.services.reuses.registry import ReuseFilters, count_reuses, reuse_counts_of_datasets
from civic.services.usage.downloads import download_counts, organization_downloads

PAGE_SIZE = 20
# A facet with more values than this gets a box that filters its list (static/filters.js).
LONG_FACET = 10
# The latest datasets an organization's page lists (the catalog, filtered, has them all).
ORGANIZATION_DATASETS = 30
SORTS = ("relevance", "title", "-modified")


def search_query(args: Any) -> SearchQuery:
    """The search asked for by the page's query string (unknown values are ignored)."""
    return SearchQuery.from_args(args, page_size=PAGE_SIZE, sorts=SORTS, max_page=10_000)


def blueprint() -> Blueprint:
    """The public catalog pages."""
    bp = Blueprint("pages", __name__)

    @bp.get("/catalog")
    def search() -> str:
        query = search_query(request.args)
        with current_bootstrap().unit_of_work() as uow:
            found = search_datasets(uow, query)
            organizations, _total = list_organizations(uow, page_size=1000)
            titles = {organization.name: organization.title for organization, _n in organizations}
            ids = [dataset.id for dataset in found.datasets]
            page = render_template(
                "pages/search.html",
                query=query,
                found=found,
                reuse_counts=reuse_counts_of_datasets(uow, ids),
                downloads=download_counts(uow, ids),
                long_facet=LONG_FACET,
                facet_value_label=lambda name, value: facet_value_label(name, value, titles),
                active_filters=sum(len(getattr(query, name)) for name in FACETS),
                facets=[(name, facet_title(name), found.facets.get(name, [])) for name in FACETS],
                sorts=[
                    ("relevance", _("Relevance")),
                    ("title", _("Title")),
                    ("-modified", _("Last modified")),
                ],
                last_page=max(1, -(-found.total // PAGE_SIZE)),
                page_url=_page_url,
            )
        return page

    @bp.get("/datasets/<name>")
    def dataset(name: str) -> str:
        with current_bootstrap().unit_of_work() as uow:
            try:
                found = get_dataset(uow, name)
            except UnknownDataset:
                abort(404)
            user = current_user()
            may_edit = user is not None and (
                user.role is Role.ADMIN
                or (user.role is Role.PUBLISHER and member_of(uow, user.id, found.organization_id))
            )
            return render_template(
                "pages/dataset.html",
                dataset=found,
                licence=LICENSES.get(found.license or ""),
                themes=[theme_label(code) for code in found.themes],
                frequency=frequency_label(found.frequency),
                may_edit=may_edit,
                reuse_count=reuse_counts_of_datasets(uow, [found.id]).get(found.id, 0),
                downloads=download_counts(uow, [found.id]).get(found.id, 0),
            )

    @bp.get("/organizations/<name>")
    def organization(name: str) -> str:
        with current_bootstrap().unit_of_work() as uow:
            try:
                found = get_organization(uow, name)
            except UnknownOrganization:
                abort(404)
            datasets = search_datasets(
                uow,
                SearchQuery(organization=[name], sort="-modified", page_size=ORGANIZATION_DATASETS),
                facets=False,
            )
            return render_template(
                "pages/organization.html",
                organization=found,
                datasets=datasets,
                reuse_total=count_reuses(uow, ReuseFilters(organization=found.name)),
                downloads=organization_downloads(uow, found.id),
                reuse_counts=reuse_counts_of_datasets(uow, [d.id for d in datasets.datasets]),
            )

    return bp


def _page_url(number: int) -> str:
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    return "?" + urlencode([*args, ("page", str(number))])


def facet_value_label(name: str, value: str, organizations: dict[str, str]) -> str:
    """A facet's value as people read it: an organization's title, a licence's, a level."""
    if name == "organization":
        return organizations.get(value, value)
    if name == "license":
        licence = LICENSES.get(value)
        return licence.title if licence is not None else value
    if name == "level":
        return level_label(value)
    if name == "themes":
        return theme_label(value)
    return value
