"""RemoteCkan against the real CKAN of the integration stack.

The unit tests prove the adapter's HTTP behaviour against a local double; these
prove that CKAN itself answers the way the adapter expects: idempotent upserts, the
errors it maps, search with filters and facets. :class:`TestRealCkan` runs the port's
contract (tests/fakes/ckan_contract.py), which tests/unit/test_ckan_fake.py runs
against the fake the service tests use: the real CKAN is the judge of both.
Names carry a random suffix, so runs never collide on a shared stack.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import ckanapi
import pytest
from tests.fakes.ckan_contract import CkanContract

from civic.connectors.ckan import (
    CkanNotAuthorized,
    CkanNotFound,
    CkanSearchResult,
    CkanValidationError,
    RemoteCkan,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ckan(stack: Any) -> Iterator[RemoteCkan]:
    # CKAN indexes each write synchronously; a generous read timeout keeps a
    # loaded CI machine from turning slowness into a failure.
    with RemoteCkan(stack.ckan_url, stack.ckan_api_token, timeout=30.0, retries=2) as client:
        yield client


def purge(ckan: RemoteCkan, kind: str, name_or_id: str) -> None:
    """``dataset_purge`` or ``organization_purge``, which only tests send; absent is fine."""
    with contextlib.suppress(CkanNotFound):
        ckan.call_action(f"{kind}_purge", {"id": name_or_id})


def organization(ckan: RemoteCkan) -> Iterator[str]:
    """A new organization, purged afterwards with its datasets."""
    name = f"civic-it-{uuid.uuid4().hex[:10]}"
    ckan.organization_upsert(name, title="Integration tests")
    yield name
    for include_private in (False, True):
        found = ckan.dataset_search(
            fq=f"organization:{name}", rows=1000, include_private=include_private
        )
        for dataset in found.datasets:
            purge(ckan, "dataset", dataset.id)
    purge(ckan, "organization", name)


@pytest.fixture
def org(ckan: RemoteCkan) -> Iterator[str]:
    yield from organization(ckan)


@pytest.fixture
def other_org(ckan: RemoteCkan) -> Iterator[str]:
    yield from organization(ckan)


@pytest.fixture
def client(ckan: RemoteCkan) -> RemoteCkan:
    return ckan


class TestRealCkan(CkanContract):
    """The port's contract, against the real CKAN."""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_status(ckan: RemoteCkan) -> None:
    status = ckan.status()
    assert status.ckan_version.startswith("2.")
    assert status.site_url


def test_organization_upsert_is_idempotent(ckan: RemoteCkan) -> None:
    name = unique("civic-it-org")
    first = ckan.organization_upsert(name, title="First", extras={"region": "north"})
    try:
        second = ckan.organization_upsert(name, title="Second", description="About")
        assert second.id == first.id
        assert (second.title, second.description) == ("Second", "About")
        assert second.extras == {"region": "north"}
        assert ckan.organization_show(name) == second
        ckan.call_action("organization_delete", {"id": name})
        assert ckan.organization_show(name).state == "deleted"
        revived = ckan.organization_upsert(name, title="Second", description="About")
        assert (revived.id, revived.state) == (first.id, "active")
    finally:
        purge(ckan, "organization", name)
    with pytest.raises(CkanNotFound):
        ckan.organization_show(name)


def test_dataset_lifecycle(ckan: RemoteCkan, org: str) -> None:
    name = unique("civic-it-ds")
    data: dict[str, Any] = {
        "name": name,
        "title": "Air quality",
        "owner_org": org,
        "notes": "Hourly measurements",
        "license_id": "cc-by",
        "tags": [{"name": "air"}, {"name": "health"}],
        "extras": [{"key": "theme", "value": "ENVI"}],
    }
    first = ckan.dataset_upsert(data)
    assert first.organization_name == org
    assert first.tags == ("air", "health")
    assert first.extras == {"theme": "ENVI"}

    resource = ckan.call_action(
        "resource_create",
        {"package_id": name, "url": "https://example.org/air.csv", "name": "M", "format": "CSV"},
    )
    assert resource["package_id"] == first.id

    # The same upsert again (a worker retry): still one dataset, resources kept.
    second = ckan.dataset_upsert({**data, "title": "Air quality (hourly)"})
    assert second.id == first.id
    assert second.title == "Air quality (hourly)"
    assert [r.id for r in second.resources] == [resource["id"]]
    assert ckan.dataset_search(fq=f"name:{name}").count == 1

    patched = ckan.dataset_patch(name, {"notes": "Patched"})
    assert (patched.notes, patched.title) == ("Patched", "Air quality (hourly)")
    assert [(r.name, r.format) for r in patched.resources] == [("M", "CSV")]

    ckan.dataset_delete(name)
    ckan.dataset_delete(name)  # already deleted: not an error
    assert ckan.dataset_show(name).state == "deleted"
    assert ckan.dataset_search(fq=f"name:{name}").count == 0

    purge(ckan, "dataset", name)
    with pytest.raises(CkanNotFound):
        ckan.dataset_show(name)


CATALOG = [
    ("bus-stops", ["transport", "city"], "CSV"),
    ("bus-lines", ["transport"], "JSON"),
    ("budget", ["finance", "city"], "CSV"),
]


def publish_catalog(client: RemoteCkan, org: str, suffix: str) -> None:
    for stem, tags, fmt in CATALOG:
        client.dataset_upsert(
            {
                "name": f"{stem}-{suffix}",
                "title": stem.replace("-", " ").title(),
                "owner_org": org,
                "tags": [{"name": t} for t in tags],
                "resources": [{"url": f"https://example.org/{stem}", "format": fmt}],
            }
        )


