"""The real stack for integration tests.

One session fixture starts PostgreSQL-backed CKAN and the gateway with the same
script as `make run` (scripts/stack.py), on free ports, with databases and a
var/ folder of their own, so a developer's running stack is left alone. The
databases are recreated at the start so every run begins empty.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest
from tests.integration.stack import (
    ROOT,
    STACK,
    RunningStack,
    drop_database,
    free_port,
    recreate_database,
)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var_dir = ROOT / "var" / f"test-stack-{os.getpid()}"
    env = {
        **os.environ,
        "CIVIC_VAR_DIR": str(var_dir),
        "CIVIC_GATEWAY_PORT": str(free_port()),
        "CIVIC_CKAN_PORT": str(free_port()),
        # Per run, so two test sessions on one machine never share a database.
        "CIVIC_DB_NAME": f"civic_itest_{os.getpid()}",
        "CIVIC_CKAN_DB_NAME": f"civic_ckan_itest_{os.getpid()}",
        "CIVIC_REDIS_DB": "2",
        "CIVIC_CKAN_REDIS_DB": "3",
        "CIVIC_ENV": "test",
        "CIVIC_GATEWAY_WORKERS": "2",
    }
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
    running = RunningStack(
        gateway_url=f"http://127.0.0.1:{env['CIVIC_GATEWAY_PORT']}",
        ckan_url=f"http://127.0.0.1:{env['CIVIC_CKAN_PORT']}",
        ckan_api_token=(var_dir / "secrets" / "ckan_api_token").read_text().strip()
        if started.returncode == 0
        else "",
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
        drop_database(env["CIVIC_DB_NAME"])
        drop_database(env["CIVIC_CKAN_DB_NAME"])
        if not os.environ.get("CIVIC_KEEP_TEST_STACK"):  # set it to read the logs afterwards
            shutil.rmtree(var_dir, ignore_errors=True)
