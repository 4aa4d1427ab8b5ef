"""The facade show benchmark's bearer token and failure report (tests/bench/ckan_facade_bench.py).

The full ``make bench`` of 2026-12-03 lost its fifth ckan_show_vs_v1_show pair to 1,311
non-2xx answers: the one access token of the run, issued after seeding, reached its
900 s life during that pair, and every later answer was a 401.
"""

from __future__ import annotations

import pytest
from tests.bench.ckan_facade_bench import Bearer, failures, lua_statuses

LIFE = 900  # config/*.toml's oauth access_token_ttl


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def issuer(lifetime: int = LIFE) -> tuple[list[str], Bearer, Clock]:
    issued: list[str] = []
    clock = Clock()

    def issue() -> tuple[str, int]:
        issued.append(f"token-{len(issued) + 1}")
        return issued[-1], lifetime

    return issued, Bearer(issue, clock), clock


def test_no_run_outlives_its_token() -> None:
    # The full run's schedule: the show runs of 15 s go on well past one token's life.
    issued, bearer, clock = issuer()
    expires: dict[str, float] = {}
    for start in range(0, 3 * LIFE, 15):
        clock.now = float(start)
        token = bearer.headers(15)["Authorization"].removeprefix("Bearer ")
        if token not in expires:
            expires[token] = clock.now + LIFE
        assert start + 15 < expires[token], f"the run at {start}s outlives {token}"
    assert len(issued) == 4  # renewed, not one token per run


def test_a_token_is_reused_while_it_lasts() -> None:
    issued, bearer, clock = issuer()
    first = bearer.headers(15)
    clock.now = LIFE - 15 - bearer.margin - 1
    assert bearer.headers(15) == first
    clock.now += 1
    assert bearer.headers(15) != first
    assert issued == ["token-1", "token-2"]


def test_a_token_shorter_than_a_run_is_refused() -> None:
    _, bearer, _ = issuer(lifetime=20)
    with pytest.raises(RuntimeError, match="20s: too short for a 15s run"):
        bearer.headers(15)


WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:40000/
  2 threads and 8 connections
  4353 requests in 15.02s, 4.31MB read
  Non-2xx or 3xx responses: 1311
Requests/sec:    289.81
failed statuses 401=650,429=2 first 10:12:41 sample Bearer realm="civic", error="invalid_token"
failed statuses 401=659 first 10:12:40 sample Bearer realm="civic", error_description="expired" {}
"""


def test_failures_sum_the_threads_and_keep_the_first() -> None:
    assert failures(WRK_OUTPUT) == (
        "1,311 of 4,353 answers failed (401 x1,309, 429 x2), the first at 10:12:40 UTC:"
        ' Bearer realm="civic", error_description="expired" {}'
    )


def test_a_clean_run_reports_no_failure() -> None:
    assert failures(WRK_OUTPUT.split("failed statuses", maxsplit=1)[0]) == ""


def test_the_script_counts_failed_statuses_and_sends_the_headers() -> None:
    script = lua_statuses(["/a", "/b"], {"Authorization": "Bearer t"})
    assert 'local paths = {"/a", "/b"}' in script
    assert 'wrk.headers["Authorization"] = "Bearer t"' in script
    assert "if status <= 399 then return end" in script  # wrk's own non-2xx or 3xx
    assert '"failed statuses %s first %s sample %s\\n"' in script
