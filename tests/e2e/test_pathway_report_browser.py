"""The evaluators' HTML report of the demo history, opened in real Chromium.

The demo is a simulated history (``civic simulate``) rendered by ``civic report
pathways --format html``: the page must show its summary, a section for every catalog
entry, and its charts drawn (SVG laid out with a size), on screen and in print.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from civic.platform.cli import main
from civic.services.evaluation.catalog import load_catalog

pytestmark = pytest.mark.e2e

SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "e2e-pathway-report.png"


def test_the_demo_report_shows_its_summary_every_entry_and_charts(
    page: Page, tmp_path: Path
) -> None:
    runner = CliRunner()
    history = tmp_path / "demo.json"
    report = tmp_path / "pathways.html"
    result = runner.invoke(
        main,
        [
            "simulate",
            "--scenario",
            "mixed",
            "--seed",
            "1",
            "--months",
            "12",
            "--output",
            str(history),
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        [
            "report",
            "pathways",
            "--evidence",
            str(history),
            "--format",
            "html",
            "--output",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output

    page.goto(report.as_uri())
    summary = page.locator("#summary")
    assert summary.is_visible()
    assert "The evidence supports" in summary.inner_text()
    for entry in load_catalog().entries:
        section = page.locator(f'section[id="{entry.id}"]')
        assert section.count() == 1, entry.id
        assert entry.title.en in section.locator("h2").inner_text()
        assert section.get_attribute("data-verdict") in {
            "supported",
            "contradicted",
            "mixed",
            "inconclusive",
        }
    charts = page.locator("figure svg")
    assert charts.count() >= 3 + load_catalog().expectation_count
    for index in (0, 1, 2, charts.count() - 1):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    assert page.locator("figure svg path, figure svg rect").count() > 100

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1200, "height": 1600})
    page.screenshot(path=str(SCREENSHOT))
    page.screenshot(path=str(tmp_path / "pathway-report.png"))
    page.emulate_media(media="print")
    assert page.locator("nav").is_hidden()
    assert SCREENSHOT.stat().st_size > 10_000
