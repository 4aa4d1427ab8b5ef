"""One refusal per OAuth rule, against the live gateway (issue 3, "negative tests")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from tests.integration.identity import (
    CALLBACK,
    civic,
    consent,
    logged_in,
    new_app,
    new_user,
    pkce,
    query,
    sql,
)
from tests.integration.stack import RunningStack

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _http_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    yield


@pytest.fixture
def setting(stack: RunningStack) -> dict[str, Any]:
    """A public app, a person logged in, and a ready PKCE pair."""
    developer = new_user(stack)
    app = new_app(
        stack,
        developer["email"],
        "--public",
        "--redirect-uri",
        CALLBACK,
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        scope="reuses:write usage:read",
    )
    person = new_user(stack)
    return {"app": app, "browser": logged_in(stack, person["email"]), "pkce": pkce()}


def authorize_url(stack: RunningStack, client_id: str, **params: str) -> str:
    query_string = urlencode(
        {"response_type": "code", "client_id": client_id, "state": "s1", **params}
    )
    return f"{stack.gateway_url}/oauth/authorize?{query_string}"


def code_for(stack: RunningStack, setting: dict[str, Any], scope: str = "usage:read") -> str:
    url = authorize_url(
        stack,
        setting["app"]["client_id"],
        redirect_uri=CALLBACK,
        scope=scope,
        code_challenge=setting["pkce"].challenge,
        code_challenge_method="S256",
    )
    return query(consent(setting["browser"], url))["code"]


def exchange(stack: RunningStack, setting: dict[str, Any], code: str) -> requests.Response:
    return requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": setting["app"]["client_id"],
            "code_verifier": setting["pkce"].verifier,
        },
        timeout=10,
    )


def refresh(
    stack: RunningStack, setting: dict[str, Any], refresh_token: str, **extra: str
) -> requests.Response:
    return requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": setting["app"]["client_id"],
            **extra,
        },
        timeout=10,
    )


def me(stack: RunningStack, access_token: str) -> requests.Response:
    return requests.get(
        f"{stack.gateway_url}/api/v1/me",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def test_plain_pkce_is_refused(stack: RunningStack, setting: dict[str, Any]) -> None:
    url = authorize_url(
        stack,
        setting["app"]["client_id"],
        redirect_uri=CALLBACK,
        code_challenge=setting["pkce"].verifier,
        code_challenge_method="plain",
    )
    landed = setting["browser"].get(url, allow_redirects=False, timeout=10)
    assert landed.status_code == 302
    params = query(landed.headers["Location"])
    assert params["error"] == "invalid_request"
    assert "S256" in params["error_description"]
    assert params["iss"] == stack.gateway_url
    assert params["state"] == "s1"


def test_missing_pkce_is_refused(stack: RunningStack, setting: dict[str, Any]) -> None:
    url = authorize_url(stack, setting["app"]["client_id"], redirect_uri=CALLBACK)
    landed = setting["browser"].get(url, allow_redirects=False, timeout=10)
    assert landed.status_code == 302
    assert query(landed.headers["Location"])["error"] == "invalid_request"


def test_a_redirect_uri_differing_by_a_trailing_slash_is_refused(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    url = authorize_url(
        stack,
        setting["app"]["client_id"],
        redirect_uri=CALLBACK + "/",
        code_challenge=setting["pkce"].challenge,
        code_challenge_method="S256",
    )
    page = setting["browser"].get(url, allow_redirects=False, timeout=10)
    # Never redirected to an unregistered URI: an error page for the person instead.
    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "invalid_request" in page.text


def test_a_reused_code_is_refused_and_revokes_what_it_gave(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    code = code_for(stack, setting)
    first = exchange(stack, setting, code)
    assert first.status_code == 200, first.text
    access_token = first.json()["access_token"]
    assert me(stack, access_token).status_code == 200

    second = exchange(stack, setting, code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert me(stack, access_token).status_code == 401  # RFC 6749 4.1.2: revoked


def test_a_reused_refresh_token_revokes_the_whole_family(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    tokens = exchange(stack, setting, code_for(stack, setting)).json()
    rotated = refresh(stack, setting, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    latest = rotated.json()
    assert latest["refresh_token"] != tokens["refresh_token"]

    reused = refresh(stack, setting, tokens["refresh_token"])  # the old one again
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    # The legitimate holder's newest tokens die with it.
    assert me(stack, latest["access_token"]).status_code == 401
    assert refresh(stack, setting, latest["refresh_token"]).json()["error"] == "invalid_grant"


def test_scope_escalation_at_refresh_is_refused(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    tokens = exchange(stack, setting, code_for(stack, setting, scope="usage:read")).json()
    escalated = refresh(stack, setting, tokens["refresh_token"], scope="usage:read reuses:write")
    assert escalated.status_code == 400
    assert escalated.json()["error"] == "invalid_scope"
    narrower = refresh(stack, setting, tokens["refresh_token"], scope="usage:read")
    assert narrower.status_code == 200


def test_an_expired_token_is_refused(stack: RunningStack, setting: dict[str, Any]) -> None:
    access_token = exchange(stack, setting, code_for(stack, setting)).json()["access_token"]
    sql(
        stack,
        "UPDATE oauth_tokens SET expires_at = now() - interval '1 second'"
        " WHERE access_token_hash = encode(sha256(convert_to(%(t)s, 'UTF8')), 'hex')",
        {"t": access_token},
    )
    refused = me(stack, access_token)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert "expired" in refused.json()["detail"]


def test_a_revoked_token_is_refused(stack: RunningStack, setting: dict[str, Any]) -> None:
    tokens = exchange(stack, setting, code_for(stack, setting)).json()
    revoked = requests.post(
        f"{stack.gateway_url}/oauth/revoke",
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": setting["app"]["client_id"],
        },
        timeout=10,
    )
    assert revoked.status_code == 200
    # RFC 7009 2.1: revoking the refresh token ends the access token of its grant too.
    assert me(stack, tokens["access_token"]).status_code == 401
    assert refresh(stack, setting, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_tokens_of_a_suspended_app_stop_at_once(stack: RunningStack) -> None:
    owner = new_user(stack, "publisher")
    robot = new_app(stack, owner["email"], scope="datasets:write")
    client = (robot["client_id"], robot["client_secret"])
    token_url = f"{stack.gateway_url}/oauth/token"
    data = {"grant_type": "client_credentials"}
    access_token = requests.post(token_url, data=data, auth=client, timeout=10).json()[
        "access_token"
    ]
    assert me(stack, access_token).status_code == 200

    civic(stack, "apps", "suspend", robot["client_id"], "--reason", "Scraping personal data")
    refused = me(stack, access_token)
    assert refused.status_code == 401
    assert "suspended" in refused.json()["detail"]
    no_token = requests.post(token_url, data=data, auth=client, timeout=10)
    assert no_token.json()["error"] == "unauthorized_client"

    civic(stack, "apps", "restore", robot["client_id"], "--reason", "Fixed after review")
    assert me(stack, access_token).status_code == 200
    shown = civic(stack, "apps", "show", robot["client_id"])
    assert [(e["action"], e["reason"]) for e in shown["access_history"]] == [
        ("suspended", "Scraping personal data"),
        ("restored", "Fixed after review"),
    ]


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"redirect_uris": ["http://maps.example/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://maps.example/cb#frag"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://*.example/cb"]}, "invalid_redirect_uri"),
        ({"actor_type": "galactic_empire"}, "invalid_client_metadata"),
        ({"scope": "datasets:write everything"}, "invalid_client_metadata"),
        ({"grant_types": ["implicit"]}, "invalid_client_metadata"),
        ({"grant_types": ["password"]}, "invalid_client_metadata"),
        ({"client_name": ""}, "invalid_client_metadata"),
    ],
)
def test_registration_with_bad_metadata_is_refused(
    stack: RunningStack, metadata: dict[str, Any], error: str
) -> None:
    body = {
        "client_name": "Maps",
        "actor_type": "company_small",
        "redirect_uris": ["https://maps.example/cb"],
        **metadata,
    }
    refused = requests.post(f"{stack.gateway_url}/oauth/register", json=body, timeout=10)
    assert refused.status_code == 400
    assert refused.json()["error"] == error
    assert refused.json()["error_description"]


def test_only_an_admin_token_suspends_and_the_owner_reads_why(stack: RunningStack) -> None:
    admin = new_user(stack, "admin")
    console = new_app(stack, admin["email"], scope="admin", actor_type="public_national")
    owner = new_user(stack, "developer")
    target = new_app(stack, owner["email"], scope="usage:read")

    def token(app: dict[str, Any]) -> str:
        answer = requests.post(
            f"{stack.gateway_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(app["client_id"], app["client_secret"]),
            timeout=10,
        )
        return str(answer.json()["access_token"])

    url = f"{stack.gateway_url}/api/v1/apps/{target['client_id']}/access"
    as_admin = {"Authorization": f"Bearer {token(console)}"}
    empty = requests.post(
        url, json={"action": "suspend", "reason": ""}, headers=as_admin, timeout=10
    )
    assert empty.status_code == 422  # a reason is required
    done = requests.post(
        url, json={"action": "suspend", "reason": "Quota abuse"}, headers=as_admin, timeout=10
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "suspended"
    assert done.json()["history"][0]["actor"] == admin["email"]

    # The owner reads the reason through another of their apps (their own rights).
    other = new_app(stack, owner["email"], scope="usage:read")
    record = requests.get(url, headers={"Authorization": f"Bearer {token(other)}"}, timeout=10)
    assert record.status_code == 200
    assert record.json()["reason"] == "Quota abuse"
    stranger = new_app(stack, new_user(stack)["email"])
    forbidden = requests.get(
        url, headers={"Authorization": f"Bearer {token(stranger)}"}, timeout=10
    )
    assert forbidden.status_code == 403
