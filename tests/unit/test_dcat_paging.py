"""Hydra paging of the DCAT catalog: a harvester following ``hydra:next`` reads every
dataset exactly once, in the format, page size and filter it started with.

The pages are built by the export's own graph and link code over an in-memory list of
datasets (the database query is the integration test's: tests/integration/
test_dcat_paging.py); each page is serialized, parsed back with rdflib and only its
links are followed, as a harvester does.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF
from tests.unit.test_dcat_conformance import varied_datasets

from civic.services.catalog.models import Dataset
from civic.services.dcat.graph import EXTENSIONS, HYDRA, CatalogInfo, catalog_graph, serialize
from civic.services.dcat.paging import (
    CatalogQuery,
    ModifiedSinceError,
    Page,
    parse_modified_since,
)

BASE = "https://data.example.org"
INFO = CatalogInfo(base_uri=BASE)
DATASETS = varied_datasets(60)
# rdflib's own JSON-LD parser still builds a ConjunctiveGraph, which rdflib 7 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def serve(url: str, datasets: list[Dataset] = DATASETS) -> tuple[bytes, str]:
    """What ``/catalog.<ext>`` answers to ``url``: the body and its rdflib format."""
    parts = urlsplit(url)
    assert parts.path.startswith("/catalog."), url
    fmt = EXTENSIONS[parts.path.removeprefix("/catalog.")]
    params = dict(parse_qsl(parts.query))
    query = CatalogQuery(
        address=f"{BASE}{parts.path}",
        page=int(params.get("page", 1)),
        page_size=int(params.get("page_size", 100)),
        modified_since_text=params.get("modified_since"),
    )
    since = query.modified_since
    matching = sorted(
        (d for d in datasets if since is None or d.modified >= since), key=lambda d: d.name
    )
    start = (query.page - 1) * query.page_size
    graph = catalog_graph(
        matching[start : start + query.page_size], INFO, Page(query, len(matching))
    )
    return serialize(graph, fmt), fmt


def harvest(start: str) -> tuple[list[URIRef], list[str]]:
    """Follow ``hydra:next`` from ``start`` as ckanext-dcat does; the datasets seen (with
    repeats) and the pages' addresses."""
    seen: list[URIRef] = []
    pages: list[str] = []
    url: str | None = start
    while url is not None:
        assert url not in pages, f"{url} was already read"
        pages.append(url)
        body, fmt = serve(url)
        graph = Graph().parse(data=body, format=fmt)
        seen.extend(URIRef(d) for d in graph.subjects(RDF.type, DCAT.Dataset))
        [collection] = graph.subjects(RDF.type, HYDRA.PagedCollection)
        following = [str(o) for o in graph.objects(collection, HYDRA.next)]
        # ckanext-dcat reads hydra:next, older harvesters hydra:nextPage: the same page.
        assert following == [str(o) for o in graph.objects(collection, HYDRA.nextPage)]
        url = following[0] if following else None
    return seen, pages


@pytest.mark.parametrize("extension", sorted(EXTENSIONS))
def test_following_next_reads_every_dataset_once_in_the_same_format(extension: str) -> None:
    seen, pages = harvest(f"{BASE}/catalog.{extension}?page_size=7")
    assert len(seen) == len(set(seen)) == 60
    assert {str(uri).rsplit("/", 1)[1] for uri in seen} == {d.name for d in DATASETS}
    assert len(pages) == 9  # 60 datasets, 7 a page
    for number, url in enumerate(pages[1:], start=2):
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/catalog.{extension}"
        assert dict(parse_qsl(parts.query)) == {"page_size": "7", "page": str(number)}


