"""The outbox worker on the real PostgreSQL: several at once, backoff, coalescing."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, Person, body

from civic.connectors.ckan import CkanUnavailable
from civic.services.bootstrap import Bootstrap
from civic.services.outbox.models import OutboxMessage
from civic.services.outbox.relay import Backoff
from civic.services.publishing.worker import Worker, WorkerOptions

# The calls that send a dataset to CKAN.
SENDS = ("dataset_upsert", "dataset_patch")

pytestmark = pytest.mark.integration
ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def publisher(catalog: Catalog) -> Person:
    catalog.organization("ville-a")
    return catalog.person("publisher", ("ville-a",))


def worker(bootstrap: Bootstrap, ckan: FakeCkan, **options: object) -> Worker:
    return Worker(
        bootstrap.engine,
        bootstrap.session_factory,
        ckan,
        WorkerOptions(**options),  # type: ignore[arg-type]
    )


def test_three_workers_deliver_each_dataset_exactly_once(
    client: FlaskClient, publisher: Person, bootstrap: Bootstrap, fake_ckan: FakeCkan
) -> None:
    names = []
    for _ in range(30):
        sent = body()
        names.append(sent["name"])
        headers = {**publisher.headers, **ASYNC}
        assert client.post("/api/v1/datasets", json=sent, headers=headers).status_code == 202
        # A second write of the same dataset: two messages, one delivery suffices.
        patch = {"title": sent["title"] + " (v2)"}
        client.patch(f"/api/v1/datasets/{sent['name']}", json=patch, headers=headers)
    workers = [worker(bootstrap, fake_ckan, concurrency=3, batch_size=2) for _ in range(3)]
    threads = [threading.Thread(target=w.run, kwargs={"once": True}) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stored = fake_ckan.datasets
    assert sorted(d.name for d in stored) == sorted(names)
    assert all(d.title.endswith("(v2)") for d in stored)
    sends = [data["name"] for method, data in fake_ckan.calls if method in SENDS]
    sends += [
        package["name"]
        for method, data in fake_ckan.calls
        if method == "dataset_create_batch"
        for package in data["packages"]
    ]
    assert sorted(sends) == sorted(names)  # each dataset was sent to CKAN once
    with bootstrap.unit_of_work() as uow:
        left = uow.session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.processed_at.is_(None))
        )
        statuses = set(uow.session.scalars(sa.text("SELECT DISTINCT sync_status FROM datasets")))
    assert left == 0
    assert statuses == {"synced"}


def test_due_datasets_go_in_one_batch_each_with_its_own_outcome(
    client: FlaskClient, publisher: Person, bootstrap: Bootstrap, fake_ckan: FakeCkan
) -> None:
    headers = {**publisher.headers, **ASYNC}
    first = body()
    client.post("/api/v1/datasets", json=first, headers=headers)
    worker(bootstrap, fake_ckan).run(once=True)  # alone: it also creates the organization
    # In CKAN already: a name of another organization, and one of ours (an earlier
    # attempt whose answer was lost).
    fake_ckan.organization_upsert("ville-b", title="Ville B")
    theirs, ours = body(), body()
    fake_ckan.dataset_upsert({"name": theirs["name"], "owner_org": "ville-b", "title": "B"})
    fake_ckan.dataset_upsert({"name": ours["name"], "owner_org": "ville-a", "title": "Old"})
    new = [body() for _ in range(3)]
    for sent in [*new, theirs, ours]:
        assert client.post("/api/v1/datasets", json=sent, headers=headers).status_code == 202
    calls = len(fake_ckan.calls)
    outcomes: dict[str, str] = {}
    worker(bootstrap, fake_ckan, ckan_batch=25, ckan_batches_at_once=1).run(
        once=True, on_delivery=lambda d: outcomes.__setitem__(str(d.message_id), d.status)
    )
    made = fake_ckan.calls[calls:]
    [batch] = [data for method, data in made if method == "dataset_create_batch"]
    assert sorted(p["name"] for p in batch["packages"]) == sorted(
        d["name"] for d in [*new, theirs, ours]
    )
    # Refused in the batch for their names, both took the one-by-one path after it.
    assert sorted(data["name"] for method, data in made if method == "dataset_upsert") == sorted(
        [theirs["name"], ours["name"]]
    )
    assert sorted(outcomes.values()) == ["delivered"] * 4 + ["failed"]
    for sent in [*new, ours]:
        shown = client.get(f"/api/v1/datasets/{sent['name']}").json
        assert shown["sync_status"] == "synced", shown
    refused = client.get(f"/api/v1/datasets/{theirs['name']}").json
    assert refused["sync_status"] == "failed"
    assert "already in use" in refused["sync_error"]
    assert fake_ckan.dataset_show(ours["name"]).title == ours["title"]
    with bootstrap.unit_of_work() as uow:
        left = uow.session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.processed_at.is_(None))
        )
    assert left == 0


def test_a_batch_refused_by_an_outage_is_retried_message_by_message(
    client: FlaskClient, publisher: Person, bootstrap: Bootstrap, fake_ckan: FakeCkan
) -> None:
    headers = {**publisher.headers, **ASYNC}
    client.post("/api/v1/datasets", json=body(), headers=headers)
    quick = Backoff(base=0.01, maximum=0.05)
    worker(bootstrap, fake_ckan, backoff=quick).run(once=True)  # the organization too
    sent = [body() for _ in range(3)]
    for data in sent:
        client.post("/api/v1/datasets", json=data, headers=headers)
    fake_ckan.fail_next(CkanUnavailable("CKAN restarting"), methods={"dataset_create_batch"})
    running = worker(bootstrap, fake_ckan, backoff=quick, ckan_batches_at_once=1)
    assert running.run(once=True).deliveries == {"retry": 3}
    with bootstrap.unit_of_work() as uow:
        waiting = [
            (m.attempts, m.last_error or "")
            for m in uow.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.processed_at.is_(None))
            )
        ]
    assert len(waiting) == 3
    assert all(attempts == 1 and "restarting" in error for attempts, error in waiting)
    time.sleep(0.1)  # past the (tiny) backoff
    assert worker(bootstrap, fake_ckan, ckan_batches_at_once=1).run(once=True).deliveries == {
        "delivered": 3
    }
    assert fake_ckan.actions.count("dataset_create_batch") == 2
    for data in sent:
        assert client.get(f"/api/v1/datasets/{data['name']}").json["sync_status"] == "synced"


def test_an_outage_is_retried_with_growing_waits(
    client: FlaskClient, publisher: Person, bootstrap: Bootstrap, fake_ckan: FakeCkan
) -> None:
    fake_ckan.outage = True
    sent = body()
    client.post("/api/v1/datasets", json=sent, headers={**publisher.headers, **ASYNC})
    running = worker(bootstrap, fake_ckan, backoff=Backoff(base=0.01, maximum=0.05))
    running.run(once=True)
    with bootstrap.unit_of_work() as uow:
        message = uow.session.scalars(sa.select(OutboxMessage)).one()
        assert message.attempts == 1 and message.processed_at is None
        assert "CkanUnavailable" in (message.last_error or "")
    fake_ckan.outage = False
    time.sleep(0.1)  # past the (tiny) backoff
    running.run(once=True)
    assert client.get(f"/api/v1/datasets/{sent['name']}").json["sync_status"] == "synced"


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(base=1.0, maximum=60.0)
    assert 0.5 <= backoff.delay(0) <= 1.0
    assert 4.0 <= backoff.delay(3) <= 8.0
    assert 30.0 <= backoff.delay(40) <= 60.0
