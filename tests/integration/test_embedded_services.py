"""`make run` on a machine where no PostgreSQL and no Redis answer: it starts its own.

scripts/stack.py is pointed at a PostgreSQL port and a Redis port where nothing
listens. `up` must say so, start a private cluster under the stack's var/postgres
and a private redis-server on those addresses, and bring up a platform that answers
(readiness green, a dataset written through the API and read back, CKAN's database
on the private cluster). A second `up` changes nothing; `down` stops both.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from tests.integration.stack import ROOT, STACK, free_port, stack_env

pytestmark = pytest.mark.integration


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_up_starts_private_postgres_and_redis_when_none_answers() -> None:
    pg_port, redis_port = free_port(), free_port()
    env = stack_env(
        "embedded",
        (0, 1),
        CIVIC_PG_PORT=str(pg_port),
        CIVIC_REDIS_BASE=f"redis://127.0.0.1:{redis_port}",
        CIVIC_START_WORKER="0",
    )
    var_dir = Path(env["CIVIC_VAR_DIR"])
    assert not answers(pg_port) and not answers(redis_port)

    def script(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(STACK), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    try:
        started = script("up")
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"no PostgreSQL answers at 127.0.0.1:{pg_port}" in started.stdout
        assert f"no Redis answers at 127.0.0.1:{redis_port}" in started.stdout
        assert (var_dir / "postgres" / "data" / "PG_VERSION").exists()
        gateway = f"http://127.0.0.1:{env['CIVIC_GATEWAY_PORT']}"
        ready = requests.get(f"{gateway}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert requests.get(f"{gateway}/api/v1/datasets", timeout=30).status_code == 200
        databases = subprocess.run(
            [
                *("psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "-tAc"),
                "SELECT datname FROM pg_database ORDER BY datname",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert env["CIVIC_DB_NAME"] in databases and env["CIVIC_CKAN_DB_NAME"] in databases
        ckan = requests.get(
            f"http://127.0.0.1:{env['CIVIC_CKAN_PORT']}/api/3/action/status_show", timeout=30
        )
        assert ckan.status_code == 200

        again = script("up")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "no PostgreSQL answers" not in again.stdout
        assert "no Redis answers" not in again.stdout

        stopped = script("down")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        deadline = time.monotonic() + 20
        while (answers(pg_port) or answers(redis_port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not answers(pg_port) and not answers(redis_port), stopped.stdout
    finally:
        script("down")
        shutil.rmtree(var_dir, ignore_errors=True)
