"""The web login: CSRF, cookie flags, lockout; the portal's forms; consent denied."""

from __future__ import annotations

import re

import pytest
import requests
from tests.integration.identity import (
    CALLBACK,
    PASSWORD,
    consent,
    csrf_token,
    logged_in,
    new_app,
    new_user,
    pkce,
    query,
)
from tests.integration.stack import RunningStack

pytestmark = pytest.mark.integration


def test_login_needs_the_csrf_token_and_sets_a_safe_cookie(stack: RunningStack) -> None:
    user = new_user(stack)
    browser = requests.Session()
    page = browser.get(f"{stack.gateway_url}/login", timeout=10)
    form = {"email": user["email"], "password": PASSWORD}
    forged = browser.post(f"{stack.gateway_url}/login", data=form, timeout=10)
    assert forged.status_code == 400

    answer = browser.post(
        f"{stack.gateway_url}/login",
        data={**form, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; production sets it
    portal = browser.get(f"{stack.gateway_url}/portal/", timeout=10)
    assert user["email"].split("@")[0] in portal.text

    logout = browser.post(
        f"{stack.gateway_url}/logout",
        data={"csrf_token": csrf_token(portal.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert logout.status_code == 302
    after = browser.get(f"{stack.gateway_url}/portal/", allow_redirects=False, timeout=10)
    assert after.status_code == 302
    assert "/login" in after.headers["Location"]


def test_repeated_failures_lock_the_account(stack: RunningStack) -> None:
    user = new_user(stack)
    browser = requests.Session()

    def attempt(password: str) -> int:
        page = browser.get(f"{stack.gateway_url}/login", timeout=10)
        return browser.post(
            f"{stack.gateway_url}/login",
            data={
                "email": user["email"],
                "password": password,
                "csrf_token": csrf_token(page.text),
            },
            allow_redirects=False,
            timeout=10,
        ).status_code

    assert [attempt("wrong password!") for _ in range(5)] == [401] * 5
    assert attempt(PASSWORD) == 401  # locked: even the right password is refused


def test_an_open_redirect_after_login_is_refused(stack: RunningStack) -> None:
    user = new_user(stack)
    browser = requests.Session()
    page = browser.get(f"{stack.gateway_url}/login?next=https://evil.example/", timeout=10)
    answer = browser.post(
        f"{stack.gateway_url}/login",
        data={
            "email": user["email"],
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": csrf_token(page.text),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.headers["Location"] == "/portal/"


def test_the_portal_registers_shows_and_rotates(stack: RunningStack) -> None:
    user = new_user(stack)
    browser = logged_in(stack, user["email"])
    form = browser.get(f"{stack.gateway_url}/portal/apps/new", timeout=10)
    fields = {
        "csrf_token": csrf_token(form.text),
        "client_name": "Transit times",
        "actor_type": "company_small",
        "redirect_uris": "https://transit.example/cb\nhttp://127.0.0.1:8080/cb",
        "grant_types": ["authorization_code", "refresh_token"],
        "client_type": "confidential",
        "scope": ["reuses:write"],
    }
    bad = browser.post(
        f"{stack.gateway_url}/portal/apps/new",
        data={**fields, "redirect_uris": "http://transit.example/cb"},
        timeout=10,
    )
    assert bad.status_code == 422
    # Said in words, beside the field (the services' "loopback" detail is for programs).
    assert "Give https addresses (http only on 127.0.0.1)" in bad.text
    assert 'aria-describedby="err-redirect_uris"' in bad.text
    created = browser.post(f"{stack.gateway_url}/portal/apps/new", data=fields, timeout=10)
    assert created.status_code == 200
    client_id = re.search(r'id="client-id">([^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    assert 'id="client-secret">cvcs_' in created.text

    shown = browser.get(f"{stack.gateway_url}/portal/apps/{client_id}", timeout=10)
    assert "Transit times" in shown.text
    assert "cvcs_" not in shown.text  # the secret is never shown again
    # The app page's button asks first (issue 17): nothing changes until confirmed.
    asked = browser.post(
        f"{stack.gateway_url}/portal/apps/{client_id}/secret",
        data={"csrf_token": csrf_token(shown.text)},
        timeout=10,
    )
    assert asked.status_code == 200
    assert "cvcs_" not in asked.text
    assert 'name="grace"' in asked.text
    rotated = browser.post(
        f"{stack.gateway_url}/portal/apps/{client_id}/secret",
        data={"csrf_token": csrf_token(asked.text), "confirm": "yes", "grace": "0"},
        timeout=10,
    )
    assert 'id="client-secret">cvcs_' in rotated.text

    stranger = logged_in(stack, new_user(stack)["email"])
    assert (
        stranger.get(f"{stack.gateway_url}/portal/apps/{client_id}", timeout=10).status_code == 403
    )


def test_denying_consent_sends_access_denied_with_the_issuer(stack: RunningStack) -> None:
    developer = new_user(stack)
    app = new_app(
        stack, developer["email"], "--public", "--redirect-uri", CALLBACK, "--grant",
        "authorization_code",
    )  # fmt: skip
    challenge = pkce().challenge
    url = (
        f"{stack.gateway_url}/oauth/authorize?response_type=code&client_id={app['client_id']}"
        f"&redirect_uri={CALLBACK}&state=xyz&code_challenge={challenge}"
        "&code_challenge_method=S256"
    )
    browser = logged_in(stack, new_user(stack)["email"])
    params = query(consent(browser, url, decision="deny"))
    assert params["error"] == "access_denied"
    assert params["state"] == "xyz"
    assert params["iss"] == stack.gateway_url


def test_a_developer_gets_an_initial_access_token_in_the_portal(stack: RunningStack) -> None:
    user = new_user(stack)
    browser = logged_in(stack, user["email"])
    portal = browser.get(f"{stack.gateway_url}/portal/", timeout=10)
    issued = browser.post(
        f"{stack.gateway_url}/portal/initial-token",
        data={"csrf_token": csrf_token(portal.text)},
        timeout=10,
    )
    token = re.search(r'id="initial-token">(cvia_[^<]+)<', issued.text).group(1)  # type: ignore[union-attr]
    created = requests.post(
        f"{stack.gateway_url}/oauth/register",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "client_name": "Scripted",
            "actor_type": "citizen",
            "grant_types": ["client_credentials"],
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    listed = browser.get(f"{stack.gateway_url}/portal/", timeout=10)
    assert created.json()["client_id"] in listed.text  # the app is the developer's
