"""Attacks on the catalog found from outside the suite (issue 14), each named after itself.

- control characters stored in a title, then the Atom feed and the RDF/XML catalog no
  longer well-formed XML;
- a name one organization withdrew, published by another, so the old page, DCAT IRI
  and reuses describe someone else's data;
- identical creates sent at once, answered with 500s from the unique index.
"""

from __future__ import annotations

import json
import uuid
import xml.dom.minidom
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.integration.publishing.helpers import body
from tests.resilience.roles import ADMIN, PUBLISHER_A, PUBLISHER_B, Roles, publish

pytestmark = [pytest.mark.integration, pytest.mark.resilience]

# XML 1.0 cannot carry these; JSON's \u escapes can (a lone surrogate too).
NOT_TEXT = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\ufffe", "\ud800"]


def _json_with(value: dict[str, Any]) -> bytes:
    # ensure_ascii keeps a lone surrogate as the escape \ud800, as an attacker sends it.
    return json.dumps(value, ensure_ascii=True).encode()


@pytest.mark.parametrize("char", NOT_TEXT, ids=[f"U+{ord(c):04X}" for c in NOT_TEXT])
def test_control_characters_in_a_dataset_title_are_refused_not_stored(
    roles: Roles, char: str
) -> None:
    sent = body(organization=roles.org_a, title=f"Qualité{char}de l'eau")
    answer = roles.call(
        PUBLISHER_A,
        "POST",
        "/api/v1/datasets",
        data=_json_with(sent),
        headers={"Content-Type": "application/json", "Prefer": "respond-async"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    pointers = [error["pointer"] for error in answer.json()["errors"]]
    assert "#/title" in pointers, answer.text
    assert roles.call(PUBLISHER_A, "GET", f"/api/v1/datasets/{sent['name']}").status_code == 404


@pytest.mark.parametrize("char", ["\x0c", "\ud800"], ids=["U+000C", "U+D800"])
def test_control_characters_in_a_reuse_title_are_refused_not_stored(
    roles: Roles, char: str
) -> None:
    reuse = {
        "title": f"Carte{char}interactive",
        "url": f"https://reuse.example/{uuid.uuid4().hex}",
        "type": "application",
        "topic": "health",
        "purpose": "general_interest",
        "datasets": [roles.dataset_a],
    }
    answer = roles.call(
        PUBLISHER_A,
        "POST",
        "/api/v1/reuses",
        data=_json_with(reuse),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert "not text" in answer.text


def test_atom_feed_and_rdf_xml_catalog_stay_well_formed(roles: Roles) -> None:
    # What the attack broke: after it is refused, both documents still parse as XML.
    feed = roles.call(PUBLISHER_A, "GET", f"/feeds/organizations/{roles.org_a}.atom")
    assert feed.status_code == 200
    xml.dom.minidom.parseString(feed.content)  # noqa: S318 - our own answer
    catalog = roles.call(PUBLISHER_A, "GET", "/catalog.rdf?page_size=100")
    assert catalog.status_code == 200
    xml.dom.minidom.parseString(catalog.content)  # noqa: S318 - our own answer


def test_a_name_withdrawn_by_one_organization_cannot_be_published_by_another(
    roles: Roles,
) -> None:
    withdrawn = publish(roles, PUBLISHER_A, roles.org_a)
    name = withdrawn["name"]
    gone = roles.call(PUBLISHER_A, "DELETE", f"/api/v1/datasets/{name}")
    assert gone.status_code in (202, 204), gone.text
    taken = roles.call(
        PUBLISHER_B,
        "POST",
        "/api/v1/datasets",
        json=body(name=name, organization=roles.org_b),
        headers={"Prefer": "respond-async"},
    )
    assert taken.status_code == 409, taken.text
    assert "reserved" in taken.json()["detail"]
    # Its own organization may publish it again.
    again = roles.call(
        PUBLISHER_A,
        "POST",
        "/api/v1/datasets",
        json=body(name=name, organization=roles.org_a),
        headers={"Prefer": "respond-async"},
    )
    assert again.status_code in (201, 202), again.text


def test_identical_dataset_creates_at_once_give_one_success_and_409s(roles: Roles) -> None:
    sent = body(organization=roles.org_a)

    def create(_: int) -> int:
        return roles.call(
            ADMIN, "POST", "/api/v1/datasets", json=sent, headers={"Prefer": "respond-async"}
        ).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(create, range(6)))
    assert statuses.count(409) == 5 and statuses[0] in (201, 202), statuses


def test_identical_reuses_declared_at_once_give_one_success_and_409s(roles: Roles) -> None:
    reuse = {
        "title": "Carte des écoles",
        "url": f"https://reuse.example/{uuid.uuid4().hex}",
        "type": "application",
        "topic": "education",
        "purpose": "general_interest",
        "datasets": [roles.dataset_a],
    }

    def declare(_: int) -> int:
        return roles.call(PUBLISHER_A, "POST", "/api/v1/reuses", json=reuse).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(declare, range(6)))
    assert statuses == [201, 409, 409, 409, 409, 409], statuses
