"""RemoteCkan over real HTTP, against a throwaway local server speaking CKAN's Action API.

The server is a WSGI app that answers each action with a canned CKAN answer (it keeps
no state) and follows a script of faults: slow answers, 5xx, CKAN's 4xx error bodies,
answers lost after the write. These tests prove what the adapter does on the wire
(timeouts, retries, headers, error mapping), not that CKAN works: the contract in
tests/integration/test_ckan_connector_live.py does that against the real CKAN.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from civic.connectors.ckan import (
    CkanNotAuthorized,
    CkanNotFound,
    CkanUnavailable,
    CkanValidationError,
    RemoteCkan,
)
from civic.connectors.ckan.client import NAME_IN_USE

TOKEN = "tok-" + "s3cr3t-never-logged"


# The CKAN double --------------------------------------------------------------
@dataclass
class Fault:
    """What the double does to one request instead of (or besides) answering it."""

    status: int | None = None  # answer this status with a non-CKAN body
    delay: float = 0.0  # wait this long before answering
    apply_first: bool = False  # run the action, then answer `status` (a lost answer)
    body: str = "<html><body>Bad Gateway</body></html>"
    error: dict[str, Any] | None = None  # answer `status` with this CKAN error instead


def refusal(status: int, error: dict[str, Any]) -> Fault:
    """CKAN's own error answer (its api view's status and body)."""
    return Fault(status=status, error=error)


def echo(data: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"id-{data.get('name')}", **data}


# What CKAN answers when all goes well, reduced to what the adapter reads.
ANSWERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "status_show": lambda _: {"ckan_version": "2.12.0", "site_url": "http://ckan.test"},
    "organization_show": lambda data: {"id": f"id-{data['id']}", "name": data["id"]},
    "package_show": lambda data: {"id": f"id-{data['id']}", "name": data["id"]},
    "package_create": echo,
    "package_update": echo,
    "package_search": lambda _: {"count": 0, "results": [], "search_facets": {}},
}


@dataclass
class Seen:
    action: str
    headers: dict[str, str]
    data: dict[str, Any]


@dataclass
class CkanDouble:
    """CKAN's Action API answering :data:`ANSWERS`, with a queue of faults."""

    token: str | None = TOKEN
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def actions(self) -> list[str]:
        return [s.action for s in self.seen]

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        action = request.path.rsplit("/", 1)[-1]
        data = request.get_json(silent=True) or {}
        with self.lock:
            self.seen.append(Seen(action, dict(request.headers), data))
            fault = self.faults.pop(0) if self.faults else None
        response = self.answer(action, data, request, fault)
        return response(environ, start_response)

    def answer(
        self, action: str, data: dict[str, Any], request: Request, fault: Fault | None
    ) -> Response:
        if fault is not None:
            time.sleep(fault.delay)
            if fault.error is not None and fault.status is not None:
                return ckan_error(fault.status, fault.error)
            if fault.status is not None and not fault.apply_first:
                return Response(fault.body, status=fault.status, content_type="text/html")
        if self.token is not None and request.headers.get("Authorization") != self.token:
            return ckan_error(403, {"__type": "Authorization Error", "message": "Access denied"})
        response = self.run(action, data)
        if fault is not None and fault.status is not None:
            # The action ran, but the caller gets a proxy's error page instead.
            return Response(fault.body, status=fault.status, content_type="text/html")
        return response

    def run(self, action: str, data: dict[str, Any]) -> Response:
        """The action's canned answer in CKAN's envelope."""
        if action not in ANSWERS:
            return ckan_error(400, {"message": "Bad request - Action name not known"})
        body = {"help": f"http://ckan.test/api/3/action/help_show?name={action}", "success": True}
        result = ANSWERS[action](data)
        return Response(json.dumps({**body, "result": result}), content_type="application/json")


def ckan_error(status: int, error: dict[str, Any]) -> Response:
    body = {"help": "http://ckan.test/api/3/action/help_show", "success": False, "error": error}
    return Response(json.dumps(body), status=status, content_type="application/json")


