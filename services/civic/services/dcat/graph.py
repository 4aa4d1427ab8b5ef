"""The catalog as DCAT-AP 3 RDF, built with rdflib.

Every node the export links is typed (``foaf:Agent`` publishers,
``dct:LicenseDocument`` licences, ``dct:Frequency``, ``skos:Concept`` themes,
``dct:MediaType``...), so the graph passes the official DCAT-AP 3.0.0 SHACL shapes
together with their range shapes. Themes, frequencies and file types use the EU
Publications Office's authority URIs; media types IANA's; licences the IRIs of
CKAN's licence register, so that a harvesting CKAN maps them (see ``licences``).
A catalog page carries hydra paging links that repeat its request (see ``paging``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal as Kind
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD, NamespaceManager

from civic.services.catalog.models import Dataset, Resource
from civic.services.catalog.vocabularies import (
    EU_AUTHORITY,
    FREQUENCY_BASE,
    THEME_BASE,
    THEMES,
)
from civic.services.dcat.licences import licence_document
from civic.services.dcat.paging import Page

# Reserved and unreserved URI characters, and existing %-escapes, stay as written.
IRI_SAFE = "-._~:/?#[]@!$&'()*+,;=%"

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
FILE_TYPE_BASE = EU_AUTHORITY + "file-type/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
CHECKSUM_ALGORITHMS = {
    "sha1": SPDX.checksumAlgorithm_sha1,
    "sha256": SPDX.checksumAlgorithm_sha256,
    "sha512": SPDX.checksumAlgorithm_sha512,
    "md5": SPDX.checksumAlgorithm_md5,
}
# EU file-type codes for the formats the platform's publishers use most.
FILE_TYPES = {
    "CSV": "CSV",
    "JSON": "JSON",
    "GEOJSON": "GEOJSON",
    "XML": "XML",
    "PDF": "PDF",
    "XLS": "XLS",
    "XLSX": "XLSX",
    "ZIP": "ZIP",
    "HTML": "HTML",
    "TXT": "TXT",
    "PARQUET": "PARQUET",
    "SHP": "SHP",
    "ODS": "ODS",
    "RDF": "RDF",
    "TTL": "RDF_TURTLE",
}
RdfFormat = Kind["turtle", "json-ld", "xml"]
MEDIA_TYPES: dict[str, str] = {
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "xml": "application/rdf+xml",
}
# The extensions ckanext-dcat serves (``.xml`` and ``.rdf`` are both RDF/XML), by format.
EXTENSIONS: dict[str, RdfFormat] = {
    "ttl": "turtle",
    "jsonld": "json-ld",
    "rdf": "xml",
    "xml": "xml",
}


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    """What the catalog says about itself, and where its URIs live."""

    base_uri: str
    title: str = "Civic Platform"
    description: str = "Open datasets of public administrations, published through CKAN."
    publisher: str = "Civic Platform"
    language: str = "fr"


# The prefixes the export writes, and the only ones it looks IRIs up in.
PREFIXES: tuple[tuple[str, str], ...] = tuple(
    (prefix, str(namespace))
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("spdx", SPDX),
        ("skos", SKOS),
        ("hydra", HYDRA),
        ("locn", LOCN),
        ("rdf", RDF),
        ("rdfs", RDFS),
        ("xsd", XSD),
    )
)


class _ExportPrefixes(NamespaceManager):
    """Prefixed names for the export's own namespaces only.

    rdflib's own manager looks every IRI a serializer meets up in a trie of all the
    namespaces it has seen, and each dataset, distribution and file folder adds one:
    Turtle was quadratic in the page size (a page of 1,000 datasets took 8 s to write,
    300 took 1.4 s). A page names a dozen namespaces, known in advance.
    """

    def compute_qname(self, uri: str, generate: bool = True) -> tuple[str, URIRef, str]:
        for prefix, namespace in PREFIXES:
            if uri.startswith(namespace):
                name = uri[len(namespace) :]
                if name and "/" not in name and "#" not in name:
                    return prefix, URIRef(namespace), name
        if generate:  # RDF/XML needs a prefix for every predicate: rdflib makes one
            return super().compute_qname(uri, generate)
        raise KeyError(f"not a namespace of the export: {uri}")


def new_graph() -> Graph:
    """An empty graph with the DCAT-AP prefixes bound."""
    graph = Graph(bind_namespaces="none")
    graph.namespace_manager = _ExportPrefixes(graph, bind_namespaces="none")
    for prefix, namespace in PREFIXES:
        graph.bind(prefix, Namespace(namespace))
    return graph


def catalog_graph(datasets: Iterable[Dataset], info: CatalogInfo, page: Page) -> Graph:
    """One page of the catalog: the ``dcat:Catalog`` and its datasets, with hydra paging."""
    graph = new_graph()
    catalog = URIRef(f"{info.base_uri}/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(info.title, lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(info.description, lang="en")))
    graph.add(
        (catalog, DCTERMS.publisher, _agent(graph, f"{info.base_uri}/#publisher", info.publisher))
    )
    homepage = URIRef(f"{info.base_uri}/catalog/search")
    graph.add((catalog, FOAF.homepage, homepage))
    graph.add((homepage, RDF.type, FOAF.Document))
    language = URIRef(f"{EU_AUTHORITY}language/{'FRA' if info.language == 'fr' else 'ENG'}")
    graph.add((catalog, DCTERMS.language, language))
    graph.add((language, RDF.type, DCTERMS.LinguisticSystem))
    for dataset in datasets:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, dataset, info)))
    _paging(graph, page)
    return graph


def dataset_graph(dataset: Dataset, info: CatalogInfo) -> Graph:
    """One dataset with its distributions, publisher and contact point."""
    graph = new_graph()
    add_dataset(graph, dataset, info)
    return graph


def serialize(graph: Graph, fmt: RdfFormat) -> bytes:
    """``graph`` as Turtle, JSON-LD or RDF/XML, in UTF-8."""
    return graph.serialize(format=fmt, encoding="utf-8")


def add_dataset(graph: Graph, dataset: Dataset, info: CatalogInfo) -> URIRef:
    """Add ``dataset`` (and what it links to) to ``graph``; its URI."""
    uri = URIRef(f"{info.base_uri}/datasets/{dataset.name}")
    add = graph.add
    add((uri, RDF.type, DCAT.Dataset))
    add((uri, DCTERMS.identifier, Literal(str(dataset.id))))
    add((uri, DCTERMS.title, Literal(dataset.title)))
    add((uri, DCTERMS.description, Literal(dataset.description or dataset.title)))
    add((uri, DCTERMS.issued, _datetime(dataset.created)))
    add((uri, DCTERMS.modified, _datetime(dataset.modified)))
    landing = URIRef(f"{info.base_uri}/datasets/{dataset.name}")
    add((uri, DCAT.landingPage, landing))
    add((landing, RDF.type, FOAF.Document))
    organization = dataset.organization
    publisher = _agent(
        graph, f"{info.base_uri}/organizations/{organization.name}", organization.title
    )
    add((uri, DCTERMS.publisher, publisher))
    for tag in dataset.tags:
        add((uri, DCAT.keyword, Literal(tag)))
    for code in dataset.themes:
        theme = URIRef(THEME_BASE + code)
        add((uri, DCAT.theme, theme))
        add((theme, RDF.type, SKOS.Concept))
        add((theme, SKOS.prefLabel, Literal(THEMES.get(code, code), lang="en")))
    if dataset.frequency:
        frequency = URIRef(FREQUENCY_BASE + dataset.frequency)
        add((uri, DCTERMS.accrualPeriodicity, frequency))
        add((frequency, RDF.type, DCTERMS.Frequency))
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        add((uri, DCTERMS.temporal, period))
        add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            add((period, DCAT.startDate, Literal(dataset.temporal_start, datatype=XSD.date)))
        if dataset.temporal_end:
            add((period, DCAT.endDate, Literal(dataset.temporal_end, datatype=XSD.date)))
    if dataset.spatial:
        _spatial(graph, uri, dataset.spatial)
    if dataset.contact_point:
        _contact(graph, uri, dataset.contact_point)
    for resource in dataset.resources:
        add((uri, DCAT.distribution, _distribution(graph, uri, resource, dataset.license)))
    return uri


def _iri(value: str) -> URIRef:
    """A URI from a URL publishers wrote: characters no IRI may hold (``<>"{}|\\^`` and
    spaces) percent-encoded, else rdflib refuses to serialize the whole catalog."""
    return URIRef(quote(value, safe=IRI_SAFE))


def _agent(graph: Graph, uri: str, name: str) -> URIRef:
    agent = URIRef(uri)
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, FOAF.name, Literal(name)))
    return agent


def _spatial(graph: Graph, dataset: URIRef, spatial: str) -> None:
    location: URIRef | BNode
    if spatial.startswith(("http://", "https://")):
        location = _iri(spatial)
    else:
        location = BNode()
        graph.add((location, LOCN.geographicName, Literal(spatial)))
    graph.add((dataset, DCTERMS.spatial, location))
    graph.add((location, RDF.type, DCTERMS.Location))


def _contact(graph: Graph, dataset: URIRef, contact: dict[str, str]) -> None:
    kind = BNode()
    graph.add((dataset, DCAT.contactPoint, kind))
    graph.add((kind, RDF.type, VCARD.Kind))
    if contact.get("name"):
        graph.add((kind, VCARD.fn, Literal(contact["name"])))
    if contact.get("email"):
        graph.add((kind, VCARD.hasEmail, _iri(f"mailto:{contact['email']}")))
    if contact.get("url"):
        graph.add((kind, VCARD.hasURL, _iri(contact["url"])))


def _distribution(
    graph: Graph, dataset: URIRef, resource: Resource, license_id: str | None
) -> URIRef:
    uri = URIRef(f"{dataset}/resources/{resource.id}")
    add = graph.add
    add((uri, RDF.type, DCAT.Distribution))
    add((uri, DCAT.accessURL, _iri(resource.url)))
    add((uri, DCAT.downloadURL, _iri(resource.url)))
    if resource.name:
        add((uri, DCTERMS.title, Literal(resource.name)))
    file_type = FILE_TYPES.get(resource.format.upper()) if resource.format else None
    if file_type:
        fmt = URIRef(FILE_TYPE_BASE + file_type)
        add((uri, DCTERMS.format, fmt))
        add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
    if resource.media_type:
        media = URIRef(IANA_MEDIA_TYPES + resource.media_type)
        add((uri, DCAT.mediaType, media))
        add((media, RDF.type, DCTERMS.MediaType))
    if resource.size is not None:
        # xsd:decimal, as the official 3.0.0 shapes check (DCAT 3 itself says
        # nonNegativeInteger; the shapes are what harvesters validate against).
        add((uri, DCAT.byteSize, Literal(Decimal(resource.size))))
    if resource.checksum and ":" in resource.checksum:
        algorithm, value = resource.checksum.split(":", 1)
        if algorithm in CHECKSUM_ALGORITHMS:
            checksum = BNode()
            add((uri, SPDX.checksum, checksum))
            add((checksum, RDF.type, SPDX.Checksum))
            add((checksum, SPDX.algorithm, CHECKSUM_ALGORITHMS[algorithm]))
            add((checksum, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))
    licence = licence_document(license_id)
    if licence is not None:
        document = URIRef(licence.iri)
        add((uri, DCTERMS.license, document))
        add((document, RDF.type, DCTERMS.LicenseDocument))
        add((document, DCTERMS.title, Literal(licence.title)))
        add((document, DCTERMS.identifier, Literal(licence.spdx_id)))
        if licence.spdx_url != licence.iri:
            add((document, RDFS.seeAlso, URIRef(licence.spdx_url)))
    return uri


def _paging(graph: Graph, page: Page) -> None:
    """Hydra paging links, under both names ckanext-dcat writes and reads: ``hydra:next``
    (Hydra's current term, read first) and ``hydra:nextPage`` (the older one)."""
    last = page.last
    link = page.query.url
    collection = URIRef(link(page.number))
    add = graph.add
    add((collection, RDF.type, HYDRA.PagedCollection))
    add((collection, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
    add((collection, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.integer)))
    links = [("first", "firstPage", 1), ("last", "lastPage", last)]
    if page.number > 1:
        links.append(("previous", "previousPage", min(page.number - 1, last)))
    if page.number < last:
        links.append(("next", "nextPage", page.number + 1))
    for term, older_term, number in links:
        add((collection, HYDRA[term], URIRef(link(number))))
        add((collection, HYDRA[older_term], URIRef(link(number))))


def _datetime(value: dt.datetime) -> Literal:
    return Literal(value.astimezone(dt.UTC).replace(microsecond=0), datatype=XSD.dateTime)
