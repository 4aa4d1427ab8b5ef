"""The tracked download link: where a resource is, in one indexed query; and how many
downloads datasets and organizations had through it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

from civic.services.catalog.errors import UnknownResource
from civic.services.catalog.models import Dataset, Resource
from civic.services.uow import UnitOfWork
from civic.services.usage.models import UsageDaily, UsageKind


@dataclass(frozen=True, slots=True)
class Download:
    """A resource to redirect to, and what the usage event records of it."""

    dataset_id: uuid.UUID
    dataset_name: str
    resource_id: uuid.UUID
    url: str


def find_download(uow: UnitOfWork, dataset_name: str, resource_id: str) -> Download:
    """The resource ``resource_id`` of the live dataset ``dataset_name``.

    Raises :class:`UnknownResource` when there is none, or when its URL is not an
    http(s) URL (the link only ever redirects to the web).
    """
    try:
        wanted = uuid.UUID(resource_id)
    except ValueError:
        raise UnknownResource(f"no resource has the id {resource_id!r}") from None
    row = uow.session.execute(
        sa.select(Dataset.id, Resource.url)
        .join(Resource, Resource.dataset_id == Dataset.id)
        .where(
            Dataset.name == dataset_name,
            Dataset.deleted_at.is_(None),
            Resource.id == wanted,
        )
    ).first()
    if row is None:
        raise UnknownResource(f"the dataset {dataset_name!r} has no resource {resource_id}")
    dataset_id, url = row
    if urlsplit(url).scheme not in {"http", "https"}:
        raise UnknownResource("this resource has no web address to download from")
    return Download(dataset_id, dataset_name, wanted, url)


def download_counts(uow: UnitOfWork, dataset_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Downloads of each of these datasets through the tracked link, as rolled up so far
    (absent: none), in one query over the daily rows' ``(dataset_id, day)`` index."""
    if not dataset_ids:
        return {}
    rows = uow.session.execute(
        sa.select(UsageDaily.dataset_id, sa.func.sum(UsageDaily.events))
        .where(
            UsageDaily.dataset_id.in_(list(dataset_ids)),
            UsageDaily.kind == UsageKind.DOWNLOAD,
        )
        .group_by(UsageDaily.dataset_id)
    )
    return {dataset_id: int(total) for dataset_id, total in rows if dataset_id is not None}


def organization_downloads(uow: UnitOfWork, organization_id: uuid.UUID) -> int:
    """Downloads of every dataset of one organization, as rolled up so far."""
    total = uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(UsageDaily.events), 0))
        .join(Dataset, Dataset.id == UsageDaily.dataset_id)
        .where(Dataset.organization_id == organization_id, UsageDaily.kind == UsageKind.DOWNLOAD)
    )
    return int(total or 0)
