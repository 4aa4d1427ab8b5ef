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

These application-wide limits are counted here (:class:`AppQuotas`), not by
Flask-Limiter: every limit string is parsed once, at start-up, with its keys' shape,
and all windows of a plan are counted in one Redis round trip that also returns
what the headers say (:meth:`.ratelimit_storage.OneTripRedisStorage.hit_all`).
Flask-Limiter was a fifth of an API call's CPU (it parsed the plan's string, built
its keys and walked its limit registry on every call, and a two-window plan cost two
round trips). It still limits the web forms (login, account mails) through
:func:`current_limiter`; it leaves the API and the facade alone. The counters' keys are
the ones Flask-Limiter used (``LIMITS:LIMITER/civic/<app:client_id|addr:ip>/global/...``).
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import HeaderNames, Limiter
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests

from civic.platform.api import API_PREFIX
from civic.platform.ckan_action import is_action_path
from civic.platform.oauth.protection import current_principal
from civic.platform.ratelimit_storage import (
    OneTripRedisStorage,
    Window,
    storage_options,
    storage_uri,
)
from civic.platform.settings import Settings

_EXTENSION = "civic.limiter"
_QUOTAS = "civic.quotas"
_COUNTED = "civic_quota"
RESET_HEADER = "RateLimit-Reset"
LIMIT_HEADER = "RateLimit-Limit"
REMAINING_HEADER = "RateLimit-Remaining"
# Flask-Limiter's key: LIMITER/<key_prefix>/<who>/<scope>/<amount>/<multiples>/<unit>;
# application limits are shared, in its "global" scope.
_KEY_PREFIX = "civic"
_SCOPE = "global"
log = logging.getLogger("civic.quotas")


@dataclass(frozen=True, slots=True)
class Limit:
    """One window of a limit string, parsed once, with its counter key's fixed parts."""

    item: RateLimitItem
    window: int  # seconds
    amount: int
    key_head: str
    key_tail: str

    @classmethod
    def of(cls, item: RateLimitItem) -> Limit:
        head, _, tail = item.key_for(_KEY_PREFIX, "\0", _SCOPE).partition("\0")
        return cls(item, int(item.get_expiry()), int(item.amount), head, tail)

    def key(self, who: str) -> str:
        """The counter's key for ``who`` (what ``item.key_for`` builds, without its cost)."""
        return self.key_head + who + self.key_tail


def parsed(limit: str) -> tuple[Limit, ...]:
    """The windows of ``limit`` (``"600/minute;50000/day"``), shortest first (the order in
    which Flask-Limiter counted them). Raises ValueError for an invalid string."""
    return tuple(Limit.of(item) for item in sorted(parse_many(limit)))


class AppQuotas:
    """The per-app (per-address without a token) limits of ``/api/v1`` and the facade."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        found = storage or storage_from_string(
            storage_uri(settings.ratelimit_storage_url or settings.redis_url),
            **storage_options(settings),
        )
        if not isinstance(found, Storage):
            raise TypeError(f"not a synchronous limits storage: {found!r}")
        self.storage: Storage = found
        factor = settings.quotas_ckan_factor
        # Every plan's windows, for /api/v1 and for the facade, parsed here once.
        self._plans: dict[str, tuple[tuple[Limit, ...], tuple[Limit, ...]]] = {
            plan: (parsed(limit), parsed(scaled_limit(limit, factor)))
            for plan, limit in settings.quotas_plans.items()
        }
        self._default_plan = settings.quotas_default_plan
        self._anonymous = parsed(settings.quotas_anonymous)
        self._ckan_anonymous = parsed(settings.quotas_ckan_anonymous)

    def limits(self, plan: str | None, *, facade: bool) -> tuple[Limit, ...]:
        """The windows of an app on ``plan`` (None: the default plan)."""
        # A plan no longer configured falls back to the default (as limit_for says).
        found = self._plans.get(plan or self._default_plan) or self._plans[self._default_plan]
        return found[1] if facade else found[0]

    def before(self) -> None:
        """Count the call; raises :class:`TooManyRequests` when a window is over."""
        path = request.path
        facade = is_action_path(path)
        # Flask-Limiter left unrouted requests (404, 405) uncounted; so do we.
        if not (facade or path.startswith(API_PREFIX)) or request.url_rule is None:
            return
        principal = current_principal()
        if principal is None:
            who = f"addr:{request.remote_addr or 'unknown'}"
            limits = self._ckan_anonymous if facade else self._anonymous
        else:
            who = f"app:{principal.client_id}"
            limits = self.limits(principal.plan, facade=facade)
        try:
            windows = self.hit(limits, who)
        except Exception:
            log.warning("rate-limit storage unavailable; letting the request through")
            return
        # The header's window: the one over its amount, else the shortest.
        limit, window = limits[len(windows) - 1], windows[-1]
        breached = window.hits > limit.amount
        if not breached:
            limit, window = limits[0], windows[0]
        g.setdefault(_COUNTED, (limit, window))
        if breached:
            log.info("ratelimit %s (%s) exceeded at %s", limit.item, who, path)
            raise TooManyRequests(
                description=str(limit.item), retry_after=max(1, _seconds_until(window))
            )

    def hit(self, limits: Sequence[Limit], who: str, cost: int = 1) -> list[Window]:
        """Count ``cost`` in each window of ``limits`` for ``who``, shortest first, up to the
        first one over its amount: one Redis round trip. Each counted window's state."""
        keys = [(limit.key(who), limit.window, limit.amount) for limit in limits]
        if isinstance(self.storage, OneTripRedisStorage):
            return self.storage.hit_all(keys, cost)
        windows: list[Window] = []  # another storage (memory:// in tests): two calls each
        for key, seconds, amount in keys:
            count = self.storage.incr(key, seconds, amount=cost)
            windows.append(Window(count, self.storage.get_expiry(key)))
            if count > amount:
                break
        return windows

    def after(self, response: Response) -> Response:
        """The ``RateLimit-*`` headers of a counted call (``Retry-After`` on its 429)."""
        counted: tuple[Limit, Window] | None = g.get(_COUNTED)
        if counted is None:
            return response
        limit, window = counted
        headers = response.headers
        headers[LIMIT_HEADER] = str(limit.amount)
        headers[REMAINING_HEADER] = str(max(0, limit.amount - window.hits))
        headers[RESET_HEADER] = str(_seconds_until(window))
        return response


