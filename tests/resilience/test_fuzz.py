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

Each role's rate-limit counter is reset before each operation and every
``RESET_EVERY`` cases: the limiter is tested elsewhere (and by the load part); here it
would only turn most requests into 429s that never reach the handlers. The fuzzer's
requests leave from 127.0.0.2, so the anonymous counter it resets (per address) is
its own, not other tests'.

Generating the cases is what costs, not answering them: in the quick run (2026-12-03)
a case cost 15 ms of the fuzzer's CPU and 4 ms of the gateway's, and three quarters of
the fuzzer's samples were hypothesis and schemathesis drawing cases (schemathesis
builds strategies while it draws), a fifth sending them. So the (operation, role)
pairs run in ``PROCESSES`` forked processes side by side, a role's operations
interleaved with the other roles' so that two processes seldom act as one role at
once; each role's test waits for its own pairs. Every pair still asks ``EXAMPLES``
cases, drawn as before (derandomized: the same cases whatever the process).
``CIVIC_FUZZ_PROGRESS=FILE`` appends a JSON line per finished pair to FILE.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import time
import traceback
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
# A bound on the whole campaign: the first test to wait (anonymous) waits for nearly
# every pair, since the roles take turns. The quick profile (about 20,000 cases) took
# 9 min for two of its seven columns' tests at load 11 to 13 on 2 cores (2026-12-03);
# the full one asks 500 examples of each of 121 operations (59 per role, 62 once), about
# 200,000 cases at 15 ms of the fuzzer's CPU and 4 ms of the gateway's each.
FUZZ_SECONDS = by_profile(3600, 4 * 3600)
# Client processes; 3 on the 2-core machine: the gateway's share is small (see above).
PROCESSES = int(os.environ.get("CIVIC_FUZZ_PROCESSES") or 3)
# Cases between two resets of the role's rate-limit counter (600/minute in tests): two
# processes acting as one role at once stay under it.
RESET_EVERY = 100


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
        f"{found.seconds:.0f} s in {PROCESSES} processes (load {_loadavg()}); "
        f"statuses {dict(sorted(found.statuses.items()))}; "
        f"{found.refused_by_server} refused by gunicorn (request line too long)",
    )
    ledger.note(PART, f"{'operation':58} " + " ".join(f"{c[:11]:>11}" for c in COLUMNS))
    for label in sorted(found.cases, key=_path_then_method):
        row = found.cases[label]
        ledger.note(PART, f"{label:58} " + " ".join(f"{row.get(c, 0) or '':>11}" for c in COLUMNS))
    for (role, operation, title), message in sorted(found.distinct.items()):
        ledger.note(PART, f"FAILED {role} {operation}: {title}: {message.splitlines()[0][:160]}")


@pytest.fixture(scope="module")
def campaign(
    request: pytest.FixtureRequest, schema: Any, roles: Roles, tally: Tally
) -> Iterator[Campaign]:
    """The selected tests' (operation, role) pairs, fuzzed side by side from the start."""
    operations = _operations(schema)
    columns = _selected_columns(request.session.items)
    per_column = {
        column: [op for op in operations if op.path.startswith(API) == (column != "-")]
        for column in columns
    }
    jobs = _interleaved(per_column)
    running = Campaign(operations, jobs, roles, tally)
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.timeout(FUZZ_SECONDS)
@pytest.mark.parametrize("role", ROLES)
def test_api_operations_hold_under_fuzzing(role: str, campaign: Campaign, tally: Tally) -> None:
    operations = [op for op in campaign.operations if op.path.startswith(API)]
    assert len(operations) > 30, "the document lost its API operations"
    campaign.wait(role)
    _assert_none_failed(tally, role)


@pytest.mark.timeout(FUZZ_SECONDS)
def test_oauth_health_and_dcat_operations_hold_under_fuzzing(
    campaign: Campaign, tally: Tally
) -> None:
    operations = [op for op in campaign.operations if not op.path.startswith(API)]
    assert {op.path for op in operations} >= {
        "/oauth/token",
        "/catalog.ttl",
        "/healthz",
        "/api/3/action/package_search",
        "/api/3/action/package_create",
    }
    campaign.wait("-")
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


def _selected_columns(items: list[pytest.Item]) -> list[str]:
    """The ledger's columns whose test this session runs (``-k`` may select a few)."""
    selected = set()
    for item in items:
        function = getattr(item, "function", None)
        if function is test_api_operations_hold_under_fuzzing:
            selected.add(item.callspec.params["role"])  # type: ignore[attr-defined]
        elif function is test_oauth_health_and_dcat_operations_hold_under_fuzzing:
            selected.add("-")
    return [column for column in COLUMNS if column in selected]


def _interleaved(per_column: dict[str, list[Any]]) -> list[tuple[str, Any]]:
    """(column, operation) pairs, one column after the other: roles take turns."""
    jobs = []
    for rank in range(max((len(ops) for ops in per_column.values()), default=0)):
        for column, ops in per_column.items():
            if rank < len(ops):
                jobs.append((column, ops[rank]))
    return jobs


