"""The mirror's datasets, organizations and licences as CKAN 2.12's Action API shows them.

The facade at ``/api/3/action`` answers from the gateway's mirror (so it keeps
answering while CKAN is down) with dicts a CKAN client cannot tell from CKAN's own.
The dataset fields go through the very mapping the gateway uses to write datasets
into CKAN (:func:`civic.connectors.ckan.mapping.to_package`), so what the facade
shows is what CKAN holds; CKAN's own additions (``metadata_*``, ``organization``,
``num_*``, the resources' bookkeeping fields) are laid around it in CKAN's order.

Ids: CKAN's (``Dataset.ckan_id``, ``Organization.ckan_id``, ``Resource.ckan_id``). A
dataset not yet in CKAN shows the mirror's id, which is the id the gateway creates it
with in CKAN: the id a client sees never changes. Times are CKAN's form, naive UTC
``YYYY-MM-DDTHH:MM:SS.ffffff``.

What the mirror does not keep differs from CKAN: tags have no ``id``; the
organization's and resources' ``created`` are the gateway's; ``creator_user_id`` is
null; extras set directly in CKAN by others than the gateway are not shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from civic.connectors.ckan.mapping import DatasetRecord, ResourceRecord, to_package
from civic.services.catalog.ckan_query import (
    ckan_id,
    metadata_created,
    metadata_modified,
    organization_ckan_id,
    uuid_or_none,
)
from civic.services.catalog.documents import resources_json
from civic.services.catalog.errors import UnknownDataset, UnknownResource
from civic.services.catalog.models import Dataset, Organization, Resource
from civic.services.catalog.vocabularies import LICENSES
from civic.services.uow import UnitOfWork

CKAN_VERSION = "2.12.0"  # the version whose Action API the facade speaks


def ckan_time(value: dt.datetime | None) -> str | None:
    """``value`` as CKAN writes times: naive UTC ISO 8601 (``.isoformat()`` of a naive UTC
    datetime, so no fraction when it is zero, as in CKAN)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat()


def package_select() -> sa.Select[Any]:
    """The columns :func:`package_from_row` needs, one row per dataset, without a filter."""
    resource = sa.func.json_build_object(
        "id",
        sa.func.coalesce(Resource.ckan_id, sa.cast(Resource.id, sa.Text)),
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
        "created",
        Resource.created,
        "modified",
        Resource.modified,
    )
    resources = resources_json(resource)
    return sa.select(
        ckan_id().label("ckan_id"),
        Dataset.name,
        Dataset.title,
        Dataset.description,
        Dataset.license,
        Dataset.tags,
        Dataset.themes,
        Dataset.temporal_start,
        Dataset.temporal_end,
        Dataset.spatial,
        Dataset.frequency,
        Dataset.contact_point,
        resources.label("resources"),
        metadata_created().label("metadata_created"),
        metadata_modified().label("metadata_modified"),
        Dataset.sync_status,
        organization_ckan_id().label("org_id"),
        Organization.name.label("org_name"),
        Organization.title.label("org_title"),
        Organization.description.label("org_description"),
        Organization.created.label("org_created"),
    ).join(Organization, Organization.id == Dataset.organization_id)


def _record(row: RowMapping) -> DatasetRecord:
    return DatasetRecord(
        id=row["ckan_id"],
        name=row["name"],
        title=row["title"],
        organization=row["org_id"],
        description=row["description"],
        license=row["license"],
        tags=tuple(row["tags"]),
        themes=tuple(row["themes"]),
        temporal_start=row["temporal_start"].isoformat() if row["temporal_start"] else None,
        temporal_end=row["temporal_end"].isoformat() if row["temporal_end"] else None,
        spatial=row["spatial"],
        frequency=row["frequency"],
        contact_point=dict(row["contact_point"]) if row["contact_point"] else None,
        resources=tuple(
            ResourceRecord(
                id=item["id"],
                url=item["url"],
                name=item["name"],
                format=item["format"],
                media_type=item["media_type"],
                size=item["size"],
                checksum=item["checksum"],
            )
            for item in row["resources"]
        ),
    )


def organization_dict(
    *, id: str, name: str, title: str, description: str, created: dt.datetime | None
) -> dict[str, Any]:
    """An organization as CKAN nests it in a dataset (``package_show``'s ``organization``)."""
    return {
        "id": id,
        "name": name,
        "title": title,
        "type": "organization",
        "description": description,
        "image_url": "",
        "created": ckan_time(created),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }


def license_fields(license_id: str | None) -> dict[str, Any]:
    """``license_title``, ``license_url`` (when known) and ``isopen`` of a licence id."""
    known = LICENSES.get(license_id or "")
    if known is None:
        return {"license_title": license_id, "isopen": False}
    return {"license_title": known.title, "license_url": known.url, "isopen": True}


