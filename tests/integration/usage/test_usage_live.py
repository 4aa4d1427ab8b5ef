"""Usage, reuses and notifications against the live gateway (2 gunicorn workers).

- An app's calls and downloads show up in its own analytics and in the publisher's.
- An app cannot read another app's usage.
- A reuse declared by an app is listed for its dataset and triggers a signed webhook.
- Administrators moderate reuses with a recorded reason.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import (
    Client,
    app_client,
    civic_command,
    eventually,
    mirror_dataset,
    query_rows,
    unique,
    webhook_receiver,
)

from civic.connectors.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

pytestmark = pytest.mark.integration


def usage_of(stack: RunningStack, client: Client, client_id: str, **params: str) -> Any:
    return requests.get(
        f"{stack.gateway_url}/api/v1/usage/apps/{client_id}",
        headers=client.headers,
        params=params,
        timeout=10,
    )


def test_calls_and_downloads_show_in_the_app_and_publisher_analytics(
    stack: RunningStack,
) -> None:
    gateway = stack.gateway_url
    organization = unique("org")
    publisher = app_client(
        stack,
        role="publisher",
        organization=organization,
        actor_type="public_local",
        scope="datasets:write usage:read",
    )
    dataset = mirror_dataset(stack, organization)
    app = app_client(stack, actor_type="company_small")

    for _ in range(3):
        assert (
            requests.get(
                f"{gateway}/api/v1/datasets/{dataset.name}", headers=app.headers, timeout=10
            ).status_code
            == 200
        )
    download = requests.get(
        f"{gateway}/api/v1/datasets/{dataset.name}/resources/{dataset.resource_id}/download",
        headers=app.headers,
        allow_redirects=False,
        timeout=10,
    )
    assert download.status_code == 302
    assert download.headers["Location"] == dataset.resource_url
    missing = requests.get(
        f"{gateway}/api/v1/datasets/{dataset.name}/resources/{unique('x')}/download",
        headers=app.headers,
        allow_redirects=False,
        timeout=10,
    )
    assert missing.status_code == 404
    anonymous = requests.get(f"{gateway}/api/v1/datasets/{dataset.name}", timeout=10)
    assert anonymous.status_code == 200

    def app_report() -> Any:
        report = usage_of(stack, app, app.client_id).json()
        by_dataset = {row["dataset"]: row for row in report["datasets"]}
        row = by_dataset.get(dataset.name)
        # Each gateway worker flushes its own events: wait for all of them, then check
        # the exact counts (a duplicate would overshoot).
        return report if row and row["calls"] >= 3 and row["downloads"] >= 2 else None

    report = eventually(app_report)
    assert report["app"] == {
        "client_id": app.client_id,
        "client_name": report["app"]["client_name"],
        "actor_type": "company_small",
    }
    row = {r["dataset"]: r for r in report["datasets"]}[dataset.name]
    assert (row["calls"], row["downloads"]) == (3, 2)  # a failed download counts, as an error
    assert row["errors"] == 1
    assert report["totals"]["errors"] == 1
    assert report["totals"]["latency_ms"]["p50"] is not None
    today = report["period"]["end"]
    assert {day["day"]: day for day in report["days"]}[today]["calls"] >= 3
    assert report["quota"]["calls_today"] >= 5
    assert report["quota"]["plan"] == "standard"

    exported = usage_of(stack, app, app.client_id, format="csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {(r["dataset"], r["kind"]) for r in rows} >= {
        (dataset.name, "api_call"),
        (dataset.name, "download"),
    }

    def publisher_report() -> Any:
        answer = requests.get(
            f"{gateway}/api/v1/usage/organizations/{organization}",
            headers=publisher.headers,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        document = answer.json()
        rows = {row["dataset"]: row for row in document["datasets"]}
        row = rows.get(dataset.name)
        return document if row and row["calls"] >= 4 and row["downloads"] >= 2 else None

    document = eventually(publisher_report)
    users = {row["client_id"]: row for row in document["apps"]}
    assert users[app.client_id]["actor_type"] == "company_small"
    assert (users[app.client_id]["calls"], users[app.client_id]["downloads"]) == (3, 2)
    assert users[None]["client_name"] == "anonymous"
    actor_types = {row["actor_type"]: row for row in document["actor_types"]}
    assert actor_types["company_small"]["downloads"] == 2
    assert {row["dataset"]: row for row in document["datasets"]}[dataset.name]["apps"] == 1

    # The events carry no address, only a hash; the route template, not the path.
    stored = query_rows(
        stack,
        "SELECT route, ip_hash, kind FROM usage_events WHERE dataset_name = %(name)s",
        {"name": dataset.name},
    )
    assert {route for route, _, _ in stored} >= {
        "/api/v1/datasets/<name>",
        "/api/v1/datasets/<name>/resources/<resource_id>/download",
    }
    assert all(ip_hash and "127.0.0.1" not in ip_hash for _, ip_hash, _ in stored)

    # Rolling up changes no figure (the same events, counted once).
    civic_command(stack, "usage", "rollup")
    assert usage_of(stack, app, app.client_id).json()["datasets"] == report["datasets"]


def test_an_app_cannot_read_another_apps_usage(stack: RunningStack) -> None:
    mine = app_client(stack)
    other = app_client(stack)
    refused = usage_of(stack, other, mine.client_id)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "own usage" in refused.json()["detail"]
    assert usage_of(stack, mine, mine.client_id).status_code == 200
    anonymous = requests.get(f"{stack.gateway_url}/api/v1/usage/apps/{mine.client_id}", timeout=10)
    assert anonymous.status_code == 401
    outsider = app_client(stack, role="publisher", organization=unique("org"))
    foreign = requests.get(
        f"{stack.gateway_url}/api/v1/usage/organizations/{unique('nowhere')}",
        headers=outsider.headers,
        timeout=10,
    )
    assert foreign.status_code == 404


def test_a_declared_reuse_is_listed_and_signed_webhook_is_delivered(
    stack: RunningStack,
) -> None:
    gateway = stack.gateway_url
    organization = unique("org")
    publisher = app_client(
        stack,
        role="publisher",
        organization=organization,
        actor_type="public_local",
        scope="datasets:write usage:read reuses:write",
    )
    dataset = mirror_dataset(stack, organization)
    app = app_client(stack, actor_type="association")

    with webhook_receiver(503) as receiver:  # the first attempt fails: retried
        added = requests.post(
            f"{gateway}/api/v1/webhooks",
            headers=publisher.headers,
            json={"organization": organization, "url": receiver.url},
            timeout=10,
        )
        assert added.status_code == 201, added.text
        webhook = added.json()
        secret = webhook["secret"]
        assert secret.startswith("whsec_")
        listed = requests.get(
            f"{gateway}/api/v1/webhooks",
            headers=publisher.headers,
            params={"organization": organization},
            timeout=10,
        ).json()
        assert [w["id"] for w in listed["results"]] == [webhook["id"]]
        assert "secret" not in listed["results"][0]
        # Another app may not see, nor add, this organization's webhooks.
        assert (
            requests.get(
                f"{gateway}/api/v1/webhooks",
                headers=app.headers,
                params={"organization": organization},
                timeout=10,
            ).status_code
            == 403
        )

        declared = requests.post(
            f"{gateway}/api/v1/reuses",
            headers=app.headers,
            json={
                "title": "Carte des arrêts",
                "description": "Une carte interactive.",
                "url": f"https://reuses.example.org/{unique('map')}",
                "type": "visualization",
                "topic": "transport",
                "purpose": "general_interest",
                "datasets": [dataset.name],
            },
            timeout=10,
        )
        assert declared.status_code == 201, declared.text
        reuse = declared.json()
        assert reuse["owner"]["actor_type"] == "association"
        assert reuse["owner"]["app"]["client_id"] == app.client_id
        assert declared.headers["Location"].endswith(f"/api/v1/reuses/{reuse['id']}")

        again = requests.post(
            f"{gateway}/api/v1/reuses",
            headers=app.headers,
            json={**_body(dataset.name), "url": reuse["url"]},
            timeout=10,
        )
        assert again.status_code == 409
        unknown = requests.post(
            f"{gateway}/api/v1/reuses",
            headers=app.headers,
            json={**_body("no-such-dataset"), "topic": "astrology"},
            timeout=10,
        )
        assert unknown.status_code == 422
        assert {e["pointer"] for e in unknown.json()["errors"]} == {"#/topic", "#/datasets/0"}

        listed_reuses = requests.get(
            f"{gateway}/api/v1/reuses", params={"dataset": dataset.name}, timeout=10
        ).json()
        assert [r["id"] for r in listed_reuses["results"]] == [reuse["id"]]
        assert listed_reuses["facets"]["actor_type"] == [{"value": "association", "count": 1}]

        # The first attempt answers 503; the retry (after retry_base = 1 s) delivers.
        civic_command(stack, "usage", "worker", "--once")

        def delivered() -> Any:
            civic_command(stack, "usage", "worker", "--once")
            log = requests.get(
                f"{gateway}/api/v1/webhooks/{webhook['id']}/deliveries",
                headers=publisher.headers,
                timeout=10,
            ).json()["results"]
            return log if log and log[0]["status"] == "delivered" else None

        log = eventually(delivered, timeout=20, every=0.5)
        assert [attempt["status_code"] for attempt in log[0]["log"]] == [503, 204]
        assert len(receiver.received) == 2
        post = receiver.received[-1]
        assert post.path == "/hooks/civic"
        assert verify(
            secret, post.body, post.headers[TIMESTAMP_HEADER], post.headers[SIGNATURE_HEADER]
        )
        assert not verify(
            "whsec_wrong", post.body, post.headers[TIMESTAMP_HEADER], post.headers[SIGNATURE_HEADER]
        )
        payload = json.loads(post.body)
        assert payload["event"] == "reuse.declared"
        assert payload["organization"] == organization
        assert payload["datasets"] == [dataset.name]
        assert payload["reuse"]["id"] == reuse["id"]
        assert payload["reuse"]["owner"]["actor_type"] == "association"
        assert post.headers["Civic-Webhook-Id"] == payload["id"] == log[0]["id"]
        assert post.headers["User-Agent"].startswith("civic-platform")

    # The organization's Atom feed lists the reuse.
    feed = requests.get(f"{gateway}/feeds/organizations/{organization}.atom", timeout=10)
    assert feed.status_code == 200
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)  # noqa: S314 - our own gateway's feed
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert [entry.findtext("{http://www.w3.org/2005/Atom}title") for entry in entries] == [
        "Carte des arrêts"
    ]

    # The publisher's report names the reuse and its actor type.
    report = requests.get(
        f"{gateway}/api/v1/usage/organizations/{organization}",
        headers=publisher.headers,
        timeout=10,
    ).json()
    assert [r["id"] for r in report["reuses"]] == [reuse["id"]]
    assert report["totals"]["reuses"] == 1


def test_administrators_moderate_reuses_with_a_recorded_reason(stack: RunningStack) -> None:
    gateway = stack.gateway_url
    dataset = mirror_dataset(stack, unique("org"))
    app = app_client(stack, actor_type="citizen")
    admin = app_client(stack, role="admin", actor_type="public_national", scope="admin")
    reuse = requests.post(
        f"{gateway}/api/v1/reuses", headers=app.headers, json=_body(dataset.name), timeout=10
    ).json()
    moderation = f"{gateway}/api/v1/reuses/{reuse['id']}/moderation"

    refused = requests.post(
        moderation, headers=app.headers, json={"action": "flag", "reason": "spam"}, timeout=10
    )
    assert refused.status_code == 403
    flagged = requests.post(
        moderation, headers=admin.headers, json={"action": "flag", "reason": "spam"}, timeout=10
    )
    assert flagged.status_code == 200, flagged.text
    assert flagged.json()["reuse"]["state"] == "flagged"
    public = requests.get(f"{gateway}/api/v1/reuses", params={"dataset": dataset.name}, timeout=10)
    assert public.json()["total"] == 0
    assert requests.get(f"{gateway}/api/v1/reuses/{reuse['id']}", timeout=10).status_code == 404
    # Its owner still sees it, and why.
    own = requests.get(moderation, headers=app.headers, timeout=10).json()
    assert own["reuse"]["state_reason"] == "spam"
    assert [(h["action"], h["reason"]) for h in own["history"]] == [("flag", "spam")]

    again = requests.post(
        moderation, headers=admin.headers, json={"action": "flag", "reason": "twice"}, timeout=10
    )
    assert again.status_code == 409
    restored = requests.post(
        moderation,
        headers=admin.headers,
        json={"action": "restore", "reason": "checked: a real map"},
        timeout=10,
    ).json()
    assert restored["reuse"]["state"] == "published"
    assert [h["to_state"] for h in restored["history"]] == ["flagged", "published"]
    stored = query_rows(
        stack,
        "SELECT action::text, reason FROM reuse_moderation_events WHERE reuse_id = %(id)s"
        " ORDER BY id",
        {"id": reuse["id"]},
    )
    assert stored == [("flag", "spam"), ("restore", "checked: a real map")]


def _body(dataset: str) -> dict[str, Any]:
    return {
        "title": "Un outil",
        "url": f"https://reuses.example.org/{unique('tool')}",
        "type": "application",
        "topic": "health",
        "purpose": "non_commercial",
        "datasets": [dataset],
    }


def test_private_webhook_targets_are_refused_unless_configured(stack: RunningStack) -> None:
    # The stack's test settings allow loopback receivers; production settings do not.
    # An app built here with the production rule, on the stack's database:
    from civic.platform.app import create_app  # noqa: PLC0415 - only this test builds one
    from civic.platform.wiring import current_bootstrap  # noqa: PLC0415

    organization = unique("org")
    publisher = app_client(
        stack,
        role="publisher",
        organization=organization,
        actor_type="public_local",
        scope="datasets:write usage:read",
    )
    app = create_app(
        {
            "env": "test",
            "database_url": stack.database_url,
            "redis_url": stack.redis_url,
            "ckan_url": stack.ckan_url,
            "ratelimit_storage_url": "memory://",
            "webhook_allow_private_targets": False,
            "usage_tracking": False,
        }
    )
    try:
        _refused_targets(app.test_client(), publisher, organization)
    finally:
        with app.app_context():
            current_bootstrap().close()


def _refused_targets(client: FlaskClient, publisher: Client, organization: str) -> None:
    for target in (
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "http://localhost/hook",
        "ftp://hooks.example.org/",
    ):
        answer = client.post(
            "/api/v1/webhooks",
            headers=publisher.headers,
            json={"organization": organization, "url": target},
        )
        assert answer.status_code == 422, (target, answer.get_json())
        assert answer.mimetype == "application/problem+json"
        assert [e["pointer"] for e in answer.get_json()["errors"]] == ["#/url"], target
