"""Real Data Packages from public repositories, published with ``civic publish`` to the real CKAN.

The descriptors of ``tests/data/datapackages`` (their repositories and commits in its
SOURCES.md) are published as their authors wrote them, with their relative paths
resolved against the address their repository serves them at; the data files are
never downloaded. Each one must reach CKAN with its resources, formats and licence,
and a second publish must change nothing. Two are refused, each for the rule of the
specification it breaks. A descriptor given by its URL resolves its paths against
that URL.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.integration.publishing.helpers import Person
from tests.integration.publishing.live import civic, ckan, eventually, stack_catalog
from tests.integration.stack import RunningStack

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parents[1] / "data" / "datapackages"

# What each package must become in CKAN: its name, its licence (SPDX) and its
# resources' formats. Written from the descriptors by hand, not computed by the code
# under test. The licence spelling each descriptor uses is in the comment.
EXPECTED: dict[str, tuple[str, str, list[str]]] = {
    "gdp": ("gdp", "PDDL-1.0", ["CSV", "CSV"]),  # name ODC-PDDL-1.0; 2nd: no format
    "country-list": ("country-list", "PDDL-1.0", ["CSV"]),  # no description
    "country-list-yml": ("country-list", "PDDL-1.0", ["CSV"]),  # .yml
    "co2-ppm": ("co2-ppm", "PDDL-1.0", ["CSV"] * 6),  # "license": "PDDL-1.0" (pre-1.0)
    "s-and-p-500": ("s-and-p-500", "PDDL-1.0", ["CSV"]),
    "population": ("population", "PDDL-1.0", ["CSV"]),  # {"id": "odc-pddl", "url": ...}
    "house-prices-us": ("house-prices-us", "PDDL-1.0", ["CSV"] * 3),
    "finance-vix": ("finance-vix", "PDDL-1.0", ["CSV"]),  # datapackage.yaml
    "language-codes": ("language-codes", "PDDL-1.0", ["CSV"] * 4),  # mediatype only
    "gold-prices": ("gold-prices", "PDDL-1.0", ["CSV"] * 3),  # .../pddl/1-0/
    "bond-yields-uk-10y": ("bond-yields-uk-10y", "PDDL-1.0", ["CSV"] * 2),
    "simple-geojson": ("simple-geojson", "PDDL-1.0", ["GEOJSON"]),
    "donation-codes-via-url": ("donation-codes", "CC-BY-4.0", ["CSV"]),  # absolute URL
    "cpi": ("cpi", "PDDL-1.0", ["CSV"]),  # {"type": "odc-pddl", "url": ...}: by its URL
}
# Refused, with the rule each one breaks.
REFUSED: dict[str, str] = {
    # Data Resource: "a resource MUST contain a path or data property".
    "countries-and-currencies": 'resources[0]: one of the properties "path" or "data" is required',
    # A descriptor is a JSON (or, as frictionless reads them, YAML) object: this
    # .yml is not YAML at all (an unquoted "Note: ..." in a plain scalar).
    "country-list-broken-yaml": "is not valid YAML (a Data Package descriptor must be a JSON"
    " or YAML object): mapping values are not allowed here",
}


def sources() -> dict[str, tuple[str, str, str]]:
    """folder -> (repository, path, commit), from SOURCES.md."""
    rows = re.findall(
        r"^\| `([\w-]+)` \| \[([\w./-]+)\]\([^)]*\) \| `([^`]+)` \| `([0-9a-f]{40})` \|",
        (HERE / "SOURCES.md").read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    return {folder: (repository, path, commit) for folder, repository, path, commit in rows}


def base_url(folder: str) -> str:
    """Where the repository serves the descriptor's folder at its commit."""
    repository, path, commit = sources()[folder]
    directory = path.rpartition("/")[0]
    return f"https://raw.githubusercontent.com/{repository}/{commit}/" + (
        f"{directory}/" if directory else ""
    )


def descriptor_file(folder: str) -> Path:
    return next((HERE / folder).glob("datapackage.*"))


def raw_paths(folder: str) -> list[str]:
    """The resources' paths as written in the descriptor (a pre-1.0 one may say url)."""
    source = descriptor_file(folder)
    text = source.read_text(encoding="utf-8")
    package = json.loads(text) if source.suffix == ".json" else yaml.safe_load(text)
    return [resource.get("path") or resource["url"] for resource in package["resources"]]


@pytest.fixture(scope="module")
def publisher(stack: RunningStack) -> tuple[Person, str]:
    catalog = stack_catalog(stack)
    organization = f"dp-{uuid.uuid4().hex[:8]}"
    catalog.organization(organization)
    return catalog.person("publisher", (organization,)), organization


def publish(
    stack: RunningStack, publisher: tuple[Person, str], source: str, *args: str
) -> tuple[int, dict[str, Any], str]:
    person, organization = publisher
    done = civic(
        stack,
        "publish",
        source,
        "--as",
        person.email,
        "--organization",
        organization,
        "--wait",
        "60",
        "--json",
        *args,
    )
    try:
        return done.returncode, json.loads(done.stdout), done.stderr
    except ValueError:
        return done.returncode, {}, done.stdout + done.stderr


