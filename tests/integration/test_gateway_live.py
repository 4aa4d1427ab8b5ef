"""The gateway as `make run` starts it: readiness of each dependency, errors as problem+json."""

from __future__ import annotations

import pytest
import requests
from tests.integration.stack import RunningStack

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def test_readyz_reports_each_dependency(stack: RunningStack) -> None:
    response = requests.get(f"{stack.gateway_url}/readyz", timeout=10)
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "postgresql": "ok",
        "redis": "ok",
        "ckan": "ok",
    }
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api/v1/no-such-thing", 404), ("DELETE", "/healthz", 405)],
)
def test_routing_errors_are_problems(
    stack: RunningStack, method: str, path: str, status: int
) -> None:
    response = requests.request(method, f"{stack.gateway_url}{path}", timeout=10)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert response.headers["X-Request-ID"]


def test_oversize_body_is_413_problem(stack: RunningStack) -> None:
    response = requests.post(
        f"{stack.gateway_url}/api/v1/",
        data=b"x" * (20 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith(PROBLEM)


def test_openapi_document_is_served(stack: RunningStack) -> None:
    document = requests.get(f"{stack.gateway_url}/api/v1/openapi.json", timeout=10).json()
    assert document["openapi"].startswith("3.1")
    assert "/readyz" in document["paths"] or "/api/v1/" in document["paths"]


def test_readyz_names_ckan_when_it_is_down(stack: RunningStack) -> None:
    """Stops CKAN, checks the gateway says so, then brings CKAN back with `up`."""
    stopped = stack.run_script("down", "ckan")
    assert stopped.returncode == 0, stopped.stderr
    try:
        response = requests.get(f"{stack.gateway_url}/readyz", timeout=30)
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["ckan"]["status"] == "fail"
        assert checks["postgresql"]["status"] == "ok"
        assert checks["redis"]["status"] == "ok"
        assert requests.get(f"{stack.gateway_url}/healthz", timeout=10).status_code == 200
    finally:
        restarted = stack.run_script("up")
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert requests.get(f"{stack.gateway_url}/readyz", timeout=30).status_code == 200
