"""In real Chromium, through links only (issue 17, continued): a person changes their
address from the account page and confirms it from the mail the gateway sent to the
new one (English and French); a publisher withdraws a dataset from "Your datasets";
an administrator reads what withdrawing an organization does, then withdraws it; a
developer declaring a reuse picks a dataset by searching the catalog. axe-core finds
no critical or serious violation on the new pages."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.live import PASSWORD, Gateway, log_in, make_user, unit_of_work
from tests.e2e.test_site_journeys import axe_violations

from civic.connectors.mail.sink import list_mails
from civic.services.catalog.models import Dataset, Organization, OrganizationLevel, Resource
from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e


def _accessible(page: Page) -> None:
    bad = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
    assert not bad, (page.url, bad)


def _session(browser: Browser, gateway: Gateway, email: str, start: str, lang: str) -> Page:
    page = browser.new_context(locale=lang).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{gateway.url}{start}?lang=en")
    log_in(page, email)
    if lang != "en":
        page.goto(f"{gateway.url}{start}?lang={lang}")
    return page


def _organization_with_dataset(gateway: Gateway, title: str) -> tuple[str, str]:
    token = secrets.token_hex(4)
    organization, name = f"town-{token}", f"trees-{token}"
    with unit_of_work(gateway) as uow:
        owner = Organization(
            name=organization, title=f"Town {token}", level=OrganizationLevel.LOCAL
        )
        uow.session.add(owner)
        uow.session.flush()
        uow.session.add(
            Dataset(
                name=name,
                title=title,
                organization_id=owner.id,
                license="etalab-2.0",
                resources=[Resource(url=f"https://example.org/{name}.csv", name="all")],
            )
        )
        uow.commit()
    return organization, name


def _mailed_link(folder: Path, address: str, path: str, gateway: Gateway) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for mail in list_mails(folder):
            if mail.to == address:
                found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", mail.text)
                assert found is not None, mail.text
                return gateway.url + found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address}")


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Change your e-mail address", "New e-mail address", "Your password",
                "Send the link", "Use this address for my account", "Your address is changed")),
        ("fr", ("Changer d\u2019adresse électronique", "Nouvelle adresse électronique",
                "Votre mot de passe", "Envoyer le lien", "Utiliser cette adresse pour mon compte",
                "Votre adresse est changée")),
    ],
)  # fmt: skip
def test_changing_the_address_from_the_mail(
    mail_gateway: Gateway, mail_folder: Path, browser: Browser, lang: str, words: tuple[str, ...]
) -> None:
    email = make_user(mail_gateway, Role.DEVELOPER)
    new = f"moved-{secrets.token_hex(4)}@example.org"
    page = _session(browser, mail_gateway, email, "/account", lang)
    page.get_by_role("link", name=words[0]).click()
    _accessible(page)
    page.get_by_label(words[1]).fill(new)
    page.get_by_label(words[2]).fill(PASSWORD)
    page.get_by_role("button", name=words[3]).click()
    expect(page.locator("body")).to_contain_text(new)
    page.goto(_mailed_link(mail_folder, new, "/account/email/confirm", mail_gateway))
    _accessible(page)
    page.get_by_role("button", name=words[4]).click()
    expect(page.get_by_role("heading", name=words[5])).to_be_visible()


def test_a_publisher_withdraws_a_dataset_and_an_admin_an_organization(
    gateway: Gateway, browser: Browser
) -> None:
    organization, dataset = _organization_with_dataset(gateway, "Street trees")
    publisher = make_user(gateway, Role.PUBLISHER, (organization,))
    mine = _session(browser, gateway, publisher, "/account", "en")
    mine.get_by_role("link", name="Your datasets: their state in CKAN, edit, withdraw").click()
    expect(mine.get_by_role("link", name="Street trees", exact=True)).to_be_visible()
    _accessible(mine)
    mine.get_by_role("link", name="Withdraw Street trees").click()
    expect(mine.locator("body")).to_contain_text("It leaves CKAN")
    _accessible(mine)
    mine.get_by_role("button", name="Withdraw the dataset").click()
    expect(mine.locator("body")).to_contain_text(f"{dataset} is withdrawn")
    expect(mine.get_by_role("link", name="Street trees", exact=True)).to_have_count(0)

    other, _ = _organization_with_dataset(gateway, "Bus stops")
    admin = make_user(gateway, Role.ADMIN)
    console = _session(browser, gateway, admin, "/admin", "en")
    console.locator("#content").get_by_role("link", name="Organizations", exact=True).click()
    console.get_by_role("link", name=other, exact=True).click()
    console.get_by_role(
        "link", name="What withdrawing it does to its datasets and members, before anything is done"
    ).click()
    expect(console.locator("body")).to_contain_text("Its 1 dataset is withdrawn")
    _accessible(console)
    console.get_by_label("Why (required, recorded)").fill("Merged with the county")
    console.get_by_role("button", name="Withdraw the organization").click()
    expect(console.locator("body")).to_contain_text("Withdrawn on")


def test_declaring_a_reuse_picks_datasets_from_the_catalog_and_an_admin_flags_it(
    gateway: Gateway, browser: Browser, page: Page
) -> None:
    _, dataset = _organization_with_dataset(gateway, f"Cycle lanes {secrets.token_hex(3)}")
    email = make_user(gateway, Role.DEVELOPER)
    page.goto(f"{gateway.url}/portal/reuses/new?lang=en")
    log_in(page, email)
    search = page.get_by_label("Search the catalog for a dataset, then add it")
    search.fill("Cycle lanes")
    expect(page.locator(f'#reuse-dataset-options option[value="{dataset}"]')).to_have_count(1)
    search.fill(dataset)
    page.get_by_role("button", name="Add this dataset").click()
    expect(page.get_by_label("Datasets used")).to_have_value(dataset)
    _accessible(page)
    title = f"Safe routes {secrets.token_hex(3)}"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Link (http or https)").fill(f"https://routes.example.org/{dataset}")
    page.get_by_label("Description").fill("Which streets are safe by bike.")
    page.get_by_label("Type").select_option("application")
    page.get_by_label("Topic").select_option("transport")
    page.get_by_label("Purpose").select_option("general_interest")
    page.get_by_label("Who you are").select_option("citizen")
    page.get_by_role("button", name="Declare").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    # An administrator moderates it from the console's queue, through links.
    console = _session(browser, gateway, make_user(gateway, Role.ADMIN), "/admin", "en")
    console.locator("#content").get_by_role("link", name="Reuses", exact=True).click()
    console.get_by_label("Title or address").fill(title)
    console.locator("#content").get_by_role("button", name="Search").click()
    console.get_by_label("Action").select_option("flag")
    console.get_by_label("Reason (required; the owner reads it)").fill("The link answers 404")
    console.get_by_role("button", name="Apply").click()
    expect(console.locator("body")).to_contain_text("The link answers 404")
    _accessible(console)
