"""The authorization server's routes are in the OpenAPI document, with RFC error bodies."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

OAUTH_OPERATIONS = {
    "/.well-known/oauth-authorization-server": {"get"},
    "/oauth/authorize": {"get", "post"},
    "/oauth/token": {"post"},
    "/oauth/introspect": {"post"},
    "/oauth/revoke": {"post"},
    "/oauth/register": {"post"},
    "/oauth/register/{client_id}": {"get", "put", "delete"},
}
OAUTH_ERROR = {"$ref": "#/components/schemas/OAuthError"}


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return body


@pytest.mark.parametrize(("path", "methods"), sorted(OAUTH_OPERATIONS.items()))
def test_each_oauth_path_and_its_methods_are_documented(
    document: dict[str, Any], path: str, methods: set[str]
) -> None:
    assert path in document["paths"]
    assert set(document["paths"][path]) == methods


def test_oauth_errors_are_rfc_bodies_not_problems(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["OAuthError"]
    assert {"error", "error_description"} <= set(error["properties"])
    assert error["required"] == ["error"]
    for path in ("/oauth/token", "/oauth/introspect", "/oauth/revoke", "/oauth/register"):
        answer = document["paths"][path]["post"]["responses"]["400"]
        assert answer["content"] == {"application/json": {"schema": OAUTH_ERROR}}


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/introspect", "/oauth/revoke"])
def test_token_endpoints_take_forms_and_client_authentication(
    document: dict[str, Any], path: str
) -> None:
    operation = document["paths"][path]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/x-www-form-urlencoded"}
    assert {"client_secret_basic": []} in operation["security"]


def test_security_schemes(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["client_secret_basic"] == {
        "type": "http",
        "scheme": "basic",
        "description": schemes["client_secret_basic"]["description"],
    }
    assert schemes["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}]


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [ref for value in node.values() for ref in refs(value)]
        if isinstance(node, list):
            return [ref for value in node for ref in refs(value)]
        return []

    for ref in refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
