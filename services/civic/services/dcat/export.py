"""Reading the catalog for the DCAT-AP export: one page of live datasets, or one dataset."""

from __future__ import annotations

import sqlalchemy as sa
from rdflib import Graph
from sqlalchemy.orm import selectinload

from civic.services.catalog.datasets import get_dataset
from civic.services.catalog.models import Dataset
from civic.services.dcat.graph import CatalogInfo, Page, catalog_graph, dataset_graph
from civic.services.uow import UnitOfWork

MAX_PAGE_SIZE = 1000


def export_catalog(
    uow: UnitOfWork, info: CatalogInfo, *, page: int = 1, page_size: int = 100
) -> Graph:
    """Page ``page`` of the catalog as a DCAT-AP graph (datasets by name, a stable order)."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    live = Dataset.deleted_at.is_(None)
    total = int(
        uow.session.scalar(sa.select(sa.func.count()).select_from(Dataset).where(live)) or 0
    )
    datasets = uow.session.scalars(
        sa.select(Dataset)
        .where(live)
        .order_by(Dataset.name, Dataset.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .options(selectinload(Dataset.resources), selectinload(Dataset.organization))
    )
    return catalog_graph(datasets, info, Page(page, page_size, total))


def export_dataset(uow: UnitOfWork, info: CatalogInfo, name: str) -> Graph:
    """The live dataset ``name`` as a DCAT-AP graph. Raises ``UnknownDataset``."""
    return dataset_graph(get_dataset(uow, name), info)
