"""``POST /api/v1/ckan/events``: signed pushes from ckanext-civic update the mirror."""

from __future__ import annotations

import json
import time

import pytest
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, body

from civic.services.publishing.push import sign

pytestmark = pytest.mark.integration
SECRET = "push-secret"  # the app fixture's ckan_push_secret


def push(
    client: FlaskClient, event: dict[str, str], *, secret: str = SECRET, age: int = 0
) -> object:
    raw = json.dumps(event).encode()
    timestamp = str(int(time.time()) - age)
    return client.post(
        "/api/v1/ckan/events",
        data=raw,
        content_type="application/json",
        headers={"X-Civic-Timestamp": timestamp, "X-Civic-Signature": sign(secret, timestamp, raw)},
    )


def test_a_change_in_ckan_is_mirrored_and_a_deletion_withdraws(
    client: FlaskClient, catalog: Catalog, fake_ckan: FakeCkan
) -> None:
    catalog.organization("ville-a")
    admin = catalog.person("admin")
    sent = body()
    client.post("/api/v1/datasets", json=sent, headers=admin.headers)
    fake_ckan.dataset_patch(sent["name"], {"title": "Changed in CKAN"})
    answer = push(client, {"event": "changed", "id": "", "name": sent["name"]})
    assert answer.json == {"applied": "updated"}  # type: ignore[attr-defined]
    assert client.get(f"/api/v1/datasets/{sent['name']}").json["title"] == "Changed in CKAN"
    again = push(client, {"event": "changed", "id": "", "name": sent["name"]})
    assert again.json == {"applied": "unchanged"}  # type: ignore[attr-defined]
    fake_ckan.organization_upsert("ckan-only", title="Made in CKAN")
    created = fake_ckan.dataset_upsert(
        {"name": "from-ckan", "title": "From CKAN", "owner_org": "ckan-only", "notes": "n"}
    )
    assert push(client, {"event": "changed", "id": created.id, "name": "from-ckan"}).json == {  # type: ignore[attr-defined]
        "applied": "created"
    }
    shown = client.get("/api/v1/datasets/from-ckan").json
    assert (shown["organization"], shown["sync_status"]) == ("ckan-only", "synced")
    fake_ckan.dataset_delete("from-ckan")
    assert push(client, {"event": "deleted", "id": created.id, "name": "from-ckan"}).json == {  # type: ignore[attr-defined]
        "applied": "withdrawn"
    }
    assert client.get("/api/v1/datasets/from-ckan").status_code == 404


@pytest.mark.parametrize(
    ("secret", "age"), [("wrong-secret", 0), (SECRET, 3600)], ids=["bad signature", "replayed"]
)
def test_unsigned_or_old_pushes_are_refused(client: FlaskClient, secret: str, age: int) -> None:
    answer = push(client, {"event": "changed", "id": "x", "name": "x"}, secret=secret, age=age)
    assert answer.status_code == 401  # type: ignore[attr-defined]
    unsigned = client.post("/api/v1/ckan/events", json={"event": "changed", "name": "x"})
    assert unsigned.status_code == 401
