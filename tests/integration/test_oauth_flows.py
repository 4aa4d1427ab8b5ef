"""The OAuth 2.0 flows against the live gateway, driven by requests-oauthlib.

requests-oauthlib (over oauthlib) is a client library other than the server's own
(Authlib), so these tests show the server speaks the RFCs to third parties.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session
from tests.integration.identity import (
    CALLBACK,
    civic,
    consent,
    logged_in,
    new_app,
    new_user,
    query,
)
from tests.integration.stack import RunningStack

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _http_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The test gateway listens on http://127.0.0.1; oauthlib insists on https otherwise.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    yield


def public_app(stack: RunningStack, owner: str, scope: str = "reuses:write usage:read") -> Any:
    return new_app(
        stack,
        owner,
        "--public",
        "--redirect-uri",
        CALLBACK,
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        scope=scope,
        actor_type="association",
    )


def test_authorization_code_with_pkce_then_refresh_and_me(stack: RunningStack) -> None:
    developer = new_user(stack)
    person = new_user(stack, "publisher")
    app = public_app(stack, developer["email"], "datasets:write reuses:write usage:read")
    gateway = stack.gateway_url

    client = OAuth2Session(
        app["client_id"], redirect_uri=CALLBACK, scope=["datasets:write", "usage:read"], pkce="S256"
    )
    authorization_url, state = client.authorization_url(f"{gateway}/oauth/authorize")
    landed = consent(logged_in(stack, person["email"]), authorization_url)

    assert landed.startswith(CALLBACK + "?")
    params = query(landed)
    assert params["state"] == state
    assert params["iss"] == gateway  # RFC 9207
    token = client.fetch_token(
        f"{gateway}/oauth/token", authorization_response=landed, include_client_id=True
    )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] <= 900
    assert set(token["scope"]) == {"datasets:write", "usage:read"}
    assert token["access_token"].startswith("cvat_")

    me = client.get(f"{gateway}/api/v1/me", timeout=10).json()
    assert me["acting_for"] == "user"
    assert me["person"]["email"] == person["email"]
    assert me["person"]["organizations"]
    assert me["app"] == {**me["app"], "client_id": app["client_id"], "actor_type": "association"}
    assert me["effective_scope"] == "datasets:write usage:read"

    refreshed = client.refresh_token(f"{gateway}/oauth/token", client_id=app["client_id"])
    assert refreshed["refresh_token"] != token["refresh_token"]  # rotated
    assert client.get(f"{gateway}/api/v1/me", timeout=10).status_code == 200


def test_client_credentials_act_with_the_owner_rights(stack: RunningStack) -> None:
    publisher = new_user(stack, "publisher")
    robot = new_app(
        stack, publisher["email"], scope="datasets:write reports:read", actor_type="public_local"
    )
    gateway = stack.gateway_url

    client = OAuth2Session(client=BackendApplicationClient(client_id=robot["client_id"]))
    token = client.fetch_token(
        f"{gateway}/oauth/token",
        client_id=robot["client_id"],
        client_secret=robot["client_secret"],
    )
    assert "refresh_token" not in token  # RFC 6749 4.4.3
    me = client.get(f"{gateway}/api/v1/me", timeout=10).json()
    assert me["acting_for"] == "owner"
    assert me["person"]["email"] == publisher["email"]
    # reports:read was asked for, but a publisher has no such right: never granted.
    assert me["scope"] == "datasets:write"
    assert me["effective_scope"] == "datasets:write"

    introspected = requests.post(
        f"{gateway}/oauth/introspect",
        data={"token": token["access_token"]},
        auth=(robot["client_id"], robot["client_secret"]),
        timeout=10,
    ).json()
    assert introspected["active"] is True
    assert introspected["client_id"] == robot["client_id"]
    assert introspected["iss"] == gateway
    assert introspected["actor_type"] == "public_local"


def test_an_anonymously_registered_app_acts_for_itself_alone(stack: RunningStack) -> None:
    gateway = stack.gateway_url
    registered = requests.post(
        f"{gateway}/oauth/register",
        json={
            "client_name": "Open robot",
            "actor_type": "citizen",
            "grant_types": ["client_credentials"],
            "scope": "datasets:write reuses:write usage:read",
        },
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    body = registered.json()
    client = OAuth2Session(client=BackendApplicationClient(client_id=body["client_id"]))
    client.fetch_token(
        f"{gateway}/oauth/token", client_id=body["client_id"], client_secret=body["client_secret"]
    )
    me = client.get(f"{gateway}/api/v1/me", timeout=10).json()
    assert me["acting_for"] == "app"
    assert me["person"] is None
    assert me["effective_scope"] == "reuses:write usage:read"  # never publishes
    refused = client.post(
        f"{gateway}/api/v1/apps/{body['client_id']}/access",
        json={"action": "suspend", "reason": "self"},
        timeout=10,
    )
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]


def test_rfc7592_reads_updates_and_deletes_a_registration(stack: RunningStack) -> None:
    gateway = stack.gateway_url
    created = requests.post(
        f"{gateway}/oauth/register",
        json={
            "client_name": "Map",
            "actor_type": "media",
            "redirect_uris": ["https://map.example/cb"],
        },
        timeout=10,
    ).json()
    uri, token = created["registration_client_uri"], created["registration_access_token"]
    assert uri == f"{gateway}/oauth/register/{created['client_id']}"
    headers = {"Authorization": f"Bearer {token}"}

    read = requests.get(uri, headers=headers, timeout=10)
    assert read.status_code == 200
    assert read.json()["client_name"] == "Map"
    assert "client_secret" not in read.json()  # stored hashed: shown once only

    updated = requests.put(
        uri,
        headers=headers,
        json={
            "client_id": created["client_id"],
            "client_name": "Map of bikes",
            "actor_type": "media",
            "redirect_uris": ["https://map.example/cb", "https://map.example/cb2"],
        },
        timeout=10,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["redirect_uris"] == ["https://map.example/cb", "https://map.example/cb2"]

    other = requests.get(uri, headers={"Authorization": "Bearer cvrg_wrong"}, timeout=10)
    assert other.status_code == 401
    assert requests.delete(uri, headers=headers, timeout=10).status_code == 204
    assert requests.get(uri, headers=headers, timeout=10).status_code == 401


def test_registration_can_require_an_initial_access_token(stack: RunningStack) -> None:
    developer = new_user(stack)
    issued = civic(stack, "apps", "initial-token", "--owner", developer["email"])
    created = requests.post(
        f"{stack.gateway_url}/oauth/register",
        headers={"Authorization": f"Bearer {issued['initial_access_token']}"},
        json={
            "client_name": "Owned",
            "actor_type": "research",
            "grant_types": ["client_credentials"],
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    shown = civic(stack, "apps", "show", created.json()["client_id"])
    assert shown["owner"] == developer["email"]
    assert shown["registered_via"] == "api"
    bad = requests.post(
        f"{stack.gateway_url}/oauth/register",
        headers={"Authorization": "Bearer cvia_not-a-token"},
        json={"client_name": "x", "actor_type": "research"},
        timeout=10,
    )
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_token"


def test_metadata_document_describes_the_server(stack: RunningStack) -> None:
    document = requests.get(
        f"{stack.gateway_url}/.well-known/oauth-authorization-server", timeout=10
    ).json()
    assert document["issuer"] == stack.gateway_url
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "implicit" not in document["grant_types_supported"]
    assert "password" not in document["grant_types_supported"]
    assert document["authorization_response_iss_parameter_supported"] is True
