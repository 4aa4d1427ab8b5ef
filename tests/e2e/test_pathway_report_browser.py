"""The evaluators' HTML report of the demo, opened in real Chromium from the gateway.

The demo is the mixed scenario simulated through the services into the gateway's
database (``demo_gateway``), as `make run` does. An evaluator logs in and opens
``/reports/pathways``: the page must show its summary, a section for every pathway_set
entry, and its charts drawn (SVG laid out with a size), on screen and in print. A
developer is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.live import Gateway, log_in, make_user

from civic.platform.cli.simulate import default_start
from civic.services.evaluation.pathways import load_pathways
from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e

# Kept for people to look at after a run (var/ is ignored by git).
SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "e2e-pathway-report.png"
VERDICTS = {"supported", "contradicted", "mixed", "inconclusive"}


def _demo_period() -> str:
    start = default_start(12)  # the demo's twelve months end with last month
    end = dt.datetime.now(dt.UTC).date().replace(day=1) - dt.timedelta(days=1)
    return f"from={start}&to={end}"


def test_an_evaluator_reads_the_demo_report_with_every_entry_and_charts(
    demo_gateway: Gateway, page: Page, tmp_path: Path
) -> None:
    evaluator = make_user(demo_gateway, Role.EVALUATOR)
    address = f"{demo_gateway.url}/reports/pathways?{_demo_period()}"
    page.goto(address)
    expect(page).to_have_url(re.compile(r"/login\?next=/reports/pathways"))
    log_in(page, evaluator)
    expect(page).to_have_url(address)

    summary = page.locator("#summary")
    assert summary.is_visible()
    assert summary.locator(".civic-verdict").count() == 4  # one line per verdict
    pathway_set = load_pathways()
    verdicts = {}
    for entry in pathway_set.entries:
        section = page.locator(f'section[id="{entry.id}"]')
        assert section.count() == 1, entry.id
        assert entry.title.en in section.locator("h2").inner_text()
        verdicts[entry.id] = section.get_attribute("data-verdict")
    assert set(verdicts.values()) <= VERDICTS
    # A year of a lively platform: the evidence decides most entries.
    assert sum(verdict != "inconclusive" for verdict in verdicts.values()) >= len(verdicts) // 2

    charts = page.locator("figure svg")
    assert charts.count() >= 3 + pathway_set.expectation_count
    for index in (0, 1, 2, charts.count() - 1):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    assert page.locator("figure svg polyline, figure svg circle, figure svg rect").count() > 100

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1200, "height": 1600})
    page.screenshot(path=str(SCREENSHOT))
    page.screenshot(path=str(tmp_path / "pathway-report.png"))
    page.emulate_media(media="print")
    navs = page.locator("nav").all()  # the report's contents and the site's menus
    assert navs and all(nav.is_hidden() for nav in navs)
    assert SCREENSHOT.stat().st_size > 10_000


def test_a_developer_may_not_read_reports(demo_gateway: Gateway, page: Page) -> None:
    page.goto(f"{demo_gateway.url}/reports/pathways")
    log_in(page, make_user(demo_gateway, Role.DEVELOPER))
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_a_malformed_period_is_refused_with_what_was_wrong(
    demo_gateway: Gateway, page: Page
) -> None:
    page.goto(f"{demo_gateway.url}/reports/pathways?from=2025-13-01")
    log_in(page, make_user(demo_gateway, Role.EVALUATOR))
    expect(page.get_by_role("heading", name="The report could not be computed")).to_be_visible()
    expect(page.locator("#report-from-error")).to_contain_text("First day")
