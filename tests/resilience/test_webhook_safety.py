"""Part 7, webhook safety: no webhook reaches an internal address, and none hangs.

End to end on a real PostgreSQL database of this module's own: webhooks are
registered through ``POST /api/v1/webhooks`` of a gateway built with the production
rule (``webhook_allow_private_targets`` off), events come from reuses declared
through the API, and deliveries are sent by the real
:class:`~civic.connectors.webhooks.HttpWebhookSender` through the dispatcher the
``civic usage worker`` runs.

Names under ``.rebind.test`` are answered by :class:`Dns`, a stub with the
resolver signature the guard and the sender use (``Resolver``), installed as the
process's ``getaddrinfo`` for those names only, so the API's check, the sender's
check and the socket's own connection all ask it, in that order. Its answers change
between lookups: public first, loopback later, which is DNS rebinding.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog, Person
from tests.integration.stack import drop_database, recreate_database
from tests.integration.usage.helpers import webhook_receiver
from tests.resilience.ledger import Ledger
from tests.unit.fakes import FakeRedis

from civic.connectors.webhooks import AddressPolicy, HttpWebhookSender
from civic.connectors.webhooks.guard import Resolver
from civic.platform.app import create_app
from civic.services import schema
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.catalog.models import Dataset, Organization, Resource
from civic.services.notifications.dispatch import RetryPolicy, deliver_due
from civic.services.notifications.models import WebhookAttempt, WebhookDelivery

pytestmark = [pytest.mark.resilience, pytest.mark.integration]

PART = "7 webhooks"
DATABASE = f"civic_webhooks_{os.getpid()}"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
PUBLIC = "93.184.215.14"  # a global unicast address; never connected to here
# One try per test: a refused or failed delivery is not due again within the test.
ONE_TRY = RetryPolicy(max_attempts=8, base=3600.0, max_wait=3600.0)
TIMEOUT = 1.0  # the sender's read timeout in these tests (settings: webhook_timeout)

REFUSED_TARGETS = (
    "http://127.0.0.1:8080/hook",
    "http://127.1/hook",  # short form of 127.0.0.1
    "http://2130706433/hook",  # 127.0.0.1 as one decimal number
    "http://0x7f000001/hook",  # and in hexadecimal
    "http://localhost/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "http://0.0.0.0/hook",
    "http://10.0.0.7/hook",
    "http://172.16.5.4/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata service
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",  # IPv6 unique local
    "http://internal.rebind.test/hook",  # a name whose only answer is private
    "http://mixed.rebind.test/hook",  # one public answer, one loopback
    "ftp://hooks.example.org/",
    "http://user:pw@public.rebind.test/hook",
)


class Dns:
    """A DNS stub: per name, a list of answers, the last one repeated once reached.

    Callable as a :data:`~civic.connectors.webhooks.guard.Resolver`; :meth:`getaddrinfo`
    serves the same answers to sockets.
    """

    def __init__(self, real: Any) -> None:
        self.real = real
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[str]:
        with self.lock:
            seen = self.lookups.get(host, 0)
            self.lookups[host] = seen + 1
            answers = self.answers[host]
            return answers[min(seen, len(answers) - 1)]

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not (isinstance(host, str) and host.endswith(".rebind.test")):
            return self.real(host, port, *args, **kwargs)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        found = []
        for address in self(host, int(port or 0)):
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (
                (address, int(port or 0), 0, 0) if ":" in address else (address, int(port or 0))
            )
            found.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return found


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Dns:
    stub = Dns(socket.getaddrinfo)
    stub.answers = {
        "internal.rebind.test": [["10.1.2.3"]],
        "mixed.rebind.test": [[PUBLIC, "127.0.0.1"]],
        "public.rebind.test": [[PUBLIC]],
    }
    monkeypatch.setattr(socket, "getaddrinfo", stub.getaddrinfo)
    return stub


@pytest.fixture(scope="module")
def bootstrap() -> Iterator[Bootstrap]:
    recreate_database(DATABASE)
    schema.upgrade(URL)
    settings = ConnectionSettings(
        database_url=URL, redis_url="redis://127.0.0.1:1/0", ckan_url="http://ckan.test"
    )
    built = Bootstrap(settings, redis_client=FakeRedis(), ckan=FakeCkan())  # type: ignore[arg-type]
    yield built
    built.close()
    drop_database(DATABASE)


def gateway(bootstrap: Bootstrap, *, allow_private: bool) -> FlaskClient:
    """The gateway; ``allow_private`` off is the production rule (test settings turn it on)."""
    app = create_app(
        {
            "env": "test",
            "database_url": URL,
            "ratelimit_storage_url": "memory://",
            "webhook_allow_private_targets": allow_private,
            "usage_tracking": False,
        },
        bootstrap=bootstrap,
    )
    return app.test_client()


class Parties:
    """An organization with a dataset, its publisher, and an app that declares reuses."""

    def __init__(self, bootstrap: Bootstrap) -> None:
        catalog = Catalog(bootstrap)
        self.organization = f"org-{uuid.uuid4().hex[:8]}"
        catalog.organization(self.organization)
        self.publisher: Person = catalog.person(
            "publisher", (self.organization,), scope="datasets:write usage:read"
        )
        self.developer: Person = catalog.person("developer", scope="reuses:write")
        self.dataset = f"ds-{uuid.uuid4().hex[:8]}"
        with bootstrap.unit_of_work() as uow:
            owner = uow.session.scalars(
                sa.select(Organization).filter_by(name=self.organization)
            ).one()
            uow.session.add(
                Dataset(
                    name=self.dataset,
                    title=f"Data {self.dataset}",
                    organization_id=owner.id,
                    license="etalab-2.0",
                    resources=[Resource(url="https://files.example.org/a.csv", format="CSV")],
                )
            )
            uow.commit()

    def add_webhook(self, client: FlaskClient, url: str) -> Any:
        return client.post(
            "/api/v1/webhooks",
            headers=self.publisher.headers,
            json={"organization": self.organization, "url": url},
        )

    def declare_reuse(self, client: FlaskClient) -> None:
        declared = client.post(
            "/api/v1/reuses",
            headers=self.developer.headers,
            json={
                "title": "Carte des arrêts",
                "url": f"https://reuses.example.org/{uuid.uuid4().hex}",
                "type": "visualization",
                "topic": "transport",
                "purpose": "general_interest",
                "datasets": [self.dataset],
            },
        )
        assert declared.status_code == 201, declared.get_json()

    def deliveries(self, client: FlaskClient, webhook_id: str) -> list[dict[str, Any]]:
        answer = client.get(
            f"/api/v1/webhooks/{webhook_id}/deliveries", headers=self.publisher.headers
        )
        assert answer.status_code == 200, answer.get_json()
        results: list[dict[str, Any]] = answer.get_json()["results"]
        return results


def test_private_loopback_and_link_local_targets_are_refused_at_registration(
    bootstrap: Bootstrap, dns: Dns, ledger: Ledger
) -> None:
    client = gateway(bootstrap, allow_private=False)
    parties = Parties(bootstrap)
    accepted = []
    for target in REFUSED_TARGETS:
        answer = parties.add_webhook(client, target)
        if answer.status_code != 422:
            accepted.append((target, answer.status_code))
            continue
        assert answer.mimetype == "application/problem+json"
        assert [e["pointer"] for e in answer.get_json()["errors"]] == ["#/url"], target
    listed = client.get(
        "/api/v1/webhooks",
        headers=parties.publisher.headers,
        query_string={"organization": parties.organization},
    ).get_json()
    ledger.record(PART, tried=len(REFUSED_TARGETS), failed=len(accepted) + listed["total"])
    ledger.note(PART, f"registration: {len(REFUSED_TARGETS)} internal targets, all 422")
    assert not accepted
    assert listed["total"] == 0  # nothing stored
    # The control: a name with public answers only is accepted.
    assert parties.add_webhook(client, "https://public.rebind.test/hook").status_code == 201


@pytest.mark.parametrize(
    ("public_lookups", "caught_by"),
    [(1, "the sender's check"), (2, "the connection's peer check")],
)
def test_dns_rebinding_between_check_and_send_is_refused(
    bootstrap: Bootstrap, dns: Dns, ledger: Ledger, public_lookups: int, caught_by: str
) -> None:
    client = gateway(bootstrap, allow_private=False)
    parties = Parties(bootstrap)
    with webhook_receiver() as receiver:
        port = int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])
        host = f"flip-{public_lookups}-{uuid.uuid4().hex[:6]}.rebind.test"
        # Public for the first lookups (the API's check, then maybe the sender's), then
        # loopback, where a receiver listens and would take the POST.
        dns.answers[host] = [[PUBLIC]] * public_lookups + [["127.0.0.1"]]
        added = parties.add_webhook(client, f"http://{host}:{port}/hooks/civic")
        assert added.status_code == 201, added.get_json()
        parties.declare_reuse(client)
        resolver: Resolver = dns  # the stub, as the sender's resolver (its own signature)
        sender = HttpWebhookSender(policy=AddressPolicy(), timeout=TIMEOUT, resolver=resolver)
        try:
            outcomes = deliver_due(bootstrap.session_factory, sender, policy=ONE_TRY)
        finally:
            sender.close()
        assert dns.lookups[host] >= public_lookups + 1  # the loopback answer was used
        assert receiver.received == []  # nothing reached the loopback receiver
    [delivery] = parties.deliveries(client, added.get_json()["id"])
    ledger.record(PART, tried=1, failed=int(bool(receiver.received) or outcomes["retry"] != 1))
    ledger.note(
        PART, f"DNS rebinding after {public_lookups} public answer(s): caught by {caught_by}"
    )
    assert outcomes == {"retry": 1}
    assert delivery["status"] == "pending"
    [attempt] = delivery["log"]
    assert attempt["status_code"] is None
    assert "target refused" in attempt["error"] and "loopback" in attempt["error"]


class Silent:
    """A TCP listener that accepts connections and never answers (or, ``drip``, answers
    one byte of a never-ending status line at a time, each within the read timeout)."""

    def __init__(self, *, drip: float | None = None) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.drip = drip
        self.connections: list[socket.socket] = []
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while not self.done.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(connection)
            if self.drip is not None:
                threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        assert self.drip is not None
        while not self.done.is_set():
            try:
                connection.sendall(b"H")
            except OSError:
                return
            time.sleep(self.drip)

    def close(self) -> None:
        self.done.set()
        for connection in self.connections:
            connection.close()
        self.server.close()


@pytest.mark.parametrize("drip", [None, TIMEOUT / 3], ids=["never-answers", "drips"])
def test_a_delivery_to_a_receiver_that_never_answers_times_out(
    bootstrap: Bootstrap, ledger: Ledger, drip: float | None
) -> None:
    # The receiver must listen somewhere this test controls: loopback, so this gateway
    # and sender allow private targets (as the test settings do).
    client = gateway(bootstrap, allow_private=True)
    parties = Parties(bootstrap)
    silent = Silent(drip=drip)
    sender = HttpWebhookSender(
        policy=AddressPolicy(allow_private=True), timeout=TIMEOUT, connect_timeout=TIMEOUT
    )
    outcome: dict[str, Any] = {}
    try:
        added = parties.add_webhook(client, f"http://127.0.0.1:{silent.port}/hook")
        assert added.status_code == 201, added.get_json()
        parties.declare_reuse(client)

        def deliver() -> None:
            outcome["counts"] = deliver_due(bootstrap.session_factory, sender, policy=ONE_TRY)

        started = time.monotonic()
        sending = threading.Thread(target=deliver, daemon=True)
        sending.start()
        sending.join(timeout=TIMEOUT * 10)
        took = time.monotonic() - started
    finally:
        silent.close()
        sending.join(timeout=30)
        sender.close()
    kind = "a receiver that never answers" if drip is None else "a receiver that drips bytes"
    ledger.record(PART, tried=1, failed=int(took >= TIMEOUT * 10))
    ledger.note(PART, f"{kind}: attempt ended after {took:.1f} s (timeout {TIMEOUT:g} s)")
    assert took < TIMEOUT * 10, f"the delivery to {kind} was still running after {took:.0f} s"
    assert outcome["counts"] == {"retry": 1}
    with bootstrap.unit_of_work() as uow:
        status_code, error = uow.session.execute(
            sa.select(WebhookAttempt.status_code, WebhookAttempt.error)
            .join(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == uuid.UUID(added.get_json()["id"]))
        ).one()
    assert status_code is None
    assert "timed out" in (error or "").lower(), error


# IPv6 forms that carry an internal IPv4 address inside, or reach a site's own network.
EMBEDDED_TARGETS = (
    "http://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
    "http://[2002:a9fe:a9fe::1]/hook",  # 6to4 of 169.254.169.254 (metadata service)
    "http://[2002:0a00:0001::1]/hook",  # 6to4 of 10.0.0.1
    "http://[fec0::1]/hook",  # site-local (deprecated, still routed on some networks)
    "http://[64:ff9b::7f00:1]/hook",  # NAT64 (well-known prefix) of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::a00:1]/hook",  # local-use NAT64 prefix (RFC 8215)
    "http://[::ffff:169.254.169.254]/hook",  # IPv4-mapped
    "http://[::127.0.0.1]/hook",  # IPv4-compatible (deprecated)
    "http://[::ffff:0:7f00:1]/hook",  # IPv4-translated (SIIT)
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo of 127.0.0.1
    "http://sixtofour.rebind.test/hook",  # a name whose only answer is a 6to4 of loopback
)


def test_6to4_nat64_teredo_mapped_and_site_local_forms_of_internal_targets_are_refused(
    bootstrap: Bootstrap, dns: Dns, ledger: Ledger
) -> None:
    dns.answers["sixtofour.rebind.test"] = [["2002:7f00:1::1"]]
    client = gateway(bootstrap, allow_private=False)
    parties = Parties(bootstrap)
    accepted = [
        (target, answer.status_code)
        for target in EMBEDDED_TARGETS
        if (answer := parties.add_webhook(client, target)).status_code != 422
    ]
    # At connect time: the sender's own check and the connection's peer check.
    policy = AddressPolicy()
    peers = ["2002:7f00:1::1", "2002:a9fe:a9fe::1", "fec0::1", "64:ff9b::7f00:1"]
    connectable = [peer for peer in peers if policy.refuses(peer) is None]
    ledger.record(
        PART, tried=len(EMBEDDED_TARGETS) + len(peers), failed=len(accepted) + len(connectable)
    )
    ledger.note(PART, f"6to4, NAT64, Teredo, mapped, site-local: {len(EMBEDDED_TARGETS)} refused")
    assert not accepted, accepted
    assert not connectable, connectable
    # The control: 6to4 and NAT64 of a public address are no way inside.
    assert policy.refuses("2002:5db8:d70e::1") is None
    assert policy.refuses("64:ff9b::5db8:d70e") is None
