"""Part 3: the isolation matrix, every endpoint x every role, from one table.

:data:`MATRIX` has a row per operation (method and path template) and a column per
role: anonymous, a developer's app, publisher of A, publisher of B, evaluator,
administrator. Each cell is the status that role must get:

- ``A``: allowed (2xx; or the operation's own non-error answer, e.g. a 302);
- ``U``: 401, no or unusable credentials; ``F``: 403, forbidden; ``N``: 404, the
  object is hidden from this role; ``B``: 400 (an OAuth endpoint's refusal).

The objects a row acts on are organization A's (dataset, resource, webhook) and the
developer's app and reuse; a row that writes or deletes gets a fresh object per
role (``fresh=``) so one role's success does not change what the next one sees.
Every refusal must be problem+json (RFC 6749's JSON error on the OAuth endpoints,
CKAN's envelope with an ``error.__type`` on CKAN's Action API at ``/api/3``).

:func:`test_the_matrix_covers_every_operation` fails when the OpenAPI document or
Flask's ``/api/`` routes have an operation without a row (or a row names none), so a
new endpoint cannot escape the matrix.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from tests.integration.stack import RunningStack
from tests.resilience.ledger import Ledger
from tests.resilience.roles import (
    ANONYMOUS,
    DEVELOPER,
    PUBLISHER_A,
    ROLES,
    Roles,
    add_webhook,
    declare_reuse,
    publish,
)

from civic.platform.ckan_action import is_action_path
from civic.platform.docs import OPENAPI_PATH
from civic.platform.problems import PROBLEM_MEDIA_TYPE

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

PART = "3 isolation matrix"
ALLOWED = range(200, 400)
STATUS = {"U": 401, "F": 403, "N": 404, "B": 400}


@dataclass(frozen=True)
class Row:
    """Expected answers in the order of ``ROLES``, and the request to send."""

    expect: str  # e.g. "U A A A A A"
    path: str  # placeholders: {org_a} {dataset_a} {resource_a} {reuse} {webhook} {app} {fresh}...
    json: Callable[[Roles, dict[str, str]], Any] | None = None
    params: dict[str, str] | None = None
    fresh: str | None = None  # dataset, reuse, webhook, app or token: one new object per role


def dataset_body(roles: Roles, names: dict[str, str]) -> dict[str, Any]:
    """The fresh dataset as it was published: a PUT that changes nothing."""
    written: dict[str, Any] = roles.notes["bodies"][names["fresh"]]
    return written


def new_dataset(roles: Roles, _: dict[str, str]) -> dict[str, Any]:
    from tests.integration.publishing.helpers import body  # noqa: PLC0415 - one use

    return body(organization=roles.org_a)


def new_reuse(roles: Roles, _: dict[str, str]) -> dict[str, Any]:
    return {
        "title": "Carte",
        "url": f"https://reuse.example/{uuid.uuid4().hex}",
        "type": "application",
        "topic": "health",
        "purpose": "general_interest",
        "datasets": [roles.dataset_a],
    }


def resource(_: Roles, __: dict[str, str]) -> dict[str, Any]:
    return {
        "url": f"https://data.example/{uuid.uuid4().hex}.csv",
        "name": "Extrait",
        "format": "CSV",
    }


def constant(value: Any) -> Callable[[Roles, dict[str, str]], Any]:
    return lambda _roles, _names: value


V1 = "/api/v1"
# Columns: anonymous, developer, publisher_a, publisher_b, evaluator, admin.
MATRIX: dict[str, Row] = {
    # Health, entry point, documentation: public.
    "GET /healthz": Row("A A A A A A", "/healthz"),
    "GET /readyz": Row("A A A A A A", "/readyz"),
    f"GET {V1}/": Row("A A A A A A", f"{V1}/"),
    f"GET {V1}/problems/{{slug}}": Row("A A A A A A", f"{V1}/problems/validation-error"),
    f"GET {V1}/openapi.json": Row("A A A A A A", f"{V1}/openapi.json"),
    f"GET {V1}/docs": Row("A A A A A A", f"{V1}/docs"),
    f"GET {V1}/docs/assets/{{filename}}": Row(
        "A A A A A A", f"{V1}/docs/assets/css/swagger-ui.css"
    ),
    f"GET {V1}/me": Row("U A A A A A", f"{V1}/me"),
    # Personal tokens: each person their own; another's token is hidden (404).
    f"GET {V1}/me/tokens": Row("U A A A A A", f"{V1}/me/tokens"),
    f"POST {V1}/me/tokens": Row(
        "U A A A A A", f"{V1}/me/tokens", json=constant({"name": "isolation matrix"})
    ),
    f"DELETE {V1}/me/tokens/{{token_id}}": Row(
        "U A N N N N", f"{V1}/me/tokens/{{fresh}}", fresh="token"
    ),
    # Apps' access: the owner reads it, administrators change it.
    f"GET {V1}/apps/{{client_id}}/access": Row("U A F F F A", f"{V1}/apps/{{app}}/access"),
    f"POST {V1}/apps/{{client_id}}/access": Row(
        "U F F F F A",
        f"{V1}/apps/{{fresh}}/access",
        json=constant({"action": "suspend", "reason": "isolation matrix"}),
        fresh="app",
    ),
    # The admin console's API (issue 17): administrators only. Rows that name an
    # object that does not exist answer 404 to the administrator, 403 to the others
    # before any lookup.
    f"GET {V1}/admin/users": Row("U F F F F A", f"{V1}/admin/users"),
    f"POST {V1}/admin/users/{{user_id}}/role": Row(
        "U F F F F N", f"{V1}/admin/users/{uuid.UUID(int=0)}/role",
        json=constant({"role": "developer"}),
    ),
    f"POST {V1}/admin/users/{{user_id}}/active": Row(
        "U F F F F N", f"{V1}/admin/users/{uuid.UUID(int=0)}/active",
        json=constant({"active": False, "reason": "isolation matrix"}),
    ),
    f"GET {V1}/admin/role-requests": Row("U F F F F A", f"{V1}/admin/role-requests"),
    f"POST {V1}/admin/role-requests/{{request_id}}": Row(
        "U F F F F N", f"{V1}/admin/role-requests/{uuid.UUID(int=0)}",
        json=constant({"grant": True}),
    ),
    f"GET {V1}/admin/apps": Row("U F F F F A", f"{V1}/admin/apps"),
    f"POST {V1}/admin/apps/{{client_id}}/access": Row(
        "U F F F F A", f"{V1}/admin/apps/{{fresh}}/access",
        json=constant({"action": "suspend", "reason": "isolation matrix"}), fresh="app",
    ),
    f"PUT {V1}/admin/apps/{{client_id}}/plan": Row(
        "U F F F F A", f"{V1}/admin/apps/{{app}}/plan", json=constant({"plan": None}),
    ),
    f"POST {V1}/admin/apps/{{client_id}}/actor-type": Row(
        "U F F F F A", f"{V1}/admin/apps/{{fresh}}/actor-type",
        json=constant({"verified": True, "reason": "isolation matrix"}), fresh="app",
    ),
    f"GET {V1}/admin/contests": Row("U F F F F A", f"{V1}/admin/contests"),
    f"POST {V1}/admin/contests/{{contest_id}}": Row(
        "U F F F F N", f"{V1}/admin/contests/{uuid.UUID(int=0)}",
        json=constant({"decision": "answer", "answer": "isolation matrix"}),
    ),
    f"GET {V1}/admin/organizations/{{name}}/withdrawal": Row(
        "U F F F F N", f"{V1}/admin/organizations/no-such-org/withdrawal"
    ),
    f"POST {V1}/admin/organizations/{{name}}/withdrawal": Row(
        "U F F F F N",
        f"{V1}/admin/organizations/no-such-org/withdrawal",
        json=constant({"reason": "isolation matrix"}),
    ),
    f"GET {V1}/admin/reuses": Row("U F F F F A", f"{V1}/admin/reuses"),
    f"GET {V1}/admin/audit": Row("U F F F F A", f"{V1}/admin/audit"),
    f"GET {V1}/admin/audit.csv": Row("U F F F F A", f"{V1}/admin/audit.csv"),
    # Organizations: read by all, written by administrators.
    f"GET {V1}/organizations": Row("A A A A A A", f"{V1}/organizations"),
    f"POST {V1}/organizations": Row(
        "U F F F F A",
        f"{V1}/organizations",
        json=lambda _r, _n: {"name": f"org-{uuid.uuid4().hex[:8]}", "title": "T", "level": "local"},
    ),
    f"GET {V1}/organizations/{{name}}": Row("A A A A A A", f"{V1}/organizations/{{org_a}}"),
    f"PUT {V1}/organizations/{{name}}": Row(
        "U F F F F A",
        f"{V1}/organizations/{{org_a}}",
        json=lambda r, _n: {"name": r.org_a, "title": r.org_a.title(), "level": "local"},
    ),
    # Datasets: read by all; written by A's publishers and administrators.
    f"GET {V1}/datasets": Row("A A A A A A", f"{V1}/datasets"),
    f"POST {V1}/datasets": Row("U F A F F A", f"{V1}/datasets", json=new_dataset),
    f"GET {V1}/datasets/{{name}}": Row("A A A A A A", f"{V1}/datasets/{{dataset_a}}"),
    f"PUT {V1}/datasets/{{name}}": Row(
        "U F A F F A", f"{V1}/datasets/{{fresh}}", json=dataset_body, fresh="dataset"
    ),
    f"PATCH {V1}/datasets/{{name}}": Row(
        "U F A F F A",
        f"{V1}/datasets/{{fresh}}",
        json=constant({"description": "Changed by the isolation matrix."}),
        fresh="dataset",
    ),
    f"DELETE {V1}/datasets/{{name}}": Row(
        "U F A F F A", f"{V1}/datasets/{{fresh}}", fresh="dataset"
    ),
    f"GET {V1}/datasets/{{name}}/resources": Row(
        "A A A A A A", f"{V1}/datasets/{{dataset_a}}/resources"
    ),
    f"POST {V1}/datasets/{{name}}/resources": Row(
        "U F A F F A", f"{V1}/datasets/{{fresh}}/resources", json=resource, fresh="dataset"
    ),
    f"PUT {V1}/datasets/{{name}}/resources/{{resource_id}}": Row(
        "U F A F F A",
        f"{V1}/datasets/{{fresh}}/resources/{{fresh_resource}}",
        json=resource,
        fresh="dataset",
    ),
    f"DELETE {V1}/datasets/{{name}}/resources/{{resource_id}}": Row(
        "U F A F F A", f"{V1}/datasets/{{fresh}}/resources/{{fresh_resource}}", fresh="dataset"
    ),
    f"GET {V1}/datasets/{{name}}/resources/{{resource_id}}/download": Row(
        "A A A A A A", f"{V1}/datasets/{{dataset_a}}/resources/{{resource_a}}/download"
    ),
    # CKAN's push: signed by CKAN's plugin; no API token opens it.
    f"POST {V1}/ckan/events": Row(
        "U U U U U U", f"{V1}/ckan/events", json=constant({"event": "changed", "name": "x"})
    ),
    # Reports: evaluators and administrators.
    f"GET {V1}/reports/pathways": Row("U F F F A A", f"{V1}/reports/pathways"),
    f"GET {V1}/reports/pathways.csv": Row("U F F F A A", f"{V1}/reports/pathways.csv"),
    f"GET {V1}/reports/pathways.html": Row("U F F F A A", f"{V1}/reports/pathways.html"),
    f"GET {V1}/reports/reuse": Row("U F F F A A", f"{V1}/reports/reuse"),
    f"GET {V1}/reports/reuse.csv": Row("U F F F A A", f"{V1}/reports/reuse.csv"),
    # The one write an evaluator makes (issue 18): freezing the pathway thresholds.
    f"POST {V1}/reports/pathways/registrations": Row(
        "U F F F A A",
        f"{V1}/reports/pathways/registrations",
        json=lambda _roles, _names: {"note": "isolation matrix"},
    ),
    f"GET {V1}/reports/pathways/registrations": Row(
        "U F F F A A", f"{V1}/reports/pathways/registrations"
    ),
    # Reuses: read by all; declared with reuses:write; changed by the owner; moderated
    # by administrators; the moderation record is the owner's and administrators'.
    f"GET {V1}/reuses": Row("A A A A A A", f"{V1}/reuses"),
    f"POST {V1}/reuses": Row("U A A A F A", f"{V1}/reuses", json=new_reuse),
    f"GET {V1}/reuses/{{reuse_id}}": Row("A A A A A A", f"{V1}/reuses/{{reuse}}"),
    f"PATCH {V1}/reuses/{{reuse_id}}": Row(
        "U A F F F A",
        f"{V1}/reuses/{{fresh}}",
        json=constant({"description": "Changed by the isolation matrix."}),
        fresh="reuse",
    ),
    f"GET {V1}/reuses/{{reuse_id}}/moderation": Row(
        "U A N N N A", f"{V1}/reuses/{{reuse}}/moderation"
    ),
    f"POST {V1}/reuses/{{reuse_id}}/moderation": Row(
        "U F F F F A",
        f"{V1}/reuses/{{fresh}}/moderation",
        json=constant({"action": "archive", "reason": "isolation matrix"}),
        fresh="reuse",
    ),
    # Usage: an app reads its own (administrators any); publishers and evaluators an
    # organization's (members, or with reports:read).
    f"GET {V1}/usage/apps/{{client_id}}": Row("U A F F F A", f"{V1}/usage/apps/{{app}}"),
    f"GET {V1}/usage/organizations/{{name}}": Row(
        "U F A F A A", f"{V1}/usage/organizations/{{org_a}}"
    ),
    # Webhooks: the organization's publishers and administrators.
    f"GET {V1}/webhooks": Row("U F A F F A", f"{V1}/webhooks", params={"organization": "{org_a}"}),
    f"POST {V1}/webhooks": Row(
        "U F A F F A",
        f"{V1}/webhooks",
        json=lambda roles, _n: {"organization": roles.org_a, "url": "http://127.0.0.1:9/hook"},
    ),
    f"DELETE {V1}/webhooks/{{webhook_id}}": Row(
        "U F A F F A", f"{V1}/webhooks/{{fresh}}", fresh="webhook"
    ),
    f"GET {V1}/webhooks/{{webhook_id}}/deliveries": Row(
        "U F A F F A", f"{V1}/webhooks/{{webhook}}/deliveries"
    ),
    # DCAT documents: public.
    "GET /catalog.ttl": Row("A A A A A A", "/catalog.ttl"),
    "GET /catalog.jsonld": Row("A A A A A A", "/catalog.jsonld"),
    "GET /catalog.rdf": Row("A A A A A A", "/catalog.rdf"),
    "GET /datasets/{name}.ttl": Row("A A A A A A", "/datasets/{dataset_a}.ttl"),
    "GET /datasets/{name}.jsonld": Row("A A A A A A", "/datasets/{dataset_a}.jsonld"),
    "GET /datasets/{name}.rdf": Row("A A A A A A", "/datasets/{dataset_a}.rdf"),
    "GET /catalog.xml": Row("A A A A A A", "/catalog.xml"),
    "GET /datasets/{name}.xml": Row("A A A A A A", "/datasets/{dataset_a}.xml"),
    # ckanext-dcat's addresses (name or id); without an extension, 303 to the page.
    "GET /dataset/{key}": Row("A A A A A A", "/dataset/{dataset_a}"),
    "GET /dataset/{key}.ttl": Row("A A A A A A", "/dataset/{dataset_a}.ttl"),
    "GET /dataset/{key}.jsonld": Row("A A A A A A", "/dataset/{dataset_a}.jsonld"),
    "GET /dataset/{key}.rdf": Row("A A A A A A", "/dataset/{dataset_a}.rdf"),
    "GET /dataset/{key}.xml": Row("A A A A A A", "/dataset/{dataset_a}.xml"),
    # The authorization server: an API access token opens none of it.
    "GET /.well-known/oauth-authorization-server": Row(
        "A A A A A A", "/.well-known/oauth-authorization-server"
    ),
    "GET /oauth/authorize": Row("A A A A A A", "/oauth/authorize"),  # 302 to the login form
    "POST /oauth/authorize": Row("B B B B B B", "/oauth/authorize"),  # no session, no CSRF token
    "POST /oauth/token": Row("U U U U U U", "/oauth/token"),
    "POST /oauth/introspect": Row("U U U U U U", "/oauth/introspect"),
    "POST /oauth/revoke": Row("U U U U U U", "/oauth/revoke"),
    "POST /oauth/register": Row(
        "A U U U U U",
        "/oauth/register",
        json=constant(
            {"client_name": "M", "actor_type": "citizen", "grant_types": ["client_credentials"]}
        ),
    ),
    "GET /oauth/register/{client_id}": Row("U U U U U U", "/oauth/register/{app}"),
    "PUT /oauth/register/{client_id}": Row(
        "U U U U U U",
        "/oauth/register/{app}",
        json=constant({"client_name": "Taken over", "actor_type": "citizen"}),
    ),
    "DELETE /oauth/register/{client_id}": Row("U U U U U U", "/oauth/register/{app}"),
}  # fmt: skip


def ckan_package(roles: Roles, names: dict[str, str]) -> dict[str, Any]:
    """A new dataset of organization A as a CKAN client writes it (package_create)."""
    return {
        "name": f"iso-{uuid.uuid4().hex[:10]}",
        "title": "Matrice d'isolation",
        "notes": "Écrit par la matrice d'isolation.",
        "owner_org": roles.org_a,
        "license_id": "etalab-2.0",
        "resources": [{"url": f"https://data.example/{uuid.uuid4().hex}.csv", "format": "CSV"}],
    }


def ckan_shown(roles: Roles, names: dict[str, str]) -> dict[str, Any]:
    """The fresh dataset as the facade shows it, with a new title (package_update)."""
    shown = roles.call(
        ANONYMOUS, "GET", f"{CKAN}/package_show", params={"id": names["fresh"]}
    ).json()["result"]
    return {**shown, "title": "Changé par la matrice d'isolation"}


CKAN = "/api/3/action"
# CKAN's Action API at the gateway: reads open to all; writes as /api/v1's, but CKAN
# has no 401: a missing token is an Authorization Error (403), as in CKAN.
CKAN_READS = {
    "status_show": {},
    "site_read": {},
    "package_search": {"fq": "organization:{org_a}", "rows": "2"},
    "package_show": {"id": "{dataset_a}"},
    "package_list": {},
    "current_package_list_with_resources": {"limit": "2"},
    "organization_list": {"all_fields": "true"},
    "organization_show": {"id": "{org_a}"},
    "group_list": {},
    "tag_list": {},
    "license_list": {},
    "resource_show": {"id": "{resource_a}"},
    "help_show": {"name": "package_show"},
}
CKAN_WRITES: dict[str, tuple[Callable[[Roles, dict[str, str]], Any], str | None]] = {
    "package_create": (ckan_package, None),
    "package_update": (ckan_shown, "dataset"),
    "package_patch": (lambda _r, n: {"id": n["fresh"], "title": "Changé"}, "dataset"),
    "package_delete": (lambda _r, n: {"id": n["fresh"]}, "dataset"),
    "resource_create": (
        lambda _r, n: {"package_id": n["fresh"], "url": "https://data.example/r.csv"},
        "dataset",
    ),
    "resource_update": (
        lambda _r, n: {"id": n["fresh_resource"], "url": "https://data.example/u.csv"},
        "dataset",
    ),
    "resource_patch": (lambda _r, n: {"id": n["fresh_resource"], "name": "Changé"}, "dataset"),
    "resource_delete": (lambda _r, n: {"id": n["fresh_resource"]}, "dataset"),
}
for _action, _params in CKAN_READS.items():
    MATRIX[f"GET {CKAN}/{_action}"] = Row("A A A A A A", f"{CKAN}/{_action}", params=_params)
    MATRIX[f"POST {CKAN}/{_action}"] = Row(
        "A A A A A A",
        f"{CKAN}/{_action}",
        json=lambda _r, n, p=_params: {k: v.format(**n) for k, v in p.items()},
    )
for _action, (_body, _fresh) in CKAN_WRITES.items():
    MATRIX[f"POST {CKAN}/{_action}"] = Row(
        "F F A F F A", f"{CKAN}/{_action}", json=_body, fresh=_fresh
    )
MATRIX |= {
    # The platform has no groups: CKAN's Not Found for every role.
    f"GET {CKAN}/group_show": Row("N N N N N N", f"{CKAN}/group_show", params={"id": "g"}),
    f"POST {CKAN}/group_show": Row("N N N N N N", f"{CKAN}/group_show", json=constant({"id": "g"})),
    "GET /api/3": Row("A A A A A A", "/api/3"),
    f"GET {CKAN}/{{name}}": Row("A A A A A A", f"{CKAN}/status_show"),
    f"POST {CKAN}/{{name}}": Row("A A A A A A", f"{CKAN}/site_read", json=constant({})),
    "GET /api/action/{name}": Row("A A A A A A", "/api/action/status_show"),
    "POST /api/action/{name}": Row("A A A A A A", "/api/action/site_read", json=constant({})),
}
OAUTH_FORMS = {
    "/oauth/token": {"grant_type": "client_credentials"},
    "/oauth/revoke": {"token": "x"},
}
OAUTH_FORMS["/oauth/introspect"] = {"token": "x"}


@pytest.mark.parametrize("operation", list(MATRIX))
def test_each_role_gets_what_the_matrix_says(operation: str, roles: Roles, ledger: Ledger) -> None:
    row = MATRIX[operation]
    method = operation.split(" ", 1)[0]
    wanted = dict(zip(ROLES, row.expect.split(), strict=True))
    wrong = []
    for role in ROLES:
        names = _names(roles, row, role)
        response = _send(roles, role, method, row, names)
        expected = wanted[role]
        if expected == "A":
            ok = response.status_code in ALLOWED
        else:
            ok = response.status_code == STATUS[expected] and _is_a_clear_refusal(response)
        if not ok:
            wrong.append(
                f"{role}: expected {expected}, got {response.status_code} {response.text[:200]}"
            )
    ledger.record(PART, tried=len(ROLES), failed=len(wrong))
    assert not wrong, f"{operation}:\n" + "\n".join(wrong)


def test_the_matrix_covers_every_operation(stack: RunningStack, app: Flask, ledger: Ledger) -> None:
    document = requests.get(stack.gateway_url + OPENAPI_PATH, timeout=30).json()
    documented = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    }
    routed = {
        f"{method} {_template(rule.rule)}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    }
    missing = sorted((documented | routed) - set(MATRIX))
    stale = sorted(set(MATRIX) - documented - routed)
    ledger.note(
        PART,
        f"{len(MATRIX)} operations x {len(ROLES)} roles; {len(documented)} documented, "
        f"{len(routed)} /api/ routes, none missing",
    )
    assert not missing, f"operations without a row in MATRIX: {missing}"
    assert not stale, f"rows of MATRIX that name no operation: {stale}"


def _template(rule: str) -> str:
    # Flask's /x/<name> and /x/<path:filename> as OpenAPI's /x/{name} and /x/{filename}.
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _names(roles: Roles, row: Row, role: str) -> dict[str, str]:
    names = {
        "org_a": roles.org_a,
        "dataset_a": roles.dataset_a,
        "resource_a": roles.resource_a,
        "reuse": roles.reuse_dev,
        "webhook": roles.webhook_a,
        "app": roles[DEVELOPER].client_id or "",
    }
    if row.fresh == "dataset":
        made = publish(roles, PUBLISHER_A, roles.org_a)
        roles.notes.setdefault("bodies", {})[made["name"]] = _as_input(made)
        names |= {"fresh": made["name"], "fresh_resource": made["resources"][0]["id"]}
    elif row.fresh == "reuse":
        names["fresh"] = declare_reuse(roles, DEVELOPER, roles.dataset_a)["id"]
    elif row.fresh == "webhook":
        names["fresh"] = add_webhook(roles, PUBLISHER_A, roles.org_a)
    elif row.fresh == "app":
        names["fresh"] = _victim_app(roles)
    elif row.fresh == "token":
        made = roles.call(DEVELOPER, "POST", f"{V1}/me/tokens", json={"name": "victim"})
        assert made.status_code == 201, made.text
        names["fresh"] = made.json()["id"]
    return names


def _as_input(document: dict[str, Any]) -> dict[str, Any]:
    """A dataset's answer back as the body that would write it again (PUT)."""
    fields = ("name", "title", "description", "organization", "license", "tags", "themes")
    body = {key: document[key] for key in fields}
    body |= {key: document[key] for key in ("spatial", "frequency") if document.get(key)}
    body["temporal"] = document["temporal"]
    body["contact_point"] = {k: v for k, v in document["contact_point"].items() if v is not None}
    body["resources"] = [
        {k: v for k, v in r.items() if k != "id" and v is not None} for r in document["resources"]
    ]
    return body


