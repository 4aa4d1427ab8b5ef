"""Tests of the PostgreSQL backend against a real database.

They use their own database (``CIVIC_SEARCH_TEST_URL``, default
``postgresql://postgres@127.0.0.1/civic_ckan_peer_unit``, created when
missing) and skip when no PostgreSQL server answers.
"""

from __future__ import annotations

import datetime
import os
import uuid

import psycopg2
import pysolr
import pytest

from ckanext.civic.search import schema
from ckanext.civic.search.backend import PostgresSearch, connect_kwargs

URL = os.environ.get(
    "CIVIC_SEARCH_TEST_URL", "postgresql://postgres@127.0.0.1/civic_ckan_peer_unit"
)


def _ensure_database() -> None:
    kwargs = connect_kwargs(URL, None)
    name = kwargs.pop("dbname")
    conn = psycopg2.connect(dbname="postgres", **kwargs)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


@pytest.fixture(scope="module")
def solr() -> PostgresSearch:
    try:
        _ensure_database()
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server: {exc}")
    return PostgresSearch(URL)


@pytest.fixture
def site(solr: PostgresSearch) -> str:
    site_id = f"unit-{uuid.uuid4().hex[:8]}"
    yield site_id
    solr.delete(q=f'+site_id:"{site_id}"')


def doc(site: str, name: str, **extra) -> dict:
    base = {
        "index_id": f"{site}-{name}",
        "id": f"id-{name}",
        "name": name,
        "site_id": site,
        "entity_type": "package",
        "state": "active",
        "capacity": "public",
        "permission_labels": ["public"],
        "metadata_created": "2014-06-10T08:24:12.782257Z",
        "metadata_modified": "2014-06-10T08:24:12.782257Z",
    }
    base.update(extra)
    return base


def ckan_search(solr: PostgresSearch, site: str, q: str, **params):
    """Search the way CKAN's PackageSearchQuery.run shapes the request."""
    request = {
        "q": q,
        "fq": [f'+site_id:"{site}"', "+state:active"],
        "rows": 11,
        "q.op": "AND",
        "df": "text",
        "wt": "json",
        "fl": "name",
    }
    if ":" not in q:
        request.update(
            {
                "defType": "dismax",
                "tie": "0.1",
                "mm": "2<-1 5<80%",
                "qf": "name^4 title^4 tags^2 groups^2 text",
            }
        )
    request.update(params)
    return solr.search(**request)


def names(results) -> list[str]:
    return sorted(d["name"] for d in results.docs)


def test_no_stop_words_and_stemming(solr, site):
    solr.add(
        [
            doc(site, "a", notes="Released after the flood"),
            doc(site, "b", notes="Measured before it"),
            doc(site, "c", title="Rivers of Europe"),
        ]
    )
    assert names(ckan_search(solr, site, "after")) == ["a"]
    assert names(ckan_search(solr, site, "river")) == ["c"]
    assert names(ckan_search(solr, site, "the")) == ["a"]


def test_weighting_ranks_title_above_notes(solr, site):
    solr.add([doc(site, "notes-only", notes="water quality"), doc(site, "in-title", title="Water")])
    found = ckan_search(solr, site, "water", sort="score desc")
    assert [d["name"] for d in found.docs] == ["in-title", "notes-only"]


def test_lucene_syntax_error_is_a_solr_error(solr, site):
    with pytest.raises(pysolr.SolrError):
        ckan_search(solr, site, "--included")


def test_facets_cover_the_whole_result_not_the_page(solr, site):
    solr.add([doc(site, f"d{i}", tags=["x", "y"] if i % 2 else ["x"]) for i in range(5)])
    found = ckan_search(
        solr,
        site,
        "*:*",
        rows=1,
        facet="true",
        **{"facet.field": ["tags"], "facet.mincount": 1, "facet.limit": 50},
    )
    assert found.hits == 5 and len(found.docs) == 1
    assert found.facets["facet_fields"]["tags"] == ["x", 5, "y", 2]


def test_private_documents_need_a_matching_permission_label(solr, site):
    solr.add(
        [
            doc(site, "open"),
            doc(site, "secret", capacity="private", permission_labels=["member-org1"]),
        ]
    )
    anon = ckan_search(
        solr, site, "*:*", fq=[f'+site_id:"{site}"', '+permission_labels:("public")']
    )
    member = ckan_search(
        solr,
        site,
        "*:*",
        fq=[f'+site_id:"{site}"', '+permission_labels:("public" OR "member-org1")'],
    )
    assert names(anon) == ["open"]
    assert names(member) == ["open", "secret"]


