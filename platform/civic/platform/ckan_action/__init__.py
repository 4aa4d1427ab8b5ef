"""CKAN's Action API at the gateway: ``/api/3/action/<name>``, ``/api/action/<name>``, ``/api/3``.

The platform's API in CKAN's dialect, so CKAN clients (ckanapi, ckanext-harvest,
ckanr, frictionless-py's CKAN portal, scripts) work unchanged against the gateway and
are counted: reads come from the gateway's mirror (they survive a CKAN outage),
writes go through the one write use case (:mod:`civic.services.publishing.writes`).
Answers keep CKAN's envelope (``help``, ``success``, ``result``) and its errors
(``error.__type``: ``Not Found Error``, ``Authorization Error``, ``Validation Error``,
``Search Query Error``), with CKAN's statuses.

This module only names the routes' paths (the token check, the limiter and the usage
tracker ask :func:`is_action_path`); the views are in :mod:`.views`.
"""

from __future__ import annotations

ACTION_PREFIXES = ("/api/3/action/", "/api/action/")
API_ROOT = "/api/3"


def is_action_path(path: str) -> bool:
    """Whether ``path`` is one of the facade's (an action, or ``/api/3`` itself)."""
    return path.startswith(ACTION_PREFIXES) or path.rstrip("/") == API_ROOT
