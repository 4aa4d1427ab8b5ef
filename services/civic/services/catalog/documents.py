"""Datasets and organizations as the API, the web pages and the CLI show them.

:func:`dataset_document` shapes a loaded ``Dataset``. The API's reads (show, search)
skip the ORM: :func:`document_select` reads the same fields, the organization's
name and the resources (as one JSON array) in one statement, and
:func:`document_from_row` shapes that row into the very same document.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import RowMapping

from civic.services.catalog.errors import UnknownDataset
from civic.services.catalog.models import Dataset, Organization, Resource
from civic.services.uow import UnitOfWork


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


def _temporal(start: dt.date | None, end: dt.date | None) -> dict[str, str | None] | None:
    if not (start or end):
        return None
    return {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
    }


def dataset_document(dataset: Dataset) -> dict[str, Any]:
    """A dataset's public fields, with its synchronisation state."""
    temporal = _temporal(dataset.temporal_start, dataset.temporal_end)
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


def resources_json(resource: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """The dataset's resources as one JSON array of ``resource`` (a ``json_build_object``
    over :class:`Resource`), in their order; ``[]`` when it has none."""
    return (
        sa.select(
            sa.func.coalesce(
                sa.func.json_agg(aggregate_order_by(resource, Resource.position)),
                sa.text("'[]'::json"),
            )
        )
        .where(Resource.dataset_id == Dataset.id)
        .scalar_subquery()
    )


def document_select() -> sa.Select[Any]:
    """The columns :func:`document_from_row` needs, one row per dataset, without a filter.

    The resources come as a JSON array (in their order) from a correlated subquery, so a
    page of datasets is one round trip instead of three (datasets, resources,
    organizations) and no ORM objects are built.
    """
    resource = sa.func.json_build_object(
        "id",
        Resource.id,
        "url",
        Resource.url,
        "name",
        Resource.name,
        "format",
        Resource.format,
        "media_type",
        Resource.media_type,
        "size",
        Resource.size,
        "checksum",
        Resource.checksum,
    )
    resources = resources_json(resource)
    return sa.select(
        Dataset.id,
        Dataset.name,
        Dataset.title,
        Dataset.description,
        Organization.name.label("organization"),
        Dataset.license,
        Dataset.tags,
        Dataset.themes,
        Dataset.temporal_start,
        Dataset.temporal_end,
        Dataset.spatial,
        Dataset.frequency,
        Dataset.contact_point,
        resources.label("resources"),
        Dataset.created,
        Dataset.modified,
        Dataset.sync_status,
        Dataset.sync_error,
        Dataset.ckan_id,
    ).join(Organization, Organization.id == Dataset.organization_id)


def document_from_row(row: RowMapping) -> dict[str, Any]:
    """The document of a row of :func:`document_select`: equal to :func:`dataset_document`."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "title": row["title"],
        "description": row["description"],
        "organization": row["organization"],
        "license": row["license"],
        "tags": list(row["tags"]),
        "themes": list(row["themes"]),
        "temporal": _temporal(row["temporal_start"], row["temporal_end"]),
        "spatial": row["spatial"],
        "frequency": row["frequency"],
        "contact_point": row["contact_point"],
        "resources": row["resources"],
        "created": row["created"].isoformat(),
        "modified": row["modified"].isoformat(),
        "sync_status": row["sync_status"].value,
        "sync_error": row["sync_error"],
        "ckan_id": row["ckan_id"],
    }


def live_dataset_document(uow: UnitOfWork, name: str) -> dict[str, Any]:
    """The document of the live dataset named ``name``, in one statement.

    Raises :class:`UnknownDataset`.
    """
    # Core on the session's connection: the ORM's execution layer has nothing to add here.
    row = uow.session.connection().execute(_live_by_name(), {"name": name}).mappings().first()
    if row is None:
        raise UnknownDataset(f"no dataset is named {name!r}")
    return document_from_row(row)


def dataset_document_by_id(uow: UnitOfWork, dataset_id: uuid.UUID) -> tuple[dict[str, Any], bool]:
    """The document of the dataset with this id, withdrawn ones included, in one statement;
    and whether it is withdrawn (the answer of a write, read back).

    Raises :class:`UnknownDataset`.
    """
    row = uow.session.connection().execute(_by_id(), {"id": dataset_id}).mappings().first()
    if row is None:
        raise UnknownDataset(f"no dataset has the id {dataset_id}")
    return document_from_row(row), row["deleted_at"] is not None


@functools.cache
def _by_id() -> sa.Select[Any]:
    return document_select().add_columns(Dataset.deleted_at).where(Dataset.id == sa.bindparam("id"))


@functools.cache
def _live_by_name() -> sa.Select[Any]:
    # Built once: SQLAlchemy then finds its compiled form without recomputing a cache key.
    return document_select().where(
        Dataset.name == sa.bindparam("name"), Dataset.deleted_at.is_(None)
    )


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
