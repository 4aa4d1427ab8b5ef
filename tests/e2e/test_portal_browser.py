"""In real Chromium: log in, register an app in the portal, consent, land on the redirect URI."""

from __future__ import annotations

import base64
import hashlib
import secrets
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from playwright.sync_api import Page, expect
from tests.e2e.live import Gateway, log_in, make_user

from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e
# Kept for people to look at after a run (var/ is ignored by git).
CONSENT_SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "e2e-consent.png"


def test_register_an_app_and_consent_in_chromium(
    gateway: Gateway, page: Page, callback_server: ThreadingHTTPServer
) -> None:
    developer = make_user(gateway, Role.DEVELOPER)
    callback = f"http://127.0.0.1:{callback_server.server_address[1]}/callback"

    page.goto(f"{gateway.url}/portal/")
    expect(page).to_have_url(f"{gateway.url}/login?next=/portal/")
    log_in(page, developer)
    expect(page.get_by_role("heading", name="My apps")).to_be_visible()

    page.get_by_role("link", name="Register an app").click()
    page.get_by_label("Name", exact=True).fill("Bike parking map")
    page.get_by_label("Who is behind it").select_option("association")
    page.get_by_label("Redirect URIs").fill(callback)
    page.get_by_label("Public (a browser or mobile app").check()
    page.locator("input[name=scope][value='reuses:write']").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Bike parking map is registered")).to_be_visible()
    client_id = page.locator("#client-id").inner_text()
    expect(page.locator("#client-secret")).to_have_count(0)  # a public client has none

    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": callback,
            "scope": "reuses:write",
            "state": "browser-state",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    page.goto(f"{gateway.url}/oauth/authorize?{query}")
    expect(page.locator("#app-name")).to_have_text("Bike parking map")
    expect(page.locator("#actor-type")).to_have_text("Association, NGO, cooperative")
    expect(page.locator("#scopes")).to_contain_text("reuses:write")
    page.screenshot(path=str(CONSENT_SCREENSHOT))
    page.locator("#approve").click()

    expect(page.locator("#landed")).to_be_visible()
    landed = urlsplit(page.url)
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == callback
    params = {key: values[0] for key, values in parse_qs(landed.query).items()}
    assert params["state"] == "browser-state"
    assert params["iss"] == gateway.url
    assert params["code"].startswith("cvac_") or params["code"]

    token = requests.post(
        f"{gateway.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": callback,
            "client_id": client_id,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert token.status_code == 200, token.text
    me = requests.get(
        f"{gateway.url}/api/v1/me",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=10,
    ).json()
    assert me["acting_for"] == "user"
    assert me["person"]["email"] == developer
    assert me["effective_scope"] == "reuses:write"