def test_every_link_of_a_middle_page() -> None:
    body, fmt = serve(f"{BASE}/catalog.jsonld?page=3&page_size=10")
    graph = Graph().parse(data=body, format=fmt)
    [collection] = graph.subjects(RDF.type, HYDRA.PagedCollection)
    link = f"{BASE}/catalog.jsonld?page_size=10&page="
    assert collection == URIRef(link + "3")
    expected = {"first": 1, "previous": 2, "next": 4, "last": 6}
    older = {
        "first": "firstPage",
        "previous": "previousPage",
        "next": "nextPage",
        "last": "lastPage",
    }
    for term, number in expected.items():
        assert list(graph.objects(collection, HYDRA[term])) == [URIRef(link + str(number))]
        assert list(graph.objects(collection, HYDRA[older[term]])) == [URIRef(link + str(number))]
    assert int(graph.value(collection, HYDRA.totalItems)) == 60  # type: ignore[arg-type]
    assert int(graph.value(collection, HYDRA.itemsPerPage)) == 10  # type: ignore[arg-type]


def test_the_first_and_last_pages_link_no_further() -> None:
    for url, absent in (
        (f"{BASE}/catalog.ttl?page_size=25", HYDRA.previous),
        (f"{BASE}/catalog.ttl?page_size=25&page=3", HYDRA.next),
        (f"{BASE}/catalog.ttl?page_size=25&page=9", HYDRA.next),
    ):
        graph = Graph().parse(data=serve(url)[0], format="turtle")
        [collection] = graph.subjects(RDF.type, HYDRA.PagedCollection)
        assert graph.value(collection, absent) is None, url
    # Past the end: no dataset, a way back to the last page.
    graph = Graph().parse(data=serve(f"{BASE}/catalog.ttl?page_size=25&page=9")[0])
    [collection] = graph.subjects(RDF.type, HYDRA.PagedCollection)
    assert not list(graph.subjects(RDF.type, DCAT.Dataset))
    assert graph.value(collection, HYDRA.previous) == URIRef(
        f"{BASE}/catalog.ttl?page_size=25&page=3"
    )


@pytest.mark.parametrize("encoded", [True, False])
def test_links_keep_modified_since(encoded: bool) -> None:
    cutoff = DATASETS[20].modified  # the datasets are modified a day apart
    written = cutoff.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat()  # +01:00
    value = quote(written) if encoded else written  # unencoded, "+" arrives as a space
    seen, pages = harvest(f"{BASE}/catalog.rdf?page_size=15&modified_since={value}")
    assert {str(uri).rsplit("/", 1)[1] for uri in seen} == {d.name for d in DATASETS[20:]}
    assert len(seen) == 40 and len(pages) == 3
    for url in pages[1:]:
        params = dict(parse_qsl(urlsplit(url).query))
        assert params["modified_since"] == cutoff.isoformat().replace("+00:00", "Z")
        assert parse_modified_since(params["modified_since"]) == cutoff


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-11-01", dt.datetime(2026, 11, 1, tzinfo=dt.UTC)),
        ("2026-11-01T10:00:00", dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)),
        ("2026-11-01T10:00:00Z", dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)),
        ("2026-11-01T10:00:00.123456Z", dt.datetime(2026, 11, 1, 10, 0, 0, 123456, dt.UTC)),
        ("2026-11-01T11:00:00+01:00", dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)),
        # "+01:00" sent unencoded arrives as " 01:00".
        ("2026-11-01T11:00:00 01:00", dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)),
        ("2026-11-01 10:00", dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)),
    ],
)
def test_modified_since_reads_iso_dates_and_times_as_utc(text: str, moment: dt.datetime) -> None:
    assert parse_modified_since(text) == moment


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2026-13-01",
        "",
        "1700000000",
        "2026-11-01T25:00",
        "9999-12-31T23:00:00-05:00",  # year 10000 in UTC
        "0001-01-01T00:00:00+05:00",  # year 0 in UTC
    ],
)
def test_modified_since_refuses_what_is_not_iso_8601(text: str) -> None:
    with pytest.raises(ModifiedSinceError):
        parse_modified_since(text)
