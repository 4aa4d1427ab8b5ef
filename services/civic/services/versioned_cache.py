"""Values kept per process with the database version they were read at.

A value is served again only while that version is current: the versions
(``catalog_version``, ``auth_version``) change at the commit of any write that could
change what was read, by deferred triggers. A caller reads the current versions
first (one short statement, :func:`current_versions`), then looks its value up at that
version; a value read after the version is at least as recent as it, so a cached
answer is never older than what the reader could see without the cache.

The gateway keeps the dataset documents of ``GET /api/v1/datasets/<name>`` and the
checked access tokens of every API call this way (issue 19).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civic.services.catalog.models import CatalogVersion
from civic.services.tokens.models import AuthVersion

V = TypeVar("V")

# Both versions in one round trip (scalar subqueries: a missing row reads as NULL).
_VERSIONS = sa.select(
    sa.select(CatalogVersion.version).where(CatalogVersion.id == 1).scalar_subquery(),
    sa.select(AuthVersion.version).where(AuthVersion.id == 1).scalar_subquery(),
)
_VERSIONS_SQL = (
    "SELECT (SELECT version FROM catalog_version WHERE id = 1),"
    " (SELECT version FROM auth_version WHERE id = 1)"
)


@dataclass(frozen=True, slots=True)
class Versions:
    """The catalog's and the token checks' versions, read together; None for a missing
    row (an emptied database: nothing cached can then be trusted)."""

    catalog: uuid.UUID | None
    auth: uuid.UUID | None


def current_versions(engine: Engine) -> Versions:
    """The current versions, on a pooled connection of ``engine`` (one without a
    pre-ping): one round trip, no session, no transaction.

    Every API call that uses a cache reads them, so this skips what a read unit of work
    costs in Python (a session, the connection's isolation set and reset). A pooled
    connection found dead is dropped and the read runs once more on a fresh one.
    """
    if engine.dialect.name != "postgresql":
        with engine.connect() as session_connection:
            row = session_connection.execute(_VERSIONS).one()
        return Versions(catalog=row[0], auth=row[1])
    for attempt in (1, 2):
        connection = engine.raw_connection()
        try:
            driver = connection.driver_connection
            if not isinstance(driver, psycopg.Connection):
                raise TypeError(f"not a psycopg connection: {driver!r}")
            # Autocommit: no BEGIN before the statement, no ROLLBACK when it goes back
            # to the pool. Set and unset without a round trip (the connection is idle).
            driver.autocommit = True
            try:
                found = driver.execute(_VERSIONS_SQL).fetchone()
            finally:
                driver.autocommit = False
        except psycopg.OperationalError:
            connection.invalidate()
            if attempt == 2:
                raise
            continue
        finally:
            connection.close()
        if found is None:
            break
        return Versions(catalog=found[0], auth=found[1])
    return Versions(catalog=None, auth=None)


class VersionedCache(Generic[V]):
    """At most ``size`` values, each with the version it was read at; least recently
    used first out. Safe to share between threads; values are shared, callers must not
    change them. ``size`` 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[uuid.UUID, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: uuid.UUID | None) -> V | None:
        """The value kept for ``key`` at ``version``, or None (never one of another version)."""
        if version is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, version: uuid.UUID | None, value: V) -> None:
        """Keep ``value`` for ``key`` at ``version`` (nothing without a version)."""
        if version is None or self.size <= 0:
            return
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (version, value)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
