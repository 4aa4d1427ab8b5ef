"""Unit-level fixtures: the gateway built with fakes (``app``, ``client``, ``runner``).

The app reads ``config/test.toml`` and no ``CIVIC_*`` variable of the developer's
shell; its bootstrap holds fakes, so no test here reaches a network service:
PostgreSQL is an in-memory SQLite engine, Redis a
:class:`~tests.unit.fakes.FakeRedis`, CKAN the
connector's :class:`~civic.connectors.ckan.fake.FakeCkan`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from tests.unit.fakes import FakeRedis

from civic.connectors.ckan.fake import FakeCkan
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
