"""Publishing through the gateway to the real CKAN, and the faults it must survive.

Each test reads CKAN directly with ckanapi, as any other CKAN client would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from tests.integration.identity import sql
from tests.integration.publishing.helpers import Person, body
from tests.integration.publishing.live import (
    CIVIC,
    civic,
    ckan,
    eventually,
    other_ckan_client,
    stack_catalog,
)
from tests.integration.stack import RunningStack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def publisher(stack: RunningStack) -> Person:
    catalog = stack_catalog(stack)
    organization = f"org-{uuid.uuid4().hex[:8]}"
    catalog.organization(organization)
    person = catalog.person("publisher", (organization,))
    person.organization = organization  # type: ignore[attr-defined]
    return person


def org_of(person: Person) -> str:
    return str(person.organization)  # type: ignore[attr-defined]


def api(stack: RunningStack, method: str, path: str, person: Person, **kwargs: Any) -> Any:
    return requests.request(
        method, f"{stack.gateway_url}/api/v1{path}", headers=person.headers, timeout=30, **kwargs
    )


def mirror(stack: RunningStack, name: str) -> dict[str, Any]:
    response = requests.get(f"{stack.gateway_url}/api/v1/datasets/{name}", timeout=10)
    return response.json() if response.status_code == 200 else {}


def test_published_dataset_is_in_ckan_with_the_same_metadata_update_and_delete_too(
    stack: RunningStack, publisher: Person
) -> None:
    sent = body(organization=org_of(publisher))
    created = api(stack, "POST", "/datasets", publisher, json=sent)
    assert created.status_code == 201, created.text
    assert created.json()["sync_status"] == "synced"
    package = ckan(stack).action.package_show(id=sent["name"])
    assert package["id"] == created.json()["ckan_id"]
    assert package["title"] == sent["title"]
    assert package["notes"] == sent["description"]
    assert package["license_id"] == sent["license"]
    assert package["organization"]["name"] == org_of(publisher)
    assert sorted(tag["name"] for tag in package["tags"]) == sorted(sent["tags"])
    assert package["maintainer"] == sent["contact_point"]["name"]
    assert package["maintainer_email"] == sent["contact_point"]["email"]
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    assert extras["frequency"] == "MONTHLY"
    assert extras["temporal_start"] == "2024-01-01"
    assert extras["spatial_uri"] == sent["spatial"]
    [resource] = package["resources"]
    expected = sent["resources"][0]
    assert resource["url"] == expected["url"]
    assert resource["name"] == expected["name"]
    assert resource["format"] == "CSV"
    assert resource["mimetype"] == expected["media_type"]
    assert int(resource["size"]) == expected["size"]
    assert resource["hash"] == expected["checksum"]
    assert resource["id"] == created.json()["resources"][0]["id"]

    second = {"url": "https://data.example.org/eau.json", "format": "JSON", "name": "JSON"}
    updated = api(
        stack,
        "PUT",
        f"/datasets/{sent['name']}",
        publisher,
        json={**sent, "title": "Titre changé", "resources": [*sent["resources"], second]},
    )
    assert updated.status_code == 200, updated.text
    package = ckan(stack).action.package_show(id=sent["name"])
    assert package["title"] == "Titre changé"
    assert [r["url"] for r in package["resources"]] == [expected["url"], second["url"]]
    assert package["resources"][0]["id"] == resource["id"]  # kept resources keep their id

    deleted = api(stack, "DELETE", f"/datasets/{sent['name']}", publisher)
    assert deleted.status_code == 204
    assert ckan(stack).action.package_show(id=package["id"])["state"] == "deleted"


def test_ckan_stopped_answers_202_and_the_dataset_arrives_exactly_once_after_restart(
    stack: RunningStack, publisher: Person
) -> None:
    sent = body(organization=org_of(publisher))
    stopped = stack.run_script("down", "ckan")
    assert stopped.returncode == 0, stopped.stderr
    try:
        response = api(stack, "POST", "/datasets", publisher, json=sent)
        assert response.status_code == 202, response.text
        assert response.json()["sync_status"] == "pending"
        assert mirror(stack, sent["name"])["title"] == sent["title"]  # reads keep working
    finally:
        restarted = stack.run_script("up")
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    eventually(lambda: mirror(stack, sent["name"]).get("sync_status") == "synced", timeout=120)
    found = ckan(stack).action.package_search(q=f'name:"{sent["name"]}"', include_private=True)
    assert found["count"] == 1
    assert found["results"][0]["id"] == mirror(stack, sent["name"])["ckan_id"]


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(
    stack: RunningStack, publisher: Person, tmp_path: Path
) -> None:
    organization = org_of(publisher)
    prefix = f"kill-{uuid.uuid4().hex[:6]}"
    names = [f"{prefix}-{n:03d}" for n in range(40)]
    rows = ["name,title,description,organization,license,resource_url,resource_format"]
    rows += [
        f"{name},Jeu {name},Description {name},{organization},etalab-2.0,"
        f"https://data.example.org/{name}.csv,CSV"
        for name in names
    ]
    csv_path = tmp_path / "datasets.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    assert stack.run_script("down", "worker").returncode == 0
    try:
        published = civic(stack, "publish", str(csv_path), "--as", publisher.email)
        assert published.returncode == 0, published.stdout + published.stderr
        engine = sa.create_engine(stack.database_url, poolclass=sa.NullPool)

        def synced() -> int:
            with engine.connect() as connection:
                return int(
                    connection.scalar(
                        sa.text(
                            "SELECT count(*) FROM datasets WHERE name LIKE :p"
                            " AND sync_status = 'synced'"
                        ),
                        {"p": prefix + "%"},
                    )
                    or 0
                )

        env = civic_env(stack)
        worker = subprocess.Popen(
            [str(CIVIC), "worker", "--concurrency", "2", "--batch-size", "5", "--no-reconcile"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            eventually(lambda: synced() >= 3, timeout=60, every=0.02)
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        assert synced() < len(names), "the worker finished before it was killed"
        again = civic(stack, "worker", "--once", "--no-reconcile", timeout=300)
        assert again.returncode == 0, again.stderr
        assert synced() == len(names)
        engine.dispose()
    finally:
        assert stack.run_script("up").returncode == 0
    found = ckan(stack).action.package_search(q=f"name:{prefix}*", rows=1000, include_private=True)
    assert sorted(package["name"] for package in found["results"]) == names  # once each


def test_a_change_made_in_ckan_reaches_the_mirror(stack: RunningStack, publisher: Person) -> None:
    sent = body(organization=org_of(publisher))
    assert api(stack, "POST", "/datasets", publisher, json=sent).status_code == 201
    client = other_ckan_client(stack)
    client.action.package_patch(id=sent["name"], title="Changé dans CKAN")
    name = f"ckan-made-{uuid.uuid4().hex[:6]}"
    client.action.package_create(
        name=name,
        title="Créé dans CKAN",
        notes="Par un autre client de l'API",
        owner_org=org_of(publisher),
        license_id="CC-BY-4.0",
        resources=[{"url": "https://data.example.org/x.csv", "format": "CSV"}],
    )
    pushed = _push_enabled(stack)
    if not pushed:
        reconciled = civic(stack, "catalog", "reconcile", "--json")
        assert reconciled.returncode == 0, reconciled.stderr
    eventually(lambda: mirror(stack, sent["name"]).get("title") == "Changé dans CKAN", timeout=30)
    made = eventually(lambda: mirror(stack, name), timeout=30)
    assert made["title"] == "Créé dans CKAN"
    assert made["organization"] == org_of(publisher)
    assert made["sync_status"] == "synced"
    assert [r["format"] for r in made["resources"]] == ["CSV"]
    client.action.package_delete(id=name)
    if not pushed:
        assert civic(stack, "catalog", "reconcile").returncode == 0
    eventually(lambda: not mirror(stack, name), timeout=30)


def test_reconcile_sends_to_ckan_what_it_lacks(stack: RunningStack, publisher: Person) -> None:
    sent = body(organization=org_of(publisher))
    assert api(stack, "POST", "/datasets", publisher, json=sent).status_code == 201
    ckan(stack).action.dataset_purge(id=sent["name"])  # gone from CKAN behind our back
    result = civic(stack, "catalog", "reconcile", "--json")
    assert result.returncode == 0, result.stderr
    assert not mirror(stack, sent["name"])  # CKAN's deletion wins: withdrawn in the mirror


def test_reconcile_withdraws_a_dataset_made_private_in_ckan_whose_push_was_lost(
    stack: RunningStack, publisher: Person
) -> None:
    # The mirror is the public catalog. A dataset made private in CKAN (its UI, another
    # client) leaves it; when that push is lost, reconcile must do it, not re-publish it.
    sent = body(organization=org_of(publisher))
    assert api(stack, "POST", "/datasets", publisher, json=sent).status_code == 201
    other_ckan_client(stack).action.package_patch(id=sent["name"], private=True)
    if _push_enabled(stack):
        eventually(lambda: not mirror(stack, sent["name"]), timeout=30)
    # As if the push had never arrived: the mirror still shows it, public and synced.
    sql(
        stack,
        "UPDATE datasets SET deleted_at = NULL, sync_status = 'synced', "
        "ckan_modified = ckan_modified - interval '1 day' WHERE name = %(name)s",
        {"name": sent["name"]},
    )
    assert mirror(stack, sent["name"])["sync_status"] == "synced"
    result = civic(stack, "catalog", "reconcile", "--json")
    assert result.returncode == 0, result.stderr
    assert not mirror(stack, sent["name"])
    private = ckan(stack).action.package_show(id=sent["name"])
    assert private["private"] is True and private["state"] == "active"  # CKAN's choice stands


def civic_env(stack: RunningStack) -> dict[str, str]:
    return stack.env | {
        "CIVIC_DATABASE_URL": stack.database_url,
        "CIVIC_REDIS_URL": stack.redis_url,
        "CIVIC_CKAN_URL": stack.ckan_url,
        "CIVIC_CKAN_API_TOKEN": stack.ckan_api_token,
    }


def _push_enabled(stack: RunningStack) -> bool:
    status = requests.get(f"{stack.ckan_url}/api/3/action/status_show", timeout=10).json()
    return "civic_push" in status["result"]["extensions"]
