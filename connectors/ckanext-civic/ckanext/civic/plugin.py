"""CKAN plugins of ckanext-civic.

``civic_search``: CKAN's search index in PostgreSQL instead of Solr. Add it
to ``ckan.plugins``; ``solr_url`` may be left out or be a dummy. The index
lives in the schema ``civic_search`` of the database named by
``sqlalchemy.url`` (or ``ckanext.civic.search.sqlalchemy_url``); fill it
with ``ckan search-index rebuild``.
"""

from __future__ import annotations

from typing import Any

import ckan.plugins as plugins

from .search import install


class CivicSearchPlugin(plugins.SingletonPlugin):
    """Swap CKAN's Solr connection for the PostgreSQL backend."""

    plugins.implements(plugins.IConfigurer)

    def update_config(self, config: Any) -> None:
        """Install the backend; CKAN calls this before its schema check."""
        install()
