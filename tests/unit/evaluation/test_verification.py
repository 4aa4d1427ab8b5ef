"""Verified actor types: every verdict is computed on all evidence and on verified actors
only, and those that differ are flagged (issue 18). An actor who mints apps and reuses
under a declared type no administrator verified can move the first, not the second."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.evaluation.test_decidability import CORPORATE, OPEN, _report

from civic.services.evaluation.documents import pathway_report_json
from civic.services.evaluation.pathways import load_pathways

# Companies deliver (the new public management model) -- and one party registers thirty
# "citizen" apps and sixty "association" reuses, types nobody verified.
INFLATED = replace(
    CORPORATE,
    apps={"company_large": 10, "company_small": 2, "citizen": 30},
    reuses={"company_large": 24, "company_small": 6, "association": 60},
    unverified=("citizen", "association"),
)


def test_when_every_actor_type_is_verified_the_verdicts_are_the_same() -> None:
    report = _report(load_pathways(), OPEN)
    check = report.verification
    assert check is not None and check.complete
    assert check.changed == ()
    assert dict(check.verdicts) == {v.entry.id: v.verdict for v in report.verdicts}


def test_unverified_actor_types_that_move_a_verdict_are_flagged() -> None:
    honest = _report(load_pathways(), CORPORATE)
    assert honest.verdict_of("model.new_public_management") == "supported"
    report = _report(load_pathways(), INFLATED)
    check = report.verification
    assert check is not None
    assert (check.apps, check.unverified_apps) == (42, 30)
    assert (check.reuses, check.unverified_reuses) == (90, 60)
    assert report.verdict_of("model.new_public_management") != "supported"
    assert check.verdicts["model.new_public_management"] == "supported"
    assert "model.new_public_management" in check.changed

    document = pathway_report_json(report)
    assert document["verification"]["unverified_apps"] == 30
    assert 0 < document["verification"]["unverified_call_share"] < 1
    assert "model.new_public_management" in document["summary"]["differ_on_verified"]
    assert document["verification"]["differ"] == list(check.changed)


def test_the_report_page_says_how_much_is_unverified_and_which_verdicts_differ() -> None:
    from civic.platform.reports.html import pathway_report_html  # noqa: PLC0415 - one use

    page = pathway_report_html(_report(load_pathways(), INFLATED))
    verification = page[page.index('id="verification"') :]
    verification = verification[: verification.index("</p>")]
    assert "30 of 42 apps" in verification
    assert 'href="#model.new_public_management"' in verification
    assert 'id="registration"' in page
