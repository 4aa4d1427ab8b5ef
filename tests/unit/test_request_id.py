"""Every response carries X-Request-ID: the caller's when it is sane, else a new one."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from civic.platform.observability import is_sane_request_id


def test_a_request_id_is_generated_when_none_is_given(client: FlaskClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize(
    "incoming", ["0f8fad5b-d9cb-469f-a165-70867728950e", "trace:abc.123", "A" * 128]
)
def test_a_sane_incoming_id_is_kept(client: FlaskClient, incoming: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "has space", "A" * 129, 'quote"', "new\\nline", "<script>", "-leading-dash"],
)
def test_an_unsafe_incoming_id_is_replaced(client: FlaskClient, incoming: str) -> None:
    assert not is_sane_request_id(incoming)
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nowhere"),
        ("DELETE", "/healthz"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/docs"),
    ],
)
def test_every_kind_of_response_has_one(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method, headers={"X-Request-ID": "given-id"})
    assert response.headers["X-Request-ID"] == "given-id"


def test_problem_bodies_carry_the_same_id(client: FlaskClient) -> None:
    response = client.get("/nowhere", headers={"X-Request-ID": "given-id"})
    assert response.get_json()["request_id"] == "given-id"
