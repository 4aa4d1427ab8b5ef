"""The OpenAPI 3.1 document is generated from the routes; the docs page needs no CDN."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from pydantic import BaseModel

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    return body


def test_document_is_openapi_3_1(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] == "Civic Platform API"


def test_document_lists_the_routes(document: dict[str, Any]) -> None:
    assert {"/healthz", "/readyz", "/api/v1/", "/api/v1/problems/{slug}"} <= set(document["paths"])
    assert set(document["paths"]["/readyz"]) == {"get"}


def test_the_docs_routes_are_not_operations(document: dict[str, Any]) -> None:
    assert "/api/v1/openapi.json" not in document["paths"]
    assert "/api/v1/docs" not in document["paths"]


def test_problem_answers_are_documented_as_problem_json(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert {"type", "title", "status"} <= set(schemas["Problem"]["properties"])
    assert "FieldProblem" in schemas
    index = document["paths"]["/api/v1/"]["get"]["responses"]
    for status in ("404", "405", "413", "500"):
        assert index[status]["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}


def test_validation_answers_are_problems_and_only_where_input_exists(
    document: dict[str, Any],
) -> None:
    for path_item in document["paths"].values():
        for operation in path_item.values():
            answer = operation["responses"].get("422")
            if answer is None:
                continue
            assert answer["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}
    assert "422" not in document["paths"]["/healthz"]["get"]["responses"]
    problem_type = document["paths"]["/api/v1/problems/{slug}"]["get"]
    assert problem_type["parameters"][0]["name"] == "slug"
    assert "422" in problem_type["responses"]


def test_readiness_documents_both_answers(document: dict[str, Any]) -> None:
    responses = document["paths"]["/readyz"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReadinessReport"
    }
    assert "503" in responses


def test_docs_page_is_served_from_the_gateway_alone(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page), "no external URL"
    assert 'data-openapi-url="/api/v1/openapi.json"' in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) >= 4
    for asset in assets:
        assert asset.startswith("/"), asset
        with client.get(asset) as fetched:  # a file response: close it
            assert fetched.status_code == 200, asset
            assert fetched.data, asset


def test_docs_script_disables_the_external_validator(client: FlaskClient) -> None:
    with client.get("/static/api-docs.js") as response:
        script = response.get_data(as_text=True)
    assert "validatorUrl: null" in script
    assert "http" not in script


def _project_models() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    stack: list[type[BaseModel]] = [BaseModel]
    while stack:
        for model in stack.pop().__subclasses__():
            stack.append(model)
            if model.__module__.startswith("civic."):
                seen.append(model)
    return seen


def test_no_two_models_share_a_component_name(document: dict[str, Any]) -> None:
    """flask-openapi3 names components by class name: a second model of the same
    name silently replaces the first, and answers then violate their documented
    schema (a report's ``registration`` was once checked against the wrong one)."""
    by_name: dict[str, set[str]] = {}
    for model in _project_models():
        by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    clashes = {
        name: sorted(paths)
        for name, paths in by_name.items()
        if len(paths) > 1 and name in document["components"]["schemas"]
    }
    assert not clashes, f"rename one model of each pair: {clashes}"