def test_dates_like_solr(solr, site):
    solr.add([doc(site, "dated", extras_x="1", issued_date="2014-03-22")])
    raw = PostgresSearch(URL, decode_dates=False).search(
        q="name:dated", fq=f'+site_id:"{site}"', fl="*"
    )
    assert raw.docs[0]["metadata_modified"] == "2014-06-10T08:24:12.782Z"
    decoded = solr.search(q="name:dated", fq=f'+site_id:"{site}"', fl="*")
    assert decoded.docs[0]["issued_date"] == datetime.datetime(2014, 3, 22)


def test_sort_and_paging(solr, site):
    solr.add(
        [doc(site, n, title_string=t) for n, t in (("b", "Beta"), ("a", "Alpha"), ("c", "Gamma"))]
    )
    found = ckan_search(solr, site, "*:*", sort="title_string desc", rows=2, start=1)
    assert [d["name"] for d in found.docs] == ["b", "a"]
    with pytest.raises(pysolr.SolrError, match="Can't determine a Sort Order"):
        ckan_search(solr, site, "*:*", sort="name")


def test_delete_by_query_and_id(solr, site):
    solr.add([doc(site, "keep"), doc(site, "drop")])
    solr.delete(
        q=f'+entity_type:package AND +(id:"id-drop" OR name:"id-drop") AND +site_id:"{site}"'
    )
    assert names(ckan_search(solr, site, "*:*")) == ["keep"]
    solr.delete(id=f"{site}-keep")
    assert ckan_search(solr, site, "*:*").hits == 0


def test_schema_is_recreated_on_demand(solr, site):
    conn = psycopg2.connect(**connect_kwargs(URL, None))
    conn.autocommit = True
    schema.drop_schema(conn)
    conn.close()
    solr.add([doc(site, "again")])
    assert names(ckan_search(solr, site, "again")) == ["again"]


def test_missing_required_field_is_rejected(solr, site):
    bad = doc(site, "x")
    del bad["index_id"]
    with pytest.raises(pysolr.SolrError, match="index_id"):
        solr.add([bad])


@pytest.mark.parametrize(
    "q",
    [
        "a || b && c",
        "title:[a TO",
        "\\",
        "a:b:c",
        "metadata_created:foo",
        "views_total:[1 TO x]",
        "{!bool must=}",
        "x\x00y",
        "%",
        "tags:(",
        "日本語",
        "-res_format:*",
        "metadata_modified:[NOW-1YEAR/DAY TO NOW]",
    ],
)
def test_odd_queries_give_results_or_a_solr_error(solr, site, q):
    for dismax in (False, True):
        params = {"defType": "dismax", "mm": "2<-1 5<80%"} if dismax else {}
        try:
            solr.search(q=q, fq=[f'+site_id:"{site}"'], **params)
        except pysolr.SolrError as exc:
            assert "Search backend error" not in str(exc)


def test_one_commit_sends_the_blocks_writes_together_or_not_at_all(solr, site):
    from ckanext.civic.search.backend import one_commit

    with one_commit():
        solr.add([doc(site, "batch-a"), doc(site, "batch-b")])
        solr.add([doc(site, "batch-c")])
        # Not sent yet: the batch action indexes before CKAN commits, all at once.
        assert ckan_search(solr, site, "name:batch-*").hits == 0
    assert ckan_search(solr, site, "name:batch-*").hits == 3
    with pytest.raises(RuntimeError):
        with one_commit():
            solr.add([doc(site, "batch-d")])
            raise RuntimeError("the batch failed")
    assert ckan_search(solr, site, "name:batch-d").hits == 0
    solr.add([doc(site, "batch-e")])  # outside a block: at once, as before
    assert ckan_search(solr, site, "name:batch-e").hits == 1


def test_one_commit_is_one_transaction_when_a_later_write_fails(solr, site, monkeypatch):
    """A write that fails when the block's writes are sent undoes the earlier ones
    (CKAN adds each package of a batch apart; the batch is then not committed)."""
    import dataclasses

    from ckanext.civic.search import documents
    from ckanext.civic.search.backend import one_commit

    prepare = documents.prepare

    def broken_second(document: dict) -> documents.Row:
        row = prepare(document)
        if row.name == "flush-b":  # PostgreSQL refuses it only when it is sent
            return dataclasses.replace(row, doc_json="{not json")
        return row

    monkeypatch.setattr(documents, "prepare", broken_second)
    with pytest.raises(pysolr.SolrError):
        with one_commit():
            solr.add([doc(site, "flush-a")])
            solr.add([doc(site, "flush-b")])
    assert ckan_search(solr, site, "name:flush-*").hits == 0
