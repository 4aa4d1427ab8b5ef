"""One site for every role (issue 16), in real Chromium: a citizen, a developer, a
publisher and an evaluator each go their way through links only (the site's address
is the one typed URL; searching fills the search form), in French and English, at
1366 and 390 pixels wide. No page may scroll sideways; at 1366 px axe-core (from npm,
frontend/node_modules, run with page.evaluate since the pages forbid inline script)
finds no serious nor critical violation. Screenshots go to var/e2e/.

One gateway (the demo's) and one browser for all 16 journeys.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from tests.e2e.live import PASSWORD, Gateway, make_user

from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "e2e"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""
WIDE, PHONE = 1366, 390
WORDS = {
    "en": {
        "log in": "Log in",
        "catalog": "Catalog",
        "organizations": "Organizations",
        "reuses": "Reuses",
        "my apps": "My apps",
        "tokens": "Manage your personal tokens",
        "publish": "Publish",
        "publish heading": "Publish a dataset",
        "analytics": "Analytics of",
        "report": "Pathway report",
        "search": "Search",
        "menu": "Menu",
        "latest": "Latest datasets",
        "filter organizations": "Find in the list: Organization",
        "no match": "No dataset matches.",
        "browse organizations": "Browse the organizations",
        "correct": "Please correct these fields",
        "title field": "Title",
    },
    "fr": {
        "log in": "Se connecter",
        "catalog": "Catalogue",
        "organizations": "Organisations",
        "reuses": "Réutilisations",
        "my apps": "Mes applications",
        "tokens": "Gérer vos jetons personnels",
        "publish": "Publier",
        "publish heading": "Publier un jeu de données",
        "analytics": "Statistiques de",
        "report": "Rapport des parcours",
        "search": "Rechercher",
        "menu": "Menu",
        "latest": "Derniers jeux de données",
        "filter organizations": "Chercher dans la liste : Organisation",
        "no match": "Aucun jeu de données ne correspond.",
        "browse organizations": "Parcourir les organisations",
        "correct": "Veuillez corriger ces champs",
        "title field": "Titre",
    },
}
VARIANTS = [(lang, width) for lang in ("en", "fr") for width in (WIDE, PHONE)]
PUBLISHED_BY = "local-000"


class Journey:
    """A person's visit: each page is checked for sideways scrolling and photographed."""

    def __init__(self, page: Page, role: str, lang: str, width: int) -> None:
        self.page, self.lang, self.width = page, lang, width
        self.name = f"{role}-{lang}-{width}"
        self.words = WORDS[lang]
        self.step = 0
        self.pages: list[str] = []

    def check(self) -> None:
        """The page is in the journey's language and does not scroll sideways."""
        page = self.page
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == self.lang, page.url
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url} scrolls {overflow} px sideways at {self.width} px"
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, page.url
        if self.width == WIDE:
            grave = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
            assert not grave, f"{page.url}: {grave}"
        self.step += 1
        self.pages.append(page.url)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{self.name}-{self.step:02d}.png"))

    def menu(self) -> Locator:
        """Where the header's links are: the menu (opened) on a phone, else the header."""
        if self.width < 992:
            self.page.locator("#button-menu").click()
            menu = self.page.locator("#modal-menu")
            expect(menu).to_be_visible()
            return menu
        return self.page.locator("header")

    def nav(self, label: str, *, exact: bool = True) -> None:
        self.menu().get_by_role("link", name=label, exact=exact).first.click()
        self.check()

    def log_in(self, email: str, *, check: bool = True) -> None:
        """Log in from the header's link (on the home page: the person lands by role)."""
        self.nav(self.words["log in"])
        self.page.locator("#login-email").fill(email)
        self.page.locator("#login-password").fill(PASSWORD)
        self.page.locator("#content").get_by_role("button", name=self.words["log in"]).click()
        if check:
            self.check()


def axe_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's violations on the page as it is."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    violations: list[dict[str, object]] = page.evaluate(AXE_RUN)
    return violations


