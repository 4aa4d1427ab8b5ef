"""A stack started by scripts/stack.py for integration tests, and how to reach it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_env(name: str, redis_dbs: tuple[int, int], **extra: str) -> dict[str, str]:
    """The environment of a stack of its own for ``scripts/stack.py``: free ports, var/ folder
    and databases named after ``name`` and this process, Redis databases ``redis_dbs``
    (gateway, CKAN), test settings; ``extra`` adds or overrides variables."""
    pid = os.getpid()
    return {
        **os.environ,
        "CIVIC_VAR_DIR": str(ROOT / "var" / f"{name}-{pid}"),
        "CIVIC_GATEWAY_PORT": str(free_port()),
        "CIVIC_CKAN_PORT": str(free_port()),
        # The stack's own SMTP sink; its mails are files under CIVIC_VAR_DIR/mail.
        "CIVIC_MAIL_PORT": str(free_port()),
        # Per run, so two sessions on one machine never share a database.
        "CIVIC_DB_NAME": f"civic_{name.replace('-', '_')}_{pid}",
        "CIVIC_CKAN_DB_NAME": f"civic_ckan_{name.replace('-', '_')}_{pid}",
        "CIVIC_REDIS_DB": str(redis_dbs[0]),
        "CIVIC_CKAN_REDIS_DB": str(redis_dbs[1]),
        "CIVIC_ENV": "test",
        "CIVIC_GATEWAY_WORKERS": "2",
        **extra,
    }


def drop_database(name: str) -> None:
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        ],
        check=True,
        capture_output=True,
    )


def recreate_database(name: str) -> None:
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
            check=True,
            capture_output=True,
        )


def bring_up(env: dict[str, str]) -> None:
    """Fresh databases for ``env``'s stack, then ``scripts/stack.py up`` (benchmarks'
    scripts; raises SystemExit with the script's output when it fails)."""
    recreate_database(env["CIVIC_DB_NAME"])
    recreate_database(env["CIVIC_CKAN_DB_NAME"])
    started = subprocess.run(
        [sys.executable, str(STACK), "up"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        raise SystemExit(f"stack did not start:\n{started.stdout}\n{started.stderr}")