def _victim_app(roles: Roles) -> str:
    from tests.integration.identity import new_app, new_user  # noqa: PLC0415 - one use

    return str(new_app(roles.stack, new_user(roles.stack)["email"])["client_id"])


def _send(
    roles: Roles, role: str, method: str, row: Row, names: dict[str, str]
) -> requests.Response:
    path = row.path.format(**names)
    params = {k: v.format(**names) for k, v in (row.params or {}).items()}
    document = row.json(roles, names) if row.json else None
    form = OAUTH_FORMS.get(path)
    return roles.call(role, method, path, json=document, data=form, params=params or None)


def _is_a_clear_refusal(response: requests.Response) -> bool:
    content_type = response.headers.get("Content-Type", "")
    if response.request.path_url.startswith("/oauth/"):
        return content_type.startswith(("application/json", "text/html"))
    if is_action_path(response.request.path_url):  # CKAN's envelope, not problem+json
        body = response.json() if content_type.startswith("application/json") else None
        error = body.get("error") if isinstance(body, dict) else None
        return isinstance(error, dict) and bool(error.get("__type")) and body["success"] is False
    if not content_type.startswith(PROBLEM_MEDIA_TYPE):
        return False
    problem = response.json()
    return bool(problem.get("status") == response.status_code and problem.get("detail"))