def in_ckan(stack: RunningStack, name: str, resources: int) -> dict[str, Any]:
    def package() -> dict[str, Any] | None:
        found: dict[str, Any] = ckan(stack).action.package_show(id=name)
        return found if len(found["resources"]) == resources else None

    return eventually(package, timeout=60)


def test_every_corpus_descriptor_is_covered() -> None:
    assert set(EXPECTED) | set(REFUSED) == set(sources())
    assert len(sources()) >= 10


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_a_real_data_package_reaches_ckan_whole_and_a_second_publish_changes_nothing(
    stack: RunningStack, publisher: tuple[Person, str], folder: str
) -> None:
    name, licence, formats = EXPECTED[folder]
    base = base_url(folder)
    code, report, output = publish(
        stack, publisher, str(descriptor_file(folder)), "--base-url", base
    )
    assert code == 0, output
    assert report["created"] + report["updated"] == [name], report
    assert report["sync"] == {"synced": 1}, report
    package = in_ckan(stack, name, len(formats))
    assert package["license_id"] == licence
    assert package["organization"]["name"] == publisher[1]
    assert package["notes"]  # given, or derived from the title when the package has none
    expected_urls = [
        path if path.startswith("https://") else base + path for path in raw_paths(folder)
    ]
    assert [r["url"] for r in package["resources"]] == expected_urls
    # CKAN writes a format it knows its own way (GEOJSON is "GeoJSON" there).
    assert [r["format"].upper() for r in package["resources"]] == formats
    modified = package["metadata_modified"]

    again_code, again, again_output = publish(
        stack, publisher, str(descriptor_file(folder)), "--base-url", base
    )
    assert again_code == 0, again_output
    assert again["unchanged"] == [name], again
    assert again["created"] == again["updated"] == []
    assert ckan(stack).action.package_show(id=name)["metadata_modified"] == modified


def test_a_package_without_description_says_it_was_derived(
    stack: RunningStack, publisher: tuple[Person, str]
) -> None:
    code, report, output = publish(
        stack, publisher, str(descriptor_file("finance-vix")), "--base-url", base_url("finance-vix")
    )
    assert code == 0, output
    assert {
        "where": "datapackage",
        "name": "finance-vix",
        "note": ("description: none given, derived from the title (DCAT-AP requires one)"),
    } in report["notes"]
    assert ckan(stack).action.package_show(id="finance-vix")["notes"] == "CBOE Volatility Index"


@pytest.mark.parametrize("folder", sorted(REFUSED))
def test_a_descriptor_breaking_the_spec_is_refused_naming_the_rule(
    stack: RunningStack, publisher: tuple[Person, str], folder: str
) -> None:
    code, report, output = publish(
        stack, publisher, str(descriptor_file(folder)), "--base-url", base_url(folder)
    )
    assert code == 1
    errors = [failure["error"] for failure in report.get("failed", [])] or [output]
    assert any(REFUSED[folder] in error for error in errors), errors


def test_a_local_descriptor_with_relative_paths_needs_a_base_url(
    stack: RunningStack, publisher: tuple[Person, str]
) -> None:
    code, report, output = publish(stack, publisher, str(descriptor_file("gdp")))
    assert code == 1, output
    [failure] = report["failed"]
    assert failure["error"].startswith("resources[0].path: 'data/top-economies.csv' is relative")
    assert "--base-url" in failure["error"]
    assert "resources.0.url" not in failure["error"]


REQUESTS: list[tuple[str, str]] = []


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files and remembers each request's path and User-Agent."""

    def do_GET(self) -> None:
        REQUESTS.append((self.path, self.headers.get("User-Agent", "")))
        super().do_GET()


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """tests/data/datapackages over HTTP on loopback, as a repository would serve it."""
    handler = functools.partial(Handler, directory=str(HERE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_descriptor_given_by_url_resolves_its_paths_against_that_url(
    stack: RunningStack, publisher: tuple[Person, str], served: str
) -> None:
    url = f"{served}/house-prices-us/datapackage.json"
    code, report, output = publish(stack, publisher, url)
    assert code == 0, output
    assert report["created"] + report["updated"] + report["unchanged"] == ["house-prices-us"]
    package = in_ckan(stack, "house-prices-us", 3)
    wanted = [f"{served}/house-prices-us/{path}" for path in raw_paths("house-prices-us")]
    eventually(
        lambda: (
            [r["url"] for r in ckan(stack).action.package_show(id="house-prices-us")["resources"]]
            == wanted
        ),
        timeout=60,
    )
    assert package["license_id"] == "PDDL-1.0"
    # The descriptor was fetched, with the platform's User-Agent; no data file was.
    assert set(REQUESTS) == {("/house-prices-us/datapackage.json", "civic-platform/0.1")}
    code, again, output = publish(stack, publisher, url)
    assert code == 0, output
    assert again["unchanged"] == ["house-prices-us"]
