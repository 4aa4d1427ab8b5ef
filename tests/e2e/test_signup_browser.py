"""In real Chromium, in English and in French: a visitor follows the login page's link
to sign up, opens the verification link from the mail the gateway sent through SMTP
to the sink, logs in, and sees their account; then forgets the password and resets it
from another mailed link."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.live import Gateway
from tests.e2e.test_site_journeys import axe_violations

from civic.connectors.mail.sink import SunkMail, list_mails

pytestmark = pytest.mark.e2e
PASSWORD = "violet tapir sundial 1987"
NEW_PASSWORD = "amber heron lantern 2031"


def _mail_to(folder: Path, address: str, count: int = 1) -> SunkMail:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [mail for mail in list_mails(folder) if mail.to == address]
        if len(found) >= count:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address}")


def _link(mail: SunkMail, path: str, gateway: Gateway) -> str:
    """The mailed link, on this gateway (its public URL is the default one: this test
    gateway listens on a free port instead)."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", mail.text)
    assert match is not None, mail.text
    return gateway.url + match.group(1)


def _accessible(page: Page) -> None:
    """No critical or serious axe-core violation on the page as it is."""
    bad = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
    assert not bad, (page.url, bad)


def test_sign_up_verify_log_in_and_reset_in_english(
    mail_gateway: Gateway, mail_folder: Path, page: Page
) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(f"{mail_gateway.url}/login?lang=en")
    page.get_by_role("link", name="No account yet? Create one").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password (at least 12").fill("password1234")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("alert")).to_contain_text("too easy to guess")
    _accessible(page)
    page.get_by_label("Password (at least 12").fill(PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    link = _link(_mail_to(mail_folder, email), "/signup/verify", mail_gateway)
    page.goto(link)
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("heading", name="Your address is verified")).to_be_visible()
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{mail_gateway.url}/account")
    expect(page.get_by_role("heading", name="Your account", exact=True)).to_be_visible()
    expect(page.locator("body")).to_contain_text(email)
    expect(page.get_by_role("button", name="End this session")).to_have_count(1)
    _accessible(page)

    # Forgotten password: a new browser asks for a link and chooses a new one.
    other = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    other.goto(f"{mail_gateway.url}/login?lang=en")
    other.get_by_role("link", name="Forgotten password?").click()
    other.get_by_label("E-mail address").fill(email)
    other.get_by_role("button", name="Send me a link").click()
    expect(other.get_by_role("heading", name="Check your inbox")).to_be_visible()
    _accessible(other)
    reset = _link(_mail_to(mail_folder, email, count=2), "/password-reset/confirm", mail_gateway)
    other.goto(reset)
    other.get_by_label("New password").fill(NEW_PASSWORD)
    other.get_by_role("button", name="Change the password").click()
    expect(other.get_by_role("heading", name="Your password is changed")).to_be_visible()
    # The first browser was logged out by the reset.
    page.goto(f"{mail_gateway.url}/account")
    expect(page).to_have_url(re.compile(r"/login"))
    other.context.close()


def test_sign_up_in_french(mail_gateway: Gateway, mail_folder: Path, page: Page) -> None:
    email = f"marie-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(f"{mail_gateway.url}/login?lang=fr")
    page.get_by_role("link", name="Pas encore de compte ? Créez-en un").click()
    expect(page.get_by_role("heading", name="Créer un compte")).to_be_visible()
    _accessible(page)
    page.get_by_label("Votre nom").fill("Marie Curie")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe (12 caractères").fill(PASSWORD)
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
    mail = _mail_to(mail_folder, email)
    assert "Vérifiez votre adresse" in mail.subject
    page.goto(_link(mail, "/signup/verify", mail_gateway))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_role("heading", name="Votre adresse est vérifiée")).to_be_visible()
