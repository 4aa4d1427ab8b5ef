"""Limits where abuse costs, per client address, before any lookup is paid for.

The per-app quotas (:mod:`.quotas`) count what a valid token does. What they cannot
see is counted here, per address, in the same Redis:

* **Failed credentials.** Every 401 answered to a request that carried credentials
  (an unknown or revoked bearer token, a wrong client secret at ``/oauth/token``, a
  bad ``X-CKAN-API-Key``...) counts against its address. Once the address is over
  ``quotas_invalid_credentials``, its requests that carry credentials get a 429 at
  once, before the token or client is looked up in the database: guessing costs the
  guesser, not the platform. A token the worker has checked already (cached at the
  current auth version, see :mod:`.read_cache`) costs no lookup and is not refused.
* **Routes outside the per-app quotas**, each class with its own per-address limit:
  app registration (``quotas_registration``, so one party cannot mint apps, and with
  them fresh quotas, faster than people do), the OAuth endpoints (``quotas_oauth``),
  the DCAT and Atom exports (``quotas_exports``: a large catalog page costs seconds)
  and the pages (``quotas_pages``).

Every limit is a setting sized for people and harvesters; test and benchmark settings
raise them where a suite sends thousands of requests from one address. A 429 carries
``Retry-After``; it is problem+json on the API (CKAN's shape on the facade, by the
facade's own hook) and a page for people where the site renders errors. If Redis
fails, requests go through (logged), as with the quotas.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, g, request
from limits import RateLimitItem, parse, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import HTTPException, TooManyRequests

from civic.platform.api import API_PREFIX
from civic.platform.ckan_action import is_action_path
from civic.platform.oauth.protection import CREDENTIALS_REFUSED, presents_a_known_token
from civic.platform.settings import Settings

log = logging.getLogger("civic.abuse")

# Paths whose answers carry credentials to check: the API, the facade, OAuth.
_CREDENTIAL_HEADERS = ("Authorization", "X-CKAN-API-Key")
_CLIENT_SECRET_FIELDS = ("client_secret", "client_assertion")
_EXPORT_SUFFIXES = (".ttl", ".jsonld", ".rdf", ".xml", ".atom")
_UNLIMITED_PREFIXES = ("/static/", "/healthz", "/readyz", "/favicon")


@dataclass(frozen=True, slots=True)
class RouteClass:
    """A class of routes limited per address: its name and whether a request is in it."""

    name: str
    matches: Callable[[str, str], bool]  # (method, path)
    setting: str


def _is_registration(method: str, path: str) -> bool:
    return method == "POST" and path.rstrip("/") == "/oauth/register"


def _is_oauth(method: str, path: str) -> bool:
    return path.startswith(("/oauth/", "/.well-known/"))


def _is_export(method: str, path: str) -> bool:
    return path.startswith(("/catalog.", "/dataset/", "/feeds/")) or (
        path.startswith("/datasets/") and path.endswith(_EXPORT_SUFFIXES)
    )


def _is_page(method: str, path: str) -> bool:
    return not (
        path.startswith((API_PREFIX, *_UNLIMITED_PREFIXES))
        or is_action_path(path)
        or _is_oauth(method, path)
        or _is_export(method, path)
    )


ROUTE_CLASSES = (
    RouteClass("registration", _is_registration, "quotas_registration"),
    RouteClass("oauth", _is_oauth, "quotas_oauth"),
    RouteClass("exports", _is_export, "quotas_exports"),
    RouteClass("pages", _is_page, "quotas_pages"),
)


def carries_credentials() -> bool:
    """Whether the request presents a token or a client secret to be checked."""
    if any(request.headers.get(name) for name in _CREDENTIAL_HEADERS):
        return True
    if request.method == "POST" and request.path.startswith("/oauth/"):
        try:
            form = request.form
        except HTTPException:
            return False  # a body refused whole (too large): answered as such elsewhere
        return any(form.get(field) for field in _CLIENT_SECRET_FIELDS)
    return False


class AddressLimits:
    """The per-address counters of one app, in the limits' storage (Redis)."""

    def __init__(self, settings: Settings) -> None:
        storage = storage_from_string(settings.ratelimit_storage_url or settings.redis_url)
        self._limiter = FixedWindowRateLimiter(storage)
        self._failures = parse(settings.quotas_invalid_credentials)
        self._routes: list[tuple[RouteClass, list[RateLimitItem]]] = [
            (route, _items(getattr(settings, route.setting))) for route in ROUTE_CLASSES
        ]

    def before(self) -> None:
        """Refuse (429) an address over a limit; raises :class:`TooManyRequests`."""
        address = request.remote_addr or "unknown"
        method, path = request.method, request.path
        # A token this worker checked already costs no lookup: no guessing to count.
        if (
            carries_credentials()
            and not presents_a_known_token()
            and not self._test(self._failures, "failures", address)
        ):
            raise _too_many(
                self._failures,
                "too many failed credentials from this address; check the token or secret",
            )
        for route, items in self._routes:
            if not route.matches(method, path):
                continue
            for item in items:
                if not self._hit(item, route.name, address):
                    raise _too_many(item, f"{route.name} limit of {item} per address reached")

    def after(self, response: Response) -> Response:
        """Count a refused credential against its address."""
        if carries_credentials() and _refused_credentials(response):
            self._hit(self._failures, "failures", request.remote_addr or "unknown")
        return response

    def _test(self, item: RateLimitItem, *keys: str) -> bool:
        try:
            return bool(self._limiter.test(item, *keys))
        except Exception:
            log.warning("rate-limit storage unavailable; letting the request through")
            return True

    def _hit(self, item: RateLimitItem, *keys: str) -> bool:
        try:
            return bool(self._limiter.hit(item, *keys))
        except Exception:
            log.warning("rate-limit storage unavailable; letting the request through")
            return True


def _refused_credentials(response: Response) -> bool:
    # A refused token (401, or the facade's 403 after protection marked it), or an
    # unknown client or wrong secret at the OAuth endpoints (RFC 6749 5.2: invalid_client,
    # 400 or 401).
    if response.status_code == 401 or g.get(CREDENTIALS_REFUSED, False):
        return True
    if response.status_code == 400 and request.path.startswith("/oauth/"):
        body = response.get_json(silent=True)
        return isinstance(body, dict) and body.get("error") == "invalid_client"
    return False


def _items(value: str) -> list[RateLimitItem]:
    return list(parse_many(value))


def _too_many(item: RateLimitItem, description: str) -> TooManyRequests:
    # A fixed window resets at most one window from now: say so, rounded up.
    window = item.get_expiry()
    retry_after = max(1, math.ceil(window - (time.time() % window)))
    return TooManyRequests(description=description, retry_after=retry_after)


def init_app(app: Flask, settings: Settings) -> None:
    """Count and refuse per address on ``app``; before the token check (so a flooding
    address is refused before its token is looked up)."""
    limits = AddressLimits(settings)
    app.before_request(limits.before)
    app.after_request(limits.after)
