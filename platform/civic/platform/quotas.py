"""Per-app rate limits on ``/api/v1`` and the CKAN Action API facade, counted in Redis.

One application-wide limit per caller: an app (by client id, whatever the token)
gets its plan's limit; calls without a token are limited per address. CKAN's Action
API at the gateway is counted apart, with larger limits (``quotas_ckan_anonymous``,
the plan's times ``quotas_ckan_factor``): a CKAN client makes one call per dataset. Counters
live in Redis, so all gateway workers and replicas share them. A 429 is a
problem+json with ``Retry-After``; every limited response carries ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until the window resets, as
the IETF RateLimit header fields draft defines it). If Redis fails, calls go through
(logged): an outage of the counters must not become an outage of the API.
"""

from __future__ import annotations

import re
import time

from flask import Flask, Response, request
from flask_limiter import HeaderNames, Limiter

from civic.platform.api import API_PREFIX
from civic.platform.ckan_action import is_action_path
from civic.platform.oauth.protection import current_principal
from civic.platform.ratelimit_storage import storage_uri
from civic.platform.settings import Settings
from civic.services.quotas.plans import limit_for

_EXTENSION = "civic.limiter"
RESET_HEADER = "RateLimit-Reset"


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Install the limiter on ``app`` (after :mod:`.oauth.protection`, which it relies on)."""

    def key() -> str:
        principal = current_principal()
        if principal is not None:
            return f"app:{principal.client_id}"
        return f"addr:{request.remote_addr or 'unknown'}"

    def limit() -> str:
        principal = current_principal()
        if principal is None:
            # CKAN clients read one dataset per call (a `ckanapi dump` of the catalog is
            # about 1,100 calls): the facade has its own anonymous limit, counted apart.
            if is_action_path(request.path):
                return settings.quotas_ckan_anonymous
            return settings.quotas_anonymous
        plan = limit_for(
            principal.plan, plans=settings.quotas_plans, default_plan=settings.quotas_default_plan
        )
        if is_action_path(request.path):
            return scaled_limit(plan, settings.quotas_ckan_factor)
        return plan

    # Registered before the limiter's own hook, so it runs after it (Flask runs
    # after-request hooks in reverse) and sees the headers the limiter added.
    app.after_request(_reset_as_delta)
    limiter = Limiter(
        key,
        app=app,
        # One Redis round trip per request for the count and the headers (issue 19).
        storage_uri=storage_uri(settings.ratelimit_storage_url or settings.redis_url),
        strategy="fixed-window",
        application_limits=[limit],
        application_limits_exempt_when=lambda: (
            not (request.path.startswith(API_PREFIX) or is_action_path(request.path))
        ),
        headers_enabled=True,
        header_name_mapping={
            HeaderNames.LIMIT: "RateLimit-Limit",
            HeaderNames.REMAINING: "RateLimit-Remaining",
            HeaderNames.RESET: RESET_HEADER,
            HeaderNames.RETRY_AFTER: "Retry-After",
        },
        swallow_errors=True,
        key_prefix="civic",
    )
    app.extensions[_EXTENSION] = limiter
    return limiter


def scaled_limit(limit: str, factor: int) -> str:
    """``limit`` (``"600/minute;50000/day"``) with every amount multiplied by ``factor``."""
    return _AMOUNT.sub(lambda found: str(int(found.group(1)) * factor), limit)


_AMOUNT = re.compile(r"(\d+)(?=\s*(?:/|per\b))")


def current_limiter(app: Flask) -> Limiter:
    """The limiter of ``app`` (for per-route limits such as the login form's)."""
    limiter: Limiter = app.extensions[_EXTENSION]
    return limiter


def _reset_as_delta(response: Response) -> Response:
    # Flask-Limiter writes the reset time as a Unix timestamp; the RateLimit draft
    # (and Retry-After) count seconds from now.
    value = response.headers.get(RESET_HEADER)
    if value is not None and value.isdigit():
        response.headers[RESET_HEADER] = str(max(0, int(int(value) - time.time())))
        # Flask-Limiter sets Retry-After on every limited response; it only means
        # something on a refusal.
        if response.status_code != 429:
            response.headers.pop("Retry-After", None)
    return response
