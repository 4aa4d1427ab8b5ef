"""The real stack for integration tests.

One session fixture starts PostgreSQL-backed CKAN and the gateway with the same
script as `make run` (scripts/stack.py), on free ports, with databases and a
var/ folder of their own, so a developer's running stack is left alone. The
databases are recreated at the start so every run begins empty.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "scripts" / "stack.py"


@dataclass(frozen=True)
class RunningStack:
    gateway_url: str
    ckan_url: str
    ckan_api_token: str
    database_url: str
    ckan_database_url: str
    redis_url: str
    var_dir: Path
    env: dict[str, str]

    def run_script(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run scripts/stack.py ARGS against this stack (e.g. `down ckan` in a fault test)."""
        return subprocess.run(
            [sys.executable, str(STACK), *args],
            env=self.env, cwd=ROOT, capture_output=True, text=True, check=False,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(name: str) -> None:
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
            check=True, capture_output=True,
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var_dir = ROOT / "var" / f"test-stack-{os.getpid()}"
    env = {
        **os.environ,
        "CIVIC_VAR_DIR": str(var_dir),
        "CIVIC_GATEWAY_PORT": str(free_port()),
        "CIVIC_CKAN_PORT": str(free_port()),
        "CIVIC_DB_NAME": "civic_itest",
        "CIVIC_CKAN_DB_NAME": "civic_ckan_itest",
        "CIVIC_REDIS_DB": "2",
        "CIVIC_CKAN_REDIS_DB": "3",
        "CIVIC_ENV": "test",
        "CIVIC_GATEWAY_WORKERS": "2",
    }
    recreate_database(env["CIVIC_DB_NAME"])
    recreate_database(env["CIVIC_CKAN_DB_NAME"])
    started = subprocess.run(
        [sys.executable, str(STACK), "up"], env=env, cwd=ROOT,
        capture_output=True, text=True, check=False,
    )
    running = RunningStack(
        gateway_url=f"http://127.0.0.1:{env['CIVIC_GATEWAY_PORT']}",
        ckan_url=f"http://127.0.0.1:{env['CIVIC_CKAN_PORT']}",
        ckan_api_token=(var_dir / "secrets" / "ckan_api_token").read_text().strip()
        if started.returncode == 0 else "",
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:5432/{env['CIVIC_DB_NAME']}",
        ckan_database_url=f"postgresql://postgres@127.0.0.1:5432/{env['CIVIC_CKAN_DB_NAME']}",
        redis_url="redis://127.0.0.1:6379/2",
        var_dir=var_dir,
        env=env,
    )
    try:
        if started.returncode != 0:
            pytest.fail(f"the stack did not start:\n{started.stdout}\n{started.stderr}")
        yield running
    finally:
        running.run_script("down")
