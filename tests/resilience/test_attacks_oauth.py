"""Attacks of issue 14 on the authorization server, the apps and the reuses, from outside.

Each test is named after the attack it replays, against the live gateway, and
asserts what the attacker must not get:

- hole 2, a forged ``Host`` (or ``X-Forwarded-Host``) moving every absolute URL the
  platform writes: the OAuth metadata, ``registration_client_uri``, ``iss`` of
  authorization responses and introspection, Atom links, DCAT IRIs;
- hole 3, a suspended app's owner still acting in its name: reuses declared through
  the portal, its secret rotated, renamed and retyped through RFC 7592, the command line;
- hole 4, a second person of a shared public app editing the first one's reuse;
- hole 7 (OAuth), lone surrogates in RFC 7591/7592 metadata, ``\\`` and ``"`` in the
  parameters of ``/oauth/authorize``: 4xx, never 500;
- hole 9, scopes a token's holder cannot use, at registration, issuance and
  introspection;
- hole 10, two client authentication methods in one request.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
import requests
from tests.integration.identity import (
    CALLBACK,
    CIVIC,
    bootstrap,
    consent,
    csrf_token,
    logged_in,
    new_app,
    new_user,
    pkce,
    query,
    sql,
    unique,
)
from tests.integration.stack import RunningStack
from tests.resilience.ledger import Ledger
from tests.resilience.roles import Roles

from civic.services.apps import access
from civic.services.apps.models import AccessAction

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

PART = "14 attacks on OAuth, apps and reuses"
TIMEOUT = 10
EVIL = "evil.example"
FORGED = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}
SURROGATE = "x\ud800y"


@pytest.fixture(autouse=True)
def _count(request: pytest.FixtureRequest, ledger: Ledger) -> Iterator[None]:
    failed_before = request.session.testsfailed
    yield
    ledger.record(PART, tried=1, failed=int(request.session.testsfailed > failed_before))


# Helpers -------------------------------------------------------------------------


def register(stack: RunningStack, body: dict[str, Any], **headers: str) -> requests.Response:
    """``POST /oauth/register`` without an initial access token (open in the test settings)."""
    return requests.post(
        f"{stack.gateway_url}/oauth/register", json=body, headers=headers, timeout=TIMEOUT
    )


def machine_app(scope: str = "reuses:write usage:read", **extra: Any) -> dict[str, Any]:
    """RFC 7591 metadata of a confidential app using client credentials."""
    return {
        "client_name": unique("attack"),
        "actor_type": "company_small",
        "grant_types": ["client_credentials"],
        "scope": scope,
        **extra,
    }


def client_credentials(
    stack: RunningStack, client_id: str, secret: str, **extra: str
) -> requests.Response:
    return requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials", **extra},
        auth=(client_id, secret),
        timeout=TIMEOUT,
    )


def authorize_url(stack: RunningStack, client_id: str, **params: str) -> str:
    values = {"response_type": "code", "client_id": client_id, "state": "s1", **params}
    return f"{stack.gateway_url}/oauth/authorize?{urlencode(values)}"


def shared_public_app(
    stack: RunningStack, scope: str = "reuses:write usage:read"
) -> dict[str, Any]:
    owner = new_user(stack)
    return new_app(
        stack,
        owner["email"],
        "--public",
        "--redirect-uri",
        CALLBACK,
        "--grant",
        "authorization_code",
        scope=scope,
    )


def person_token(
    stack: RunningStack, app: dict[str, Any], email: str, scope: str, secret: str | None = None
) -> dict[str, Any]:
    """The token response of ``email`` consenting to ``app`` (authorization code, PKCE)."""
    pair = pkce()
    browser = logged_in(stack, email)
    url = authorize_url(
        stack,
        app["client_id"],
        redirect_uri=CALLBACK,
        scope=scope,
        code_challenge=pair.challenge,
        code_challenge_method="S256",
    )
    code = query(consent(browser, url))["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": pair.verifier,
    }
    if secret is None:
        data["client_id"] = app["client_id"]
    answer = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data=data,
        auth=(app["client_id"], secret) if secret else None,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def suspend(stack: RunningStack, client_id: str) -> None:
    with bootstrap(stack).unit_of_work() as uow:
        access.change_access_of(
            uow, client_id, AccessAction.SUSPENDED, reason="attack test", actor_id=None
        )
        uow.commit()


def app_row(stack: RunningStack, client_id: str) -> tuple[str, str, str | None]:
    """The stored name, actor type and secret digest of an app."""
    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT client_name, actor_type::text, client_secret_hash FROM apps"
            " WHERE client_id = %(id)s",
            {"id": client_id},
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def reuse_body(dataset: str) -> dict[str, Any]:
    return {
        "title": "Carte des écoles",
        "url": f"https://reuse.example/{uuid.uuid4().hex}",
        "type": "application",
        "topic": "education",
        "purpose": "general_interest",
        "datasets": [dataset],
    }


# Hole 2: a forged Host moves no URL ------------------------------------------------


def test_forged_host_header_does_not_move_the_oauth_issuer_nor_its_endpoints(
    stack: RunningStack,
) -> None:
    answer = requests.get(
        f"{stack.gateway_url}/.well-known/oauth-authorization-server",
        headers=FORGED,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200
    document = answer.json()
    assert document["issuer"] == stack.gateway_url
    for key, value in document.items():
        if key.endswith("_endpoint") or key == "service_documentation":
            assert value.startswith(stack.gateway_url + "/"), (key, value)
    assert EVIL not in answer.text
    # Cached publicly only because it cannot vary: the same bytes whatever the Host.
    plain = requests.get(
        f"{stack.gateway_url}/.well-known/oauth-authorization-server", timeout=TIMEOUT
    )
    assert plain.content == answer.content


def test_forged_host_header_does_not_reach_registration_client_uri(stack: RunningStack) -> None:
    registered = register(stack, machine_app(), **FORGED)
    assert registered.status_code == 201, registered.text
    client = registered.json()
    expected = f"{stack.gateway_url}/oauth/register/{client['client_id']}"
    assert client["registration_client_uri"] == expected
    read = requests.get(
        expected,
        headers={**FORGED, "Authorization": f"Bearer {client['registration_access_token']}"},
        timeout=TIMEOUT,
    )
    assert read.status_code == 200, read.text
    assert read.json()["registration_client_uri"] == expected
    assert EVIL not in read.text


def test_forged_host_header_does_not_reach_iss_of_an_authorization_response(
    stack: RunningStack,
) -> None:
    app = shared_public_app(stack)
    browser = logged_in(stack, new_user(stack)["email"])
    url = authorize_url(
        stack,
        app["client_id"],
        redirect_uri=CALLBACK,
        code_challenge=pkce().verifier,
        code_challenge_method="plain",  # refused: an error redirect, with iss
    )
    # requests picks cookies by the Host header sent: give the session's by hand.
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    landed = requests.get(
        url, headers={**FORGED, "Cookie": cookie}, allow_redirects=False, timeout=TIMEOUT
    )
    assert landed.status_code == 302, landed.text
    assert query(landed.headers["Location"])["iss"] == stack.gateway_url


def test_forged_host_header_does_not_reach_iss_of_introspection(stack: RunningStack) -> None:
    client = register(stack, machine_app()).json()
    issued = client_credentials(stack, client["client_id"], client["client_secret"])
    assert issued.status_code == 200, issued.text
    answer = requests.post(
        f"{stack.gateway_url}/oauth/introspect",
        data={"token": issued.json()["access_token"]},
        auth=(client["client_id"], client["client_secret"]),
        headers=FORGED,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is True
    assert answer.json()["iss"] == stack.gateway_url


def test_forged_host_header_does_not_reach_atom_links(stack: RunningStack) -> None:
    organization = unique("org-atom")
    sql(
        stack,
        "INSERT INTO organizations (name, title, level) VALUES (%(name)s, %(name)s, 'local')",
        {"name": organization},
    )
    feed = requests.get(
        f"{stack.gateway_url}/feeds/organizations/{organization}.atom",
        headers=FORGED,
        timeout=TIMEOUT,
    )
    assert feed.status_code == 200, feed.text
    assert EVIL not in feed.text
    assert f'href="{stack.gateway_url}/feeds/organizations/{organization}.atom"' in feed.text


def test_forged_host_header_does_not_reach_dcat_iris(stack: RunningStack) -> None:
    answer = requests.get(
        f"{stack.gateway_url}/catalog.ttl?page_size=1", headers=FORGED, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    assert EVIL not in answer.text


# Hole 9: no scope beyond its holder's rights ----------------------------------------


def test_ownerless_app_registering_admin_scope_gets_no_token_nor_introspection_with_it(
    stack: RunningStack,
) -> None:
    registered = register(stack, machine_app(scope="datasets:write reuses:write admin"))
    assert registered.status_code == 201, registered.text
    client = registered.json()
    assert client["scope"] == "reuses:write"  # what an app alone may use
    issued = client_credentials(
        stack, client["client_id"], client["client_secret"], scope="datasets:write admin"
    )
    if issued.status_code == 200:
        assert set(issued.json().get("scope", "").split()) <= {"reuses:write", "usage:read"}
    else:
        assert issued.json()["error"] == "invalid_scope"
    token = client_credentials(stack, client["client_id"], client["client_secret"])
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "reuses:write"
    answer = requests.post(
        f"{stack.gateway_url}/oauth/introspect",
        data={"token": token.json()["access_token"]},
        auth=(client["client_id"], client["client_secret"]),
        timeout=TIMEOUT,
    )
    assert answer.json()["scope"] == "reuses:write"


def test_person_consenting_to_a_publishers_app_gets_no_token_with_the_publishers_rights(
    stack: RunningStack,
) -> None:
    publisher = new_user(stack, "publisher")
    app = new_app(
        stack,
        publisher["email"],
        "--redirect-uri",
        CALLBACK,
        "--grant",
        "authorization_code",
        scope="datasets:write reuses:write",
    )
    developer = new_user(stack)  # may declare reuses, never publish
    token = person_token(
        stack, app, developer["email"], "datasets:write reuses:write", app["client_secret"]
    )
    assert token["scope"] == "reuses:write"
    answer = requests.post(
        f"{stack.gateway_url}/oauth/introspect",
        data={"token": token["access_token"]},
        auth=(app["client_id"], app["client_secret"]),
        timeout=TIMEOUT,
    )
    assert answer.json()["scope"] == "reuses:write"


# Hole 10: one client authentication method per request ------------------------------


@pytest.mark.parametrize("endpoint", ["token", "introspect", "revoke"])
def test_two_client_authentication_methods_in_one_request_are_refused(
    stack: RunningStack, endpoint: str
) -> None:
    client = register(stack, machine_app()).json()
    data = {"grant_type": "client_credentials"} if endpoint == "token" else {"token": "x" * 40}
    answer = requests.post(
        f"{stack.gateway_url}/oauth/{endpoint}",
        data={**data, "client_id": client["client_id"], "client_secret": client["client_secret"]},
        auth=(client["client_id"], client["client_secret"]),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert "access_token" not in answer.json()


# Hole 7 (OAuth): 4xx, never 500 ------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "client_name",
        "organization_name",
        "territory",
        "scope",
        "actor_type",
        "client_uri",
        "redirect_uris",
        "contacts",
        "token_endpoint_auth_method",
    ],
)
def test_lone_surrogate_in_rfc_7591_metadata_is_refused_not_a_500(
    stack: RunningStack, field: str
) -> None:
    body = machine_app(grant_types=["authorization_code"], redirect_uris=["https://app.example/cb"])
    if field == "redirect_uris":
        body[field] = [f"https://app.example/{SURROGATE}"]
    elif field == "contacts":
        body[field] = [f"{SURROGATE}@example.org"]
    elif field == "client_uri":
        body[field] = f"https://app.example/{SURROGATE}"
    else:
        body[field] = SURROGATE
    answer = register(stack, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] in {"invalid_client_metadata", "invalid_redirect_uri"}


@pytest.mark.parametrize("field", ["client_name", "redirect_uris", "organization_name"])
def test_lone_surrogate_in_rfc_7592_update_is_refused_not_a_500(
    stack: RunningStack, field: str
) -> None:
    body = machine_app(grant_types=["authorization_code"], redirect_uris=["https://app.example/cb"])
    client = register(stack, body).json()
    changed = {**body, "client_id": client["client_id"]}
    changed[field] = [f"https://app.example/{SURROGATE}"] if field == "redirect_uris" else SURROGATE
    answer = requests.put(
        client["registration_client_uri"],
        json=changed,
        headers={"Authorization": f"Bearer {client['registration_access_token']}"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] in {"invalid_client_metadata", "invalid_redirect_uri"}


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("redirect_uri", CALLBACK + "\\evil"),
        ("redirect_uri", CALLBACK + '"evil'),
        ("response_type", 'code"'),
        ("response_type", "code\\"),
        ("scope", 'reuses:write"'),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_backslash_or_quote_in_an_authorization_request_is_a_clear_400(
    stack: RunningStack, parameter: str, value: str, method: str
) -> None:
    app = shared_public_app(stack)
    browser = logged_in(stack, new_user(stack)["email"])
    params = {
        "redirect_uri": CALLBACK,
        "code_challenge": pkce().challenge,
        "code_challenge_method": "S256",
        parameter: value,
    }
    url = authorize_url(stack, app["client_id"], **params)
    form = {"decision": "approve"}
    if method == "POST":
        page = browser.get(f"{stack.gateway_url}/login", timeout=TIMEOUT)
        form["csrf_token"] = csrf_token(page.text)
    answer = browser.request(method, url, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 400, answer.text
    assert "invalid_request" in answer.text
    assert "Location" not in answer.headers


# Hole 3: a suspended app does nothing, and nothing is done in its name ----------------


@pytest.fixture
def suspended(stack: RunningStack) -> dict[str, Any]:
    """A developer logged in, owner of a confidential app that was then suspended."""
    owner = new_user(stack)
    app = new_app(stack, owner["email"], scope="reuses:write usage:read")
    suspend(stack, app["client_id"])
    return {**app, "browser": logged_in(stack, owner["email"])}


def test_suspended_apps_owner_cannot_declare_a_reuse_in_its_name_through_the_portal(
    stack: RunningStack, roles: Roles, suspended: dict[str, Any]
) -> None:
    browser = suspended["browser"]
    form = browser.get(f"{stack.gateway_url}/portal/reuses/new", timeout=TIMEOUT)
    assert form.status_code == 200
    body = reuse_body(roles.dataset_a)
    answer = browser.post(
        f"{stack.gateway_url}/portal/reuses/new",
        data={
            **{key: value for key, value in body.items() if key != "datasets"},
            "datasets": roles.dataset_a,
            "description": "",
            "image_url": "",
            "owner": f"app:{suspended['client_id']}",
            "actor_type": "",
            "csrf_token": csrf_token(form.text),
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 403, (answer.status_code, answer.headers.get("Location"))
    listed = requests.get(
        f"{stack.gateway_url}/api/v1/reuses",
        params={"owner": suspended["client_id"]},
        timeout=TIMEOUT,
    )
    assert listed.json()["total"] == 0


def test_suspended_apps_owner_cannot_rotate_its_secret_through_the_portal(
    stack: RunningStack, suspended: dict[str, Any]
) -> None:
    browser = suspended["browser"]
    page = browser.get(f"{stack.gateway_url}/portal/apps/{suspended['client_id']}", timeout=TIMEOUT)
    assert page.status_code == 200  # reading its state (and why) stays allowed
    before = app_row(stack, suspended["client_id"])
    answer = browser.post(
        f"{stack.gateway_url}/portal/apps/{suspended['client_id']}/secret",
        data={"csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 403, answer.status_code
    assert "cvc_" not in answer.text or "client_secret" not in answer.text
    assert app_row(stack, suspended["client_id"]) == before


def test_suspended_apps_owner_cannot_rename_nor_retype_it_through_the_portal(
    stack: RunningStack, suspended: dict[str, Any]
) -> None:
    browser = suspended["browser"]
    page = browser.get(f"{stack.gateway_url}/portal/apps/{suspended['client_id']}", timeout=TIMEOUT)
    before = app_row(stack, suspended["client_id"])
    answer = browser.post(
        f"{stack.gateway_url}/portal/apps/{suspended['client_id']}/edit",
        data={
            "client_name": "Renamed while suspended",
            "actor_type": "association",
            "grant_types": "client_credentials",
            "client_type": "confidential",
            "csrf_token": csrf_token(page.text),
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 403, answer.status_code
    assert app_row(stack, suspended["client_id"]) == before


def test_suspended_app_cannot_be_renamed_nor_retyped_through_rfc_7592(
    stack: RunningStack,
) -> None:
    body = machine_app()
    client = register(stack, body).json()
    suspend(stack, client["client_id"])
    bearer = {"Authorization": f"Bearer {client['registration_access_token']}"}
    read = requests.get(client["registration_client_uri"], headers=bearer, timeout=TIMEOUT)
    assert read.status_code == 200  # reading its state stays allowed
    assert read.json()["status"] == "suspended"
    before = app_row(stack, client["client_id"])
    changed = {
        **body,
        "client_id": client["client_id"],
        "client_name": "Renamed while suspended",
        "actor_type": "association",
    }
    answer = requests.put(
        client["registration_client_uri"], json=changed, headers=bearer, timeout=TIMEOUT
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]
    assert app_row(stack, client["client_id"]) == before
    deleted = requests.delete(client["registration_client_uri"], headers=bearer, timeout=TIMEOUT)
    assert deleted.status_code == 403, deleted.text


def test_suspended_apps_secret_cannot_be_rotated_at_the_command_line(
    stack: RunningStack, suspended: dict[str, Any]
) -> None:
    before = app_row(stack, suspended["client_id"])
    result = subprocess.run(
        [str(CIVIC), "apps", "rotate-secret", suspended["client_id"], "--json"],
        env=stack.env
        | {
            "CIVIC_DATABASE_URL": stack.database_url,
            "CIVIC_REDIS_URL": stack.redis_url,
            "CIVIC_CKAN_URL": stack.ckan_url,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0, result.stdout
    assert "suspended" in result.stderr
    assert "Traceback" not in result.stderr
    assert app_row(stack, suspended["client_id"]) == before


# Hole 4: a reuse declared by a person through a shared app is that person's ---------


def test_second_person_of_a_shared_public_app_cannot_edit_the_first_ones_reuse(
    stack: RunningStack, roles: Roles
) -> None:
    app = shared_public_app(stack)
    first = person_token(stack, app, new_user(stack)["email"], "reuses:write")
    second = person_token(stack, app, new_user(stack)["email"], "reuses:write")
    declared = requests.post(
        f"{stack.gateway_url}/api/v1/reuses",
        json=reuse_body(roles.dataset_a),
        headers={"Authorization": f"Bearer {first['access_token']}"},
        timeout=TIMEOUT,
    )
    assert declared.status_code == 201, declared.text
    reuse = declared.json()
    hijack = {"url": f"https://evil.example/{uuid.uuid4().hex}"}
    answer = requests.patch(
        f"{stack.gateway_url}/api/v1/reuses/{reuse['id']}",
        json=hijack,
        headers={"Authorization": f"Bearer {second['access_token']}"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 403, answer.text
    shown = requests.get(f"{stack.gateway_url}/api/v1/reuses/{reuse['id']}", timeout=TIMEOUT)
    assert shown.json()["url"] == reuse["url"]
    # Its person still changes it, through the same app.
    mine = requests.patch(
        f"{stack.gateway_url}/api/v1/reuses/{reuse['id']}",
        json={"title": "Carte des écoles, 2e édition"},
        headers={"Authorization": f"Bearer {first['access_token']}"},
        timeout=TIMEOUT,
    )
    assert mine.status_code == 200, mine.text


def test_a_confidential_app_acting_for_itself_still_owns_what_it_declared(
    roles: Roles,
) -> None:
    changed = roles.call(
        "developer",
        "PATCH",
        f"/api/v1/reuses/{roles.reuse_dev}",
        json={"description": f"changed by its app {uuid.uuid4().hex[:6]}"},
    )
    assert changed.status_code == 200, changed.text
