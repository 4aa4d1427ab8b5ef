"""The contestability indicators of issue 17: the share of suspensions contested and
the share restored after contest, beside the time to restore, and the entries of the
pathway set that read them decided both ways."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.evaluation.test_decidability import CAPTURED, STARTUPS, _report
from tests.unit.evaluation.worlds import World

from civic.services.evaluation.pathways import load_pathways
from civic.services.evaluation.report import PathwayReport


def _finding(report: PathwayReport, entry_id: str, indicator: str) -> str:
    verdict = next(v for v in report.verdicts if v.entry.id == entry_id)
    return next(f.result for f in verdict.findings if f.indicator == indicator)


def test_contested_cut_offs_restored_after_the_contest_are_counted() -> None:
    report = _report(load_pathways(), STARTUPS)
    contested = report.indicators["contestability.contested_share"]
    restored = report.indicators["contestability.restored_after_contest"]
    assert (contested.value, contested.n) == (1.0, 6)
    assert (restored.value, restored.n) == (1.0, 6)
    assert _finding(report, "lever.disruptive", restored.id) == "holds"


def test_cut_offs_contested_in_vain_fail_the_disruptive_lever() -> None:
    report = _report(load_pathways(), replace(CAPTURED, contested=1.0))
    restored = report.indicators["contestability.restored_after_contest"]
    assert (restored.value, restored.n) == (0.0, 6)
    assert _finding(report, "lever.disruptive", restored.id) == "fails"


def test_cut_offs_nobody_contests_fail_open_innovation() -> None:
    report = _report(load_pathways(), CAPTURED)
    contested = report.indicators["contestability.contested_share"]
    assert (contested.value, contested.n) == (0.0, 6)
    assert report.indicators["contestability.restored_after_contest"].n == 0
    assert _finding(report, "pathway.open_innovation", contested.id) == "fails"


def test_a_restoration_before_the_contest_is_not_one_after_it() -> None:
    # Restored after half a day, contested a day after the cut: restored, not after contest.
    world = World(apps={"citizen": 4}, cutoffs=4, restore_days=0.5, contested=0.5)
    report = _report(load_pathways(), world)
    assert report.indicators["contestability.contested_share"].value == 0.5
    restored = report.indicators["contestability.restored_after_contest"]
    assert (restored.value, restored.n) == (0.0, 2)
