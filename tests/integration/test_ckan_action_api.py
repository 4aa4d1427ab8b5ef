"""CKAN's own Action API, end to end, through ckanapi against the CKAN the stack started.

Search runs on ckanext-civic's PostgreSQL backend: these are the calls the
foundation issue lists, each checked for what a CKAN client would see.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import ckanapi
import pytest
from tests.integration.stack import ROOT, RunningStack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ckan(stack: RunningStack) -> Iterator[ckanapi.RemoteCKAN]:
    with ckanapi.RemoteCKAN(stack.ckan_url, apikey=stack.ckan_api_token) as remote:
        yield remote


@pytest.fixture(scope="module")
def anonymous(stack: RunningStack) -> Iterator[ckanapi.RemoteCKAN]:
    with ckanapi.RemoteCKAN(stack.ckan_url) as remote:
        yield remote


@pytest.fixture(scope="module")
def catalog(ckan: ckanapi.RemoteCKAN) -> dict[str, str]:
    """An organization and three datasets with distinct tags, formats and words."""
    suffix = uuid.uuid4().hex[:8]
    org = ckan.action.organization_create(name=f"ville-{suffix}", title="Ville de Test")
    names = {"bus": f"bus-{suffix}", "air": f"air-{suffix}", "budget": f"budget-{suffix}"}
    ckan.action.package_create(
        name=names["bus"],
        title="Horaires des bus",
        owner_org=org["id"],
        notes="Timetables of the running buses in the city",
        tags=[{"name": "transport"}, {"name": "mobility"}],
        extras=[{"key": "frequency", "value": "daily"}],
        resources=[{"url": "https://example.org/bus.csv", "format": "CSV", "name": "bus"}],
    )
    ckan.action.package_create(
        name=names["air"],
        title="Qualité de l'air",
        owner_org=org["id"],
        notes="Air quality stations measurements",
        tags=[{"name": "environment"}, {"name": "transport"}],
        resources=[{"url": "https://example.org/air.json", "format": "JSON", "name": "air"}],
    )
    ckan.action.package_create(
        name=names["budget"],
        title="Budget primitif",
        owner_org=org["id"],
        notes="The annual budget of the municipality",
        tags=[{"name": "finances"}],
        resources=[{"url": "https://example.org/budget.csv", "format": "CSV", "name": "b"}],
    )
    return {"org": org["name"], "org_id": org["id"], **names}


def search(ckan: ckanapi.RemoteCKAN, catalog: dict[str, str], **params: object) -> dict:
    fq = f"organization:{catalog['org']}"
    extra = params.pop("fq", None)
    return ckan.action.package_search(fq=f"{fq} {extra}" if extra else fq, **params)


def test_free_text_search_is_stemmed(ckan: ckanapi.RemoteCKAN, catalog: dict[str, str]) -> None:
    # "run" finds "running", "bus" finds "buses": the same stemming as Solr's English field.
    result = search(ckan, catalog, q="run bus")
    assert [d["name"] for d in result["results"]] == [catalog["bus"]]


def test_fq_on_organization_tags_and_formats(
    ckan: ckanapi.RemoteCKAN, catalog: dict[str, str]
) -> None:
    assert search(ckan, catalog)["count"] == 3
    tagged = search(ckan, catalog, fq="tags:transport")
    assert {d["name"] for d in tagged["results"]} == {catalog["bus"], catalog["air"]}
    csv = search(ckan, catalog, fq="res_format:CSV")
    assert {d["name"] for d in csv["results"]} == {catalog["bus"], catalog["budget"]}
    not_transport = search(ckan, catalog, fq="-tags:transport")
    assert [d["name"] for d in not_transport["results"]] == [catalog["budget"]]


def test_tag_facets_count_the_whole_result(
    ckan: ckanapi.RemoteCKAN, catalog: dict[str, str]
) -> None:
    result = search(ckan, catalog, rows=1, **{"facet.field": '["tags", "res_format"]'})
    assert len(result["results"]) == 1
    assert result["facets"]["tags"] == {
        "transport": 2,
        "mobility": 1,
        "environment": 1,
        "finances": 1,
    }
    assert result["facets"]["res_format"] == {"CSV": 2, "JSON": 1}


def test_sort_paging_and_field_list(ckan: ckanapi.RemoteCKAN, catalog: dict[str, str]) -> None:
    by_name = search(ckan, catalog, sort="name asc", rows=2, start=1)
    assert [d["name"] for d in by_name["results"]] == sorted(
        [catalog["air"], catalog["budget"], catalog["bus"]]
    )[1:]
    titles = search(ckan, catalog, sort="title_string desc", fl="name,title")
    assert [d["title"] for d in titles["results"]] == sorted(
        ["Horaires des bus", "Qualité de l'air", "Budget primitif"], reverse=True
    )
    assert set(titles["results"][0]) == {"name", "title"}


def test_update_patch_and_resource_create_are_searchable(
    ckan: ckanapi.RemoteCKAN, catalog: dict[str, str]
) -> None:
    ckan.action.package_patch(id=catalog["budget"], notes="Spending per district and ward")
    assert [d["name"] for d in search(ckan, catalog, q="district")["results"]] == [
        catalog["budget"]
    ]
    dataset = ckan.action.package_show(id=catalog["budget"])
    dataset["title"] = "Budget voté"
    ckan.action.package_update(**dataset)
    resource = ckan.action.resource_create(
        package_id=catalog["budget"], url="https://example.org/budget.geojson", format="GeoJSON"
    )
    shown = ckan.action.package_show(id=catalog["budget"])
    assert shown["title"] == "Budget voté"
    assert resource["id"] in {r["id"] for r in shown["resources"]}
    geo = search(ckan, catalog, fq="res_format:GeoJSON")
    assert [d["name"] for d in geo["results"]] == [catalog["budget"]]


def test_private_datasets_are_hidden_from_anonymous_users(
    ckan: ckanapi.RemoteCKAN, anonymous: ckanapi.RemoteCKAN, catalog: dict[str, str]
) -> None:
    name = f"secret-{uuid.uuid4().hex[:8]}"
    ckan.action.package_create(
        name=name, owner_org=catalog["org_id"], private=True, title="Internal register"
    )
    assert ckan.action.package_search(q=name, include_private=True)["count"] == 1
    assert anonymous.action.package_search(q=name, include_private=True)["count"] == 0
    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.action.package_show(id=name)


def test_delete_and_purge_leave_the_index(
    ckan: ckanapi.RemoteCKAN, catalog: dict[str, str]
) -> None:
    name = f"gone-{uuid.uuid4().hex[:8]}"
    ckan.action.package_create(name=name, owner_org=catalog["org_id"], title="Ephemeral thing")
    assert ckan.action.package_search(q="ephemeral", fq=f"name:{name}")["count"] == 1
    ckan.action.package_delete(id=name)
    assert ckan.action.package_search(q="ephemeral", fq=f"name:{name}")["count"] == 0
    ckan.action.dataset_purge(id=name)
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id=name)


def test_search_index_rebuild_restores_the_index(
    stack: RunningStack, ckan: ckanapi.RemoteCKAN, catalog: dict[str, str]
) -> None:
    """`ckan search-index clear` then `rebuild`, through CKAN's own CLI on the stack's ini."""
    ckan_cli = [
        str(stack.env.get("CKAN_VENV", ROOT / ".venv-ckan")) + "/bin/ckan",
        "-c",
        str(stack.var_dir / "ckan" / "ckan.ini"),
        "search-index",
    ]
    cleared = subprocess.run([*ckan_cli, "clear"], capture_output=True, text=True, check=False)
    assert cleared.returncode == 0, cleared.stderr
    assert search(ckan, catalog)["count"] == 0
    rebuilt = subprocess.run([*ckan_cli, "rebuild"], capture_output=True, text=True, check=False)
    assert rebuilt.returncode == 0, rebuilt.stderr
    result = search(ckan, catalog, **{"facet.field": '["tags"]'})
    assert result["count"] == 3
    assert result["facets"]["tags"]["transport"] == 2
