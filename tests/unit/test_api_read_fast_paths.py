"""The shortcuts of a plain API read (issue 19's show speed) refuse and answer the same.

A GET whose raw path and query cannot hold a NUL, invalid UTF-8 or Basic credentials,
and that has no body, skips the input checks; a request without cookies opens an
empty session without parsing any and writes none back; Flask's per-request
``ensure_sync`` answers come from a table built once.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from civic.platform.docs import DocumentedApp
from civic.platform.request_guards import _nothing_to_check


def environ(**extra: Any) -> dict[str, Any]:
    return {"PATH_INFO": "/api/v1/datasets/eau", "QUERY_STRING": "", **extra}


@pytest.mark.parametrize(
    ("extra", "plain"),
    [
        ({}, True),
        ({"QUERY_STRING": "q=eau&page_size=20"}, True),
        ({"HTTP_AUTHORIZATION": "Bearer abc"}, True),
        ({"CONTENT_LENGTH": "0"}, True),
        ({"QUERY_STRING": "q=%00"}, False),
        ({"QUERY_STRING": "q=%C3"}, False),
        ({"QUERY_STRING": "q=\u00e9"}, False),
        ({"PATH_INFO": "/api/v1/datasets/a\x00b"}, False),
        ({"PATH_INFO": "/api/v1/datasets/\u00c3"}, False),
        ({"HTTP_AUTHORIZATION": "Basic Y2xpZW50OnNlY3JldA=="}, False),
        ({"HTTP_AUTHORIZATION": "basic Y2xpZW50OnNlY3JldA=="}, False),
        ({"CONTENT_LENGTH": "12"}, False),
        ({"HTTP_TRANSFER_ENCODING": "chunked"}, False),
    ],
)
def test_only_requests_without_anything_to_refuse_skip_the_checks(
    extra: dict[str, Any], plain: bool
) -> None:
    assert _nothing_to_check(environ(**extra)) is plain


def test_refusals_are_unchanged(client: FlaskClient) -> None:
    nul_query = client.get("/api/v1/datasets?q=a%00b")
    assert nul_query.status_code == 422
    assert nul_query.get_json()["errors"][0]["pointer"] == "#/q"
    assert client.get("/api/v1/datasets/a%00b").status_code == 422
    bad_utf8 = client.get("/api/v1/datasets?q=%C3")
    assert bad_utf8.status_code == 422
    assert "UTF-8" in bad_utf8.get_json()["detail"]
    basic = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic /w=="},  # one byte, 0xFF: not UTF-8
    )
    assert basic.status_code == 400
    assert basic.get_json()["error"] == "invalid_request"


def test_an_api_read_without_cookies_gets_none(client: FlaskClient) -> None:
    answer = client.get("/api/v1/datasets?q=eau")
    assert "Set-Cookie" not in answer.headers
    assert "Cookie" not in answer.headers.get("Vary", "")


def test_a_form_page_still_gets_its_anonymous_cookie(client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "civic_session=a." in page.headers.get("Set-Cookie", "")


def test_ensure_sync_answers_for_registered_functions_come_from_the_table(
    app: DocumentedApp,
) -> None:
    view = app.view_functions["datasets.show_dataset"]
    assert app.ensure_sync(view) is view
    hook = app.before_request_funcs[None][0]
    assert app.ensure_sync(hook) is hook

    def later() -> None:  # not registered when the app was built: asked as before
        pass

    assert app.ensure_sync(later) is later
