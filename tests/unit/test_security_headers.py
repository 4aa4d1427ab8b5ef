"""Security headers on every answer (issue 14, hole 12): nosniff, a referrer policy, a
script policy on pages, no-store on a logged-in person's pages, HSTS in production only."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from civic.platform.app import create_app
from civic.platform.web.headers import CONTENT_SECURITY_POLICY
from civic.services.bootstrap import Bootstrap


def test_a_page_carries_the_script_policy_nosniff_and_the_referrer_policy(
    client: FlaskClient,
) -> None:
    page = client.get("/login")
    assert page.mimetype == "text/html"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in page.headers  # not production


def test_a_json_answer_says_nosniff_too(client: FlaskClient) -> None:
    answer = client.get("/healthz")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_policy_runs_only_the_sites_own_scripts() -> None:
    assert CONTENT_SECURITY_POLICY.split("; ")[0] == "script-src 'self'"


def test_production_answers_carry_hsts(bootstrap: Bootstrap) -> None:
    config: dict[str, Any] = {
        "env": "production",
        "ratelimit_storage_url": "memory://",
        "secret_key": "a production secret key of enough length",
        "database_url": "postgresql+psycopg://postgres@127.0.0.1:1/unused",
        "redis_url": "redis://127.0.0.1:1/0",
        "ckan_url": "http://127.0.0.1:1",
        "public_url": "https://data.example.org",
    }
    app = create_app(config, bootstrap=bootstrap)
    answer = app.test_client().get("/healthz")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
