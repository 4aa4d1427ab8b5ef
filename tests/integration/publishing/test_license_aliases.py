"""Licence aliases through the API and civic publish: accepted, stored as SPDX ids, named errors.

On the real PostgreSQL with CKAN in memory. The alias table is
``civic.services.catalog.licenses``; ``check_license`` and the dataset inputs use it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, Person, body

from civic.platform.cli import main
from civic.services.bootstrap import Bootstrap

pytestmark = pytest.mark.integration


@pytest.fixture
def publisher(catalog: Catalog) -> Person:
    catalog.organization("ville-a")
    return catalog.person("publisher", ("ville-a",))


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("ODC-PDDL-1.0", "PDDL-1.0"),
        ("ODC-BY-1.0", "ODC-By-1.0"),
        ("odc-odbl", "ODbL-1.0"),
        ("lov2", "etalab-2.0"),
        ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
        ("CC0-1.0", "CC0-1.0"),
    ],
)
def test_the_api_accepts_licence_aliases_and_stores_the_spdx_id(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan, given: str, stored: str
) -> None:
    sent = body(license=given)
    response = client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    assert response.status_code == 201, response.json
    assert response.json["license"] == stored
    assert fake_ckan.dataset_show(sent["name"]).license_id == stored
    patched = client.patch(
        f"/api/v1/datasets/{sent['name']}", json={"license": "odc-pddl"}, headers=publisher.headers
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["license"] == "PDDL-1.0"


def test_a_licence_not_allowed_is_still_refused(client: FlaskClient, publisher: Person) -> None:
    response = client.post(
        "/api/v1/datasets", json=body(license="cc-by"), headers=publisher.headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "#/license"


def test_civic_publish_names_licenses_0_when_the_licence_is_not_allowed(
    tmp_path: Path, bootstrap: Bootstrap, publisher: Person
) -> None:
    package = {
        "name": "arbres",
        "title": "Arbres",
        "organization": "ville-a",
        "licenses": [{"name": "CC-BY-NC-4.0", "title": "Pas de commerce"}],
        "resources": [{"name": "arbres", "path": "https://x.fr/arbres.csv"}],
    }
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps(package))
    result = CliRunner().invoke(
        main,
        ["publish", str(path), "--as", publisher.email, "--json"],
        env={"CIVIC_ENV": "test", "CIVIC_DATABASE_URL": bootstrap.settings.database_url},
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    [failure] = json.loads(result.output)["failed"]
    assert failure["error"].startswith("licenses[0]: 'CC-BY-NC-4.0' is not an allowed licence")
    text = CliRunner().invoke(
        main,
        ["publish", str(path), "--as", publisher.email, "--license", "ODC-PDDL-1.0"],
        env={"CIVIC_ENV": "test", "CIVIC_DATABASE_URL": bootstrap.settings.database_url},
        catch_exceptions=False,
    )
    assert text.exit_code == 1  # --license fills packages naming none, it overrides nothing
    assert "notes (what was derived or left out)" in text.output
    assert "description: none given, derived from the title" in text.output
