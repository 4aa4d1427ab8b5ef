"""The DCAT-AP 3 export conforms to the official SHACL shapes (shapes.ttl with range.ttl).

The shapes are the SEMIC release 3.0.0 files (tests/data/dcat-ap-3.0.0/, CC-BY 4.0).
The catalog is 60 datasets varied on purpose: with and without resources, temporal
ends, spatial URIs or names, contacts by email or URL, every licence, theme and
frequency, checksums of several algorithms.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, XSD

from civic.services.catalog.models import Dataset, Organization, OrganizationLevel, Resource
from civic.services.catalog.vocabularies import FREQUENCIES, LICENSES, THEMES
from civic.services.dcat.graph import CatalogInfo, catalog_graph, dataset_graph, serialize
from civic.services.dcat.paging import CatalogQuery, Page

SHAPES = Path(__file__).resolve().parents[1] / "data" / "dcat-ap-3.0.0"
INFO = CatalogInfo(base_uri="https://data.example.org")
ADDRESS = "https://data.example.org/catalog.ttl"


def page(number: int, size: int, total: int) -> Page:
    return Page(CatalogQuery(ADDRESS, page=number, page_size=size), total)


FORMATS = [
    ("CSV", "text/csv"),
    ("JSON", "application/json"),
    ("GEOJSON", "application/geo+json"),
    ("PDF", "application/pdf"),
    ("", None),
    ("XLSX", None),
    ("Shapefile", "application/zip"),
]
CHECKSUMS = [None, "sha256:" + "ab" * 32, "md5:" + "0f" * 16, "sha1:" + "12" * 20]


def varied_datasets(count: int = 60) -> list[Dataset]:
    organizations = [
        Organization(
            id=uuid.uuid4(),
            name=f"org-{level.value}",
            title=f"Org {level.value}",
            level=level,
            description="",
        )
        for level in OrganizationLevel
    ]
    licences = itertools.cycle([*LICENSES, None])
    themes = list(THEMES)
    frequencies = itertools.cycle([*FREQUENCIES, None])
    created = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    datasets = []
    for n in range(count):
        resources = [
            Resource(
                id=uuid.uuid4(),
                url=f"https://files.example.org/{n}/{k}",
                name=f"File {k}" if k % 2 else "",
                format=FORMATS[(n + k) % len(FORMATS)][0],
                media_type=FORMATS[(n + k) % len(FORMATS)][1],
                size=None if (n + k) % 3 == 0 else 1000 * n + k,
                checksum=CHECKSUMS[(n + k) % len(CHECKSUMS)],
                position=k,
            )
            for k in range(n % 4)
        ]
        contact = [
            None,
            {"name": "Service", "email": f"s{n}@example.org"},
            {"name": "Desk", "url": "https://help.example.org"},
        ][n % 3]
        datasets.append(
            Dataset(
                id=uuid.uuid4(),
                name=f"dataset-{n:03d}",
                title=f"Jeu de données {n} : «accents» & <symbols>",
                description="" if n % 11 == 0 else f"Description {n}\nsur deux lignes.",
                organization=organizations[n % len(organizations)],
                license=next(licences),
                tags=[f"tag {n % 5}", "données ouvertes"][: n % 3],
                themes=themes[n % len(themes) : n % len(themes) + n % 3],
                temporal_start=dt.date(2020, 1, 1) if n % 2 else None,
                temporal_end=dt.date(2020 + n % 5, 12, 31) if n % 3 else None,
                spatial=["https://www.geonames.org/2988507", "Bretagne", None][n % 3],
                frequency=next(frequencies),
                contact_point=contact,
                resources=resources,
                created=created + dt.timedelta(days=n),
                modified=created + dt.timedelta(days=n, hours=3),
            )
        )
    return datasets


def decimals_as_values(graph: Graph) -> Graph:
    """``graph`` with each xsd:decimal in one lexical form: Turtle writes 1000 as 1000.0."""
    same = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            value = format(Decimal(str(o)).normalize(), "f")
            same.add((s, p, Literal(value, datatype=XSD.decimal)))
        else:
            same.add((s, p, o))
    return same


def conforms(graph: Graph) -> tuple[bool, str]:
    shapes = Graph().parse(SHAPES / "shapes.ttl")
    shapes.parse(SHAPES / "range.ttl")
    ok, _, text = validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    return bool(ok), str(text)


def test_a_catalog_of_60_varied_datasets_conforms_to_dcat_ap_3() -> None:
    datasets = varied_datasets(60)
    graph = catalog_graph(datasets, INFO, page(1, 100, len(datasets)))
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 60
    assert len(set(graph.subjects(RDF.type, DCAT.Distribution))) == sum(
        len(d.resources) for d in datasets
    )
    ok, report = conforms(graph)
    assert ok, report


# rdflib's own JSON-LD parser still builds a ConjunctiveGraph, which rdflib 7 deprecates.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", ["turtle", "json-ld", "xml"])
def test_every_serialization_reads_back_to_the_same_graph(fmt: str) -> None:
    datasets = varied_datasets(8)
    graph = catalog_graph(datasets, INFO, page(2, 8, 30))
    written = serialize(graph, fmt)  # type: ignore[arg-type]
    again = Graph().parse(data=written, format=fmt)
    assert len(again) == len(graph)
    assert isomorphic(decimals_as_values(again), decimals_as_values(graph))
    assert b"ns1" not in written  # no prefix made up for a dataset's or a file's folder
    ok, report = conforms(again)
    assert ok, report


def test_one_dataset_conforms() -> None:
    [dataset] = varied_datasets(2)[1:]
    ok, report = conforms(dataset_graph(dataset, INFO))
    assert ok, report
