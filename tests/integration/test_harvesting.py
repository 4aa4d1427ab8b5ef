"""Harvesters nobody here wrote, pointed at the gateway (issue 13, "the judge").

- ckanext-harvest's CKAN harvester and ckanext-dcat's DCAT RDF harvester run on a
  second CKAN (``harvester_site``: its own database, ckanext-civic's search) with
  ``ckan harvester run-test``, and the job counts ckanext-harvest reports are asserted;
- frictionless-py's CKAN portal adapter reads a package through the Action API facade.

The datasets are published through ``/api/v1`` by a publisher of an organization of its
own, a few more than one DCAT page. The CKAN harvester reads that organization alone and
the DCAT harvester what changed since it was seeded (``modified_since``), so the time
these tests take does not grow with what the rest of the session published.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
import warnings
from typing import Any

import psycopg
import pytest
import requests
from frictionless import Package
from frictionless.portals import CkanControl
from tests.integration.harvester import HarvesterSite
from tests.integration.identity import civic
from tests.integration.publishing.helpers import Person, body
from tests.integration.publishing.live import stack_catalog
from tests.integration.stack import RunningStack

pytestmark = pytest.mark.integration

with warnings.catch_warnings():
    # frictionless-ckan-mapper 1.0.9 (frictionless[ckan]) writes a regex with an invalid
    # escape ("\|"): a warning when Python compiles it (DeprecationWarning on 3.11,
    # SyntaxWarning later), which this suite's warnings-as-errors makes a SyntaxError.
    warnings.simplefilter("ignore")
    import frictionless_ckan_mapper.ckan_to_frictionless  # noqa: F401

PAGE_SIZE = 4
SEEDED = PAGE_SIZE + 2  # more than one DCAT page of the seeded datasets alone
STATS = ("added", "updated", "not modified", "errored", "deleted")
# One licence per seeded dataset, and the id a CKAN with the default licence register
# gives each; Etalab-2.0 is not in that register, so such a CKAN leaves it empty.
LICENCES = ("etalab-2.0", "ODbL-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODC-By-1.0")
CKAN_LICENCE_IDS = {
    "ODbL-1.0": "odc-odbl",
    "ODC-By-1.0": "odc-by",
    "PDDL-1.0": "odc-pddl",
    "CC0-1.0": "cc-zero",
    "CC-BY-4.0": "cc-by",
    "CC-BY-SA-4.0": "cc-by-sa",
}


def action_api(stack: RunningStack) -> str:
    """Where the harvesters read CKAN's Action API: the gateway's facade."""
    return stack.gateway_url


@pytest.fixture(scope="module")
def publisher(stack: RunningStack) -> Person:
    catalog = stack_catalog(stack)
    organization = f"harvested-{uuid.uuid4().hex[:8]}"
    catalog.organization(organization)
    person = catalog.person("publisher", (organization,))
    person.organization = organization  # type: ignore[attr-defined]
    return person


@pytest.fixture(scope="module")
def personal_token(stack: RunningStack, publisher: Person) -> dict[str, Any]:
    """The publisher's personal API token (``token``, ``client_id`` of the app its calls
    count for), made with the command line as a person would: the one key a harvest
    source keeps for months (OAuth access tokens live 15 minutes)."""
    made: dict[str, Any] = civic(
        stack, "tokens", "create", "--user", publisher.email, "--name", "harvester"
    )
    return made


def counted_calls(stack: RunningStack, client_id: str, route: str) -> int:
    """How many calls to ``route`` the gateway's usage records hold for the app."""
    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM usage_events e JOIN apps a ON a.id = e.app_id"
            " WHERE a.client_id = %s AND e.route = %s",
            (client_id, route),
        ).fetchone()
    return int(row[0]) if row else 0


def org_of(person: Person) -> str:
    return str(person.organization)  # type: ignore[attr-defined]


def v1(stack: RunningStack, method: str, path: str, person: Person | None = None, **kw: Any) -> Any:
    headers = person.headers if person else {}
    return requests.request(
        method, f"{stack.gateway_url}/api/v1{path}", headers=headers, timeout=60, **kw
    )


@pytest.fixture(scope="module")
def published(stack: RunningStack, publisher: Person) -> list[dict[str, Any]]:
    """SEEDED datasets of the publisher's organization, stored and synced to CKAN."""
    datasets = []
    for number in range(SEEDED):
        sent = body(
            organization=org_of(publisher),
            title=f"Relevés harvestés {number}",
            license=LICENCES[number % len(LICENCES)],
            resources=[
                {"url": f"https://data.example.org/releves-{number}.csv", "format": "CSV"},
                {"url": f"https://data.example.org/releves-{number}.json", "format": "JSON"},
            ],
        )
        created = v1(stack, "POST", "/datasets", publisher, json=sent)
        assert created.status_code == 201, created.text
        datasets.append(created.json())
    return datasets


@pytest.fixture(scope="module")
def local_org(harvester_site: HarvesterSite) -> str:
    """The harvesting site's organization that owns its sources and what they bring."""
    with harvester_site.api() as api:
        return str(api.action.organization_create(name=f"moissons-{uuid.uuid4().hex[:6]}")["id"])


def counts(job: dict[str, Any]) -> dict[str, int]:
    return {name: job["stats"].get(name, 0) for name in STATS}


