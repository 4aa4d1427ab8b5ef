"""The rate limits' Redis storage, one round trip per limited request instead of three.

Flask-Limiter counts a request with the ``limits`` library's fixed window: a Lua
script increments the counter (one round trip), then, for the ``RateLimit-*``
headers, ``get_window_stats`` reads the counter and its TTL again (two more). Here
the script returns the count *and* the TTL, and the thread that counted keeps them
for the headers of the same request: ``get`` and ``get_expiry`` for that key, on that
thread, within the second, answer from what the increment returned (the values as of
this request's own count, which is what the headers are meant to say). Anything else
reads Redis as before.

The per-app quotas (:mod:`.quotas`) go further: :meth:`OneTripRedisStorage.hit_all`
counts every window of a plan (``600/minute;50000/day``) in one script and returns
each count with its TTL, so a limited API call is one round trip whatever its plan.

Registered with ``limits`` under the ``civic+redis`` scheme (see :func:`storage_uri`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from limits.storage import RedisStorage
from redis.connection import AbstractConnection
from redis.exceptions import NoScriptError

if TYPE_CHECKING:
    from civic.platform.settings import Settings

_INCR_TTL = b"""
local current = redis.call("incrby", KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""
# KEYS: the counters, shortest window first. ARGV[1]: the cost; then, per key, its
# window in seconds and its amount. Stops after the first window over its amount (as
# Flask-Limiter stops at the first breach: the longer windows are not charged for a
# refused call). A counter found without a TTL gets one: it could never reset.
_HIT_ALL = b"""
local cost = tonumber(ARGV[1])
local answer = {}
for i, key in ipairs(KEYS) do
    local current = redis.call("incrby", key, cost)
    local ttl = redis.call("ttl", key)
    if current == cost or ttl < 0 then
        redis.call("expire", key, ARGV[2 * i])
        ttl = tonumber(ARGV[2 * i])
    end
    answer[2 * i - 1] = current
    answer[2 * i] = ttl
    if current > tonumber(ARGV[2 * i + 1]) then
        break
    end
end
return answer
"""
FRESH_SECONDS = 1.0
_SCHEME = "civic+"


def storage_uri(uri: str) -> str:
    """``uri`` for this storage when it is a Redis one (other storages unchanged)."""
    return _SCHEME + uri if uri.startswith(("redis://", "rediss://")) else uri


def storage_options(settings: Settings) -> dict[str, Any]:
    """The Redis client's timeouts (``[redis] timeout``), as the rest of the gateway's:
    without them a Redis that stops answering, without refusing connections, would
    hold every API call until the system's TCP timeout, not let it through."""
    uri = settings.ratelimit_storage_url or settings.redis_url
    if not uri.startswith(("redis://", "rediss://")):
        return {}
    return {
        "socket_timeout": settings.redis_timeout,
        "socket_connect_timeout": settings.redis_timeout,
    }


class Window(NamedTuple):
    """A counter as one call left it: its count (``hits``) and when its window ends (Unix time)."""

    hits: int
    resets_at: float


class OneTripRedisStorage(RedisStorage):
    """``limits``' Redis storage whose increment also answers the window's stats."""

    STORAGE_SCHEME = ["civic+redis", "civic+rediss"]  # noqa: RUF012 - limits' registry reads it

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri.removeprefix(_SCHEME), **options)
        self._counted = threading.local()

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_ttl = self.get_connection().register_script(_INCR_TTL)
        self.lua_hit_all = self.get_connection().register_script(_HIT_ALL)

    def hit_all(self, counters: Sequence[tuple[str, int, int]], cost: int = 1) -> list[Window]:
        """Count ``cost`` on each ``(key, window seconds, amount)``, in order, in one round
        trip; stops after the first counter over its amount. Each counted one's
        :class:`Window` (so one to all of ``counters``)."""
        answer = self._hit_all_call(
            [self.prefixed_key(key) for key, _, _ in counters],
            [cost, *(value for _, window, amount in counters for value in (window, amount))],
        )
        now = time.time()
        return [
            Window(int(answer[i]), now + max(int(answer[i + 1]), 0))
            for i in range(0, len(answer), 2)
        ]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        self._counted.entry = None  # a failed increment leaves nothing to reuse
        count, ttl = self.lua_incr_ttl([self.prefixed_key(key)], [expiry, amount])
        count = int(count)
        expires = max(int(ttl), 0) + time.time()
        self._counted.entry = (key, count, expires, time.monotonic())
        return count

    def _hit_all_call(self, keys: list[str], args: list[int]) -> list[Any]:
        # Every limited API call comes here: on a connection this thread keeps (made in
        # this process), without the client's pool, retry and script wrappers, which
        # cost more than the call's own I/O. A connection that failed is closed (the
        # next call opens one); the caller lets the request through on any error.
        # redis-py's connections are untyped: Any, checked once made.
        held: tuple[int, Any] | None = getattr(self._counted, "connection", None)
        if held is None or held[0] != os.getpid():
            pool: Any = getattr(self.get_connection(), "connection_pool")  # noqa: B009
            made = pool.connection_class(**pool.connection_kwargs)
            if not isinstance(made, AbstractConnection):
                raise TypeError(f"not a Redis connection: {made!r}")
            held = (os.getpid(), made)
            self._counted.connection = held
        connection = held[1]
        try:
            try:
                connection.send_command("EVALSHA", self.lua_hit_all.sha, len(keys), *keys, *args)
                answer = connection.read_response()
            except NoScriptError:
                # Redis restarted or its scripts were flushed: send the script itself.
                connection.send_command("EVAL", _HIT_ALL, len(keys), *keys, *args)
                answer = connection.read_response()
        except Exception:
            connection.disconnect()
            raise
        if not isinstance(answer, list):
            raise TypeError(f"unexpected answer to the limits script: {answer!r}")
        return answer

    def get(self, key: str) -> int:
        entry = self._fresh(key)
        return int(entry[1]) if entry is not None else int(super().get(key))

    def get_expiry(self, key: str) -> float:
        entry = self._fresh(key)
        if entry is None:
            return float(super().get_expiry(key))
        self._counted.entry = None  # the headers have read both: next time, Redis
        return float(entry[2])

    def _fresh(self, key: str) -> tuple[str, int, float, float] | None:
        entry: tuple[str, int, float, float] | None = getattr(self._counted, "entry", None)
        if entry is None or entry[0] != key or time.monotonic() - entry[3] > FRESH_SECONDS:
            return None
        return entry