def stems(result: CkanSearchResult) -> list[str]:
    return [d.name.rsplit("-", 1)[0] for d in result.datasets]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (("*:*", ""), ["budget", "bus-lines", "bus-stops"]),
        (("budget", ""), ["budget"]),
        (("BUS stops", ""), ["bus-stops"]),
        (("*:*", "tags:transport"), ["bus-lines", "bus-stops"]),
        (("*:*", "tags:city res_format:CSV"), ["budget", "bus-stops"]),
        (("*:*", "tags:(finance OR transport)"), ["budget", "bus-lines", "bus-stops"]),
        (("*:*", "name:bus-*"), ["bus-lines", "bus-stops"]),
        (
            ("*:*", "metadata_modified:[2000-01-01T00:00:00Z TO *]"),
            ["budget", "bus-lines", "bus-stops"],
        ),
    ],
)
def test_search_queries_and_filters(
    ckan: RemoteCkan, org: str, query: tuple[str, str], expected: list[str]
) -> None:
    q, fq = query
    publish_catalog(ckan, org, uuid.uuid4().hex[:10])
    scoped = f"organization:{org} {fq}".strip()
    assert stems(ckan.dataset_search(q, fq=scoped, sort="name asc")) == expected


def test_facets_are_counted_over_all_matches(ckan: RemoteCkan, org: str) -> None:
    publish_catalog(ckan, org, uuid.uuid4().hex[:10])
    facets = ("tags", "res_format", "organization")
    real = ckan.dataset_search(fq=f"organization:{org}", rows=1, facet_fields=facets)
    assert (real.count, len(real.datasets)) == (3, 1)
    assert real.facets["tags"] == {"transport": 2, "city": 2, "finance": 1}
    assert real.facets["res_format"] == {"CSV": 2, "JSON": 1}
    assert real.facets["organization"] == {org: 3}


def test_negated_filters(ckan: RemoteCkan, org: str) -> None:
    publish_catalog(ckan, org, uuid.uuid4().hex[:10])
    assert stems(ckan.dataset_search(fq=f"organization:{org} -tags:city")) == ["bus-lines"]


def test_a_sort_on_an_unknown_field_is_accepted(ckan: RemoteCkan, org: str) -> None:
    """CKAN's Solr schema has a catch-all `*` string field, so Solr sorts on any name."""
    publish_catalog(ckan, org, uuid.uuid4().hex[:10])
    found = ckan.dataset_search(fq=f"organization:{org}", sort="no_such_field asc, name asc")
    assert stems(found) == ["budget", "bus-lines", "bus-stops"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"name": "a"}, "name"),
        ({"name": "new"}, "name"),
        ({"name": "Upper"}, "name"),
        ({"owner_org": None}, "owner_org"),
        ({"tags": [{"name": "ok"}, {"name": "x"}, {"name": "no/slash"}]}, "tags"),
        ({"extras": [{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]}, "extras_validation"),
        ({"resources": [{"url": "https://example.org/a", "size": "big"}]}, "resources"),
    ],
)
def test_validation_errors_come_per_field(
    ckan: RemoteCkan, org: str, bad: dict[str, Any], field: str
) -> None:
    """What problems.py and sync.py show a publisher: CKAN's messages, field by field."""
    with pytest.raises(CkanValidationError) as caught:
        ckan.dataset_upsert({"name": unique("civic-it-bad"), "owner_org": org, **bad})
    assert field in caught.value.fields
    assert all(messages for _, messages in caught.value.field_messages)
    assert caught.value.text.startswith(f"{field}: ") or f", {field}: " in caught.value.text


def test_ckan_refusals_are_mapped(stack: Any, ckan: RemoteCkan, org: str) -> None:
    with pytest.raises(CkanNotFound):
        ckan.dataset_show(unique("civic-it-missing"))

    with pytest.raises(CkanValidationError) as caught:
        ckan.dataset_upsert({"name": "Not A Valid Name", "owner_org": org})
    assert "name" in caught.value.errors

    with pytest.raises(CkanValidationError) as caught:
        ckan.dataset_upsert({"name": unique("civic-it-ds"), "owner_org": unique("no-org")})
    assert "owner_org" in caught.value.errors

    other = unique("civic-it-other")
    ckan.organization_upsert(other, title="Other")
    try:
        taken = unique("civic-it-taken")
        ckan.dataset_upsert({"name": taken, "owner_org": org, "title": "Mine"})
        with pytest.raises(CkanValidationError):
            ckan.dataset_upsert({"name": taken, "owner_org": other, "title": "Theirs"})
        assert ckan.dataset_show(taken).title == "Mine"
        with pytest.raises(CkanValidationError):
            ckan.call_action("organization_delete", {"id": org})  # it still has a dataset
    finally:
        purge(ckan, "organization", other)

    with (
        RemoteCkan(stack.ckan_url, "not-a-valid-token", retries=0) as stranger,
        pytest.raises(CkanNotAuthorized),
    ):
        stranger.dataset_upsert({"name": unique("civic-it-ds"), "owner_org": org})


def test_the_batch_action_is_for_sysadmins_only(stack: Any, org: str) -> None:
    """An anonymous caller is refused before any package is looked at (a batch costs
    CKAN a run per refusal, and its answers would tell which names are taken)."""
    anonymous = ckanapi.RemoteCKAN(stack.ckan_url, user_agent="civic-tests")
    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.call_action(
            "civic_package_create_batch",
            {"packages": [{"name": f"anon-batch-{uuid.uuid4().hex[:8]}", "owner_org": org}]},
        )
