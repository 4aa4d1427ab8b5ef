"""Floods found from outside the suite (issue 14, hole 5), each named after itself.

200 requests with invalid bearer tokens were 200 x 401 (each a database lookup), 150
wrong client secrets at /oauth/token all 401, 60 anonymous registrations in half a
second all 201, and the OAuth endpoints, the exports and the pages had no limit.

The suite's stack runs with limits raised for the other tests, so these build the
gateway in process, on the stack's own database, with small limits and counters in
memory; each address starts fresh (``REMOTE_ADDR`` per test).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from tests.integration.stack import RunningStack

from civic.platform.app import create_app
from civic.platform.wiring import current_bootstrap

pytestmark = [pytest.mark.integration, pytest.mark.resilience]

LIMITS = {
    "quotas_invalid_credentials": "5/minute",
    "quotas_registration": "3/hour",
    "quotas_oauth": "20/minute",
    "quotas_exports": "4/minute",
    "quotas_pages": "8/minute",
}
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def client(stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    for name in list(os.environ):
        if name.startswith("CIVIC_"):
            monkeypatch.delenv(name)
    app = create_app(
        {
            "env": "test",
            "database_url": stack.database_url,
            "redis_url": stack.redis_url,
            "ckan_url": stack.ckan_url,
            "ratelimit_storage_url": "memory://",
            "oauth_registration_open": True,
            **LIMITS,
        }
    )
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = next(_addresses)
    yield client
    with app.app_context():
        current_bootstrap().close()


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens looked up in the database (check_access_token's calls)."""
    from civic.platform.oauth import protection  # noqa: PLC0415

    seen: list[str] = []
    real: Callable[..., Any] = protection.check_access_token

    def counting(uow: Any, token: str) -> Any:
        seen.append(token)
        return real(uow, token)

    monkeypatch.setattr(protection, "check_access_token", counting)
    return seen


def test_a_flood_of_invalid_bearer_tokens_is_cut_off_before_the_lookup(
    client: FlaskClient, lookups: list[str]
) -> None:
    statuses = [
        client.get("/api/v1/me", headers={"Authorization": f"Bearer forged-{n}"}).status_code
        for n in range(40)
    ]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
    assert len(lookups) == 5  # the 35 others cost no database lookup
    refused = client.get("/api/v1/me", headers={"Authorization": "Bearer forged-again"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.mimetype == "application/problem+json"
    # Reads without credentials from that address still work: it is the guessing that stops.
    assert client.get("/api/v1/datasets?page_size=1").status_code == 200


def test_a_flood_of_invalid_ckan_api_keys_is_cut_off_in_ckans_shape(client: FlaskClient) -> None:
    statuses = [
        client.get(
            "/api/3/action/package_list", headers={"X-CKAN-API-Key": f"forged-{n}"}
        ).status_code
        for n in range(8)
    ]
    assert statuses[:5] == [403] * 5 and set(statuses[5:]) == {429}, statuses
    body = client.get("/api/3/action/package_list", headers={"X-CKAN-API-Key": "x"}).get_json()
    assert body["success"] is False and body["error"]["__type"] == "Rate Limit Exceeded"


def test_a_flood_of_wrong_client_secrets_at_the_token_endpoint_is_cut_off(
    client: FlaskClient,
) -> None:
    answers = [
        client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "guessed",
                "client_secret": f"secret-{n}",
            },
        )
        for n in range(12)
    ]
    statuses = [answer.status_code for answer in answers]
    assert all(answer.get_json()["error"] == "invalid_client" for answer in answers[:5])
    assert set(statuses[:5]) <= {400, 401} and set(statuses[5:]) == {429}, statuses


def test_anonymous_registrations_are_limited_per_address(client: FlaskClient) -> None:
    metadata = {
        "client_name": "Appli de quartier",
        "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": "reuses:write",
        "actor_type": "association",
    }
    statuses = [client.post("/oauth/register", json=metadata).status_code for _ in range(6)]
    assert statuses[:3] == [201] * 3 and set(statuses[3:]) == {429}, statuses


def test_the_oauth_metadata_is_limited_per_address(client: FlaskClient) -> None:
    path = "/.well-known/oauth-authorization-server"
    statuses = [client.get(path).status_code for _ in range(25)]
    assert statuses[:20] == [200] * 20 and set(statuses[20:]) == {429}, statuses


def test_the_dcat_exports_are_limited_per_address(client: FlaskClient) -> None:
    statuses = [client.get("/catalog.rdf?page_size=1").status_code for _ in range(6)]
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}, statuses


def test_the_pages_are_limited_per_address(client: FlaskClient) -> None:
    statuses = [client.get("/catalog").status_code for _ in range(10)]
    assert statuses[:8] == [200] * 8 and set(statuses[8:]) == {429}, statuses
    other = client.get("/catalog", environ_base={"REMOTE_ADDR": next(_addresses)})
    assert other.status_code == 200  # another address has its own count
