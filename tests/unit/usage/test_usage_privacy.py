"""Client addresses: a keyed hash per period, the key shared through Redis, then forgotten."""

from __future__ import annotations

import redis

from civic.services.usage.privacy import DAY, IpHasher, LocalSaltStore, RedisSaltStore


class FakeSaltRedis:
    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.ttls: dict[str, int] = {}

    def set(self, key: str, value: bytes, nx: bool, ex: int) -> bool:
        if nx and key in self.values:
            return False
        self.values[key] = value
        self.ttls[key] = ex
        return True

    def get(self, key: str) -> bytes | None:
        return self.values.get(key)


def test_one_address_hashes_alike_within_a_day_and_differently_the_next() -> None:
    hasher = IpHasher(LocalSaltStore())
    noon = 20_000 * DAY + 12 * 3600
    assert hasher.hash("192.0.2.1", noon) == hasher.hash("192.0.2.1", noon + 3600)
    assert hasher.hash("192.0.2.1", noon) != hasher.hash("192.0.2.2", noon)
    assert hasher.hash("192.0.2.1", noon) != hasher.hash("192.0.2.1", noon + DAY)


def test_workers_share_the_day_salt_through_redis_and_it_expires() -> None:
    server = FakeSaltRedis()
    first = IpHasher(RedisSaltStore(server))  # type: ignore[arg-type]
    second = IpHasher(RedisSaltStore(server))  # type: ignore[arg-type]
    at = 20_000 * DAY + 100
    assert first.hash("2001:db8::1", at) == second.hash("2001:db8::1", at)
    (key,) = server.values
    assert key.endswith(":20000")
    assert server.ttls[key] == 2 * DAY


def test_redis_down_falls_back_to_a_salt_of_this_worker() -> None:
    class Down:
        def set(self, *args: object, **kwargs: object) -> bool:
            raise redis.ConnectionError("refused")

    hasher = IpHasher(RedisSaltStore(Down()))  # type: ignore[arg-type]
    assert len(hasher.hash("192.0.2.9", 1000.0)) == 32
