"""Part 1: schema fuzzing of the whole OpenAPI document against the live gateway.

schemathesis reads the document the gateway serves (``/api/v1/openapi.json``) and
generates requests for every operation: valid ones (positive), valid ones aimed at
objects that exist (path parameters pinned to the throwaway organization's objects,
so the handlers past the 404 run too) and invalid ones (negative). Every response
must hold:

- no 5xx;
- its status code, content type, headers and body are those the document declares;
- every error of the API and of the DCAT documents is ``application/problem+json``
  whose ``status`` is the response's (the OAuth endpoints keep RFC 6749's errors,
  which the document declares and the checks above verify; CKAN's Action API at
  ``/api/3`` keeps CKAN's envelope, ``{"success": false, "error": {"__type": ...}}``,
  or CKAN's JSON string for a bad request, and only there).

The API operations (``/api/v1``) run once per role, with that role's bearer token
fixed on every request. The other operations ignore API tokens (the OAuth endpoints
authenticate clients their own way; health and DCAT are public), so they run once.

Requests whose request line exceeds gunicorn's limit (``limit_request_line``, 4094
bytes) never reach the application: gunicorn answers them 400 in HTML. They are
counted apart (the ledger shows how many), not as failures.

Each role's rate-limit counter is reset before each operation: the limiter is tested
elsewhere (and by the load part); here it would only turn most requests into 429s
that never reach the handlers. The fuzzer's requests leave from 127.0.0.2, so the
anonymous counter it resets (per address) is its own, not other tests'.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.integration.stack import RunningStack
from tests.resilience.ledger import Ledger, by_profile
from tests.resilience.roles import ANONYMOUS, PUBLISHER_A, ROLES, Actor, Roles

from civic.platform.ckan_action import is_action_path
from civic.platform.docs import OPENAPI_PATH
from civic.platform.problems import PROBLEM_MEDIA_TYPE

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

PART = "1 schema fuzzing"
EXAMPLES = by_profile(50, 500)
API = "/api/v1"
# Their errors follow RFC 6749 / 7591 (application/json), not RFC 9457.
RFC_6749_PATHS = ("/oauth/", "/.well-known/")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Anonymous calls are limited per address: the fuzzer's own, on the loopback network.
SOURCE_ADDRESS = "127.0.0.2"
# gunicorn's default limit_request_line; longer request lines get its own HTML 400.
SERVER_REQUEST_LINE_LIMIT = 4094
# Roles as the ledger's columns; the non-API operations run once, as "-".
COLUMNS = (*ROLES, "-")
TIMEOUT = 30
# The suite's 900 s per test fits the quick profile. The full one asks 500 examples of
# each of about 100 operations per role: its first run (2026-12-02, machine at load 10
# to 20) tried 104,151 cases in 5,250 s, and every role's test but one was stopped at
# 900 s before the end. A role's test may take hours there.
FUZZ_SECONDS = by_profile(900, 4 * 3600)


@dataclass
class Tally:
    """Cases and failures per operation and role, and the distinct failures seen."""

    cases: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    refused_by_server: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    distinct: dict[tuple[str, str, str], str] = field(default_factory=dict)
    seconds: float = 0.0

    def failure(self, role: str, operation: str, title: str, message: str) -> None:
        self.failed[role] += 1
        self.distinct.setdefault((role, operation, title), message)


@pytest.fixture(scope="module")
def schema(stack: RunningStack) -> Any:
    """The OpenAPI document the live gateway serves, as schemathesis reads it."""
    return schemathesis.openapi.from_url(stack.gateway_url + OPENAPI_PATH, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def tally(ledger: Ledger) -> Iterator[Tally]:
    """Collects the module's counts; written to the ledger as one table at the end."""
    found = Tally()
    yield found
    total = sum(sum(per_role.values()) for per_role in found.cases.values())
    ledger.record(PART, tried=total, failed=sum(found.failed.values()))
    ledger.note(
        PART,
        f"{len(found.cases)} operations, {EXAMPLES} examples asked per operation and role, "
        f"{found.seconds:.0f} s; statuses {dict(sorted(found.statuses.items()))}; "
        f"{found.refused_by_server} refused by gunicorn (request line too long)",
    )
    ledger.note(PART, f"{'operation':58} " + " ".join(f"{c[:11]:>11}" for c in COLUMNS))
    for label in sorted(found.cases, key=_path_then_method):
        row = found.cases[label]
        ledger.note(PART, f"{label:58} " + " ".join(f"{row.get(c, 0) or '':>11}" for c in COLUMNS))
    for (role, operation, title), message in sorted(found.distinct.items()):
        ledger.note(PART, f"FAILED {role} {operation}: {title}: {message.splitlines()[0][:160]}")


