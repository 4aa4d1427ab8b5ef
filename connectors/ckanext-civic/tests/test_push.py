"""civic_push: events are kept until CKAN commits, then POSTed, signed, to the gateway."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from ckanext.civic.push import CivicPushPlugin, Pusher, sign


class _Gateway(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"k", b"123.{}", hashlib.sha256).hexdigest()
    assert sign("k", "123", b"{}") == "sha256=" + expected


def test_pusher_posts_signed_events() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/ckan/events"
        Pusher(url, "secret", 5).send_later([{"event": "changed", "id": "1", "name": "a"}]).join(10)
    finally:
        server.shutdown()
        server.server_close()
    [(headers, body)] = _Gateway.received
    assert json.loads(body) == {"event": "changed", "id": "1", "name": "a"}
    assert headers["X-Civic-Signature"] == sign("secret", headers["X-Civic-Timestamp"], body)


def test_an_unreachable_gateway_is_only_logged() -> None:
    Pusher("http://127.0.0.1:9/none", "secret", 1).send(
        [{"event": "deleted", "id": "1", "name": "a"}]
    )


class _Session:
    def __init__(self) -> None:
        self.info: dict[str, Any] = {}


def test_events_wait_for_the_commit_and_skip_ignored_users(monkeypatch: Any) -> None:
    import ckanext.civic.push as push

    session = _Session()
    monkeypatch.setattr(push.model, "Session", session)
    sent: list[list[dict[str, str]]] = []
    plugin = CivicPushPlugin()
    plugin.pusher = Pusher("http://unused", "s", 1)
    monkeypatch.setattr(plugin.pusher, "send_later", sent.append)
    plugin.ignore_users = frozenset({"civic_gateway"})
    plugin.after_dataset_create({"user": "alice"}, {"id": "1", "name": "a"})
    plugin.after_dataset_update({"user": "alice"}, {"id": "1", "name": "a"})
    plugin.after_dataset_update({"user": "civic_gateway"}, {"id": "2", "name": "b"})
    assert sent == []  # nothing before the commit
    plugin._after_commit(session)
    assert sent == [[{"event": "changed", "id": "1", "name": "a"}]]
