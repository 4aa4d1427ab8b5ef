"""Fixtures shared by the whole suite.

Unit level: the gateway built with fakes (``app``, ``client``, ``runner``). The app
reads ``config/test.toml`` and no ``CIVIC_*`` variable of the developer's shell; its
bootstrap holds fakes, so no test using them reaches a network service: PostgreSQL
is an in-memory SQLite engine, Redis a :class:`~tests.unit.fakes.FakeRedis`, CKAN
the CKAN port's :class:`~tests.fakes.ckan.FakeCkan`.

The real stack: ``stack`` starts PostgreSQL-backed CKAN and the gateway with the
same script as `make run` (scripts/stack.py), on free ports, with databases and a
var/ folder of their own, so a developer's running stack is left alone. It is
session-wide: the integration and resilience suites share one stack per run.
``harvester_site`` adds a second CKAN (ckanext-harvest, ckanext-dcat) beside it, started
only when a test asks for it, once per run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from tests.fakes.ckan import FakeCkan
from tests.integration.harvester import HarvesterSite
from tests.integration.stack import (
    ROOT,
    STACK,
    RunningStack,
    drop_database,
    free_port,
    recreate_database,
    stack_env,
)
from tests.unit.fakes import FakeRedis

from civic.platform.app import create_app
from civic.platform.docs import DocumentedApp
from civic.services.bootstrap import Bootstrap, ConnectionSettings


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from config/test.toml only, whatever the developer's shell exports.

    Autouse for unit tests (tests/unit/conftest.py), not for integration tests, which
    read the stack's variables.
    """
    for name in list(os.environ):
        if name.startswith("CIVIC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CIVIC_ENV", "test")


@pytest.fixture
def sqlite_engine() -> Iterator[Engine]:
    """Stands in for PostgreSQL where a test needs an engine that answers SELECT 1."""
    engine = sa.create_engine("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def fake_redis() -> FakeRedis:
    return FakeRedis()


@pytest.fixture
def fake_ckan() -> FakeCkan:
    return FakeCkan()


@pytest.fixture
def bootstrap(sqlite_engine: Engine, fake_redis: FakeRedis, fake_ckan: FakeCkan) -> Bootstrap:
    settings = ConnectionSettings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/unused",
        redis_url="redis://127.0.0.1:1/0",
        ckan_url="http://127.0.0.1:1",
        probe_timeout=2.0,
    )
    return Bootstrap(
        settings,
        engine=sqlite_engine,
        redis_client=fake_redis,  # type: ignore[arg-type]  # answers PING, all readiness needs
        ckan=fake_ckan,
    )


@pytest.fixture
def app(clean_environment: None, bootstrap: Bootstrap) -> DocumentedApp:
    # Rate-limit counters in memory: unit tests reach no Redis.
    return create_app({"env": "test", "ratelimit_storage_url": "memory://"}, bootstrap=bootstrap)


@pytest.fixture
def client(app: DocumentedApp) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    env = stack_env("itest", (2, 3))
    var_dir = Path(env["CIVIC_VAR_DIR"])
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


@pytest.fixture(scope="session")
def harvester_site(stack: RunningStack) -> Iterator[HarvesterSite]:
    """A second CKAN beside ``stack`` that harvests it: its own database and port, with
    ckanext-civic's search, ckanext-harvest and ckanext-dcat (scripts/stack.py harvester-up)."""
    database = f"civic_harvester_itest_{os.getpid()}"
    env = {
        **stack.env,
        "CIVIC_HARVESTER_PORT": str(free_port()),
        "CIVIC_HARVESTER_DB_NAME": database,
    }
    recreate_database(database)

    def script(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(STACK), command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )

    try:
        started = script("harvester-up")
        if started.returncode != 0:
            pytest.fail(f"the harvester did not start:\n{started.stdout}\n{started.stderr}")
        site = HarvesterSite(
            url=f"http://127.0.0.1:{env['CIVIC_HARVESTER_PORT']}",
            api_token=(stack.var_dir / "secrets" / "harvester_api_token").read_text().strip(),
            ini=stack.var_dir / "harvester" / "ckan.ini",
            ckan_venv=Path(env.get("CKAN_VENV", str(ROOT / ".venv-ckan"))),
            database_url=f"postgresql://postgres@127.0.0.1:5432/{database}",
            redis_url=f"redis://127.0.0.1:6379/{env['CIVIC_CKAN_REDIS_DB']}",
        )
        yield site
        site.drop_gather_queue()
    finally:
        script("harvester-down")
        drop_database(database)
