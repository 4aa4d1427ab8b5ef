"""Usage tracking: every ``/api/v1`` and CKAN Action API answer becomes a usage event,
off the request path.

An ``after_request`` hook builds the event (app, user and actor type from the
bearer token, the route's template, the dataset and resource, status, latency,
bytes) and asks the response to hand it to the batch writer *once the response
has been sent* (``call_on_close``): an event is never recorded for an answer the
client did not get. The writer (:mod:`civic.services.usage.writer`) queues it in
memory and a background thread writes batches with ``COPY`` at least every
``usage_flush_interval`` second (the writer is built by the bootstrap, from the
``usage_*`` settings). The client's address is hashed by that thread
with the day's salt; it is never stored. After each pass the thread tells Redis up to
when this worker's events are written, so a report can wait for every worker's
buffer (:mod:`civic.services.evaluation.freshness`).

Gunicorn: call :func:`flush_all` from ``worker_exit`` so a worker that stops
writes what it holds (``atexit`` does the same for other servers).
"""

from __future__ import annotations

import atexit
import datetime as dt
import time
import uuid
import weakref
from functools import partial

from flask import Flask, Request, Response, current_app, g, request
from flask.ctx import _AppCtxGlobals

from civic.platform.api import API_PREFIX
from civic.platform.ckan_action import is_action_path
from civic.platform.oauth.protection import current_principal
from civic.platform.settings import Settings
from civic.services.bootstrap import Bootstrap
from civic.services.usage.events import Event
from civic.services.usage.models import UsageKind, UsageSource
from civic.services.usage.writer import BatchWriter, EventSink

_EXTENSION = "civic.tracking"
_DATASET_ROUTES = f"{API_PREFIX}/datasets/<name>"
_writers: weakref.WeakSet[BatchWriter] = weakref.WeakSet()
_atexit_registered = False
_GATEWAY = UsageSource.GATEWAY.value
_API_CALL = UsageKind.API_CALL.value


def init_app(
    app: Flask, settings: Settings, bootstrap: Bootstrap, *, sink: EventSink | None = None
) -> BatchWriter | None:
    """Track ``app``'s API calls (unless ``usage_tracking`` is off); the writer, if any.

    ``sink`` replaces PostgreSQL (unit tests pass a
    :class:`~civic.services.usage.writer.MemorySink`).
    """
    if not settings.usage_tracking:
        return None
    writer = bootstrap.usage_writer(sink)
    app.extensions[_EXTENSION] = writer
    _writers.add(writer)
    _register_atexit()
    app.after_request(_track)
    return writer


def current_writer(app: Flask | None = None) -> BatchWriter | None:
    """The batch writer of ``app`` (default: the current app), None when tracking is off."""
    writer = (app or current_app).extensions.get(_EXTENSION)
    return writer if isinstance(writer, BatchWriter) else None


def count_as_download() -> None:
    """Record the current request as a download, whether or not it succeeds."""
    g.usage_kind = UsageKind.DOWNLOAD.value


def mark_download(dataset_id: uuid.UUID, dataset_name: str, resource_id: uuid.UUID) -> None:
    """Record the current request as a download of this resource (the tracked link's view)."""
    g.usage_kind = UsageKind.DOWNLOAD.value
    g.usage_dataset = (dataset_id, dataset_name, resource_id)


def flush_all(timeout: float = 10.0) -> None:
    """Write and stop every writer of this process (gunicorn's ``worker_exit``, ``atexit``)."""
    for writer in list(_writers):
        writer.close(timeout)


def mark_dataset(
    dataset_id: uuid.UUID, dataset_name: str, resource_id: uuid.UUID | None = None
) -> None:
    """Record the current call as one about this dataset (and resource), e.g. a CKAN
    ``package_show``, whose dataset is not in its route."""
    g.usage_dataset = (dataset_id, dataset_name, resource_id)


def _track(response: Response) -> Response:
    # The request and g looked up once each, not through their proxies at every field.
    req: Request = request._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    path = req.path
    if not (path.startswith(API_PREFIX) or is_action_path(path)):
        return response
    writer = current_app.extensions.get(_EXTENSION)
    if writer is None:
        return response
    state: _AppCtxGlobals = g._get_current_object()  # g is typed as its proxy
    principal = current_principal()
    rule = req.url_rule
    route = state.get("usage_route") or (rule.rule if rule is not None else None)
    dataset_id = resource_id = None
    dataset_name: str | None = None
    marked = state.get("usage_dataset")
    if marked is not None:
        dataset_id, dataset_name, resource_id = marked
    elif route is not None and route.startswith(_DATASET_ROUTES):
        name = (req.view_args or {}).get("name")
        dataset_name = name if isinstance(name, str) and len(name) <= 100 else None
    started = state.get("request_started")
    event = Event(
        id=uuid.uuid4(),
        occurred_at=dt.datetime.now(dt.UTC),
        kind=state.get("usage_kind", _API_CALL),
        source=_GATEWAY,
        status=response.status_code,
        request_id=state.get("request_id"),
        app_id=principal.app_id if principal else None,
        actor_type=principal.actor_type if principal else None,
        user_id=principal.person_id if principal else None,
        method=req.method,
        route=route,
        dataset_id=dataset_id,
        dataset_name=dataset_name,
        resource_id=resource_id,
        duration_ms=round((time.perf_counter() - started) * 1000, 3) if started else None,
        bytes=response.content_length,
    )
    writer.expect(event)  # a report asked meanwhile waits for it (see freshness)
    response.call_on_close(partial(writer.record, event, req.remote_addr))
    return response


def _register_atexit() -> None:
    global _atexit_registered  # noqa: PLW0603 - once per process
    if not _atexit_registered:
        atexit.register(flush_all)
        _atexit_registered = True
