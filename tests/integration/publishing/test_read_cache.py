"""The gateway's read caches (civic.platform.read_cache) never serve what the database
no longer says: a checked token and a dataset's document are kept per worker at the
versions the triggers change at each commit, so a revocation, a suspension, a disabled
account or a changed dataset is seen by the very next call."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from tests.integration.publishing.helpers import Catalog, Person, body

from civic.platform.docs import DocumentedApp
from civic.services.bootstrap import Bootstrap
from civic.services.tokens.credentials import digest

pytestmark = pytest.mark.integration


@pytest.fixture
def versions(bootstrap: Bootstrap) -> None:
    # The test database is emptied with TRUNCATE, which takes the version rows too (the
    # caches then keep nothing); the migrations create them.
    with bootstrap.engine.begin() as connection:
        for table in ("catalog_version", "auth_version"):
            connection.execute(
                sa.text(
                    f"INSERT INTO {table} (id, version) VALUES (1, gen_random_uuid())"  # noqa: S608
                    " ON CONFLICT (id) DO NOTHING"
                )
            )


@pytest.fixture
def publisher(catalog: Catalog) -> Person:
    catalog.organization("ville-a")
    return catalog.person("publisher", ("ville-a",))


def cache(app: DocumentedApp, name: str) -> Any:
    return app.extensions[f"civic.{name}_cache"]


def sql(bootstrap: Bootstrap, statement: str, **params: Any) -> None:
    with bootstrap.engine.begin() as connection:
        connection.execute(sa.text(statement), params)


@pytest.mark.usefixtures("versions")
@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ("UPDATE oauth_tokens SET revoked_at = now() WHERE access_token_hash = :digest", "revoked"),
        (
            "UPDATE apps SET status = 'suspended' WHERE id ="
            " (SELECT app_id FROM oauth_tokens WHERE access_token_hash = :digest)",
            "suspended",
        ),
        (
            "UPDATE users SET is_active = false WHERE id ="
            " (SELECT user_id FROM oauth_tokens WHERE access_token_hash = :digest)",
            "disabled",
        ),
    ],
)
def test_a_cached_token_stops_at_the_next_call(  # noqa: PLR0917 - fixtures and parameters
    app: DocumentedApp,
    client: FlaskClient,
    bootstrap: Bootstrap,
    publisher: Person,
    change: str,
    detail: str,
) -> None:
    principals = cache(app, "principal")
    assert client.get("/api/v1/me", headers=publisher.headers).status_code == 200
    assert client.get("/api/v1/me", headers=publisher.headers).status_code == 200
    assert principals.hits >= 1  # the second call was answered from the cache

    sql(bootstrap, change, digest=digest(publisher.token))
    refused = client.get("/api/v1/me", headers=publisher.headers)
    assert refused.status_code == 401
    assert detail in refused.get_json()["detail"]


@pytest.mark.usefixtures("versions")
def test_a_cached_document_changes_with_the_dataset(
    app: DocumentedApp, client: FlaskClient, bootstrap: Bootstrap, publisher: Person
) -> None:
    data = body(organization="ville-a")
    assert client.post("/api/v1/datasets", json=data, headers=publisher.headers).status_code == 201
    path = f"/api/v1/datasets/{data['name']}"
    first = client.get(path).get_json()
    assert client.get(path).get_json() == first
    assert cache(app, "document").hits >= 1

    # Through the API, and behind its back: both change the catalog's version.
    changed = client.patch(path, json={"title": "Nouveau titre"}, headers=publisher.headers)
    assert changed.status_code == 200
    assert client.get(path).get_json()["title"] == "Nouveau titre"
    sql(bootstrap, "UPDATE datasets SET title = 'Par SQL' WHERE name = :name", name=data["name"])
    assert client.get(path).get_json()["title"] == "Par SQL"
    sql(bootstrap, "UPDATE datasets SET deleted_at = now() WHERE name = :name", name=data["name"])
    assert client.get(path).status_code == 404


@pytest.mark.usefixtures("versions")
def test_a_cached_package_changes_with_the_dataset(
    app: DocumentedApp, client: FlaskClient, bootstrap: Bootstrap, publisher: Person
) -> None:
    data = body(organization="ville-a")
    assert client.post("/api/v1/datasets", json=data, headers=publisher.headers).status_code == 201
    show = f"/api/3/action/package_show?id={data['name']}"
    first = client.get(show).get_json()
    assert first["success"] is True, first
    assert client.get(show).get_json() == first
    assert cache(app, "package").hits >= 1

    sql(bootstrap, "UPDATE datasets SET title = 'Par SQL' WHERE name = :name", name=data["name"])
    assert client.get(show).get_json()["result"]["title"] == "Par SQL"
    sql(bootstrap, "UPDATE datasets SET deleted_at = now() WHERE name = :name", name=data["name"])
    assert client.get(show).status_code == 404