@pytest.mark.timeout(FUZZ_SECONDS)
@pytest.mark.parametrize("role", ROLES)
def test_api_operations_hold_under_fuzzing(
    role: str, schema: Any, roles: Roles, tally: Tally
) -> None:
    actor = roles[role]
    operations = [op for op in _operations(schema) if op.path.startswith(API)]
    assert len(operations) > 30, "the document lost its API operations"
    _fuzz(operations, actor, roles, tally, column=role)
    _assert_none_failed(tally, role)


@pytest.mark.timeout(FUZZ_SECONDS)
def test_oauth_health_and_dcat_operations_hold_under_fuzzing(
    schema: Any, roles: Roles, tally: Tally
) -> None:
    operations = [op for op in _operations(schema) if not op.path.startswith(API)]
    assert {op.path for op in operations} >= {
        "/oauth/token",
        "/catalog.ttl",
        "/healthz",
        "/api/3/action/package_search",
        "/api/3/action/package_create",
    }
    _fuzz(operations, roles[ANONYMOUS], roles, tally, column="-")
    _assert_none_failed(tally, "-")


def test_the_fixtures_survive_the_fuzzing(roles: Roles) -> None:
    """Destructive cases aimed at the throwaway organization only; the rest still stands."""
    for role in ROLES:
        if roles[role].token:
            assert roles.call(role, "GET", f"{API}/me").status_code == 200, role
    for name in (roles.dataset_a, roles.dataset_b):
        assert roles.call(ANONYMOUS, "GET", f"{API}/datasets/{name}").status_code == 200
    assert roles.call(ANONYMOUS, "GET", f"{API}/reuses/{roles.reuse_dev}").status_code == 200
    hooks = roles.call(PUBLISHER_A, "GET", f"{API}/webhooks", params={"organization": roles.org_a})
    assert roles.webhook_a in {hook["id"] for hook in hooks.json()["results"]}


def _operations(schema: Any) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())  # raises if the document has an invalid operation
    return operations


def _fuzz(operations: list[Any], actor: Actor, roles: Roles, tally: Tally, *, column: str) -> None:
    limits = redis.Redis.from_url(roles.stack.redis_url)
    session = requests.Session()
    session.mount("http://", _FromSourceAddress())
    started = time.monotonic()
    try:
        for operation in operations:
            _reset_rate_limit(limits, actor)
            begun = time.monotonic()
            _fuzz_operation(
                operation, actor=actor, roles=roles, tally=tally, column=column, session=session
            )
            tally.timings[operation.label] += time.monotonic() - begun
    finally:
        session.close()
        limits.close()
        tally.seconds += time.monotonic() - started


def _fuzz_operation(
    operation: Any,
    *,
    actor: Actor,
    roles: Roles,
    tally: Tally,
    column: str,
    session: requests.Session,
) -> None:
    headers = actor.headers if operation.path.startswith(API) else {}
    pinned = _existing_objects(operation, roles)
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, headers=headers or None),
        operation.as_strategy(GenerationMode.NEGATIVE, headers=headers or None),
    ]
    if pinned:
        strategies.append(
            operation.as_strategy(
                GenerationMode.POSITIVE, headers=headers or None, path_parameters=pinned
            )
        )
    base_url = roles.stack.gateway_url

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    @given(case=st.one_of(strategies))
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, timeout=TIMEOUT)
        tally.cases[operation.label][column] += 1
        tally.statuses[response.status_code] += 1
        if _refused_by_server(response):
            tally.refused_by_server += 1
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                message = failure.message if isinstance(failure, Failure) else str(failure)
                title = failure.title if isinstance(failure, Failure) else type(failure).__name__
                tally.failure(column, operation.label, title, _with_curl(case, message))
        problem = _problem_violation(operation.path, response)
        if problem:
            tally.failure(column, operation.label, "not problem+json", _with_curl(case, problem))

    run()


