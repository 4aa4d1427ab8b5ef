"""Accent- and case-insensitive search (issue 16): `ecoles`, `Ecoles` and `écoles` find
the same datasets through the API and the catalog page; accented queries still find
what they found (the vector keeps its accented lexemes)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from tests.integration.publishing.helpers import Catalog, body

pytestmark = pytest.mark.integration


@pytest.fixture
def published(client: FlaskClient, catalog: Catalog) -> None:
    catalog.organization("ville-a")
    admin = catalog.person("admin")
    for sent in (
        body(name="ecoles-primaires", title="Écoles primaires", description="Effectifs"),
        body(name="cantines", title="Cantines", description="Repas servis dans les écoles"),
        body(name="conservatoire", title="Conservatoire", tags=["écoles", "musique"]),
        body(name="horaires-bus", title="Bus timetables", description="City buses"),
    ):
        assert client.post("/api/v1/datasets", json=sent, headers=admin.headers).status_code == 201


def found(client: FlaskClient, words: str) -> set[str]:
    answer = client.get("/api/v1/datasets", query_string={"q": words})
    return {dataset["name"] for dataset in answer.json["results"]}  # type: ignore[index]


def test_with_or_without_accents_and_capitals_the_same_datasets(
    client: FlaskClient, published: None
) -> None:
    schools = {"ecoles-primaires", "cantines", "conservatoire"}  # the last by its tag
    for words in ("ecoles", "Ecoles", "écoles", "ÉCOLES"):
        assert found(client, words) == schools, words
    for words in ("ecole", "école", "Ecole"):  # stemmed: the titles and descriptions
        assert found(client, words) == {"ecoles-primaires", "cantines"}, words
    assert found(client, "musique") == {"conservatoire"}
    assert found(client, "timetable") == {"horaires-bus"}  # English stemming still


def test_the_catalog_page_finds_them_too(client: FlaskClient, published: None) -> None:
    for words in ("ecoles", "Ecoles", "écoles"):
        page = client.get("/catalog", query_string={"q": words}, headers={"Accept-Language": "en"})
        text = page.get_data(as_text=True)
        assert "3 datasets" in text, words
        assert "Écoles primaires" in text and "Conservatoire" in text
