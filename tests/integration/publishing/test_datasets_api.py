"""The datasets API on the real PostgreSQL with CKAN in memory: fields, validation, sync."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, Person, body

from civic.platform.docs import DocumentedApp
from civic.services.bootstrap import Bootstrap
from civic.services.catalog.models import Dataset
from civic.services.outbox.models import OutboxMessage
from civic.services.outbox.relay import due_messages
from civic.services.publishing.worker import Worker, WorkerOptions

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


@pytest.fixture
def publisher(catalog: Catalog) -> Person:
    catalog.organization("ville-a")
    catalog.organization("region-b", "regional")
    return catalog.person("publisher", ("ville-a",))


def test_publish_answers_201_with_exactly_the_fields_and_ckan_has_it(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan
) -> None:
    sent = body()
    response = client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    assert response.status_code == 201, response.json
    answer = response.json
    assert set(answer) == set(sent) | {
        "id",
        "created",
        "modified",
        "sync_status",
        "sync_error",
        "ckan_id",
    }
    assert answer["sync_status"] == "synced"
    assert answer["ckan_id"] == answer["id"]
    assert set(answer["resources"][0]) == {
        "id",
        "url",
        "name",
        "format",
        "media_type",
        "size",
        "checksum",
    }
    for key in (
        "name",
        "title",
        "description",
        "organization",
        "license",
        "tags",
        "themes",
        "temporal",
        "spatial",
        "frequency",
        "contact_point",
    ):
        assert answer[key] == sent[key], key
    assert response.headers["Location"].endswith(f"/api/v1/datasets/{sent['name']}")
    package = fake_ckan.dataset_show(sent["name"])
    assert package.notes == sent["description"]
    assert package.license_id == "etalab-2.0"
    assert package.organization_name == "ville-a"
    assert package.maintainer_email == "eaux@ville-a.fr"
    assert package.extras["frequency"] == "MONTHLY"
    assert [r.url for r in package.resources] == [sent["resources"][0]["url"]]
    assert package.resources[0].mimetype == "text/csv"


def test_ckan_down_answers_202_pending_and_the_worker_delivers_later(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan, bootstrap: Bootstrap
) -> None:
    fake_ckan.outage = True
    sent = body()
    response = client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    assert response.status_code == 202
    assert response.json["sync_status"] == "pending"
    assert "will retry" in response.json["sync_error"]
    shown = client.get(f"/api/v1/datasets/{sent['name']}")
    assert shown.status_code == 200  # reads work from the mirror while CKAN is down
    fake_ckan.outage = False
    with bootstrap.unit_of_work() as uow:
        uow.session.execute(sa.update(OutboxMessage).values(available_at=sa.func.now()))
        uow.commit()
    Worker(
        bootstrap.engine,
        bootstrap.session_factory,
        fake_ckan,
        WorkerOptions(),  # type: ignore[attr-defined]
    ).run(once=True)
    assert client.get(f"/api/v1/datasets/{sent['name']}").json["sync_status"] == "synced"
    assert [d.name for d in fake_ckan.datasets] == [sent["name"]]


def test_ckan_validation_error_is_failed_with_ckans_message(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan
) -> None:
    fake_ckan.reject_next({"title": ["Title too exotic for CKAN"]}, methods=["dataset_upsert"])
    response = client.post("/api/v1/datasets", json=body(), headers=publisher.headers)
    assert response.status_code == 202
    assert response.json["sync_status"] == "failed"
    assert "Title too exotic for CKAN" in response.json["sync_error"]


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"name": "Not A Slug"}, "#/name"),
        ({"title": ""}, "#/title"),
        ({"license": "proprietary"}, "#/license"),
        ({"themes": ["NOPE"]}, "#/themes"),
        ({"frequency": "sometimes"}, "#/frequency"),
        ({"temporal": {"start": "2024-02-01", "end": "2024-01-01"}}, "#/temporal"),
        ({"resources": [{"url": "ftp://x"}]}, "#/resources/0/url"),
        ({"resources": [{"url": "https://x.fr/a", "size": -1}]}, "#/resources/0/size"),
        ({"contact_point": {"name": "x"}}, "#/contact_point"),
        ({"unknown": 1}, "#/unknown"),
    ],
)
def test_field_level_problems(
    client: FlaskClient, publisher: Person, changes: dict[str, object], pointer: str
) -> None:
    response = client.post("/api/v1/datasets", json=body(**changes), headers=publisher.headers)
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM
    assert pointer in [error["pointer"] for error in response.json["errors"]]


def test_update_patch_delete_reach_ckan(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan
) -> None:
    sent = body()
    url = f"/api/v1/datasets/{sent['name']}"
    client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    replaced = client.put(url, json={**sent, "title": "Nouveau titre"}, headers=publisher.headers)
    assert replaced.status_code == 200
    assert fake_ckan.dataset_show(sent["name"]).title == "Nouveau titre"
    patched = client.patch(url, json={"tags": ["eau"]}, headers=publisher.headers)
    assert patched.status_code == 200
    assert patched.json["title"] == "Nouveau titre"
    assert fake_ckan.dataset_show(sent["name"]).tags == ("eau",)
    same = client.put(
        url, json={**sent, "title": "Nouveau titre", "tags": ["eau"]}, headers=publisher.headers
    )
    assert same.status_code == 200
    deleted = client.delete(url, headers=publisher.headers)
    assert deleted.status_code == 204
    assert fake_ckan.dataset_show(sent["name"]).state == "deleted"
    assert client.get(url).status_code == 404
    again = client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    assert again.status_code == 201  # a withdrawn name may be published again


def test_resources_endpoints(client: FlaskClient, publisher: Person, fake_ckan: FakeCkan) -> None:
    sent = body(resources=[])
    url = f"/api/v1/datasets/{sent['name']}/resources"
    client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    added = client.post(
        url, json={"url": "https://x.fr/a.json", "format": "json"}, headers=publisher.headers
    )
    assert added.status_code == 201
    resource = added.json["resources"][0]
    assert resource["format"] == "JSON"
    changed = client.put(
        f"{url}/{resource['id']}", json={"url": "https://x.fr/b.json"}, headers=publisher.headers
    )
    assert changed.status_code == 200
    assert [r.url for r in fake_ckan.dataset_show(sent["name"]).resources] == [
        "https://x.fr/b.json"
    ]
    assert client.get(url).json[0]["id"] == resource["id"]
    removed = client.delete(f"{url}/{resource['id']}", headers=publisher.headers)
    assert removed.status_code == 200
    assert fake_ckan.dataset_show(sent["name"]).resources == ()
    assert client.delete(f"{url}/{resource['id']}", headers=publisher.headers).status_code == 404


def test_publisher_of_a_cannot_create_edit_or_delete_in_b(
    client: FlaskClient, catalog: Catalog, publisher: Person
) -> None:
    other = catalog.person("publisher", ("region-b",))
    in_b = body(organization="region-b")
    assert client.post("/api/v1/datasets", json=in_b, headers=other.headers).status_code == 201
    url = f"/api/v1/datasets/{in_b['name']}"
    refused = [
        client.post(
            "/api/v1/datasets", json=body(organization="region-b"), headers=publisher.headers
        ),
        client.put(url, json=in_b, headers=publisher.headers),
        client.patch(url, json={"title": "x"}, headers=publisher.headers),
        client.delete(url, headers=publisher.headers),
        client.post(f"{url}/resources", json={"url": "https://x.fr"}, headers=publisher.headers),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert all(r.mimetype == PROBLEM for r in refused)
    moved = client.put(url, json={**in_b, "organization": "ville-a"}, headers=other.headers)
    assert moved.status_code == 403  # nor move a dataset into an organization not theirs


def test_writes_need_a_token_and_the_scope(
    client: FlaskClient, catalog: Catalog, publisher: Person
) -> None:
    assert client.post("/api/v1/datasets", json=body()).status_code == 401
    no_scope = catalog.person("publisher", ("ville-a",), scope="reuses:write")
    response = client.post("/api/v1/datasets", json=body(), headers=no_scope.headers)
    assert response.status_code == 403
    developer = catalog.person("developer")
    assert (
        client.post("/api/v1/datasets", json=body(), headers=developer.headers).status_code == 403
    )


def test_duplicate_name_is_409(client: FlaskClient, publisher: Person) -> None:
    sent = body()
    client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    again = client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    assert again.status_code == 409


def test_identical_creates_at_once_store_one_dataset_and_answer_409_to_the_others(
    app: DocumentedApp, publisher: Person, bootstrap: Bootstrap
) -> None:
    # Six clients sending the same new dataset at once: exactly one wins, the others
    # learn the name is taken (409), never a 500 from the unique index.
    sent = body()
    start = threading.Barrier(6)

    def create(_: int) -> int:
        client = app.test_client()
        start.wait()
        return client.post("/api/v1/datasets", json=sent, headers=publisher.headers).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(create, range(6)))
    assert len([s for s in statuses if s in (201, 202)]) == 1, statuses
    assert statuses.count(409) == 5, statuses
    with bootstrap.unit_of_work() as uow:
        stored = uow.session.scalar(
            sa.select(sa.func.count()).select_from(Dataset).where(Dataset.name == sent["name"])
        )
    assert stored == 1


def test_a_lost_answer_is_not_a_second_dataset_nor_a_failure(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan, bootstrap: Bootstrap
) -> None:
    fake_ckan.lose_next_response(methods=["dataset_upsert"])
    sent = body()
    response = client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    assert response.status_code == 202  # CKAN created it, but the gateway never heard
    with bootstrap.unit_of_work() as uow:
        uow.session.execute(sa.update(OutboxMessage).values(available_at=sa.func.now()))
        uow.commit()
    Worker(bootstrap.engine, bootstrap.session_factory, fake_ckan, WorkerOptions()).run(once=True)
    assert client.get(f"/api/v1/datasets/{sent['name']}").json["sync_status"] == "synced"
    assert [d.name for d in fake_ckan.datasets] == [sent["name"]]


@pytest.mark.parametrize(
    ("suffix", "media_type"),
    [("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml")],
)
def test_dcat_routes(client: FlaskClient, publisher: Person, suffix: str, media_type: str) -> None:
    names = []
    for _ in range(3):
        sent = body()
        client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
        names.append(sent["name"])
    page = client.get(f"/catalog.{suffix}?page=2&page_size=2")
    assert page.status_code == 200
    assert page.mimetype == media_type
    text = page.get_data(as_text=True)
    assert sorted(names)[2] in text and sorted(names)[0] not in text
    assert f"catalog.{suffix}?page_size=2" in text  # paging links keep address and size
    one = client.get(f"/datasets/{names[0]}.{suffix}")
    assert one.status_code == 200
    assert names[0] in one.get_data(as_text=True)
    assert client.get(f"/datasets/no-such-dataset.{suffix}").status_code == 404


def test_prefer_respond_async_answers_202_at_once(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan
) -> None:
    response = client.post(
        "/api/v1/datasets", json=body(), headers={**publisher.headers, "Prefer": "respond-async"}
    )
    assert response.status_code == 202
    assert response.json["sync_status"] == "pending"
    assert "dataset_upsert" not in fake_ckan.actions  # left to the worker


def test_a_stored_write_answers_202_when_what_follows_the_commit_fails(
    client: FlaskClient,
    publisher: Person,
    bootstrap: Bootstrap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As when PostgreSQL restarts between the commit and the read-back: the write is
    # stored and queued for CKAN, so the client must not be told it failed.
    def database_gone(*args: object, **kwargs: object) -> None:
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr("civic.services.publishing.writes.deliver_now", database_gone)
    sent = body()
    response = client.post("/api/v1/datasets", json=sent, headers=publisher.headers)
    assert response.status_code == 202, response.json
    assert response.json == {"name": sent["name"], "sync_status": "pending"}
    assert response.headers["Location"].endswith(f"/api/v1/datasets/{sent['name']}")
    monkeypatch.undo()
    stored = client.get(f"/api/v1/datasets/{sent['name']}")
    assert stored.status_code == 200 and stored.json["title"] == sent["title"]
    with bootstrap.unit_of_work() as uow:
        queued = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.aggregate_id == stored.json["id"])
        )
    assert queued == 1


def _due(bootstrap: Bootstrap) -> list[int]:
    return due_messages(bootstrap.session_factory, 100)


def test_a_waiting_write_keeps_the_workers_off_its_message_until_publish_wait(
    client: FlaskClient,
    publisher: Person,
    bootstrap: Bootstrap,
    fake_ckan: FakeCkan,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The request delivers its own message; a worker woken by the commit's NOTIFY
    # must not take it meanwhile (the request would then poll for the outcome).
    # If the request dies before delivering, the worker takes it after publish_wait.
    def request_died(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the gateway worker was killed")

    monkeypatch.setattr("civic.services.publishing.writes.deliver_now", request_died)
    sent = body()
    assert client.post("/api/v1/datasets", json=sent, headers=publisher.headers).status_code == 202
    assert _due(bootstrap) == []  # reserved for the request (publish_wait is 1 s here)
    with bootstrap.unit_of_work() as uow:
        waited = uow.session.scalar(
            sa.select(sa.func.extract("epoch", OutboxMessage.available_at - sa.func.now()))
        )
    assert 0.5 < float(waited) <= 1.0
    with bootstrap.unit_of_work() as uow:
        uow.session.execute(
            sa.update(OutboxMessage).values(available_at=sa.func.now() - sa.text("interval '1 s'"))
        )
        uow.commit()
    assert len(_due(bootstrap)) == 1  # the reservation over, the workers take it
    Worker(bootstrap.engine, bootstrap.session_factory, fake_ckan, WorkerOptions()).run(once=True)
    assert client.get(f"/api/v1/datasets/{sent['name']}").json["sync_status"] == "synced"


def test_a_client_that_does_not_wait_leaves_its_message_due_at_once(
    client: FlaskClient, publisher: Person, bootstrap: Bootstrap
) -> None:
    response = client.post(
        "/api/v1/datasets", json=body(), headers={**publisher.headers, "Prefer": "respond-async"}
    )
    assert response.status_code == 202
    assert len(_due(bootstrap)) == 1
