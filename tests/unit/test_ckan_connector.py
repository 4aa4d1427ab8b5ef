"""RemoteCkan over real HTTP, against a throwaway local server speaking CKAN's Action API.

The server is a WSGI app over :class:`MemoryCkanSite` (the fake's store) with
scripted faults: slow answers, 5xx, 4xx, answers lost after the write. These
tests prove what the adapter does on the wire (timeouts, retries, headers,
error mapping), not that CKAN works: the live test does that against CKAN.

The contract tests at the end run the same assertions against FakeCkan and
against RemoteCkan over HTTP, so the fake services test with behaves like the
real adapter.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from civic.connectors.ckan import (
    CkanClient,
    CkanNotAuthorized,
    CkanNotFound,
    CkanUnavailable,
    CkanValidationError,
    RemoteCkan,
)
from civic.connectors.ckan.fake import FakeCkan
from civic.connectors.ckan.memory import MemoryCkanSite, UnknownAction

TOKEN = "tok-" + "s3cr3t-never-logged"


# The CKAN double --------------------------------------------------------------
@dataclass
class Fault:
    """What the double does to one request instead of (or besides) answering it."""

    status: int | None = None  # answer this status with a non-CKAN body
    delay: float = 0.0  # wait this long before answering
    apply_first: bool = False  # run the action, then answer `status` (a lost answer)
    body: str = "<html><body>Bad Gateway</body></html>"


@dataclass
class Seen:
    action: str
    headers: dict[str, str]
    data: dict[str, Any]


@dataclass
class CkanDouble:
    """CKAN's Action API over a MemoryCkanSite, with a queue of faults."""

    site: MemoryCkanSite = field(default_factory=MemoryCkanSite)
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
        """The action's answer, with the status codes and error bodies CKAN's api view uses."""
        try:
            result = self.site.call(action, data)
        except CkanNotFound as exc:
            return ckan_error(404, {"__type": "Not Found Error", "message": f"Not found: {exc}"})
        except CkanValidationError as exc:
            if "search" in exc.errors:
                message = f"Search error: {exc.errors['search']!r}"
                return ckan_error(409, {"__type": "Search Error", "message": message})
            return ckan_error(409, {**exc.errors, "__type": "Validation Error"})
        except UnknownAction:
            return ckan_error(400, {"message": "Bad request - Action name not known"})
        body = {"help": f"http://ckan.test/api/3/action/help_show?name={action}", "success": True}
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


def seed(client: CkanClient, org: str = "org-a") -> None:
    client.organization_upsert(org, title=org.upper())


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
    seed(remote)
    app.seen.clear()
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


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.dataset_show("missing"), CkanNotFound),
        (lambda c: c.dataset_upsert({"name": "ok", "owner_org": "x"}), CkanValidationError),
        (lambda c: c.dataset_search(sort="name sideways"), CkanValidationError),
    ],
)
def test_4xx_is_mapped_and_never_retried(
    double: tuple[CkanDouble, str],
    remote: RemoteCkan,
    sleeps: Sleeps,
    call: Callable[[RemoteCkan], object],
    error: type[Exception],
) -> None:
    app, _ = double
    with pytest.raises(error):
        call(remote)
    assert sleeps == []
    assert len(app.seen) == 1


def test_a_refused_token_is_not_authorized_and_not_retried(
    double: tuple[CkanDouble, str], remote: RemoteCkan, sleeps: Sleeps
) -> None:
    app, _ = double
    app.token = "another-token"
    with pytest.raises(CkanNotAuthorized, match="Access denied"):
        remote.dataset_show("x")
    assert (len(app.seen), sleeps) == (1, [])


def test_validation_error_keeps_ckans_field_messages(remote: RemoteCkan) -> None:
    seed(remote)
    with pytest.raises(CkanValidationError) as caught:
        remote.dataset_upsert({"name": "x", "owner_org": "no-such-org"})
    assert caught.value.errors == {
        "name": ["Must be at least 2 characters long", 'Name "x" length is less than minimum 2'],
        "owner_org": ["Organization does not exist"],
    }


def test_search_engine_errors_are_validation_errors(remote: RemoteCkan) -> None:
    with pytest.raises(CkanValidationError) as caught:
        remote.dataset_search(fq="no_such_field:1")
    assert "search" in caught.value.errors


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


