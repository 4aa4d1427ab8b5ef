"""The rate limits' storage on the real Redis: one round trip per counted request.

The increment returns the count and the TTL; the headers of that request (``get``
and ``get_expiry`` for the same key, on the same thread) are answered from them, so
a value changed in Redis meanwhile is not read; every other read goes to Redis.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from civic.platform.ratelimit_storage import OneTripRedisStorage, storage_uri

pytestmark = pytest.mark.integration
URL = "redis://127.0.0.1:6379/13"


def test_the_increment_answers_the_window_stats_of_its_own_request() -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    storage = storage_from_string(storage_uri(URL), key_prefix=prefix)
    assert isinstance(storage, OneTripRedisStorage)
    raw = redis.Redis.from_url(URL)
    limiter = FixedWindowRateLimiter(storage)
    item = parse("5/minute")
    key = item.key_for("app:one")
    try:
        assert limiter.hit(item, "app:one") and limiter.hit(item, "app:one")
        raw.set(f"{prefix}:{key}", 4, keepttl=True)  # another worker counted meanwhile
        stats = limiter.get_window_stats(item, "app:one")
        assert stats.remaining == 3  # 5 - 2: this request's own count, no read
        assert 55 < stats.reset_time - time.time() <= 60
        # Read once: the next look goes to Redis, as does any other thread's.
        assert limiter.get_window_stats(item, "app:one").remaining == 1
        assert limiter.hit(item, "app:one")  # 5
        seen: list[int] = []
        other = threading.Thread(target=lambda: seen.append(storage.get(key)))
        other.start()
        other.join()
        assert seen == [5] and storage.get(key) == 5
        assert not limiter.hit(item, "app:one")  # 6 > 5: refused, as before
    finally:
        raw.delete(f"{prefix}:{key}")


def test_a_stale_count_is_never_reused() -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    storage = storage_from_string(storage_uri(URL), key_prefix=prefix)
    raw = redis.Redis.from_url(URL)
    try:
        assert storage.incr("k", 60) == 1
        raw.set(f"{prefix}:k", 7, keepttl=True)
        time.sleep(1.1)  # FRESH_SECONDS
        assert storage.get("k") == 7
        assert storage.get("other") == 0
    finally:
        raw.delete(f"{prefix}:k")


def test_other_storages_are_left_as_they_are() -> None:
    assert storage_uri("memory://") == "memory://"
    assert storage_uri("redis://h:1/0") == "civic+redis://h:1/0"


def test_every_window_of_a_plan_is_counted_in_one_call_up_to_the_first_breach() -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    storage = storage_from_string(storage_uri(URL), key_prefix=prefix)
    assert isinstance(storage, OneTripRedisStorage)
    raw = redis.Redis.from_url(URL)
    counters = [("minute", 60, 2), ("day", 86400, 100)]
    try:
        first = storage.hit_all(counters)
        assert [window.hits for window in first] == [1, 1]
        assert 58 < first[0].resets_at - time.time() <= 60
        assert 86398 < first[1].resets_at - time.time() <= 86400
        assert [window.hits for window in storage.hit_all(counters)] == [2, 2]
        refused = storage.hit_all(counters)  # 3 > 2: the day is not charged
        assert [window.hits for window in refused] == [3]
        assert raw.get(f"{prefix}:day") == b"2"
        raw.persist(f"{prefix}:day")  # a counter that lost its TTL gets one again
        raw.delete(f"{prefix}:minute")
        storage.hit_all(counters)
        ttl = raw.ttl(f"{prefix}:day")
        assert isinstance(ttl, int) and 0 < ttl <= 86400
    finally:
        raw.delete(f"{prefix}:minute", f"{prefix}:day")


def test_the_count_survives_a_lost_script_and_a_closed_connection() -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    storage = storage_from_string(storage_uri(URL), key_prefix=prefix)
    assert isinstance(storage, OneTripRedisStorage)
    raw = redis.Redis.from_url(URL)
    counters = [("minute", 60, 10)]
    try:
        assert storage.hit_all(counters)[0].hits == 1
        storage.lua_hit_all.sha = "0" * 40  # as after a Redis restart: NOSCRIPT
        assert storage.hit_all(counters)[0].hits == 2
        storage._counted.connection[1].disconnect()  # e.g. Redis closed it: reopened
        assert storage.hit_all(counters)[0].hits == 3
    finally:
        raw.delete(f"{prefix}:minute")
