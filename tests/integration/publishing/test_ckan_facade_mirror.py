"""The CKAN Action API facade on the real PostgreSQL with CKAN in memory: search, writes.

Search semantics (``q``, ``fq``, ranges, sort, paging, facets) are checked on the
mirror itself; the writes go through the one write use case to the in-memory CKAN,
whose switches make CKAN go down. The same facade against the real CKAN and real
clients (ckanapi's command line) is ``tests/integration/test_ckan_facade.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, Person, body

from civic.services.bootstrap import Bootstrap
from civic.services.catalog.models import Dataset

pytestmark = pytest.mark.integration
ACTION = "/api/3/action/"


@pytest.fixture
def publisher(catalog: Catalog) -> Person:
    catalog.organization("ville-a")
    catalog.organization("region-b", "regional")
    return catalog.person("publisher", ("ville-a",))


def call(client: FlaskClient, action: str, person: Person | None = None, **data: Any) -> Any:
    headers = {"Authorization": person.token} if person else {}  # raw, as ckanapi sends it
    return client.post(ACTION + action, json=data, headers=headers)


def result(response: Any) -> Any:
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["success"] is True
    return answer["result"]


def package(name: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "title": f"Titre {name}",
        "notes": "Des données.",
        "owner_org": "ville-a",
        "license_id": "etalab-2.0",
        "tags": [{"name": "eau"}],
        "extras": [{"key": "frequency", "value": "MONTHLY"}],
        "resources": [{"url": f"https://example.org/{name}.csv", "format": "csv", "name": "a"}],
    }
    return base | changes


@pytest.fixture
def three(client: FlaskClient, publisher: Person, bootstrap: Bootstrap) -> list[str]:
    """Three datasets with distinct tags, formats and modification times."""
    specs = [
        ("bus-horaires", ["transport", "bus"], "CSV", "ville-a"),
        ("air-qualite", ["environnement", "transport"], "JSON", "ville-a"),
        ("budget-primitif", ["finances"], "PDF", "ville-a"),
    ]
    for name, tags, fmt, org in specs:
        sent = body(
            name=name,
            organization=org,
            tags=tags,
            resources=[{"url": f"https://example.org/{name}", "format": fmt}],
        )
        assert client.post(
            "/api/v1/datasets", json=sent, headers=publisher.headers
        ).status_code in (
            201,
            202,
        )
    # Known modification times, an hour apart (CKAN's metadata_modified).
    with bootstrap.unit_of_work() as uow:
        for hours, (name, *_) in enumerate(specs):
            uow.session.execute(
                sa.update(Dataset)
                .where(Dataset.name == name)
                .values(ckan_modified=dt.datetime(2026, 11, 1, 10 + hours, tzinfo=dt.UTC))
            )
        uow.commit()
    return [spec[0] for spec in specs]


def names(found: dict[str, Any]) -> list[str]:
    return [item["name"] for item in found["results"]]


def search(client: FlaskClient, **query: Any) -> dict[str, Any]:
    found: dict[str, Any] = result(client.get(ACTION + "package_search", query_string=query))
    return found


def test_fq_fields_quotes_negation_and_or(client: FlaskClient, three: list[str]) -> None:
    assert sorted(names(search(client, fq="tags:transport"))) == ["air-qualite", "bus-horaires"]
    assert names(search(client, fq='tags:"finances"')) == ["budget-primitif"]
    assert names(search(client, fq="-tags:transport")) == ["budget-primitif"]
    assert sorted(names(search(client, fq="res_format:csv OR res_format:PDF"))) == [
        "budget-primitif",
        "bus-horaires",
    ]
    assert names(search(client, fq="tags:transport AND res_format:JSON")) == ["air-qualite"]
    assert search(client, fq="organization:region-b")["count"] == 0
    found = search(client, fq="organization:ville-a", fq_list='["tags:bus"]')
    assert names(found) == ["bus-horaires"]  # fq and fq_list all apply


@pytest.mark.parametrize(
    "since",
    ["2026-11-01T11:00:00.000000Z", "2026-11-01T11:00:00Z", "2026-11-01T11:00:00"],
)
def test_metadata_modified_ranges(client: FlaskClient, three: list[str], since: str) -> None:
    found = search(client, fq=f"metadata_modified:[{since} TO *]", sort="metadata_modified asc")
    assert names(found) == ["air-qualite", "budget-primitif"]
    assert [item["metadata_modified"] for item in found["results"]] == [
        "2026-11-01T11:00:00",
        "2026-11-01T12:00:00",
    ]
    assert search(client, fq=f"metadata_modified:{{{since} TO *]")["count"] == 1


def test_sorts_paging_and_rows(client: FlaskClient, three: list[str]) -> None:
    by_id = search(client, sort="id asc", rows=3)
    assert [item["id"] for item in by_id["results"]] == sorted(
        item["id"] for item in by_id["results"]
    )
    newest = search(client, sort="metadata_modified desc")
    assert names(newest) == ["budget-primitif", "air-qualite", "bus-horaires"]
    assert names(search(client)) == names(newest)  # the default: score, then modified
    pages = [names(search(client, sort="name asc", rows=1, start=start)) for start in range(4)]
    assert pages == [["air-qualite"], ["budget-primitif"], ["bus-horaires"], []]
    huge = search(client, rows=100000)
    assert huge["count"] == 3 and len(huge["results"]) == 3
    assert search(client, rows=0) == {
        "count": 3,
        "facets": {},
        "results": [],
        "sort": "score desc, metadata_modified desc",
        "search_facets": {},
    }


def test_full_text_and_facets(client: FlaskClient, three: list[str]) -> None:
    assert search(client, q="bus-horaires")["count"] >= 1
    found = search(client, q="tags:transport", **{"facet.field": '["tags", "res_format"]'})
    assert found["facets"]["tags"] == {"transport": 2, "bus": 1, "environnement": 1}
    assert found["facets"]["res_format"] == {"CSV": 1, "JSON": 1}
    items = found["search_facets"]["tags"]["items"]
    assert items[0] == {"name": "transport", "display_name": "transport", "count": 2}
    limited = search(client, **{"facet.field": '["tags"]', "facet.limit": "1"})
    assert limited["facets"]["tags"] == {"transport": 2}
    for alone in ("organization", "owner_org", "license_id", "name", "res_format", "groups"):
        counted = search(client, **{"facet.field": json.dumps([alone])})
        assert sum(counted["facets"][alone].values()) == (0 if alone == "groups" else 3), alone
    titled = search(client, **{"facet.field": '["organization"]'})["search_facets"]
    assert titled["organization"]["items"][0]["display_name"] == "Ville-A"


def test_lists_and_shows(client: FlaskClient, three: list[str]) -> None:
    assert result(client.get(ACTION + "package_list")) == sorted(three)
    recent = result(client.get(ACTION + "current_package_list_with_resources?limit=2"))
    assert [item["name"] for item in recent] == ["budget-primitif", "air-qualite"]
    shown = result(client.get(ACTION + "package_show?id=air-qualite"))
    assert result(client.get(ACTION + f"package_show?id={shown['id']}"))["name"] == "air-qualite"
    resource = shown["resources"][0]
    assert result(client.get(ACTION + f"resource_show?id={resource['id']}")) == resource
    organizations = result(client.get(ACTION + "organization_list?all_fields=true"))
    assert {item["name"]: item["package_count"] for item in organizations} == {
        "ville-a": 3,
        "region-b": 0,
    }
    assert result(client.get(ACTION + "organization_show?id=ville-a"))["id"] == shown["owner_org"]
    assert "transport" in result(client.get(ACTION + "tag_list"))
    missing = client.get(ACTION + "package_show?id=nope")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["__type"] == "Not Found Error"


def test_writes_reach_ckan_through_the_one_write_use_case(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan
) -> None:
    created = result(call(client, "package_create", publisher, **package("eau-2026")))
    assert created["civic_sync_status"] == "synced"
    assert fake_ckan.dataset_show("eau-2026").notes == "Des données."
    again = result(call(client, "package_update", publisher, **package("eau-2026")))
    assert again["civic_sync_status"] == "unchanged"
    patched = result(call(client, "package_patch", publisher, id=created["id"], title="Neuf"))
    assert patched["title"] == "Neuf" and patched["tags"] == created["tags"]
    assert fake_ckan.dataset_show("eau-2026").title == "Neuf"
    added = result(
        call(client, "resource_create", publisher, package_id="eau-2026", url="https://e.org/b")
    )
    assert [r.url for r in fake_ckan.dataset_show("eau-2026").resources][-1] == "https://e.org/b"
    changed = result(call(client, "resource_patch", publisher, id=added["id"], name="B"))
    assert changed["name"] == "B" and changed["url"] == "https://e.org/b"
    result(call(client, "resource_delete", publisher, id=added["id"]))
    assert len(fake_ckan.dataset_show("eau-2026").resources) == 1
    assert result(call(client, "package_delete", publisher, id="eau-2026")) is None
    assert fake_ckan.dataset_show("eau-2026").state == "deleted"
    assert client.get(ACTION + "package_show?id=eau-2026").status_code == 404


def test_ckan_down_is_a_success_with_the_pending_state(
    client: FlaskClient, publisher: Person, fake_ckan: FakeCkan
) -> None:
    fake_ckan.outage = True
    created = result(call(client, "package_create", publisher, **package("pendant")))
    assert created["civic_sync_status"] == "pending"
    assert created["name"] == "pendant"
    shown = result(client.get(ACTION + "package_show?id=pendant"))  # reads from the mirror
    assert shown["id"] == created["id"]


def test_write_refusals_in_ckans_shape(
    client: FlaskClient, publisher: Person, catalog: Catalog
) -> None:
    anonymous = call(client, "package_create", None, **package("x-anon"))
    assert anonymous.status_code == 403
    assert anonymous.get_json()["error"]["__type"] == "Authorization Error"
    developer = catalog.person("developer")
    refused = call(client, "package_create", developer, **package("x-dev"))
    assert refused.status_code == 403
    other = call(client, "package_create", publisher, **package("x-other", owner_org="region-b"))
    assert other.status_code == 403
    assert other.get_json()["error"]["__type"] == "Authorization Error"
    bad = call(client, "package_create", publisher, **package("x-bad", notes=""))
    assert bad.status_code == 409
    error = bad.get_json()["error"]
    assert error["__type"] == "Validation Error"
    assert set(error) == {"notes", "__type"}
    licence = call(client, "package_create", publisher, **package("x-bad", license_id="nope"))
    assert licence.status_code == 409
    assert set(licence.get_json()["error"]) == {"license_id", "__type"}
    result(call(client, "package_create", publisher, **package("x-twice")))
    twice = call(client, "package_create", publisher, **package("x-twice"))
    assert twice.status_code == 409
    assert twice.get_json()["error"]["name"][0] == "That URL is already in use."
    unknown_org = call(client, "package_create", publisher, **package("x-org", owner_org="nope"))
    assert unknown_org.get_json()["error"]["owner_org"][0] == "Organization does not exist"
    on_get = client.get(ACTION + "package_create?name=x")
    assert on_get.status_code == 400
    assert "POST" in on_get.get_json()
    for bearer in (f"Bearer {publisher.token}",):
        ok = client.post(
            ACTION + "package_show", json={"id": "x-twice"}, headers={"Authorization": bearer}
        )
        assert ok.status_code == 200


def test_cached_pages_and_facets_follow_the_catalog(
    client: FlaskClient, three: list[str], publisher: Person
) -> None:
    facets = {"facet.field": '["tags"]', "rows": 1}
    first = client.get(ACTION + "package_search", query_string=facets | {"start": 0})
    assert first.headers["X-Search-Cache"] == "miss"
    again = client.get(ACTION + "package_search", query_string=facets | {"start": 0})
    assert again.headers["X-Search-Cache"] == "hit"
    second = search(client, start=1, **facets)  # its facets come from the first page's
    assert second["facets"] == first.get_json()["result"]["facets"]
    assert names(second) != names(first.get_json()["result"])
    result(call(client, "package_create", publisher, **package("nouveau", tags=[{"name": "bus"}])))
    after = client.get(ACTION + "package_search", query_string=facets | {"start": 1})
    assert after.headers["X-Search-Cache"] == "miss"  # the catalog changed
    assert after.get_json()["result"]["facets"]["tags"]["bus"] == 2
