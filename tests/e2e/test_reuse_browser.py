"""In real Chromium: a developer declares a reuse of a dataset in the portal, then finds
it on the dataset's page (and in the reuse list, and the publisher's feed)."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.live import Gateway

from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.catalog.models import Dataset, Organization, OrganizationLevel, Resource
from civic.services.identity import accounts
from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery staple"


def seed(gateway: Gateway) -> tuple[str, str, str]:
    """A developer, and a dataset in the mirror; (email, dataset name, organization name)."""
    bootstrap = Bootstrap(
        ConnectionSettings(
            database_url=gateway.database_url,
            redis_url=gateway.redis_url,
            ckan_url="http://127.0.0.1:9",
            database_pool_size=1,
        )
    )
    token = secrets.token_hex(4)
    email, name, organization = f"dev-{token}@example.org", f"bike-parking-{token}", f"city-{token}"
    try:
        with bootstrap.unit_of_work() as uow:
            accounts.create_user(uow, email=email, role=Role.DEVELOPER, password=PASSWORD)
            owner = Organization(name=organization, title="City", level=OrganizationLevel.LOCAL)
            uow.session.add(owner)
            uow.session.flush()
            uow.session.add(
                Dataset(
                    name=name,
                    title="Bike parking spots",
                    organization_id=owner.id,
                    license="etalab-2.0",
                    resources=[Resource(url="https://example.org/parking.csv", name="spots")],
                )
            )
            uow.commit()
    finally:
        bootstrap.close()
    return email, name, organization


def test_declare_a_reuse_in_the_portal_and_see_it_on_the_dataset_page(
    gateway: Gateway, page: Page
) -> None:
    email, dataset, organization = seed(gateway)
    title = f"Where to park my bike {secrets.token_hex(3)}"

    page.goto(f"{gateway.url}/portal/reuses/new?dataset={dataset}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Declare a reuse")).to_be_visible()
    expect(page.get_by_label("Datasets used")).to_have_value(dataset)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Link (http or https)").fill(f"https://bikes.example.org/{dataset}")
    page.get_by_label("Description").fill("A map of the nearest free spots.")
    page.get_by_label("Type").select_option("application")
    page.get_by_label("Topic").select_option("transport")
    page.get_by_label("Purpose").select_option("general_interest")
    page.get_by_label("Who you are").select_option("citizen")
    page.get_by_role("button", name="Declare").click()

    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text("Application", exact=True)).to_be_visible()
    expect(page.get_by_text("(Citizen or informal community)")).to_be_visible()

    page.goto(f"{gateway.url}/datasets/{dataset}")
    reuses = page.locator("section#reuses")
    expect(reuses.get_by_role("link", name=title)).to_be_visible()

    page.goto(f"{gateway.url}/reuses?topic=transport&dataset={dataset}")
    expect(page.get_by_role("link", name=title)).to_be_visible()
    feed = page.request.get(f"{gateway.url}/feeds/organizations/{organization}.atom")
    assert feed.ok and title in feed.text()
