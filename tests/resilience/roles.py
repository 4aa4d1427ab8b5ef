"""One token per role, and the data they act on, for the fuzzing and isolation tests.

The roles of issue 8: anonymous, a developer's app, a publisher of organization A, a
publisher of organization B, an evaluator, an administrator. Organizations A and B
each have a dataset (published through the API, so it reaches CKAN), dataset A a
resource, the developer's app a reuse of dataset A and publisher A a webhook. A
third, throwaway organization holds the objects destructive fuzzing may change or
delete (see :class:`Throwaway`), so no fuzzed request can break the fixtures the
isolation matrix relies on.

People and their tokens are made with the publishing tests' :class:`Catalog`
(services on the stack's database); the developer's app gets its token from the
live ``/oauth/token`` with client credentials, as a real third party would. Every
token's lifetime is then stretched so that a long (full profile) run never sees one
expire halfway.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
from tests.integration.identity import new_app, new_user, sql, unique
from tests.integration.publishing.helpers import Catalog, body
from tests.integration.publishing.live import stack_catalog
from tests.integration.stack import RunningStack

ANONYMOUS = "anonymous"
DEVELOPER = "developer"
PUBLISHER_A = "publisher_a"
PUBLISHER_B = "publisher_b"
EVALUATOR = "evaluator"
ADMIN = "admin"
ROLES = (ANONYMOUS, DEVELOPER, PUBLISHER_A, PUBLISHER_B, EVALUATOR, ADMIN)

# What each role's app was granted: all the rights of its person (see ROLE_RIGHTS).
PUBLISHER_SCOPE = "datasets:write reuses:write usage:read"
EVALUATOR_SCOPE = "reports:read reports:register usage:read"
ADMIN_SCOPE = "datasets:write reuses:write usage:read reports:read reports:register admin"
DEVELOPER_SCOPE = "reuses:write usage:read"
TIMEOUT = 30


@dataclass(frozen=True)
class Actor:
    """A role's bearer token (None: anonymous) and who is behind it."""

    role: str
    token: str | None = None
    client_id: str | None = None
    email: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass(frozen=True)
class Throwaway:
    """Objects of an organization no role but the administrator writes to.

    Destructive fuzzing (PUT, PATCH, DELETE with real names) aims here.
    """

    organization: str
    dataset: str
    resource_id: str
    client_id: str
    reuse_id: str
    webhook_id: str


@dataclass
class Roles:
    """The six roles, the organizations and objects they own, and calls made as them."""

    stack: RunningStack = field(repr=False)
    actors: dict[str, Actor]
    org_a: str
    org_b: str
    dataset_a: str
    dataset_b: str
    resource_a: str
    reuse_dev: str
    webhook_a: str
    throwaway: Throwaway
    # What tests remember between calls (e.g. the bodies of datasets they published).
    notes: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Actor:
        return self.actors[role]

    def call(
        self, role: str, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any
    ) -> requests.Response:
        """``method path`` on the gateway as ``role`` (path from the root, e.g. /api/v1/me)."""
        sent = {**self.actors[role].headers, **(headers or {})}
        timeout = kw.pop("timeout", TIMEOUT)
        kw.setdefault("allow_redirects", False)
        url = self.stack.gateway_url + path
        try:
            return requests.request(method, url, headers=sent, timeout=timeout, **kw)
        except requests.ConnectionError:
            # A worker being replaced (max_requests) may reset a connection it had just
            # accepted; a read is safe to send again, as README advises clients.
            if method.upper() not in {"GET", "HEAD"}:
                raise
            return requests.request(method, url, headers=sent, timeout=timeout, **kw)


