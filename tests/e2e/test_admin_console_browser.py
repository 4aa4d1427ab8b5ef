"""In real Chromium, through links only: an administrator finds an app in the console
and suspends it with a reason; its owner, from their account page, reads why and
contests; the administrator restores the app from the contest; the owner reads the
answer. Then the audit log shows the three actions. In English and in French."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.live import Gateway, log_in, make_user, unit_of_work
from tests.e2e.test_site_journeys import axe_violations

from civic.services.apps import registry
from civic.services.apps.metadata import parse_metadata
from civic.services.identity import accounts
from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e
TRANSLATIONS = (
    Path(__file__).resolve().parents[2] / "platform" / "civic" / "platform" / "translations"
)


def _app(gateway: Gateway, owner: str, name: str) -> str:
    with unit_of_work(gateway) as uow:
        user = accounts.find_user(uow, owner)
        metadata = parse_metadata(
            {
                "client_name": name,
                "actor_type": "association",
                "grant_types": ["client_credentials"],
                "token_endpoint_auth_method": "client_secret_basic",
            }
        )
        app, _ = registry.register_app(uow, metadata, owner_id=user.id, registered_via="cli")
        uow.commit()
        return app.client_id


def _session(browser: Browser, gateway: Gateway, email: str, start: str, lang: str) -> Page:
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{gateway.url}{start}?lang=en")
    log_in(page, email)
    page.goto(f"{gateway.url}{start}?lang={lang}")  # remembered by the civic_lang cookie
    return page


def _words(lang: str) -> Callable[[str], str]:
    """The pages' words in ``lang``, from the compiled catalog the gateway uses."""
    if lang == "en":
        return lambda message: message
    return gettext.translation("messages", localedir=TRANSLATIONS, languages=[lang]).gettext


def _accessible(page: Page) -> None:
    """No critical or serious axe-core violation on the page as it is."""
    bad = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
    assert not bad, (page.url, bad)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_suspend_contest_restore_through_links(
    gateway: Gateway, browser: Browser, lang: str
) -> None:
    t = _words(lang)
    admin = make_user(gateway, Role.ADMIN)
    owner = make_user(gateway, Role.DEVELOPER)
    name = f"Bike racks {owner.split('@')[0]}"
    _app(gateway, owner, name)

    console = _session(browser, gateway, admin, "/admin", lang)
    expect(console.get_by_role("heading", name=t("Admin console"))).to_be_visible()
    _accessible(console)
    console.locator("#content").get_by_role("link", name=t("Apps"), exact=True).click()
    console.get_by_label(t("Owner's address")).fill(owner)
    console.locator("#content").get_by_role("button", name=t("Search")).click()
    console.get_by_role("link", name=name).click()
    _accessible(console)
    console.get_by_label(t("Action")).select_option("suspend")
    console.get_by_label(t("Reason (required; the owner reads it)")).fill(
        "Scraping beyond its plan"
    )
    console.get_by_role("button", name=t("Apply"), exact=True).click()
    expect(console.locator("body")).to_contain_text(f"{t('suspended')}: Scraping beyond its plan")

    mine = _session(browser, gateway, owner, "/account", lang)
    mine.get_by_role("link", name=t("Why, and contest it")).click()
    expect(mine.locator("body")).to_contain_text("Scraping beyond its plan")
    _accessible(mine)
    mine.get_by_label(t("Your message")).fill("We added a cache; calls are down by 90 %.")
    mine.get_by_role("button", name=t("Send the contest")).click()
    expect(mine.locator("body")).to_contain_text(t("Waiting for an administrator."))

    console.reload()
    expect(console.locator("body")).to_contain_text("calls are down by 90 %")
    console.get_by_label(t("Decision")).select_option("restore")
    console.get_by_label(t("Answer (required; the owner reads it)")).fill("Restored, thank you.")
    console.locator("#content").get_by_role("button", name=t("Send"), exact=True).click()
    expect(console.locator("body")).to_contain_text(t("State"))
    expect(console.get_by_label(t("Action"))).to_contain_text(t("Suspend"))  # active again

    mine.reload()
    expect(mine.locator("body")).to_contain_text("Restored, thank you.")
    expect(mine.locator("body")).to_contain_text(t("the app was restored"))
    _accessible(mine)

    console.locator("#content").get_by_role("link", name=t("Audit log")).click()
    console.get_by_label(t("Target (id, name or address)")).fill(name)
    console.locator("#content").get_by_role("button", name=t("Search")).click()
    rows = console.get_by_role("row")
    expect(rows.filter(has_text="app.suspend")).to_have_count(1)
    expect(rows.filter(has_text="app.restore")).to_have_count(1)
    expect(rows.filter(has_text="contest.restore")).to_have_count(1)
    _accessible(console)
    for page in (console, mine):
        page.context.close()
