"""The pathway set: the seed's entries, validated, versioned by content."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from civic.services.evaluation.errors import InvalidPathways
from civic.services.evaluation.pathways import load_pathways, parse_pathways

PATHWAYS = Path(__file__).resolve().parents[3] / "config" / "pathways.toml"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return tomllib.loads(PATHWAYS.read_text(encoding="utf-8"))


def test_the_pathway_set_holds_the_seeds_six_models_three_pathways_and_seven_levers() -> None:
    pathway_set = load_pathways(PATHWAYS)
    kinds = [entry.kind for entry in pathway_set.entries]
    assert kinds.count("model") == 6
    assert kinds.count("pathway") == 3
    assert kinds.count("lever") == 7
    for entry in pathway_set.entries:
        assert entry.title.fr and entry.title.en and entry.risks and entry.expectations
        for expectation in entry.expectations:
            assert expectation.min_sample >= 3 and expectation.why
    assert pathway_set.version.startswith("sha256:")


def test_the_version_is_the_content_not_the_layout(raw: dict[str, Any]) -> None:
    assert parse_pathways(raw).version == load_pathways(PATHWAYS).version
    changed = copy.deepcopy(raw)
    changed["entries"][0]["expectations"][0]["threshold"] = 0.55
    assert parse_pathways(changed).version != parse_pathways(raw).version


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
    with pytest.raises(InvalidPathways) as caught:
        parse_pathways(broken, origin="pathways.toml")
    assert "entry 'model.opengov_platform'" in str(caught.value)
    assert message in str(caught.value)


def test_a_trend_needs_a_period_and_a_threshold_needs_a_threshold(raw: dict[str, Any]) -> None:
    broken = copy.deepcopy(raw)
    expectation = broken["entries"][0]["expectations"][0]
    expectation["comparison"] = "increasing"
    with pytest.raises(InvalidPathways, match="needs a period"):
        parse_pathways(broken)
    del expectation["threshold"]
    expectation["period"] = "month"
    parse_pathways(broken)
    expectation["comparison"] = ">="
    with pytest.raises(InvalidPathways, match="needs a threshold"):
        parse_pathways(broken)


def test_missing_fields_unknown_fields_and_duplicates_are_refused(raw: dict[str, Any]) -> None:
    missing = copy.deepcopy(raw)
    del missing["entries"][2]["title"]["fr"]
    with pytest.raises(
        InvalidPathways, match=r"entry 'model.new_public_management', field title.fr"
    ):
        parse_pathways(missing)
    unknown = copy.deepcopy(raw)
    unknown["entries"][3]["colour"] = "blue"
    with pytest.raises(InvalidPathways, match=r"field colour"):
        parse_pathways(unknown)
    duplicate = copy.deepcopy(raw)
    duplicate["entries"].append(copy.deepcopy(raw["entries"][0]))
    with pytest.raises(InvalidPathways, match=r"duplicate entry ids: model\.big_society"):
        parse_pathways(duplicate)
    wrong_kind = copy.deepcopy(raw)
    wrong_kind["entries"][0]["kind"] = "lever"
    with pytest.raises(InvalidPathways, match=r"must start with 'lever\.'"):
        parse_pathways(wrong_kind)


def test_an_unreadable_or_invalid_toml_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidPathways, match="cannot be read"):
        load_pathways(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("entries = [", encoding="utf-8")
    with pytest.raises(InvalidPathways, match="not valid TOML"):
        load_pathways(bad)
