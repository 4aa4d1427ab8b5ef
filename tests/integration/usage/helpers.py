"""Data and tools of the usage, reuse and webhook tests on the live stack.

Organizations and datasets are written straight into the gateway's mirror (no
CKAN round trip is needed to count their use); apps get real tokens from the
gateway's token endpoint (client credentials), as a third-party app would.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import psycopg
import requests
from tests.integration.identity import CIVIC, bootstrap, new_app, new_user
from tests.integration.stack import RunningStack

from civic.services.catalog.models import Dataset, Organization, OrganizationLevel, Resource

T = TypeVar("T")


@dataclass(frozen=True)
class Client:
    """An app with an access token (client credentials: it acts with its owner's rights)."""

    client_id: str
    token: str
    owner: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class PublishedDataset:
    name: str
    organization: str
    resource_id: str
    resource_url: str


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def app_client(
    stack: RunningStack,
    *,
    role: str = "developer",
    actor_type: str = "association",
    scope: str = "reuses:write usage:read",
    organization: str | None = None,
) -> Client:
    """A new person of ``role`` with a new app, and a token of that app."""
    options = {"organization": organization} if organization else {}
    owner = new_user(stack, role, **options)
    app = new_app(stack, owner["email"], scope=scope, actor_type=actor_type)
    answer = requests.post(
        f"{stack.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(app["client_id"], app["client_secret"]),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return Client(app["client_id"], answer.json()["access_token"], owner["email"])


def mirror_dataset(stack: RunningStack, organization: str) -> PublishedDataset:
    """A live dataset with one resource, in the gateway's mirror only."""
    name = unique("ds")
    url = f"https://files.example.org/{name}.csv"
    with bootstrap(stack).unit_of_work() as uow:
        owner = uow.session.query(Organization).filter_by(name=organization).one_or_none()
        if owner is None:
            owner = Organization(
                name=organization, title=organization.title(), level=OrganizationLevel.LOCAL
            )
            uow.session.add(owner)
            uow.session.flush()
        dataset = Dataset(
            name=name,
            title=f"Data {name}",
            organization_id=owner.id,
            license="etalab-2.0",
            resources=[Resource(url=url, name="all", format="CSV")],
        )
        uow.session.add(dataset)
        uow.commit()
        return PublishedDataset(name, organization, str(dataset.resources[0].id), url)


def query_rows(stack: RunningStack, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    url = stack.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(sql, params or {}).fetchall()  # type: ignore[arg-type]


def civic_command(stack: RunningStack, *args: str, timeout: float = 120) -> str:
    """Run ``civic ARGS`` against the stack's database; its standard output."""
    result = subprocess.run(
        [str(CIVIC), *args],
        env=stack.env
        | {
            "CIVIC_DATABASE_URL": stack.database_url,
            "CIVIC_REDIS_URL": stack.redis_url,
            "CIVIC_CKAN_URL": stack.ckan_url,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def civic_json(stack: RunningStack, *args: str) -> Any:
    return json.loads(civic_command(stack, *args, "--json"))


def eventually(check: Callable[[], T | None], timeout: float = 15.0, every: float = 0.25) -> T:
    """The first truthy answer of ``check`` (events reach the database within a second or so)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s: last answer {value!r}")
        time.sleep(every)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver on loopback: answers ``status`` (a list, consumed in order)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@contextmanager
def webhook_receiver(*statuses: int) -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = state["receiver"]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.received.append(Received(self.path, dict(self.headers), body))
            status = receiver.statuses.pop(0) if receiver.statuses else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(
        f"http://127.0.0.1:{server.server_address[1]}/hooks/civic", statuses=list(statuses)
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()
