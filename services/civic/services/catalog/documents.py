"""Datasets, resources and organizations as the API, the web pages and the CLI show them.

Each is defined once, as a pydantic model (:class:`DatasetOut`, :class:`ResourceOut`,
:class:`OrganizationOut`): the API's OpenAPI document shows these models, and the
functions here build the very dicts they describe (a unit test validates them
against the models and compares their keys). The dicts are built by hand, not by
the models (``model_dump``), for speed (a search answers up to 1,000 documents) and
for the timestamps' ``+00:00`` form, which the API has always answered.

There is one dataset serializer, :func:`document_from_row`: the API's reads (show,
search) skip the ORM (:func:`document_select` reads the fields, the organization's
name and the resources as one JSON array in one statement), and
:func:`dataset_document` gives it a loaded ``Dataset``'s fields under the same names.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.dialects.postgresql import aggregate_order_by

from civic.services.catalog.errors import UnknownDataset
from civic.services.catalog.inputs import ContactPoint, DatasetInput, Temporal
from civic.services.catalog.models import Dataset, Organization, Resource
from civic.services.uow import UnitOfWork


class ResourceOut(BaseModel):
    """A resource as answered."""

    id: str
    url: str
    name: str
    format: str
    media_type: str | None
    size: int | None
    checksum: str | None


class DatasetOut(BaseModel):
    """A dataset as answered: the fields written, plus ids, times and CKAN's state."""

    id: str
    name: str
    title: str
    description: str
    organization: str
    license: str | None
    tags: list[str]
    themes: list[str]
    temporal: Temporal | None
    spatial: str | None
    frequency: str | None
    contact_point: ContactPoint | None
    resources: list[ResourceOut]
    created: dt.datetime
    modified: dt.datetime
    sync_status: Literal["pending", "synced", "failed"] = Field(
        description="pending: on its way to CKAN; synced: CKAN has it; failed: CKAN refused it "
        "(see sync_error)"
    )
    sync_error: str | None = Field(description="CKAN's message when failed; the last error else")
    ckan_id: str | None


class OrganizationOut(BaseModel):
    """A publishing organization as answered."""

    id: str
    name: str
    title: str
    description: str
    level: Literal["national", "regional", "local"]
    territory: str | None
    website: str | None
    ckan_id: str | None
    created: dt.datetime
    modified: dt.datetime
    dataset_count: int | None = None


# The resource's fields, in the document's order (ResourceOut's): the SQL and the ORM
# serializer both read this list.
_RESOURCE_FIELDS = tuple(ResourceOut.model_fields)


def resource_document(resource: Resource) -> dict[str, Any]:
    """A resource's public fields (:class:`ResourceOut`)."""
    document = {name: getattr(resource, name) for name in _RESOURCE_FIELDS}
    document["id"] = str(resource.id)
    return document


def _temporal(start: dt.date | None, end: dt.date | None) -> dict[str, str | None] | None:
    if not (start or end):
        return None
    return {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
    }


def dataset_document(dataset: Dataset) -> dict[str, Any]:
    """A loaded dataset's public fields, with its synchronisation state (:class:`DatasetOut`)."""
    return document_from_row(
        {
            "id": dataset.id,
            "name": dataset.name,
            "title": dataset.title,
            "description": dataset.description,
            "organization": dataset.organization.name,
            "license": dataset.license,
            "tags": dataset.tags,
            "themes": dataset.themes,
            "temporal_start": dataset.temporal_start,
            "temporal_end": dataset.temporal_end,
            "spatial": dataset.spatial,
            "frequency": dataset.frequency,
            "contact_point": dataset.contact_point,
            "resources": [resource_document(resource) for resource in dataset.resources],
            "created": dataset.created,
            "modified": dataset.modified,
            "sync_status": dataset.sync_status,
            "sync_error": dataset.sync_error,
            "ckan_id": dataset.ckan_id,
        }
    )


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
        *(item for name in _RESOURCE_FIELDS for item in (name, getattr(Resource, name)))
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


def document_from_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The document (:class:`DatasetOut`) of a row of :func:`document_select`."""
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


# What a publisher writes: DatasetInput's fields (the resources apart, compared without ids).
_WRITTEN = tuple(name for name in DatasetInput.model_fields if name != "resources")


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The publisher-written part of a document, for "did anything change?" checks."""
    kept = {key: document.get(key) for key in _WRITTEN}
    kept["resources"] = [
        {k: v for k, v in resource.items() if k != "id"} for resource in document["resources"]
    ]
    return kept


def organization_document(
    organization: Organization, *, dataset_count: int | None = None
) -> dict[str, Any]:
    """An organization's public fields (:class:`OrganizationOut`)."""
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
