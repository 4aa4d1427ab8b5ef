"""The rate limits' Redis storage, one round trip per limited request instead of three.

Flask-Limiter counts a request with the ``limits`` library's fixed window: a Lua
script increments the counter (one round trip), then, for the ``RateLimit-*``
headers, ``get_window_stats`` reads the counter and its TTL again (two more). Here
the script returns the count *and* the TTL, and the thread that counted keeps them
for the headers of the same request: ``get`` and ``get_expiry`` for that key, on that
thread, within the second, answer from what the increment returned (the values as of
this request's own count, which is what the headers are meant to say). Anything else
reads Redis as before.

Registered with ``limits`` under the ``civic+redis`` scheme (see :func:`storage_uri`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import RedisStorage

_INCR_TTL = b"""
local current = redis.call("incrby", KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""
FRESH_SECONDS = 1.0
_SCHEME = "civic+"


def storage_uri(uri: str) -> str:
    """``uri`` for this storage when it is a Redis one (other storages unchanged)."""
    return _SCHEME + uri if uri.startswith(("redis://", "rediss://")) else uri


class OneTripRedisStorage(RedisStorage):
    """``limits``' Redis storage whose increment also answers the window's stats."""

    STORAGE_SCHEME = ["civic+redis", "civic+rediss"]  # noqa: RUF012 - limits' registry reads it

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri.removeprefix(_SCHEME), **options)
        self._counted = threading.local()

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_ttl = self.get_connection().register_script(_INCR_TTL)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        self._counted.entry = None  # a failed increment leaves nothing to reuse
        count, ttl = self.lua_incr_ttl([self.prefixed_key(key)], [expiry, amount])
        count = int(count)
        expires = max(int(ttl), 0) + time.time()
        self._counted.entry = (key, count, expires, time.monotonic())
        return count

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
