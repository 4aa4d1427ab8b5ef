"""The tracked download link: where a resource is, in one indexed query."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

from civic.services.catalog.errors import UnknownResource
from civic.services.catalog.models import Dataset, Resource
from civic.services.uow import UnitOfWork


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