def test_resource_create_is_not_resent_once_ckan_may_have_it(
    double: tuple[CkanDouble, str], remote: RemoteCkan, sleeps: Sleeps
) -> None:
    app, _ = double
    seed(remote)
    remote.dataset_upsert({"name": "ds", "owner_org": "org-a"})
    app.script(Fault(status=502, apply_first=True))
    with pytest.raises(CkanUnavailable):
        remote.resource_create("ds", {"url": "http://example.org/a.csv"})
    assert app.actions()[-1] == "resource_create"
    assert app.actions().count("resource_create") == 1
    assert sleeps == []
    # CKAN did apply it: one resource, not two.
    assert len(remote.dataset_show("ds").resources) == 1


def test_resource_create_is_retried_when_ckan_never_got_it(sleeps: Sleeps) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with RemoteCkan(url, TOKEN, retries=1, sleep=sleeps) as client, pytest.raises(CkanUnavailable):
        client.resource_create("ds", {"url": "http://example.org/a.csv"})
    assert sleeps == [0.5]


def test_upsert_after_a_lost_answer_makes_one_dataset(
    double: tuple[CkanDouble, str], remote: RemoteCkan
) -> None:
    app, _ = double
    seed(remote)
    app.seen.clear()
    # CKAN creates the dataset but the answer is lost (a 504 from the proxy):
    # the retry finds the name taken and updates instead.
    app.script(Fault(status=504, apply_first=True))
    dataset = remote.dataset_upsert({"name": "ds-lost", "owner_org": "org-a", "title": "T"})
    assert dataset.title == "T"
    assert app.actions() == ["package_create", "package_create", "package_show", "package_update"]
    assert [d["name"] for d in app.site.datasets] == ["ds-lost"]


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


