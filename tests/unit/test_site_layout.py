"""The one layout (issue 16): the DSFR served from its npm package, the theme setting,
the language switch and its cookie, error pages for browsers and problem+json for
programs (the CKAN facade's routes keep CKAN's shape)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from civic.platform.app import create_app
from civic.services.bootstrap import Bootstrap

ROOT = Path(__file__).resolve().parents[2]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
DSFR_VERSION = json.loads((ROOT / "frontend" / "package.json").read_text())["dependencies"][
    "@gouvfr/dsfr"
]


def test_the_dsfr_is_pinned_in_the_lock_and_installed_by_make_install() -> None:
    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@gouvfr/dsfr"]["version"] == DSFR_VERSION
    installed = ROOT / "frontend" / "node_modules" / "@gouvfr" / "dsfr" / "package.json"
    assert json.loads(installed.read_text())["version"] == DSFR_VERSION


def test_the_layout_loads_the_dsfr_from_the_gateway_and_it_is_served(client: FlaskClient) -> None:
    page = client.get("/login", headers=BROWSER).get_data(as_text=True)
    css = f"/static/dsfr/{DSFR_VERSION}/dsfr.min.css"
    assert f'href="{css}"' in page
    assert "//cdn" not in page and "https://" not in page.split("<body>")[0]
    assert 'class="fr-header"' in page and 'class="fr-footer"' in page
    assert 'class="fr-skiplinks"' in page and "République<br>Française" in page
    with client.get(css) as served:
        assert served.status_code == 200 and served.mimetype == "text/css"
        assert "immutable" in served.headers["Cache-Control"]
        assert len(served.get_data()) > 100_000
    with client.get(f"/static/dsfr/{DSFR_VERSION}/dsfr.module.min.js") as script:
        assert script.status_code == 200
    assert client.get("/static/dsfr/0.0.1/dsfr.min.css").status_code == 404
    assert client.get(f"/static/dsfr/{DSFR_VERSION}/../package.json").status_code == 404


def test_a_neutral_deployment_has_the_layout_without_the_states_brand(
    bootstrap: Bootstrap,
) -> None:
    config: dict[str, Any] = {
        "env": "test",
        "ratelimit_storage_url": "memory://",
        "site_theme": "neutral",
        "site_name": "Open Data Town",
    }
    client = create_app(config, bootstrap=bootstrap).test_client()
    page = client.get("/login", headers=BROWSER).get_data(as_text=True)
    assert 'class="fr-header"' in page and "Open Data Town" in page
    assert "République" not in page and "fr-logo" not in page
    assert 'class="civic-neutral"' in page


def test_the_language_switch_keeps_the_address_and_the_choice_is_remembered(
    client: FlaskClient,
) -> None:
    page = client.get("/login?next=/catalog%3Fq%3Deau", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert '<html lang="en"' in text
    assert 'href="/login?next=%2Fcatalog%3Fq%3Deau&amp;lang=fr"' in text
    french = client.get("/login?next=/catalog%3Fq%3Deau&lang=fr")
    assert "civic_lang=fr" in french.headers["Set-Cookie"]
    assert '<html lang="fr"' in french.get_data(as_text=True)
    # The next page, without ?lang=, stays French for an English browser.
    again = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr"' in again and "Se connecter" in again


def test_a_french_browser_gets_french(client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr"' in page.get_data(as_text=True)
    assert "Accept-Language" in page.headers["Vary"]


def test_a_french_browser_gets_a_french_error_page(client: FlaskClient) -> None:
    page = client.get("/nowhere", headers={**BROWSER, "Accept-Language": "fr-FR,fr;q=0.9"})
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and "Page introuvable" in text and "Erreur 404" in text


@pytest.mark.parametrize("path", ["/nowhere", "/api/v1/nowhere", "/datasets/x/y/z"])
def test_a_browser_gets_an_error_page_a_program_gets_problem_json(
    client: FlaskClient, path: str
) -> None:
    page = client.get(path, headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Page not found" in text and 'role="search"' in text and 'class="fr-header"' in text
    assert "Content-Security-Policy" in page.headers
    for accept in ("*/*", "application/json", "application/problem+json"):
        answer = client.get(path, headers={"Accept": accept})
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
        assert answer.json is not None and answer.json["status"] == 404
    assert client.get(path).mimetype == "application/problem+json"  # no Accept at all


def test_a_401_page_links_to_the_login_and_keeps_the_challenge(client: FlaskClient) -> None:
    page = client.get("/api/v1/me", headers=BROWSER)
    assert page.status_code == 401 and page.mimetype == "text/html"
    assert page.headers["WWW-Authenticate"].startswith("Bearer")
    assert 'href="/login?next=/api/v1/me"' in page.get_data(as_text=True)


def test_the_ckan_facade_keeps_ckans_json_for_a_browser(client: FlaskClient) -> None:
    for path in ("/api/3/action/no_such_action", "/api/action/no_such_action"):
        answer = client.get(path, headers=BROWSER)
        assert answer.mimetype == "application/json", path
        assert "<html" not in answer.get_data(as_text=True)
