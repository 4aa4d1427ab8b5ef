"""In real Chromium, under the pages' Content-Security-Policy (``script-src 'self'``):
no page is refused a script, the API docs still render, and deleting an app still asks.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, expect
from tests.e2e.live import Gateway, log_in, make_user

from civic.services.identity.models import Role

pytestmark = pytest.mark.e2e


def _violations(page: Page) -> list[str]:
    seen: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.append(message.text)

    page.on("console", record)
    return seen


def test_the_pages_run_under_the_script_policy(gateway: Gateway, page: Page) -> None:
    violations = _violations(page)
    page.goto(f"{gateway.url}/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)  # Swagger UI ran

    developer = make_user(gateway, Role.DEVELOPER)
    page.goto(f"{gateway.url}/portal/")
    log_in(page, developer)
    page.get_by_role("link", name="Register an app").click()
    page.get_by_label("Name", exact=True).fill("Policy probe")
    page.get_by_label("Who is behind it").select_option("association")
    page.get_by_label("Redirect URIs").fill("http://127.0.0.1:9/callback")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Policy probe is registered")).to_be_visible()
    page.goto(f"{gateway.url}/portal/")
    page.get_by_role("link", name="Policy probe", exact=True).click()

    questions: list[str] = []

    def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        if len(questions) == 1:
            dialog.dismiss()  # the first time: "no", the app stays
        else:
            dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Policy probe")).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="My apps")).to_be_visible()
    expect(page.get_by_role("link", name="Policy probe", exact=True)).to_have_count(0)
    assert questions == ["Delete this app? Its tokens stop working at once."] * 2
    assert violations == []
