"""Searching the mirror: PostgreSQL full text in French and English, filters, facets, pages.

Served from the gateway's own database, so it is fast and keeps working while CKAN
is down. Facets are counted over the whole filtered result, not the page. One
module a concept:

- :mod:`.query`: the search parameters (:class:`SearchQuery`, used by the API, the
  pages and the services) and the answers;
- :mod:`.statements`: the SQL (matches, order, count, the page's documents);
- :mod:`.facets`: the facet counts (their ranking is CKAN's facade's too);
- :mod:`.cache`: answers kept with the catalog's version (:class:`SearchCache`);
- :mod:`.engine`: running a search (:func:`search_datasets`, :func:`search_documents`).
"""

from civic.services.catalog.search.cache import SearchCache
from civic.services.catalog.search.engine import search_datasets, search_documents
from civic.services.catalog.search.query import (
    FACET_LIMIT,
    FACETS,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    SORTS,
    SearchDocuments,
    SearchQuery,
    SearchResults,
    Sort,
)

__all__ = [
    "FACETS",
    "FACET_LIMIT",
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "SORTS",
    "SearchCache",
    "SearchDocuments",
    "SearchQuery",
    "SearchResults",
    "Sort",
    "search_datasets",
    "search_documents",
]