def _seconds_until(window: Window) -> int:
    # As Flask-Limiter said it (its reset time is the expiry's second plus one), in
    # seconds from now as the RateLimit draft counts them.
    return max(0, int(int(window.resets_at + 1) - time.time()))


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Install the per-app limits on ``app`` (after :mod:`.oauth.protection`, which they
    rely on), and Flask-Limiter for the web forms' own limits; the latter returned."""
    quotas = app.extensions[_QUOTAS] = AppQuotas(settings)
    app.before_request(quotas.before)
    # Flask runs after-request hooks in reverse: this one runs last, after the delta
    # conversion of Flask-Limiter's headers (which are not this one's).
    app.after_request(quotas.after)
    app.after_request(_reset_as_delta)
    hooks = _hook_counts(app)
    limiter = Limiter(
        lambda: f"addr:{request.remote_addr or 'unknown'}",
        app=app,
        # One Redis round trip per request for the count and the headers (issue 19).
        storage_uri=storage_uri(settings.ratelimit_storage_url or settings.redis_url),
        storage_options=storage_options(settings),
        strategy="fixed-window",
        headers_enabled=True,
        header_name_mapping={
            HeaderNames.LIMIT: LIMIT_HEADER,
            HeaderNames.REMAINING: REMAINING_HEADER,
            HeaderNames.RESET: RESET_HEADER,
            HeaderNames.RETRY_AFTER: "Retry-After",
        },
        swallow_errors=True,
        key_prefix=_KEY_PREFIX,
    )
    # The API and the facade are AppQuotas' alone: Flask-Limiter's hooks are not even
    # called there (its own exemption walk cost a tenth of an API call), and its request
    # filter says the same should a hook run anyway.
    _skip_on_counted_paths(app, hooks)
    limiter.request_filter(_counted_by_app_quotas)
    app.extensions[_EXTENSION] = limiter
    return limiter


_HookLists = tuple[list[Callable[..., Any]], list[Callable[..., Any]], list[Callable[..., Any]]]


def _hook_lists(app: Flask) -> _HookLists:
    return (
        app.before_request_funcs.setdefault(None, []),
        app.after_request_funcs.setdefault(None, []),
        app.teardown_request_funcs.setdefault(None, []),
    )


def _hook_counts(app: Flask) -> tuple[int, ...]:
    return tuple(len(hooks) for hooks in _hook_lists(app))


def _skip_on_counted_paths(app: Flask, counts: tuple[int, ...]) -> None:
    """Wrap the app-wide hooks added since ``counts`` (Flask-Limiter's) so that they do
    nothing on the API and the facade."""
    for hooks, count in zip(_hook_lists(app), counts, strict=True):
        hooks[count:] = [_off_counted_paths(hook) for hook in hooks[count:]]


def _off_counted_paths(hook: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(hook)
    def skipping(*args: Any) -> Any:
        if _counted_by_app_quotas():
            # An after-request hook hands the response on; the others return nothing.
            return args[0] if args and isinstance(args[0], Response) else None
        return hook(*args)

    return skipping


def _counted_by_app_quotas() -> bool:
    path = request.path
    return path.startswith(API_PREFIX) or is_action_path(path)


def scaled_limit(limit: str, factor: int) -> str:
    """``limit`` (``"600/minute;50000/day"``) with every amount multiplied by ``factor``."""
    return _AMOUNT.sub(lambda found: str(int(found.group(1)) * factor), limit)


_AMOUNT = re.compile(r"(\d+)(?=\s*(?:/|per\b))")


def current_limiter(app: Flask) -> Limiter:
    """The limiter of ``app`` (for per-route limits such as the login form's)."""
    limiter: Limiter = app.extensions[_EXTENSION]
    return limiter


def _reset_as_delta(response: Response) -> Response:
    # Flask-Limiter (the web forms' limits) writes the reset time as a Unix timestamp;
    # the RateLimit draft (and Retry-After) count seconds from now.
    value = response.headers.get(RESET_HEADER)
    if value is not None and value.isdigit():
        response.headers[RESET_HEADER] = str(max(0, int(int(value) - time.time())))
        # Flask-Limiter sets Retry-After on every limited response; it only means
        # something on a refusal.
        if response.status_code != 429:
            response.headers.pop("Retry-After", None)
    return response
