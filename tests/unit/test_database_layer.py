"""The database layer without a database: schema shape, unit of work, lazy bootstrap."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from tests.schema import DOMAIN_TABLES

from civic.services import db, schema
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.catalog.models import Dataset, OrganizationLevel, SyncStatus
from civic.services.models import metadata
from civic.services.uow import SqlAlchemyUnitOfWork

# --- schema -------------------------------------------------------------------


def test_every_domain_table_is_in_the_one_metadata() -> None:
    assert set(metadata.tables) == DOMAIN_TABLES
    assert metadata is db.metadata


def test_constraints_are_named_by_the_convention() -> None:
    names = {
        constraint.name for table in metadata.tables.values() for constraint in table.constraints
    }
    assert {
        "pk_datasets",
        "uq_datasets_ckan_id",
        "fk_datasets_organization_id_organizations",
        "fk_resources_dataset_id_datasets",
        "ck_organizations_name_slug",
        "uq_organizations_ckan_id",
    } <= names
    # A dataset's name is unique among live datasets only (a withdrawn name may return).
    [live_name] = [
        i for i in metadata.tables["datasets"].indexes if i.name == "uq_datasets_live_name"
    ]
    assert live_name.unique
    assert all(name for name in names), "no constraint is left unnamed"


def test_enums_store_the_lowercase_values() -> None:
    level = metadata.tables["organizations"].c.level.type
    status = metadata.tables["datasets"].c.sync_status.type
    assert isinstance(level, sa.Enum)
    assert isinstance(status, sa.Enum)
    assert level.name == "organization_level"
    assert (
        level.enums
        == [member.value for member in OrganizationLevel]
        == [
            "national",
            "regional",
            "local",
        ]
    )
    assert status.enums == ["pending", "synced", "failed"]


def test_dataset_defaults_and_relations() -> None:
    datasets = metadata.tables["datasets"]
    assert datasets.c.sync_status.server_default is not None
    assert datasets.c.deleted_at.nullable
    assert not datasets.c.organization_id.nullable
    assert datasets.c.organization_id.foreign_keys
    fk = next(iter(metadata.tables["resources"].c.dataset_id.foreign_keys))
    assert fk.ondelete == "CASCADE"
    assert Dataset.__mapper__.relationships["resources"].order_by is not None
    assert Dataset(name="x", title="t", organization_id=uuid.uuid4()).sync_status in {
        None,
        SyncStatus.PENDING,
    }


def test_outbox_polling_index_is_partial() -> None:
    (index,) = [i for i in metadata.tables["outbox"].indexes if i.name == "ix_outbox_pending"]
    where = index.dialect_options["postgresql"]["where"]
    assert "processed_at IS NULL" in str(where)


# --- unit of work ---------------------------------------------------------------


class _Base(DeclarativeBase):
    pass


class Note(_Base):
    """A throwaway table: the unit of work is tested on SQLite, not on our PostgreSQL schema."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]


@pytest.fixture
def notes_engine() -> Iterator[Engine]:
    engine = sa.create_engine("sqlite://", poolclass=sa.StaticPool)
    _Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def count_notes(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM notes")).scalar_one())


def test_commit_makes_the_work_durable(notes_engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(db.create_session_factory(notes_engine)) as uow:
        uow.session.add(Note(text="kept"))
        uow.commit()
    assert count_notes(notes_engine) == 1


def test_work_without_commit_is_rolled_back(notes_engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(db.create_session_factory(notes_engine)) as uow:
        uow.session.add(Note(text="forgotten"))
        uow.session.flush()
    assert count_notes(notes_engine) == 0


def test_an_exception_rolls_back_and_propagates(notes_engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(db.create_session_factory(notes_engine))
    with pytest.raises(ZeroDivisionError), uow:
        uow.session.add(Note(text="lost"))
        uow.session.flush()
        _ = 1 / 0
    assert count_notes(notes_engine) == 0


def test_rollback_discards_since_the_last_commit(notes_engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(db.create_session_factory(notes_engine)) as uow:
        uow.session.add(Note(text="first"))
        uow.commit()
        uow.session.add(Note(text="second"))
        uow.rollback()
        uow.commit()
    assert count_notes(notes_engine) == 1


def test_commit_outside_the_block_or_nesting_is_refused(notes_engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(db.create_session_factory(notes_engine))
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        uow.commit()
    with uow, pytest.raises(RuntimeError, match="already in use"), uow:
        pass


# --- bootstrap -----------------------------------------------------------------


def settings(**changes: object) -> ConnectionSettings:
    values: dict[str, object] = {
        "database_url": "postgresql+psycopg://civic:pw@127.0.0.1:1/civic",
        "redis_url": "redis://127.0.0.1:1/0",
        "ckan_url": "http://127.0.0.1:1",
    }
    values.update(changes)
    return ConnectionSettings(**values)  # type: ignore[arg-type]


def test_nothing_is_built_until_asked_for() -> None:
    bootstrap = Bootstrap(settings(database_url="not a url at all"))
    with pytest.raises(sa.exc.ArgumentError):
        _ = bootstrap.engine  # the bad URL only fails here, not at construction


def test_each_dependency_is_built_once() -> None:
    bootstrap = Bootstrap(settings())
    try:
        assert bootstrap.engine is bootstrap.engine
        assert bootstrap.session_factory is bootstrap.session_factory
        assert bootstrap.redis_client is bootstrap.redis_client
        assert bootstrap.ckan is bootstrap.ckan
        assert bootstrap.ckan_probe_client is not bootstrap.ckan
    finally:
        bootstrap.close()


def test_engine_and_clients_get_their_timeouts() -> None:
    bootstrap = Bootstrap(settings(database_connect_timeout=3, redis_timeout=0.5))
    try:
        engine = bootstrap.engine
        asked: dict[str, object] = {}

        @sa.event.listens_for(engine, "do_connect")
        def intercept(
            dialect: object, record: object, cargs: object, cparams: dict[str, object]
        ) -> None:
            asked.update(cparams)
            raise ConnectionAbortedError("intercepted before any network access")

        with pytest.raises(ConnectionAbortedError):
            engine.connect()
        assert asked["connect_timeout"] == 3
        assert asked["application_name"] == "civic-platform"
        pool_kwargs = bootstrap.redis_client.connection_pool.connection_kwargs
        assert pool_kwargs["socket_timeout"] == pool_kwargs["socket_connect_timeout"] == 0.5
    finally:
        bootstrap.close()


def test_creating_the_app_connects_to_nothing() -> None:
    from civic.platform.app import create_app  # noqa: PLC0415

    # Ports 1 are closed: any connection attempt would fail the health check below.
    app = create_app(
        {
            "env": "test",
            "database_url": "postgresql+psycopg://civic@127.0.0.1:1/civic",
            "redis_url": "redis://127.0.0.1:1/0",
            "ckan_url": "http://127.0.0.1:1",
        }
    )
    assert app.test_client().get("/healthz").status_code == 200


# --- migrations' location ----------------------------------------------------------


def test_migrations_are_found_in_the_checkout() -> None:
    assert schema.find_root() == schema.REPOSITORY_ROOT
    assert len(schema.head_revisions()) == 1


def test_an_installed_package_finds_them_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    checkout = schema.REPOSITORY_ROOT
    monkeypatch.setattr(schema, "REPOSITORY_ROOT", tmp_path / "site-packages")
    monkeypatch.chdir(checkout)  # like the image's /app, holding alembic.ini and migrations/
    assert schema.find_root() == checkout
    monkeypatch.chdir(tmp_path)
    with pytest.raises(schema.SchemaError, match=r"no alembic\.ini"):
        schema.find_root()
