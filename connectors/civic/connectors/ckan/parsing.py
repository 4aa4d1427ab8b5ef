"""CKAN's JSON dicts turned into the connector's typed objects.

CKAN is lenient about what it sends back: ``notes`` and ``name`` may be ``null``,
``size`` may come as a string, extras' values are text, timestamps are naive UTC
text. Everything is normalised here so that services never see a raw CKAN dict
nor one of CKAN's formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from civic.connectors.ckan.interfaces import (
    CkanDataset,
    CkanOrganization,
    CkanResource,
    CkanSearchResult,
    CkanStatus,
    CkanUnavailable,
)


def parse_timestamp(value: str) -> dt.datetime | None:
    """A CKAN timestamp (``metadata_modified``, ``metadata_created``: ISO text, naive
    UTC) as an aware datetime; ``None`` for empty text. Raises :class:`ValueError` for
    text that is not ISO 8601."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _timestamp(value: object, what: str) -> dt.datetime | None:
    try:
        return parse_timestamp(_text(value))
    except ValueError:
        raise CkanUnavailable(f"CKAN answered a {what} that is not a timestamp") from None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _optional_text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _int_or_none(value: object) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        # A size CKAN could not validate is unknown, not an error for the reader.
        return None


def _extras(value: object) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    return {
        str(extra["key"]): _text(extra.get("value"))
        for extra in value
        if isinstance(extra, Mapping) and "key" in extra and not extra.get("deleted")
    }


def _require(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        # A proxy or a non-CKAN server answered with something else than an
        # object: the platform cannot use it, so CKAN is as good as unavailable.
        raise CkanUnavailable(f"CKAN answered an unexpected {what}: {type(data).__name__}")
    return data


def parse_status(data: object) -> CkanStatus:
    """Parse ``status_show``. Raises :class:`CkanUnavailable` on a non-CKAN answer."""
    status = _require(data, "status")
    return CkanStatus(
        ckan_version=_text(status.get("ckan_version")),
        site_url=_text(status.get("site_url")),
        extensions=tuple(str(name) for name in status.get("extensions") or ()),
    )


def parse_resource(data: object) -> CkanResource:
    """Parse a resource dict. Raises :class:`CkanUnavailable` on a non-CKAN answer."""
    resource = _require(data, "resource")
    return CkanResource(
        id=_text(resource.get("id")),
        url=_text(resource.get("url")),
        name=_text(resource.get("name")),
        format=_text(resource.get("format")),
        mimetype=_optional_text(resource.get("mimetype")),
        size=_int_or_none(resource.get("size")),
        hash=_text(resource.get("hash")),
        description=_text(resource.get("description")),
        package_id=_text(resource.get("package_id")),
    )


def parse_dataset(data: object) -> CkanDataset:
    """Parse a package dict. Raises :class:`CkanUnavailable` on a non-CKAN answer."""
    package = _require(data, "dataset")
    organization = package.get("organization")
    tags = package.get("tags") or ()
    return CkanDataset(
        id=_text(package.get("id")),
        name=_text(package.get("name")),
        title=_text(package.get("title")),
        owner_org=_optional_text(package.get("owner_org")),
        notes=_text(package.get("notes")),
        license_id=_optional_text(package.get("license_id")),
        private=bool(package.get("private", False)),
        state=_text(package.get("state")) or "active",
        tags=tuple(str(tag["name"]) for tag in tags if isinstance(tag, Mapping) and "name" in tag),
        extras=_extras(package.get("extras")),
        resources=tuple(parse_resource(res) for res in package.get("resources") or ()),
        metadata_modified=_timestamp(package.get("metadata_modified"), "metadata_modified"),
        metadata_created=_timestamp(package.get("metadata_created"), "metadata_created"),
        organization_name=(
            _optional_text(organization.get("name")) if isinstance(organization, Mapping) else None
        ),
        maintainer=_text(package.get("maintainer")),
        maintainer_email=_text(package.get("maintainer_email")),
    )


def parse_organization(data: object) -> CkanOrganization:
    """Parse an organization dict. Raises :class:`CkanUnavailable` on a non-CKAN answer."""
    organization = _require(data, "organization")
    return CkanOrganization(
        id=_text(organization.get("id")),
        name=_text(organization.get("name")),
        title=_text(organization.get("title")),
        description=_text(organization.get("description")),
        extras=_extras(organization.get("extras")),
        state=_text(organization.get("state")) or "active",
    )


def parse_search(data: object) -> CkanSearchResult:
    """Parse ``package_search``. Raises :class:`CkanUnavailable` on a non-CKAN answer."""
    result = _require(data, "search result")
    facets: dict[str, dict[str, int]] = {}
    search_facets = result.get("search_facets")
    if isinstance(search_facets, Mapping):
        for field_name, facet in search_facets.items():
            items = facet.get("items", ()) if isinstance(facet, Mapping) else ()
            facets[str(field_name)] = {
                str(item["name"]): int(item["count"])
                for item in items
                if isinstance(item, Mapping) and "name" in item
            }
    return CkanSearchResult(
        count=int(result.get("count") or 0),
        datasets=tuple(parse_dataset(package) for package in result.get("results") or ()),
        facets=facets,
    )


def extras_list(extras: Mapping[str, str]) -> list[dict[str, str]]:
    """CKAN's wire form of extras: a list of ``{"key", "value"}`` pairs, sorted by key."""
    return [{"key": key, "value": extras[key]} for key in sorted(extras)]
