"""PostgreSQL search backend standing in for Solr inside CKAN.

:func:`install` swaps CKAN's ``make_connection`` for one returning a
:class:`~ckanext.civic.search.backend.PostgresSearch`, so CKAN's own
document building, permission labels and query assembly keep running and
only the storage and matching change.
"""

from .patch import install, make_connection

__all__ = ["install", "make_connection"]
