"""The facade's read actions, served from the gateway's mirror (they survive a CKAN outage).

Each action takes CKAN's parameters (already a dict, see :mod:`.params`) and returns
CKAN's ``result``. Reads need no token; with one, the call counts for its app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g

from civic.platform import read_cache, tracking
from civic.platform.ckan_action import params
from civic.platform.ckan_action.envelope import bad_query, base_url, invalid, not_found
from civic.platform.wiring import current_bootstrap
from civic.services.catalog import ckan_documents as documents
from civic.services.catalog import ckan_lists as lists
from civic.services.catalog.ckan_query import QueryError
from civic.services.catalog.ckan_search import (
    DEFAULT_FACET_LIMIT,
    DEFAULT_ROWS,
    MAX_ROWS,
    CkanSearch,
    package_search,
    package_search_cached,
)
from civic.services.catalog.errors import UnknownDataset, UnknownOrganization, UnknownResource
from civic.services.catalog.search import SearchCache

Action = Callable[[dict[str, Any]], Any]
# CKAN's ckan.group_and_organization_list_max and ..._all_fields_max.
LIST_MAX = 1000
LIST_ALL_FIELDS_MAX = 25


def search_cache() -> SearchCache:
    """The cache of ``package_search`` answers (``search_cache_size`` answers)."""
    return current_bootstrap().ckan_search_cache


def status_show(_: dict[str, Any]) -> dict[str, Any]:
    """The site and the CKAN version whose API the facade speaks."""
    return {
        "site_title": "Civic Platform",
        "site_description": "The Civic Platform gateway: CKAN's Action API served from its "
        "mirror of the catalog",
        "site_url": base_url(),
        "error_emails_to": None,
        "locale_default": "en",
        "extensions": ["civic_gateway"],
        "ckan_version": documents.CKAN_VERSION,
    }


def site_read(_: dict[str, Any]) -> bool:
    """Whether the site can be read (always, for everyone)."""
    return True


def search_from(data: dict[str, Any]) -> CkanSearch:
    """A ``package_search`` call's parameters, checked and converted. Raises ``ActionError``."""
    rows = params.integer(data, "rows", DEFAULT_ROWS)
    facet_limit = params.integer(data, "facet.limit", DEFAULT_FACET_LIMIT, minimum=None)
    fq = params.text(data, "fq")
    return CkanSearch(
        q=params.text(data, "q"),
        fq=tuple(part for part in (fq, *params.texts(data, "fq_list")) if part.strip()),
        rows=min(rows if rows is not None else DEFAULT_ROWS, MAX_ROWS),
        start=params.integer(data, "start", 0) or 0,
        sort=params.text(data, "sort").strip(),
        facet=params.boolean(data, "facet", True),
        facet_fields=params.json_list(data, "facet.field"),
        facet_limit=facet_limit if facet_limit is not None else DEFAULT_FACET_LIMIT,
        facet_mincount=params.integer(data, "facet.mincount", 1) or 0,
    )


def package_search_action(data: dict[str, Any]) -> dict[str, Any]:
    """CKAN's ``package_search`` over the mirror."""
    search = search_from(data)
    fields = params.json_list(data, "fl") if isinstance(data.get("fl"), list) else ()
    if not fields and isinstance(data.get("fl"), str):
        fields = tuple(part for part in data["fl"].replace(",", " ").split() if part)
    cache = search_cache()
    try:
        result, hit = current_bootstrap().read(
            lambda uow: package_search_cached(uow, search, cache=cache)
        )
    except QueryError as error:
        raise bad_query(str(error)) from error
    g.search_cache = "hit" if hit else "miss"  # the X-Search-Cache header (benchmarks)
    if fields:
        result["results"] = [
            {key: package.get(key) for key in fields} for package in result["results"]
        ]
    return result


def package_show(data: dict[str, Any]) -> dict[str, Any]:
    """A dataset by name or id (``id`` or ``name_or_id``)."""
    key = params.required_text(data, "id", "name_or_id")
    try:
        package, dataset_id = read_cache.package_show(key)
    except UnknownDataset:
        raise not_found() from None
    tracking.mark_dataset(dataset_id, package["name"])
    return package


