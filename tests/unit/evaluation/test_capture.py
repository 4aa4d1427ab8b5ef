"""The capture check: a verdict that one actor carries is marked and the actor named."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.evaluation.test_decidability import EVERY_TYPE, OPEN, _report
from tests.unit.evaluation.worlds import World

from civic.services.evaluation.documents import pathway_report_json
from civic.services.evaluation.pathways import PathwaySet, load_pathways

# Many small third parties each calling two datasets of a hundred, and one large
# company whose app calls sixty of them, more than all the others together.
CARRIED = World(
    national=2,
    local=8,
    datasets_per_org=10,
    apps={"company_large": 1, "company_small": 12, "association": 8, "citizen": 8},
    skew=40,
    first_app_datasets=60,
    reach=0.7,
    onboarding_hours=4,
    reuses={"citizen": 20, "association": 20},
    reuse_types=EVERY_TYPE,
    reused=0.05,
)


def test_a_verdict_one_large_app_carries_is_marked_and_the_app_named() -> None:
    pathway_set: PathwaySet = load_pathways()
    report = _report(pathway_set, CARRIED)
    assert report.verdict_of("lever.soft") == "supported"
    resting = report.resting_on("lever.soft")
    assert [check.actor.name for check in resting] == ["company_large-0"]
    check = resting[0]
    assert check.actor.kind == "app" and check.actor.share > 0.5
    assert check.verdicts["lever.soft"] != "supported"
    document = pathway_report_json(report)
    assert "lever.soft" in document["summary"]["resting_on_one_actor"]
    soft = next(p for p in document["pathways"] if p["id"] == "lever.soft")
    assert soft["rests_on"][0]["actor"]["name"] == "company_large-0"
    assert soft["rests_on"][0]["verdict_without"] == check.verdicts["lever.soft"]
    # A verdict the app does not carry is not marked.
    assert "model.big_society" not in document["summary"]["resting_on_one_actor"]


def test_an_even_world_rests_on_no_one_and_names_its_largest_actors() -> None:
    pathway_set = load_pathways()
    report = _report(pathway_set, replace(OPEN, reusers="distinct"))
    kinds = [check.actor.kind for check in report.capture]
    assert kinds == ["app", "reuser"]
    assert all(not check.changed for check in report.capture)
    document = pathway_report_json(report)
    assert document["summary"]["resting_on_one_actor"] == []
    assert [c["actor"]["kind"] for c in document["capture"]] == ["app", "reuser"]
