"""The DCAT documents as harvesters read them, on the real PostgreSQL mirror.

The gateway runs in-process on a database of this module's own (CKAN is the
connector's fake: the DCAT export reads only the mirror), with 23 datasets of every
allowed licence. Pages are fetched at the addresses their own links give:

- with rdflib, following ``hydra:next`` in each of the four formats, page size 5;
- with ckanext-dcat's own ``RDFParser`` and CKAN's own ``LicenseRegister``, run in
  CKAN's venv (tests/integration/ckan_dcat_reader.py), as ckanext-dcat's DCAT RDF
  harvester reads them: every dataset once, ``next_page()`` to the end, and the
  ``license_id`` CKAN's register gives each licence;
- ``modified_since`` (ckanext-dcat's filter), and ckanext-dcat's per-dataset addresses.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF
from tests.fakes.ckan import FakeCkan
from tests.integration.stack import ROOT, drop_database, recreate_database
from tests.unit.fakes import FakeRedis

from civic.platform.app import create_app
from civic.services import schema
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.catalog.models import Dataset, Organization, OrganizationLevel, Resource
from civic.services.dcat.graph import EXTENSIONS, HYDRA
from civic.services.dcat.licences import licence_document

pytestmark = [
    pytest.mark.integration,
    # rdflib's own JSON-LD parser still builds a ConjunctiveGraph, which rdflib 7 deprecates.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

DATABASE = f"civic_dcat_paging_{os.getpid()}"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
COUNT = 23
PAGE_SIZE = 5
PAGES = 5  # 23 datasets, 5 a page
LICENCES = [
    "etalab-2.0",
    "ODbL-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "ODC-By-1.0",
    "PDDL-1.0",
]
# What a CKAN with the default licence register should call each one (etalab-2.0: none).
CKAN_LICENSE_IDS = {
    "etalab-2.0": "",
    "ODbL-1.0": "odc-odbl",
    "CC-BY-4.0": "cc-by",
    "CC-BY-SA-4.0": "cc-by-sa",
    "CC0-1.0": "cc-zero",
    "ODC-By-1.0": "odc-by",
    "PDDL-1.0": "odc-pddl",
}
MODIFIED = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)  # dataset n: MODIFIED + n days


@pytest.fixture(scope="module")
def bootstrap() -> Iterator[Bootstrap]:
    recreate_database(DATABASE)
    schema.upgrade(URL)
    settings = ConnectionSettings(
        database_url=URL, redis_url="redis://127.0.0.1:1/0", ckan_url="http://ckan.test"
    )
    built = Bootstrap(settings, redis_client=FakeRedis(), ckan=FakeCkan())  # type: ignore[arg-type]
    try:
        yield built
    finally:
        built.close()
        drop_database(DATABASE)


@pytest.fixture(scope="module")
def datasets(bootstrap: Bootstrap) -> dict[str, Dataset]:
    """23 live datasets (one per licence in turn, 1 or 2 files each) and a withdrawn one."""
    seeded: dict[str, Dataset] = {}
    with bootstrap.unit_of_work() as uow:
        organization = Organization(name="ville-a", title="Ville A", level=OrganizationLevel.LOCAL)
        uow.session.add(organization)
        for n in range(COUNT + 1):
            dataset = Dataset(
                name=f"jeu-{n:02d}-{uuid.uuid4().hex[:4]}",
                title=f"Jeu de données {n}",
                description=f"Le jeu {n}.",
                organization=organization,
                license=LICENCES[n % len(LICENCES)],
                ckan_id=str(uuid.uuid4()),
                modified=MODIFIED + dt.timedelta(days=n),
                deleted_at=MODIFIED if n == COUNT else None,
                resources=[
                    Resource(url=f"https://files.ville-a.fr/{n}/{k}.csv", format="CSV", position=k)
                    for k in range(1 + n % 2)
                ],
            )
            uow.session.add(dataset)
            if n < COUNT:
                seeded[dataset.name] = dataset
        uow.commit()
        uow.session.expunge_all()
    return seeded


@pytest.fixture(scope="module")
def client(bootstrap: Bootstrap, datasets: dict[str, Dataset]) -> FlaskClient:
    app = create_app(
        {"env": "test", "database_url": URL, "ratelimit_storage_url": "memory://"},
        bootstrap=bootstrap,
    )
    return app.test_client()


@pytest.fixture(scope="module")
def ckan_reader() -> Iterator[CkanReader]:
    reader = CkanReader()
    try:
        yield reader
    finally:
        reader.close()


class CkanReader:
    """tests/integration/ckan_dcat_reader.py in CKAN's venv, kept running for the module."""

    def __init__(self) -> None:
        python = Path(os.environ.get("CKAN_VENV", ROOT / ".venv-ckan")) / "bin" / "python"
        self.process = subprocess.Popen(
            [str(python), str(ROOT / "tests" / "integration" / "ckan_dcat_reader.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.register: dict[str, str] = self._answer()["register"]

    def read(self, body: str, content_type: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"body": body, "format": content_type}) + "\n")
        self.process.stdin.flush()
        answer = self._answer()
        assert "error" not in answer, answer["error"]
        return answer

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"the reader stopped (exit {self.process.poll()})"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def host(client: FlaskClient) -> str:
    """The base the export writes its addresses under (the request's host today, one
    configured base URL later): the links followed must all be under it."""
    answer = client.get("/catalog.ttl?page_size=1")
    graph = Graph().parse(data=answer.get_data(), format="turtle")
    [collection] = graph.subjects(RDF.type, HYDRA.PagedCollection)
    parts = urlsplit(str(collection))
    assert parts.path == "/catalog.ttl", collection
    return f"{parts.scheme}://{parts.netloc}"


def get(client: FlaskClient, url: str, host: str) -> Any:
    """GET the gateway's absolute ``url`` (under ``host``) with the test client."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == host, url
    return client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)


def follow(client: FlaskClient, host: str, start: str) -> tuple[list[str], list[str]]:
    """Follow ``hydra:next`` from ``start`` with rdflib: dataset names seen, page URLs."""
    names: list[str] = []
    pages: list[str] = []
    url: str | None = start
    while url is not None:
        assert url not in pages and len(pages) < 50, url
        pages.append(url)
        answer = get(client, url, host)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        fmt = EXTENSIONS[urlsplit(url).path.rsplit(".", 1)[1]]
        graph = Graph().parse(data=answer.get_data(), format=fmt)
        names.extend(str(d).rsplit("/", 1)[1] for d in graph.subjects(RDF.type, DCAT.Dataset))
        [collection] = graph.subjects(RDF.type, HYDRA.PagedCollection)
        nexts = [str(o) for o in graph.objects(collection, HYDRA.next)]
        url = nexts[0] if nexts else None
    return names, pages


@pytest.mark.parametrize("extension", sorted(EXTENSIONS))
def test_following_next_reads_every_live_dataset_once_at_the_same_address(
    client: FlaskClient, host: str, datasets: dict[str, Dataset], extension: str
) -> None:
    names, pages = follow(client, host, f"{host}/catalog.{extension}?page_size={PAGE_SIZE}")
    assert len(names) == len(set(names)) == COUNT
    assert set(names) == set(datasets)  # the withdrawn one is not there
    assert len(pages) == PAGES
    for number, url in enumerate(pages[1:], start=2):
        assert url.startswith(f"{host}/catalog.{extension}?"), url
        assert dict(parse_qsl(urlsplit(url).query)) == {
            "page_size": str(PAGE_SIZE),
            "page": str(number),
        }
    last = get(client, pages[-1], host)
    assert last.mimetype == {"ttl": "text/turtle", "jsonld": "application/ld+json"}.get(
        extension, "application/rdf+xml"
    )


@pytest.mark.parametrize("extension", ["ttl", "jsonld", "rdf", "xml"])
def test_ckanext_dcat_reads_every_page_every_dataset_and_maps_the_licences(
    client: FlaskClient,
    host: str,
    datasets: dict[str, Dataset],
    ckan_reader: CkanReader,
    extension: str,
) -> None:
    url: str | None = f"{host}/catalog.{extension}?page_size={PAGE_SIZE}"
    content_type: str | None = None
    read: dict[str, dict[str, Any]] = {}
    pages = 0
    while url is not None:
        pages += 1
        assert pages <= PAGES, url
        answer = get(client, url, host)
        assert answer.status_code == 200
        # The harvester keeps the first page's Content-Type for all of them.
        content_type = content_type or answer.headers["Content-Type"].split(";", 1)[0]
        page = ckan_reader.read(answer.get_data(as_text=True), content_type)
        for dataset in page["datasets"]:
            name = dataset["uri"].rsplit("/", 1)[1]
            assert name not in read, f"{name} read twice"
            read[name] = dataset
        url = page["next_page"]
    assert pages == PAGES
    assert set(read) == set(datasets)
    for name, dataset in read.items():
        mirror = datasets[name]
        assert dataset["identifier"] == str(mirror.id)
        assert dataset["title"] == mirror.title
        assert mirror.license is not None
        assert dataset["license_id"] == CKAN_LICENSE_IDS[mirror.license], (name, mirror.license)
        document = licence_document(mirror.license)
        assert document is not None
        assert dataset["resource_licenses"] == [document.iri] * len(mirror.resources)
    mapped = {d["license_id"] for d in read.values()}
    assert mapped == set(CKAN_LICENSE_IDS.values())  # all seven licences were there


def test_every_licence_iri_but_etalab_is_one_of_ckans_register(ckan_reader: CkanReader) -> None:
    by_url = {url: key for key, url in ckan_reader.register.items() if url}
    for spdx, ckan_id in CKAN_LICENSE_IDS.items():
        document = licence_document(spdx)
        assert document is not None
        assert by_url.get(document.iri, "") == ckan_id, spdx
    # The decision for etalab-2.0 holds only while CKAN's register has no such licence.
    assert not any("etalab" in key or "etalab" in url for key, url in by_url.items())


def test_modified_since_filters_and_its_links_keep_it(
    client: FlaskClient, host: str, datasets: dict[str, Dataset]
) -> None:
    since = MODIFIED + dt.timedelta(days=10)  # datasets 10..22 (13 of them)
    expected = {name for name, d in datasets.items() if d.modified >= since}
    assert len(expected) == 13
    for written in ("2026-10-11T12:00:00Z", "2026-10-11T14:00:00+02:00", "2026-10-11T12:00:00"):
        query = f"page_size={PAGE_SIZE}&modified_since={written.replace('+', '%2B')}"
        names, pages = follow(client, host, f"{host}/catalog.ttl?{query}")
        assert sorted(names) == sorted(expected), written
        assert len(pages) == 3
        for url in pages[1:]:
            assert dict(parse_qsl(urlsplit(url).query))["modified_since"] == "2026-10-11T12:00:00Z"
    # A date alone is midnight UTC; every dataset was modified after 2026-10-01.
    names, _ = follow(
        client, host, f"{host}/catalog.jsonld?page_size=100&modified_since=2026-10-01"
    )
    assert set(names) == set(datasets)
    names, _ = follow(client, host, f"{host}/catalog.jsonld?modified_since=2030-01-01")
    assert names == []


@pytest.mark.parametrize("extension", sorted(EXTENSIONS))
def test_head_answers_the_media_type_without_building_the_page(
    client: FlaskClient, extension: str
) -> None:
    # ckanext-dcat's harvester sends HEAD, then GET, for every page.
    answer = client.head(f"/catalog.{extension}?page_size={PAGE_SIZE}&page=2")
    assert answer.status_code == 200
    assert (
        answer.headers["Content-Type"].split(";")[0]
        == client.get(f"/catalog.{extension}?page_size={PAGE_SIZE}&page=2")
        .headers["Content-Type"]
        .split(";")[0]
    )
    assert answer.get_data() == b""
    assert answer.headers.get("Content-Length") in (None, "")  # never a wrong length
    assert client.head("/catalog.ttl?modified_since=yesterday").status_code == 422


def test_a_bad_modified_since_is_a_422_problem_naming_the_parameter(client: FlaskClient) -> None:
    answer = client.get("/catalog.ttl?modified_since=yesterday")
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert [e["pointer"] for e in problem["errors"]] == ["#/modified_since"]
    assert "yesterday" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("extension", sorted(EXTENSIONS))
def test_ckanext_dcats_dataset_addresses_by_name_id_or_ckan_id(
    client: FlaskClient, host: str, datasets: dict[str, Dataset], extension: str
) -> None:
    name, dataset = sorted(datasets.items())[3]
    fmt = EXTENSIONS[extension]
    uri = URIRef(f"{host}/datasets/{name}")
    for key in (name, str(dataset.id), dataset.ckan_id):
        answer = client.get(f"/dataset/{key}.{extension}")
        assert answer.status_code == 200, (key, answer.get_data(as_text=True))
        graph = Graph().parse(data=answer.get_data(), format=fmt)
        assert list(graph.subjects(RDF.type, DCAT.Dataset)) == [uri]
        assert str(graph.value(uri, DCTERMS.identifier)) == str(dataset.id)
    assert client.get(f"/dataset/no-such-dataset.{extension}").status_code == 404
    withdrawn = client.get(f"/catalog.{extension}?page_size=1000").get_data(as_text=True)
    assert "jeu-23-" not in withdrawn


def test_dataset_without_extension_answers_the_rdf_accept_asks_for(
    client: FlaskClient, datasets: dict[str, Dataset]
) -> None:
    name = sorted(datasets)[0]
    for accept, mimetype in (
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml;q=0.9, text/html;q=0.5", "application/rdf+xml"),
    ):
        answer = client.get(f"/dataset/{name}", headers={"Accept": accept})
        assert answer.status_code == 200, accept
        assert answer.mimetype == mimetype
        assert "Accept" in answer.headers["Vary"]
        assert name in answer.get_data(as_text=True)
    for accept in ("text/html,application/xhtml+xml,*/*;q=0.8", "*/*", ""):
        answer = client.get(f"/dataset/{datasets[name].ckan_id}", headers={"Accept": accept})
        assert answer.status_code == 303, accept
        assert answer.headers["Location"] == f"/datasets/{name}"
    assert (
        client.get("/dataset/no-such-dataset", headers={"Accept": "text/turtle"}).status_code == 404
    )
