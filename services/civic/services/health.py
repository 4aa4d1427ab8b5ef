"""Readiness: is each dependency of the gateway answering right now?

Each check is a *probe*, a callable that returns when the dependency answers and
raises otherwise. :func:`check_readiness` runs the probes concurrently under one
deadline, so a dependency that hangs costs at most ``timeout`` seconds and is
reported as failed instead of stalling the caller (a load balancer's probe).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from typing import Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from civic.connectors.ckan.interfaces import CkanClient

Probe = Callable[[], object]
CheckStatus = Literal["ok", "fail"]

# An error message is shown on /readyz; long driver messages are cut to stay readable.
_MAX_ERROR_LENGTH = 300
# user:password@ inside a URL that a driver may echo back in its message.
_URL_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]+@")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of one probe."""

    status: CheckStatus
    latency_ms: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Readiness:
    """Outcome of every probe; ``ok`` only when all of them are."""

    checks: Mapping[str, CheckResult]

    @property
    def ok(self) -> bool:
        """True when every probe succeeded (and when there is none)."""
        return all(result.status == "ok" for result in self.checks.values())


class SupportsPing(Protocol):
    """A Redis client, as far as readiness is concerned."""

    def ping(self) -> object: ...


def postgresql_probe(engine: Callable[[], Engine]) -> Probe:
    """A probe running ``SELECT 1``; ``engine`` is called lazily, inside the probe.

    The probe raises whatever the driver raises (``OperationalError`` when the server
    is down) and :class:`RuntimeError` if the answer is not 1.
    """

    def probe() -> None:
        with engine().connect() as connection:
            if connection.execute(sa.text("SELECT 1")).scalar_one() != 1:
                raise RuntimeError("SELECT 1 did not answer 1")

    return probe


def redis_probe(client: Callable[[], SupportsPing]) -> Probe:
    """A probe sending ``PING``; raises the client's connection or timeout error."""

    def probe() -> None:
        if client().ping() is False:
            raise RuntimeError("PING was not answered")

    return probe


def ckan_probe(client: Callable[[], CkanClient]) -> Probe:
    """A probe calling CKAN's ``status_show``; raises ``CkanUnavailable`` when CKAN is down."""

    def probe() -> None:
        client().status()

    return probe


def check_readiness(probes: Mapping[str, Probe], *, timeout: float) -> Readiness:
    """Run every probe concurrently and wait at most ``timeout`` seconds for all of them.

    A probe that raises is ``fail`` with the exception's type and first message line;
    one still running at the deadline is ``fail`` with a timeout message (its thread
    is left to finish on its own, bounded by the client's own timeouts). Never raises.
    """
    if not probes:
        return Readiness(checks={})
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="readiness")
    try:
        futures = {name: pool.submit(_timed, probe) for name, probe in probes.items()}
        wait_for(futures.values(), timeout=timeout)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    waited_ms = round((time.perf_counter() - started) * 1000, 1)
    checks: dict[str, CheckResult] = {}
    for name, future in futures.items():
        if not future.done():
            checks[name] = CheckResult("fail", waited_ms, f"no answer within {timeout:g} s")
            continue
        latency_ms, error = future.result()
        if error is None:
            checks[name] = CheckResult("ok", latency_ms)
        else:
            checks[name] = CheckResult("fail", latency_ms, describe_error(error))
    return Readiness(checks=checks)


def describe_error(error: BaseException) -> str:
    """A one-line, credential-free description of ``error`` for operators."""
    message = str(error).strip()
    # Driver messages continue with SQL, hints and connection details on later lines.
    first_line = message.splitlines()[0] if message else ""
    text = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
    return _URL_CREDENTIALS.sub(r"\1***@", text)[:_MAX_ERROR_LENGTH]


def _timed(probe: Probe) -> tuple[float, BaseException | None]:
    started = time.perf_counter()
    try:
        probe()
    except Exception as error:  # any failure at all means "not ready", and is reported
        return round((time.perf_counter() - started) * 1000, 1), error
    return round((time.perf_counter() - started) * 1000, 1), None
