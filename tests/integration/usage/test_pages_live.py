"""The usage and reuse pages on the live gateway: charts for the app's owner and the
publisher, refusals for others, the reuse list and page."""

from __future__ import annotations

import re

import pytest
import requests
from tests.integration.identity import logged_in
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import (
    app_client,
    eventually,
    mirror_dataset,
    unique,
)

pytestmark = pytest.mark.integration


def test_owners_and_publishers_see_usage_pages_and_others_do_not(stack: RunningStack) -> None:
    gateway = stack.gateway_url
    organization = unique("org")
    publisher = app_client(stack, role="publisher", organization=organization)
    dataset = mirror_dataset(stack, organization)
    app = app_client(stack, actor_type="research")
    requests.get(f"{gateway}/api/v1/datasets/{dataset.name}", headers=app.headers, timeout=10)
    reuse = requests.post(
        f"{gateway}/api/v1/reuses",
        headers=app.headers,
        json={
            "title": "Étude des trajets",
            "url": f"https://lab.example.org/{unique('paper')}",
            "type": "paper",
            "topic": "transport",
            "purpose": "non_commercial",
            "datasets": [dataset.name],
        },
        timeout=10,
    ).json()

    owner = logged_in(stack, app.owner)
    page = eventually(
        lambda: (
            answer
            if (
                answer := owner.get(f"{gateway}/portal/apps/{app.client_id}/usage", timeout=10)
            ).status_code
            == 200
            and dataset.name in answer.text
            else None
        )
    )
    assert "<svg" in page.text
    calls = re.search(r'id="total-calls">(\d+)<', page.text)
    assert calls and int(calls.group(1)) >= 1
    stranger = logged_in(stack, app_client(stack).owner)
    refused = stranger.get(f"{gateway}/portal/apps/{app.client_id}/usage", timeout=10)
    assert refused.status_code == 403

    publisher_page = logged_in(stack, publisher.owner).get(
        f"{gateway}/publisher/organizations/{organization}/usage", timeout=10
    )
    assert publisher_page.status_code == 200
    assert "Étude des trajets" in publisher_page.text
    assert "Research or education" in publisher_page.text and "<svg" in publisher_page.text
    assert (
        stranger.get(f"{gateway}/publisher/organizations/{organization}/usage", timeout=10)
    ).status_code == 403

    listing = requests.get(f"{gateway}/reuses", params={"dataset": dataset.name}, timeout=10)
    assert listing.status_code == 200 and "Étude des trajets" in listing.text
    detail = requests.get(f"{gateway}/reuses/{reuse['id']}", timeout=10)
    assert detail.status_code == 200 and dataset.name in detail.text
    assert requests.get(f"{gateway}/reuses/not-a-uuid", timeout=10).status_code == 404