def test_ckan_harvester_brings_every_dataset_then_exactly_the_changed_one(
    stack: RunningStack,
    harvester_site: HarvesterSite,
    *,
    publisher: Person,
    personal_token: dict[str, Any],
    published: list[dict[str, Any]],
    local_org: str,
) -> None:
    source = harvester_site.create_source(
        f"gateway-ckan-{uuid.uuid4().hex[:6]}",
        action_api(stack),
        "ckan",
        local_org,
        # The publisher's organization alone: other tests of the session publish too.
        {"api_key": personal_token["token"], "organizations_filter_include": [org_of(publisher)]},
    )
    first = harvester_site.run_job(source["id"])
    assert counts(first) == {**dict.fromkeys(STATS, 0), "added": SEEDED}, first
    harvested = harvester_site.harvested(source["id"])
    # The CKAN harvester keys a dataset by the remote id: CKAN's own, which the facade keeps.
    assert set(harvested) == {dataset["ckan_id"] for dataset in published}
    assert {row["name"] for row in harvested.values()} == {d["name"] for d in published}
    assert {row["title"] for row in harvested.values()} == {d["title"] for d in published}

    changed = published[1]
    update = {
        **body(organization=org_of(publisher)),
        "name": changed["name"],
        "title": "Relevés harvestés, corrigés",
    }
    assert v1(stack, "PUT", f"/datasets/{changed['name']}", publisher, json=update).ok

    second = harvester_site.run_job(source["id"])
    assert counts(second) == {
        **dict.fromkeys(STATS, 0),
        "updated": 1,
        "not modified": SEEDED - 1,
    }, second
    again = harvester_site.harvested(source["id"])
    assert again[changed["ckan_id"]]["title"] == "Relevés harvestés, corrigés"
    for guid, row in harvested.items():
        if guid != changed["ckan_id"]:
            assert again[guid] == row  # untouched, to the microsecond

    # Each run searched the facade once with the token: calls of the token's app.
    route = "/api/3/action/package_search"
    deadline = time.monotonic() + 20
    while counted_calls(stack, personal_token["client_id"], route) < 2:
        assert time.monotonic() < deadline, "the harvester's searches were not counted"
        time.sleep(0.5)


def gateway_datasets(stack: RunningStack, since: dt.datetime) -> dict[str, tuple[str, str]]:
    """The gateway's datasets modified at or after ``since``, name: (title, licence), read
    through every page of /api/v1."""
    found: dict[str, tuple[str, str]] = {}
    seen = 0
    page = 1
    while True:
        answer = v1(stack, "GET", "/datasets", params={"page": page, "page_size": 100})
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        seen += len(results)
        for result in results:
            if dt.datetime.fromisoformat(result["modified"]) >= since:
                found[result["name"]] = (result["title"], result["license"])
        if seen >= answer.json()["total"] or not results:
            return found
        page += 1


def test_dcat_rdf_harvester_follows_every_page_of_the_catalog(
    stack: RunningStack,
    harvester_site: HarvesterSite,
    published: list[dict[str, Any]],
    local_org: str,
) -> None:
    # From the first seeded dataset's creation on, by the gateway's own clock.
    since = min(dt.datetime.fromisoformat(dataset["created"]) for dataset in published)
    expected = gateway_datasets(stack, since)
    assert len(expected) > PAGE_SIZE
    assert {dataset["name"] for dataset in published} <= set(expected)
    moment = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    source = harvester_site.create_source(
        f"gateway-dcat-{uuid.uuid4().hex[:6]}",
        f"{stack.gateway_url}/catalog.ttl?page_size={PAGE_SIZE}&modified_since={moment}",
        "dcat_rdf",
        local_org,
        {},
    )
    job = harvester_site.run_job(source["id"])
    assert counts(job) == {**dict.fromkeys(STATS, 0), "added": len(expected)}, job
    # ckanext-dcat keys a dataset by its URI, the gateway's .../datasets/<name>.
    harvested = harvester_site.harvested(source["id"])
    by_name = {guid.rsplit("/", 1)[-1]: row for guid, row in harvested.items()}
    assert set(by_name) == set(expected)
    assert {name: row["title"] for name, row in by_name.items()} == {
        name: title for name, (title, _) in expected.items()
    }
    # Licences by the address CKAN's register knows them by (dct:license).
    assert {name: row["license_id"] or "" for name, row in by_name.items()} == {
        name: CKAN_LICENCE_IDS.get(licence, "") for name, (_, licence) in expected.items()
    }


def test_frictionless_ckan_portal_reads_a_package_as_api_v1_shows_it(
    stack: RunningStack, published: list[dict[str, Any]]
) -> None:
    name = published[0]["name"]
    package = Package(control=CkanControl(baseurl=action_api(stack), dataset=name))
    shown = v1(stack, "GET", f"/datasets/{name}").json()
    assert package.name == name
    assert package.title == shown["title"]
    assert [resource.path for resource in package.resources] == [
        resource["url"] for resource in shown["resources"]
    ]
    assert [resource.format for resource in package.resources] == [
        resource["format"].lower() for resource in shown["resources"]
    ]
    assert [licence["name"] for licence in package.licenses] == [shown["license"]]
