"""Publishing tests on the real PostgreSQL, with CKAN faked in memory (no stack needed).

One database per test session (migrated with Alembic), emptied before each test;
the gateway runs in-process with the CKAN port's fake (``tests.fakes.ckan``), whose
switches make CKAN go down or refuse data. The tests against the real CKAN use the ``stack``
fixture instead (``test_*_live.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from tests.fakes.ckan import FakeCkan
from tests.integration.publishing.helpers import Catalog
from tests.integration.stack import recreate_database
from tests.unit.fakes import FakeRedis

from civic.platform.app import create_app
from civic.platform.docs import DocumentedApp
from civic.services import schema
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.models import metadata

DATABASE = f"civic_publishing_{os.getpid()}"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    recreate_database(DATABASE)
    schema.upgrade(URL)
    yield URL
    engine = sa.create_engine(URL.replace(DATABASE, "postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def fake_ckan() -> FakeCkan:
    return FakeCkan()


@pytest.fixture
def bootstrap(database_url: str, fake_ckan: FakeCkan) -> Iterator[Bootstrap]:
    settings = ConnectionSettings(
        database_url=database_url, redis_url="redis://127.0.0.1:1/0", ckan_url="http://ckan.test"
    )
    built = Bootstrap(settings, redis_client=FakeRedis(), ckan=fake_ckan)  # type: ignore[arg-type]
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with built.engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield built
    built.close()


@pytest.fixture
def app(bootstrap: Bootstrap, monkeypatch: pytest.MonkeyPatch) -> DocumentedApp:
    for name in list(os.environ):
        if name.startswith("CIVIC_"):
            monkeypatch.delenv(name)
    return create_app(
        {
            "env": "test",
            "database_url": bootstrap.settings.database_url,
            "ratelimit_storage_url": "memory://",
            "publish_wait": 1.0,
            "ckan_push_secret": "push-secret",
        },
        bootstrap=bootstrap,
    )


@pytest.fixture
def client(app: DocumentedApp) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def catalog(bootstrap: Bootstrap) -> Catalog:
    return Catalog(bootstrap)
