"""Bad input on the forms of issue 17: sign-up, verification and reset links, the
account page (the address change included), the admin console (the withdrawal of an
organization included), a publisher's dataset withdrawal and the contest form. Every
case gets a 4xx page (never a 5xx), changes nothing it should not, and hostile text
that is valid
(``<script>`` in a name, a reason, a contest) is stored as text and escaped on every
page that shows it: the account page, the admin console, the audit log.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import psycopg
import pytest
import requests
from tests.integration.identity import civic, csrf_token, logged_in, new_app, new_user, unique
from tests.integration.stack import RunningStack

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

TIMEOUT = 30
SCRIPT = "<script>alert('civic')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;civic&#39;)&lt;/script&gt;"
STRONG = "violet tapir sundial 1987"


def _post(
    browser: requests.Session, stack: RunningStack, page: str, action: str, data: dict[str, str]
) -> requests.Response:
    form = browser.get(f"{stack.gateway_url}{page}", timeout=TIMEOUT)
    token = csrf_token(form.text) if form.status_code == 200 else ""
    return browser.post(
        f"{stack.gateway_url}{action}", data={**data, "csrf_token": token}, timeout=TIMEOUT
    )


def _count(stack: RunningStack, sql: str) -> int:
    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        row = connection.execute(sql).fetchone()  # type: ignore[arg-type]
        return int(row[0]) if row else 0


SIGNUPS: list[tuple[str, dict[str, str]]] = [
    ("NUL in the name", {"name": "Ada\x00", "email": "nul-{u}@example.org"}),
    ("a name of 10,000 characters", {"name": "A" * 10_000, "email": "long-{u}@example.org"}),
    ("an address of 1,000 characters", {"name": "Ada", "email": "a" * 990 + "@x.org"}),
    ("two @", {"name": "Ada", "email": "a@b@example.org"}),
    ("a password of 2,000 characters", {"name": "Ada", "email": "pw-{u}@example.org",
                                        "password": "x" * 2000}),
    ("control characters in the password", {"name": "Ada", "email": "cc-{u}@example.org",
                                            "password": "\x01\x02" * 10}),
    ("no fields at all", {}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "fields"), SIGNUPS, ids=[case for case, _ in SIGNUPS])
def test_bad_sign_ups_are_refused_with_a_page(
    stack: RunningStack, case: str, fields: dict[str, str]
) -> None:
    u = uuid.uuid4().hex[:8]
    data = {"password": STRONG, **{k: v.format(u=u) for k, v in fields.items()}}
    if not fields:
        data = {}
    before = _count(stack, "SELECT count(*) FROM users")
    answer = _post(requests.Session(), stack, "/signup", "/signup", data)
    assert 400 <= answer.status_code < 500, (case, answer.status_code)
    assert _count(stack, "SELECT count(*) FROM users") == before


LINKS: list[tuple[str, Callable[[RunningStack], requests.Response]]] = [
    ("a forged verification token", lambda s: _post(
        requests.Session(), s, "/signup/verify?token=x", "/signup/verify", {"token": "A" * 43})),
    ("a verification token of 5,000 characters", lambda s: _post(
        requests.Session(), s, "/signup/verify?token=x", "/signup/verify", {"token": "A" * 5000})),
    ("a reset token with NUL", lambda s: requests.get(
        f"{s.gateway_url}/password-reset/confirm", params={"token": "a\x00b" * 10},
        timeout=TIMEOUT)),
    ("a forged reset token", lambda s: requests.get(
        f"{s.gateway_url}/password-reset/confirm", params={"token": "B" * 43}, timeout=TIMEOUT)),
    ("a reset without a token", lambda s: _post(
        requests.Session(), s, "/password-reset", "/password-reset/confirm",
        {"password": STRONG})),
]  # fmt: skip


@pytest.mark.parametrize(("case", "send"), LINKS, ids=[case for case, _ in LINKS])
def test_bad_links_are_refused_with_a_page(
    stack: RunningStack, case: str, send: Callable[[RunningStack], requests.Response]
) -> None:
    answer = send(stack)
    assert 400 <= answer.status_code < 500, (case, answer.status_code, answer.text[:300])


def test_bad_admin_and_account_forms_are_refused_with_a_page(stack: RunningStack) -> None:
    admin = logged_in(stack, new_user(stack, "admin")["email"])
    person = new_user(stack)
    app = new_app(stack, person["email"])
    mine = logged_in(stack, person["email"])
    page = f"/admin/apps/{app['client_id']}"
    contest = f"/portal/apps/{app['client_id']}/contest"
    withdrawn = unique("org")
    civic(stack, "admin", "create-organization", withdrawn, "--title", "T", "--level", "local")
    cases = {
        "an unknown access action": (admin, page, f"{page}/access",
                                     {"action": "delete", "reason": "x"}),
        "an unknown plan": (admin, page, f"{page}/plan", {"plan": "gold"}),
        "a reason of 100,000 characters": (admin, page, f"{page}/access",
                                           {"action": "suspend", "reason": "r" * 100_000}),
        "a contest id that is not one": (admin, page, f"{page}/contests/not-a-uuid",
                                         {"decision": "restore", "answer": "x"}),
        "an unknown decision": (admin, page, f"{page}/contests/{uuid.uuid4()}",
                                {"decision": "delete", "answer": "x"}),
        "an unknown role": (admin, "/admin/users", f"/admin/users/{uuid.uuid4()}/role",
                            {"role": "emperor"}),
        "a user id that is not one": (admin, "/admin/users", "/admin/users/1%20OR%201=1/active",
                                      {"active": "no", "reason": "x"}),
        "an unknown moderation": (admin, "/admin/reuses", f"/admin/reuses/{uuid.uuid4()}/moderate",
                                  {"action": "burn", "reason": "x"}),
        "an organization without a title": (admin, "/admin/organizations", "/admin/organizations",
                                            {"name": unique("org"), "title": "", "level": "local"}),
        "an unknown level": (admin, "/admin/organizations", "/admin/organizations",
                             {"name": unique("org"), "title": "T", "level": "galactic"}),
        "an unknown role request": (mine, "/account", "/account/role-request", {"role": "emperor"}),
        "an empty name": (mine, "/account", "/account/profile", {"name": "   "}),
        "a contest of an active app": (mine, contest, contest, {"message": "x"}),
        # The e-mail change (the password is right: only the address is bad).
        "a new address of 1,000 characters": (mine, "/account/email", "/account/email",
                                              {"email": "a" * 990 + "@x.org",
                                               "password": "correct horse battery staple"}),
        "a new address with NUL": (mine, "/account/email", "/account/email",
                                   {"email": "a\x00@example.org",
                                    "password": "correct horse battery staple"}),
        "a new address and a wrong password": (mine, "/account/email", "/account/email",
                                               {"email": f"{unique('x')}@example.org",
                                                "password": "p" * 5000}),
        "a forged address-change token": (mine, "/account/email/confirm?token=x",
                                          "/account/email/confirm", {"token": "C" * 43}),
        # Withdrawing an organization and a dataset.
        "a withdrawal without a reason": (admin, "/admin/organizations",
                                          f"/admin/organizations/{withdrawn}/withdraw",
                                          {"reason": "  "}),
        "a withdrawal of an unknown organization": (admin, "/admin/organizations",
                                                    "/admin/organizations/no-such-org/withdraw",
                                                    {"reason": "x"}),
        "a withdrawal of an organization name with a path": (
            admin, "/admin/organizations", "/admin/organizations/..%2F..%2Fetc/withdraw",
            {"reason": "x"}),
        "a developer withdrawing a dataset": (mine, "/account", "/account/datasets/x/withdraw", {}),
    }  # fmt: skip
    sessions_before = _count(stack, "SELECT count(*) FROM web_sessions")
    statuses = {}
    for case, (browser, form, action, data) in cases.items():
        answer = _post(browser, stack, form, action, data)
        statuses[case] = answer.status_code
    assert all(400 <= status < 500 for status in statuses.values()), statuses
    # A session key that names no session of the person ends none (and says nothing).
    _post(mine, stack, "/account", "/account/sessions/end", {"session": "' OR 1=1 --"})
    _post(mine, stack, "/account", "/account/sessions/end", {"session": "0" * 16})
    assert _count(stack, "SELECT count(*) FROM web_sessions") == sessions_before
    assert civic(stack, "apps", "show", app["client_id"])["status"] == "active"
    assert civic(stack, "admin", "withdraw-organization", withdrawn)["withdrawn_at"] is None
    assert _count(stack, "SELECT count(*) FROM users WHERE email LIKE '%%@x.org'") == 0


def test_script_tags_are_text_on_the_account_and_admin_pages(stack: RunningStack) -> None:
    admin_email = new_user(stack, "admin")["email"]
    admin = logged_in(stack, admin_email)
    person = new_user(stack)
    app = new_app(stack, person["email"], name=f"App {SCRIPT}")
    mine = logged_in(stack, person["email"])
    renamed = _post(mine, stack, "/account", "/account/profile", {"name": f"Ada {SCRIPT}"})
    assert renamed.status_code == 200
    page = f"/admin/apps/{app['client_id']}"
    _post(admin, stack, page, f"{page}/access", {"action": "suspend", "reason": f"Why {SCRIPT}"})
    contest = f"/portal/apps/{app['client_id']}/contest"
    _post(mine, stack, contest, contest, {"message": f"Because {SCRIPT}"})
    shown = {
        "account": mine.get(f"{stack.gateway_url}/account", timeout=TIMEOUT).text,
        "contest": mine.get(f"{stack.gateway_url}{contest}", timeout=TIMEOUT).text,
        "admin app": admin.get(f"{stack.gateway_url}{page}", timeout=TIMEOUT).text,
        "admin apps": admin.get(
            f"{stack.gateway_url}/admin/apps", params={"owner": person["email"]}, timeout=TIMEOUT
        ).text,
        "admin users": admin.get(
            f"{stack.gateway_url}/admin/users", params={"q": person["email"]}, timeout=TIMEOUT
        ).text,
        "audit": admin.get(
            f"{stack.gateway_url}/admin/audit",
            params={"target": app["client_id"]},
            timeout=TIMEOUT,
        ).text,
    }
    for name, text in shown.items():
        assert SCRIPT not in text, name
        assert ESCAPED in text, name
    exported = admin.get(
        f"{stack.gateway_url}/admin/audit.csv",
        params={"target": app["client_id"]},
        timeout=TIMEOUT,
    )
    assert re.search(r"Why <script>", exported.text)  # CSV is data, not HTML
