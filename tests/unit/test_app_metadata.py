"""App metadata rules (RFC 7591 + RFC 9700 + RFC 8252), shared by the API, portal and CLI."""

from __future__ import annotations

from typing import Any

import pytest

from civic.services.apps.errors import InvalidAppMetadata, InvalidRedirectUri
from civic.services.apps.metadata import check_redirect_uri, parse_metadata
from civic.services.apps.models import ActorType

BASE = {"client_name": "Bike map", "actor_type": "association"}


def parse(**fields: Any) -> Any:
    return parse_metadata({**BASE, "redirect_uris": ["https://bikes.example/cb"], **fields})


def test_defaults_are_a_confidential_code_flow_client() -> None:
    metadata = parse()
    assert metadata.grant_types == ("authorization_code",)
    assert metadata.response_types == ("code",)
    assert metadata.token_endpoint_auth_method == "client_secret_basic"
    assert metadata.actor_type is ActorType.ASSOCIATION
    assert metadata.scope == ""
    assert not metadata.is_public


def test_scopes_are_normalized_in_catalog_order() -> None:
    assert parse(scope="usage:read datasets:write usage:read").scope == "datasets:write usage:read"


@pytest.mark.parametrize(
    "uri",
    [
        "https://bikes.example/cb",
        "https://bikes.example:8443/cb?x=1",
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "http://localhost:3000/cb",
        "org.example.bikes:/oauth",
    ],
)
def test_allowed_redirect_uris(uri: str) -> None:
    assert check_redirect_uri(uri) == uri


@pytest.mark.parametrize(
    "uri",
    [
        "http://bikes.example/cb",
        "https://bikes.example/cb#fragment",
        "https://*.bikes.example/cb",
        "https://user:pw@bikes.example/cb",
        "javascript:alert(1)",
        "bikes:/cb",
        "/relative/cb",
        "https:///no-host",
        "https://bikes.example:99999/cb",
        "",
    ],
)
def test_refused_redirect_uris(uri: str) -> None:
    with pytest.raises(InvalidRedirectUri):
        check_redirect_uri(uri)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"actor_type": "galactic_empire"}, "actor_type"),
        ({"actor_type": None}, "actor_type"),
        ({"client_name": "  "}, "client_name"),
        ({"scope": "datasets:write everything"}, "scope"),
        ({"scope": ["datasets:write"]}, "scope"),
        ({"grant_types": ["implicit"]}, "grant_types"),
        ({"grant_types": ["password"]}, "grant_types"),
        ({"grant_types": ["refresh_token"]}, "grant_types"),
        ({"grant_types": []}, "grant_types"),
        ({"grant_types": "authorization_code"}, "grant_types"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "token_endpoint_auth_method"),
        (
            {"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]},
            "grant_types",
        ),
        ({"response_types": ["token"]}, "response_types"),
        ({"client_uri": "http://bikes.example"}, "client_uri"),
        ({"contacts": ["not an email"]}, "contacts"),
        ({"territory": "75 056"}, "territory"),
        ({"redirect_uris": []}, "redirect_uris"),
    ],
)
def test_refused_metadata_names_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidAppMetadata) as caught:
        parse(**fields)
    assert caught.value.field == field
    assert str(caught.value)


def test_a_client_credentials_app_needs_no_redirect_uri() -> None:
    metadata = parse_metadata(
        {**BASE, "grant_types": ["client_credentials"], "scope": "usage:read"}
    )
    assert metadata.redirect_uris == ()
    assert metadata.response_types == ()


def test_as_dict_uses_rfc7591_names_and_our_fields() -> None:
    shown = parse(territory="2A004", organization_name="Vélo 2A").as_dict()
    assert shown["actor_type"] == "association"
    assert shown["territory"] == "2A004"
    assert shown["redirect_uris"] == ["https://bikes.example/cb"]
    assert "client_uri" not in shown
