"""The unit of work's contract (tests/uow_contract.py) on PostgreSQL, the production one.

The same checks as tests/unit/domain/test_uow_contract.py, through
``Bootstrap.unit_of_work`` on a throwaway PostgreSQL database migrated to head
(test_migrations' ``database_url``; no CKAN, no gateway: only the database is
under test).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.integration.test_migrations import alembic, database_url  # noqa: F401 - fixture
from tests.uow_contract import CHECKS, Make

from civic.services.bootstrap import Bootstrap, ConnectionSettings

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_the_postgresql_unit_of_work_keeps_the_contract(
    database_url: str,  # noqa: F811 - the fixture
    check: Callable[[Make], None],
) -> None:
    migrated = alembic(database_url, "upgrade", "head")
    assert migrated.returncode == 0, migrated.stderr
    settings = ConnectionSettings(
        database_url=database_url,
        redis_url="redis://127.0.0.1:1/0",  # unused: only the database is under test
        ckan_url="http://127.0.0.1:1",
        database_pool_size=2,
    )
    bootstrap = Bootstrap(settings)
    try:
        check(bootstrap.unit_of_work)
    finally:
        bootstrap.engine.dispose()
