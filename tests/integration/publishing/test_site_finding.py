"""Finding data and filling forms on the site (issue 16): downloads and reuse counts on
results, dataset and organization pages; a box for long facets; form errors by the
field's label, in French and English, tied to their fields; where each role lands."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from tests.integration.publishing.helpers import Catalog, Person
from tests.integration.publishing.test_pages import CSRF, logged_in, publisher

from civic.platform.pages.catalog import LONG_FACET

pytestmark = pytest.mark.integration
__all__ = ["publisher"]  # the fixture, shared with test_pages
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


def test_results_and_pages_show_dates_downloads_and_reuses(
    client: FlaskClient, publisher: Person
) -> None:
    results = client.get("/catalog?q=bus").get_data(as_text=True)
    assert "0 downloads" in results and "0 reuses" in results and "updated " in results
    name = client.get("/api/v1/datasets?q=bus").json["results"][0]["name"]  # type: ignore[index]
    page = client.get(f"/datasets/{name}").get_data(as_text=True)
    for fact in ("Published", "Downloads", "Reuses", "0 downloads", "0 reuses"):
        assert fact in page, fact
    organization = client.get("/organizations/ville-a", headers=FR).get_data(as_text=True)
    assert "0</strong> réutilisation" in organization
    assert "0</strong> téléchargement" in organization


def test_a_long_facet_gets_a_filter_box_a_short_one_does_not(
    client: FlaskClient, catalog: Catalog
) -> None:
    names = [f"org-{n:02d}" for n in range(LONG_FACET + 2)]
    for name in names:
        catalog.organization(name)
    person = catalog.person("publisher", tuple(names))
    for name in names:
        sent = {
            "name": f"ds-{name}",
            "title": f"Jeu {name}",
            "description": "d",
            "organization": name,
            "license": "etalab-2.0",
            "tags": ["commun"],
        }
        assert client.post("/api/v1/datasets", json=sent, headers=person.headers).status_code == 201
    page = client.get("/catalog").get_data(as_text=True)
    assert 'data-filters="facet-organization"' in page  # more than LONG_FACET values
    assert 'data-filters="facet-tags"' not in page  # one tag
    # Hidden until filters.js shows it: without script the list scrolls in its frame.
    assert re.search(r'class="fr-input-group civic-facet-filter" hidden', page)


def test_publisher_form_errors_name_the_field_by_its_label_in_french(
    client: FlaskClient, publisher: Person
) -> None:
    logged_in(client, publisher)
    token = CSRF.search(client.get("/publish").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    fields = {
        "csrf_token": token,
        "name": "Pas Un Slug",
        "title": "",
        "description": "d",
        "organization": "ville-a",
        "license": "etalab-2.0",
        "resources-0-url": "pas une adresse",
    }
    refused = client.post("/publish?lang=fr", data=fields, headers=FR)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "should match" not in text and "String" not in text
    assert '<a href="#f-name">Nom (dans l&#39;adresse)</a>' in text
    assert "Utilisez de 2 à 100 lettres minuscules" in text
    assert 'aria-describedby="hint-name err-name"' in text and 'id="err-name"' in text
    assert '<a href="#f-title">Titre</a>' in text and "Ce champ est obligatoire." in text
    assert '<a href="#f-resources-0-url">Ressource 1' in text
    english = client.post("/publish?lang=en", data=fields).get_data(as_text=True)
    assert '<a href="#f-name">Name (in the address)</a>: Use 2 to 100 lowercase' in english


def test_reuse_form_errors_are_tied_to_their_fields(client: FlaskClient, publisher: Person) -> None:
    logged_in(client, publisher)
    form = client.get("/portal/reuses/new?lang=fr", headers=FR).get_data(as_text=True)
    token = CSRF.search(form).group(1)  # type: ignore[union-attr]
    fields = {
        "csrf_token": token,
        "title": "Carte",
        "url": "https://carte.example.org/",
        "type": "application",
        "topic": "transport",
        "purpose": "commercial",
        "datasets": "aucun-jeu",
        "owner": "me",
        "actor_type": "citizen",
    }
    refused = client.post("/portal/reuses/new", data=fields, headers=FR)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Aucun jeu de données ne s&#39;appelle aucun-jeu." in text
    assert 'id="reuse-datasets" aria-invalid="true" aria-describedby="err-datasets"' in text
    assert '<a href="#reuse-datasets">Jeux de données utilisés' in text
    fields["url"] = "pas une adresse"
    invalid = client.post("/portal/reuses/new", data=fields).get_data(as_text=True)
    assert "url:" not in invalid and "should" not in invalid
    assert 'aria-describedby="err-url"' in invalid


def test_the_reuse_list_offers_organizations_by_title_and_hints_when_empty(
    client: FlaskClient, publisher: Person
) -> None:
    page = client.get("/reuses?organization=ville-a").get_data(as_text=True)
    assert '<option value="ville-a" selected>' in page
    assert "No reuse matches." in page and "Search again without the filters" in page
    french = client.get("/reuses?q=zzz", headers=FR).get_data(as_text=True)
    assert "Aucune réutilisation ne correspond." in french
    assert "Chercher parmi les jeux de données du catalogue" in french
    assert "sans les filtres" not in french  # words only: no filter to remove


def test_the_app_form_names_the_refused_field_in_french(
    client: FlaskClient, catalog: Catalog
) -> None:
    developer = catalog.person("developer")
    logged_in(client, developer)
    form = client.get("/portal/apps/new", headers=FR).get_data(as_text=True)
    fields = {
        "csrf_token": CSRF.search(form).group(1),  # type: ignore[union-attr]
        "client_name": "Carte des bus",
        "actor_type": "citizen",
        "redirect_uris": "http://example.org/callback",
        "grant_types": "authorization_code",
        "client_type": "confidential",
    }
    refused = client.post("/portal/apps/new", data=fields, headers=FR)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert '<a href="#app-redirects">URI de redirection' in text
    assert 'id="app-redirects" aria-invalid="true" aria-describedby="err-redirect_uris"' in text
    assert "Indiquez des adresses https" in text and "must be" not in text
