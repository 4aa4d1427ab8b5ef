"""FakeCkan (tests/fakes/ckan.py): the port's contract, and the switches service tests use.

The same contract runs against the real CKAN in tests/integration/test_ckan_connector_live.py.
"""

from __future__ import annotations

import threading

import pytest
from tests.fakes.ckan import FakeCkan
from tests.fakes.ckan_contract import CkanContract, package

from civic.connectors.ckan import CkanNotFound, CkanUnavailable, CkanValidationError


@pytest.fixture
def client() -> FakeCkan:
    return FakeCkan()


@pytest.fixture
def org(client: FakeCkan) -> str:
    client.organization_upsert("org-a", title="A")
    return "org-a"


@pytest.fixture
def other_org(client: FakeCkan) -> str:
    client.organization_upsert("org-b", title="B")
    return "org-b"


class TestFakeCkan(CkanContract):
    """The contract, against the fake."""


def test_outage_fails_every_call_until_lifted(client: FakeCkan, org: str) -> None:
    client.outage = True
    with pytest.raises(CkanUnavailable):
        client.status()
    with pytest.raises(CkanUnavailable):
        client.dataset_upsert(package("ds", org))
    client.outage = False
    assert client.dataset_upsert(package("ds", org)).name == "ds"
    assert client.actions[-3:] == ["status", "dataset_upsert", "dataset_upsert"]


def test_fail_and_reject_next_hit_only_the_named_methods_and_change_nothing(
    client: FakeCkan, org: str
) -> None:
    client.fail_next(CkanNotFound("gone"), methods=["dataset_show"])
    client.reject_next({"title": ["Too exotic"]}, times=2, methods=["dataset_upsert"])
    client.dataset_delete("nothing")  # another method: not affected
    with pytest.raises(CkanNotFound):
        client.dataset_show("ds")
    for _ in range(2):
        with pytest.raises(CkanValidationError) as caught:
            client.dataset_upsert(package("ds", org))
        assert caught.value.text == "title: Too exotic"
    assert client.datasets == []
    assert client.dataset_upsert(package("ds", org)).name == "ds"


def test_a_lost_answer_then_a_retry_makes_one_dataset(client: FakeCkan, org: str) -> None:
    client.lose_next_response(methods=["dataset_upsert"])
    with pytest.raises(CkanUnavailable):
        client.dataset_upsert(package("ds", org, title="T"))
    assert [d.title for d in client.datasets] == ["T"]  # applied all the same
    client.dataset_upsert(package("ds", org, title="T2"))
    assert [d.title for d in client.datasets] == ["T2"]


def test_calls_are_logged_with_copies_of_their_arguments(client: FakeCkan, org: str) -> None:
    data = package("ds", org)
    client.dataset_upsert(data)
    data["title"] = "changed afterwards"
    client.dataset_patch("ds", {"notes": "n"})
    assert client.calls[-2][0] == "dataset_upsert"
    assert client.calls[-2][1]["title"] == "Air quality"
    assert client.calls[-1] == ("dataset_patch", {"id": "ds", "notes": "n"})


def test_the_time_moves_only_on_a_real_change(client: FakeCkan, org: str) -> None:
    same = package("ds", org, resources=[{"id": "r1", "url": "https://example.org/a.csv"}])
    first = client.dataset_upsert(same).metadata_modified
    assert client.dataset_upsert(same).metadata_modified == first
    changed = client.dataset_patch("ds", {"notes": "new"}).metadata_modified
    assert first is not None and changed is not None and changed > first


def test_concurrent_upserts_of_one_name_make_one_dataset(client: FakeCkan, org: str) -> None:
    threads = [
        threading.Thread(target=client.dataset_upsert, args=(package("ds", org),)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [d.name for d in client.datasets] == ["ds"]


@pytest.mark.parametrize(
    "search",
    [
        {"q": "air"},
        {"fq": "organization:org-a"},
        {"facet_fields": ("tags",)},
        {"sort": "metadata_modified desc"},
    ],
)
def test_searches_the_services_never_send_are_refused(
    client: FakeCkan, search: dict[str, object]
) -> None:
    with pytest.raises(NotImplementedError, match="real CKAN"):
        client.dataset_search(**{"sort": "name asc", **search})  # type: ignore[arg-type]
