"""Helpers of the identity and OAuth integration tests: accounts, apps, a browser-less user.

Accounts and apps are made with the ``civic`` command line, as an operator would;
the person who logs in and consents is a ``requests`` session posting the real
forms (CSRF token included), so the flows run end to end against the live gateway.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import subprocess
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import requests
from tests.integration.stack import ROOT, RunningStack

CIVIC = ROOT / ".venv" / "bin" / "civic"
PASSWORD = "correct horse battery staple"
CALLBACK = "http://127.0.0.1:9/callback"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def civic(stack: RunningStack, *args: str, stdin: str | None = None) -> Any:
    """Run ``civic ARGS --json`` against the stack's database; its JSON answer."""
    result = subprocess.run(
        [str(CIVIC), *args, "--json"],
        env=stack.env
        | {
            "CIVIC_DATABASE_URL": stack.database_url,
            "CIVIC_REDIS_URL": stack.redis_url,
            "CIVIC_CKAN_URL": stack.ckan_url,
        },
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sql(stack: RunningStack, statement: str, params: dict[str, Any] | None = None) -> None:
    """Run one statement on the gateway's database (to age a token, add an organization)."""
    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement, params or {})  # type: ignore[arg-type]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_user(stack: RunningStack, role: str = "developer", **options: str) -> dict[str, Any]:
    """A new account with :data:`PASSWORD`; a publisher gets a new organization."""
    email = f"{unique(role)}@example.org"
    args = ["users", "create", email, "--role", role, "--password-stdin"]
    if role == "publisher":
        organization = options.get("organization") or unique("org")
        sql(
            stack,
            "INSERT INTO organizations (name, title, level) VALUES (%(name)s, %(name)s, 'local')"
            " ON CONFLICT DO NOTHING",
            {"name": organization},
        )
        args += ["--organization", organization]
    user: dict[str, Any] = civic(stack, *args, stdin=PASSWORD + "\n")
    return user


def new_app(stack: RunningStack, owner: str, *extra: str, **options: str) -> dict[str, Any]:
    """A new app of ``owner`` (client credentials unless redirect URIs are given)."""
    args = [
        "apps",
        "create",
        "--owner",
        owner,
        "--name",
        options.get("name", unique("app")),
        "--actor-type",
        options.get("actor_type", "company_small"),
        "--scope",
        options.get("scope", ""),
        *extra,
    ]
    app: dict[str, Any] = civic(stack, *args)
    return app


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


def pkce() -> Pkce:
    """A fresh S256 code verifier and challenge (RFC 7636 4.1, 4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def logged_in(stack: RunningStack, email: str, password: str = PASSWORD) -> requests.Session:
    """A browser-like session logged in through the login form."""
    browser = requests.Session()
    page = browser.get(f"{stack.gateway_url}/login", timeout=10)
    response = browser.post(
        f"{stack.gateway_url}/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    return browser


def csrf_token(page: str) -> str:
    match = _CSRF.search(page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def consent(browser: requests.Session, authorization_url: str, decision: str = "approve") -> str:
    """Open the consent page, answer it, return where the gateway redirects the browser."""
    page = browser.get(authorization_url, allow_redirects=False, timeout=10)
    if page.status_code == 302:
        return page.headers["Location"]  # refused before consent (an error for the client)
    assert page.status_code == 200, page.text
    answer = browser.post(
        authorization_url,
        data={"csrf_token": csrf_token(page.text), "decision": decision},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def query(url: str) -> dict[str, str]:
    """The query parameters of ``url`` (one value each)."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
