"""CKAN package and resource dicts as the platform's inputs, for the facade's write actions.

A CKAN client writes CKAN dicts (``notes``, ``owner_org``, ``license_id``, ``tags``
as ``[{"name": ...}]``, extras); the gateway's one write use case takes a
:class:`~civic.services.catalog.inputs.DatasetInput`. The dict is read with the
connector's own parser and mapping (:func:`~civic.connectors.ckan.parsing.parse_dataset`,
:func:`~civic.connectors.ckan.mapping.from_package`), the very ones that read CKAN's
answers, so a dict the facade showed (or ``ckanapi dump`` wrote) loads back unchanged.

Refusals name CKAN's fields (``notes``, not ``description``): :func:`ckan_field_errors`
turns the platform's ``(pointer, message)`` pairs into CKAN's ``{field: [messages]}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from civic.connectors.ckan.interfaces import CkanError
from civic.connectors.ckan.mapping import from_package
from civic.connectors.ckan.parsing import parse_dataset, parse_resource
from civic.services.catalog.ckan_query import uuid_or_none
from civic.services.catalog.errors import UnknownDataset, UnknownResource
from civic.services.catalog.inputs import DatasetInput, ResourceInput
from civic.services.catalog.models import Dataset, Organization, Resource
from civic.services.errors import InvalidInput
from civic.services.uow import UnitOfWork

# The platform's field names (JSON pointers' first part) under CKAN's names.
CKAN_FIELDS = {
    "description": "notes",
    "organization": "owner_org",
    "license": "license_id",
    "contact_point": "maintainer_email",
    "themes": "extras",
    "temporal": "extras",
    "spatial": "extras",
    "frequency": "extras",
    "media_type": "mimetype",
    "checksum": "hash",
}


def ckan_field_errors(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """``(pointer, message)`` pairs (``#/resources/0/url``) as CKAN's field dict."""
    fields: dict[str, list[str]] = {}
    for pointer, message in pairs:
        parts = [part for part in pointer.removeprefix("#").split("/") if part]
        if not parts:
            fields.setdefault("__body", []).append(message)
            continue
        key = CKAN_FIELDS.get(parts[0], parts[0])
        text = message
        if key == "resources" and len(parts) > 2:
            inner = CKAN_FIELDS.get(parts[2], parts[2])
            text = f"resource {parts[1]}, {inner}: {message}"
        fields.setdefault(key, []).append(text)
    return fields


def _pairs(error: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[tuple[str, str]]:
    pairs = []
    for item in error.errors():
        location = [*prefix, *item["loc"]]
        pairs.append(("#/" + "/".join(str(part) for part in location), str(item["msg"])))
    return pairs


def organization_name(uow: UnitOfWork, key: str) -> str | None:
    """The name of the organization whose name, CKAN id or mirror id is ``key``."""
    return uow.session.scalar(
        sa.select(Organization.name).where(
            sa.or_(
                Organization.name == key,
                Organization.ckan_id == key,
                Organization.id == uuid_or_none(key),
            )
        )
    )


def dataset_name(uow: UnitOfWork, key: str) -> str:
    """The name of the live dataset whose name, CKAN id or mirror id is ``key``.

    Raises :class:`UnknownDataset`.
    """
    name = uow.session.scalar(
        sa.select(Dataset.name).where(
            Dataset.deleted_at.is_(None),
            sa.or_(Dataset.name == key, Dataset.ckan_id == key, Dataset.id == uuid_or_none(key)),
        )
    )
    if name is None:
        raise UnknownDataset(f"no dataset is named or has the id {key!r}")
    return name


def find_resource(uow: UnitOfWork, key: str) -> tuple[str, uuid.UUID]:
    """The dataset name and mirror id of the live resource whose CKAN or mirror id is ``key``.

    Raises :class:`UnknownResource`.
    """
    found = uow.session.execute(
        sa.select(Dataset.name, Resource.id)
        .join(Dataset, Dataset.id == Resource.dataset_id)
        .where(
            Dataset.deleted_at.is_(None),
            sa.or_(Resource.ckan_id == key, Resource.id == uuid_or_none(key)),
        )
    ).first()
    if found is None:
        raise UnknownResource(f"no resource has the id {key!r}")
    return str(found[0]), found[1]


def resource_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """A CKAN resource dict as :class:`ResourceInput`'s fields (unknown keys dropped)."""
    try:
        resource = parse_resource(dict(data))
    except (CkanError, TypeError, ValueError, AttributeError) as error:
        raise InvalidInput([("#/resources", f"not a resource: {error}")]) from error
    fields: dict[str, Any] = {
        "url": resource.url,
        "name": resource.name or "",
        "format": resource.format or "",
        "media_type": resource.mimetype or None,
        "size": resource.size,
        "checksum": resource.hash or None,
    }
    return fields


def resource_input(data: Mapping[str, Any]) -> ResourceInput:
    """A CKAN resource dict as a :class:`ResourceInput`. Raises :class:`InvalidInput`."""
    try:
        return ResourceInput(**resource_fields(data))
    except ValidationError as error:
        raise InvalidInput(_pairs(error)) from error


def _normalised(package: Mapping[str, Any]) -> dict[str, Any]:
    body = dict(package)
    if isinstance(body.get("tags"), list):
        # CKAN takes tags as dicts; some clients send plain strings.
        body["tags"] = [tag if isinstance(tag, Mapping) else {"name": tag} for tag in body["tags"]]
    if isinstance(body.get("tag_string"), str) and "tags" not in body:
        body["tags"] = [{"name": tag.strip()} for tag in body["tag_string"].split(",") if tag]
    for key in ("extras", "resources", "tags"):
        if body.get(key) is not None and not isinstance(body[key], list):
            raise InvalidInput([(f"#/{key}", "Not a list")])
    return body


def dataset_input(uow: UnitOfWork, package: Mapping[str, Any]) -> DatasetInput:
    """A CKAN package dict as a :class:`DatasetInput`. Raises :class:`InvalidInput`.

    ``owner_org`` may be the organization's name or its (CKAN or mirror) id.
    """
    body = _normalised(package)
    try:
        record = from_package(parse_dataset(body))
    except (CkanError, TypeError, ValueError, AttributeError, KeyError) as error:
        raise InvalidInput([("#", f"not a CKAN package: {error}")]) from error
    owner = str(package.get("owner_org") or "")
    if not owner and isinstance(package.get("organization"), Mapping):
        owner = str(package["organization"].get("name") or "")
    organization = organization_name(uow, owner) if owner else None
    if organization is None:
        message = "Organization does not exist" if owner else "Missing value"
        raise InvalidInput([("#/organization", message)])
    resources = []
    errors: list[tuple[str, str]] = []
    for position, item in enumerate(package.get("resources") or ()):
        if not isinstance(item, Mapping):
            errors.append((f"#/resources/{position}", "not a resource"))
            continue
        resources.append(resource_fields(item))
    if errors:
        raise InvalidInput(errors)
    fields: dict[str, Any] = {
        "name": record.name,
        "title": record.title or record.name,
        "description": record.description,
        "organization": organization,
        "license": record.license or "",
        "tags": list(record.tags),
        "themes": list(record.themes),
        "spatial": record.spatial,
        "frequency": record.frequency,
        "resources": resources,
    }
    if record.temporal_start or record.temporal_end:
        fields["temporal"] = {"start": record.temporal_start, "end": record.temporal_end}
    if record.contact_point:
        fields["contact_point"] = dict(record.contact_point)
    try:
        return DatasetInput(**fields)
    except ValidationError as error:
        raise InvalidInput(_pairs(error)) from error
