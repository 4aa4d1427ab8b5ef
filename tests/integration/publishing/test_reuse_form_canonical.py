"""One reuse per canonical URL through the web form (issue 18): a variant of a declared
reuse's address answers 409, the field's error and the existing reuse's Location."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from tests.integration.publishing.helpers import Person
from tests.integration.publishing.test_pages import CSRF, logged_in, publisher

pytestmark = pytest.mark.integration
__all__ = ["publisher"]  # the fixture, shared with test_pages


def test_the_reuse_form_refuses_a_variant_of_a_declared_address(
    client: FlaskClient, publisher: Person
) -> None:
    logged_in(client, publisher)
    dataset = client.get("/api/v1/datasets?q=bus").json["results"][0]["name"]  # type: ignore[index]
    form = client.get("/portal/reuses/new").get_data(as_text=True)
    fields = {
        "csrf_token": CSRF.search(form).group(1),  # type: ignore[union-attr]
        "title": "Carte des bus",
        "url": "https://carte-bus.example.org/lignes",
        "type": "application",
        "topic": "transport",
        "purpose": "general_interest",
        "datasets": dataset,
        "owner": "me",
        "actor_type": "citizen",
    }
    declared = client.post("/portal/reuses/new", data=fields)
    assert declared.status_code == 302, declared.get_data(as_text=True)
    existing = declared.headers["Location"]
    again = client.post(
        "/portal/reuses/new",
        data={**fields, "url": "http://CARTE-BUS.example.org:80/lignes/?utm_source=x#haut"},
    )
    assert again.status_code == 409
    assert again.headers["Location"] == existing
    text = again.get_data(as_text=True)
    assert "Another reuse has this address already." in text
    assert 'aria-describedby="err-url"' in text
