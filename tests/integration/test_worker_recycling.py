"""Gunicorn workers replaced under load lose no request, and never two at once.

config/gunicorn.conf.py as the gateway runs it (preload_app, the retiring gthread
worker of civic/platform/serving.py), serving a bare Flask app with
``max_requests`` of 60, under ``wrk`` with keep-alive connections for 8 seconds:
every worker is replaced many times. wrk counts every request that fails on a
connection closed under it, so "no socket error, no non-2xx" is the claim. Each
worker logs when it starts retiring and when it is done; since the turn is a lock
held from before the first line until the process ends, no other worker's
"retiring" may come between them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.stack import ROOT, free_port

pytestmark = pytest.mark.integration

RETIRING = re.compile(r"Worker (\d+) retiring after (\d+) requests")
RETIRED = re.compile(r"Worker (\d+) retired \((\d+) requests\)")
BOOTED = re.compile(r"Booting worker with pid: (\d+)")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
WRK_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    for name in ("search", "show", "token"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"name": name, "padding": "x" * 500}))
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "CIVIC_BIND": f"127.0.0.1:{port}",
        "CIVIC_GATEWAY_WORKERS": "2",
        "CIVIC_GATEWAY_MAX_REQUESTS": "60",
        "CIVIC_LOG_LEVEL": "info",
        "CIVIC_BENCH_PEER_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "-c",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "tests.bench.peer_app:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def test_workers_replaced_under_keep_alive_load_lose_nothing_and_take_turns(
    gunicorn: tuple[str, Path],
) -> None:
    url, log = gunicorn
    wrk = shutil.which("wrk")
    assert wrk is not None, "wrk is missing: `make wrk` installs it"
    done = subprocess.run(
        [wrk, "-t2", "-c8", "-d8s", "--timeout", "5s", f"{url}/show"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    time.sleep(1)  # the last retirement's lines
    output, text = done.stdout, log.read_text()
    total = WRK_TOTAL.search(output)
    errors = WRK_ERRORS.search(output)
    assert total is not None, output
    assert errors is None, output  # wrk prints the line only when there were errors
    assert "Non-2xx" not in output, output
    events = [
        (kind, match.group(1))
        for line in text.splitlines()
        for kind, pattern in (("retiring", RETIRING), ("retired", RETIRED))
        if (match := pattern.search(line))
    ]
    retired = [pid for kind, pid in events if kind == "retired"]
    booted = BOOTED.findall(text)
    # 2 first workers, each replaced at least 3 times
    assert len(retired) >= 6 and len(booted) >= 8, (output, text[-3000:])
    assert "Autorestarting" not in text  # gthread's abrupt stop never ran
    retiring: str | None = None
    for kind, pid in events:
        if kind == "retiring":
            assert retiring is None, f"{pid} began retiring while {retiring} was:\n{text}"
            retiring = pid
        else:
            assert retiring == pid, text
            retiring = None
