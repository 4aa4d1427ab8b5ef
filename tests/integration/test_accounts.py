"""Self-service accounts through the real stack: the gateway mails through SMTP to the
stack's sink (scripts/mail_sink.py), and these tests read the links from its files.

Sign-up, verification, login; a sign-up or a reset never tells whether an address has
an account; reset links work once; per-address limits; the account page's sessions;
deletion keeps apps and access records under an anonymous owner.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from tests.integration.identity import PASSWORD, civic, csrf_token, logged_in, new_user, unique
from tests.integration.mailbox import link_in, mails_to, wait_for_mail
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import mirror_dataset

pytestmark = pytest.mark.integration

STRONG = "violet tapir sundial 1987"


def _post_form(
    browser: requests.Session, stack: RunningStack, page: str, action: str, data: dict[str, str]
) -> requests.Response:
    form = browser.get(f"{stack.gateway_url}{page}", timeout=10)
    assert form.status_code == 200, form.text
    return browser.post(
        f"{stack.gateway_url}{action}",
        data={**data, "csrf_token": csrf_token(form.text)},
        allow_redirects=False,
        timeout=30,
    )


def _sign_up(stack: RunningStack, email: str, password: str = STRONG) -> requests.Response:
    return _post_form(
        requests.Session(),
        stack,
        "/signup",
        "/signup",
        {"name": "Ada Lovelace", "email": email, "password": password},
    )


def _open_link(stack: RunningStack, url: str) -> requests.Response:
    """Open a mailed link (relative to the gateway) and press its button."""
    parts = urlsplit(url)
    browser = requests.Session()
    path = f"{parts.path}?{parts.query}"
    page = browser.get(f"{stack.gateway_url}{path}", timeout=10)
    assert page.status_code == 200, page.text
    token = parts.query.split("token=", 1)[1]
    return browser.post(
        f"{stack.gateway_url}{parts.path}",
        data={"csrf_token": csrf_token(page.text), "token": token},
        timeout=30,
    )


def _login(stack: RunningStack, email: str, password: str) -> requests.Response:
    return _post_form(
        requests.Session(), stack, "/login", "/login", {"email": email, "password": password}
    )


def _row(stack: RunningStack, query: str, params: dict[str, object]) -> tuple[object, ...] | None:
    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        return connection.execute(query, params).fetchone()  # type: ignore[arg-type]


def test_sign_up_verify_from_the_mail_then_log_in(stack: RunningStack) -> None:
    email = f"{unique('signup')}@example.org"
    answer = _sign_up(stack, email)
    assert answer.status_code == 200
    assert "Check your inbox" in answer.text

    # Not verified yet: the right password is told to verify, and may ask for a new link.
    early = _login(stack, email, STRONG)
    assert early.status_code == 401
    assert "verify your address" in early.text
    assert "/signup/resend" in early.text

    mail = wait_for_mail(stack, email)
    assert "Verify your address" in mail.subject
    link = link_in(mail, "/signup/verify")
    assert link.startswith(stack.gateway_url)  # the public URL, not a Host header
    # A mail scanner that fetches the link changes nothing: only the button does.
    requests.get(link, timeout=10)
    assert _login(stack, email, STRONG).status_code == 401
    verified = _open_link(stack, link)
    assert verified.status_code == 200
    assert "Your address is verified" in verified.text

    login = _login(stack, email, STRONG)
    assert login.status_code == 302
    role = _row(stack, "SELECT role::text FROM users WHERE email = %(e)s", {"e": email})
    assert role == ("developer",)
    # The link worked once.
    assert _open_link(stack, link).status_code == 400


def test_sign_up_answers_the_same_for_a_taken_address(stack: RunningStack) -> None:
    user = new_user(stack)
    fresh = f"{unique('fresh')}@example.org"
    taken = _sign_up(stack, user["email"])
    new = _sign_up(stack, fresh)
    assert taken.status_code == new.status_code == 200
    assert taken.text.replace(user["email"], "X") == new.text.replace(fresh, "X")
    # The owner of the taken address is told; the account is unchanged.
    notice = wait_for_mail(stack, user["email"])
    assert "tried to sign up" in notice.subject
    assert "/password-reset" in notice.text
    assert _login(stack, user["email"], PASSWORD).status_code == 302
    assert _login(stack, user["email"], STRONG).status_code == 401


def test_reset_by_mailed_link_works_once_and_ends_every_session(stack: RunningStack) -> None:
    user = new_user(stack)
    browser = logged_in(stack, user["email"])
    answer = _post_form(
        requests.Session(), stack, "/password-reset", "/password-reset", {"email": user["email"]}
    )
    assert answer.status_code == 200
    link = link_in(wait_for_mail(stack, user["email"]), "/password-reset/confirm")

    weak = _open_link_with_password(stack, link, "password1234")
    assert weak.status_code == 422
    assert "too easy to guess" in weak.text
    changed = _open_link_with_password(stack, link, STRONG)
    assert changed.status_code == 200
    assert "Your password is changed" in changed.text

    assert _login(stack, user["email"], PASSWORD).status_code == 401
    assert _login(stack, user["email"], STRONG).status_code == 302
    # The browser logged in before the reset is logged out.
    portal = browser.get(f"{stack.gateway_url}/portal/", allow_redirects=False, timeout=10)
    assert portal.status_code == 302
    # Used once: the same link is dead.
    assert _open_link_with_password(stack, link, "another violet tapir 7").status_code == 400


def _open_link_with_password(stack: RunningStack, url: str, password: str) -> requests.Response:
    parts = urlsplit(url)
    browser = requests.Session()
    page = browser.get(f"{stack.gateway_url}{parts.path}?{parts.query}", timeout=10)
    if page.status_code != 200:
        return page
    token = parts.query.split("token=", 1)[1]
    return browser.post(
        f"{stack.gateway_url}{parts.path}",
        data={"csrf_token": csrf_token(page.text), "token": token, "password": password},
        timeout=30,
    )


def test_reset_answers_the_same_for_an_unknown_address(stack: RunningStack) -> None:
    user = new_user(stack)
    unknown = f"{unique('nobody')}@example.org"
    answers = [
        _post_form(requests.Session(), stack, "/password-reset", "/password-reset", {"email": e})
        for e in (user["email"], unknown)
    ]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].text == answers[1].text
    assert "no active account" in wait_for_mail(stack, unknown).text
    assert "/password-reset/confirm" in wait_for_mail(stack, user["email"]).text


def test_sign_up_and_reset_are_limited_per_address(stack: RunningStack) -> None:
    email = f"{unique('limited')}@example.org"
    statuses = []
    for _ in range(3):
        statuses.append(_sign_up(stack, email.upper()).status_code)
    for _ in range(3):
        statuses.append(
            _post_form(
                requests.Session(), stack, "/password-reset", "/password-reset", {"email": email}
            ).status_code
        )
    # config/test.toml: 5 an hour per address, sign-ups and resets together, any case.
    assert statuses == [200, 200, 200, 200, 200, 429]
    assert len(mails_to(stack, email)) == 5
    # Another address is not affected.
    assert _sign_up(stack, f"{unique('other')}@example.org").status_code == 200


def test_the_account_page_lists_and_ends_sessions(stack: RunningStack) -> None:
    user = new_user(stack)
    first = logged_in(stack, user["email"])
    second = logged_in(stack, user["email"])
    page = first.get(f"{stack.gateway_url}/account", timeout=10)
    assert page.status_code == 200
    assert page.text.count("End this session") == 2
    assert "this browser" in page.text
    # End the other browser's session: the one not marked as this browser.
    import re  # noqa: PLC0415

    rows = re.findall(
        r'<tr>\s*<td>(.*?)</td>.*?name="session" value="([0-9a-f]{16})"', page.text, re.S
    )
    other = next(key for cell, key in rows if "this browser" not in cell)
    ended = first.post(
        f"{stack.gateway_url}/account/sessions/end",
        data={"csrf_token": csrf_token(page.text), "session": other},
        allow_redirects=False,
        timeout=10,
    )
    assert ended.status_code == 302
    assert (
        second.get(f"{stack.gateway_url}/account", allow_redirects=False, timeout=10).status_code
        == 302
    )
    assert first.get(f"{stack.gateway_url}/account", timeout=10).text.count("End this session") == 1
    # Someone else's session cannot be named.
    stranger = new_user(stack)
    stranger_browser = logged_in(stack, stranger["email"])
    stranger_page = stranger_browser.get(f"{stack.gateway_url}/account", timeout=10)
    mine = re.findall(
        r'name="session" value="([0-9a-f]{16})"',
        first.get(f"{stack.gateway_url}/account", timeout=10).text,
    )
    stranger_browser.post(
        f"{stack.gateway_url}/account/sessions/end",
        data={"csrf_token": csrf_token(stranger_page.text), "session": mine[0]},
        timeout=10,
    )
    assert (
        first.get(f"{stack.gateway_url}/account", allow_redirects=False, timeout=10).status_code
        == 200
    )


def test_a_role_request_from_the_account_page(stack: RunningStack) -> None:
    user = new_user(stack)
    browser = logged_in(stack, user["email"])
    page = browser.get(f"{stack.gateway_url}/account", timeout=10)
    no_org = browser.post(
        f"{stack.gateway_url}/account/role-request",
        data={"csrf_token": csrf_token(page.text), "role": "publisher"},
        timeout=10,
    )
    assert no_org.status_code == 422
    assert "organization" in no_org.text
    admin = browser.post(
        f"{stack.gateway_url}/account/role-request",
        data={"csrf_token": csrf_token(page.text), "role": "admin"},
        timeout=10,
    )
    assert admin.status_code == 422
    asked = browser.post(
        f"{stack.gateway_url}/account/role-request",
        data={
            "csrf_token": csrf_token(page.text),
            "role": "publisher",
            "organization_name": "Ville de Lyon",
            "message": "I maintain the city's open data.",
        },
        timeout=10,
    )
    assert asked.status_code == 200
    assert "waiting for an administrator" in asked.text
    status = _row(
        stack,
        "SELECT r.role::text, r.status::text FROM role_requests r JOIN users u ON u.id = r.user_id"
        " WHERE u.email = %(e)s",
        {"e": user["email"]},
    )
    assert status == ("publisher", "pending")


def test_deleting_an_account_erases_the_person_and_keeps_the_evidence(stack: RunningStack) -> None:
    user = new_user(stack)
    app = civic(
        stack,
        "apps",
        "create",
        "--owner",
        user["email"],
        "--name",
        unique("app"),
        "--actor-type",
        "association",
        "--scope",
        "reuses:write",
        "--grant",
        "client_credentials",
    )
    civic(stack, "apps", "suspend", app["client_id"], "--reason", "tests a deletion")
    browser = logged_in(stack, user["email"])
    page = browser.get(f"{stack.gateway_url}/account/delete", timeout=10)
    assert "your apps (1)" in page.text
    assert "access records of your apps (1)" in page.text
    wrong = browser.post(
        f"{stack.gateway_url}/account/delete",
        data={"csrf_token": csrf_token(page.text), "password": "not the password at all"},
        timeout=10,
    )
    assert wrong.status_code == 401
    done = browser.post(
        f"{stack.gateway_url}/account/delete",
        data={"csrf_token": csrf_token(page.text), "password": PASSWORD},
        timeout=30,
    )
    assert done.status_code == 200
    assert "Your account is deleted" in done.text

    assert _login(stack, user["email"], PASSWORD).status_code == 401
    row = _row(
        stack,
        "SELECT u.email, u.display_name, u.password_hash, u.role::text, u.deleted_at IS NOT NULL,"
        " a.actor_type::text, a.deleted_at IS NOT NULL,"
        " (SELECT count(*) FROM app_access_events e WHERE e.app_id = a.id)"
        " FROM apps a JOIN users u ON u.id = a.owner_id WHERE a.client_id = %(c)s",
        {"c": app["client_id"]},
    )
    assert row is not None
    email, name, password_hash, role, deleted, actor_type, app_deleted, events = row
    assert user["email"] not in str(email)
    assert str(email).endswith("@deleted.invalid")
    assert name == "Deleted account"
    assert password_hash is None
    assert (role, deleted, actor_type, app_deleted, events) == (
        "developer",
        True,
        "association",
        True,
        1,
    )
    # The address is free again.
    assert _sign_up(stack, user["email"]).status_code == 200
    assert "Verify your address" in wait_for_mail(stack, user["email"]).subject
    assert uuid.UUID(str(email).split("@")[0].removeprefix("deleted-"))


def test_changing_the_address_by_a_link_mailed_to_the_new_one(stack: RunningStack) -> None:
    person = new_user(stack)
    old = person["email"]
    new = f"{unique('moved')}@example.org"
    browser = logged_in(stack, old)
    wrong = _post_form(
        browser, stack, "/account/email", "/account/email", {"email": new, "password": "nope"}
    )
    assert wrong.status_code == 401
    asked = _post_form(
        browser, stack, "/account/email", "/account/email", {"email": new, "password": PASSWORD}
    )
    assert asked.status_code == 200
    assert "Check the new inbox" in asked.text
    # Nothing changes until the new address's owner opens the link.
    assert _row(stack, "SELECT 1 FROM users WHERE email = %(e)s", {"e": old}) == (1,)
    mail = wait_for_mail(stack, new)
    assert "Confirm your new address" in mail.subject
    link = link_in(mail, "/account/email/confirm")
    done = _open_link(stack, link)
    assert done.status_code == 200, done.text
    assert new in done.text
    assert _row(stack, "SELECT 1 FROM users WHERE email = %(e)s", {"e": old}) is None
    notice = wait_for_mail(stack, old)
    assert "Your address changed" in notice.subject
    assert new in notice.text
    assert _login(stack, new, PASSWORD).status_code == 302
    assert _open_link(stack, link).status_code == 400  # once

    # Moving to an address that has an account tells nothing on the page; its owner
    # is told someone tried, and nothing changes.
    other = new_user(stack)["email"]
    again = _post_form(
        logged_in(stack, new),
        stack,
        "/account/email",
        "/account/email",
        {"email": other, "password": PASSWORD},
    )
    assert again.status_code == 200
    assert "Check the new inbox" in again.text
    assert "move an account" in wait_for_mail(stack, other).subject


def test_mails_go_through_the_outbox_and_keep_no_link(stack: RunningStack) -> None:
    email = f"{unique('outbox')}@example.org"
    assert _sign_up(stack, email).status_code == 200
    wait_for_mail(stack, email)
    row = _row(
        stack,
        "SELECT processed_at IS NOT NULL, payload->>'state', payload ? 'text' FROM outbox"
        " WHERE aggregate_type = 'mail' AND payload->>'to' = %(e)s",
        {"e": email},
    )
    assert row == (True, "sent", False)


def test_a_publisher_lists_and_withdraws_their_datasets(stack: RunningStack) -> None:
    organization = unique("commune")
    publisher = new_user(stack, "publisher", organization=organization)
    dataset = mirror_dataset(stack, organization)
    other = mirror_dataset(stack, unique("elsewhere"))
    browser = logged_in(stack, publisher["email"])
    account = browser.get(f"{stack.gateway_url}/account", timeout=10).text
    assert "/account/datasets" in account
    listed = browser.get(f"{stack.gateway_url}/account/datasets", timeout=10)
    assert listed.status_code == 200
    assert f"/datasets/{dataset.name}/edit" in listed.text
    assert "on its way to CKAN" in listed.text
    assert other.name not in listed.text
    # Another organization's dataset cannot be withdrawn from here.
    assert (
        browser.get(
            f"{stack.gateway_url}/account/datasets/{other.name}/withdraw", timeout=10
        ).status_code
        == 404
    )
    page = f"/account/datasets/{dataset.name}/withdraw"
    done = _post_form(browser, stack, page, page, {})
    assert done.status_code == 302
    row = _row(
        stack,
        "SELECT d.deleted_at IS NOT NULL, (SELECT operation FROM outbox o"
        " WHERE o.aggregate_id = d.id ORDER BY o.id DESC LIMIT 1) FROM datasets d"
        " WHERE d.name = %(n)s",
        {"n": dataset.name},
    )
    assert row == (True, "delete")  # the worker deletes it in CKAN
    after = browser.get(f"{stack.gateway_url}/account/datasets", timeout=10).text
    assert f"/datasets/{dataset.name}/edit" not in after
    # A developer has no datasets page.
    developer = logged_in(stack, new_user(stack)["email"])
    assert developer.get(f"{stack.gateway_url}/account/datasets", timeout=10).status_code == 403