def package_from_row(row: RowMapping) -> dict[str, Any]:
    """The ``package_show`` dict of a row of :func:`package_select`."""
    package = to_package(_record(row))
    package_id = row["ckan_id"]
    created_by_id = {item["id"]: item for item in row["resources"]}
    resources = []
    for position, sent in enumerate(package["resources"]):
        stored = created_by_id.get(sent["id"], {})
        resources.append(
            {
                "cache_last_updated": None,
                "cache_url": None,
                "created": _json_time(stored.get("created")),
                "description": None,
                "format": sent["format"],
                "hash": sent["hash"],
                "id": sent["id"],
                "last_modified": None,
                "metadata_modified": _json_time(stored.get("modified")),
                "mimetype": sent["mimetype"],  # "" when none: what the gateway sends CKAN
                "mimetype_inner": None,
                "name": sent["name"],
                "package_id": package_id,
                "position": position,
                "resource_type": None,
                "size": sent.get("size"),
                "state": "active",
                "url": sent["url"],
                "url_type": None,
            }
        )
    licence = license_fields(package["license_id"] or None)
    result: dict[str, Any] = {
        "author": None,
        "author_email": None,
        "creator_user_id": None,
        "id": package_id,
        "isopen": licence["isopen"],
        "license_id": package["license_id"],
        "license_title": licence["license_title"],
    }
    if "license_url" in licence:
        result["license_url"] = licence["license_url"]
    result |= {
        "maintainer": package["maintainer"],
        "maintainer_email": package["maintainer_email"],
        "metadata_created": ckan_time(row["metadata_created"]),
        "metadata_modified": ckan_time(row["metadata_modified"]),
        "name": package["name"],
        "notes": package["notes"],
        "num_resources": len(resources),
        "num_tags": len(package["tags"]),
        "organization": organization_dict(
            id=row["org_id"],
            name=row["org_name"],
            title=row["org_title"],
            description=row["org_description"],
            created=row["org_created"],
        ),
        "owner_org": row["org_id"],
        "private": False,
        "state": "active",
        "title": package["title"],
        "type": "dataset",
        "url": None,
        "version": None,
        "extras": package["extras"],
        "resources": resources,
        "tags": [
            {"display_name": tag, "name": tag, "state": "active", "vocabulary_id": None}
            for tag in sorted(tag["name"] for tag in package["tags"])
        ],
        "groups": [],
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }
    return result


def _json_time(value: Any) -> str | None:
    # Times inside json_build_object come back as ISO text with an offset.
    if not value:
        return None
    return ckan_time(dt.datetime.fromisoformat(str(value)))


@functools.cache
def _by_key() -> sa.Select[Any]:
    return (
        package_select()
        .add_columns(Dataset.id.label("mirror_id"))
        .where(
            Dataset.deleted_at.is_(None),
            sa.or_(
                Dataset.name == sa.bindparam("key", type_=sa.Text),
                Dataset.ckan_id == sa.bindparam("key", type_=sa.Text),
                Dataset.id == sa.bindparam("uuid", type_=sa.Uuid),
            ),
        )
    )


def package_show(uow: UnitOfWork, name_or_id: str) -> tuple[dict[str, Any], uuid.UUID]:
    """The live dataset whose name, CKAN id or mirror id is ``name_or_id``, in one statement;
    and its mirror id (usage events name datasets by it).

    Raises :class:`UnknownDataset`.
    """
    params = {"key": name_or_id, "uuid": uuid_or_none(name_or_id)}
    row = uow.session.connection().execute(_by_key(), params).mappings().first()
    if row is None:
        raise UnknownDataset(f"no dataset is named or has the id {name_or_id!r}")
    return package_from_row(row), row["mirror_id"]


def packages_by_id(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """The packages of these mirror ids, in the order given (missing ones left out)."""
    if not ids:
        return []
    statement = package_select().add_columns(Dataset.id.label("mirror_id"))
    rows = (
        uow.session.connection()
        .execute(statement.where(Dataset.id.in_(sa.bindparam("ids", expanding=True))), {"ids": ids})
        .mappings()
        .all()
    )
    by_id = {row["mirror_id"]: row for row in rows}
    return [package_from_row(by_id[each]) for each in ids if each in by_id]


def package_list(uow: UnitOfWork, *, limit: int | None, offset: int) -> list[str]:
    """Names of the live datasets, in name order (CKAN's ``package_list``)."""
    statement = (
        sa.select(Dataset.name)
        .where(Dataset.deleted_at.is_(None))
        .order_by(Dataset.name)
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(uow.session.scalars(statement))


def recent_packages(uow: UnitOfWork, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """Live datasets with their resources, most recently modified first
    (CKAN's ``current_package_list_with_resources``)."""
    ids = list(
        uow.session.scalars(
            sa.select(Dataset.id)
            .where(Dataset.deleted_at.is_(None))
            .order_by(metadata_modified().desc(), Dataset.id)
            .offset(offset)
            .limit(limit)
        )
    )
    return packages_by_id(uow, ids)


@dataclass(frozen=True, slots=True)
class FoundResource:
    """A resource as CKAN shows it, with the mirror's ids of it and its dataset."""

    resource: dict[str, Any]
    dataset_id: uuid.UUID
    dataset_name: str
    resource_id: uuid.UUID


def resource_show(uow: UnitOfWork, resource_id: str) -> FoundResource:
    """A resource of a live dataset by its CKAN or mirror id. Raises :class:`UnknownResource`."""
    found = uow.session.execute(
        sa.select(Resource.id, Resource.ckan_id, Resource.dataset_id, Dataset.name)
        .join(Dataset, Dataset.id == Resource.dataset_id)
        .where(
            Dataset.deleted_at.is_(None),
            sa.or_(Resource.ckan_id == resource_id, Resource.id == uuid_or_none(resource_id)),
        )
        .limit(1)
    ).first()
    if found is not None:
        mirror_id, known_id, dataset_id, name = found
        shown_id = known_id or str(mirror_id)
        for package in packages_by_id(uow, [dataset_id]):
            for resource in package["resources"]:
                if resource["id"] == shown_id:
                    return FoundResource(resource, dataset_id, name, mirror_id)
    raise UnknownResource(f"no resource has the id {resource_id!r}")
