"""Request ids and the access log.

Every response carries ``X-Request-ID``: the caller's own, when it looks like an id
(so a trace can cross services), otherwise a new one. Every request ends with one
JSON access-log line: request id, method, path (never the query string, which may
carry OAuth codes or tokens), status and duration.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, at most 128: enough for UUIDs and trace ids,
# and nothing that could forge a log line or a header.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$")

access_log = logging.getLogger("civic.access")


def is_sane_request_id(value: str) -> bool:
    """Whether an incoming request id may be reused as is."""
    return bool(_SANE_REQUEST_ID.fullmatch(value))


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    value = g.get("request_id")
    return value if isinstance(value, str) else None


def init_app(app: Flask) -> None:
    """Install request ids and the access log on ``app`` (before any other hook)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if is_sane_request_id(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = current_request_id()
    if request_id is None:
        # A failure before our first hook ran (e.g. in another extension's hook).
        request_id = g.request_id = uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    if not access_log.isEnabledFor(logging.INFO):
        return response  # a level above INFO writes no access line: nothing to gather
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "remote_addr": request.remote_addr,
            "user_agent": request.user_agent.string or None,
        },
    )
    return response
