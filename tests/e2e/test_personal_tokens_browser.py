"""In real Chromium: a developer creates a personal API token in the portal, copies it
from its read-only field, uses it, and revokes it."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect
from tests.e2e.live import Gateway, log_in, make_user

from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e


def test_create_copy_use_and_revoke_a_personal_token(gateway: Gateway, page: Page) -> None:
    developer = make_user(gateway, Role.DEVELOPER)
    page.goto(f"{gateway.url}/portal/")
    log_in(page, developer)
    page.get_by_role("link", name="Manage your personal tokens").click()
    expect(page.get_by_role("heading", name="Personal API tokens", exact=True)).to_be_visible()
    # A developer is offered their rights only.
    expect(page.locator("input[name=scope][value='datasets:write']")).to_have_count(0)

    page.get_by_label("Name").fill("bike map script")
    page.locator("input[name=scope][value='reuses:write']").check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_label("Actor type of your personal app").select_option("association")
    page.get_by_role("button", name="Create the token").click()

    field = page.get_by_label("Token", exact=True)
    expect(field).to_have_attribute("readonly", "")
    secret = field.input_value()
    assert secret.startswith("civic_pat_")

    def me() -> requests.Response:
        return requests.get(
            f"{gateway.url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10
        )

    identity = me().json()
    assert identity["person"]["email"] == developer
    assert identity["effective_scope"] == "reuses:write"
    assert identity["app"]["actor_type"] == "association"

    page.get_by_role("link", name="Back to your tokens").click()
    row = page.get_by_role("row").filter(has_text="bike map script")
    expect(row).to_contain_text("active")
    expect(page.locator("body")).not_to_contain_text(secret)
    row.get_by_role("button", name="Revoke bike map script").click()
    expect(page.get_by_role("row").filter(has_text="bike map script")).to_contain_text("revoked")
    assert me().status_code == 401
