"""The bearer-token check's read path, and the reverse-proxy setting."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import request
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from civic.platform.app import create_app
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.db import create_engine
from civic.services.uow import UnitOfWork

SETTINGS = ConnectionSettings(
    database_url="postgresql+psycopg://postgres@127.0.0.1:1/unused",
    redis_url="redis://127.0.0.1:1/0",
    ckan_url="http://127.0.0.1:1",
)


def test_the_read_pool_skips_the_pre_ping() -> None:
    bootstrap = Bootstrap(SETTINGS)
    assert bootstrap.engine.pool._pre_ping
    assert not bootstrap.read_engine.pool._pre_ping
    assert bootstrap.read_engine is not bootstrap.engine
    assert create_engine(SETTINGS.database_url, pre_ping=False).pool._pre_ping is False


def test_a_read_runs_once_more_after_a_dead_connection(sqlite_engine: Engine) -> None:
    bootstrap = Bootstrap(SETTINGS, engine=sqlite_engine)
    calls: list[int] = []

    def work(uow: UnitOfWork) -> int:
        calls.append(1)
        if len(calls) == 1:
            error = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
            error.connection_invalidated = True
            raise error
        return int(uow.session.execute(sa.text("SELECT 1")).scalar_one())

    assert bootstrap.read(work) == 1
    assert len(calls) == 2


def test_other_database_errors_are_not_retried(sqlite_engine: Engine) -> None:
    bootstrap = Bootstrap(SETTINGS, engine=sqlite_engine)
    calls: list[int] = []

    def work(uow: UnitOfWork) -> Any:
        calls.append(1)
        return uow.session.execute(sa.text("SELECT * FROM missing")).all()

    with pytest.raises(OperationalError):
        bootstrap.read(work)
    assert len(calls) == 1


@pytest.mark.parametrize(("trusted", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_forwarded_addresses_are_trusted_only_when_configured(
    bootstrap: Bootstrap, trusted: int, expected: str
) -> None:
    app = create_app(
        {"env": "test", "ratelimit_storage_url": "memory://", "trusted_proxies": trusted},
        bootstrap=bootstrap,
    )
    seen: list[str | None] = []

    @app.get("/_remote_addr")
    def remote_addr() -> str:
        seen.append(request.remote_addr)
        return ""

    app.test_client().get(
        "/_remote_addr",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen == [expected]
