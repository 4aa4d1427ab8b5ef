"""Search answers kept with the catalog's version they were computed at.

An answer is served again only while that version is current. The version changes
at the commit of any write to the catalog (a trigger, see
:class:`~civic.services.catalog.models.CatalogVersion`), so a cached answer is never
older than what the reader could see without the cache. The API's searches and
CKAN's ``package_search`` keep their answers this way, each in a cache of its own
(built by :class:`~civic.services.bootstrap.Bootstrap`).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from civic.services.caching import VersionedCache, kept_size
from civic.services.catalog.models import CatalogVersion
from civic.services.catalog.search.query import SearchDocuments
from civic.services.uow import UnitOfWork

_VERSION = sa.select(CatalogVersion.version).where(CatalogVersion.id == 1)


def catalog_version(uow: UnitOfWork) -> uuid.UUID | None:
    """The catalog's current version (one short statement); None without a version row
    (an emptied database: nothing cached can then be trusted)."""
    version: uuid.UUID | None = uow.session.connection().scalar(_VERSION)
    return version


class SearchCache(VersionedCache[SearchDocuments]):
    """Search answers of one process, each kept with the catalog version it was computed at.

    At most ``size`` answers holding at most ``budget`` bytes in all, an answer's size
    measured when it is kept (:func:`~civic.services.caching.kept_size`): a few pages
    of 1,000 must not crowd out hundreds of pages of 20, nor the worker's memory (by
    documents, 5,120 a cache, the two caches could hold about 80 MB of 6.5-9 kB
    documents and CKAN packages). The
    least recently used go first; an answer larger than the whole budget is not kept.
    Safe to share between threads. The answers are shared: callers must not change them.
    """

    def __init__(self, size: int, budget: int) -> None:
        super().__init__(budget if size > 0 else 0, kept_size, entries=size)
        self.size = size

    def version(self, uow: UnitOfWork) -> uuid.UUID | None:
        """The catalog's version to look answers up at; None when this cache keeps
        nothing (size 0) or the version cannot be read (then search without it)."""
        if self.size <= 0:
            return None
        return catalog_version(uow)
