"""Absolute URLs come from ``public_url``, never the Host header; required in production."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from civic.platform.app import create_app
from civic.platform.settings import SettingsError, load_settings
from civic.platform.urls import external_url
from civic.services.bootstrap import Bootstrap

PRODUCTION: dict[str, Any] = {
    "env": "production",
    "database_url": "postgresql+psycopg://x@127.0.0.1:1/x",
    "redis_url": "redis://127.0.0.1:1/0",
    "ckan_url": "http://127.0.0.1:1",
    "secret_key": "a-production-secret",
    "ratelimit_storage_url": "memory://",
}


def test_the_issuer_ignores_a_forged_host_and_forwarded_host(client: FlaskClient) -> None:
    forged = client.get(
        "/.well-known/oauth-authorization-server",
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    document = forged.get_json()
    assert document["issuer"] == "http://127.0.0.1:8000"
    assert document["token_endpoint"] == "http://127.0.0.1:8000/oauth/token"
    assert "evil.example" not in forged.get_data(as_text=True)


def test_the_issuer_ignores_forwarded_headers_behind_a_trusted_proxy(
    bootstrap: Bootstrap,
) -> None:
    app = create_app(
        {"env": "test", "ratelimit_storage_url": "memory://", "trusted_proxies": 1},
        bootstrap=bootstrap,
    )
    answer = app.test_client().get(
        "/.well-known/oauth-authorization-server",
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    )
    assert answer.get_json()["issuer"] == "http://127.0.0.1:8000"


def test_production_refuses_to_start_without_a_public_url(bootstrap: Bootstrap) -> None:
    with pytest.raises(SettingsError, match="public_url"):
        create_app(PRODUCTION, bootstrap=bootstrap)


def test_production_refuses_a_public_url_without_tls(bootstrap: Bootstrap) -> None:
    with pytest.raises(SettingsError, match="https"):
        create_app({**PRODUCTION, "public_url": "http://data.example.org"}, bootstrap=bootstrap)


def test_production_starts_with_an_https_public_url(bootstrap: Bootstrap) -> None:
    app = create_app({**PRODUCTION, "public_url": "https://data.example.org/"}, bootstrap=bootstrap)
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert external_url("/oauth/token") == "https://data.example.org/oauth/token"
        assert external_url("reuses/1") == "https://data.example.org/reuses/1"


@pytest.mark.parametrize(
    "value",
    [
        "data.example.org",
        "ftp://data.example.org",
        "https://u:p@data.example.org",
        "https://x/?a=1",
    ],
)
def test_a_public_url_that_is_no_base_url_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="public_url"):
        load_settings({"env": "test", "public_url": value}, environ={})
