"""The contract of the CKAN port: what the services rely on, as they call it.

:class:`CkanContract` is run twice: against :class:`tests.fakes.ckan.FakeCkan`
(tests/unit/test_ckan_fake.py) and against :class:`~civic.connectors.ckan.RemoteCkan`
talking to the real CKAN of the integration stack
(tests/integration/test_ckan_connector_live.py), so the fake the service tests use
cannot drift from what CKAN does. A subclass provides three fixtures: ``client``,
and ``org`` and ``other_org``, the names of two organizations that exist. Dataset
names carry a random suffix, so the contract can run on a shared CKAN.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from civic.connectors.ckan import CkanClient, CkanDataset, CkanNotFound, CkanValidationError


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def package(name: str, org: str, **fields: Any) -> dict[str, Any]:
    """A package as ``publishing/sync.py`` sends it (``mapping.to_package``'s keys)."""
    return {
        "name": name,
        "title": "Air quality",
        "notes": "Hourly measurements",
        "owner_org": org,
        "license_id": "cc-by",
        "tags": [{"name": "air"}, {"name": "health"}],
        "maintainer": "Service air",
        "maintainer_email": "air@example.org",
        "extras": [{"key": "theme", "value": '["ENVI"]'}],
        "resources": [{"url": "https://example.org/air.csv", "name": "a", "format": "CSV"}],
        "state": "active",
        **fields,
    }


def all_names(client: CkanClient, **options: Any) -> list[str]:
    """Every dataset name ``"*:*"`` finds, read page by page as reconcile reads them."""
    names: list[str] = []
    start = 0
    while True:
        page = client.dataset_search("*:*", rows=1000, start=start, sort="name asc", **options)
        names += [dataset.name for dataset in page.datasets]
        start += 1000
        if start >= page.count or not page.datasets:
            return names


class CkanContract:
    """What ``publishing/sync.py``, ``catalog/ingest.py``, ``publishing/reconcile.py``,
    ``publishing/push.py`` and the health check ask of CKAN."""

    def test_status(self, client: CkanClient) -> None:
        status = client.status()
        assert status.ckan_version.startswith("2.")
        assert isinstance(status.extensions, tuple)

    def test_an_unknown_organization_or_dataset_is_not_found(self, client: CkanClient) -> None:
        with pytest.raises(CkanNotFound):
            client.organization_show(unique("no-such-org"))
        with pytest.raises(CkanNotFound):
            client.dataset_show(unique("no-such-dataset"))

    def test_organization_upsert_is_idempotent(self, client: CkanClient, org: str) -> None:
        first = client.organization_upsert(org, title="First", extras={"level": "city"})
        second = client.organization_upsert(org, title="Second", description="About")
        assert (second.id, second.name, second.state) == (first.id, org, "active")
        assert (second.title, second.description) == ("Second", "About")
        assert second.extras == {"level": "city"}  # extras=None keeps them
        assert client.organization_show(first.id) == second
        assert client.organization_show(org) == second

    def test_dataset_upsert_twice_makes_one_dataset(self, client: CkanClient, org: str) -> None:
        name = unique("contract-ds")
        mirror_id = str(uuid.uuid4())
        first = client.dataset_upsert(package(name, org, id=mirror_id))
        assert first.id == mirror_id  # CKAN's id is the mirror's
        assert (first.name, first.title, first.notes, first.state) == (
            name,
            "Air quality",
            "Hourly measurements",
            "active",
        )
        assert first.organization_name == org
        assert first.owner_org == client.organization_show(org).id
        assert (first.license_id, first.tags) == ("cc-by", ("air", "health"))
        assert (first.maintainer, first.maintainer_email) == ("Service air", "air@example.org")
        assert first.extras == {"theme": '["ENVI"]'}
        assert [(r.url, r.name) for r in first.resources] == [("https://example.org/air.csv", "a")]
        assert isinstance(first.metadata_modified, dt.datetime)
        assert first.metadata_modified.tzinfo is not None
        assert isinstance(first.metadata_created, dt.datetime)

        # Sent again with its id (a retry after a lost answer): CKAN refuses the id,
        # and sync.py patches the dataset by id instead.
        with pytest.raises(CkanValidationError) as caught:
            client.dataset_upsert(package(name, org, id=mirror_id))
        assert "id" in caught.value.fields

        # Sent again without an id nor resources: the name decides, still one dataset,
        # the resources kept, the creation time too.
        again = {k: v for k, v in package(name, org).items() if k != "resources"}
        second = client.dataset_upsert({**again, "title": "Air quality (hourly)"})
        assert (second.id, second.title) == (first.id, "Air quality (hourly)")
        assert [r.id for r in second.resources] == [r.id for r in first.resources]
        assert second.metadata_created == first.metadata_created
        assert second.metadata_modified is not None
        assert second.metadata_modified >= first.metadata_modified
        assert client.dataset_show(name) == client.dataset_show(first.id) == second

    def test_create_batch_gives_each_package_its_own_outcome(
        self, client: CkanClient, org: str
    ) -> None:
        """The worker's batch: one refused package (a name in use, an id in use, a field
        CKAN refuses) does not fail the others; results come in the order sent."""
        taken = client.dataset_upsert(package(unique("contract-batch-taken"), org))
        names = [unique("contract-batch") for _ in range(3)]
        ids = [str(uuid.uuid4()) for _ in names]
        results = client.dataset_create_batch(
            [
                package(names[0], org, id=ids[0]),
                package(taken.name, org),  # the name is in use
                package(names[1], org, id=ids[1], title="Second"),
                package(unique("contract-batch-id"), org, id=taken.id),  # the id is in use
                package(names[2], unique("no-such-org"), id=ids[2]),
                package(names[0], org),  # the name of this batch's first package
            ]
        )
        assert len(results) == 6
        first, name_in_use, second, id_in_use, no_such_org, twice = results
        assert isinstance(twice, CkanValidationError) and "name" in twice.fields
        assert isinstance(first, CkanDataset) and isinstance(second, CkanDataset)
        assert (first.id, first.name, first.organization_name) == (ids[0], names[0], org)
        assert (second.id, second.title) == (ids[1], "Second")
        assert [r.url for r in first.resources] == ["https://example.org/air.csv"]
        assert isinstance(name_in_use, CkanValidationError) and "name" in name_in_use.fields
        assert isinstance(id_in_use, CkanValidationError) and "id" in id_in_use.fields
        assert isinstance(no_such_org, CkanValidationError)
        assert "owner_org" in no_such_org.fields
        # Created and findable; the refused ones changed nothing.
        assert client.dataset_show(names[0]) == first
        assert client.dataset_show(ids[1]).name == names[1]
        assert client.dataset_show(taken.id) == taken
        with pytest.raises(CkanNotFound):
            client.dataset_show(names[2])
        assert client.dataset_create_batch([]) == []

    def test_a_name_of_another_organization_is_refused(
        self, client: CkanClient, org: str, other_org: str
    ) -> None:
        name = unique("contract-taken")
        client.dataset_upsert(package(name, org, title="Mine"))
        with pytest.raises(CkanValidationError) as caught:
            client.dataset_upsert(package(name, other_org, title="Theirs"))
        assert "name" in caught.value.fields
        assert client.dataset_show(name).title == "Mine"

    def test_an_id_in_use_is_refused_then_patched_by_id(self, client: CkanClient, org: str) -> None:
        """A renamed dataset whose first answer was lost: sync patches it by id."""
        first = client.dataset_upsert(package(unique("contract-old"), org))
        renamed = unique("contract-new")
        with pytest.raises(CkanValidationError) as caught:
            client.dataset_upsert(package(renamed, org, id=first.id))
        assert "id" in caught.value.fields
        patched = client.dataset_patch(first.id, {"name": renamed, "title": "Renamed"})
        assert (patched.id, patched.name, patched.title) == (first.id, renamed, "Renamed")

    def test_dataset_patch_changes_only_the_fields_given(
        self, client: CkanClient, org: str, other_org: str
    ) -> None:
        created = client.dataset_upsert(package(unique("contract-patch"), org))
        patched = client.dataset_patch(created.id, {"title": "Patched", "owner_org": other_org})
        assert (patched.title, patched.notes) == ("Patched", "Hourly measurements")
        assert patched.organization_name == other_org
        assert [r.id for r in patched.resources] == [r.id for r in created.resources]
        with pytest.raises(CkanNotFound):
            client.dataset_patch(unique("no-such-dataset"), {"title": "x"})

    def test_delete_then_publish_the_name_again(self, client: CkanClient, org: str) -> None:
        name = unique("contract-del")
        old = client.dataset_upsert(package(name, org))
        client.dataset_delete(name)
        client.dataset_delete(name)  # already deleted: not an error
        client.dataset_delete(unique("no-such-dataset"))  # absent: not an error
        assert client.dataset_show(old.id).state == "deleted"
        new = client.dataset_upsert(package(name, org))
        assert (new.state, new.name) == ("active", name)
        assert new.id != old.id  # a new dataset; CKAN renames the deleted one to its id
        assert client.dataset_show(old.id).name == old.id

    def test_search_everything_by_name(self, client: CkanClient, org: str) -> None:
        stem = unique("contract-search")
        ours = [f"{stem}-{letter}" for letter in "abc"]
        for name in reversed(ours):
            client.dataset_upsert(package(name, org))
        client.dataset_upsert(package(f"{stem}-private", org, private=True))
        client.dataset_upsert(package(f"{stem}-deleted", org))
        client.dataset_delete(f"{stem}-deleted")

        names = all_names(client)
        assert names == sorted(names)
        assert [n for n in names if n.startswith(stem)] == ours
        first = names.index(ours[0])
        page = client.dataset_search("*:*", rows=2, start=first + 1, sort="name asc")
        assert [d.name for d in page.datasets] == ours[1:]
        assert page.count == len(names)
        assert page.facets == {}
        with_private = [n for n in all_names(client, include_private=True) if n.startswith(stem)]
        assert with_private == [*ours, f"{stem}-private"]
