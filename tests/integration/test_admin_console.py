"""The admin console through the real stack: pages, API and CLI share the services and
every action lands in the audit log (who, what, when, why, by which door).

An admin suspends an app with a reason; its owner reads why and contests; the admin
restores it from the contest: the exchange is kept. Reuse moderation, role requests,
accounts disabled, actor types verified, plans, organizations, the CSV export.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import requests
from tests.integration.identity import (
    bootstrap,
    civic,
    csrf_token,
    logged_in,
    new_app,
    new_user,
    unique,
)
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import mirror_dataset, query_rows

from civic.services.apps.models import ActorType
from civic.services.reuses.inputs import ReuseInput
from civic.services.reuses.registry import ReuseActor, declare_reuse
from civic.services.reuses.vocabulary import DEFAULT_TOPICS

pytestmark = pytest.mark.integration


def _token(stack: RunningStack, app: dict[str, Any]) -> str:
    answer = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(app["client_id"], app["client_secret"]),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _submit(
    browser: requests.Session, stack: RunningStack, page: str, action: str, data: dict[str, str]
) -> requests.Response:
    form = browser.get(f"{stack.gateway_url}{page}", timeout=10)
    assert form.status_code == 200, form.text
    return browser.post(
        f"{stack.gateway_url}{action}",
        data={**data, "csrf_token": csrf_token(form.text)},
        timeout=30,
    )


def _audit(stack: RunningStack, target: str) -> list[dict[str, Any]]:
    return list(civic(stack, "admin", "audit", "--target", target))


def test_suspend_contest_restore_through_the_pages(stack: RunningStack) -> None:
    admin = new_user(stack, "admin")
    owner = new_user(stack)
    app = new_app(stack, owner["email"], scope="usage:read")
    client_id = app["client_id"]
    console = logged_in(stack, admin["email"])
    app_page = f"/admin/apps/{client_id}"

    # A reason is required: nothing changes without one.
    empty = _submit(
        console, stack, app_page, f"{app_page}/access", {"action": "suspend", "reason": " "}
    )
    assert empty.status_code == 422
    assert "reason is required" in empty.text
    done = _submit(
        console,
        stack,
        app_page,
        f"{app_page}/access",
        {"action": "suspend", "reason": "Calls far beyond the declared use"},
    )
    assert done.status_code == 200
    assert "Calls far beyond the declared use" in done.text
    refused = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, app["client_secret"]),
        timeout=10,
    )
    assert refused.status_code in (400, 401)

    # The owner sees why from their account page and contests.
    mine = logged_in(stack, owner["email"])
    account = mine.get(f"{stack.gateway_url}/account", timeout=10).text
    contest_path = f"/portal/apps/{client_id}/contest"
    assert contest_path in account
    page = mine.get(f"{stack.gateway_url}{contest_path}", timeout=10)
    assert "Calls far beyond the declared use" in page.text
    sent = _submit(
        mine,
        stack,
        contest_path,
        contest_path,
        {"message": "We are a school project; the load came from a test loop, now fixed."},
    )
    assert sent.status_code == 200
    assert "Waiting for an administrator" in sent.text
    twice = _submit(mine, stack, contest_path, contest_path, {"message": "Again"})
    assert twice.status_code == 409
    # Someone else's app is not shown to exist.
    stranger = logged_in(stack, new_user(stack)["email"])
    assert stranger.get(f"{stack.gateway_url}{contest_path}", timeout=10).status_code == 404

    # The admin reads the contest on the app's page and restores the app from it.
    shown = console.get(f"{stack.gateway_url}{app_page}", timeout=10).text
    assert "a test loop, now fixed" in shown
    contest_id = re.search(rf"{app_page}/contests/([0-9a-f-]{{36}})", shown).group(1)  # type: ignore[union-attr]
    restored = _submit(
        console,
        stack,
        app_page,
        f"{app_page}/contests/{contest_id}",
        {"decision": "restore", "answer": "Thanks; restored, keep an eye on the loop."},
    )
    assert restored.status_code == 200
    assert _token(stack, app)
    exchange = mine.get(f"{stack.gateway_url}{contest_path}", timeout=10).text
    assert "Thanks; restored, keep an eye on the loop." in exchange
    assert "the app was restored" in exchange

    actions = [(e["action"], e["via"], e["actor"]) for e in _audit(stack, client_id)]
    assert ("app.suspend", "pages", admin["email"]) in actions
    assert ("app.restore", "pages", admin["email"]) in actions
    assert ("contest.restore", "pages", admin["email"]) in actions


def test_a_non_admin_gets_403_on_the_console(stack: RunningStack) -> None:
    user = logged_in(stack, new_user(stack, "publisher")["email"])
    for path in (
        "/admin",
        "/admin/users",
        "/admin/apps",
        "/admin/reuses",
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/organizations",
        "/admin/role-requests",
    ):
        assert (
            user.get(f"{stack.gateway_url}{path}", allow_redirects=False, timeout=10).status_code
            == 403
        ), path
    anonymous = requests.get(f"{stack.gateway_url}/admin/apps", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]


def test_the_api_and_the_cli_act_through_the_same_log(stack: RunningStack) -> None:
    admin = new_user(stack, "admin")
    console = new_app(stack, admin["email"], scope="admin", actor_type="public_national")
    headers = {"Authorization": f"Bearer {_token(stack, console)}"}
    owner = new_user(stack)
    target = new_app(stack, owner["email"], scope="usage:read", actor_type="association")
    api = f"{stack.gateway_url}/api/v1/admin"

    found = requests.get(
        f"{api}/apps",
        params={"owner": owner["email"], "actor_type": "association"},
        headers=headers,
        timeout=10,
    )
    assert found.status_code == 200, found.text
    assert [a["client_id"] for a in found.json()["results"]] == [target["client_id"]]
    verified = requests.post(
        f"{api}/apps/{target['client_id']}/actor-type",
        json={"verified": True, "reason": "SIRENE entry checked"},
        headers=headers,
        timeout=10,
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["actor_type_verified"] is True
    assert verified.json()["actor_type_verified_by"] == admin["email"]
    plan = requests.put(
        f"{api}/apps/{target['client_id']}/plan", json={"plan": "tiny"}, headers=headers, timeout=10
    )
    assert plan.status_code == 200
    assert plan.json()["plan"] == "tiny"
    unknown_plan = requests.put(
        f"{api}/apps/{target['client_id']}/plan", json={"plan": "gold"}, headers=headers, timeout=10
    )
    assert unknown_plan.status_code == 422
    # The older route is logged too.
    requests.post(
        f"{stack.gateway_url}/api/v1/apps/{target['client_id']}/access",
        json={"action": "suspend", "reason": '=HYPERLINK("http://x")'},
        headers=headers,
        timeout=10,
    ).raise_for_status()
    civic(stack, "apps", "restore", target["client_id"], "--reason", "restored at the console")

    log = requests.get(
        f"{api}/audit", params={"target": target["client_id"]}, headers=headers, timeout=10
    )
    assert log.status_code == 200
    seen = [(e["action"], e["via"]) for e in log.json()["results"]]
    assert seen == [
        ("app.restore", "cli"),
        ("app.suspend", "api"),
        ("app.plan", "api"),
        ("app.verify_actor_type", "api"),
    ]
    exported = requests.get(
        f"{api}/audit.csv", params={"target": target["client_id"]}, headers=headers, timeout=10
    )
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows] == [
        "app.verify_actor_type",
        "app.plan",
        "app.suspend",
        "app.restore",
    ]
    assert rows[2]["reason"] == '\'=HYPERLINK("http://x")'  # never a formula
    assert rows[0]["actor"] == admin["email"]

    # A token without the admin scope is refused on every admin route.
    plain = new_app(stack, owner["email"], scope="usage:read")
    as_owner = {"Authorization": f"Bearer {_token(stack, plain)}"}
    for path in (
        "/users",
        "/apps",
        "/audit",
        "/audit.csv",
        "/reuses",
        "/contests",
        "/role-requests",
    ):
        assert requests.get(f"{api}{path}", headers=as_owner, timeout=10).status_code == 403, path
    assert requests.get(f"{api}/apps", timeout=10).status_code == 401


def test_a_role_request_granted_through_the_api(stack: RunningStack) -> None:
    admin = new_user(stack, "admin")
    console = new_app(stack, admin["email"], scope="admin", actor_type="public_national")
    headers = {"Authorization": f"Bearer {_token(stack, console)}"}
    person = new_user(stack)
    browser = logged_in(stack, person["email"])
    _submit(
        browser,
        stack,
        "/account",
        "/account/role-request",
        {"role": "evaluator", "message": "I evaluate the pathways for the ministry."},
    )
    pending = requests.get(
        f"{stack.gateway_url}/api/v1/admin/role-requests", headers=headers, timeout=10
    )
    mine = [r for r in pending.json()["results"] if r["message"].startswith("I evaluate")]
    assert len(mine) >= 1
    refused = requests.post(
        f"{stack.gateway_url}/api/v1/admin/role-requests/{mine[-1]['id']}",
        json={"grant": False},
        headers=headers,
        timeout=10,
    )
    assert refused.status_code == 409  # a refusal says why
    granted = requests.post(
        f"{stack.gateway_url}/api/v1/admin/role-requests/{mine[-1]['id']}",
        json={"grant": True, "answer": "Welcome"},
        headers=headers,
        timeout=10,
    )
    assert granted.status_code == 200, granted.text
    page = browser.get(f"{stack.gateway_url}/account", timeout=10).text
    assert "Evaluator" in page
    assert "granted" in page


def test_disabling_an_account_from_the_console_ends_its_sessions(stack: RunningStack) -> None:
    admin = new_user(stack, "admin")
    console = logged_in(stack, admin["email"])
    person = new_user(stack)
    browser = logged_in(stack, person["email"])
    listed = console.get(
        f"{stack.gateway_url}/admin/users", params={"q": person["email"]}, timeout=10
    )
    user_path = re.search(r'href="(/admin/users/[0-9a-f-]{36})"', listed.text).group(1)  # type: ignore[union-attr]
    done = _submit(
        console, stack, user_path, f"{user_path}/active", {"active": "no", "reason": "Spam"}
    )
    assert done.status_code == 200
    assert "Disabled" in done.text
    assert (
        browser.get(f"{stack.gateway_url}/account", allow_redirects=False, timeout=10).status_code
        == 302
    )
    # An admin cannot disable themselves.
    own = console.get(f"{stack.gateway_url}/admin/users", params={"q": admin["email"]}, timeout=10)
    own_path = re.search(r'href="(/admin/users/[0-9a-f-]{36})"', own.text).group(1)  # type: ignore[union-attr]
    itself = _submit(
        console, stack, own_path, f"{own_path}/active", {"active": "no", "reason": "oops"}
    )
    assert itself.status_code == 422


def test_moderating_a_reuse_from_the_queue(stack: RunningStack) -> None:
    admin = new_user(stack, "admin")
    owner = new_user(stack)
    dataset = mirror_dataset(stack, unique("org"))
    with bootstrap(stack).unit_of_work() as uow:
        reuse = declare_reuse(
            uow,
            _person_actor(uow, owner["email"]),
            ReuseInput.model_validate(
                {
                    "title": unique("Map of schools"),
                    "url": f"https://{unique('reuse')}.example.org/",
                    "type": "application",
                    "topic": DEFAULT_TOPICS[0],
                    "purpose": "non_commercial",
                    "datasets": [dataset.name],
                }
            ),
            topics=DEFAULT_TOPICS,
        )
        uow.commit()
        reuse_id = str(reuse.id)
    console = logged_in(stack, admin["email"])
    queue = console.get(f"{stack.gateway_url}/admin/reuses", timeout=10)
    assert reuse_id in queue.text
    flagged = _submit(
        console,
        stack,
        "/admin/reuses",
        f"/admin/reuses/{reuse_id}/moderate",
        {"action": "flag", "reason": "Links to a phishing page"},
    )
    assert flagged.status_code == 200
    first = console.get(
        f"{stack.gateway_url}/admin/reuses", params={"state": "flagged"}, timeout=10
    )
    assert reuse_id in first.text
    restored = _submit(
        console,
        stack,
        "/admin/reuses",
        f"/admin/reuses/{reuse_id}/moderate",
        {"action": "restore", "reason": "The page was fixed"},
    )
    assert restored.status_code == 200
    assert [e["action"] for e in _audit(stack, reuse_id)][:2] == ["reuse.restore", "reuse.flag"]


def _person_actor(uow: Any, email: str) -> ReuseActor:
    from civic.services.identity import accounts  # noqa: PLC0415

    user = accounts.find_user(uow, email)
    return ReuseActor(
        app_id=None, user_id=user.id, actor_type=ActorType.CITIZEN, label=email, via="portal"
    )


def test_organizations_created_and_edited_from_the_console(stack: RunningStack) -> None:
    admin = new_user(stack, "admin")
    console = logged_in(stack, admin["email"])
    name = unique("ville")
    created = _submit(
        console,
        stack,
        "/admin/organizations",
        "/admin/organizations",
        {"name": name, "title": "Ville de Test", "level": "local", "territory": "69123"},
    )
    assert created.status_code == 200, created.text
    assert "Ville de Test" in created.text
    edited = _submit(
        console,
        stack,
        f"/admin/organizations/{name}",
        f"/admin/organizations/{name}",
        {
            "title": "Ville de Test (Métropole)",
            "level": "regional",
            "territory": "69123",
            "reason": "merged",
        },
    )
    assert edited.status_code == 200
    assert "Ville de Test (Métropole)" in edited.text
    bad = _submit(
        console,
        stack,
        "/admin/organizations",
        "/admin/organizations",
        {"name": "Not A Slug!", "title": "x", "level": "local"},
    )
    assert bad.status_code == 422
    assert [e["action"] for e in _audit(stack, name)][:2] == [
        "organization.edit",
        "organization.create",
    ]


def test_withdrawing_an_organization_says_what_happens_first(stack: RunningStack) -> None:
    admin = new_user(stack, "admin")
    organization = unique("agence")
    publisher = new_user(stack, "publisher", organization=organization)
    dataset = mirror_dataset(stack, organization)
    console = logged_in(stack, admin["email"])
    page = f"/admin/organizations/{organization}/withdraw"

    # Said first, nothing changed: the dataset, the member, who becomes a developer.
    shown = console.get(f"{stack.gateway_url}{page}", timeout=10)
    assert shown.status_code == 200
    assert "1 dataset is withdrawn" in shown.text
    assert dataset.name in shown.text
    assert publisher["email"] in shown.text
    assert "become developers" in shown.text
    told = civic(stack, "admin", "withdraw-organization", organization)
    assert told["datasets"] == 1
    assert told["withdrawn_at"] is None

    assert _submit(console, stack, page, page, {"reason": " "}).status_code == 422
    done = _submit(console, stack, page, page, {"reason": "Merged into the region's agency"})
    assert done.status_code == 200
    assert "Withdrawn on" in done.text
    rows = query_rows(
        stack,
        "SELECT d.deleted_at IS NOT NULL, (SELECT operation FROM outbox o"
        " WHERE o.aggregate_id = d.id ORDER BY o.id DESC LIMIT 1) FROM datasets d"
        " WHERE d.name = %(n)s",
        {"n": dataset.name},
    )
    assert [tuple(r) for r in rows] == [(True, "delete")]  # the worker deletes it in CKAN
    role = query_rows(
        stack, "SELECT role::text FROM users WHERE email = %(e)s", {"e": publisher["email"]}
    )
    assert [tuple(r) for r in role] == [("developer",)]
    [entry] = _audit(stack, organization)[:1]
    assert entry["action"] == "organization.withdraw"
    assert entry["reason"] == "Merged into the region's agency"
    assert entry["via"] == "pages"
    again = civic(stack, "admin", "withdraw-organization", organization)
    assert again["withdrawn_at"] is not None


def test_rotating_a_secret_with_a_grace_period(stack: RunningStack) -> None:
    owner = new_user(stack)
    app = new_app(stack, owner["email"], scope="usage:read")
    browser = logged_in(stack, owner["email"])
    page = f"/portal/apps/{app['client_id']}"
    confirm = browser.post(
        f"{stack.gateway_url}{page}/secret",
        data={"csrf_token": csrf_token(browser.get(f"{stack.gateway_url}{page}", timeout=10).text)},
        timeout=10,
    )
    assert "works one more hour" in confirm.text
    assert _token(stack, app)  # asking changed nothing
    rotated = browser.post(
        f"{stack.gateway_url}{page}/secret",
        data={"csrf_token": csrf_token(confirm.text), "confirm": "yes", "grace": "3600"},
        timeout=10,
    )
    secret = re.search(r'id="client-secret">(cvcs_[^<]+)<', rotated.text).group(1)  # type: ignore[union-attr]
    new = {**app, "client_secret": secret}
    assert _token(stack, new)
    assert _token(stack, app)  # the old one, in its grace period
    # Rotating again at once ends every older secret.
    civic(stack, "apps", "rotate-secret", app["client_id"])
    for old in (app, new):
        refused = requests.post(
            f"{stack.gateway_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(old["client_id"], old["client_secret"]),
            timeout=10,
        )
        assert refused.status_code == 401


def test_admins_read_the_sinks_mails_in_development(stack: RunningStack) -> None:
    email = f"{unique('sink')}@example.org"
    _submit(
        requests.Session(), stack, "/signup", "/signup",
        {"name": "Grace Hopper", "email": email, "password": "violet tapir sundial 1987"},
    )  # fmt: skip
    admin = logged_in(stack, new_user(stack, "admin")["email"])
    listed = admin.get(f"{stack.gateway_url}/admin/mail", timeout=10)
    assert listed.status_code == 200
    assert email in listed.text
    one = re.search(r'href="(/admin/mail/[^"]+\.eml)"[^>]*>Verify your address', listed.text)
    assert one is not None
    shown = admin.get(f"{stack.gateway_url}{one.group(1)}", timeout=10)
    assert "/signup/verify?token=" in shown.text
    assert admin.get(f"{stack.gateway_url}/admin/mail/..%2Fsecrets", timeout=10).status_code == 404
    other = logged_in(stack, new_user(stack)["email"])
    assert other.get(f"{stack.gateway_url}/admin/mail", timeout=10).status_code == 403
