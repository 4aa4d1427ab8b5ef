"""One client authentication method per request (RFC 6749 2.3; issue 14, hole 10)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize("endpoint", ["/oauth/token", "/oauth/introspect", "/oauth/revoke"])
def test_basic_and_a_body_secret_together_are_an_invalid_request(
    client: FlaskClient, endpoint: str
) -> None:
    answer = client.post(
        endpoint,
        data={"grant_type": "client_credentials", "token": "t", "client_secret": "s"},
        auth=("cvc_one", "s"),
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"
    assert "one client authentication method" in answer.get_json()["error_description"]


def test_a_body_client_id_naming_another_client_than_basic_is_refused(
    client: FlaskClient,
) -> None:
    answer = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "cvc_other"},
        auth=("cvc_one", "s"),
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"
