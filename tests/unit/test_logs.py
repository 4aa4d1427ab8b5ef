"""JSON logs: one object per line, with request id, method, path, status, duration; no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from civic.platform.docs import DocumentedApp
from civic.platform.logs import HANDLER_NAME, MASK, mask, mask_text

TOKEN = "eyJhbGciOi.secret-token-value"


@pytest.fixture
def log_stream(app: DocumentedApp) -> Iterator[io.StringIO]:
    """What the app's JSON handler writes, instead of stderr."""
    handlers = [h for h in logging.getLogger("civic").handlers if h.get_name() == HANDLER_NAME]
    assert len(handlers) == 1, "create_app installs exactly one JSON handler"
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)  # type: ignore[arg-type]


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_each_request_is_one_json_access_line(client: FlaskClient, log_stream: io.StringIO) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "req-1"})
    (line,) = [r for r in records(log_stream) if r["logger"] == "civic.access"]
    assert line["request_id"] == "req-1" == response.headers["X-Request-ID"]
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert "timestamp" in line


def test_secrets_of_a_request_are_not_logged(client: FlaskClient, log_stream: io.StringIO) -> None:
    client.get(
        f"/nowhere?access_token={TOKEN}&password=hunter2",
        headers={"Authorization": f"Bearer {TOKEN}", "Cookie": "session=abc123"},
    )
    text = log_stream.getvalue()
    assert text, "the request was logged"
    for secret in (TOKEN, "hunter2", "abc123"):
        assert secret not in text
    (line,) = [r for r in records(log_stream) if r["logger"] == "civic.access"]
    assert line["path"] == "/nowhere"  # never the query string


def test_an_unexpected_error_is_logged_with_its_traceback_masked(
    app: DocumentedApp, log_stream: io.StringIO
) -> None:
    @app.get("/test/crash")
    def crash() -> str:
        raise RuntimeError(f"cannot reach postgresql://civic:hunter2@db/civic with Bearer {TOKEN}")

    response = app.test_client().get("/test/crash", headers={"X-Request-ID": "req-crash"})
    assert response.status_code == 500
    (error,) = [r for r in records(log_stream) if r["level"] == "ERROR"]
    assert error["request_id"] == "req-crash"
    assert "RuntimeError" in str(error["exc_info"])
    assert "hunter2" not in log_stream.getvalue()
    assert TOKEN not in log_stream.getvalue()


def test_extra_fields_named_like_secrets_are_masked(
    app: DocumentedApp, log_stream: io.StringIO
) -> None:
    logging.getLogger("civic.test").warning(
        "calling CKAN",
        extra={
            "api_token": "tok-1",
            "headers": {"Authorization": "Bearer tok-2", "Accept": "application/json"},
            "client_secret": "tok-3",
        },
    )
    (line,) = records(log_stream)
    assert line["api_token"] == MASK
    assert line["client_secret"] == MASK
    assert line["headers"] == {"Authorization": MASK, "Accept": "application/json"}
    assert "tok-" not in log_stream.getvalue()


def test_creating_the_app_twice_does_not_double_the_lines(
    bootstrap: object, app: DocumentedApp
) -> None:
    from civic.platform.app import create_app  # noqa: PLC0415 - the second app is the point

    create_app({"env": "test"}, bootstrap=bootstrap)  # type: ignore[arg-type]
    handlers = [h for h in logging.getLogger("civic").handlers if h.get_name() == HANDLER_NAME]
    assert len(handlers) == 1


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("postgresql+psycopg://civic:p%40ss@db:5432/civic", "p%40ss"),
        ("GET /oauth/token?client_secret=xyz&grant_type=client_credentials", "xyz"),
        ("refresh_token=rt-1 password=pw-2", "rt-1"),
    ],
)
def test_mask_text_hides_secrets_by_shape(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked
    assert MASK in masked


def test_mask_keeps_ordinary_values() -> None:
    assert mask({"path": "/api/v1/datasets", "status": 200}) == {
        "path": "/api/v1/datasets",
        "status": 200,
    }
    assert mask_text("GET /api/v1/datasets?page=2") == "GET /api/v1/datasets?page=2"
