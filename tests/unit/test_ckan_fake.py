"""FakeCkan: the switches services' unit tests rely on, and how faithful its CKAN is.

What FakeCkan shares with RemoteCkan is checked by the contract tests in
test_ckan_connector.py; this file covers what only the fake has (outage and
fault switches, the call log) and the CKAN behaviour its in-memory site copies
(validation messages, search syntax, facets, name reuse).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from civic.connectors.ckan import (
    CkanNotFound,
    CkanUnavailable,
    CkanValidationError,
)
from civic.connectors.ckan.fake import FakeCkan
from civic.connectors.ckan.memory import MemoryCkanSite


@pytest.fixture
def ckan() -> FakeCkan:
    fake = FakeCkan()
    fake.organization_upsert("org-a", title="Org A")
    fake.organization_upsert("org-b", title="Org B")
    return fake


def publish(ckan: FakeCkan, name: str, **fields: Any) -> None:
    ckan.dataset_upsert({"name": name, "owner_org": "org-a", **fields})


# Switches -------------------------------------------------------------------------
def test_outage_fails_every_call_until_lifted(ckan: FakeCkan) -> None:
    ckan.outage = True
    with pytest.raises(CkanUnavailable):
        ckan.status()
    with pytest.raises(CkanUnavailable):
        publish(ckan, "ds")
    assert ckan.site.datasets == []
    ckan.outage = False
    publish(ckan, "ds")
    assert ckan.dataset_show("ds").name == "ds"


def test_fail_next_only_hits_the_named_actions_and_changes_nothing(ckan: FakeCkan) -> None:
    ckan.fail_next(CkanUnavailable("boom"), times=2, actions={"package_create"})
    ckan.status()
    for _ in range(2):
        with pytest.raises(CkanUnavailable, match="boom"):
            publish(ckan, "ds")
    assert ckan.site.datasets == []
    publish(ckan, "ds")
    assert len(ckan.site.datasets) == 1


def test_reject_next_simulates_ckan_validation(ckan: FakeCkan) -> None:
    ckan.reject_next({"license_id": ["Unknown licence"]})
    with pytest.raises(CkanValidationError) as caught:
        publish(ckan, "ds")
    assert caught.value.errors == {"license_id": ["Unknown licence"]}


def test_a_lost_answer_then_a_retry_makes_one_dataset(ckan: FakeCkan) -> None:
    ckan.lose_next_response(actions={"package_create"})
    with pytest.raises(CkanUnavailable):
        publish(ckan, "ds", title="T")
    # CKAN did create it; the caller (the worker) does not know and sends it again.
    assert [d["name"] for d in ckan.site.datasets] == ["ds"]
    publish(ckan, "ds", title="T")
    assert [d["name"] for d in ckan.site.datasets] == ["ds"]
    assert ckan.actions[-4:] == [
        "package_create",
        "package_create",
        "package_show",
        "package_update",
    ]


def test_calls_are_logged_with_their_data(ckan: FakeCkan) -> None:
    ckan.calls.clear()
    ckan.dataset_search("water", fq="tags:x", rows=5)
    [(action, data)] = ckan.calls
    assert action == "package_search"
    assert (data["q"], data["fq"], data["rows"]) == ("water", "tags:x", 5)


def test_an_action_the_site_does_not_know_is_a_test_error(ckan: FakeCkan) -> None:
    with pytest.raises(NotImplementedError, match="harvest_source_list"):
        ckan.call_action("harvest_source_list", {})


def test_results_are_copies(ckan: FakeCkan) -> None:
    publish(ckan, "ds", tags=[{"name": "one"}])
    shown = ckan.call_action("package_show", {"id": "ds"})
    shown["tags"].clear()
    assert ckan.dataset_show("ds").tags == ("one",)


def test_two_fakes_can_share_one_site() -> None:
    site = MemoryCkanSite()
    FakeCkan(site).organization_upsert("org-a", title="A")
    assert FakeCkan(site).organization_show("org-a").title == "A"


def test_concurrent_upserts_of_one_name_make_one_dataset(ckan: FakeCkan) -> None:
    errors: list[BaseException] = []

    def upsert() -> None:
        try:
            publish(ckan, "same")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=upsert) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [d["name"] for d in ckan.site.datasets] == ["same"]


# CKAN's validation, copied ------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "messages"),
    [
        ("", ["Missing value"]),
        ("a", ["Must be at least 2 characters long", 'Name "a" length is less than minimum 2']),
        (
            "x" * 101,
            [
                "Name must be a maximum of 100 characters long",
                f'Name "{"x" * 101}" length is more than maximum 100',
            ],
        ),
        (
            "Upper",
            ["Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"],
        ),
        ("new", ["That name cannot be used"]),
    ],
)
def test_dataset_name_rules(ckan: FakeCkan, name: str, messages: list[str]) -> None:
    # The messages CKAN 2.12 answered to the same calls.
    with pytest.raises(CkanValidationError) as caught:
        ckan.call_action("package_create", {"name": name, "owner_org": "org-a"})
    assert caught.value.errors["name"] == messages


def test_tag_extras_and_size_rules(ckan: FakeCkan) -> None:
    with pytest.raises(CkanValidationError) as caught:
        publish(
            ckan,
            "ds",
            tags=[{"name": "ok"}, {"name": "x"}, {"name": "no/slash"}],
            extras=[{"key": "k", "value": "1"}, {"key": "k", "value": "2"}],
            resources=[{"url": "http://example.org/a", "size": "big"}],
        )
    errors = caught.value.errors
    assert errors["tags"] == [
        'Tag "x" length is less than minimum 2',
        'Tag "no/slash" can only contain alphanumeric characters, spaces (" "), '
        'hyphens ("-"), underscores ("_") or dots (".")',
    ]
    assert errors["extras_validation"] == ['Duplicate key "k"']
    assert errors["resources"] == [{"size": ["Invalid integer"]}]


def test_organization_name_taken(ckan: FakeCkan) -> None:
    with pytest.raises(CkanValidationError) as caught:
        ckan.call_action("organization_create", {"name": "org-a"})
    assert caught.value.errors == {"name": ["Group name already exists in database"]}


def test_title_defaults_to_the_name_and_formats_are_normalised(ckan: FakeCkan) -> None:
    publish(
        ckan,
        "ds",
        resources=[{"url": "http://example.org/data.geojson"}, {"url": "http://example.org/a.csv"}],
    )
    dataset = ckan.dataset_show("ds")
    assert dataset.title == "ds"
    assert [r.format for r in dataset.resources] == ["GeoJSON", "CSV"]
    # Guessed from the URL, like CKAN (.csv is in Python's own table, .geojson may not be).
    assert dataset.resources[1].mimetype == "text/csv"


def test_a_deleted_datasets_name_can_be_published_again(ckan: FakeCkan) -> None:
    publish(ckan, "ds")
    old = ckan.dataset_show("ds")
    ckan.dataset_delete("ds")
    publish(ckan, "ds")
    new = ckan.dataset_show("ds")
    assert new.id != old.id
    assert new.state == "active"
    # As CKAN does, the deleted one is renamed to its id to free the name.
    assert ckan.dataset_show(old.id).name == old.id


def test_metadata_modified_moves_only_on_a_real_change(ckan: FakeCkan) -> None:
    publish(ckan, "ds", title="T", notes="n")
    first = ckan.dataset_show("ds").metadata_modified
    publish(ckan, "ds", title="T", notes="n")
    assert ckan.dataset_show("ds").metadata_modified == first
    publish(ckan, "ds", title="T2", notes="n")
    assert ckan.dataset_show("ds").metadata_modified > first


def test_purging_an_organization_with_datasets_is_refused(ckan: FakeCkan) -> None:
    publish(ckan, "ds")
    with pytest.raises(CkanValidationError, match="still has datasets"):
        ckan.organization_purge("org-a")
    ckan.dataset_delete("ds")
    ckan.organization_purge("org-a")
    with pytest.raises(CkanNotFound):
        ckan.organization_show("org-a")


# Search -------------------------------------------------------------------------------
@pytest.fixture
def catalog(ckan: FakeCkan) -> FakeCkan:
    publish(
        ckan,
        "bus-stops",
        title="Bus Stops",
        notes="Every stop of the city buses",
        tags=[{"name": "transport"}],
        extras=[{"key": "theme", "value": "TRAN"}],
        license_id="cc-by",
        resources=[{"url": "http://example.org/stops.csv"}, {"url": "http://example.org/s.json"}],
    )
    publish(
        ckan,
        "bus-lines",
        title="Bus Lines",
        tags=[{"name": "transport"}, {"name": "open data"}],
        license_id="odc-odbl",
        resources=[{"url": "http://example.org/lines.csv"}],
    )
    ckan.dataset_upsert(
        {"name": "budget", "owner_org": "org-b", "title": "City Budget", "license_id": "cc-by"}
    )
    return ckan


def names(result: Any) -> list[str]:
    return sorted(d.name for d in result.datasets)


def test_q_matches_every_word_case_insensitively(catalog: FakeCkan) -> None:
    assert names(catalog.dataset_search("BUS")) == ["bus-lines", "bus-stops"]
    assert names(catalog.dataset_search("city stop")) == ["bus-stops"]
    assert names(catalog.dataset_search("city")) == ["budget", "bus-stops"]
    assert names(catalog.dataset_search("")) == ["budget", "bus-lines", "bus-stops"]
    assert catalog.dataset_search("nothing-like-this").count == 0


@pytest.mark.parametrize(
    ("fq", "expected"),
    [
        ("organization:org-b", ["budget"]),
        ('tags:"open data"', ["bus-lines"]),
        ("license_id:cc-by AND res_format:JSON", ["bus-stops"]),
        ('+organization:org-a -tags:"open data"', ["bus-stops"]),
        ("extras_theme:TRAN", ["bus-stops"]),
        ("name:bus-*", ["bus-lines", "bus-stops"]),
        ("res_format:*", ["bus-lines", "bus-stops"]),
        ("license_id:(cc-by OR odc-odbl)", ["budget", "bus-lines", "bus-stops"]),
        ("title:bus", ["bus-lines", "bus-stops"]),
        ("metadata_modified:[* TO 1970-01-01T00:00:00Z]", []),
        ("metadata_modified:[2000-01-01T00:00:00Z TO *]", ["budget", "bus-lines", "bus-stops"]),
    ],
)
def test_fq(catalog: FakeCkan, fq: str, expected: list[str]) -> None:
    assert names(catalog.dataset_search(fq=fq)) == expected


def test_field_terms_in_q_filter_too(catalog: FakeCkan) -> None:
    assert names(catalog.dataset_search("stops organization:org-a")) == ["bus-stops"]


@pytest.mark.parametrize(
    ("q", "fq", "sort"),
    [
        ("a OR b", "", None),
        ("*:*", "free words", None),
        ("*:*", "undefined_thing:1", None),
        ("*:*", "", "name sideways"),
    ],
)
def test_what_the_fake_cannot_answer_is_refused(
    catalog: FakeCkan, q: str, fq: str, sort: str | None
) -> None:
    with pytest.raises(CkanValidationError) as caught:
        catalog.dataset_search(q, fq=fq, sort=sort)
    assert "search" in caught.value.errors


def test_a_sort_on_an_unknown_field_keeps_the_order(catalog: FakeCkan) -> None:
    # CKAN's Solr schema has a catch-all `*` string field: Solr accepts the sort.
    by_name = names(catalog.dataset_search(sort="name asc"))
    assert names(catalog.dataset_search(sort="views asc, name asc")) == by_name


def test_facets_are_counted_over_all_matches_and_limited(catalog: FakeCkan) -> None:
    result = catalog.dataset_search(
        rows=0, facet_fields=("tags", "license_id", "res_format"), facet_limit=1
    )
    assert result.count == 3
    assert result.datasets == ()
    assert result.facets == {
        "tags": {"transport": 2},
        "license_id": {"cc-by": 2},
        "res_format": {"CSV": 2},
    }


def test_sorting_and_paging(catalog: FakeCkan) -> None:
    by_title = catalog.dataset_search(sort="title_string desc")
    assert [d.name for d in by_title.datasets] == ["budget", "bus-stops", "bus-lines"]
    newest = catalog.dataset_search(rows=1)  # CKAN's default: newest first among equals
    assert [d.name for d in newest.datasets] == ["budget"]
    second_page = catalog.dataset_search(rows=2, start=2, sort="name asc")
    assert [d.name for d in second_page.datasets] == ["bus-stops"]


def test_rows_are_capped_and_must_be_natural(catalog: FakeCkan) -> None:
    assert catalog.call_action("package_search", {"rows": 5000})["count"] == 3
    with pytest.raises(CkanValidationError) as caught:
        catalog.dataset_search(rows=-1)
    assert caught.value.errors == {"rows": ["Must be a natural number"]}


def test_private_and_deleted_datasets_are_not_found_by_default(catalog: FakeCkan) -> None:
    publish(catalog, "hidden", private=True)
    catalog.dataset_delete("budget")
    assert names(catalog.dataset_search()) == ["bus-lines", "bus-stops"]
    assert names(catalog.dataset_search(include_private=True)) == [
        "bus-lines",
        "bus-stops",
        "hidden",
    ]
