"""Taking changes made directly in CKAN into the mirror (pushes and reconciles).

CKAN is the system of record, but the gateway's own writes win while they are on
their way: a dataset with pending outbox messages is left alone (its next delivery
overwrites CKAN anyway). Data written in CKAN by others is mirrored as it is, even
where the gateway's API would have refused it (an unknown licence, say).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from civic.connectors.ckan.interfaces import CkanClient, CkanNotFound
from civic.connectors.ckan.mapping import DatasetRecord
from civic.services.catalog.models import (
    Dataset,
    Organization,
    OrganizationLevel,
    Resource,
    SyncStatus,
)
from civic.services.catalog.vocabularies import frequency_code, theme_code
from civic.services.clock import utcnow
from civic.services.outbox.models import OutboxMessage
from civic.services.uow import UnitOfWork


class Applied(enum.Enum):
    """What :func:`apply_ckan_dataset` did."""

    CREATED = "created"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # the gateway's own write is on its way


def has_pending_messages(uow: UnitOfWork, aggregate_id: uuid.UUID) -> bool:
    """Whether the aggregate has outbox messages not yet delivered."""
    return (
        uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.aggregate_id == aggregate_id, OutboxMessage.processed_at.is_(None))
        )
        or 0
    ) > 0


def find_mirrored(uow: UnitOfWork, ckan_id: str, name: str) -> Dataset | None:
    """The mirror row of CKAN's dataset: by CKAN id, else the live dataset of that name."""
    options = (selectinload(Dataset.resources), selectinload(Dataset.organization))
    found = uow.session.scalar(
        sa.select(Dataset).where(Dataset.ckan_id == ckan_id).options(*options)
    )
    if found is not None:
        return found
    return uow.session.scalar(
        sa.select(Dataset)
        .where(Dataset.name == name, Dataset.deleted_at.is_(None))
        .options(*options)
    )


def apply_ckan_dataset(uow: UnitOfWork, ckan: CkanClient, record: DatasetRecord) -> Applied:
    """Make the mirror hold CKAN's ``record`` (a dataset read back with its id).

    The mirror is the public catalog: a CKAN dataset that is deleted, or private
    (whoever made it so, and whether its push arrived or reconcile found it),
    withdraws the mirror's. Raises the connector's errors when an unknown
    organization must be read from CKAN.
    """
    assert record.id is not None  # noqa: S101 - records read from CKAN have one
    dataset = find_mirrored(uow, record.id, record.name)
    modified = record.metadata_modified
    if dataset is not None and has_pending_messages(uow, dataset.id):
        return Applied.SKIPPED
    if record.state != "active" or record.private:
        if dataset is None or dataset.deleted_at is not None:
            return Applied.UNCHANGED
        dataset.deleted_at = utcnow()
        _mark_synced(dataset, record.id, modified, record.metadata_created)
        return Applied.WITHDRAWN
    if (
        dataset is not None
        and dataset.deleted_at is None
        and modified is not None
        and dataset.ckan_modified == modified
    ):
        return Applied.UNCHANGED
    organization = _organization(uow, ckan, record.organization)
    created = dataset is None
    if dataset is None:
        dataset = Dataset(id=_uuid(record.id), name=record.name, resources=[])
        uow.session.add(dataset)
    dataset.organization = organization
    dataset.name = record.name
    dataset.deleted_at = None
    dataset.title = (record.title or record.name)[:500]
    dataset.description = record.description
    dataset.license = record.license
    dataset.tags = list(record.tags)
    dataset.themes = [code for theme in record.themes if (code := theme_code(theme))]
    dataset.temporal_start = _date(record.temporal_start)
    dataset.temporal_end = _date(record.temporal_end)
    if (
        dataset.temporal_start
        and dataset.temporal_end
        and dataset.temporal_start > dataset.temporal_end
    ):
        dataset.temporal_end = None
    dataset.spatial = record.spatial
    dataset.frequency = frequency_code(record.frequency) if record.frequency else None
    dataset.contact_point = dict(record.contact_point) if record.contact_point else None
    _resources(dataset, record)
    _mark_synced(dataset, record.id, modified, record.metadata_created)
    uow.session.flush()
    return Applied.CREATED if created else Applied.UPDATED


def _mark_synced(
    dataset: Dataset, ckan_id: str, modified: dt.datetime | None, created: dt.datetime | None
) -> None:
    dataset.ckan_id = ckan_id
    dataset.ckan_modified = modified
    dataset.ckan_created = created or dataset.ckan_created
    dataset.sync_status = SyncStatus.SYNCED
    dataset.sync_error = None
    dataset.modified = utcnow()


def _resources(dataset: Dataset, record: DatasetRecord) -> None:
    existing = {resource.ckan_id or str(resource.id): resource for resource in dataset.resources}
    kept = []
    for position, data in enumerate(record.resources):
        resource = existing.pop(data.id or "", None) or Resource(id=_uuid(data.id or ""))
        resource.ckan_id = data.id
        resource.url = data.url
        resource.name = data.name[:500]
        resource.format = data.format.upper()[:100]
        resource.media_type = data.media_type
        resource.size = data.size if data.size is None or data.size >= 0 else None
        resource.checksum = data.checksum
        resource.position = position
        kept.append(resource)
    dataset.resources = kept
    dataset.formats = sorted({resource.format for resource in kept if resource.format})


def _organization(uow: UnitOfWork, ckan: CkanClient, name: str | None) -> Organization:
    if not name:
        raise CkanNotFound("the CKAN dataset has no organization")
    organization = uow.session.scalar(
        sa.select(Organization).where(
            sa.or_(Organization.name == name, Organization.ckan_id == name)
        )
    )
    if organization is not None:
        return organization
    found = ckan.organization_show(name)
    existing = uow.session.scalar(sa.select(Organization).where(Organization.name == found.name))
    if existing is not None:
        existing.ckan_id = found.id
        return existing
    level = found.extras.get("level", OrganizationLevel.NATIONAL.value)
    organization = Organization(
        id=_uuid(found.id),
        name=found.name,
        title=(found.title or found.name)[:300],
        description=found.description,
        level=OrganizationLevel(level)
        if level in OrganizationLevel._value2member_map_
        else OrganizationLevel.NATIONAL,
        territory=found.extras.get("territory") or None,
        website=found.extras.get("website") or None,
        ckan_id=found.id,
    )
    uow.session.add(organization)
    uow.session.flush()
    return organization


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid4()


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
