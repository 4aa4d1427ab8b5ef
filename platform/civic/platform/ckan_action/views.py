"""The facade's routes: one view dispatches ``/api/3/action/<name>`` to its action.

As CKAN's ``views/api.py``: GET reads the query string (side-effect-free actions
only), POST a JSON object or a form; an unknown action is a 400 ``Bad request:
Action name not known``; a write asked for with GET is a 400 ``JSON Error``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, g, request

from civic.platform.ckan_action import params
from civic.platform.ckan_action.envelope import (
    ActionError,
    bad_request,
    failure,
    json_response,
    success,
    to_ckan_shape,
)
from civic.platform.ckan_action.reads import READS, Action
from civic.platform.ckan_action.writes import WRITES

ACTIONS: dict[str, Action] = {**READS, **WRITES}
ACTION_ROUTE = "/api/3/action/<name>"


def _action(name: str) -> Response:
    known = ACTIONS.get(name)
    if known is None:
        return bad_request(f"Action name not known: {name}")
    # Usage reports count each action on its own route (unknown names are not kept).
    g.usage_route = f"/api/3/action/{name}"
    if request.method == "GET" and name in WRITES:
        return bad_request("JSON Error: Invalid request. Please use POST method for your request")
    try:
        data = params.request_data()
    except params.UnreadableBody as error:
        return bad_request(f"JSON Error: {error}")
    data.pop("callback", None)  # JSONP is not served
    try:
        result: Any = known(data)
    except ActionError as error:
        return failure(name, error)
    response = success(name, result)
    if g.get("search_cache"):
        # Whether a search came from the worker's cache: what the benchmarks' hit rate counts.
        response.headers["X-Search-Cache"] = g.search_cache
    return response


def _api_root() -> Response:
    return json_response({"version": 3}, 200)


def blueprint() -> Blueprint:
    """The facade's routes."""
    bp = Blueprint("ckan_action", __name__)
    methods = ["GET", "POST"]
    bp.add_url_rule(ACTION_ROUTE, "action", _action, methods=methods)
    bp.add_url_rule("/api/action/<name>", "action_unversioned", _action, methods=methods)
    bp.add_url_rule("/api/3", "api_root", _api_root, strict_slashes=False)
    return bp


def init_app(app: Flask) -> None:
    """Serve the facade on ``app`` and answer its routes' refusals in CKAN's shape."""
    app.register_blueprint(blueprint())
    app.after_request(to_ckan_shape)
