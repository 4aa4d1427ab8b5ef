"""Search answers kept with the catalog's version they were computed at.

An answer is served again only while that version is current. The version changes
at the commit of any write to the catalog (a trigger, see
:class:`~civic.services.catalog.models.CatalogVersion`), so a cached answer is never
older than what the reader could see without the cache. The API's searches and
CKAN's ``package_search`` keep their answers this way, each in a cache of its own
(built by :class:`~civic.services.bootstrap.Bootstrap`).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable

import sqlalchemy as sa

from civic.services.catalog.models import CatalogVersion
from civic.services.catalog.search.query import SearchDocuments
from civic.services.uow import UnitOfWork

_VERSION = sa.select(CatalogVersion.version).where(CatalogVersion.id == 1)


def catalog_version(uow: UnitOfWork) -> uuid.UUID | None:
    """The catalog's current version (one short statement); None without a version row
    (an emptied database: nothing cached can then be trusted)."""
    version: uuid.UUID | None = uow.session.connection().scalar(_VERSION)
    return version


class SearchCache:
    """Search answers of one process, each kept with the catalog version it was computed at.

    At most ``size`` answers holding at most ``DOCUMENTS_PER_ANSWER * size`` documents
    in all (a few pages of 1,000 must not crowd out hundreds of pages of 20, nor the
    worker's memory); the least recently used go first, and an answer larger than the
    whole budget is not kept. Safe to share between threads. The answers are shared:
    callers must not change them.
    """

    DOCUMENTS_PER_ANSWER = 20

    def __init__(self, size: int) -> None:
        self.size = size
        self.budget = self.DOCUMENTS_PER_ANSWER * size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[uuid.UUID, SearchDocuments]] = OrderedDict()
        self._documents = 0
        self._lock = threading.Lock()

    def version(self, uow: UnitOfWork) -> uuid.UUID | None:
        """The catalog's version to look answers up at; None when this cache keeps
        nothing (size 0) or the version cannot be read (then search without it)."""
        if self.size <= 0:
            return None
        return catalog_version(uow)

    def get(self, key: Hashable, version: uuid.UUID) -> SearchDocuments | None:
        """The answer cached for ``key`` at ``version``, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, version: uuid.UUID, answer: SearchDocuments) -> None:
        """Keep ``answer`` for ``key`` at ``version`` (replacing an older one)."""
        weight = _weight(answer)
        with self._lock:
            self._drop(key)
            if weight > self.budget:
                return
            self._entries[key] = (version, answer)
            self._documents += weight
            while len(self._entries) > self.size or self._documents > self.budget:
                self._drop(next(iter(self._entries)))

    @property
    def documents(self) -> int:
        """How many documents the kept answers hold."""
        return self._documents

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._documents -= _weight(entry[1])

    def __len__(self) -> int:
        return len(self._entries)


def _weight(answer: SearchDocuments) -> int:
    return max(1, len(answer.documents))
