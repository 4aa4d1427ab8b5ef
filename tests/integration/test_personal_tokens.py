"""Personal API tokens through the real stack: the API, the command line, the portal.

A token is created the three ways a person would, then used on ``/api/v1`` as a CKAN
client would use it for hours: publishing as a publisher, reading ``/me``. Revoked,
expired, a suspended app, rights lost since: 401 or 403, at once. Its secret is
stored only as a digest; its calls count for its app.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
import uuid
from typing import Any

import ckanapi
import pytest
import requests
from tests.integration.identity import (
    CIVIC,
    bootstrap,
    civic,
    csrf_token,
    logged_in,
    new_app,
    new_user,
    sql,
)
from tests.integration.publishing.helpers import body
from tests.integration.stack import RunningStack

from civic.services.apps import registry
from civic.services.tokens.issuance import new_access_token, save_token

pytestmark = pytest.mark.integration
TIMEOUT = 10


def client_credentials(stack: RunningStack, app: dict[str, Any], scope: str) -> str:
    """An OAuth access token of ``app`` (acting for its owner) with ``scope``."""
    answer = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(app["client_id"], app["client_secret"]),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(stack: RunningStack, token: str) -> requests.Response:
    return requests.get(f"{stack.gateway_url}/api/v1/me", headers=bearer(token), timeout=TIMEOUT)


def rows(stack: RunningStack, statement: str, params: dict[str, Any]) -> list[Any]:
    import psycopg  # noqa: PLC0415 - only these tests read the database directly

    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(statement, params).fetchall()  # type: ignore[arg-type]


def civic_fails(stack: RunningStack, *args: str) -> str:
    """Run ``civic ARGS``, which must fail; its error output."""
    result = subprocess.run(
        [str(CIVIC), *args],
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
    return result.stderr


@pytest.fixture
def publisher(stack: RunningStack) -> dict[str, Any]:
    person = new_user(stack, "publisher")
    person["organization"] = rows(
        stack,
        "SELECT o.name FROM organizations o JOIN memberships m ON m.organization_id = o.id"
        " JOIN users u ON u.id = m.user_id WHERE u.email = %(email)s",
        {"email": person["email"]},
    )[0][0]
    person["app"] = new_app(stack, person["email"], scope="datasets:write reuses:write usage:read")
    return person


def test_a_publisher_creates_a_token_through_the_api_and_publishes_with_it(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    oauth = client_credentials(stack, publisher["app"], "datasets:write usage:read")
    created = requests.post(
        f"{stack.gateway_url}/api/v1/me/tokens",
        headers=bearer(oauth),
        json={
            "name": "ckanapi load",
            "scopes": ["datasets:write"],
            "expires_in_days": 30,
            "client_id": publisher["app"]["client_id"],
        },
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    assert created.headers["Cache-Control"] == "no-store"
    document = created.json()
    secret = document["token"]
    assert secret.startswith("civic_pat_")
    assert document["scope"] == "datasets:write"
    assert document["client_id"] == publisher["app"]["client_id"]
    assert document["state"] == "active" and document["last_used_at"] is None
    assert document["hint"] == secret[-4:]

    # Stored as its SHA-256 only.
    stored = rows(
        stack,
        "SELECT token_hash FROM personal_tokens WHERE id = %(id)s",
        {"id": document["id"]},
    )
    assert stored == [(hashlib.sha256(secret.encode()).hexdigest(),)]
    assert not rows(
        stack,
        "SELECT 1 FROM personal_tokens WHERE token_hash = %(s)s OR name = %(s)s OR hint = %(s)s",
        {"s": secret},
    )

    who = me(stack, secret)
    assert who.status_code == 200, who.text
    identity = who.json()
    assert identity["grant_type"] == "personal_token"
    assert identity["acting_for"] == "user"
    assert identity["app"]["client_id"] == publisher["app"]["client_id"]
    assert identity["person"]["email"] == publisher["email"]
    assert identity["effective_scope"] == "datasets:write"

    dataset = body(organization=publisher["organization"])
    published = requests.post(
        f"{stack.gateway_url}/api/v1/datasets", headers=bearer(secret), json=dataset, timeout=60
    )
    assert published.status_code in (201, 202), published.text
    assert published.json()["name"] == dataset["name"]

    # The list shows it, never its secret, with its last use.
    listed = requests.get(
        f"{stack.gateway_url}/api/v1/me/tokens", headers=bearer(secret), timeout=TIMEOUT
    ).json()
    mine = [t for t in listed["results"] if t["id"] == document["id"]]
    assert len(mine) == 1 and "token" not in mine[0]
    assert mine[0]["last_used_at"] is not None
    assert listed["total"] >= 1 and listed["page"] == 1
    assert secret not in json.dumps(listed)


def test_its_calls_count_for_its_app(stack: RunningStack, publisher: dict[str, Any]) -> None:
    secret = civic(
        stack,
        "tokens",
        "create",
        "--user",
        publisher["email"],
        "--name",
        "usage",
        "--app",
        publisher["app"]["client_id"],
    )["token"]
    for _ in range(3):
        assert me(stack, secret).status_code == 200
    deadline = time.monotonic() + 20
    counted: list[Any] = []
    while time.monotonic() < deadline:
        counted = rows(
            stack,
            "SELECT e.user_id::text, e.actor_type::text FROM usage_events e"
            " JOIN apps a ON a.id = e.app_id"
            " WHERE a.client_id = %(client_id)s AND e.route = '/api/v1/me'",
            {"client_id": publisher["app"]["client_id"]},
        )
        if len(counted) >= 3:
            break
        time.sleep(0.5)
    assert len(counted) == 3
    assert {row[0] for row in counted} == {publisher["id"]}
    assert {row[1] for row in counted} == {"company_small"}  # the app's actor type


def test_the_command_line_creates_lists_and_revokes_and_revoked_is_401(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    created = civic(
        stack,
        "tokens",
        "create",
        "--user",
        publisher["email"],
        "--name",
        "harvest",
        "--scope",
        "datasets:write",
        "--expires-in-days",
        "7",
    )
    secret = created["token"]
    assert me(stack, secret).status_code == 200
    listed = civic(stack, "tokens", "list", "--user", publisher["email"])
    assert [t["state"] for t in listed if t["id"] == created["id"]] == ["active"]
    assert secret not in json.dumps(listed)

    civic(stack, "tokens", "revoke", created["id"], "--user", publisher["email"])
    refused = me(stack, secret)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert "revoked" in refused.json()["detail"]
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_revoked_through_the_api_is_401_and_others_tokens_are_hidden(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    secret = civic(stack, "tokens", "create", "--user", publisher["email"], "--name", "one")
    other = new_user(stack, "developer")
    others = civic(stack, "tokens", "create", "--user", other["email"], "--name", "theirs")
    # Another person's token is not found, whatever the caller.
    hidden = requests.delete(
        f"{stack.gateway_url}/api/v1/me/tokens/{others['id']}",
        headers=bearer(secret["token"]),
        timeout=TIMEOUT,
    )
    assert hidden.status_code == 404
    assert me(stack, others["token"]).status_code == 200
    # A personal token revokes itself; then it is refused at once.
    revoked = requests.delete(
        f"{stack.gateway_url}/api/v1/me/tokens/{secret['id']}",
        headers=bearer(secret["token"]),
        timeout=TIMEOUT,
    )
    assert revoked.status_code == 204
    assert me(stack, secret["token"]).status_code == 401


def test_expired_is_401_but_a_token_outlives_the_oauth_lifetime(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    created = civic(stack, "tokens", "create", "--user", publisher["email"], "--name", "long")
    secret = created["token"]
    # Two hours after its creation, long past the 900 s of an OAuth access token, and
    # used an hour ago: it still works, and its last use moves to now.
    sql(
        stack,
        "UPDATE personal_tokens SET created = now() - interval '2 hours',"
        " last_used_at = now() - interval '1 hour' WHERE id = %(id)s",
        {"id": created["id"]},
    )
    assert me(stack, secret).status_code == 200
    (used,) = rows(
        stack,
        "SELECT now() - last_used_at < interval '1 minute' FROM personal_tokens WHERE id = %(id)s",
        {"id": created["id"]},
    )
    assert used == (True,)
    # An OAuth access token of the same age is refused.
    oauth = client_credentials(stack, publisher["app"], "datasets:write")
    sql(
        stack,
        "UPDATE oauth_tokens SET issued_at = now() - interval '2 hours',"
        " expires_at = now() - interval '2 hours' + interval '900 seconds'"
        " WHERE access_token_hash = %(digest)s",
        {"digest": hashlib.sha256(oauth.encode()).hexdigest()},
    )
    assert me(stack, oauth).status_code == 401

    sql(
        stack,
        "UPDATE personal_tokens SET expires_at = now() - interval '1 second' WHERE id = %(id)s",
        {"id": created["id"]},
    )
    expired = me(stack, secret)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]


def test_the_last_use_is_written_at_most_once_a_minute(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    created = civic(stack, "tokens", "create", "--user", publisher["email"], "--name", "often")
    assert me(stack, created["token"]).status_code == 200
    query = "SELECT last_used_at FROM personal_tokens WHERE id = %(id)s"
    (first,) = rows(stack, query, {"id": created["id"]})
    assert first[0] is not None
    for _ in range(3):
        assert me(stack, created["token"]).status_code == 200
    assert rows(stack, query, {"id": created["id"]}) == [first]


def test_scopes_are_capped_by_rights(stack: RunningStack) -> None:
    developer = new_user(stack, "developer")
    app = new_app(stack, developer["email"], scope="reuses:write usage:read")
    oauth = client_credentials(stack, app, "reuses:write")
    # A developer cannot mint datasets:write, by the API nor at the command line.
    refused = requests.post(
        f"{stack.gateway_url}/api/v1/me/tokens",
        headers=bearer(oauth),
        json={"name": "escalate", "scopes": ["datasets:write"]},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 403, refused.text
    assert "developer account may not use datasets:write" in refused.json()["detail"]
    error = civic_fails(
        stack,
        "tokens",
        "create",
        "--user",
        developer["email"],
        "--name",
        "escalate",
        "--scope",
        "datasets:write",
    )
    assert "may not use datasets:write" in error
    # Nor more than the calling token's own scopes (usage:read was not granted to it).
    narrower = requests.post(
        f"{stack.gateway_url}/api/v1/me/tokens",
        headers=bearer(oauth),
        json={"name": "wider", "scopes": ["usage:read"]},
        timeout=TIMEOUT,
    )
    assert narrower.status_code == 403
    assert "token making this request" in narrower.json()["detail"]
    assert not rows(
        stack,
        "SELECT 1 FROM personal_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE u.email = %(email)s",
        {"email": developer["email"]},
    )


def test_rights_apply_at_each_use(stack: RunningStack, publisher: dict[str, Any]) -> None:
    created = civic(
        stack,
        "tokens",
        "create",
        "--user",
        publisher["email"],
        "--name",
        "writer",
        "--scope",
        "datasets:write",
    )
    secret = created["token"]
    assert me(stack, secret).json()["effective_scope"] == "datasets:write"
    sql(
        stack,
        "UPDATE users SET role = 'developer' WHERE email = %(email)s",
        {"email": publisher["email"]},
    )
    assert me(stack, secret).json()["effective_scope"] == ""
    refused = requests.post(
        f"{stack.gateway_url}/api/v1/datasets",
        headers=bearer(secret),
        json=body(organization=publisher["organization"]),
        timeout=TIMEOUT,
    )
    assert refused.status_code == 403
    sql(
        stack,
        "UPDATE users SET is_active = false WHERE email = %(email)s",
        {"email": publisher["email"]},
    )
    assert me(stack, secret).status_code == 401


def test_a_suspended_app_stops_its_tokens(stack: RunningStack, publisher: dict[str, Any]) -> None:
    client_id = publisher["app"]["client_id"]
    created = civic(
        stack, "tokens", "create", "--user", publisher["email"], "--name", "s", "--app", client_id
    )
    assert me(stack, created["token"]).status_code == 200
    civic(stack, "apps", "suspend", client_id, "--reason", "Scraping")
    refused = me(stack, created["token"])
    assert refused.status_code == 401
    assert "suspended" in refused.json()["detail"]
    civic(stack, "apps", "restore", client_id, "--reason", "Fixed")
    assert me(stack, created["token"]).status_code == 200


def test_a_person_without_an_app_gets_one_personal_app(stack: RunningStack) -> None:
    evaluator = new_user(stack, "evaluator")
    first = civic(
        stack,
        "tokens",
        "create",
        "--user",
        evaluator["email"],
        "--name",
        "report script",
        "--scope",
        "reports:read",
    )
    second = civic(stack, "tokens", "create", "--user", evaluator["email"], "--name", "another")
    assert first["client_id"] == second["client_id"]
    (app,) = rows(
        stack,
        "SELECT a.registered_via, a.actor_type::text, a.grant_types, a.client_secret_hash,"
        " u.email FROM apps a JOIN users u ON u.id = a.owner_id"
        " WHERE a.client_id = %(client_id)s",
        {"client_id": first["client_id"]},
    )
    assert app == ("personal", "research", [], None, evaluator["email"])
    identity = me(stack, first["token"]).json()
    assert identity["app"]["actor_type"] == "research"
    assert identity["effective_scope"] == "reports:read"
    # The personal app has no OAuth grant: it cannot get a token of its own.
    refused = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": first["client_id"]},
        timeout=TIMEOUT,
    )
    assert refused.status_code in (400, 401)


def test_only_the_persons_own_apps_manage_their_tokens(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    # A third-party app holding the publisher's delegated token may not mint theirs.
    third_party = new_app(stack, new_user(stack, "developer")["email"], scope="datasets:write")
    delegated = new_access_token()
    with bootstrap(stack).unit_of_work() as uow:
        save_token(
            uow,
            app=registry.get_app(uow, third_party["client_id"]),
            user_id=publisher["id"],
            grant_type="authorization_code",
            scope="datasets:write",
            access_token=delegated,
            expires_in=900,
        )
        uow.commit()
    for method in ("GET", "POST"):
        answer = requests.request(
            method,
            f"{stack.gateway_url}/api/v1/me/tokens",
            headers=bearer(delegated),
            json={"name": "stolen"} if method == "POST" else None,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 403, answer.text
        assert "third-party" in answer.json()["detail"]
    # A personal token does not make another one.
    secret = civic(stack, "tokens", "create", "--user", publisher["email"], "--name", "p")
    chained = requests.post(
        f"{stack.gateway_url}/api/v1/me/tokens",
        headers=bearer(secret["token"]),
        json={"name": "child"},
        timeout=TIMEOUT,
    )
    assert chained.status_code == 403
    assert "cannot create another" in chained.json()["detail"]
    # Nor may it count for someone else's app.
    oauth = client_credentials(stack, publisher["app"], "datasets:write")
    elsewhere = requests.post(
        f"{stack.gateway_url}/api/v1/me/tokens",
        headers=bearer(oauth),
        json={"name": "x", "client_id": third_party["client_id"]},
        timeout=TIMEOUT,
    )
    assert elsewhere.status_code == 403


def test_the_portal_creates_shows_once_and_revokes(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    browser = logged_in(stack, publisher["email"])
    page = browser.get(f"{stack.gateway_url}/portal/tokens", timeout=TIMEOUT)
    assert page.status_code == 200
    assert 'value="datasets:write"' in page.text
    assert 'value="admin"' not in page.text  # only the person's rights are offered
    assert publisher["app"]["client_id"] in page.text

    # Without the form's CSRF token: refused, nothing made.
    forged = browser.post(
        f"{stack.gateway_url}/portal/tokens", data={"name": "forged"}, timeout=TIMEOUT
    )
    assert forged.status_code == 400

    made = browser.post(
        f"{stack.gateway_url}/portal/tokens",
        data={
            "csrf_token": csrf_token(page.text),
            "name": "portal token",
            "scope": ["datasets:write"],
            "expires_in_days": "30",
            "client_id": "",
        },
        timeout=TIMEOUT,
    )
    assert made.status_code == 200, made.text
    assert made.headers["Cache-Control"] == "no-store"
    start = made.text.index('id="personal-token"')
    secret = made.text[start:].split('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("civic_pat_")
    identity = me(stack, secret).json()
    assert identity["effective_scope"] == "datasets:write"
    assert identity["app"]["actor_type"] == "public_local"  # a local organization's publisher

    listing = browser.get(f"{stack.gateway_url}/portal/tokens", timeout=TIMEOUT)
    assert "portal token" in listing.text and secret not in listing.text
    (token_id,) = rows(
        stack,
        "SELECT id::text FROM personal_tokens WHERE token_hash = %(digest)s",
        {"digest": hashlib.sha256(secret.encode()).hexdigest()},
    )[0]
    assert f"/portal/tokens/{token_id}/revoke" in listing.text

    refused = browser.post(
        f"{stack.gateway_url}/portal/tokens",
        data={"csrf_token": csrf_token(listing.text), "name": "x", "scope": ["admin"]},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 422
    assert "may not use admin" in refused.text

    revoked = browser.post(
        f"{stack.gateway_url}/portal/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(listing.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert revoked.status_code == 302
    assert me(stack, secret).status_code == 401


def test_the_portal_speaks_french(stack: RunningStack, publisher: dict[str, Any]) -> None:
    browser = logged_in(stack, publisher["email"])
    page = browser.get(
        f"{stack.gateway_url}/portal/tokens",
        headers={"Accept-Language": "fr-FR,fr;q=0.9"},
        timeout=TIMEOUT,
    )
    assert page.status_code == 200
    assert "Jetons d\u2019API personnels" in page.text


def test_its_calls_share_its_apps_rate_limit(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    client_id = publisher["app"]["client_id"]
    oauth = client_credentials(stack, publisher["app"], "datasets:write")
    created = civic(
        stack, "tokens", "create", "--user", publisher["email"], "--name", "rl", "--app", client_id
    )
    civic(stack, "apps", "set-plan", client_id, "tiny")  # 3 calls a minute
    answers = [me(stack, created["token"]).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    # The app's own OAuth token and the personal token draw on one counter: the app's.
    limited = me(stack, oauth)
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert me(stack, created["token"]).status_code == 429


def test_ckan_clients_send_it_as_they_do_for_hours(
    stack: RunningStack, publisher: dict[str, Any]
) -> None:
    client_id = publisher["app"]["client_id"]
    created = civic(
        stack,
        "tokens",
        "create",
        "--user",
        publisher["email"],
        "--name",
        "ckanapi",
        "--scope",
        "datasets:write",
        "--app",
        client_id,
    )
    secret = created["token"]
    # Issued two hours ago: an OAuth access token would be long dead.
    sql(
        stack,
        "UPDATE personal_tokens SET created = now() - interval '2 hours' WHERE id = %(id)s",
        {"id": created["id"]},
    )
    name = f"pat-{uuid.uuid4().hex[:8]}"
    with ckanapi.RemoteCKAN(stack.gateway_url, apikey=secret) as gateway:
        made = gateway.action.package_create(
            name=name,
            title="Publié avec un jeton personnel",
            notes="Par ckanapi, à travers la passerelle",
            owner_org=publisher["organization"],
            license_id="etalab-2.0",
            resources=[{"url": "https://example.org/pat.csv", "format": "CSV"}],
        )
    assert made["name"] == name
    # The three ways CKAN clients send a key.
    for index, headers in enumerate(
        ({"X-CKAN-API-Key": secret}, {"Authorization": secret}, bearer(secret))
    ):
        answer = requests.post(
            f"{stack.gateway_url}/api/3/action/package_patch",
            json={"id": name, "notes": f"Changé {index}"},
            headers=headers,
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["success"] is True
    shown = requests.get(f"{stack.gateway_url}/api/v1/datasets/{name}", timeout=TIMEOUT)
    assert shown.json()["description"] == "Changé 2"
    # Counted for its app.
    deadline = time.monotonic() + 20
    routes: list[str] = []
    while time.monotonic() < deadline:
        routes = [
            row[0]
            for row in rows(
                stack,
                "SELECT e.route FROM usage_events e JOIN apps a ON a.id = e.app_id"
                " WHERE a.client_id = %(client_id)s AND e.route LIKE '/api/3/%%'",
                {"client_id": client_id},
            )
        ]
        if len(routes) >= 4:
            break
        time.sleep(0.5)
    assert routes.count("/api/3/action/package_patch") == 3
    assert routes.count("/api/3/action/package_create") == 1
    # Revoked: ckanapi sees CKAN's authorization error.
    civic(stack, "tokens", "revoke", created["id"])
    with (
        ckanapi.RemoteCKAN(stack.gateway_url, apikey=secret) as gateway,
        pytest.raises(ckanapi.NotAuthorized),
    ):
        gateway.action.package_patch(id=name, notes="after revocation")
    # Never logged: not by the gateway, its worker, nor CKAN.
    logs = [path for path in (stack.var_dir / "log").rglob("*") if path.is_file()]
    assert logs
    assert not [path.name for path in logs if secret in path.read_text(errors="replace")]