def test_axe_runs_and_finds_a_known_violation(browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<html lang="en"><title>control</title><main><img src="x.png"></main>')
    ids = {(v["id"], v["impact"]) for v in axe_violations(page)}
    context.close()
    assert ("image-alt", "critical") in ids


@pytest.fixture(scope="module")
def people(demo_gateway: Gateway) -> dict[Role, str]:
    return {
        Role.DEVELOPER: make_user(demo_gateway, Role.DEVELOPER),
        Role.PUBLISHER: make_user(demo_gateway, Role.PUBLISHER, (PUBLISHED_BY,)),
        Role.EVALUATOR: make_user(demo_gateway, Role.EVALUATOR),
    }


@pytest.fixture(params=VARIANTS, ids=[f"{lang}-{width}" for lang, width in VARIANTS])
def visit(
    request: pytest.FixtureRequest, browser: Browser, demo_gateway: Gateway
) -> Iterator[tuple[Page, str, int]]:
    lang, width = request.param
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="fr-FR" if lang == "fr" else "en-GB",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9" if lang == "fr" else "en"},
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(demo_gateway.url + "/")  # the only typed address: the site's
    yield page, lang, width
    context.close()


def test_a_citizen_browses_and_searches(visit: tuple[Page, str, int]) -> None:
    page, lang, width = visit
    journey = Journey(page, "citizen", lang, width)
    journey.check()
    words = journey.words
    expect(page.locator("#figures")).to_be_visible()
    latest = page.locator("#content section", has_text=words["latest"])
    latest.get_by_role("link").first.click()  # a dataset
    journey.check()
    page.locator("#content .fr-breadcrumb").get_by_role("link").nth(1).click()  # its organization
    journey.check()
    journey.nav(words["organizations"])
    expect(page.locator("#content table tbody tr").first).to_be_visible()
    journey.nav(words["reuses"])
    page.locator("#content .reuse-cards li a").first.click()  # a reuse
    journey.check()
    journey.nav(words["catalog"])
    page.locator("#q").fill("local")
    page.locator("#content").get_by_role("button", name=words["search"], exact=True).click()
    journey.check()
    results = page.locator(".civic-results")
    filters = page.locator("#filters")
    expect(results.locator("ol.civic-datasets > li").first).to_be_visible()
    if width == PHONE:  # results first; the filters fold below them
        assert results.bounding_box()["y"] < filters.bounding_box()["y"]  # type: ignore[index]
        assert filters.get_attribute("open") is None
    else:
        expect(filters).to_have_attribute("open", "")
    if width == WIDE:  # a long facet's box narrows its list as one types
        box = page.get_by_label(words["filter organizations"])
        expect(box).to_be_visible()
        options = page.locator("#facet-organization .fr-checkbox-group")
        before = options.locator("visible=true").count()
        box.fill("zz-none")
        expect(options.locator("visible=true")).to_have_count(0)
        box.fill("")
        expect(options.locator("visible=true")).to_have_count(before)
    results.locator("ol.civic-datasets > li h3 a").first.click()
    journey.check()
    page.go_back()
    page.locator("#q").fill("zzqxwv")  # nothing matches: the page says what to try
    page.locator("#content").get_by_role("button", name=words["search"], exact=True).click()
    journey.check()
    hints = page.locator("#content .fr-callout")
    expect(hints).to_contain_text(words["no match"])
    hints.get_by_role("link", name=words["browse organizations"]).click()
    journey.check()
    assert len(journey.pages) == 11


def test_a_developer_finds_their_apps_and_tokens(
    visit: tuple[Page, str, int], people: dict[Role, str]
) -> None:
    page, lang, width = visit
    journey = Journey(page, "developer", lang, width)
    journey.check()
    journey.log_in(people[Role.DEVELOPER])  # lands on their apps
    expect(page.get_by_role("heading", name=journey.words["my apps"], level=1)).to_be_visible()
    page.get_by_role("link", name=journey.words["tokens"]).click()
    journey.check()
    journey.nav(journey.words["catalog"])
    assert not journey.menu().get_by_role("link", name=journey.words["publish"]).count()


def test_a_publisher_reaches_the_form_and_their_analytics(
    visit: tuple[Page, str, int], people: dict[Role, str]
) -> None:
    page, lang, width = visit
    journey = Journey(page, "publisher", lang, width)
    journey.check()
    journey.log_in(people[Role.PUBLISHER])  # lands on their organization
    assert page.url.endswith("/organizations/" + PUBLISHED_BY)
    journey.nav(journey.words["publish"])
    expect(page.get_by_role("heading", name=journey.words["publish heading"])).to_be_visible()
    page.locator("#content form button[type=submit]").click()  # empty: refused, by field
    journey.check()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(journey.words["correct"])
    summary.get_by_role("link", name=journey.words["title field"], exact=True).click()
    expect(page.locator("#f-title")).to_have_attribute("aria-describedby", "err-title")
    journey.nav(journey.words["analytics"], exact=False)
    expect(page.locator("#content h1")).to_be_visible()
    # The export links work through the session: no token in a browser.
    for link, kind in (("#export-json", "application/json"), ("#export-csv", "text/csv")):
        href = page.locator(link).get_attribute("href")
        exported = page.request.get(page.url.split("?")[0] + (href or ""))
        assert exported.ok and exported.headers["content-type"].startswith(kind), link
    assert PUBLISHED_BY in page.request.get(page.url.split("?")[0] + "?format=json").text()
    page.locator("#content .fr-breadcrumb").get_by_role("link").nth(1).click()  # the org
    journey.check()
    assert "/organizations/" + PUBLISHED_BY in page.url


def test_an_evaluator_reaches_the_pathway_report(
    visit: tuple[Page, str, int], people: dict[Role, str]
) -> None:
    page, lang, width = visit
    journey = Journey(page, "evaluator", lang, width)
    journey.check()
    # Lands on the report (its own page and browser test: test_pathway_report_browser).
    journey.log_in(people[Role.EVALUATOR], check=False)
    page.wait_for_url("**/reports/pathways", timeout=120_000)
    expect(page.locator("h1").first).to_be_visible(timeout=120_000)
    link = journey.menu().get_by_role("link", name=journey.words["report"])
    expect(link).to_have_attribute("href", "/reports/pathways")
    expect(link).to_have_attribute("aria-current", "page")
