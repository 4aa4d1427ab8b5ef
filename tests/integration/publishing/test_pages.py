"""The catalog's web pages: search with facets, dataset and organization pages, the form, FR/EN."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, Person, body

from civic.platform.web.session import COOKIE
from civic.platform.wiring import current_bootstrap
from civic.services.identity import sessions

pytestmark = pytest.mark.integration
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def publisher(client: FlaskClient, catalog: Catalog) -> Person:
    catalog.organization("ville-a")
    person = catalog.person("publisher", ("ville-a",))
    for title in ("Qualité de l'eau", "Horaires des bus"):
        sent = body(title=title)
        assert client.post("/api/v1/datasets", json=sent, headers=person.headers).status_code == 201
    return person


def logged_in(client: FlaskClient, person: Person) -> None:
    """Give ``client`` the cookie of a new web session of ``person`` (as a login does)."""
    with client.application.app_context():
        bootstrap = current_bootstrap()
    with bootstrap.unit_of_work() as uow:
        token, _ = sessions.start_session(uow, person.user_id, lifetime_seconds=3600)
        uow.commit()
    client.set_cookie(COOKIE, token)


def test_search_page_lists_results_and_facets_in_english_and_french(
    client: FlaskClient, publisher: Person
) -> None:
    page = client.get("/catalog?q=bus", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "1 dataset" in page and "Horaires des bus" in page
    assert '<label class="fr-label" for="q">Words to look for</label>' in page
    assert '<legend class="fr-fieldset__legend">Organization</legend>' in page
    french = client.get("/catalog", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    text = french.get_data(as_text=True)
    assert '<html lang="fr"' in text
    assert "2 jeux de données" in text and "Rechercher dans le catalogue" in text
    assert "Mots à rechercher" in client.get("/catalog?lang=fr").get_data(as_text=True)
    filtered = client.get("/catalog?formats=CSV&tags=eau").get_data(as_text=True)
    assert 'value="CSV"\n                checked' in filtered or "checked" in filtered


def test_dataset_and_organization_pages(client: FlaskClient, publisher: Person) -> None:
    found = client.get("/api/v1/datasets?q=bus").json["results"][0]
    page = client.get(f"/datasets/{found['name']}").get_data(as_text=True)
    assert "Horaires des bus" in page
    assert "Licence Ouverte" in page
    assert "Download" in page and "published in CKAN" in page
    # Files are linked through the tracked download, which redirects to them.
    resource = client.get(f"/api/v1/datasets/{found['name']}").json["resources"][0]
    tracked = f"/api/v1/datasets/{found['name']}/resources/{resource['id']}/download"
    assert f'href="{tracked}"' in page
    followed = client.get(tracked)
    assert followed.status_code == 302 and followed.headers["Location"] == resource["url"]
    assert f"/datasets/{found['name']}.ttl" in page
    assert "Edit this dataset" not in page  # anonymous visitors do not edit
    assert client.get("/datasets/nope").status_code == 404
    organization = client.get("/organizations/ville-a").get_data(as_text=True)
    assert "2 datasets" in organization and "local" in organization
    assert client.get(f"/datasets/{found['name']}.ttl").mimetype == "text/turtle"


def test_publisher_form_creates_then_edits_with_field_errors(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan
) -> None:
    assert client.get("/publish").status_code == 302  # to the login page
    logged_in(client, publisher)
    form = client.get("/publish").get_data(as_text=True)
    token = CSRF.search(form).group(1)  # type: ignore[union-attr]
    fields = {
        "csrf_token": token,
        "resource_rows": "3",
        "name": "arbres",
        "title": "Arbres",
        "description": "Les arbres de la ville",
        "organization": "ville-a",
        "license": "etalab-2.0",
        "tags": "arbres, nature",
        "themes": "ENVI",
        "resources-0-url": "not a url",
    }
    refused = client.post("/publish", data=fields)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="err-resources-0-url"' in text
    assert 'id="err-resources-0-url"' in text
    fields["resources-0-url"] = "https://x.fr/arbres.csv"
    fields["resources-0-format"] = "csv"
    saved = client.post("/publish", data=fields)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/datasets/arbres")
    assert fake_ckan.dataset_show("arbres").title == "Arbres"
    page = client.get("/datasets/arbres").get_data(as_text=True)
    assert "Saved and published in CKAN." in page and "Edit this dataset" in page
    edit = client.get("/datasets/arbres/edit").get_data(as_text=True)
    assert 'value="https://x.fr/arbres.csv"' in edit
    fields["title"] = "Arbres d'alignement"
    fields["resource_rows"] = "4"
    assert client.post("/datasets/arbres/edit", data=fields).status_code == 302
    assert fake_ckan.dataset_show("arbres").title == "Arbres d'alignement"


def test_the_form_saves_while_ckan_is_down_and_says_it_is_pending(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan
) -> None:
    # The form goes through the same write use case as the API: stored, queued for
    # the worker, and the publisher told so (not an error page).
    logged_in(client, publisher)
    token = CSRF.search(client.get("/publish").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    fake_ckan.outage = True
    fields = {
        "csrf_token": token,
        "name": "parkings",
        "title": "Parkings relais",
        "description": "Places libres en temps réel",
        "organization": "ville-a",
        "license": "etalab-2.0",
    }
    saved = client.post("/publish", data=fields)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/datasets/parkings")
    page = client.get("/datasets/parkings").get_data(as_text=True)
    assert "CKAN has not confirmed yet" in page
    assert client.get("/api/v1/datasets/parkings").json["sync_status"] == "pending"
    fake_ckan.outage = False
    again = client.post("/publish", data=fields)
    assert again.status_code == 409  # the name is taken: shown beside the field
    assert 'id="err-name"' in again.get_data(as_text=True)


def test_a_publisher_cannot_use_the_form_for_another_organization(
    client: FlaskClient, catalog: Catalog, publisher: Person
) -> None:
    catalog.organization("region-b")
    logged_in(client, publisher)
    token = CSRF.search(client.get("/publish").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/publish",
        data={
            "csrf_token": token,
            "name": "x-b",
            "title": "X",
            "description": "Y",
            "organization": "region-b",
            "license": "etalab-2.0",
        },
    )
    assert answer.status_code == 403
