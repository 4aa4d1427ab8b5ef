"""What the gateway shows of OAuth without a database: metadata, 401s, OpenAPI, forms, limits."""

from __future__ import annotations

from typing import Any

import pytest
from authlib.oauth2 import rfc8414, rfc9207
from flask.testing import FlaskClient

from civic.platform.app import create_app
from civic.platform.settings import SettingsError
from civic.services.bootstrap import Bootstrap


def test_rfc8414_metadata_is_valid(client: FlaskClient) -> None:
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    metadata = rfc8414.AuthorizationServerMetadata(document)
    metadata.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])
    assert document["issuer"] == "http://127.0.0.1:8000"  # public_url, whatever the Host
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
    }


def test_me_without_a_token_is_a_401_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="civic"'
    assert response.get_json()["type"] == "/api/v1/problems/invalid-token"


def test_a_malformed_authorization_header_is_refused(client: FlaskClient) -> None:
    response = client.get("/api/v1/", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_the_openapi_document_has_the_bearer_scheme(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert "401" in me["responses"]
    access = document["paths"]["/api/v1/apps/{client_id}/access"]
    assert {"get", "post"} <= set(access)
    assert "403" in access["post"]["responses"]


def test_problem_types_of_oauth_are_documented(client: FlaskClient) -> None:
    for slug in ("invalid-token", "insufficient-scope", "rate-limited", "invalid-app-metadata"):
        assert client.get(f"/api/v1/problems/{slug}").status_code == 200


def test_login_form_carries_a_csrf_token_and_refuses_without(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    refused = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert refused.status_code == 400


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app: Any) -> None:
    plain = app.test_client().get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in plain
    assert "SameSite=Lax" in plain
    assert "Secure" not in plain
    secure = app.test_client().get("/login", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in secure


def test_the_portal_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_calls_are_rate_limited_with_headers(bootstrap: Bootstrap) -> None:
    app = create_app(
        {"env": "test", "ratelimit_storage_url": "memory://", "quotas_anonymous": "2/minute"},
        bootstrap=bootstrap,
    )
    client = app.test_client()
    answers = [client.get("/api/v1/") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[0].headers["RateLimit-Limit"] == "2"
    assert answers[1].headers["RateLimit-Remaining"] == "0"
    limited = answers[2]
    assert limited.mimetype == "application/problem+json"
    assert limited.get_json()["type"] == "/api/v1/problems/rate-limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert client.get("/healthz").status_code == 200  # only the API is limited


def test_production_refuses_to_start_without_a_secret_key(bootstrap: Bootstrap) -> None:
    with pytest.raises(SettingsError, match="secret_key"):
        create_app(
            {
                "env": "production",
                "database_url": "postgresql+psycopg://x@127.0.0.1:1/x",
                "redis_url": "redis://127.0.0.1:1/0",
                "ckan_url": "http://127.0.0.1:1",
            },
            bootstrap=bootstrap,
        )


def test_web_pages_refuse_to_be_framed(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_login_attempts_are_limited_per_address(bootstrap: Bootstrap) -> None:
    app = create_app(
        {"env": "test", "ratelimit_storage_url": "memory://", "login_rate_limit": "2/minute"},
        bootstrap=bootstrap,
    )
    client = app.test_client()
    # Refused for CSRF before any account is looked up, but counted all the same.
    statuses = [client.post("/login", data={}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert client.get("/login").status_code == 200  # reading the form is not limited
