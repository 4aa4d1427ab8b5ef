"""Part 4: the rules of RFC 9700 (OAuth 2.0 Security Best Current Practice) as checks.

Rules already checked by the OAuth integration tests are not repeated here (RFC 9700
section: test, in tests/integration/):

- 2.1.1 PKCE required: test_oauth_refusals::test_missing_pkce_is_refused
- 2.1.1 S256 only, plain refused: test_oauth_refusals::test_plain_pkce_is_refused
- 2.1 exact redirect URI, trailing slash:
  test_oauth_refusals::test_a_redirect_uri_differing_by_a_trailing_slash_is_refused
- 4.2.4 / 4.5 code single use, a reuse revokes what it gave:
  test_oauth_refusals::test_a_reused_code_is_refused_and_revokes_what_it_gave
- 2.2.2 / 4.14.2 refresh token rotation and reuse detection:
  test_oauth_refusals::test_a_reused_refresh_token_revokes_the_whole_family
- 2.3 no scope escalation at refresh:
  test_oauth_refusals::test_scope_escalation_at_refresh_is_refused
- 2.2.1 short-lived access tokens (15 min):
  test_oauth_flows::test_authorization_code_with_pkce_then_refresh_and_me
- 4.4.2 / RFC 9207 ``iss`` on success (test_oauth_flows, same test) and on error
  (test_oauth_refusals::test_plain_pkce_is_refused)
- 2.1.2 / 2.4 no implicit nor password grant in the metadata and at registration:
  test_oauth_flows::test_metadata_document_describes_the_server,
  test_oauth_refusals::test_registration_with_bad_metadata_is_refused

The tests below add the rules those leave out, each citing its section.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from tests.integration.identity import (
    CALLBACK,
    consent,
    csrf_token,
    new_app,
    new_user,
    pkce,
    query,
    sql,
)
from tests.integration.stack import RunningStack
from tests.integration.test_oauth_refusals import (
    authorize_url,
    code_for,
    exchange,
    me,
    refresh,
)
from tests.integration.test_oauth_refusals import (
    setting as setting,  # noqa: PLC0414 - the fixture, reused: a public app and a person logged in
)
from tests.resilience.ledger import Ledger

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

PART = "4 OAuth RFC 9700"
TIMEOUT = 10


@pytest.fixture(autouse=True)
def _count(request: pytest.FixtureRequest, ledger: Ledger) -> Iterator[None]:
    """Each rule checked is one case of the ledger; a failed one is counted too."""
    failed_before = request.session.testsfailed
    yield
    # The call's report is logged before teardown, so a failure is already counted.
    ledger.record(PART, tried=1, failed=int(request.session.testsfailed > failed_before))


def token(stack: RunningStack, **data: str) -> requests.Response:
    return requests.post(f"{stack.gateway_url}/oauth/token", data=data, timeout=TIMEOUT)


def public_app(stack: RunningStack) -> dict[str, Any]:
    owner = new_user(stack)
    return new_app(
        stack,
        owner["email"],
        "--public",
        "--redirect-uri",
        CALLBACK,
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        scope="reuses:write usage:read",
    )


@pytest.mark.parametrize(
    "redirect_uri",
    [
        CALLBACK + "/evil",  # a longer path
        CALLBACK + "?next=https://evil.example",  # an added query
        "http://127.0.0.1:10/callback",  # another port
        "HTTP://127.0.0.1:9/callback",  # same URL, other spelling: still not the string
        "http://127.0.0.1:9@evil.example/callback",  # userinfo trick
        "http://evil.example/callback",
        "http://127.0.0.1:9/callback#fragment",
    ],
)
def test_2_1_redirect_uri_is_matched_exactly(
    stack: RunningStack, setting: dict[str, Any], redirect_uri: str
) -> None:
    """RFC 9700 2.1 and 4.1.3: exact string matching; 4.11: never an open redirector."""
    url = authorize_url(
        stack,
        setting["app"]["client_id"],
        redirect_uri=redirect_uri,
        code_challenge=setting["pkce"].challenge,
        code_challenge_method="S256",
    )
    page = setting["browser"].get(url, allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 400, page.text
    assert "Location" not in page.headers
    assert "invalid_request" in page.text


def test_4_11_an_unknown_client_is_never_redirected_to(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 4.11: an error for an unverified client stays on the server's page."""
    url = authorize_url(
        stack,
        "cvc_no-such-client",
        redirect_uri="https://evil.example/cb",
        code_challenge=setting["pkce"].challenge,
        code_challenge_method="S256",
    )
    page = setting["browser"].get(url, allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 400
    assert "Location" not in page.headers


def test_2_1_1_a_code_without_its_verifier_is_refused(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 2.1.1 and 4.8.2 (PKCE downgrade): the code is bound to its challenge."""
    code = code_for(stack, setting)
    app = setting["app"]["client_id"]
    missing = token(
        stack, grant_type="authorization_code", code=code, redirect_uri=CALLBACK, client_id=app
    )
    assert missing.status_code == 400
    assert missing.json()["error"] in {"invalid_request", "invalid_grant"}
    wrong = token(
        stack,
        grant_type="authorization_code",
        code=code_for(stack, setting),
        redirect_uri=CALLBACK,
        client_id=app,
        code_verifier=pkce().verifier,
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


def test_2_1_2_the_implicit_grant_is_refused(stack: RunningStack, setting: dict[str, Any]) -> None:
    """RFC 9700 2.1.2: no response type that puts a token in the front channel."""
    for response_type in ("token", "id_token token", "code token"):
        url = authorize_url(
            stack,
            setting["app"]["client_id"],
            redirect_uri=CALLBACK,
            code_challenge=setting["pkce"].challenge,
            code_challenge_method="S256",
        ).replace("response_type=code", f"response_type={response_type.replace(' ', '+')}", 1)
        page = setting["browser"].get(url, allow_redirects=False, timeout=TIMEOUT)
        location = page.headers.get("Location", "")
        assert "access_token" not in location and "access_token" not in page.text
        if location:
            assert query(location)["error"] == "unsupported_response_type"
        else:
            assert page.status_code == 400
            assert "unsupported_response_type" in page.text


def test_2_4_the_password_grant_is_refused(stack: RunningStack) -> None:
    """RFC 9700 2.4: the resource owner password credentials grant MUST NOT be used."""
    person = new_user(stack)
    robot = new_app(stack, person["email"], scope="usage:read")
    answer = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "password", "username": person["email"], "password": "x"},
        auth=(robot["client_id"], robot["client_secret"]),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"
    assert "access_token" not in answer.json()


def test_4_5_a_code_is_bound_to_its_client(stack: RunningStack, setting: dict[str, Any]) -> None:
    """RFC 9700 4.5 (code injection): another client cannot redeem the code."""
    code = code_for(stack, setting)
    thief = public_app(stack)
    answer = token(
        stack,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CALLBACK,
        client_id=thief["client_id"],
        code_verifier=setting["pkce"].verifier,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_4_1_a_code_is_bound_to_its_redirect_uri(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 4.1 / RFC 6749 4.1.3: the token request repeats the same redirect URI."""
    answer = token(
        stack,
        grant_type="authorization_code",
        code=code_for(stack, setting),
        redirect_uri=CALLBACK + "/other",
        client_id=setting["app"]["client_id"],
        code_verifier=setting["pkce"].verifier,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_4_5_an_expired_code_is_refused(stack: RunningStack, setting: dict[str, Any]) -> None:
    """RFC 9700 4.5 / RFC 6749 4.1.2: codes are short-lived; a stale one is refused."""
    code = code_for(stack, setting)
    sql(
        stack,
        "UPDATE oauth_authorization_codes SET expires_at = now() - interval '1 second'"
        " WHERE code_hash = encode(sha256(convert_to(%(c)s, 'UTF8')), 'hex')",
        {"c": code},
    )
    answer = exchange(stack, setting, code)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_4_14_a_refresh_token_is_bound_to_its_client(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 4.14.2: refresh tokens of public clients are bound to the client."""
    tokens = exchange(stack, setting, code_for(stack, setting)).json()
    thief = public_app(stack)
    stolen = refresh(stack, {"app": thief}, tokens["refresh_token"])
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"


def test_4_3_2_access_tokens_in_the_url_or_body_are_not_accepted(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 4.3.2 (tokens leak from URLs): only the Authorization header is read."""
    access_token = exchange(stack, setting, code_for(stack, setting)).json()["access_token"]
    assert me(stack, access_token).status_code == 200
    in_query = requests.get(
        f"{stack.gateway_url}/api/v1/me", params={"access_token": access_token}, timeout=TIMEOUT
    )
    assert in_query.status_code == 401
    assert in_query.headers["Content-Type"].startswith("application/problem+json")
    in_body = requests.get(
        f"{stack.gateway_url}/api/v1/me", data={"access_token": access_token}, timeout=TIMEOUT
    )
    assert in_body.status_code == 401


def test_2_3_privileges_are_restricted_to_the_granted_scope(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 2.3: a token does only what its scope says, whoever holds it."""
    access_token = exchange(stack, setting, code_for(stack, setting, "usage:read")).json()[
        "access_token"
    ]
    declared = requests.post(
        f"{stack.gateway_url}/api/v1/reuses",
        headers={"Authorization": f"Bearer {access_token}"},
        json={
            "title": "Carte",
            "url": "https://reuse.example/scope",
            "type": "application",
            "topic": "health",
            "purpose": "general_interest",
            "datasets": ["does-not-matter"],
        },
        timeout=TIMEOUT,
    )
    assert declared.status_code == 403
    assert 'error="insufficient_scope"' in declared.headers["WWW-Authenticate"]
    robot = new_app(stack, new_user(stack)["email"], scope="usage:read")
    beyond = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": "usage:read admin"},
        auth=(robot["client_id"], robot["client_secret"]),
        timeout=TIMEOUT,
    )
    assert beyond.status_code == 400
    assert beyond.json()["error"] == "invalid_scope"


def test_2_3_only_the_token_s_client_learns_about_it(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 2.3 (audience restriction): another client's introspection learns nothing."""
    access_token = exchange(stack, setting, code_for(stack, setting)).json()["access_token"]
    other = new_app(stack, new_user(stack)["email"], scope="usage:read")
    answer = requests.post(
        f"{stack.gateway_url}/oauth/introspect",
        data={"token": access_token},
        auth=(other["client_id"], other["client_secret"]),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200
    assert answer.json() == {"active": False}


def test_2_5_client_authentication_is_enforced(stack: RunningStack) -> None:
    """RFC 9700 2.5: confidential clients authenticate; public ones get no client grant."""
    robot = new_app(stack, new_user(stack)["email"], scope="usage:read")
    wrong = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(robot["client_id"], robot["client_secret"] + "x"),
        timeout=TIMEOUT,
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    public = public_app(stack)
    no_secret = token(stack, grant_type="client_credentials", client_id=public["client_id"])
    assert no_secret.status_code in (400, 401)
    assert no_secret.json()["error"] in {"invalid_client", "unauthorized_client"}
    assert "access_token" not in no_secret.json()


def test_4_7_consent_needs_the_session_s_csrf_token(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 4.7 (CSRF): a forged consent (no or another session's token) gives no code."""
    url = authorize_url(
        stack,
        setting["app"]["client_id"],
        redirect_uri=CALLBACK,
        code_challenge=setting["pkce"].challenge,
        code_challenge_method="S256",
    )
    browser = setting["browser"]
    assert browser.get(url, timeout=TIMEOUT).status_code == 200
    forged = browser.post(url, data={"decision": "approve"}, allow_redirects=False, timeout=TIMEOUT)
    assert forged.status_code == 400
    assert "code=" not in forged.headers.get("Location", "")
    stranger = requests.Session()
    foreign = csrf_token(stranger.get(f"{stack.gateway_url}/login", timeout=TIMEOUT).text)
    crossed = browser.post(
        url,
        data={"decision": "approve", "csrf_token": foreign},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert crossed.status_code == 400
    assert "code=" not in crossed.headers.get("Location", "")


def test_4_7_state_and_iss_come_back_with_a_refusal(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 4.7.1 (state) and 4.4.2 / RFC 9207 (iss), when the person says no."""
    url = authorize_url(
        stack,
        setting["app"]["client_id"],
        redirect_uri=CALLBACK,
        code_challenge=setting["pkce"].challenge,
        code_challenge_method="S256",
    )
    landed = consent(setting["browser"], url, decision="deny")
    params = query(landed)
    assert landed.startswith(CALLBACK + "?")
    assert params["error"] == "access_denied"
    assert params["state"] == "s1"
    assert params["iss"] == stack.gateway_url
    assert "code" not in params


def test_4_12_and_4_16_the_consent_page_is_not_framed_nor_answered_with_307(
    stack: RunningStack, setting: dict[str, Any]
) -> None:
    """RFC 9700 4.16 (clickjacking): no framing; 4.12: never a 307 after the form."""
    url = authorize_url(
        stack,
        setting["app"]["client_id"],
        redirect_uri=CALLBACK,
        code_challenge=setting["pkce"].challenge,
        code_challenge_method="S256",
    )
    browser = setting["browser"]
    page = browser.get(url, timeout=TIMEOUT)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    answer = browser.post(
        url,
        data={"decision": "approve", "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code in (302, 303)
