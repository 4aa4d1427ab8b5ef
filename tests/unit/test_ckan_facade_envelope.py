"""The CKAN facade's envelope, parameters and refusals, in CKAN's shape (no database needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from civic.platform.ckan_action import is_action_path
from civic.platform.oauth.protection import ckan_credentials
from civic.platform.quotas import scaled_limit


def envelope(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.get_json()
    assert response.mimetype == "application/json"
    assert body["success"] is False
    assert body["help"].endswith(f"/api/3/action/help_show?name={body['help'].split('=')[-1]}")
    return body


def test_api_root_answers_the_version(client: FlaskClient) -> None:
    for path in ("/api/3", "/api/3/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_json() == {"version": 3}


def test_an_unknown_action_is_ckans_bad_request(client: FlaskClient) -> None:
    for prefix in ("/api/3/action/", "/api/action/"):
        response = client.get(prefix + "no_such_action")
        assert response.status_code == 400
        assert response.get_json() == "Bad request: Action name not known: no_such_action"


@pytest.mark.parametrize(
    ("query", "field", "messages"),
    [
        ("rows=abc", "rows", ["Invalid integer"]),
        ("rows=-1", "rows", ["Must be a natural number"]),
        ("start=1.5", "start", ["Invalid integer"]),
        ("facet.field=tags", "facet.field", ["Could not parse as valid JSON", "Not a list"]),
        ("facet.field=%7B%7D", "facet.field", ["Not a list"]),
    ],
)
def test_wrong_types_are_validation_errors(
    client: FlaskClient, query: str, field: str, messages: list[str]
) -> None:
    response = client.get(f"/api/3/action/package_search?{query}")
    assert response.status_code == 409
    error = envelope(response)["error"]
    assert error == {field: messages, "__type": "Validation Error"}


def test_wrong_types_in_a_json_body_too(client: FlaskClient) -> None:
    response = client.post("/api/3/action/package_search", json={"rows": [1], "q": "x"})
    assert response.status_code == 409
    assert envelope(response)["error"]["rows"] == ["Invalid integer"]
    response = client.post("/api/3/action/package_search", json={"q": {"a": 1}})
    assert envelope(response)["error"]["q"] == ["Must be a string"]


@pytest.mark.parametrize(
    "fq", ["a AND (b", "nosuchfield:x", "metadata_modified:[yesterday TO *]", "name:/re/"]
)
def test_a_malformed_query_is_a_search_query_error(client: FlaskClient, fq: str) -> None:
    response = client.get("/api/3/action/package_search", query_string={"fq": fq})
    assert response.status_code == 400
    error = envelope(response)["error"]
    assert error["__type"] == "Search Query Error"
    assert error["message"].startswith("Search Query is invalid: ")


def test_a_bad_sort_is_a_search_query_error(client: FlaskClient) -> None:
    response = client.get("/api/3/action/package_search?sort=popularity%20desc")
    assert response.status_code == 400
    assert "sort" in envelope(response)["error"]["message"]


def test_missing_ids_are_validation_errors(client: FlaskClient) -> None:
    response = client.get("/api/3/action/package_show")
    assert response.status_code == 409
    assert envelope(response)["error"] == {
        "name_or_id": ["Missing value"],
        "__type": "Validation Error",
    }


def test_a_body_that_is_not_a_json_object_is_a_json_error(client: FlaskClient) -> None:
    response = client.post(
        "/api/3/action/package_search", data="[1, 2]", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json().startswith("Bad request: JSON Error: ")


def test_malformed_json_refused_before_the_view_keeps_ckans_shape(client: FlaskClient) -> None:
    response = client.post(
        "/api/3/action/package_search", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json().startswith("Bad request: JSON Error: ")
    nul = client.post("/api/3/action/package_search", json={"q": "a\u0000b"})
    assert nul.status_code == 409
    assert envelope(nul)["error"]["__type"] == "Validation Error"
    assert set(envelope(nul)["error"]) == {"q", "__type"}
    huge = client.get("/api/3/action/package_list?limit=96850882202578441994240")
    assert envelope(huge)["error"] == {"limit": ["Invalid integer"], "__type": "Validation Error"}


def test_a_form_post_and_a_json_key_form_are_read(client: FlaskClient) -> None:
    response = client.post("/api/3/action/package_search", data={"rows": "abc"})
    assert envelope(response)["error"]["rows"] == ["Invalid integer"]
    response = client.post("/api/3/action/package_search", data={json.dumps({"rows": "x"}): ""})
    assert envelope(response)["error"]["rows"] == ["Invalid integer"]


def test_a_database_that_does_not_answer_keeps_ckans_shape(client: FlaskClient) -> None:
    # The unit app's token check reaches an address where no PostgreSQL answers.
    response = client.get("/api/3/action/status_show", headers={"X-CKAN-API-Key": "a-token"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    error = envelope(response)["error"]
    assert error["__type"] == "Service Unavailable"
    assert "password" not in error["message"] and "127.0.0.1" not in error["message"]


def test_status_show_and_site_read_need_no_database(client: FlaskClient) -> None:
    status = client.get("/api/3/action/status_show").get_json()
    assert status["success"] is True
    assert status["result"]["ckan_version"] == "2.12.0"
    assert client.get("/api/action/site_read").get_json()["result"] is True
    licences = client.get("/api/3/action/license_list").get_json()["result"]
    assert {"etalab-2.0", "ODbL-1.0"} <= {licence["id"] for licence in licences}


def test_facade_paths_and_credentials(app: Any) -> None:
    assert is_action_path("/api/3/action/package_show")
    assert is_action_path("/api/action/package_show")
    assert is_action_path("/api/3")
    assert not is_action_path("/api/v1/datasets")
    assert not is_action_path("/api/30")
    cases = {
        (("Authorization", "Bearer abc"),): "abc",
        (("Authorization", "abc"),): "abc",
        (("X-CKAN-API-Key", "key"), ("Authorization", "other")): "key",
        (("Authorization", "Basic xyz"),): None,
        (): None,
    }
    for headers, expected in cases.items():
        with app.test_request_context("/api/3/action/x", headers=list(headers)):
            assert ckan_credentials() == expected


def test_the_openapi_document_describes_the_facade(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    search = paths["/api/3/action/package_search"]
    assert set(search) == {"get", "post"}
    assert {"q", "fq", "rows", "start", "sort", "facet.field"} <= {
        parameter["name"] for parameter in search["get"]["parameters"]
    }
    assert set(paths["/api/3/action/package_create"]) == {"post"}
    assert (
        "civic_sync_status"
        in (paths["/api/3/action/package_create"]["post"]["responses"]["200"]["description"])
    )
    assert "/api/3" in paths
    schemas = document["components"]["schemas"]
    assert "__type" in schemas["CkanError"]["properties"]
    assert "ckan_api_key" in document["components"]["securitySchemes"]
    assert any(tag["name"] == "ckan" for tag in document["tags"])


def test_an_apps_facade_limit_is_its_plans_scaled() -> None:
    assert scaled_limit("600/minute;50000/day", 20) == "12000/minute;1000000/day"
    assert scaled_limit("10 per minute", 3) == "30 per minute"
