"""``civic users`` and ``civic apps`` against the stack's database, and per-app quotas."""

from __future__ import annotations

import subprocess

import pytest
import requests
from tests.integration.identity import CIVIC, PASSWORD, civic, new_user, unique
from tests.integration.stack import RunningStack

pytestmark = pytest.mark.integration


def test_users_create_and_list_as_json(stack: RunningStack) -> None:
    email = f"{unique('Ada')}@Example.org"
    created = civic(
        stack, "users", "create", email, "--role", "evaluator", "--password-stdin", stdin=PASSWORD
    )
    assert created["email"] == email.lower()
    assert created["role"] == "evaluator"
    assert created["can_log_in"] is True
    assert "password" not in str(created).lower().replace("can_log_in", "")
    listed = civic(stack, "users", "list")
    assert email.lower() in [user["email"] for user in listed]


def test_users_create_refuses_bad_input_cleanly(stack: RunningStack) -> None:
    env = stack.env | {"CIVIC_DATABASE_URL": stack.database_url}
    for args in (
        ["users", "create", "not-an-email", "--role", "developer"],
        ["users", "create", f"{unique('p')}@example.org", "--role", "publisher"],
        ["users", "create", f"{unique('p')}@example.org", "--role", "publisher",
         "--organization", "no-such-organization"],
    ):  # fmt: skip
        result = subprocess.run(
            [str(CIVIC), *args], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 1, result.stdout
        assert result.stderr.startswith("Error:")
        assert "Traceback" not in result.stderr


def test_apps_create_rotate_and_suspend_with_a_reason(stack: RunningStack) -> None:
    owner = new_user(stack, "publisher")
    app = civic(
        stack,
        "apps",
        "create",
        "--owner",
        owner["email"],
        "--name",
        "Publishing robot",
        "--actor-type",
        "public_local",
        "--scope",
        "datasets:write",
        "--grant",
        "client_credentials",
        "--territory",
        "75056",
    )
    assert app["client_secret"].startswith("cvcs_")
    assert app["owner"] == owner["email"]
    token_url = f"{stack.gateway_url}/oauth/token"
    data = {"grant_type": "client_credentials"}
    first = (app["client_id"], app["client_secret"])
    assert requests.post(token_url, data=data, auth=first, timeout=10).status_code == 200

    rotated = civic(stack, "apps", "rotate-secret", app["client_id"])
    assert requests.post(token_url, data=data, auth=first, timeout=10).status_code == 401
    second = (app["client_id"], rotated["client_secret"])
    assert requests.post(token_url, data=data, auth=second, timeout=10).status_code == 200

    no_reason = subprocess.run(
        [str(CIVIC), "apps", "suspend", app["client_id"], "--reason", "  "],
        env=stack.env | {"CIVIC_DATABASE_URL": stack.database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert no_reason.returncode == 1
    assert "reason is required" in no_reason.stderr
    refused = civic(stack, "apps", "refuse", app["client_id"], "--reason", "Not a public body")
    assert refused["status"] == "refused"
    assert requests.post(token_url, data=data, auth=second, timeout=10).status_code == 400


def test_a_plan_limits_an_app_across_workers_with_retry_after(stack: RunningStack) -> None:
    owner = new_user(stack)
    app = civic(
        stack,
        "apps",
        "create",
        "--owner",
        owner["email"],
        "--name",
        "Busy",
        "--actor-type",
        "company_large",
    )
    civic(stack, "apps", "set-plan", app["client_id"], "tiny")  # 3/minute in config/test.toml
    token = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(app["client_id"], app["client_secret"]),
        timeout=10,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    answers = []
    for _ in range(5):
        # A new connection each time: the two gunicorn workers share the counter in Redis.
        answers.append(requests.get(f"{stack.gateway_url}/api/v1/me", headers=headers, timeout=10))
    statuses = [answer.status_code for answer in answers]
    assert statuses[:3] == [200, 200, 200], statuses
    assert statuses[3:] == [429, 429]
    ok, limited = answers[0], answers[3]
    assert ok.headers["RateLimit-Limit"] == "3"
    assert ok.headers["RateLimit-Remaining"] == "2"
    assert 0 <= int(ok.headers["RateLimit-Reset"]) <= 60
    assert "Retry-After" not in ok.headers
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["Content-Type"].startswith("application/problem+json")
    assert limited.json()["type"] == "/api/v1/problems/rate-limited"
