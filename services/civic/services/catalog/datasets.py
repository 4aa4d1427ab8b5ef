"""Publishing datasets: create, replace, patch, withdraw, and their resources.

Every write changes the mirror row and adds an outbox message in the caller's
unit of work, so both commit together or not at all; the worker (or the request
itself, for a short while) then sends the dataset's current state to CKAN. A
write sets ``sync_status`` back to ``pending``. Services never commit.

The rules go through the unit of work's repositories only
(:class:`~civic.services.catalog.ports.CatalogWork`): tests/unit/domain runs them
in memory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from civic.services.catalog.documents import comparable, dataset_document
from civic.services.catalog.errors import (
    NameTaken,
    UnknownDataset,
    UnknownOrganization,
    UnknownResource,
)
from civic.services.catalog.inputs import DatasetInput, DatasetPatch, ResourceInput, check_license
from civic.services.catalog.models import Dataset, Organization, Resource, SyncStatus
from civic.services.catalog.permissions import Actor, ensure_may_write
from civic.services.catalog.ports import CatalogWork
from civic.services.clock import utcnow
from civic.services.errors import InvalidInput

AGGREGATE = "dataset"


@dataclass(frozen=True, slots=True)
class DatasetWrite:
    """The outcome of a write: the dataset, and the outbox message if anything changed."""

    dataset: Dataset
    message_id: int | None
    created: bool = False

    @property
    def changed(self) -> bool:
        """False when the write asked for what the dataset already was."""
        return self.message_id is not None


def get_dataset(uow: CatalogWork, name: str) -> Dataset:
    """The live dataset named ``name``, with its organization and resources.

    Raises :class:`UnknownDataset`.
    """
    dataset = uow.datasets.live(name)
    if dataset is None:
        raise UnknownDataset(f"no dataset is named {name!r}")
    return dataset


def publish_dataset(
    uow: CatalogWork, actor: Actor, data: DatasetInput, *, licenses: list[str]
) -> DatasetWrite:
    """Create a dataset from ``data``.

    Raises :class:`WriteRefused` (not the actor's organization),
    :class:`UnknownOrganization`, :class:`InvalidInput` (a licence not allowed) and
    :class:`NameTaken` (a live dataset has this name, or another organization withdrew
    a dataset of this name: withdrawn names stay reserved to their organization).
    """
    ensure_may_write(actor, data.organization)
    check_license(data.license, licenses)
    organization = _organization(uow, data.organization)
    live, withdrawn_by = uow.datasets.name_holders(data.name)
    if live:
        raise NameTaken(f"a dataset named {data.name!r} exists already")
    _ensure_name_not_reserved(data.name, organization, withdrawn_by)
    dataset = Dataset(name=data.name, organization=organization, resources=[])
    _apply(dataset, data)
    uow.datasets.add(dataset)
    message_id = uow.outbox.add(AGGREGATE, dataset.id, "upsert", {"name": dataset.name})
    return DatasetWrite(dataset, message_id, created=True)


def replace_dataset(
    uow: CatalogWork, actor: Actor, name: str, data: DatasetInput, *, licenses: list[str]
) -> DatasetWrite:
    """Replace every field of the dataset ``name`` by ``data`` (PUT).

    A write that changes nothing adds no outbox message. Raises
    :class:`UnknownDataset`, :class:`WriteRefused` (for the current or the new
    organization), :class:`InvalidInput` (a renamed dataset, a licence not allowed)
    and :class:`UnknownOrganization`.
    """
    dataset = get_dataset(uow, name)
    ensure_may_write(actor, dataset.organization.name)
    ensure_may_write(actor, data.organization)
    if data.name != dataset.name:
        raise InvalidInput([("#/name", "a dataset cannot be renamed; publish a new one")])
    check_license(data.license, licenses)
    if comparable(dataset_document(dataset)) == _wanted(dataset, data):
        return DatasetWrite(dataset, None)
    if data.organization != dataset.organization.name:
        dataset.organization = _organization(uow, data.organization)
    _apply(dataset, data)
    return _changed(uow, dataset, "upsert")


def patch_dataset(
    uow: CatalogWork, actor: Actor, name: str, changes: DatasetPatch, *, licenses: list[str]
) -> DatasetWrite:
    """Change the fields given in ``changes`` (PATCH); the rest stay as they are.

    Raises like :func:`replace_dataset`, with :class:`InvalidInput` for a field
    set to null that the dataset needs.
    """
    dataset = get_dataset(uow, name)
    current = dataset_document(dataset)
    merged = {**current, **changes.model_dump(exclude_unset=True, mode="json")}
    if isinstance(merged["resources"], list):  # null is refused below, with its pointer
        merged["resources"] = [
            {k: v for k, v in resource.items() if k != "id"} for resource in merged["resources"]
        ]
    fields = set(DatasetInput.model_fields)
    try:
        data = DatasetInput.model_validate({k: v for k, v in merged.items() if k in fields})
    except ValidationError as error:
        raise InvalidInput(
            [
                ("#/" + "/".join(str(part) for part in item["loc"]), item["msg"])
                for item in error.errors(include_url=False, include_input=False)
            ]
        ) from error
    return replace_dataset(uow, actor, name, data, licenses=licenses)


def withdraw_dataset(uow: CatalogWork, actor: Actor, name: str) -> DatasetWrite:
    """Withdraw (soft-delete) the dataset; CKAN deletes it too.

    The row stays for reuses and usage statistics; its name may be published again.
    Raises :class:`UnknownDataset` and :class:`WriteRefused`.
    """
    dataset = get_dataset(uow, name)
    ensure_may_write(actor, dataset.organization.name)
    dataset.deleted_at = utcnow()
    return _changed(uow, dataset, "delete")


def upsert_dataset(
    uow: CatalogWork, actor: Actor, data: DatasetInput, *, licenses: list[str]
) -> DatasetWrite:
    """Create the dataset, or replace it when one of this name is live (``civic publish``).

    Publishing the same data twice changes nothing the second time. Raises like
    :func:`publish_dataset` and :func:`replace_dataset`.
    """
    if uow.datasets.live(data.name) is None:
        return publish_dataset(uow, actor, data, licenses=licenses)
    return replace_dataset(uow, actor, data.name, data, licenses=licenses)


# Resources ----------------------------------------------------------------------
def add_resource(
    uow: CatalogWork, actor: Actor, name: str, data: ResourceInput
) -> tuple[DatasetWrite, Resource]:
    """Append a resource to the dataset ``name``.

    Raises :class:`UnknownDataset` and :class:`WriteRefused`.
    """
    dataset = get_dataset(uow, name)
    ensure_may_write(actor, dataset.organization.name)
    resource = Resource(position=len(dataset.resources), **data.model_dump())
    dataset.resources.append(resource)
    dataset.formats = _formats(dataset.resources)
    write = _changed(uow, dataset, "upsert")
    return write, resource


def replace_resource(
    uow: CatalogWork, actor: Actor, name: str, resource_id: uuid.UUID, data: ResourceInput
) -> tuple[DatasetWrite, Resource]:
    """Replace the fields of one resource. Raises :class:`UnknownResource` too."""
    dataset = get_dataset(uow, name)
    ensure_may_write(actor, dataset.organization.name)
    resource = _resource(dataset, resource_id)
    for key, value in data.model_dump().items():
        setattr(resource, key, value)
    dataset.formats = _formats(dataset.resources)
    return _changed(uow, dataset, "upsert"), resource


def delete_resource(
    uow: CatalogWork, actor: Actor, name: str, resource_id: uuid.UUID
) -> DatasetWrite:
    """Remove one resource from the dataset. Raises :class:`UnknownResource` too."""
    dataset = get_dataset(uow, name)
    ensure_may_write(actor, dataset.organization.name)
    dataset.resources.remove(_resource(dataset, resource_id))
    for position, resource in enumerate(dataset.resources):
        resource.position = position
    dataset.formats = _formats(dataset.resources)
    return _changed(uow, dataset, "upsert")


# Helpers ------------------------------------------------------------------------
def _changed(uow: CatalogWork, dataset: Dataset, operation: str) -> DatasetWrite:
    # Every write bumps `modified`: the worker's conditional update relies on it to
    # know whether the state it sent is still the current one.
    dataset.modified = utcnow()
    dataset.sync_status = SyncStatus.PENDING
    dataset.sync_error = None
    uow.datasets.save(dataset)
    message_id = uow.outbox.add(AGGREGATE, dataset.id, operation, {"name": dataset.name})
    return DatasetWrite(dataset, message_id)


def _organization(uow: CatalogWork, name: str) -> Organization:
    organization = uow.organizations.named(name)
    if organization is None:
        raise UnknownOrganization(f"no organization is named {name!r}")
    return organization


def _ensure_name_not_reserved(
    name: str, organization: Organization, owners: set[uuid.UUID]
) -> None:
    # A withdrawn name stays its organization's: its page, DCAT IRI and the reuses
    # declared on it must never come to describe another organization's data.
    if owners and organization.id not in owners:
        raise NameTaken(
            f"the name {name!r} belonged to a dataset another organization withdrew; "
            "it stays reserved to that organization: choose another name"
        )


def _resource(dataset: Dataset, resource_id: uuid.UUID) -> Resource:
    for resource in dataset.resources:
        if resource.id == resource_id:
            return resource
    raise UnknownResource(f"the dataset {dataset.name!r} has no resource {resource_id}")


def _wanted(dataset: Dataset, data: DatasetInput) -> dict[str, Any]:
    document = data.model_dump(mode="json")
    if data.temporal is not None and data.temporal.start is None and data.temporal.end is None:
        document["temporal"] = None
    if data.contact_point is not None:
        document["contact_point"] = data.contact_point.model_dump(exclude_none=True)
    return comparable({**document, "resources": document["resources"]})


def _apply(dataset: Dataset, data: DatasetInput) -> None:
    dataset.title = data.title
    dataset.description = data.description
    dataset.license = data.license
    dataset.tags = list(data.tags)
    dataset.themes = list(data.themes)
    dataset.temporal_start = data.temporal.start if data.temporal else None
    dataset.temporal_end = data.temporal.end if data.temporal else None
    dataset.spatial = data.spatial
    dataset.frequency = data.frequency
    dataset.contact_point = (
        data.contact_point.model_dump(exclude_none=True) if data.contact_point else None
    )
    _apply_resources(dataset, data.resources)


def _apply_resources(dataset: Dataset, wanted: list[ResourceInput]) -> None:
    # Resources are matched by URL, so that those kept keep their id (and CKAN's).
    unused = list(dataset.resources)
    kept: list[Resource] = []
    for position, data in enumerate(wanted):
        match = next((r for r in unused if r.url == data.url), None)
        if match is None:
            match = Resource()
        else:
            unused.remove(match)
        for key, value in data.model_dump().items():
            setattr(match, key, value)
        match.position = position
        kept.append(match)
    dataset.resources = kept
    dataset.formats = _formats(kept)


def _formats(resources: list[Resource]) -> list[str]:
    return sorted({resource.format.upper() for resource in resources if resource.format})