# Contract: FakeCkan and RemoteCkan answer alike ----------------------------------------
@pytest.fixture(params=["fake", "remote"])
def client(request: pytest.FixtureRequest) -> CkanClient:
    if request.param == "fake":
        return FakeCkan()
    remote_client: RemoteCkan = request.getfixturevalue("remote")
    return remote_client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class TestContract:
    def test_status(self, client: CkanClient) -> None:
        status = client.status()
        assert status.ckan_version
        assert isinstance(status.extensions, tuple)

    def test_organization_upsert_is_idempotent(self, client: CkanClient) -> None:
        first = client.organization_upsert("org-a", title="A", extras={"k": "v"})
        second = client.organization_upsert("org-a", title="A2", description="d")
        assert second.id == first.id
        assert (second.title, second.description) == ("A2", "d")
        assert second.extras == {"k": "v"}
        assert client.organization_show(first.id) == second

    def test_organization_show_missing(self, client: CkanClient) -> None:
        with pytest.raises(CkanNotFound):
            client.organization_show("no-such-org")

    def test_organization_upsert_brings_back_a_deleted_one(self, client: CkanClient) -> None:
        created = client.organization_upsert("org-z", title="Z")
        client.organization_delete("org-z")
        assert client.organization_show("org-z").state == "deleted"
        again = client.organization_upsert("org-z", title="Z")
        assert (again.id, again.state) == (created.id, "active")

    def test_dataset_upsert_twice_makes_one_dataset(self, client: CkanClient) -> None:
        seed(client)
        data = {
            "name": "ds-1",
            "title": "First",
            "owner_org": "org-a",
            "license_id": "cc-by",
            "tags": [{"name": "health"}],
            "extras": [{"key": "theme", "value": "HEAL"}],
            "resources": [{"url": "http://example.org/a.csv", "name": "a"}],
        }
        first = client.dataset_upsert(data)
        without_resources = {k: v for k, v in data.items() if k != "resources"}
        second = client.dataset_upsert({**without_resources, "title": "Second"})
        assert second.id == first.id
        assert second.title == "Second"
        assert client.dataset_search(fq="name:ds-1").count == 1
        assert first.organization_name == "org-a"
        assert first.owner_org == client.organization_show("org-a").id
        assert first.tags == ("health",)
        assert first.extras == {"theme": "HEAL"}
        assert first.license_id == "cc-by"
        assert [r.format for r in first.resources] == ["CSV"]

    def test_dataset_upsert_keeps_resources_it_is_not_given(self, client: CkanClient) -> None:
        seed(client)
        client.dataset_upsert({"name": "ds-r", "owner_org": "org-a"})
        resource = client.resource_create("ds-r", {"url": "http://example.org/b.json", "name": "b"})
        updated = client.dataset_upsert({"name": "ds-r", "owner_org": "org-a", "title": "New"})
        assert [r.id for r in updated.resources] == [resource.id]

    def test_dataset_upsert_refuses_a_name_of_another_organization(
        self, client: CkanClient
    ) -> None:
        seed(client, "org-a")
        seed(client, "org-b")
        client.dataset_upsert({"name": "taken", "owner_org": "org-a", "title": "A's"})
        with pytest.raises(CkanValidationError) as caught:
            client.dataset_upsert({"name": "taken", "owner_org": "org-b", "title": "B's"})
        assert "name" in caught.value.errors
        assert client.dataset_show("taken").title == "A's"

    def test_dataset_validation(self, client: CkanClient) -> None:
        seed(client)
        with pytest.raises(CkanValidationError) as caught:
            client.dataset_upsert({"name": "Not OK", "owner_org": "org-a"})
        assert "name" in caught.value.errors
        with pytest.raises(CkanValidationError) as caught:
            client.dataset_upsert({"name": "no-org"})
        assert caught.value.errors == {"owner_org": ["An organization must be provided"]}

    def test_patch_resource_calls_delete_and_purge(self, client: CkanClient) -> None:
        seed(client)
        client.dataset_upsert({"name": "ds-p", "owner_org": "org-a", "notes": "n"})
        patched = client.dataset_patch("ds-p", {"title": "Patched"})
        assert (patched.title, patched.notes) == ("Patched", "n")
        resource = client.resource_create("ds-p", {"url": "http://example.org/c.csv", "size": 12})
        assert (resource.format, resource.size, resource.package_id) == ("CSV", 12, patched.id)
        renamed = client.resource_patch(resource.id, {"name": "c"})
        assert (renamed.name, renamed.url) == ("c", "http://example.org/c.csv")
        client.resource_delete(resource.id)
        client.resource_delete(resource.id)
        assert client.dataset_show("ds-p").resources == ()
        client.dataset_delete("ds-p")
        client.dataset_delete("ds-p")
        assert client.dataset_show("ds-p").state == "deleted"
        assert client.dataset_search(fq="name:ds-p").count == 0
        client.dataset_purge("ds-p")
        client.dataset_purge("ds-p")
        with pytest.raises(CkanNotFound):
            client.dataset_show("ds-p")
        with pytest.raises(CkanNotFound):
            client.dataset_patch("ds-p", {"title": "x"})

    def test_organization_with_datasets_cannot_be_deleted(self, client: CkanClient) -> None:
        seed(client, "org-d")
        client.dataset_upsert({"name": "ds-d", "owner_org": "org-d"})
        with pytest.raises(CkanValidationError):
            client.organization_delete("org-d")
        client.dataset_purge("ds-d")
        client.organization_purge("org-d")
        client.organization_purge("org-d")
        with pytest.raises(CkanNotFound):
            client.organization_show("org-d")

    def test_search_filters_and_facets(self, client: CkanClient) -> None:
        seed(client, "org-a")
        seed(client, "org-b")
        for name, org, tags in [
            ("air-quality", "org-a", ["air", "health"]),
            ("air-traffic", "org-b", ["air", "transport"]),
            ("water", "org-a", ["health"]),
        ]:
            client.dataset_upsert(
                {
                    "name": name,
                    "title": name.replace("-", " ").title(),
                    "owner_org": org,
                    "tags": [{"name": t} for t in tags],
                    "resources": [{"url": f"http://example.org/{name}.csv"}],
                }
            )
        client.dataset_upsert({"name": "secret-air", "owner_org": "org-a", "private": True})
        every = client.dataset_search(rows=1, facet_fields=("organization", "tags", "res_format"))
        assert every.count == 3
        assert len(every.datasets) == 1
        assert every.facets["organization"] == {"org-a": 2, "org-b": 1}
        assert every.facets["tags"] == {"air": 2, "health": 2, "transport": 1}
        assert every.facets["res_format"] == {"CSV": 3}
        air = client.dataset_search("air", sort="name asc")
        assert [d.name for d in air.datasets] == ["air-quality", "air-traffic"]
        in_a = client.dataset_search(fq="organization:org-a tags:health", sort="name desc")
        assert [d.name for d in in_a.datasets] == ["water", "air-quality"]
        assert client.dataset_search(fq="tags:(transport OR nothing)").count == 1
        assert client.dataset_search(fq="-tags:air").count == 1
        with_private = client.dataset_search("air", include_private=True)
        assert with_private.count == 3
        page = client.dataset_search(rows=2, start=2, sort="name asc")
        assert [d.name for d in page.datasets] == ["water"]
