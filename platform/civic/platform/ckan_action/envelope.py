"""CKAN's answers: the envelope, its error types and statuses, as CKAN 2.12's ``views/api.py``.

Success: ``{"help": URL, "success": true, "result": ...}``. Refusals:
``{"help": URL, "success": false, "error": {"__type": ..., "message": ...}}`` with
CKAN's statuses, which ckanapi maps back to its exceptions (``NotFound``,
``NotAuthorized``, ``ValidationError``, ``SearchQueryError``). A validation error
carries its fields as CKAN does: ``{"__type": "Validation Error", "rows": ["..."]}``.

Refusals made before the view runs (malformed JSON, a bad token, the rate limit, a
body too large, a database down) are problem+json on the rest of the API; on the
facade's routes :func:`to_ckan_shape` rewrites them into this envelope, keeping their
status (401 excepted: CKAN has none, it is an ``Authorization Error`` 403) and headers
(``Retry-After``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, request

from civic.platform.ckan_action import is_action_path
from civic.platform.wiring import current_settings

PROBLEM_MEDIA_TYPE = "application/problem+json"
NOT_FOUND = "Not Found Error"
AUTHORIZATION = "Authorization Error"
VALIDATION = "Validation Error"
SEARCH_QUERY = "Search Query Error"
INTERNAL = "Internal Server Error"


class ActionError(Exception):
    """A refusal answered in CKAN's shape: ``status``, ``error.__type`` and its fields."""

    def __init__(self, status: int, kind: str, message: str = "", **fields: Any) -> None:
        super().__init__(message or kind)
        self.status = status
        self.kind = kind
        self.message = message
        self.fields = fields

    def error(self) -> dict[str, Any]:
        """The ``error`` object of the answer."""
        if self.kind == VALIDATION:
            return {**self.fields, "__type": VALIDATION}
        body: dict[str, Any] = {"__type": self.kind, "message": self.message}
        body.update(self.fields)
        return body


def not_found(what: str = "") -> ActionError:
    """CKAN's ``Not Found Error`` (404); ``what`` follows ``Not found: ``."""
    return ActionError(404, NOT_FOUND, f"Not found: {what}" if what else "Not found")


def not_authorized(why: str = "") -> ActionError:
    """CKAN's ``Authorization Error`` (403)."""
    return ActionError(403, AUTHORIZATION, f"Access denied: {why}" if why else "Access denied")


def invalid(fields: Mapping[str, list[str]]) -> ActionError:
    """CKAN's ``Validation Error`` (409) with its field dict."""
    error = ActionError(409, VALIDATION)
    error.fields.update({key: list(value) for key, value in fields.items()})
    return error


def bad_query(message: str) -> ActionError:
    """CKAN's ``Search Query Error`` (400, as CKAN's views answer it)."""
    return ActionError(400, SEARCH_QUERY, f"Search Query is invalid: {message}")


def base_url() -> str:
    """The gateway's public address (``public_url``), never the request's Host header."""
    return current_settings().public_url.rstrip("/")


def help_url(action: str) -> str:
    """The ``help`` link of an answer (CKAN's ``help_show`` of the action)."""
    return f"{base_url()}/api/3/action/help_show?name={action}"


def json_response(body: Any, status: int, headers: Mapping[str, str] | None = None) -> Response:
    """``body`` as JSON, as CKAN sends it."""
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Content-Type"] = "application/json;charset=utf-8"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def success(action: str, result: Any) -> Response:
    """CKAN's 200 envelope around ``result``."""
    return json_response({"help": help_url(action), "success": True, "result": result}, 200)


def failure(action: str, error: ActionError, headers: Mapping[str, str] | None = None) -> Response:
    """CKAN's refusal envelope."""
    body = {"help": help_url(action), "error": error.error(), "success": False}
    return json_response(body, error.status, headers)


def bad_request(message: str) -> Response:
    """CKAN's 400 for an unknown action or an unreadable body: a JSON string, no envelope."""
    return json_response(f"Bad request: {message}", 400)


def action_name() -> str:
    """The action the request names (for the ``help`` link), or ``""``."""
    view_args = request.view_args or {}
    name = view_args.get("name")
    return name if isinstance(name, str) else ""


_KINDS = {
    401: AUTHORIZATION,
    403: AUTHORIZATION,
    404: NOT_FOUND,
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    429: "Rate Limit Exceeded",
    503: "Service Unavailable",
}


def to_ckan_shape(response: Response) -> Response:
    """An ``after_request`` hook: a problem+json answer on a facade route, in CKAN's shape."""
    if not is_action_path(request.path) or response.mimetype != PROBLEM_MEDIA_TYPE:
        return response
    try:
        problem = json.loads(response.get_data(as_text=True) or "{}")
    except ValueError:
        problem = {}
    status = response.status_code
    message = str(problem.get("detail") or problem.get("title") or "")
    if status in (400, 422):
        fields: dict[str, list[str]] = {}
        for item in problem.get("errors") or ():
            pointer = str(item.get("pointer", "#")).removeprefix("#").strip("/")
            if pointer:
                fields.setdefault(pointer.split("/")[0], []).append(str(item.get("detail", "")))
        if not fields:  # the body as a whole (not JSON, not UTF-8): CKAN's JSON Error
            return bad_request(f"JSON Error: {message}")
        error = invalid(fields)
    elif status >= 500 and status != 503:
        error = ActionError(status, INTERNAL, INTERNAL)
    else:
        kind = _KINDS.get(status, problem.get("title") or "Error")
        if status in (401, 403):
            message = f"Access denied: {message}" if message else "Access denied"
            status = 403
        elif status == 404:
            message = f"Not found: {message}" if message else "Not found"
        error = ActionError(status, str(kind), message)
    keep = {
        key: value
        for key, value in response.headers.items()
        if key.lower() not in ("content-type", "content-length", "www-authenticate")
    }
    return failure(action_name() or "api", error, keep)
