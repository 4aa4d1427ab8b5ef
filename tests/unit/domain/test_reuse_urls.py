"""Canonical reuse URLs (issue 18): the eight variants of one address are one reuse."""

from __future__ import annotations

import unicodedata

import pytest

from civic.services.reuses.urls import canonical_url, is_tracking_parameter

BASE = "https://réutilisation.example.fr/carte-santé"
CANONICAL = "https://xn--rutilisation-beb.example.fr/carte-sant%C3%A9"

VARIANTS = {
    "host case": "https://RÉUTILISATION.Example.FR/carte-santé",
    "trailing slash": BASE + "/",
    "fragment": BASE + "#x",
    "tracking parameter": BASE + "?utm=1",
    "http scheme": "http://réutilisation.example.fr/carte-santé",
    "default port": "https://réutilisation.example.fr:443/carte-santé",
    "NFD": unicodedata.normalize("NFD", BASE),
    "punycode host": "https://xn--rutilisation-beb.example.fr/carte-sant%C3%A9",
}


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=list(VARIANTS))
def test_each_variant_of_the_issue_has_the_canonical_form_of_the_original(variant: str) -> None:
    assert canonical_url(variant) == canonical_url(BASE) == CANONICAL


def test_all_variants_at_once_still_make_one_address() -> None:
    messy = "HTTP://RÉUTILISATION.example.FR:80/carte-sante\u0301/?utm_source=x&fbclid=1#top"
    assert canonical_url(messy) == CANONICAL


def test_what_a_server_may_tell_apart_is_kept() -> None:
    assert canonical_url("https://a.fr/Carte") != canonical_url("https://a.fr/carte")
    assert canonical_url("https://a.fr/x?id=1") != canonical_url("https://a.fr/x?id=2")
    assert canonical_url("https://a.fr:8443/x") == "https://a.fr:8443/x"
    assert canonical_url("https://a.fr/x") != canonical_url("https://b.fr/x")


def test_query_parameters_are_sorted_and_tracking_ones_dropped() -> None:
    assert canonical_url("https://a.fr/x?b=2&a=1&utm_medium=m&gclid=g") == "https://a.fr/x?a=1&b=2"
    assert canonical_url("https://a.fr/x?a=1&b=2") == canonical_url("https://a.fr/x?b=2&a=1")


def test_tracking_parameters() -> None:
    assert all(map(is_tracking_parameter, ["utm", "utm_source", "UTM_Campaign", "fbclid"]))
    assert not any(map(is_tracking_parameter, ["id", "page", "utmost", "q"]))


def test_a_root_address_has_no_path() -> None:
    assert canonical_url("https://a.fr/") == canonical_url("https://a.fr") == "https://a.fr"


@pytest.mark.parametrize("url", ["ftp://a.fr/x", "https:///x", "https://a.fr:99999/"])
def test_what_is_not_an_http_address_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        canonical_url(url)
