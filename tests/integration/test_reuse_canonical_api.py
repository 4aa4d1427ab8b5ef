"""One reuse per canonical URL through the API door (issue 18), against the live gateway.

The issue's eight variants of one address (host case, trailing slash, fragment,
tracking parameter, http, default port, NFD, punycode) are each refused with 409
problem+json naming the existing reuse (``location`` and ``Location``), by another
app as by the same one; so is moving another reuse onto a variant (PATCH).
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import app_client, mirror_dataset, unique

pytestmark = pytest.mark.integration


def _body(dataset: str, url: str) -> dict[str, Any]:
    return {
        "title": "Une carte",
        "url": url,
        "type": "visualization",
        "topic": "health",
        "purpose": "general_interest",
        "datasets": [dataset],
    }


def test_a_reuse_declared_again_under_a_variant_of_its_url_is_a_409_naming_it(
    stack: RunningStack,
) -> None:
    gateway = stack.gateway_url
    organization = unique("org")
    dataset = mirror_dataset(stack, organization)
    first, second = app_client(stack), app_client(stack, actor_type="company_large")
    path = unique("carte-santé")
    base = f"https://réutilisation-{path[-8:]}.example.fr/{path}"
    declared = requests.post(
        f"{gateway}/api/v1/reuses",
        headers=first.headers,
        json=_body(dataset.name, base),
        timeout=10,
    )
    assert declared.status_code == 201, declared.text
    location = declared.headers["Location"]
    host = base.split("/")[2]
    variants = [
        base.replace(host, host.upper()),
        base + "/",
        base + "#x",
        base + "?utm=1",
        base.replace("https:", "http:"),
        base.replace(host, host + ":443"),
        unicodedata.normalize("NFD", base),
        base.replace(host, host.encode("idna").decode("ascii")),
    ]
    for variant in variants:
        for client in (first, second):
            again = requests.post(
                f"{gateway}/api/v1/reuses",
                headers=client.headers,
                json=_body(dataset.name, variant),
                timeout=10,
            )
            assert again.status_code == 409, (variant, again.text)
            assert again.headers["Content-Type"].startswith("application/problem+json")
            assert again.json()["location"] == location
            assert again.headers["Location"] == location
    other = requests.post(
        f"{gateway}/api/v1/reuses",
        headers=second.headers,
        json=_body(dataset.name, f"https://{unique('other')}.example.fr/"),
        timeout=10,
    )
    assert other.status_code == 201, other.text
    moved = requests.patch(
        urljoin(gateway + "/", other.headers["Location"]),
        headers=second.headers,
        json={"url": variants[3]},
        timeout=10,
    )
    assert moved.status_code == 409, moved.text
    assert moved.json()["location"] == location
    listed = requests.get(
        f"{gateway}/api/v1/reuses", params={"dataset": dataset.name}, timeout=10
    ).json()
    assert listed["total"] == 2
