"""Datasets and organizations as the API, the web pages and the CLI show them."""

from __future__ import annotations

from typing import Any

from civic.services.catalog.models import Dataset, Organization, Resource


def resource_document(resource: Resource) -> dict[str, Any]:
    """A resource's public fields."""
    return {
        "id": str(resource.id),
        "url": resource.url,
        "name": resource.name,
        "format": resource.format,
        "media_type": resource.media_type,
        "size": resource.size,
        "checksum": resource.checksum,
    }


def dataset_document(dataset: Dataset) -> dict[str, Any]:
    """A dataset's public fields, with its synchronisation state."""
    temporal = None
    if dataset.temporal_start or dataset.temporal_end:
        temporal = {
            "start": dataset.temporal_start.isoformat() if dataset.temporal_start else None,
            "end": dataset.temporal_end.isoformat() if dataset.temporal_end else None,
        }
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "organization": dataset.organization.name,
        "license": dataset.license,
        "tags": list(dataset.tags),
        "themes": list(dataset.themes),
        "temporal": temporal,
        "spatial": dataset.spatial,
        "frequency": dataset.frequency,
        "contact_point": dataset.contact_point,
        "resources": [resource_document(resource) for resource in dataset.resources],
        "created": dataset.created.isoformat(),
        "modified": dataset.modified.isoformat(),
        "sync_status": dataset.sync_status.value,
        "sync_error": dataset.sync_error,
        "ckan_id": dataset.ckan_id,
    }


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The publisher-written part of a document, for "did anything change?" checks."""
    fields = (
        "name",
        "title",
        "description",
        "organization",
        "license",
        "tags",
        "themes",
        "temporal",
        "spatial",
        "frequency",
        "contact_point",
    )
    kept = {key: document.get(key) for key in fields}
    kept["resources"] = [
        {k: v for k, v in resource.items() if k != "id"} for resource in document["resources"]
    ]
    return kept


def organization_document(
    organization: Organization, *, dataset_count: int | None = None
) -> dict[str, Any]:
    """An organization's public fields."""
    document: dict[str, Any] = {
        "id": str(organization.id),
        "name": organization.name,
        "title": organization.title,
        "description": organization.description,
        "level": organization.level.value,
        "territory": organization.territory,
        "website": organization.website,
        "ckan_id": organization.ckan_id,
        "created": organization.created.isoformat(),
        "modified": organization.modified.isoformat(),
    }
    if dataset_count is not None:
        document["dataset_count"] = dataset_count
    return document
