"""The database versions that values kept per process are read at.

A value is served again only while that version is current: the versions
(``catalog_version``, ``auth_version``) change at the commit of any write that could
change what was read, by deferred triggers. A caller reads the current versions
first (one short statement, :func:`current_versions`), then looks its value up at that
version in a :class:`~civic.services.caching.VersionedCache`; a value read after the
version is at least as recent as it, so a cached answer is never older than what the
reader could see without the cache.

The gateway keeps the dataset documents of ``GET /api/v1/datasets/<name>``, CKAN's
packages and the checked access tokens of every API call this way, each bounded by
bytes (issue 19), and the search answers, bounded by documents
(:class:`~civic.services.catalog.search.cache.SearchCache`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civic.services.catalog.models import CatalogVersion
from civic.services.tokens.models import AuthVersion

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
