"""Part 2: a corpus of bad input against the live gateway.

Each case of :data:`CASES` is a request that must be refused with a clear 4xx: a
problem+json (RFC 6749's JSON error on the OAuth endpoints) whose ``detail`` or
``errors`` say what was wrong and where, and the data is unchanged afterwards (a
snapshot of the domain tables' row counts and contents, taken with SQL before and
after, must be equal).

Hostile strings that are valid text (SQL or template syntax, ``<script>`` tags in
titles and descriptions) are not refused: they are data. For them the rule is that
they are stored verbatim, change nothing else, and every HTML page (and the Atom
feed) that shows them escapes them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
import requests
from tests.integration.identity import CALLBACK, logged_in, new_app, new_user, unique
from tests.integration.publishing.helpers import body
from tests.integration.stack import RunningStack
from tests.resilience.ledger import Ledger
from tests.resilience.roles import ADMIN, ANONYMOUS, DEVELOPER, EVALUATOR, PUBLISHER_A, Roles

from civic.platform.problems import PROBLEM_MEDIA_TYPE
from civic.platform.settings import load_settings

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

PART = "2 bad input"
TIMEOUT = 60
# What bad input could add to or change; outbox, usage and webhook deliveries move
# on their own (the worker), so they are not compared.
SNAPSHOT = {
    "datasets": "name, title, description, license, tags, themes, temporal_start, temporal_end,"
    " spatial, frequency, contact_point, deleted_at",
    "resources": "url, name, format",
    "organizations": "name, title, description, level, territory, website",
    "reuses": "title, description, url, type, topic, purpose, state",
    "reuse_datasets": "reuse_id, dataset_id",
    "webhooks": "url, active",
    "apps": "client_id, client_name, status",
    "users": "email, role, is_active",
    "memberships": "user_id, organization_id",
}


@dataclass(frozen=True)
class Case:
    """A bad request, who sends it, and what its refusal must say."""

    id: str
    role: str
    method: str
    path: str  # may hold {org_a}, {dataset_a}, {long_name}...
    status: int
    # Where the problem is (a JSON pointer in `errors`) or words of `detail`.
    where: str = ""
    json: Any = None
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] | str | None = None


def dataset(**changes: Any) -> Callable[[Roles], dict[str, Any]]:
    """A dataset body for organization A with ``changes`` (a fresh name each time)."""

    def make(roles: Roles) -> dict[str, Any]:
        return body(**{"organization": roles.org_a, "name": unique("bad"), **changes})

    return make


def reuse(**changes: Any) -> Callable[[Roles], dict[str, Any]]:
    def make(roles: Roles) -> dict[str, Any]:
        return {
            "title": "Carte",
            "url": f"https://reuse.example/{uuid.uuid4().hex}",
            "type": "application",
            "topic": "health",
            "purpose": "general_interest",
            "datasets": [roles.dataset_a],
            **changes,
        }

    return make


def limit() -> int:
    """The gateway's body limit (config/test.toml, as the stack reads it)."""
    return load_settings({"env": "test"}).max_content_length


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def chunks(size: int) -> Iterator[bytes]:
    """A body sent chunked, without Content-Length."""
    piece = b"x" * 65536
    for _ in range(size // len(piece) + 1):
        yield piece


JSON = {"Content-Type": "application/json"}
DATASETS = "/api/v1/datasets"
# Cyrillic a (U+0430) and o (U+043E), fullwidth d, zero-width space, long s.
CONFUSABLES = ["d\u0430taset", "\uff44ataset", "dataset\u200b", "\u043erg-a", "\u017fcience"]
INJECTIONS = [
    "x'; DROP TABLE datasets;--",
    "' OR '1'='1",
    "1; SELECT pg_sleep(5)",
    "{{7*7}}",
    "${7*7}",
    "{% debug %}",
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
]
BAD_DATES = ["2024-13-45", "2024-02-30", "yesterday", "24-1-1", "0000-00-00", "2024-01-01T25:00"]
BAD_PAGES = [
    ("page", "0"),
    ("page", "-1"),
    ("page", "abc"),
    ("page", "1.5"),
    ("page", "100001"),
    ("page", "99999999999999999999999"),
    ("page_size", "0"),
    ("page_size", "1001"),
    ("page_size", "1e9"),
    ("page_size", ""),
]

CASES: list[Case] = [
    # Oversize bodies: 413 before any work, whatever the route.
    Case("oversize-json", PUBLISHER_A, "POST", DATASETS, 413, "larger than the limit",
         data="oversize", headers=JSON),
    Case("oversize-chunked", DEVELOPER, "POST", "/api/v1/reuses", 413, "larger than the limit",
         data="chunked", headers=JSON),
    Case("oversize-oauth-form", ANONYMOUS, "POST", "/oauth/token", 413, "larger than the limit",
         data="oversize-form"),
    # Deep and huge JSON.
    Case("json-depth-65", PUBLISHER_A, "POST", DATASETS, 422, "nested deeper",
         data=deep(65), headers=JSON),
    Case("json-depth-100000", PUBLISHER_A, "POST", DATASETS, 422, "nested deeper",
         data=deep(100_000), headers=JSON),
    Case("json-200000-tags", PUBLISHER_A, "POST", DATASETS, 422, "#/tags",
         json=dataset(tags=[f"tag-{n}" for n in range(200_000)])),
    Case("json-5000-unknown-fields", PUBLISHER_A, "POST", DATASETS, 422, "#/field-4999",
         json=dataset(**{f"field-{n}": n for n in range(5000)})),
    Case("json-truncated", PUBLISHER_A, "POST", DATASETS, 422, "not valid JSON",
         data=b'{"name": "x", "title": ', headers=JSON),
    Case("json-null-resources", PUBLISHER_A, "PATCH", DATASETS + "/{dataset_a}", 422,
         "#/resources", json={"resources": None}),
    Case("json-array-not-object", PUBLISHER_A, "POST", DATASETS, 422, "#",
         json=[1, 2, 3]),
    # Invalid UTF-8.
    Case("utf8-json-body", PUBLISHER_A, "POST", DATASETS, 422, "not valid UTF-8",
         data=b'{"name": "caf\xe9", "title": "\xff\xfe"}', headers=JSON),
    Case("utf8-path", ANONYMOUS, "GET", f"{DATASETS}/caf%E9", 422, "not valid UTF-8"),
    Case("utf8-query", ANONYMOUS, "GET", DATASETS, 422, "not valid UTF-8",
         params="q=caf%E9%FF"),
    Case("utf8-oauth-basic", ANONYMOUS, "POST", "/oauth/token", 400, "not valid UTF-8",
         data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic /w=="}),
    # NUL bytes.
    Case("nul-json-field", PUBLISHER_A, "POST", DATASETS, 422, "#/title",
         json=dataset(title="eau\u0000potable")),
    Case("nul-json-nested", PUBLISHER_A, "POST", DATASETS, 422, "#/contact_point/name",
         json=dataset(contact_point={"name": "a\u0000", "email": "a@b.fr"})),
    Case("nul-query", ANONYMOUS, "GET", DATASETS, 422, "#/q", params={"q": "eau\u0000"}),
    Case("nul-path", ANONYMOUS, "GET", "/api/v1/organizations/a%00b", 422, "#/name"),
    Case("nul-reuse-filter", ANONYMOUS, "GET", "/api/v1/reuses", 422, "#/organization",
         params={"organization": "x\u0000"}),
    Case("nul-oauth-form", ANONYMOUS, "POST", "/oauth/token", 400, "client_id",
         data={"grant_type": "client_credentials", "client_id": "a\u0000", "client_secret": "x"}),
    Case("control-characters-oauth-register", ANONYMOUS, "POST", "/oauth/register", 400,
         "invalid_redirect_uri", json={"client_name": "x", "actor_type": "citizen",
                                       "redirect_uris": ["\u00c6\u00f4\u0019\u00e3"]}),
    Case("nul-web-page", ANONYMOUS, "GET", "/catalog", 422, "#/q", params={"q": "\u0000"}),
    Case("nul-dcat", ANONYMOUS, "GET", "/datasets/a%00b.ttl", 422, "#/name"),
    # Very long strings.
    Case("long-title", PUBLISHER_A, "POST", DATASETS, 422, "#/title",
         json=dataset(title="t" * 501)),
    Case("long-description", PUBLISHER_A, "POST", DATASETS, 422, "#/description",
         json=dataset(description="d" * 100_001)),
    Case("long-name", PUBLISHER_A, "POST", DATASETS, 422, "#/name", json=dataset(name="n" * 101)),
    Case("long-email", PUBLISHER_A, "POST", DATASETS, 422, "#/contact_point/email",
         json=dataset(contact_point={"name": "x", "email": "a" * 400 + "@b.fr"})),
    Case("long-query", ANONYMOUS, "GET", DATASETS, 422, "#/q", params={"q": "q" * 501}),
    Case("long-path-name", ANONYMOUS, "GET", f"{DATASETS}/{'n' * 101}", 422, "#/name"),
    Case("long-reuse-title", DEVELOPER, "POST", "/api/v1/reuses", 422, "#/title",
         json=reuse(title="r" * 301)),
    # Unicode confusables in slugs: refused, never folded onto an existing name.
    *[
        Case(f"confusable-name-{n}", PUBLISHER_A, "POST", DATASETS, 422, "#/name",
             json=dataset(name=name))
        for n, name in enumerate(CONFUSABLES)
    ],
    Case("confusable-organization", PUBLISHER_A, "POST", DATASETS, 422, "#/organization",
         json=lambda roles: body(organization="\u043e" + roles.org_a[1:], name=unique("bad"))),
    Case("confusable-existing-dataset", ANONYMOUS, "GET", DATASETS + "/{confusable_a}", 404,
         "no dataset"),
    Case("confusable-reuse-dataset", DEVELOPER, "POST", "/api/v1/reuses", 422, "#/datasets/0",
         json=reuse(datasets=["d\u0430taset"])),
    Case("confusable-organization-admin", ADMIN, "POST", "/api/v1/organizations", 422, "#/name",
         json={"name": "stra\u00dfe", "title": "Straße", "level": "local"}),
    # SQL and template injection where a slug or a closed list is expected.
    *[
        Case(f"injection-name-{n}", PUBLISHER_A, "POST", DATASETS, 422, "#/name",
             json=dataset(name=text))
        for n, text in enumerate(INJECTIONS)
    ],
    Case("injection-organization", PUBLISHER_A, "POST", DATASETS, 422, "#/organization",
         json=dataset(organization="org' OR '1'='1")),
    Case("injection-sort", ANONYMOUS, "GET", DATASETS, 422, "#/sort",
         params={"sort": "title; DROP TABLE datasets"}),
    Case("injection-level", ANONYMOUS, "GET", DATASETS, 422, "#/level/0",
         params={"level": "local' OR '1'='1"}),
    Case("injection-path", ANONYMOUS, "GET", DATASETS + "/x' OR '1'='1", 404, "no dataset"),
    Case("injection-license", PUBLISHER_A, "POST", DATASETS, 422, "#/license",
         json=dataset(license="etalab-2.0' OR '1'='1")),
    # Malformed dates.
    *[
        Case(f"date-temporal-{n}", PUBLISHER_A, "POST", DATASETS, 422, "#/temporal/start",
             json=dataset(temporal={"start": text}))
        for n, text in enumerate(BAD_DATES)
    ],
    Case("date-temporal-reversed", PUBLISHER_A, "POST", DATASETS, 422, "#/temporal",
         json=dataset(temporal={"start": "2024-12-31", "end": "2024-01-01"})),
    Case("date-report-invalid", EVALUATOR, "GET", "/api/v1/reports/pathways", 422, "#/from",
         params={"from": "2024-99-99"}),
    Case("date-report-reversed", EVALUATOR, "GET", "/api/v1/reports/reuse", 422, "from must not",
         params={"from": "2025-01-02", "to": "2025-01-01"}),
    Case("date-report-too-old", EVALUATOR, "GET", "/api/v1/reports/pathways", 422, "#/to",
         params={"to": "0204-10-20"}),
    Case("date-report-too-long", EVALUATOR, "GET", "/api/v1/reports/pathways", 422, "at most",
         params={"from": "1980-01-01"}),
    Case("date-usage-year-zero", EVALUATOR, "GET", "/api/v1/usage/organizations/{org_a}", 422,
         "#/end", params={"end": "0001-01-01"}),
    Case("date-usage-days", EVALUATOR, "GET", "/api/v1/usage/organizations/{org_a}", 422,
         "#/days", params={"days": "0"}),
    # Malformed pagination, on each paginated list.
    *[
        Case(f"page-{path.rsplit('/', 1)[-1]}-{name}-{value or 'empty'}", ANONYMOUS, "GET", path,
             422, f"#/{name}", params={name: value})
        for path in (DATASETS, "/api/v1/organizations", "/api/v1/reuses")
        for name, value in BAD_PAGES
    ],
    # Path traversal in names and URLs.
    Case("traversal-api-path", ANONYMOUS, "GET", DATASETS + "/..%2F..%2Fetc%2Fpasswd", 404,
         "not found"),
    Case("traversal-dot-dot", ANONYMOUS, "GET", "/api/v1/organizations/%2E%2E", 404, "no"),
    Case("traversal-name", PUBLISHER_A, "POST", DATASETS, 422, "#/name",
         json=dataset(name="../etc/passwd")),
    Case("traversal-resource-url", PUBLISHER_A, "POST", DATASETS, 422, "#/resources/0/url",
         json=dataset(resources=[{"url": "file:///etc/passwd", "name": "x"}])),
    Case("traversal-reuse-url", DEVELOPER, "POST", "/api/v1/reuses", 422, "#/url",
         json=reuse(url="javascript:alert(1)")),
    Case("traversal-static", ANONYMOUS, "GET", "/static/..%2F..%2Fapp.py", 404, "not found"),
    Case("traversal-docs-assets", ANONYMOUS, "GET",
         "/api/v1/docs/assets/..%2F..%2F..%2F..%2Fetc%2Fpasswd", 404, "not found"),
    Case("traversal-dcat", ANONYMOUS, "GET", "/datasets/..%2F..%2Fetc%2Fpasswd.ttl", 404, ""),
    Case("traversal-download", ANONYMOUS, "GET",
         DATASETS + "/{dataset_a}/resources/..%2F..%2Fetc/download", 404, ""),
    Case("traversal-webhook-organization", PUBLISHER_A, "POST", "/api/v1/webhooks", 404, "",
         json={"organization": "../{org_a}", "url": "https://hooks.example/x"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def database(stack: RunningStack) -> Iterator[psycopg.Connection[Any]]:
    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        yield connection


def snapshot(connection: psycopg.Connection[Any]) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of the rows' contents, per table of :data:`SNAPSHOT`."""
    taken = {}
    for table, columns in SNAPSHOT.items():
        row = connection.execute(
            f"SELECT count(*), coalesce(md5(string_agg(row({columns})::text, '|'"  # noqa: S608 - constant
            f" ORDER BY row({columns})::text)), '') FROM {table}"
        ).fetchone()
        assert row is not None
        taken[table] = (int(row[0]), str(row[1]))
    return taken


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(
    case: Case, roles: Roles, database: psycopg.Connection[Any], ledger: Ledger
) -> None:
    before = snapshot(database)
    try:
        response = send(case, roles)
        assert response.status_code == case.status, _shown(response)
        explained = explanation(response)
        assert case.where.lower() in explained, f"{case.where!r} not in {explained!r:.2000}"
        assert snapshot(database) == before, "the refused request changed the data"
    except AssertionError:
        ledger.record(PART, tried=1, failed=1)
        raise
    ledger.record(PART, tried=1)


def send(case: Case, roles: Roles) -> requests.Response:
    names = {
        "org_a": roles.org_a,
        "dataset_a": roles.dataset_a,
        "confusable_a": roles.dataset_a.replace("a", "\u0430", 1),
    }
    path = case.path.format(**names) if "{" in case.path else case.path
    payload: Any = case.data
    if case.data == "oversize":
        payload = b"x" * (limit() + 1)
    elif case.data == "chunked":
        payload = chunks(limit() + 1)
    elif case.data == "oversize-form":
        payload = b"grant_type=" + b"x" * limit()
    document = case.json(roles) if callable(case.json) else case.json
    if (
        isinstance(document, dict)
        and "organization" in document
        and "{" in document["organization"]
    ):
        document = {**document, "organization": document["organization"].format(**names)}
    return roles.call(
        case.role,
        case.method,
        path,
        json=document,
        data=payload,
        params=case.params,
        headers=case.headers,
        timeout=TIMEOUT,
    )


def explanation(response: requests.Response) -> str:
    """The refusal's words: problem+json ``detail`` and ``errors``, or RFC 6749's error."""
    content_type = response.headers.get("Content-Type", "")
    assert response.headers.get("X-Request-ID"), "the gateway did not answer this itself"
    body = response.json()
    if response.request.path_url.startswith("/oauth/") and "error" in body:
        assert content_type.startswith("application/json")
        assert body["error_description"]
        return f"{body['error']}: {body['error_description']}".lower()
    assert content_type.startswith(PROBLEM_MEDIA_TYPE), content_type
    assert body["status"] == response.status_code
    assert body.get("detail") or body.get("errors"), "the problem does not say what was wrong"
    errors = " ".join(f"{e['pointer']} {e['detail']}" for e in body.get("errors") or [])
    return f"{body.get('detail') or ''} {errors}".lower()


def _shown(response: requests.Response) -> str:
    return f"{response.status_code} {response.headers.get('Content-Type')}: {response.text[:500]}"


# --- hostile text that is valid data --------------------------------------------------

SCRIPT = '<script>alert("{field}")</script>'
RAW = re.compile(r"<script>alert\(", re.IGNORECASE)


def payload(field_name: str) -> str:
    return SCRIPT.format(field=field_name)


def escaped(field_name: str) -> str:
    """How Jinja (and the Atom feed) writes :func:`payload` in HTML and XML."""
    return f"&lt;script&gt;alert(&#34;{field_name}&#34;)&lt;/script&gt;"


@pytest.fixture(scope="module")
def hostile(stack: RunningStack, roles: Roles) -> dict[str, Any]:
    """An organization, dataset, resource, reuse and app whose every text field is a script."""
    org = unique("org-xss")
    created = roles.call(
        ADMIN,
        "POST",
        "/api/v1/organizations",
        json={
            "name": org,
            "title": payload("org-title"),
            "description": payload("org-description"),
            "level": "local",
            "territory": payload("org-territory")[:200],
        },
    )
    assert created.status_code == 201, created.text
    document = body(
        organization=org,
        name=unique("xss"),
        title=payload("title") + " {{7*7}} ${7*7}",
        description=payload("description") + " x'; DROP TABLE datasets;--",
        spatial=payload("spatial"),
        contact_point={"name": payload("contact"), "email": "eaux@ville-a.fr"},
        resources=[
            {
                "url": "https://data.example/x.csv?<script>alert(1)</script>",
                "name": payload("resource-name"),
                "format": "CSV",
            }
        ],
    )
    published = roles.call(ADMIN, "POST", "/api/v1/datasets", json=document)
    assert published.status_code in (201, 202), published.text
    assert published.json()["title"] == document["title"]  # stored verbatim
    owner = new_user(stack, "developer")
    app = new_app(stack, owner["email"], name=payload("app-name"), scope="reuses:write usage:read")
    token = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(app["client_id"], app["client_secret"]),
        timeout=TIMEOUT,
    ).json()["access_token"]
    declared = requests.post(
        f"{stack.gateway_url}/api/v1/reuses",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "title": payload("reuse-title"),
            "description": payload("reuse-description"),
            "url": f"https://reuse.example/{uuid.uuid4().hex}?<script>alert(2)</script>",
            "type": "application",
            "topic": "health",
            "purpose": "general_interest",
            "datasets": [document["name"]],
        },
        timeout=TIMEOUT,
    )
    assert declared.status_code == 201, declared.text
    member = new_user(stack, "publisher", organization=org)
    evaluator = new_user(stack, "evaluator")
    return {
        "organization": org,
        "dataset": document["name"],
        "reuse": declared.json()["id"],
        "client_id": app["client_id"],
        "owner": owner["email"],
        "member": member["email"],
        "evaluator": evaluator["email"],
        "callback": CALLBACK,
    }


def test_script_tags_in_every_text_field_are_escaped_on_every_page(
    stack: RunningStack, roles: Roles, hostile: dict[str, Any], ledger: Ledger
) -> None:
    gateway = stack.gateway_url
    public = requests.Session()
    pages = {
        "catalog search": public.get(f"{gateway}/catalog", params={"q": "alert"}, timeout=TIMEOUT),
        "dataset page": public.get(f"{gateway}/datasets/{hostile['dataset']}", timeout=TIMEOUT),
        "organization page": public.get(
            f"{gateway}/organizations/{hostile['organization']}", timeout=TIMEOUT
        ),
        "reuse list": public.get(f"{gateway}/reuses", timeout=TIMEOUT),
        "reuse page": public.get(f"{gateway}/reuses/{hostile['reuse']}", timeout=TIMEOUT),
        "atom feed": public.get(
            f"{gateway}/feeds/organizations/{hostile['organization']}.atom", timeout=TIMEOUT
        ),
    }
    owner = logged_in(stack, hostile["owner"])
    pages["portal"] = owner.get(f"{gateway}/portal/", timeout=TIMEOUT)
    pages["portal app"] = owner.get(
        f"{gateway}/portal/apps/{hostile['client_id']}", timeout=TIMEOUT
    )
    pages["app usage"] = owner.get(
        f"{gateway}/portal/apps/{hostile['client_id']}/usage", timeout=TIMEOUT
    )
    member = logged_in(stack, hostile["member"])
    pages["organization usage"] = member.get(
        f"{gateway}/publisher/organizations/{hostile['organization']}/usage", timeout=TIMEOUT
    )
    reflected = {"organization": payload("query"), "territory": payload("query")[:200]}
    evaluator = logged_in(stack, hostile["evaluator"])
    pages["pathway report page"] = evaluator.get(
        f"{gateway}/reports/pathways", params=reflected, timeout=TIMEOUT
    )
    pages["pathway report (API HTML)"] = roles.call(
        EVALUATOR, "GET", "/api/v1/reports/pathways.html", params=reflected
    )
    pages["login page (next)"] = public.get(
        f"{gateway}/login", params={"next": payload("next")}, timeout=TIMEOUT
    )

    shown: set[str] = set()
    for name, page in pages.items():
        assert page.status_code == 200, f"{name}: {page.status_code} {page.text[:300]}"
        assert not RAW.search(page.text), f"{name} shows a script tag unescaped"
        shown |= {f for f in FIELDS if escaped(f) in page.text or _xml_escaped(f) in page.text}
    # Template syntax is text too: shown as written, never evaluated.
    assert "{{7*7}} ${7*7}" in pages["dataset page"].text
    missing = set(FIELDS) - shown
    ledger.record(PART, tried=len(pages) * len(FIELDS), failed=len(missing))
    ledger.note(
        PART,
        f"<script> in {len(FIELDS)} text fields, {len(pages)} pages and feeds: "
        f"none unescaped, {len(shown)} fields seen escaped",
    )
    assert not missing, f"these fields were shown on no page (nothing proves escaping): {missing}"


FIELDS = (
    "org-title",
    "org-description",
    "title",
    "description",
    "contact",
    "resource-name",
    "reuse-title",
    "reuse-description",
    "app-name",
    "query",
)


def _xml_escaped(field_name: str) -> str:
    return f"&lt;script&gt;alert(&quot;{field_name}&quot;)&lt;/script&gt;"


def test_injection_strings_in_search_are_text(
    roles: Roles, database: psycopg.Connection[Any], ledger: Ledger
) -> None:
    """Searched for as words: a 200 answer (a list, maybe empty), nothing else happens."""
    before = snapshot(database)
    for text in INJECTIONS:
        for path in (DATASETS, "/api/v1/reuses", "/catalog"):
            answer = roles.call(ANONYMOUS, "GET", path, params={"q": text})
            assert answer.status_code == 200, answer.text
            if path == "/catalog":  # HTML (the API's JSON carries titles as they are)
                assert not RAW.search(answer.text)
    assert snapshot(database) == before
    ledger.record(PART, tried=len(INJECTIONS) * 3)