def package_list(data: dict[str, Any]) -> list[str]:
    """Names of the live datasets (``limit``, ``offset``)."""
    limit = params.integer(data, "limit", None)
    offset = params.integer(data, "offset", 0) or 0
    return current_bootstrap().read(
        lambda uow: documents.package_list(uow, limit=limit, offset=offset)
    )


def current_package_list_with_resources(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Datasets with their resources, most recently modified first (``limit``, ``offset``,
    ``page``)."""
    limit = params.integer(data, "limit", None)
    offset = params.integer(data, "offset", 0) or 0
    page = params.integer(data, "page", None, minimum=1)
    if limit is None:
        limit = 10 if page else MAX_ROWS
    limit = min(limit, MAX_ROWS)
    if page:
        offset = (page - 1) * limit
    return current_bootstrap().read(
        lambda uow: documents.recent_packages(uow, limit=limit, offset=offset)
    )


def organization_list(data: dict[str, Any]) -> list[Any]:
    """Organizations: names, or dicts with ``all_fields`` (``sort``, ``limit``, ``offset``,
    ``organizations``)."""
    all_fields = params.boolean(data, "all_fields")
    most = LIST_ALL_FIELDS_MAX if all_fields else LIST_MAX
    limit = min(params.integer(data, "limit", most) or 0, most)
    offset = params.integer(data, "offset", 0) or 0
    sort = params.text(data, "sort", "title asc")
    names = params.json_list(data, "organizations") if data.get("organizations") else ()
    return current_bootstrap().read(
        lambda uow: lists.organization_list(
            uow, all_fields=all_fields, sort=sort, limit=limit, offset=offset, names=names
        )
    )


def organization_show(data: dict[str, Any]) -> dict[str, Any]:
    """An organization by name or id; its datasets with ``include_datasets``."""
    key = params.required_text(data, "id")
    try:
        organization = current_bootstrap().read(lambda uow: lists.organization_show(uow, key))
    except UnknownOrganization:
        raise not_found("Organization was not found") from None
    if params.boolean(data, "include_datasets"):
        search = CkanSearch(fq=(f'organization:"{organization["name"]}"',), rows=MAX_ROWS)
        organization["packages"] = current_bootstrap().read(
            lambda uow: package_search(uow, search, cache=search_cache())
        )["results"]
    return organization


def group_list(_: dict[str, Any]) -> list[Any]:
    """Groups: the platform has none (datasets are grouped by organization and theme)."""
    return []


def group_show(data: dict[str, Any]) -> dict[str, Any]:
    """No group exists: CKAN's Not Found."""
    params.required_text(data, "id")
    raise not_found("Group was not found")


def tag_list(data: dict[str, Any]) -> list[Any]:
    """Tags of live datasets (``query`` keeps those containing it; ``all_fields``)."""
    query = params.text(data, "query")
    names = current_bootstrap().read(lambda uow: lists.tag_list(uow, query=query))
    if params.boolean(data, "all_fields"):
        return [{"display_name": name, "name": name, "vocabulary_id": None} for name in names]
    return names


def license_list(_: dict[str, Any]) -> list[dict[str, Any]]:
    """The licences a dataset may use."""
    return lists.license_list()


def resource_show(data: dict[str, Any]) -> dict[str, Any]:
    """A resource of a live dataset by id."""
    key = params.required_text(data, "id")
    try:
        found = current_bootstrap().read(lambda uow: documents.resource_show(uow, key))
    except UnknownResource:
        raise not_found("Resource was not found.") from None
    tracking.mark_dataset(found.dataset_id, found.dataset_name, found.resource_id)
    return found.resource


def help_show(data: dict[str, Any]) -> str:
    """The documentation of an action the facade serves."""
    name = params.required_text(data, "name")
    # Imported here: the views module imports this one.
    from civic.platform.ckan_action.views import ACTIONS  # noqa: PLC0415

    action = ACTIONS.get(name)
    if action is None:
        raise invalid({"name": [f"Action name not known: {name}"]})
    return (action.__doc__ or name).strip()


READS: dict[str, Action] = {
    "status_show": status_show,
    "site_read": site_read,
    "package_search": package_search_action,
    "package_show": package_show,
    "package_list": package_list,
    "current_package_list_with_resources": current_package_list_with_resources,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "license_list": license_list,
    "resource_show": resource_show,
    "help_show": help_show,
}
