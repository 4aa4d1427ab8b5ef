"""Pre-registration: a report says whether its thresholds were frozen before its
period's data, and lists every threshold or expectation changed since (issue 18)."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import tomllib
from typing import Any

from tests.unit.evaluation.worlds import PERIOD, World, build

from civic.services.evaluation.documents import pathway_report_document, pathway_report_json
from civic.services.evaluation.exports import pathway_report_csv
from civic.services.evaluation.pathways import DEFAULT_PATHWAYS, PathwaySet, parse_pathways
from civic.services.evaluation.preregistration import (
    Change,
    Registration,
    applying,
    changes_between,
    check_registration,
)
from civic.services.evaluation.report import build_pathway_report

BEFORE = dt.datetime(2024, 12, 20, tzinfo=dt.UTC)
AFTER = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
EXPECTATION = "model.administered:third_party_share:at_most"


def _raw() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_PATHWAYS.read_text(encoding="utf-8"))


def _frozen(pathway_set: PathwaySet, at: dt.datetime, id: int = 1) -> Registration:
    content = pathway_set.model_dump(mode="json", exclude={"version"})
    return Registration(id, at, "evaluator@example.org", pathway_set.version, content)


def _moved(raw: dict[str, Any]) -> PathwaySet:
    """The pathway set with the administered model's third-party threshold moved."""
    moved = copy.deepcopy(raw)
    entry = next(e for e in moved["entries"] if e["id"] == "model.administered")
    expectation = next(e for e in entry["expectations"] if e["indicator"] == "third_party_share")
    expectation["threshold"] = 0.45
    return parse_pathways(moved)


def test_a_report_with_no_registration_says_so() -> None:
    check = check_registration([], parse_pathways(_raw()), PERIOD)
    assert (check.state, check.registered_before_data, check.changes) == (
        "unregistered",
        False,
        (),
    )


def test_a_set_frozen_before_the_period_and_used_as_frozen_is_registered() -> None:
    pathway_set = parse_pathways(_raw())
    check = check_registration([_frozen(pathway_set, BEFORE)], pathway_set, PERIOD)
    assert check.state == "registered"
    assert check.registered_before_data and check.used_registered_version
    assert check.changes == ()


def test_a_threshold_moved_after_registration_is_listed_with_old_and_new_values() -> None:
    raw = _raw()
    registered = parse_pathways(raw)
    old = next(
        e.threshold
        for e in registered.entry("model.administered").expectations
        if e.indicator == "third_party_share"
    )
    check = check_registration([_frozen(registered, BEFORE)], _moved(raw), PERIOD)
    assert check.state == "changed"
    assert not check.used_registered_version
    assert check.changes == (Change(EXPECTATION, "threshold", old, 0.45),)


def test_added_and_removed_expectations_and_method_settings_are_listed() -> None:
    raw = _raw()
    changed = copy.deepcopy(raw)
    changed["method"] = {**changed.get("method", {}), "alpha": 0.1}
    entry = next(e for e in changed["entries"] if e["id"] == "lever.disruptive")
    removed = entry["expectations"].pop()
    found = changes_between(parse_pathways(raw), parse_pathways(changed))
    assert Change("method", "alpha", 0.05, 0.1) in found
    removed_id = f"lever.disruptive:{removed['indicator']}:at_least"
    assert Change(removed_id, "expectation", ">= 0.5", None) in found
    back = changes_between(parse_pathways(changed), parse_pathways(raw))
    assert Change(removed_id, "expectation", None, ">= 0.5") in back


def test_a_registration_made_after_the_period_began_is_late() -> None:
    pathway_set = parse_pathways(_raw())
    check = check_registration([_frozen(pathway_set, AFTER)], pathway_set, PERIOD)
    assert check.state == "late" and not check.registered_before_data


def test_the_latest_registration_before_the_period_applies() -> None:
    pathway_set = parse_pathways(_raw())
    early = _frozen(pathway_set, BEFORE - dt.timedelta(days=30), id=1)
    latest = _frozen(pathway_set, BEFORE, id=2)
    late = _frozen(pathway_set, AFTER, id=3)
    assert applying([late, latest, early], PERIOD) == latest
    assert applying([late], PERIOD) == late


def test_the_json_report_states_its_registration_and_the_changes() -> None:
    raw = _raw()
    source = build(World(apps={"citizen": 2}))
    report = build_pathway_report(
        source, _moved(raw), PERIOD, registrations=[_frozen(parse_pathways(raw), BEFORE)]
    )
    document = pathway_report_json(report)["registration"]
    assert document["state"] == "changed"
    assert document["registered_before_data"] is True
    assert document["registered_by"] == "evaluator@example.org"
    assert document["changes"] == [
        {"id": EXPECTATION, "field": "threshold", "old": 0.4, "new": 0.45}
    ]


def test_the_csv_report_lists_the_changes_and_the_verified_verdicts() -> None:
    raw = _raw()
    source = build(World(apps={"citizen": 2}))
    report = build_pathway_report(
        source, _moved(raw), PERIOD, registrations=[_frozen(parse_pathways(raw), BEFORE)]
    )
    rows = list(csv.DictReader(io.StringIO(pathway_report_csv(pathway_report_document(report)))))
    changed = [row for row in rows if row["section"] == "changed"]
    assert [(r["key"], r["value"], r["expected"], r["observed"]) for r in changed] == [
        (EXPECTATION, "threshold", "0.4", "0.45")
    ]
    meta = {row["key"]: row["value"] for row in rows if row["section"] == "report"}
    assert meta["registration.state"] == "changed"
    assert meta["verification.unverified_apps"] == "0"
    verified = [row for row in rows if row["section"] == "verified"]
    assert len(verified) == len(report.verdicts)
