"""The report routes: documented in OpenAPI with the published schema, bearer-protected."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_openapi_document_describes_the_report_routes_and_schema(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path in (
        "/api/v1/reports/pathways",
        "/api/v1/reports/pathways.csv",
        "/api/v1/reports/pathways.html",
        "/api/v1/reports/reuse",
        "/api/v1/reports/reuse.csv",
    ):
        assert "get" in paths[path], path
        assert paths[path]["get"]["security"] == [{"bearer": []}]
    answer = paths["/api/v1/reports/pathways"]["get"]["responses"]["200"]
    reference = answer["content"]["application/json"]["schema"]["$ref"]
    name = reference.rsplit("/", 1)[1]
    schema = document["components"]["schemas"][name]
    assert {"period", "indicators", "pathways", "catalog", "summary"} <= set(schema["properties"])
    parameters = {p["name"] for p in paths["/api/v1/reports/pathways"]["get"]["parameters"]}
    assert {"from", "to", "organization", "level", "territory"} <= parameters


def test_reports_need_a_bearer_token(client: FlaskClient) -> None:
    for path in ("/api/v1/reports/pathways", "/api/v1/reports/reuse.csv"):
        answer = client.get(path + "?from=2025-01-01&to=2025-03-31")
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert answer.content_type == "application/problem+json"


def test_a_backwards_period_is_a_field_problem(client: FlaskClient) -> None:
    answer = client.get("/api/v1/reports/pathways?from=2025-03-01&to=2025-01-01")
    assert answer.status_code == 422
