"""Web sessions on the real PostgreSQL: what a page costs, what the table holds.

The gateway runs in-process on a database of this module's own; people log in
through the real form. Statements are counted on both of the bootstrap's engines.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.stack import drop_database, recreate_database
from tests.unit.fakes import FakeRedis

from civic.platform.app import create_app
from civic.platform.web.session import COOKIE
from civic.services import schema
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.identity import accounts
from civic.services.identity.models import Role

pytestmark = pytest.mark.integration

DATABASE = f"civic_sessions_{os.getpid()}"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def bootstrap() -> Iterator[Bootstrap]:
    recreate_database(DATABASE)
    schema.upgrade(URL)
    settings = ConnectionSettings(
        database_url=URL, redis_url="redis://127.0.0.1:1/0", ckan_url="http://ckan.test"
    )
    built = Bootstrap(settings, redis_client=FakeRedis(), ckan=FakeCkan())  # type: ignore[arg-type]
    yield built
    built.close()
    drop_database(DATABASE)


@pytest.fixture
def client(bootstrap: Bootstrap, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    for name in list(os.environ):
        if name.startswith("CIVIC_"):
            monkeypatch.delenv(name)
    app = create_app(
        {
            "env": "test",
            "database_url": URL,
            "ratelimit_storage_url": "memory://",
            "usage_tracking": False,
        },
        bootstrap=bootstrap,
    )
    return app.test_client()


class Statements:
    """Counts the SQL statements sent on the bootstrap's engines."""

    def __init__(self, bootstrap: Bootstrap) -> None:
        self.sent: list[str] = []
        self.engines = [bootstrap.engine, bootstrap.read_engine]
        for engine in self.engines:
            sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, *args: Any) -> None:
        self.sent.append(str(args[2]))

    def close(self) -> None:
        for engine in self.engines:
            sa.event.remove(engine, "before_cursor_execute", self._record)


def log_in(client: FlaskClient, bootstrap: Bootstrap) -> str:
    email = f"session-{os.urandom(4).hex()}@example.org"
    with bootstrap.unit_of_work() as uow:
        accounts.create_user(uow, email=email, role=Role.DEVELOPER, password=PASSWORD)
        uow.commit()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302
    return email


def test_a_logged_in_page_costs_one_indexed_read(client: FlaskClient, bootstrap: Bootstrap) -> None:
    log_in(client, bootstrap)
    counted = Statements(bootstrap)
    try:
        assert client.get("/account/password").status_code == 200  # a page that reads nothing else
        page = list(counted.sent)
        counted.sent.clear()
        static = client.get("/static/confirm.js")
        assert static.status_code == 200
        static.close()  # a file response: its file is open until closed
        assert client.get("/healthz").status_code == 200
        elsewhere = list(counted.sent)
    finally:
        counted.close()
    assert len(page) == 1, page
    assert "web_sessions.token_hash =" in page[0]
    assert elsewhere == []  # static files and API answers look nothing up


def test_last_seen_is_written_at_most_once_a_minute(
    client: FlaskClient, bootstrap: Bootstrap
) -> None:
    email = log_in(client, bootstrap)
    with bootstrap.engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE web_sessions SET last_seen_at = now() - interval '5 minutes'"
                " WHERE user_id = (SELECT id FROM users WHERE email = :email)"
            ),
            {"email": email},
        )
    counted = Statements(bootstrap)
    try:
        client.get("/account/password")
        stale = len(counted.sent)
        counted.sent.clear()
        client.get("/account/password")
        fresh = len(counted.sent)
    finally:
        counted.close()
    assert fresh == 1
    assert stale > fresh  # the read, then the update of last_seen_at (in its transaction)


def test_the_table_holds_no_usable_session_id(client: FlaskClient, bootstrap: Bootstrap) -> None:
    log_in(client, bootstrap)
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None and cookie.value.startswith("s.")
    with bootstrap.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM web_sessions")).scalars().all()
    assert cookie.value not in stored
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in stored)