@dataclass
class Switch:
    """The WSGI app of the module's server; each test plugs in a fresh double."""

    app: CkanDouble = field(default_factory=CkanDouble)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Switch, str]]:
    switch = Switch()
    httpd = make_server("127.0.0.1", 0, switch, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield switch, f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def double(server: tuple[Switch, str]) -> tuple[CkanDouble, str]:
    switch, url = server
    switch.app = CkanDouble()
    return switch.app, url


class Sleeps(list[float]):
    """Records the backoff waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def remote(double: tuple[CkanDouble, str], sleeps: Sleeps) -> Iterator[RemoteCkan]:
    _, url = double
    with RemoteCkan(url, TOKEN, timeout=2.0, retries=2, backoff=0.5, sleep=sleeps) as client:
        yield client


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Wire behaviour -----------------------------------------------------------------
def test_sends_user_agent_and_token(double: tuple[CkanDouble, str], remote: RemoteCkan) -> None:
    app, _ = double
    remote.status()
    headers = app.seen[0].headers
    assert headers["Authorization"] == TOKEN
    assert headers["User-Agent"].startswith("civic-platform/")
    assert headers["User-Agent"].endswith("(+connector)")


def test_custom_user_agent_and_no_token(double: tuple[CkanDouble, str]) -> None:
    app, url = double
    app.token = None
    with RemoteCkan(url, user_agent="civic-test/1") as client:
        client.status()
    assert app.seen[0].headers["User-Agent"] == "civic-test/1"
    assert "Authorization" not in app.seen[0].headers


def test_every_request_has_explicit_connect_and_read_timeouts(
    double: tuple[CkanDouble, str],
) -> None:
    _, url = double
    with RemoteCkan(url, TOKEN, timeout=12.0) as client:
        assert client.timeout == (5.0, 12.0)
    with RemoteCkan(url, TOKEN, timeout=0.5) as client:
        assert client.timeout == (0.5, 0.5)


def test_slow_ckan_times_out_and_is_retried(double: tuple[CkanDouble, str], sleeps: Sleeps) -> None:
    app, url = double
    app.script(Fault(delay=1.0), Fault(delay=1.0))
    started = time.monotonic()
    with (
        RemoteCkan(url, TOKEN, timeout=0.2, retries=1, sleep=sleeps) as client,
        pytest.raises(CkanUnavailable, match="ReadTimeout"),
    ):
        client.dataset_show("anything")
    assert time.monotonic() - started < 0.9  # two 0.2 s timeouts, not two 1 s waits
    assert app.actions() == ["package_show", "package_show"]
    assert sleeps == [0.5]


def test_5xx_is_retried_with_exponential_backoff(
    double: tuple[CkanDouble, str], remote: RemoteCkan, sleeps: Sleeps
) -> None:
    app, _ = double
    app.script(Fault(status=503), Fault(status=500))
    assert remote.organization_show("org-a").name == "org-a"
    assert app.actions() == ["organization_show"] * 3
    assert sleeps == [0.5, 1.0]


def test_5xx_every_time_gives_unavailable_after_the_retries(
    double: tuple[CkanDouble, str], remote: RemoteCkan, sleeps: Sleeps
) -> None:
    app, _ = double
    app.script(*[Fault(status=502)] * 3)
    with pytest.raises(CkanUnavailable, match="after 3 attempt"):
        remote.dataset_search()
    assert len(app.seen) == 3
    assert sleeps == [0.5, 1.0]


def test_backoff_is_capped(double: tuple[CkanDouble, str], sleeps: Sleeps) -> None:
    app, url = double
    app.script(*[Fault(status=503)] * 4)
    with (
        RemoteCkan(url, TOKEN, retries=3, backoff=20.0, sleep=sleeps) as client,
        pytest.raises(CkanUnavailable),
    ):
        client.dataset_search()
    assert sleeps == [20.0, 30.0, 30.0]


NOT_FOUND = refusal(404, {"__type": "Not Found Error", "message": "Not found: Dataset"})
NO_ORG = refusal(409, {"__type": "Validation Error", "owner_org": ["Organization does not exist"]})
BAD_SORT = refusal(409, {"__type": "Search Error", "message": "Search error: 'invalid sort'"})


@pytest.mark.parametrize(
    ("call", "answer", "error"),
    [
        (lambda c: c.dataset_show("missing"), NOT_FOUND, CkanNotFound),
        (lambda c: c.dataset_upsert({"name": "ok", "owner_org": "x"}), NO_ORG, CkanValidationError),
        (lambda c: c.dataset_search(sort="name sideways"), BAD_SORT, CkanValidationError),
    ],
)
def test_4xx_is_mapped_and_never_retried(
    double: tuple[CkanDouble, str],
    remote: RemoteCkan,
    call: Callable[[RemoteCkan], object],
    answer: Fault,
    error: type[Exception],
) -> None:
    app, _ = double
    app.script(answer)
    with pytest.raises(error):
        call(remote)
    assert len(app.seen) == 1


def test_a_refused_token_is_not_authorized_and_not_retried(
    double: tuple[CkanDouble, str], remote: RemoteCkan, sleeps: Sleeps
) -> None:
    app, _ = double
    app.token = "another-token"
    with pytest.raises(CkanNotAuthorized, match="Access denied"):
        remote.dataset_show("x")
    assert (len(app.seen), sleeps) == (1, [])


def test_validation_error_keeps_ckans_field_messages(
    double: tuple[CkanDouble, str], remote: RemoteCkan
) -> None:
    app, _ = double
    errors = {
        "name": ["Must be at least 2 characters long", 'Name "x" length is less than minimum 2'],
        "owner_org": ["Organization does not exist"],
    }
    # The name is refused, not taken: the connector looks, finds no such package.
    app.script(refusal(409, {**errors, "__type": "Validation Error"}), NOT_FOUND)
    with pytest.raises(CkanValidationError) as caught:
        remote.dataset_upsert({"name": "x", "owner_org": "no-such-org"})
    assert caught.value.errors == errors
    assert app.actions() == ["package_create", "package_show"]


def test_search_engine_errors_are_validation_errors(
    double: tuple[CkanDouble, str], remote: RemoteCkan
) -> None:
    app, _ = double
    app.script(refusal(409, {"__type": "Search Error", "message": "undefined field no_such"}))
    with pytest.raises(CkanValidationError) as caught:
        remote.dataset_search(fq="no_such_field:1")
    assert caught.value.field_messages == [("search", ["undefined field no_such"])]


def test_non_ckan_4xx_answer_is_unavailable_without_retry(
    double: tuple[CkanDouble, str], remote: RemoteCkan, sleeps: Sleeps
) -> None:
    app, _ = double
    app.script(Fault(status=404, body="<html>nginx: not found</html>"))
    with pytest.raises(CkanUnavailable, match="unusable answer"):
        remote.dataset_show("x")
    assert sleeps == []


def test_html_200_from_a_proxy_is_unavailable(
    double: tuple[CkanDouble, str], remote: RemoteCkan
) -> None:
    app, _ = double
    app.script(Fault(status=200, apply_first=True, body="<html>login</html>"))
    with pytest.raises(CkanUnavailable):
        remote.status()


def test_401_from_a_proxy_is_not_authorized(
    double: tuple[CkanDouble, str], remote: RemoteCkan
) -> None:
    app, _ = double
    app.script(Fault(status=401))
    with pytest.raises(CkanNotAuthorized):
        remote.status()


def test_connection_refused_is_retried_then_unavailable(sleeps: Sleeps) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with (
        RemoteCkan(url, TOKEN, retries=2, sleep=sleeps) as client,
        pytest.raises(CkanUnavailable, match="ConnectionError"),
    ):
        client.dataset_show("x")
    assert sleeps == [0.5, 1.0]


def test_status_is_tried_once(
    double: tuple[CkanDouble, str], remote: RemoteCkan, sleeps: Sleeps
) -> None:
    app, _ = double
    app.script(Fault(status=503))
    with pytest.raises(CkanUnavailable):
        remote.status()
    assert len(app.seen) == 1
    assert sleeps == []


def test_upsert_after_a_lost_answer_makes_one_dataset(
    double: tuple[CkanDouble, str], remote: RemoteCkan
) -> None:
    app, _ = double
    # CKAN creates the dataset but the answer is lost (a 504 from the proxy):
    # the retry finds the name taken and updates the package of that name instead.
    in_use = refusal(409, {"__type": "Validation Error", "name": [NAME_IN_USE]})
    app.script(Fault(status=504, apply_first=True), in_use)
    dataset = remote.dataset_upsert({"name": "ds-lost", "owner_org": "org-a", "title": "T"})
    assert dataset.title == "T"
    assert app.actions() == ["package_create", "package_create", "package_show", "package_update"]
    assert app.seen[-1].data["id"] == "id-ds-lost"


def test_the_token_is_never_logged_nor_in_errors(
    double: tuple[CkanDouble, str], remote: RemoteCkan, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = double
    app.script(*[Fault(status=503)] * 3)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CkanUnavailable) as caught:
        remote.dataset_show("x")
    assert "retry 1 of 2" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(remote)


@pytest.mark.parametrize("url", ["ftp://ckan", "ckan:5000"])
def test_rejects_non_http_urls(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        RemoteCkan(url)


def test_create_batch_falls_back_to_package_create_without_the_plugin(
    double: tuple[CkanDouble, str], remote: RemoteCkan
) -> None:
    """A CKAN without ckanext-civic's civic_batch answers "Action name not known": the
    connector creates the packages one by one, each with its own outcome, and does not
    ask for the batch action again."""
    app, _ = double
    in_use = refusal(409, {"__type": "Validation Error", "name": [NAME_IN_USE]})
    app.script(Fault(), Fault(), in_use)  # the batch action and the first create pass
    first = [{"name": "ds-a", "owner_org": "org-a", "title": "A"}]
    second = {"name": "ds-b", "owner_org": "org-a", "title": "B"}
    results = remote.dataset_create_batch([*first, second])
    assert app.actions() == ["civic_package_create_batch", "package_create", "package_create"]
    assert results[0].name == "ds-a"  # type: ignore[union-attr]
    assert isinstance(results[1], CkanValidationError) and "name" in results[1].fields
    assert [d.name for d in remote.dataset_create_batch(first)] == ["ds-a"]  # type: ignore[union-attr]
    assert app.actions()[-1] == "package_create"
