"""Reading the catalog for the DCAT-AP export: one page of live datasets, or one dataset."""

from __future__ import annotations

import contextlib
import uuid

import sqlalchemy as sa
from rdflib import Graph
from sqlalchemy.orm import selectinload

from civic.services.catalog.errors import UnknownDataset
from civic.services.catalog.models import Dataset
from civic.services.dcat.graph import CatalogInfo, catalog_graph, dataset_graph
from civic.services.dcat.paging import MAX_PAGE_SIZE, CatalogQuery, Page
from civic.services.uow import UnitOfWork

__all__ = ["MAX_PAGE_SIZE", "export_catalog", "export_dataset"]


def export_catalog(uow: UnitOfWork, info: CatalogInfo, query: CatalogQuery) -> Graph:
    """The page of the catalog ``query`` asks for, as a DCAT-AP graph with paging links.

    Live datasets by name (a stable order), only those modified at or after
    ``modified_since`` when given (as ckanext-dcat filters ``metadata_modified``).
    Raises :class:`~civic.services.dcat.paging.ModifiedSinceError`.
    """
    conditions: list[sa.ColumnElement[bool]] = [Dataset.deleted_at.is_(None)]
    since = query.modified_since
    if since is not None:
        conditions.append(Dataset.modified >= since)
    total = int(
        uow.session.scalar(sa.select(sa.func.count()).select_from(Dataset).where(*conditions)) or 0
    )
    datasets = uow.session.scalars(
        sa.select(Dataset)
        .where(*conditions)
        .order_by(Dataset.name, Dataset.id)
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
        .options(selectinload(Dataset.resources), selectinload(Dataset.organization))
    )
    return catalog_graph(datasets, info, Page(query, total))


def export_dataset(uow: UnitOfWork, info: CatalogInfo, key: str) -> Graph:
    """The live dataset ``key`` (its name, its id or its CKAN id) as a DCAT-AP graph.

    ckanext-dcat's ``/dataset/<id>.<format>`` takes a name or an id, so does this.
    Raises ``UnknownDataset``.
    """
    return dataset_graph(find_dataset(uow, key), info)


def find_dataset(uow: UnitOfWork, key: str) -> Dataset:
    """The live dataset whose name, id or CKAN id is ``key``. Raises ``UnknownDataset``."""
    matches: list[sa.ColumnElement[bool]] = [Dataset.name == key, Dataset.ckan_id == key]
    with contextlib.suppress(ValueError):  # not a UUID: a name or a CKAN id only
        matches.append(Dataset.id == uuid.UUID(key))
    dataset = uow.session.scalar(
        sa.select(Dataset)
        .where(sa.or_(*matches), Dataset.deleted_at.is_(None))
        # A name wins over another dataset's id (names cannot be UUIDs in practice).
        .order_by(sa.case((Dataset.name == key, 0), else_=1))
        .limit(1)
        .options(selectinload(Dataset.resources), selectinload(Dataset.organization))
    )
    if dataset is None:
        raise UnknownDataset(f"no dataset has the name or id {key!r}")
    return dataset
