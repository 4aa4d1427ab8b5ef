"""The pathway catalog: the seed's entries, validated, versioned by content."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from civic.services.evaluation.catalog import load_catalog, parse_catalog
from civic.services.evaluation.errors import InvalidCatalog

CATALOG = Path(__file__).resolve().parents[3] / "config" / "pathways.toml"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return tomllib.loads(CATALOG.read_text(encoding="utf-8"))


def test_the_catalog_holds_the_seeds_six_models_three_pathways_and_seven_levers() -> None:
    catalog = load_catalog(CATALOG)
    kinds = [entry.kind for entry in catalog.entries]
    assert kinds.count("model") == 6
    assert kinds.count("pathway") == 3
    assert kinds.count("lever") == 7
    for entry in catalog.entries:
        assert entry.title.fr and entry.title.en and entry.risks and entry.expectations
        for expectation in entry.expectations:
            assert expectation.min_sample >= 3 and expectation.why
    assert catalog.version.startswith("sha256:")


def test_the_version_is_the_content_not_the_layout(raw: dict[str, Any]) -> None:
    assert parse_catalog(raw).version == load_catalog(CATALOG).version
    changed = copy.deepcopy(raw)
    changed["entries"][0]["expectations"][0]["threshold"] = 0.55
    assert parse_catalog(changed).version != parse_catalog(raw).version


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("indicator", "no_such_indicator", "field expectations.0: indicator 'no_such_indicator'"),
        ("comparison", "==", "field expectations.0.comparison"),
        ("threshold", 1.5, "outside [0, 1]"),
        ("min_sample", 0, "field expectations.0.min_sample"),
    ],
)
def test_a_malformed_expectation_is_refused_naming_the_entry_and_field(
    raw: dict[str, Any], field: str, value: object, message: str
) -> None:
    broken = copy.deepcopy(raw)
    broken["entries"][1]["expectations"][0][field] = value
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(broken, origin="pathways.toml")
    assert "entry 'model.opengov_platform'" in str(caught.value)
    assert message in str(caught.value)


def test_a_trend_needs_a_period_and_a_threshold_needs_a_threshold(raw: dict[str, Any]) -> None:
    broken = copy.deepcopy(raw)
    expectation = broken["entries"][0]["expectations"][0]
    expectation["comparison"] = "increasing"
    with pytest.raises(InvalidCatalog, match="needs a period"):
        parse_catalog(broken)
    del expectation["threshold"]
    expectation["period"] = "month"
    parse_catalog(broken)
    expectation["comparison"] = ">="
    with pytest.raises(InvalidCatalog, match="needs a threshold"):
        parse_catalog(broken)


def test_missing_fields_unknown_fields_and_duplicates_are_refused(raw: dict[str, Any]) -> None:
    missing = copy.deepcopy(raw)
    del missing["entries"][2]["title"]["fr"]
    with pytest.raises(
        InvalidCatalog, match=r"entry 'model.new_public_management', field title.fr"
    ):
        parse_catalog(missing)
    unknown = copy.deepcopy(raw)
    unknown["entries"][3]["colour"] = "blue"
    with pytest.raises(InvalidCatalog, match=r"field colour"):
        parse_catalog(unknown)
    duplicate = copy.deepcopy(raw)
    duplicate["entries"].append(copy.deepcopy(raw["entries"][0]))
    with pytest.raises(InvalidCatalog, match=r"duplicate entry ids: model\.big_society"):
        parse_catalog(duplicate)
    wrong_kind = copy.deepcopy(raw)
    wrong_kind["entries"][0]["kind"] = "lever"
    with pytest.raises(InvalidCatalog, match=r"must start with 'lever\.'"):
        parse_catalog(wrong_kind)


def test_an_unreadable_or_invalid_toml_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidCatalog, match="cannot be read"):
        load_catalog(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("entries = [", encoding="utf-8")
    with pytest.raises(InvalidCatalog, match="not valid TOML"):
        load_catalog(bad)
