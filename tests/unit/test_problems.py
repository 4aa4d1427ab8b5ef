"""Every error is RFC 9457 application/problem+json, with the table's status and type."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from pydantic import BaseModel, Field

from civic.connectors.ckan.interfaces import (
    CkanError,
    CkanNotAuthorized,
    CkanUnavailable,
    CkanValidationError,
)
from civic.platform.docs import DocumentedApp
from civic.platform.problems import EXCEPTION_PROBLEMS, PROBLEM_MEDIA_TYPE
from civic.services.errors import Conflict, NotFound

SECRET_DETAIL = "connection to postgresql://civic:hunter2@db failed"


class ItemBody(BaseModel):
    name: str = Field(min_length=2)
    size: int = Field(ge=0)


class ItemQuery(BaseModel):
    page: int = Field(default=1, ge=1)


class ErrorPath(BaseModel):
    name: str


@pytest.fixture
def app(app: DocumentedApp) -> DocumentedApp:
    """The gateway plus routes that fail in every way a view can."""

    @app.post("/test/items")
    def create_item(body: ItemBody, query: ItemQuery) -> dict[str, object]:
        return {"name": body.name, "page": query.page}

    @app.get("/test/crash")
    def crash() -> str:
        raise RuntimeError(SECRET_DETAIL)

    errors: dict[str, Exception] = {
        "ckan-down": CkanUnavailable("package_show: timed out after 10 s"),
        "ckan-refused": CkanNotAuthorized("403 for token tok-123"),
        "ckan-invalid": CkanValidationError(
            {"name": ["That URL is already in use."], "__type": "Validation Error"}
        ),
        "ckan-other": CkanError("odd answer"),
        "missing": NotFound("No dataset named 'budget-2024'."),
        "conflict": Conflict("A dataset named 'budget-2024' exists."),
        "database-down": sa.exc.OperationalError(
            "SELECT 1", {}, Exception(f"server closed the connection: {SECRET_DETAIL}")
        ),
    }

    @app.get("/test/raise/<name>")
    def raise_error(path: ErrorPath) -> str:
        raise errors[path.name]

    return app


def assert_problem(response: object, status: int) -> dict[str, object]:
    assert getattr(response, "status_code", None) == status
    assert response.headers["Content-Type"] == PROBLEM_MEDIA_TYPE  # type: ignore[attr-defined]
    body: dict[str, object] = response.get_json(force=True)  # type: ignore[attr-defined]
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["type"], str)
    assert body["request_id"] == response.headers["X-Request-ID"]  # type: ignore[attr-defined]
    return body


def test_unknown_route_is_a_404_problem(client: FlaskClient) -> None:
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"


def test_wrong_method_is_a_405_problem_with_allow(client: FlaskClient) -> None:
    response = client.delete("/healthz")
    body = assert_problem(response, 405)
    assert body["title"] == "Method Not Allowed"
    assert "GET" in response.headers["Allow"]


def test_oversize_body_is_a_413_problem_before_the_view_runs(bootstrap: object) -> None:
    from civic.platform.app import create_app  # noqa: PLC0415 - a second app, smaller limit

    small = create_app({"env": "test", "max_content_length": 100}, bootstrap=bootstrap)  # type: ignore[arg-type]
    client = small.test_client()
    body = assert_problem(client.post("/api/v1/", data=b"x" * 101), 413)
    assert "100 bytes" in str(body["detail"])
    assert client.get("/api/v1/").status_code == 200


def test_oversize_chunked_body_is_a_413_problem_when_read(app: DocumentedApp) -> None:
    """Without Content-Length the first check cannot refuse; reading the body does."""
    app.config["MAX_CONTENT_LENGTH"] = 50
    response = app.test_client().post(
        "/test/items",
        input_stream=io.BytesIO(b'{"name": "' + b"x" * 100 + b'", "size": 1}'),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert_problem(response, 413)


def test_chunked_body_within_the_limit_reaches_the_view(client: FlaskClient) -> None:
    response = client.post(
        "/test/items",
        input_stream=io.BytesIO(b'{"name": "ok", "size": 1}'),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert response.status_code == 200
    assert response.get_json() == {"name": "ok", "page": 1}


def test_unexpected_error_is_a_500_problem_that_tells_nothing(client: FlaskClient) -> None:
    body = assert_problem(client.get("/test/crash"), 500)
    assert body["type"] == "about:blank"
    assert "hunter2" not in str(body)
    assert "RuntimeError" not in str(body)


def test_invalid_body_is_a_422_problem_listing_each_field(client: FlaskClient) -> None:
    response = client.post("/test/items", json={"name": "x", "secret_input": "s3cr3t"})
    body = assert_problem(response, 422)
    assert body["type"] == "/api/v1/problems/validation-error"
    errors = body["errors"]
    assert isinstance(errors, list)
    by_pointer = {error["pointer"]: error for error in errors}
    assert set(by_pointer) == {"#/name", "#/size"}
    assert by_pointer["#/size"]["code"] == "missing"
    assert by_pointer["#/name"]["code"] == "string_too_short"
    assert all(error["detail"] for error in errors)
    assert "s3cr3t" not in response.get_data(as_text=True)


def test_invalid_query_is_a_422_problem(client: FlaskClient) -> None:
    response = client.post("/test/items?page=0", json={"name": "ok", "size": 1})
    body = assert_problem(response, 422)
    assert [error["pointer"] for error in body["errors"]] == ["#/page"]  # type: ignore[union-attr]


def test_body_that_is_not_json_is_a_422_problem(client: FlaskClient) -> None:
    response = client.post("/test/items", data="not json", content_type="application/json")
    body = assert_problem(response, 422)
    assert body["errors"]


def test_valid_input_reaches_the_view(client: FlaskClient) -> None:
    response = client.post("/test/items?page=2", json={"name": "ok", "size": 1})
    assert response.status_code == 200
    assert response.get_json() == {"name": "ok", "page": 2}


@pytest.mark.parametrize(
    ("name", "status", "slug"),
    [
        ("ckan-down", 503, "ckan-unavailable"),
        ("ckan-refused", 502, "ckan-refused"),
        ("ckan-invalid", 422, "ckan-validation-error"),
        ("ckan-other", 502, "ckan-error"),
        ("missing", 404, "not-found"),
        ("conflict", 409, "conflict"),
    ],
)
def test_domain_exceptions_map_to_status_and_type(
    client: FlaskClient, name: str, status: int, slug: str
) -> None:
    body = assert_problem(client.get(f"/test/raise/{name}"), status)
    assert body["type"] == f"/api/v1/problems/{slug}"


def test_ckan_outage_says_when_to_retry_without_ckans_words(client: FlaskClient) -> None:
    response = client.get("/test/raise/ckan-down")
    assert int(response.headers["Retry-After"]) > 0
    assert "timed out after" not in response.get_data(as_text=True)


def test_a_database_outage_is_a_503_to_retry_without_the_drivers_words(
    client: FlaskClient,
) -> None:
    response = client.get("/test/raise/database-down")
    body = assert_problem(response, 503)
    assert body["type"] == "/api/v1/problems/database-unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert "hunter2" not in response.get_data(as_text=True)
    assert "server closed" not in response.get_data(as_text=True)


def test_ckan_refusal_does_not_echo_the_token(client: FlaskClient) -> None:
    assert "tok-123" not in client.get("/test/raise/ckan-refused").get_data(as_text=True)


def test_ckan_field_errors_become_field_problems(client: FlaskClient) -> None:
    body = client.get("/test/raise/ckan-invalid").get_json()
    assert body["errors"] == [{"pointer": "#/name", "detail": "That URL is already in use."}]


def test_domain_messages_are_the_detail(client: FlaskClient) -> None:
    body = client.get("/test/raise/missing").get_json()
    assert body["detail"] == "No dataset named 'budget-2024'."


def test_every_problem_type_is_documented_at_its_uri(client: FlaskClient) -> None:
    for problem in EXCEPTION_PROBLEMS.values():
        response = client.get(problem.uri)
        assert response.status_code == 200, problem.uri
        doc = response.get_json()
        assert doc["type"] == problem.uri
        assert doc["status"] == problem.status
        assert doc["description"]


def test_an_unknown_problem_type_is_a_404_problem(client: FlaskClient) -> None:
    assert_problem(client.get("/api/v1/problems/no-such-problem"), 404)
