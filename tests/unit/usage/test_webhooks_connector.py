"""The webhooks connector: signatures, the SSRF guard, the check at connection time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from civic.connectors.webhooks import (
    AddressPolicy,
    FakeWebhookSender,
    HttpWebhookSender,
    TargetRefused,
    WebhookUnreachable,
    check_target,
    sign,
    verify,
)
from civic.connectors.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

SECRET = "whsec_test"
PUBLIC = "93.184.216.34"


def test_a_signature_verifies_and_any_change_breaks_it() -> None:
    body = b'{"event":"reuse.declared"}'
    headers = sign(SECRET, body, timestamp=1_800_000_000)
    stamp, value = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert value.startswith("sha256=") and len(value) == 7 + 64
    assert verify(SECRET, body, stamp, value, now=1_800_000_010)
    assert not verify(SECRET, body + b" ", stamp, value, now=1_800_000_010)
    assert not verify("other", body, stamp, value, now=1_800_000_010)
    assert not verify(SECRET, body, "1800000001", value, now=1_800_000_010)
    assert not verify(SECRET, body, stamp, value, now=1_800_000_000 + 3600), "too old"
    assert signature(SECRET, 1, b"x") != signature(SECRET, 2, b"x")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",  # noqa: S104 - an address refused, not bound
        "224.0.0.1",
        "100.64.0.1",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(address: str) -> None:
    with pytest.raises(TargetRefused):
        check_target(
            "https://hooks.example.org/in", AddressPolicy(), resolver=lambda h, p: [address]
        )
    assert check_target(
        "https://hooks.example.org/in",
        AddressPolicy(allow_private=True),
        resolver=lambda h, p: [address],
    ) == [address]


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(TargetRefused, match="private"):
        check_target(
            "https://x.example/", AddressPolicy(), resolver=lambda h, p: [PUBLIC, "10.0.0.1"]
        )
    assert check_target("https://x.example/", AddressPolicy(), resolver=lambda h, p: [PUBLIC])


@pytest.mark.parametrize(
    "url", ["ftp://x.example/", "file:///etc/passwd", "https://user:pw@x.example/", "http:///x"]
)
def test_only_plain_http_urls_are_accepted(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_target(url, AddressPolicy(allow_private=True), resolver=lambda h, p: [PUBLIC])


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.received.append((dict(self.headers), self.rfile.read(length)))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_dns_rebinding_is_caught_when_the_connection_is_made(
    receiver: ThreadingHTTPServer,
) -> None:
    # The name "resolves" to a public address for the first check, but the socket
    # reaches loopback: the connection's own check refuses it.
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    sender = HttpWebhookSender(policy=AddressPolicy(), resolver=lambda h, p: [PUBLIC])
    with pytest.raises(TargetRefused, match="loopback"):
        sender.post(url, b"{}", {})
    assert receiver.received == []  # type: ignore[attr-defined]


def test_an_allowed_target_gets_the_body_headers_and_user_agent(
    receiver: ThreadingHTTPServer,
) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    sender = HttpWebhookSender(policy=AddressPolicy(allow_private=True), user_agent="civic-test")
    result = sender.post(url, b'{"a":1}', sign(SECRET, b'{"a":1}'))
    sender.close()
    assert result.status_code == 204 and result.ok
    ((headers, body),) = receiver.received  # type: ignore[attr-defined]
    assert body == b'{"a":1}'
    assert headers["User-Agent"] == "civic-test"
    assert verify(SECRET, body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])


def test_an_unreachable_target_is_reported() -> None:
    sender = HttpWebhookSender(
        policy=AddressPolicy(allow_private=True), timeout=1, connect_timeout=1
    )
    with pytest.raises(WebhookUnreachable):
        sender.post("http://127.0.0.1:9/hook", b"{}", {})


def test_the_fake_records_and_answers() -> None:
    fake = FakeWebhookSender(status=500)
    assert not fake.post("https://x.example/", b"{}", {"A": "b"}).ok
    assert fake.sent[0].headers == {"A": "b"}


class _Trickle(BaseHTTPRequestHandler):
    """Answers one byte every 0.2 s, forever: no single read ever waits past a timeout."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        try:
            while not self.server.stopping.is_set():  # type: ignore[attr-defined]
                self.wfile.write(b"x")
                self.wfile.flush()
                self.server.stopping.wait(0.2)  # type: ignore[attr-defined]
        except OSError:  # the sender gave up and closed: what the test wants
            return

    def log_message(self, format: str, *args: object) -> None:
        return


def test_a_receiver_trickling_bytes_cannot_hold_a_delivery_past_its_deadline() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.stopping = threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sender = HttpWebhookSender(
        policy=AddressPolicy(allow_private=True), timeout=1, connect_timeout=1, deadline=1.5
    )
    try:
        with pytest.raises(WebhookUnreachable, match="deadline"):
            sender.post(f"http://127.0.0.1:{server.server_address[1]}/hook", b"{}", {})
    finally:
        sender.close()
        server.stopping.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()
