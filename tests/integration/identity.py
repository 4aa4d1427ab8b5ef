"""Helpers of the identity and OAuth integration tests: accounts, apps, a browser-less user.

Accounts and apps are made through the services on the stack's database (the
command line itself is tested in ``test_identity_cli``); the person who logs in and
consents is a ``requests`` session posting the real forms (CSRF token included), so
the flows run end to end against the live gateway.
"""

from __future__ import annotations

import base64
import functools
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

from civic.services.apps import registry
from civic.services.apps.metadata import parse_metadata
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.identity import accounts
from civic.services.identity.models import Role

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
    organizations = []
    if role == "publisher":
        organizations.append(options.get("organization") or unique("org"))
        sql(
            stack,
            "INSERT INTO organizations (name, title, level) VALUES (%(name)s, %(name)s, 'local')"
            " ON CONFLICT DO NOTHING",
            {"name": organizations[0]},
        )
    with bootstrap(stack).unit_of_work() as uow:
        user = accounts.create_user(
            uow, email=email, role=Role(role), password=PASSWORD, organizations=organizations
        )
        uow.commit()
        return {"id": str(user.id), "email": user.email, "role": role}


def new_app(stack: RunningStack, owner: str, *options: str, **metadata: Any) -> dict[str, Any]:
    """A new app of ``owner`` registered through the services, as the portal does.

    ``options`` are CLI-like flags: ``--public``, ``--redirect-uri URI``, ``--grant G``.
    Client credentials only, unless redirect URIs are given.
    """
    flags = list(options)
    redirect_uris = [flags[i + 1] for i, flag in enumerate(flags) if flag == "--redirect-uri"]
    grants = [flags[i + 1] for i, flag in enumerate(flags) if flag == "--grant"]
    data = {
        "client_name": metadata.get("name", unique("app")),
        "actor_type": metadata.get("actor_type", "company_small"),
        "scope": metadata.get("scope", ""),
        "redirect_uris": redirect_uris,
        "grant_types": grants or ["client_credentials"],
        "token_endpoint_auth_method": "none" if "--public" in flags else "client_secret_basic",
    }
    with bootstrap(stack).unit_of_work() as uow:
        user = accounts.find_user(uow, owner)
        app, issued = registry.register_app(
            uow, parse_metadata(data), owner_id=user.id, registered_via="cli"
        )
        uow.commit()
        return {
            "client_id": app.client_id,
            "client_secret": issued.client_secret,
            "owner": owner,
        }


def bootstrap(stack: RunningStack) -> Bootstrap:
    """The services' connections to the stack's database, for the whole test session."""
    return _bootstrap(stack.database_url, stack.redis_url, stack.ckan_url)


@functools.cache
def _bootstrap(database_url: str, redis_url: str, ckan_url: str) -> Bootstrap:
    settings = ConnectionSettings(
        database_url=database_url, redis_url=redis_url, ckan_url=ckan_url, database_pool_size=2
    )
    return Bootstrap(settings)


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
