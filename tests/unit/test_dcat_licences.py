"""Licence documents of the DCAT export: the IRIs a harvesting CKAN's register knows.

That the IRIs are the ``url`` values of CKAN's own default register is checked against
CKAN itself, in its venv, by tests/integration/test_dcat_paging.py; here, that every
licence the platform allows gets a distinct, typed document that keeps its SPDX id.
"""

from __future__ import annotations

import uuid

from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS
from tests.unit.test_dcat_conformance import INFO, varied_datasets

from civic.platform.settings import Settings
from civic.services.dcat.graph import dataset_graph
from civic.services.dcat.licences import CKAN_REGISTER_URLS, OPEN_DEFINITION, licence_document

ALLOWED = Settings.model_fields["catalog_licenses"].get_default(call_default_factory=True)


def test_every_allowed_licence_but_etalab_has_the_iri_of_ckans_register() -> None:
    assert set(ALLOWED) - set(CKAN_REGISTER_URLS) == {"etalab-2.0"}
    documents = {spdx: licence_document(spdx) for spdx in ALLOWED}
    iris = [doc.iri for doc in documents.values() if doc is not None]
    assert len(iris) == len(ALLOWED) == len(set(iris))  # no two licences merge in a harvest
    for spdx, doc in documents.items():
        assert doc is not None and doc.spdx_id == spdx
        if spdx == "etalab-2.0":
            assert doc.iri == "https://spdx.org/licenses/etalab-2.0"
        else:
            assert doc.iri.startswith(OPEN_DEFINITION)


def test_a_distribution_links_the_document_with_its_spdx_id_and_page() -> None:
    dataset = next(d for d in varied_datasets(8) if d.resources)
    dataset.license = "CC-BY-4.0"
    graph = dataset_graph(dataset, INFO)
    [distribution] = graph.subjects(RDF.type, DCAT.Distribution)
    document = graph.value(distribution, DCTERMS.license)
    assert document == URIRef("http://www.opendefinition.org/licenses/cc-by")
    assert (document, RDF.type, DCTERMS.LicenseDocument) in graph
    assert graph.value(document, DCTERMS.identifier) == Literal("CC-BY-4.0")
    assert graph.value(document, RDFS.seeAlso) == URIRef("https://spdx.org/licenses/CC-BY-4.0")


def test_an_unknown_or_missing_licence_links_nothing() -> None:
    assert licence_document(None) is None
    assert licence_document("proprietary-" + uuid.uuid4().hex[:4]) is None