def make_roles(stack: RunningStack) -> Roles:
    """Create the organizations, people, apps, tokens and objects of :class:`Roles`."""
    catalog = stack_catalog(stack)
    org_a, org_b, org_x = unique("org-a"), unique("org-b"), unique("org-fuzz")
    for name in (org_a, org_b, org_x):
        catalog.organization(name)

    actors = {ANONYMOUS: Actor(ANONYMOUS)}
    for role, account, organizations, scope in (
        (PUBLISHER_A, "publisher", (org_a,), PUBLISHER_SCOPE),
        (PUBLISHER_B, "publisher", (org_b,), PUBLISHER_SCOPE),
        (EVALUATOR, "evaluator", (), EVALUATOR_SCOPE),
        (ADMIN, "admin", (), ADMIN_SCOPE),
    ):
        actors[role] = _person(
            stack, catalog, role, account_role=account, organizations=organizations, scope=scope
        )
    actors[DEVELOPER] = _developer_app(stack)

    roles = Roles(
        stack=stack,
        actors=actors,
        org_a=org_a,
        org_b=org_b,
        dataset_a="",
        dataset_b="",
        resource_a="",
        reuse_dev="",
        webhook_a="",
        throwaway=Throwaway(org_x, "", "", "", "", ""),
    )
    dataset_a = publish(roles, PUBLISHER_A, org_a)
    roles.dataset_a, roles.resource_a = dataset_a["name"], dataset_a["resources"][0]["id"]
    roles.dataset_b = publish(roles, PUBLISHER_B, org_b)["name"]
    roles.reuse_dev = declare_reuse(roles, DEVELOPER, roles.dataset_a)["id"]
    roles.webhook_a = add_webhook(roles, PUBLISHER_A, org_a)

    scratch = publish(roles, ADMIN, org_x)
    victim = new_app(stack, new_user(stack)["email"], scope=DEVELOPER_SCOPE)
    roles.throwaway = Throwaway(
        organization=org_x,
        dataset=scratch["name"],
        resource_id=scratch["resources"][0]["id"],
        client_id=victim["client_id"],
        reuse_id=declare_reuse(roles, ADMIN, scratch["name"])["id"],
        webhook_id=add_webhook(roles, ADMIN, org_x),
    )
    return roles


def publish(roles: Roles, role: str, organization: str, **changes: Any) -> dict[str, Any]:
    """A dataset of ``organization`` published through the API as ``role``; its document."""
    answer = roles.call(
        role,
        "POST",
        "/api/v1/datasets",
        json=body(organization=organization, **changes),
        headers={"Prefer": "respond-async"},  # CKAN's confirmation is not what is tested here
    )
    assert answer.status_code in (201, 202), answer.text
    document: dict[str, Any] = answer.json()
    return document


def declare_reuse(roles: Roles, role: str, dataset: str) -> dict[str, Any]:
    """A published reuse of ``dataset`` declared as ``role``; its document."""
    answer = roles.call(
        role,
        "POST",
        "/api/v1/reuses",
        json={
            "title": "Carte de la qualité de l'eau",
            "url": f"https://reuse.example/{uuid.uuid4().hex}",
            "type": "application",
            "topic": "health",
            "purpose": "general_interest",
            "datasets": [dataset],
        },
    )
    assert answer.status_code == 201, answer.text
    document: dict[str, Any] = answer.json()
    return document


def add_webhook(roles: Roles, role: str, organization: str) -> str:
    """A webhook of ``organization`` added as ``role`` (to a port nobody listens on); its id."""
    answer = roles.call(
        role,
        "POST",
        "/api/v1/webhooks",
        json={"organization": organization, "url": "http://127.0.0.1:9/hook"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _person(
    stack: RunningStack,
    catalog: Catalog,
    role: str,
    *,
    account_role: str,
    organizations: tuple[str, ...],
    scope: str,
) -> Actor:
    person = catalog.person(account_role, organizations, scope=scope)
    _outlive_the_run(stack, "user_id = %(id)s", str(person.user_id))
    me = requests.get(f"{stack.gateway_url}/api/v1/me", headers=person.headers, timeout=TIMEOUT)
    assert me.status_code == 200, me.text
    return Actor(role, person.token, me.json()["app"]["client_id"], person.email)


def _developer_app(stack: RunningStack) -> Actor:
    developer = new_user(stack, "developer")
    app = new_app(stack, developer["email"], scope=DEVELOPER_SCOPE, actor_type="company_small")
    answer = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": DEVELOPER_SCOPE},
        auth=(app["client_id"], app["client_secret"]),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    _outlive_the_run(
        stack, "app_id = (SELECT id FROM apps WHERE client_id = %(id)s)", app["client_id"]
    )
    return Actor(DEVELOPER, answer.json()["access_token"], app["client_id"], developer["email"])


def _outlive_the_run(stack: RunningStack, where: str, value: str) -> None:
    # Access tokens live 15 to 60 minutes; a full-profile run can be longer.
    sql(
        stack,
        f"UPDATE oauth_tokens SET expires_at = now() + interval '12 hours' WHERE {where}",  # noqa: S608 - constant fragments
        {"id": value},
    )
