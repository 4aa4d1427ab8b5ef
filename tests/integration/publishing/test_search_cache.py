"""The API search's cache on the real PostgreSQL: every committed write is seen at once.

Answers are cached with the catalog's version, which a trigger changes at the commit
of any write to organizations, datasets or resources (once per transaction). The
tests write through the API, through the worker's path and in raw SQL, and search
again after each write: a cached answer that outlived a write would fail them.
"""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, Person, body

from civic.platform.api.datasets import search_cache
from civic.platform.app import create_app
from civic.services.bootstrap import Bootstrap
from civic.services.catalog.models import CatalogVersion
from civic.services.publishing.worker import Worker, WorkerOptions

pytestmark = pytest.mark.integration


@pytest.fixture
def publisher(catalog: Catalog) -> Person:
    catalog.organization("ville-a")
    return catalog.person("publisher", ("ville-a",))


def _search(client: FlaskClient, query: str = "q=eau") -> dict[str, object]:
    answer = client.get(f"/api/v1/datasets?{query}")
    assert answer.status_code == 200
    return answer.json  # type: ignore[no-any-return]


def _version(bootstrap: Bootstrap) -> uuid.UUID | None:
    with bootstrap.engine.connect() as connection:
        return connection.scalar(sa.select(CatalogVersion.version))


def test_a_repeated_search_is_served_from_the_cache_until_a_write_commits(
    app: Flask, client: FlaskClient, publisher: Person, bootstrap: Bootstrap, fake_ckan: FakeCkan
) -> None:
    first = body(name="eau-potable", title="Eau potable", tags=["eau"])
    assert client.post("/api/v1/datasets", json=first, headers=publisher.headers).status_code == 201
    with app.app_context():
        cache = search_cache()
    seen = _search(client)
    hits = cache.hits
    assert _search(client) == seen
    assert cache.hits == hits + 1  # the same answer, from the cache

    # A new dataset, published through the API.
    second = body(name="eau-de-pluie", title="Eau de pluie", tags=["eau"])
    assert (
        client.post("/api/v1/datasets", json=second, headers=publisher.headers).status_code == 201
    )
    assert _search(client)["total"] == 2

    # A change of title (PATCH), then of a resource's format.
    patched = client.patch(
        "/api/v1/datasets/eau-potable", json={"title": "Eau du robinet"}, headers=publisher.headers
    )
    assert patched.status_code == 200
    titles = {d["title"] for d in _search(client)["results"]}  # type: ignore[attr-defined]
    assert titles == {"Eau du robinet", "Eau de pluie"}

    # The sync status, as the worker writes it (in its own transaction).
    fake_ckan.outage = True
    third = body(name="eau-usee", title="Eau usée", tags=["eau"])
    assert client.post("/api/v1/datasets", json=third, headers=publisher.headers).status_code == 202
    statuses = {d["name"]: d["sync_status"] for d in _search(client)["results"]}  # type: ignore[attr-defined]
    assert statuses["eau-usee"] == "pending"
    fake_ckan.outage = False
    with bootstrap.engine.begin() as connection:
        connection.execute(sa.text("UPDATE outbox SET available_at = now()"))
    Worker(bootstrap.engine, bootstrap.session_factory, fake_ckan, WorkerOptions()).run(once=True)
    statuses = {d["name"]: d["sync_status"] for d in _search(client)["results"]}  # type: ignore[attr-defined]
    assert statuses["eau-usee"] == "synced"

    # Raw SQL on the resources a document lists.
    with bootstrap.engine.begin() as connection:
        connection.execute(sa.text("UPDATE resources SET format = 'PARQUET'"))
    results = _search(client)["results"]
    assert {r["format"] for d in results for r in d["resources"]} == {"PARQUET"}  # type: ignore[attr-defined]

    # Withdrawn.
    deleted = client.delete("/api/v1/datasets/eau-de-pluie", headers=publisher.headers)
    assert deleted.status_code in {200, 204}
    assert {d["name"] for d in _search(client)["results"]} == {"eau-potable", "eau-usee"}  # type: ignore[attr-defined]


def test_the_version_changes_at_commit_once_per_transaction_and_not_on_rollback(
    bootstrap: Bootstrap, publisher: Person
) -> None:
    before = _version(bootstrap)
    assert before is not None  # the organization written by the fixture set it
    with bootstrap.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(sa.text("UPDATE organizations SET title = 'Ville A'"))
        connection.execute(sa.text("UPDATE organizations SET title = 'Ville A bis'"))
        assert _version(bootstrap) == before  # not visible before the commit
        transaction.rollback()
    assert _version(bootstrap) == before  # nothing committed, nothing changed
    with bootstrap.engine.begin() as connection:
        connection.execute(sa.text("UPDATE organizations SET title = 'Ville A'"))
        connection.execute(sa.text("UPDATE organizations SET title = 'Ville A bis'"))
    after = _version(bootstrap)
    assert after is not None and after != before


def test_a_cache_size_of_0_turns_the_cache_off(
    bootstrap: Bootstrap, publisher: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("CIVIC_"):
            monkeypatch.delenv(name)
    # The bootstrap builds the caches, from its settings (wiring.connection_settings
    # reads search_cache_size there); this one shares the other's connections.
    uncached = Bootstrap(
        dataclasses.replace(bootstrap.settings, search_cache_size=0),
        engine=bootstrap.engine,
        redis_client=bootstrap.redis_client,
        ckan=bootstrap.ckan,
    )
    app = create_app(
        {
            "env": "test",
            "database_url": bootstrap.settings.database_url,
            "ratelimit_storage_url": "memory://",
        },
        bootstrap=uncached,
    )
    client = app.test_client()
    sent = body(name="eau-potable", title="Eau potable", tags=["eau"])
    assert client.post("/api/v1/datasets", json=sent, headers=publisher.headers).status_code == 201
    assert _search(client)["total"] == _search(client)["total"] == 1
    with app.app_context():
        cache = search_cache()
    assert (cache.size, cache.hits, cache.misses, len(cache)) == (0, 0, 0, 0)
