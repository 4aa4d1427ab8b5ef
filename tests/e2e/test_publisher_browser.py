"""In real Chromium: a publisher logs in, publishes a dataset with a resource, finds it by search.

CKAN is not running for the browser tests, so the form answers "not confirmed
yet": the dataset is in the gateway's mirror (and its outbox), which is what the
catalog search reads.
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.live import Gateway

from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.catalog.models import Organization, OrganizationLevel
from civic.services.identity import accounts
from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery staple"


def make_publisher(gateway: Gateway) -> tuple[str, str]:
    bootstrap = Bootstrap(
        ConnectionSettings(
            database_url=gateway.database_url,
            redis_url=gateway.redis_url,
            ckan_url="http://127.0.0.1:9",
            database_pool_size=1,
        )
    )
    suffix = secrets.token_hex(4)
    organization = f"ville-{suffix}"
    email = f"publisher-{suffix}@example.org"
    try:
        with bootstrap.unit_of_work() as uow:
            uow.session.add(
                Organization(name=organization, title="Ville", level=OrganizationLevel.LOCAL)
            )
            uow.session.flush()
            accounts.create_user(
                uow,
                email=email,
                role=Role.PUBLISHER,
                password=PASSWORD,
                organizations=[organization],
            )
            uow.commit()
    finally:
        bootstrap.close()
    return email, organization


def test_publish_a_dataset_in_the_form_and_find_it_in_the_catalog(
    gateway: Gateway, page: Page
) -> None:
    email, _ = make_publisher(gateway)
    name = f"velos-{secrets.token_hex(3)}"

    page.goto(f"{gateway.url}/publish")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Publish a dataset")).to_be_visible()

    page.get_by_label("Name (in the address)").fill(name)
    page.get_by_label("Title").fill("Stationnements vélo sécurisés")
    page.get_by_label("Description").fill("Les abris à vélos de la ville, avec leur capacité.")
    page.get_by_label("Licence").select_option("ODbL-1.0")
    page.get_by_label("Tags (separated by commas)").fill("vélo, mobilité")
    page.get_by_label("Transport").check()
    page.get_by_label("Update frequency").select_option("MONTHLY")
    resource = page.get_by_role("group", name="Resource 1")
    resource.get_by_label("Address (URL)").fill("https://data.example.org/abris.csv")
    resource.get_by_label("Name").fill("Abris 2025")
    resource.get_by_label("Format (CSV, JSON…)").fill("CSV")
    # Keyboard only from here: the submit button is reachable and works with Enter.
    page.get_by_role("button", name="Publish").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Stationnements vélo sécurisés")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("CKAN has not confirmed yet")
    expect(page.get_by_role("cell", name="Abris 2025", exact=True)).to_be_visible()

    page.get_by_role("link", name="Catalog").first.click()
    page.get_by_label("Words to look for").fill("stationnement vélo")
    page.locator("#content").get_by_role("button", name="Search", exact=True).click()
    result = page.get_by_role("link", name="Stationnements vélo sécurisés")
    expect(result).to_be_visible()
    page.get_by_label("CSV").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(f"{gateway.url}/datasets/{name}")

    page.goto(f"{gateway.url}/catalog?lang=fr")
    expect(page.get_by_role("heading", name="Rechercher dans le catalogue")).to_be_visible()
