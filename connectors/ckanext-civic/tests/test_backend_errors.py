"""A search backend that cannot be reached fails the way CKAN expects.

CKAN's own test for this (``test_package_search_connection_errors``) points
``solr_url`` at a bad host, which this backend never reads; here the
database URL is the bad one instead, and CKAN's real search code (with the
backend patched in) must turn the failure into its own exceptions:
``SolrConnectionError`` on search ("Search Connection Error" in the API) and
``SearchIndexError`` on indexing.
"""

from __future__ import annotations

import pysolr
import pytest

from ckanext.civic.search.backend import PostgresSearch

# Port 1 on loopback: nothing listens, the connection is refused at once.
BAD_URL = "postgresql://postgres@127.0.0.1:1/nowhere"


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> None:
    import ckan.lib.search as search
    import ckan.lib.search.common as common
    import ckan.lib.search.index as index
    import ckan.lib.search.query as query
    from ckan.common import config

    def make_connection(decode_dates: bool = True) -> PostgresSearch:
        return PostgresSearch(BAD_URL, decode_dates=decode_dates)

    for module in (search, common, index, query):
        monkeypatch.setattr(module, "make_connection", make_connection)
    for key, value in (
        ("ckan.site_id", "unit"),
        ("search.facets.limit", 50),
        ("ckan.search.solr_allowed_query_parsers", []),
        ("ckan.search.solr_commit", True),
    ):
        monkeypatch.setitem(config, key, value)


def test_backend_raises_solr_errors_with_solrs_wording():
    conn = PostgresSearch(BAD_URL)
    with pytest.raises(pysolr.SolrError, match="Failed to connect to server"):
        conn.search(q="*:*")
    with pytest.raises(pysolr.SolrError, match="Failed to connect to server"):
        conn.add([{"index_id": "1", "id": "1", "site_id": "s"}])


@pytest.mark.usefixtures("broken")
def test_ckan_search_reports_a_connection_error():
    from ckan.lib.search.common import SolrConnectionError
    from ckan.lib.search.query import PackageSearchQuery

    with pytest.raises(SolrConnectionError):
        PackageSearchQuery().run({"q": "*:*"})


@pytest.mark.usefixtures("broken")
def test_ckan_index_clear_reports_an_index_error():
    from ckan.lib.search.common import SearchIndexError
    from ckan.lib.search.index import clear_index

    with pytest.raises(SearchIndexError):
        clear_index()


@pytest.mark.usefixtures("broken")
def test_ckan_delete_reports_an_index_error():
    from ckan.lib.search.common import SearchIndexError
    from ckan.lib.search.index import PackageSearchIndex

    with pytest.raises(SearchIndexError):
        PackageSearchIndex().delete_package({"id": "x"})
