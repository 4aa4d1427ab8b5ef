"""The platform's dataset fields under CKAN's own names, both ways.

The gateway speaks DCAT-AP words (``description``, ``license``, ``contact_point``...);
CKAN has its own (``notes``, ``license_id``, ``maintainer``...) and keeps the rest
as extras named as ckanext-dcat names them (``theme``, ``temporal_start``,
``spatial_uri``, ``frequency``), so that CKAN's harvesters and DCAT tools read them.

=================  =========================================================
platform           CKAN
=================  =========================================================
name, title        name, title
description        notes
organization       owner_org (a name on the way in; CKAN answers its id)
license            license_id
tags               tags: [{"name": ...}]
themes             extra ``theme``: a JSON list of EU data-theme codes
temporal           extras ``temporal_start``, ``temporal_end`` (ISO dates)
spatial            extra ``spatial_uri`` (a URI) or ``spatial_text``
frequency          extra ``frequency``
contact_point      maintainer, maintainer_email (+ extra ``contact_uri``)
resource fields    url, name, format, mimetype (media_type), size, hash (checksum)
=================  =========================================================
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from civic.connectors.ckan.interfaces import CkanDataset, CkanResource

EXTRA_KEYS = (
    "theme",
    "temporal_start",
    "temporal_end",
    "spatial_uri",
    "spatial_text",
    "frequency",
    "contact_uri",
)


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    """A resource with the platform's field names."""

    url: str
    name: str = ""
    format: str = ""
    media_type: str | None = None
    size: int | None = None
    checksum: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """A dataset with the platform's field names (``organization`` is a name)."""

    name: str
    title: str
    organization: str | None
    description: str = ""
    license: str | None = None
    tags: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    temporal_start: str | None = None
    temporal_end: str | None = None
    spatial: str | None = None
    frequency: str | None = None
    contact_point: dict[str, str] | None = None
    resources: tuple[ResourceRecord, ...] = ()
    id: str | None = None
    # Read back from CKAN only.
    state: str = "active"
    private: bool = False
    metadata_modified: dt.datetime | None = None
    metadata_created: dt.datetime | None = None
    extras: dict[str, str] = field(default_factory=dict)


def to_package(record: DatasetRecord) -> dict[str, Any]:
    """The ``package_create``/``package_update`` dict of ``record``.

    Extras the platform does not own (set in CKAN by someone else) are kept when
    ``record.extras`` carries them.
    """
    extras = {k: v for k, v in record.extras.items() if k not in EXTRA_KEYS}
    if record.themes:
        extras["theme"] = json.dumps(list(record.themes))
    if record.temporal_start:
        extras["temporal_start"] = record.temporal_start
    if record.temporal_end:
        extras["temporal_end"] = record.temporal_end
    if record.spatial:
        key = (
            "spatial_uri" if record.spatial.startswith(("http://", "https://")) else "spatial_text"
        )
        extras[key] = record.spatial
    if record.frequency:
        extras["frequency"] = record.frequency
    contact = record.contact_point or {}
    if contact.get("url"):
        extras["contact_uri"] = contact["url"]
    package: dict[str, Any] = {
        "name": record.name,
        "title": record.title,
        "notes": record.description,
        "owner_org": record.organization,
        "license_id": record.license or "",
        "tags": [{"name": tag} for tag in record.tags],
        "maintainer": contact.get("name", ""),
        "maintainer_email": contact.get("email", ""),
        "extras": [{"key": key, "value": extras[key]} for key in sorted(extras)],
        "resources": [_resource_dict(resource) for resource in record.resources],
    }
    if record.id:
        package["id"] = record.id
    return package


def _resource_dict(resource: ResourceRecord) -> dict[str, Any]:
    data: dict[str, Any] = {
        "url": resource.url,
        "name": resource.name,
        "format": resource.format,
        "mimetype": resource.media_type or "",
        "hash": resource.checksum or "",
    }
    if resource.size is not None:
        data["size"] = resource.size
    if resource.id:
        data["id"] = resource.id
    return data


def from_package(dataset: CkanDataset) -> DatasetRecord:
    """``dataset`` as read from CKAN, with the platform's field names."""
    extras = dict(dataset.extras)
    contact: dict[str, str] = {}
    if dataset.maintainer:
        contact["name"] = dataset.maintainer
    if dataset.maintainer_email:
        contact["email"] = dataset.maintainer_email
    if extras.get("contact_uri"):
        contact["url"] = extras["contact_uri"]
    return DatasetRecord(
        id=dataset.id,
        name=dataset.name,
        title=dataset.title,
        organization=dataset.organization_name or dataset.owner_org,
        description=dataset.notes,
        license=dataset.license_id or None,
        tags=dataset.tags,
        themes=tuple(_json_list(extras.get("theme"))),
        temporal_start=extras.get("temporal_start") or None,
        temporal_end=extras.get("temporal_end") or None,
        spatial=extras.get("spatial_uri") or extras.get("spatial_text") or None,
        frequency=extras.get("frequency") or None,
        contact_point=contact or None,
        resources=tuple(_resource_record(resource) for resource in dataset.resources),
        state=dataset.state,
        private=dataset.private,
        metadata_modified=dataset.metadata_modified,
        metadata_created=dataset.metadata_created,
        extras={k: v for k, v in extras.items() if k not in EXTRA_KEYS},
    )


def _resource_record(resource: CkanResource) -> ResourceRecord:
    return ResourceRecord(
        id=resource.id,
        url=resource.url,
        name=resource.name,
        format=resource.format,
        media_type=resource.mimetype,
        size=resource.size,
        checksum=resource.hash or None,
    )


def _json_list(value: str | None) -> list[str]:
    # ckanext-dcat writes a JSON list; a hand-edited extra may be a plain string.
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(parsed, list):
        return [str(item) for item in parsed]
    return [str(parsed)]