# What the forked processes inherit: the jobs and the roles (nothing is pickled but
# the jobs' numbers and their plain results).
_INHERITED: tuple[list[tuple[str, Any]], Roles] | None = None


class Campaign:
    """``PROCESSES`` forked processes fuzzing the jobs; the tests collect the results."""

    def __init__(
        self, operations: list[Any], jobs: list[tuple[str, Any]], roles: Roles, tally: Tally
    ) -> None:
        global _INHERITED  # noqa: PLW0603 - read by the forked processes only
        _INHERITED = (jobs, roles)
        self.operations = operations
        self.jobs = jobs
        self.tally = tally
        self.pending = Counter(column for column, _ in jobs)
        self.finished = 0
        self.progress = os.environ.get("CIVIC_FUZZ_PROGRESS")
        context = multiprocessing.get_context("fork")
        self.todo: Any = context.Queue()
        self.done: Any = context.Queue()
        # Forked before any queue's feeder thread exists in this process.
        self.processes = [
            context.Process(target=_work, args=(self.todo, self.done), daemon=True)
            for _ in range(min(PROCESSES, len(jobs)) or 1)
        ]
        for process in self.processes:
            process.start()
        for index in range(len(jobs)):
            self.todo.put(index)
        for _ in self.processes:
            self.todo.put(None)
        self.started = time.monotonic()

    def wait(self, column: str) -> None:
        """Until every job of ``column`` has its result in the tally."""
        while self.pending[column] > 0:
            try:
                result = self.done.get(timeout=10)
            except queue.Empty:
                if not any(process.is_alive() for process in self.processes):
                    codes = [process.exitcode for process in self.processes]
                    raise RuntimeError(f"the fuzzing processes ended early: {codes}") from None
                continue
            self._take(result)

    def _take(self, result: dict[str, Any]) -> None:
        column, label = result["column"], result["operation"]
        self.pending[column] -= 1
        self.finished += 1
        tally = self.tally
        tally.cases[label][column] += result["cases"]
        tally.timings[label] += result["seconds"]
        tally.statuses.update(result["statuses"])
        tally.refused_by_server += result["refused"]
        tally.failed[column] += result["failed"]
        for title, message in result["distinct"].items():
            tally.distinct.setdefault((column, label, title), message)
        if result["error"]:
            tally.failure(column, label, "raised", result["error"])
        tally.seconds = time.monotonic() - self.started
        if self.progress:
            line = {
                **{key: result[key] for key in ("column", "operation", "cases", "failed")},
                "seconds": round(result["seconds"], 1),
                "raised": bool(result["error"]),
                "job": f"{self.finished}/{len(self.jobs)}",
                "elapsed": round(tally.seconds),
                "loadavg": _loadavg(),
            }
            with open(self.progress, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(timeout=10)
        for channel in (self.todo, self.done):
            channel.close()
            channel.cancel_join_thread()


def _work(todo: Any, done: Any) -> None:
    """A forked process: fuzz the jobs it is handed until told to stop (None)."""
    assert _INHERITED is not None
    jobs, roles = _INHERITED
    limits = redis.Redis.from_url(roles.stack.redis_url)
    session = requests.Session()
    session.mount("http://", _FromSourceAddress())
    while (index := todo.get()) is not None:
        column, operation = jobs[index]
        done.put(_fuzz_job(column, operation, roles, limits, session))


def _fuzz_job(
    column: str, operation: Any, roles: Roles, limits: redis.Redis, session: requests.Session
) -> dict[str, Any]:
    """One operation as one role (column), as a plain result for the parent process."""
    actor = roles[ANONYMOUS] if column == "-" else roles[column]
    result: dict[str, Any] = {
        "column": column,
        "operation": operation.label,
        "cases": 0,
        "statuses": Counter(),
        "refused": 0,
        "failed": 0,
        "distinct": {},
        "error": None,
    }
    begun = time.monotonic()
    try:
        _reset_rate_limit(limits, actor)
        _fuzz_operation(
            operation, actor=actor, roles=roles, result=result, session=session, limits=limits
        )
    except Exception:  # the role's test fails with it; the other jobs go on
        result["error"] = traceback.format_exc()
    result["seconds"] = time.monotonic() - begun
    return result


def _fuzz_operation(
    operation: Any,
    *,
    actor: Actor,
    roles: Roles,
    result: dict[str, Any],
    session: requests.Session,
    limits: redis.Redis,
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
    distinct: dict[str, str] = result["distinct"]

    def failed(case: Any, title: str, message: str) -> None:
        result["failed"] += 1
        if title not in distinct:
            distinct[title] = _with_curl(case, message)

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
        result["cases"] += 1
        result["statuses"][response.status_code] += 1
        if result["cases"] % RESET_EVERY == 0:
            _reset_rate_limit(limits, actor)
        if _refused_by_server(response):
            result["refused"] += 1
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                message = failure.message if isinstance(failure, Failure) else str(failure)
                title = failure.title if isinstance(failure, Failure) else type(failure).__name__
                failed(case, title, message)
        problem = _problem_violation(operation.path, response)
        if problem:
            failed(case, "not problem+json", problem)

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


def _loadavg() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as source:
            return " ".join(source.read().split()[:3])
    except OSError:
        return ""


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
