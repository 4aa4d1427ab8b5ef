"""Client addresses are never stored: only a keyed hash whose key changes every day.

The key ("salt") of a period is 32 random bytes kept in Redis, shared by every
gateway worker and replica so that one address hashes alike across them during the
period (distinct visitors per day can be counted), and set to expire soon after
the period ends: once it is gone, nobody (operators included) can tell which
address a stored hash came from, nor link one day's hashes to another's. If Redis
cannot be reached, a worker uses a salt of its own for the period (hashes are then
not comparable across workers, which only blurs visitor counts).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
from typing import Protocol

import redis

log = logging.getLogger("civic.usage")
DAY = 86_400
KEY_PREFIX = "civic:usage:ip-salt:"


class SaltStore(Protocol):
    """Gives the salt of a period (the same bytes to every caller during the period)."""

    def salt_for(self, period: int, ttl: int) -> bytes:
        """The salt of ``period``, created if needed, kept at least ``ttl`` seconds."""
        ...


class LocalSaltStore:
    """Random salts held by this process only (tests, and the fallback when Redis fails)."""

    def __init__(self) -> None:
        self._salts: dict[int, bytes] = {}

    def salt_for(self, period: int, ttl: int) -> bytes:
        salt = self._salts.get(period)
        if salt is None:
            self._salts = {p: s for p, s in self._salts.items() if p >= period - 1}
            salt = self._salts[period] = os.urandom(32)
        return salt


class RedisSaltStore:
    """Salts shared through Redis: the first worker to need one creates it (SET NX)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def salt_for(self, period: int, ttl: int) -> bytes:
        key = f"{KEY_PREFIX}{period}"
        self._client.set(key, os.urandom(32), nx=True, ex=ttl)
        value = self._client.get(key)
        if not isinstance(value, bytes) or len(value) != 32:
            raise redis.RedisError(f"no salt under {key}")
        return value


class IpHasher:
    """Hashes addresses with the salt of their period (``rotation`` seconds, a day by default)."""

    def __init__(self, store: SaltStore, *, rotation: int = DAY) -> None:
        self._store = store
        self._rotation = rotation
        self._fallback = LocalSaltStore()
        self._cache: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def hash(self, address: str, at: float) -> str:
        """A 128-bit hex digest of ``address`` under the salt of the period holding ``at``."""
        salt = self._salt(int(at // self._rotation))
        return hmac.new(salt, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def _salt(self, period: int) -> bytes:
        salt = self._cache.get(period)
        if salt is not None:
            return salt
        with self._lock:
            # The salt expires one period after its own ends: events recorded late
            # near midnight still find it; then it is gone for good.
            ttl = 2 * self._rotation
            try:
                salt = self._store.salt_for(period, ttl)
            except Exception as error:  # any failure of the store: never lose the event
                log.warning("IP salt from Redis unavailable (%s): using this worker's own", error)
                salt = self._fallback.salt_for(period, ttl)
            self._cache = {p: s for p, s in self._cache.items() if p >= period - 1}
            self._cache[period] = salt
            return salt
