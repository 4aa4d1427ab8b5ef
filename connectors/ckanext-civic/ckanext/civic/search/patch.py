"""Point CKAN's search layer at the PostgreSQL backend.

CKAN imports ``make_connection`` by name into ``ckan.lib.search.common``,
``.index``, ``.query`` and the ``ckan.lib.search`` package itself, so each
binding is replaced. ``check_solr_schema_version`` (run at every CKAN
start) would fetch ``schema.xml`` from Solr over HTTP; the replacement makes
sure the index tables exist instead, and still validates an explicit
``schema_file`` the way CKAN does (CKAN's tests call it so).

The patch stays for the life of the process, also after the plugin is
unloaded: CKAN's test runner unloads all plugins between tests, and a
half-switched search layer would be worse than either backend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .backend import PostgresSearch

log = logging.getLogger(__name__)

_original_check: Callable[..., bool] | None = None

#: Optional setting naming a different database for the index.
URL_OPTION = "ckanext.civic.search.sqlalchemy_url"


def make_connection(decode_dates: bool = True) -> PostgresSearch:
    """CKAN's ``make_connection`` replacement: reads the config per call."""
    from ckan.common import config

    # An explicit default keeps CKAN from warning about an undeclared key.
    url = config.get(URL_OPTION, None) or config.get("sqlalchemy.url")
    if not url:
        raise RuntimeError("ckanext-civic: sqlalchemy.url is not configured")
    timeout = config.get("solr_timeout")
    return PostgresSearch(
        str(url), decode_dates=decode_dates, timeout=float(timeout) if timeout else None
    )


def check_solr_schema_version(schema_file: str | None = None) -> bool:
    """Stand-in for CKAN's check: ensure the index exists.

    With ``schema_file`` CKAN's own version check runs on that file (its
    errors are CKAN's ``SearchError``). Without it, returns ``True`` once
    the index tables are there, ``False`` (and a warning) if the database
    cannot be reached, as CKAN does when Solr is down.
    """
    if schema_file and _original_check is not None:
        return _original_check(schema_file)
    try:
        make_connection().ping()
    except Exception as exc:  # CKAN only warns here, so do we
        log.warning("ckanext-civic: search index not reachable: %s", exc)
        return False
    return True


def install() -> None:
    """Replace CKAN's Solr connection factory everywhere it is bound.

    Idempotent; safe to call on every ``update_config``.
    """
    global _original_check
    import ckan.lib.search as search
    import ckan.lib.search.common as common
    import ckan.lib.search.index as index
    import ckan.lib.search.query as query

    current: Any = search.check_solr_schema_version
    if current is not check_solr_schema_version:
        _original_check = current
        search.check_solr_schema_version = check_solr_schema_version
    for module in (search, common, index, query):
        module.make_connection = make_connection  # type: ignore[attr-defined]
