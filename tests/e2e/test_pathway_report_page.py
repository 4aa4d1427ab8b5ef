"""The pathway report page as an evaluator uses it, in Chromium (issue 16).

On the demo gateway (the mixed scenario, simulated): the page in French on a phone
(390 px) has the period and scope form, the export links, the simulated-demo notice,
chart text of at least 12 px, p-values written as "< 0.001", and does not scroll
sideways; a wrong date is answered on the form, in French, naming the field; the
CSV and JSON links download the report through the session; printed, the report
takes far fewer pages than before (43) and its verdict badges keep their colour.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.live import PASSWORD, Gateway, make_user

from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e"
PHONE = 390


@pytest.fixture
def french_phone(browser: Browser, demo_gateway: Gateway) -> Iterator[Page]:
    """An evaluator logged in, in French, on a 390 px wide screen."""
    context = browser.new_context(
        viewport={"width": PHONE, "height": 844},
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    page = context.new_page()
    page.set_default_timeout(60_000)  # a report computed on a loaded machine
    page.goto(f"{demo_gateway.url}/login?next=/reports/pathways")
    page.locator("#login-email").fill(make_user(demo_gateway, Role.EVALUATOR))
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#content").get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/reports/pathways$"))
    yield page
    context.close()


def _overflow(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def test_the_report_page_in_french_on_a_phone(french_phone: Page) -> None:
    page = french_phone
    began = time.perf_counter()
    page.reload()  # the kept report: what the page costs once computed
    print(f"kept report page: {time.perf_counter() - began:.2f} s")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.get_by_role("heading", name="Rapport sur les trajectoires")).to_be_visible()
    expect(page.locator("#simulated-notice")).to_contain_text("historique simulé")
    form = page.locator("form.civic-report-form")
    for label in ("Premier jour", "Dernier jour", "Organisation", "Niveau des producteurs"):
        expect(form.get_by_label(label, exact=False).first).to_be_visible()
    expect(page.locator("#export-csv")).to_be_visible()
    expect(page.locator("#usage-until")).to_be_visible()
    assert _overflow(page) <= 0, f"the report scrolls {_overflow(page)} px sideways"

    # Every chart's text is at least 12 px as drawn (its size times the SVG's scale).
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg.civic-chart')].map(svg => {
             const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
             return parseFloat(svg.getAttribute('font-size')) * scale; }))"""
    )
    assert smallest >= 12, f"chart text drawn at {smallest:.1f} px"
    text = page.locator("#content").inner_text()
    assert not re.search(r"p = 0(?![.,\d])", text), "a p-value written as 0"
    assert "< 0,001" in text or "< 0.001" in text
    # Monthly charts show their intervals.
    assert page.locator("svg.civic-chart .civic-interval").count() > 12
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "pathway-report-fr-390.png"))


def test_a_wrong_date_is_answered_on_the_form_in_french(
    french_phone: Page, demo_gateway: Gateway
) -> None:
    page = french_phone
    page.goto(f"{demo_gateway.url}/reports/pathways?from=2025-13-01&to=2025-06-30")
    error = page.locator("#report-from-error")
    expect(error).to_contain_text("Premier jour")
    expect(error).to_contain_text("AAAA-MM-JJ")
    assert page.locator("#report-from").get_attribute("aria-invalid") == "true"
    assert "Input should be" not in page.locator("#content").inner_text()
    page.goto(f"{demo_gateway.url}/reports/pathways?from=2025-06-30&to=2025-01-01")
    expect(page.locator("#report-to-error")).to_contain_text("ne doit pas précéder")


def test_the_exports_and_the_printed_report(french_phone: Page, tmp_path: Path) -> None:
    page = french_phone
    csv = page.request.get(urljoin(page.url, page.locator("#export-csv").get_attribute("href")))
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    json_link = page.locator("#export-json").get_attribute("href")
    document = page.request.get(urljoin(page.url, json_link))
    assert document.status == 200 and document.json()["report"] == "pathways"
    # Served from the kept report, which says so and offers to compute it now.
    expect(page.locator("#report-computed")).to_be_visible()

    page.emulate_media(media="print")
    badge = page.locator(".civic-verdict").first
    background = badge.evaluate("b => getComputedStyle(b).backgroundColor")
    adjust = badge.evaluate("b => getComputedStyle(b).printColorAdjust")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent") and adjust == "exact"
    assert page.locator("form.civic-report-form").is_hidden()
    pdf = tmp_path / "report.pdf"
    page.set_viewport_size({"width": 1200, "height": 1600})
    page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    print(f"printed report: {pages} A4 pages")
    assert 0 < pages <= 25
