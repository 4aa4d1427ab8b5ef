"""Search of the mirror (full text FR/EN, filters, facets, sorts, pages); organizations."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, body

from civic.platform.wiring import current_bootstrap
from civic.services.publishing.worker import Worker, WorkerOptions

pytestmark = pytest.mark.integration


@pytest.fixture
def published(client: FlaskClient, catalog: Catalog) -> dict[str, str]:
    catalog.organization("ville-a")
    catalog.organization("region-b", "regional")
    admin = catalog.person("admin")
    datasets = {
        "eau": body(
            name="eau-potable",
            title="Qualité de l'eau potable",
            description="Analyses des réseaux d'eau",
            tags=["eau"],
            themes=["ENVI"],
        ),
        "bus": body(
            name="horaires-bus",
            title="Bus timetables",
            description="Timetables of the city buses",
            tags=["transport"],
            themes=["TRAN"],
            license="ODbL-1.0",
            resources=[{"url": "https://x.fr/gtfs.zip", "format": "ZIP"}],
        ),
        "velo": body(
            name="pistes-cyclables",
            title="Pistes cyclables",
            organization="region-b",
            description="Aménagements cyclables de la région",
            tags=["transport", "vélo"],
            themes=["TRAN"],
            license="CC-BY-4.0",
            resources=[{"url": "https://x.fr/p.geojson", "format": "GeoJSON"}],
        ),
    }
    for sent in datasets.values():
        assert client.post("/api/v1/datasets", json=sent, headers=admin.headers).status_code == 201
    return {key: sent["name"] for key, sent in datasets.items()}


def names(response: object) -> list[str]:
    return [d["name"] for d in response.json["results"]]  # type: ignore[attr-defined]


def test_full_text_in_french_and_english(client: FlaskClient, published: dict[str, str]) -> None:
    assert names(client.get("/api/v1/datasets?q=réseaux")) == ["eau-potable"]  # stemmed: réseau
    assert names(client.get("/api/v1/datasets?q=timetable")) == ["horaires-bus"]  # English stem
    assert names(client.get("/api/v1/datasets?q=cyclable")) == ["pistes-cyclables"]
    assert names(client.get("/api/v1/datasets?q=vélo")) == ["pistes-cyclables"]  # a tag
    assert client.get("/api/v1/datasets?q=nothing-like-this").json["total"] == 0


def test_filters_and_facets(client: FlaskClient, published: dict[str, str]) -> None:
    everything = client.get("/api/v1/datasets").json
    assert everything["total"] == 3
    facets = {
        name: {i["value"]: i["count"] for i in items}
        for name, items in everything["facets"].items()
    }
    assert facets["organization"] == {"ville-a": 2, "region-b": 1}
    assert facets["level"] == {"local": 2, "regional": 1}
    assert facets["tags"]["transport"] == 2
    assert facets["themes"] == {"TRAN": 2, "ENVI": 1}
    assert facets["formats"] == {"CSV": 1, "ZIP": 1, "GEOJSON": 1}
    assert facets["license"] == {"etalab-2.0": 1, "ODbL-1.0": 1, "CC-BY-4.0": 1}
    transport = client.get("/api/v1/datasets?tags=transport&level=local").json
    assert names_of(transport) == ["horaires-bus"]
    assert transport["facets"]["organization"] == [{"value": "ville-a", "count": 1}]
    either = client.get("/api/v1/datasets?formats=zip&formats=geojson&sort=title").json
    assert names_of(either) == ["horaires-bus", "pistes-cyclables"]
    assert names(client.get("/api/v1/datasets?license=CC-BY-4.0")) == ["pistes-cyclables"]
    assert names(client.get("/api/v1/datasets?themes=envi")) == ["eau-potable"]
    assert names(client.get("/api/v1/datasets?organization=region-b")) == ["pistes-cyclables"]


def names_of(answer: dict[str, object]) -> list[str]:
    return [d["name"] for d in answer["results"]]  # type: ignore[attr-defined,index]


def test_sorts_and_pages_are_stable(client: FlaskClient, published: dict[str, str]) -> None:
    by_title = names(client.get("/api/v1/datasets?sort=title"))
    assert by_title == ["horaires-bus", "pistes-cyclables", "eau-potable"]
    assert names(client.get("/api/v1/datasets?sort=-title")) == by_title[::-1]
    newest = names(client.get("/api/v1/datasets?sort=-modified"))
    assert newest[0] == "pistes-cyclables"
    pages = [names(client.get(f"/api/v1/datasets?sort=title&page={p}&page_size=2")) for p in (1, 2)]
    assert pages == [by_title[:2], by_title[2:]]
    page = client.get("/api/v1/datasets?page=2&page_size=2").json
    assert (page["page"], page["page_size"], page["total"]) == (2, 2, 3)
    assert client.get("/api/v1/datasets?page_size=1001").status_code == 422


def test_search_works_while_ckan_is_down(
    client: FlaskClient, published: dict[str, str], fake_ckan: FakeCkan
) -> None:
    fake_ckan.outage = True
    assert client.get("/api/v1/datasets?q=eau").json["total"] == 1
    assert client.get("/api/v1/datasets/eau-potable").status_code == 200


def test_organizations_created_by_admins_and_mirrored_to_ckan(
    client: FlaskClient, catalog: Catalog, fake_ckan: FakeCkan
) -> None:
    admin = catalog.person("admin")
    sent = {
        "name": "dept-29",
        "title": "Finistère",
        "level": "regional",
        "territory": "29",
        "website": "https://www.finistere.fr",
    }
    created = client.post("/api/v1/organizations", json=sent, headers=admin.headers)
    assert created.status_code == 201, created.json
    assert {k: created.json[k] for k in sent} == sent
    assert client.post("/api/v1/organizations", json=sent, headers=admin.headers).status_code == 409
    bad = client.post(
        "/api/v1/organizations", json={**sent, "level": "galactic"}, headers=admin.headers
    )
    assert bad.status_code == 422
    publisher = catalog.person("publisher", ("dept-29",))
    refused = client.post(
        "/api/v1/organizations", json={**sent, "name": "other"}, headers=publisher.headers
    )
    assert refused.status_code == 403
    listed = client.get("/api/v1/organizations").json
    assert listed["total"] == 1 and listed["results"][0]["dataset_count"] == 0
    # The worker creates it in CKAN.

    with client.application.app_context():
        bootstrap = current_bootstrap()
    Worker(bootstrap.engine, bootstrap.session_factory, fake_ckan, WorkerOptions()).run(once=True)
    organization = fake_ckan.organization_show("dept-29")
    assert organization.title == "Finistère"
    assert organization.extras["level"] == "regional"
    changed = client.put(
        "/api/v1/organizations/dept-29",
        json={**sent, "title": "Finistère (29)"},
        headers=admin.headers,
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/organizations/dept-29").json["ckan_id"] == organization.id
