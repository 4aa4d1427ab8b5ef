"""The tracking hook: every /api/v1 answer becomes one event, once it has been sent."""

from __future__ import annotations

from flask.testing import FlaskClient

from civic.platform.docs import DocumentedApp
from civic.platform.tracking import current_writer, flush_all
from civic.services.usage.writer import MemorySink


def memory(app: DocumentedApp) -> MemorySink:
    writer = current_writer(app)
    assert writer is not None, "tracking is on by default"
    sink = MemorySink()
    writer.sink = sink
    return sink


def test_an_api_call_is_recorded_after_its_answer_with_its_request_id(
    app: DocumentedApp, client: FlaskClient
) -> None:
    sink = memory(app)
    response = client.get("/api/v1/openapi.json", headers={"X-Request-ID": "call-1"})
    response.close()
    missing = client.get("/api/v1/no-such-route", headers={"X-Request-ID": "call-2"})
    missing.close()
    flush_all()
    events = sorted(sink.events.values(), key=lambda event: event.request_id or "")
    assert [(e.request_id, e.status, e.kind, e.source) for e in events] == [
        ("call-1", 200, "api_call", "gateway"),
        ("call-2", 404, "api_call", "gateway"),
    ]
    first = events[0]
    assert first.route == "/api/v1/openapi.json"
    assert events[1].route is None, "no template for an unknown path"
    assert first.app_id is None and first.actor_type is None, "no token: anonymous"
    assert first.duration_ms is not None and first.duration_ms >= 0
    assert first.bytes == len(response.data)
    assert first.ip_hash is not None and "127.0.0.1" not in first.ip_hash


def test_pages_outside_the_api_are_not_recorded(app: DocumentedApp, client: FlaskClient) -> None:
    sink = memory(app)
    client.get("/healthz").close()
    flush_all()
    assert sink.events == {}


def test_tracking_can_be_turned_off(clean_environment: None) -> None:
    from civic.platform.app import create_app  # noqa: PLC0415 - a second app, built here

    off = create_app({"env": "test", "ratelimit_storage_url": "memory://", "usage_tracking": False})
    assert current_writer(off) is None
