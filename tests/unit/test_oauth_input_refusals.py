"""Input no valid value holds is a clear 4xx at the OAuth doors, never a 500 (issue 14, hole 7)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from civic.services.apps.errors import InvalidAppMetadata, InvalidRedirectUri
from civic.services.apps.metadata import parse_metadata

BASE: dict[str, Any] = {
    "client_name": "Maps",
    "actor_type": "company_small",
    "redirect_uris": ["https://maps.example/cb"],
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_name", "x\ud800y"),
        ("organization_name", "x\x07y"),
        ("territory", "\udfff"),
        ("scope", "usage:read\ud800"),
        ("contacts", ["x\ud800@example.org"]),
        ("client_uri", "https://maps.example/\ud800"),
        ("client_uri", 'https://maps.example/"x'),
        ("client_uri", "https://maps.example/\\x"),
    ],
)
def test_metadata_that_is_not_text_is_refused_naming_its_field(field: str, value: Any) -> None:
    with pytest.raises(InvalidAppMetadata) as refused:
        parse_metadata({**BASE, field: value})
    assert refused.value.field == field


@pytest.mark.parametrize(
    "uri",
    [
        "https://maps.example/\ud800",
        'https://maps.example/cb"x',
        "https://maps.example/cb\\x",
        "https://maps.example/<cb>",
        "https://maps.example/caf\u00e9",
        "http://127.0.0.1:9/cb\x00",
    ],
)
def test_a_redirect_uri_with_characters_no_uri_holds_is_refused(uri: str) -> None:
    with pytest.raises(InvalidRedirectUri):
        parse_metadata({**BASE, "redirect_uris": [uri]})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("redirect_uri", "http://127.0.0.1:9/callback\\evil"),
        ("redirect_uri", 'http://127.0.0.1:9/callback"evil'),
        ("redirect_uri", "http://127.0.0.1:9/caf\u00e9"),
        ("response_type", 'code"'),
        ("scope", "usage:read\\"),
        ("client_id", 'cvc_"x'),
    ],
)
def test_an_authorization_request_with_such_a_parameter_is_a_400_page(
    client: FlaskClient, name: str, value: str
) -> None:
    params = {"response_type": "code", "client_id": "cvc_x", name: value}
    answer = client.get("/oauth/authorize", query_string=params)
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "invalid_request" in answer.get_data(as_text=True)
    assert name in answer.get_data(as_text=True)