def _existing_objects(operation: Any, roles: Roles) -> dict[str, str]:
    """Path parameters naming objects that exist (the throwaway organization's)."""
    spare = roles.throwaway
    organizations = "/organizations/" in operation.path
    known = {
        "name": spare.organization if organizations else spare.dataset,
        "resource_id": spare.resource_id,
        "client_id": spare.client_id,
        "reuse_id": spare.reuse_id,
        "webhook_id": spare.webhook_id,
        "slug": "validation-error",
    }
    names = {parameter.name for parameter in operation.path_parameters}
    return {name: value for name, value in known.items() if name in names}


def _problem_violation(path: str, response: Any) -> str | None:  # noqa: PLR0911 - one per rule
    """Why an error response is not a proper RFC 9457 problem, or None."""
    if response.status_code < 400 or path.startswith(RFC_6749_PATHS):
        return None
    if is_action_path(path):
        return _ckan_error_violation(response)
    content_type = (response.headers.get("content-type") or [""])[0]  # lowercase keys, lists
    if not content_type.startswith(PROBLEM_MEDIA_TYPE):
        return f"{response.status_code} answered as {content_type!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{response.status_code}: the problem is not JSON"
    if not isinstance(body, dict) or body.get("status") != response.status_code:
        return f"{response.status_code}: the problem's status is {body!r:.200}"
    if not isinstance(body.get("title"), str) or not isinstance(body.get("type"), str):
        return f"{response.status_code}: the problem has no type or title"
    return None


def _ckan_error_violation(response: Any) -> str | None:  # noqa: PLR0911 - one per rule
    """Why an error of the CKAN facade is not in CKAN's shape, or None."""
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/json"):
        return f"{response.status_code} answered as {content_type!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{response.status_code}: not JSON"
    if response.status_code == 400 and isinstance(body, str):
        return None if body.startswith("Bad request: ") else f"400: {body!r:.200}"
    if not isinstance(body, dict) or body.get("success") is not False:
        return f"{response.status_code}: not CKAN's envelope: {body!r:.200}"
    error = body.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("__type"), str):
        return f"{response.status_code}: no error.__type: {body!r:.200}"
    if not isinstance(body.get("help"), str):
        return f"{response.status_code}: no help link"
    return None


def _refused_by_server(response: Any) -> bool:
    """gunicorn's own 400 for a request line over its limit (the app never saw it)."""
    target = urlsplit(response.request.url)
    line = len(response.request.method) + len(target.path) + len(target.query) + 11
    return (
        response.status_code == 400
        and "x-request-id" not in response.headers
        and line > SERVER_REQUEST_LINE_LIMIT
    )


def _with_curl(case: Any, message: str) -> str:
    try:
        return f"{message}\n    {case.as_curl_command()}"
    except Exception:  # a case that cannot be rendered still fails, with its message
        return message


class _FromSourceAddress(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (SOURCE_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


def _reset_rate_limit(limits: redis.Redis, actor: Actor) -> None:
    # Flask-Limiter's keys: LIMITS:LIMITER/<key_prefix>/<app:client_id|addr:ip>/...
    who = f"app:{actor.client_id}" if actor.client_id else f"addr:{SOURCE_ADDRESS}"
    for key in limits.scan_iter(match=f"LIMITS:LIMITER/civic/{who}/*"):
        limits.delete(key)


def _assert_none_failed(tally: Tally, column: str) -> None:
    failures = {key: text for key, text in tally.distinct.items() if key[0] == column}
    report = "\n\n".join(f"{op}: {title}\n{text}" for (_, op, title), text in failures.items())
    assert not failures, f"{len(failures)} distinct failure(s) as {column}:\n{report}"


def _path_then_method(label: str) -> tuple[str, str]:
    method, _, path = label.partition(" ")
    return path, method
