"""The per-app quotas (:mod:`civic.platform.quotas`) without Redis: every window of a
limit string counted, Flask-Limiter's keys and headers, the first breach only charged."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from limits.storage import MemoryStorage

from civic.platform.app import create_app
from civic.platform.quotas import AppQuotas, parsed
from civic.platform.settings import load_settings
from civic.services.bootstrap import Bootstrap

MINUTE_KEY = "LIMITER/civic/addr:127.0.0.1/global/3/1/minute"
HOUR_KEY = "LIMITER/civic/addr:127.0.0.1/global/4/1/hour"


def _client(bootstrap: Bootstrap, **config: Any) -> tuple[FlaskClient, AppQuotas]:
    app = create_app(
        {"env": "test", "ratelimit_storage_url": "memory://", **config}, bootstrap=bootstrap
    )
    quotas = app.extensions["civic.quotas"]
    assert isinstance(quotas, AppQuotas)
    return app.test_client(), quotas


def test_every_window_is_counted_and_the_shortest_one_is_in_the_headers(
    bootstrap: Bootstrap,
) -> None:
    client, quotas = _client(bootstrap, quotas_anonymous="4/hour;3/minute")
    answers = [client.get("/api/v1/") for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[1].headers["RateLimit-Limit"] == "3"  # the minute, written second
    assert answers[1].headers["RateLimit-Remaining"] == "1"
    assert 0 <= int(answers[1].headers["RateLimit-Reset"]) <= 60
    assert "Retry-After" not in answers[1].headers
    # Flask-Limiter's keys, so counters survive the change and tools find them.
    assert quotas.storage.get(MINUTE_KEY) == 2
    assert quotas.storage.get(HOUR_KEY) == 2


def test_the_breached_window_answers_and_the_longer_ones_are_not_charged(
    bootstrap: Bootstrap,
) -> None:
    client, quotas = _client(bootstrap, quotas_anonymous="3/minute;4/hour")
    statuses = [client.get("/api/v1/").status_code for _ in range(3)]
    refused = client.get("/api/v1/")
    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["detail"] == "Rate limit reached: 3 per 1 minute."
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert quotas.storage.get(MINUTE_KEY) == 4
    assert quotas.storage.get(HOUR_KEY) == 3  # the refused call stopped at the minute


def test_the_hour_refuses_when_the_minute_still_has_room(bootstrap: Bootstrap) -> None:
    client, _ = _client(bootstrap, quotas_anonymous="5/minute;2/hour")
    answers = [client.get("/api/v1/") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[1].headers["RateLimit-Limit"] == "5"  # the shortest, while none is over
    assert answers[2].headers["RateLimit-Limit"] == "2"  # the one over its amount
    assert answers[2].headers["RateLimit-Remaining"] == "0"
    assert 60 < int(answers[2].headers["Retry-After"]) <= 3600


def test_pages_and_unrouted_paths_are_not_counted(bootstrap: Bootstrap) -> None:
    client, quotas = _client(bootstrap, quotas_anonymous="1/minute")
    assert client.get("/healthz").status_code == 200
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and "RateLimit-Limit" not in missing.headers
    assert quotas.storage.get("LIMITER/civic/addr:127.0.0.1/global/1/1/minute") == 0


def test_plans_are_parsed_once_and_a_removed_plan_falls_back_to_the_default() -> None:
    settings = load_settings(
        {
            "env": "test",
            "ratelimit_storage_url": "memory://",
            "quotas_plans": {"standard": "600/minute;50000/day", "partner": "6000/minute"},
            "quotas_ckan_factor": 20,
        }
    )
    quotas = AppQuotas(settings)
    standard = quotas.limits(None, facade=False)
    assert quotas.limits("standard", facade=False) is standard  # the same parsed objects
    assert [limit.amount for limit in standard] == [600, 50000]
    assert [limit.amount for limit in quotas.limits("partner", facade=True)] == [120000]
    assert quotas.limits("gone", facade=False) is standard
    assert standard[1].key("app:c1") == standard[1].item.key_for("civic", "app:c1", "global")


def test_a_failing_storage_lets_the_call_through_without_headers(bootstrap: Bootstrap) -> None:
    class Failing(MemoryStorage):
        def incr(self, key: str, expiry: float, amount: int = 1) -> int:
            raise ConnectionError("no Redis")

    app = create_app({"env": "test", "ratelimit_storage_url": "memory://"}, bootstrap=bootstrap)
    quotas = app.extensions["civic.quotas"]
    quotas.storage = Failing()
    answer = app.test_client().get("/api/v1/")
    assert answer.status_code == 200
    assert "RateLimit-Limit" not in answer.headers


def test_an_invalid_limit_string_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="couldn't parse"):
        parsed("600 a minute")


def test_the_redis_counters_have_the_gateways_redis_timeouts() -> None:
    """A Redis that stops answering must not hold API calls until TCP gives up."""
    settings = load_settings(
        {"env": "test", "redis_url": "redis://127.0.0.1:6379/0", "redis_timeout": 0.3}
    )
    quotas = AppQuotas(settings)
    kwargs = quotas.storage.get_connection().connection_pool.connection_kwargs  # type: ignore[attr-defined]
    assert kwargs["socket_timeout"] == 0.3
    assert kwargs["socket_connect_timeout"] == 0.3
