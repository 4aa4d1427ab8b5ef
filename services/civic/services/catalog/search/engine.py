"""Running a catalog search: the page, the total and the facets, as datasets or documents.

:func:`search_datasets` loads ORM datasets (the web pages); :func:`search_documents`
answers the API in one statement, through a :class:`SearchCache` when given one.
"""

from __future__ import annotations

from collections.abc import Hashable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from civic.services.catalog.documents import document_from_row
from civic.services.catalog.models import Dataset
from civic.services.catalog.search import facets as facet_counts
from civic.services.catalog.search.cache import SearchCache
from civic.services.catalog.search.query import (
    SearchDocuments,
    SearchQuery,
    SearchResults,
    empty_facets,
    page_of,
)
from civic.services.catalog.search.statements import FILTERS, Shape, order, params
from civic.services.uow import UnitOfWork


def search_datasets(uow: UnitOfWork, query: SearchQuery, *, facets: bool = True) -> SearchResults:
    """Live datasets matching ``query``, with facet counts when ``facets`` is true."""
    page_size, page = page_of(query)
    shape = Shape.of(query)
    matched = shape.matched()
    values = params(query)
    session = uow.session
    # The total rides along with the page (a window over all matches): one query less.
    ordered = sa.select(matched.c.id, sa.func.count().over().label("total")).order_by(
        *order(matched, query.sort, shape.text)
    )
    rows = session.execute(ordered.offset((page - 1) * page_size).limit(page_size), values).all()
    ids = [row[0] for row in rows]
    total = int(rows[0][1]) if rows else 0
    if not rows and page > 1:
        total = int(session.scalar(shape.count(), values) or 0)
    datasets: list[Dataset] = []
    if ids:
        loaded = {
            dataset.id: dataset
            for dataset in session.scalars(
                sa.select(Dataset)
                .where(Dataset.id.in_(ids))
                .options(selectinload(Dataset.resources), joinedload(Dataset.organization))
            )
        }
        datasets = [loaded[dataset_id] for dataset_id in ids if dataset_id in loaded]
    counted = facet_counts.facets(uow, matched, values) if facets and total else empty_facets()
    return SearchResults(datasets, total, page, page_size, counted)


def search_documents(
    uow: UnitOfWork, query: SearchQuery, *, cache: SearchCache | None = None
) -> SearchDocuments:
    """Like :func:`search_datasets` with facets, as documents, in one statement.

    The API's search: the page's documents (see
    :func:`~civic.services.catalog.documents.document_select`), the total (a window
    over all matches) and the facets (a JSON column of the first row only, computed
    once) come back in one round trip. A page past the end costs two more statements.

    With ``cache``, the catalog's version is read first (one short statement), and an
    answer computed at that version is served from the cache without the search.
    """
    version = cache.version(uow) if cache is not None else None
    if cache is None or version is None:
        return _search_documents(uow, query)
    key = cache_key(query)
    answer = cache.get(key, version)
    if answer is None:
        # Computed after the version was read, so it is at least as recent as that version.
        answer = _search_documents(uow, query)
        cache.put(key, version, answer)
    return answer


def cache_key(query: SearchQuery) -> Hashable:
    """What a cached answer to ``query`` is kept under (equal queries, equal keys)."""
    page_size, page = page_of(query)
    values = params(query)
    return (
        Shape.of(query),
        page,
        page_size,
        *(tuple(values[name]) for name in FILTERS),
        values["q"],
    )


def _search_documents(uow: UnitOfWork, query: SearchQuery) -> SearchDocuments:
    page_size, page = page_of(query)
    shape = Shape.of(query)
    values = params(query)
    values |= {"offset": (page - 1) * page_size, "limit": page_size}
    values["first"] = values["offset"] + 1  # the ordinal of the page's first row
    connection = uow.session.connection()
    rows = connection.execute(shape.documents(), values).mappings().all()
    if rows:
        total = int(rows[0]["total"])
        counted = facet_counts.facets_from_json(rows[0]["facets"])
    else:
        total = int(connection.scalar(shape.count(), values) or 0) if page > 1 else 0
        counted = facet_counts.facets(uow, shape.matched(), values) if total else empty_facets()
    documents = [document_from_row(row) for row in rows]
    return SearchDocuments(documents, total, page, page_size, counted)
