"""The gateway's own part of a sequential publish, in one process, against a real stack.

    .venv/bin/python -m tests.bench.publish_profile --datasets 100 [--cprofile var/pub.prof]

Starts a stack of its own (scripts/stack.py, no outbox worker: the request delivers
its own message), builds the gateway in this process on the stack's PostgreSQL, Redis
and CKAN, and POSTs datasets one by one through Flask's test client (no HTTP server,
no gunicorn). For each publish it counts SQL statements and transactions (SQLAlchemy
events), the wall time, this thread's CPU time, and the time spent waiting for CKAN
(``RemoteCkan.call_action``); the gateway's own time is the wall time less CKAN's.
Prints medians; ``--cprofile`` writes a profile of the publishes (pstats format).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tests.integration.publishing.helpers import Catalog, body
from tests.integration.stack import ROOT, STACK, bring_up, drop_database, stack_env

from civic.connectors.ckan.remote import RemoteCkan
from civic.platform.app import create_app
from civic.services.bootstrap import Bootstrap, ConnectionSettings


class Meter:
    """Statements, transactions and CKAN time of the current publish."""

    def __init__(self) -> None:
        self.statements: Counter[str] = Counter()
        self.transactions = 0
        self.ckan_seconds = 0.0
        self.ckan_calls: list[str] = []
        self.thread = threading.get_ident()

    def reset(self) -> None:
        self.statements = Counter()
        self.transactions = 0
        self.ckan_seconds = 0.0
        self.ckan_calls = []


def start_stack() -> dict[str, str]:
    env = stack_env(
        "publish-profile",
        (7, 8),
        CIVIC_LOG_LEVEL="WARNING",
        CIVIC_START_WORKER="0",
        CIVIC_GATEWAY_WORKERS="1",
    )
    bring_up(env)
    return env


def stop_stack(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(STACK), "down"], env=env, cwd=ROOT, check=False)
    for name in (env["CIVIC_DB_NAME"], env["CIVIC_CKAN_DB_NAME"]):
        drop_database(name)
    shutil.rmtree(env["CIVIC_VAR_DIR"], ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--cprofile", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    env = start_stack()
    try:
        results = profile(env, args.datasets, args.cprofile)
    finally:
        stop_stack(env)
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)


def profile(env: dict[str, str], count: int, cprofile: Path | None) -> dict[str, Any]:
    for name in list(os.environ):
        if name.startswith("CIVIC_"):
            del os.environ[name]
    var_dir = Path(env["CIVIC_VAR_DIR"])
    token = (var_dir / "secrets" / "ckan_api_token").read_text().strip()
    database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{env['CIVIC_DB_NAME']}"
    ckan_url = f"http://127.0.0.1:{env['CIVIC_CKAN_PORT']}"
    redis_url = f"redis://127.0.0.1:6379/{env['CIVIC_REDIS_DB']}"
    bootstrap = Bootstrap(
        ConnectionSettings(
            database_url=database_url,
            redis_url=redis_url,
            ckan_url=ckan_url,
            ckan_api_token=token,
        )
    )
    app = create_app(
        {
            "env": "test",
            "database_url": database_url,
            "redis_url": redis_url,
            "ckan_url": ckan_url,
            "ckan_api_token": token,
            "publish_wait": 10.0,
        },
        bootstrap=bootstrap,
    )
    catalog = Catalog(bootstrap)
    organization = f"prof-{uuid.uuid4().hex[:6]}"
    catalog.organization(organization)
    person = catalog.person("publisher", (organization,))
    meter = Meter()

    @sa.event.listens_for(bootstrap.engine, "before_cursor_execute")
    def _statement(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if threading.get_ident() == meter.thread:
            meter.statements[" ".join(statement.split())[:90]] += 1

    @sa.event.listens_for(bootstrap.engine, "begin")
    def _begin(conn: Any) -> None:
        if threading.get_ident() == meter.thread:
            meter.transactions += 1

    original = RemoteCkan.call_action

    def timed(self: RemoteCkan, action: str, data: dict[str, Any], **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, action, data, **kwargs)
        finally:
            meter.ckan_seconds += time.perf_counter() - started
            meter.ckan_calls.append(action)

    RemoteCkan.call_action = timed  # type: ignore[method-assign]
    client = app.test_client()
    headers = person.headers

    def publish(n: int) -> int:
        data = body(name=f"prof-{n:05d}", organization=organization, tags=["eau"])
        return client.post("/api/v1/datasets", json=data, headers=headers).status_code

    for n in range(5):  # warm up: imports, pools, CKAN's caches, the org in CKAN
        publish(100_000 + n)
    walls, cpus, ckans, counts, transactions = [], [], [], [], []
    statements: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    profiler = cProfile.Profile() if cprofile else None
    for n in range(count):
        meter.reset()
        if profiler:
            profiler.enable()
        cpu, wall = time.thread_time(), time.perf_counter()
        status = publish(n)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        if profiler:
            profiler.disable()
        if status != 201:
            raise RuntimeError(f"publish {n} answered {status}")
        walls.append(wall * 1000)
        cpus.append(cpu * 1000)
        ckans.append(meter.ckan_seconds * 1000)
        counts.append(sum(meter.statements.values()))
        transactions.append(meter.transactions)
        statements.update(meter.statements)
        calls.update(meter.ckan_calls)
    if profiler and cprofile:
        cprofile.parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(cprofile))
    bootstrap.close()
    own = [w - c for w, c in zip(walls, ckans, strict=True)]
    return {
        "datasets": count,
        "load": Path("/proc/loadavg").read_text().split()[:3],
        "wall_ms_median": round(statistics.median(walls), 2),
        "ckan_ms_median": round(statistics.median(ckans), 2),
        "gateway_own_ms_median": round(statistics.median(own), 2),
        "gateway_cpu_ms_median": round(statistics.median(cpus), 2),
        "statements_per_publish": statistics.median(counts),
        "transactions_per_publish": statistics.median(transactions),
        "ckan_calls_per_publish": {k: v / count for k, v in calls.items()},
        "statements": {k: v / count for k, v in statements.most_common()},
    }


if __name__ == "__main__":
    main()
