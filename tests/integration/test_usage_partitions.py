"""usage_events by month on the real PostgreSQL: migration, dedup, default, retention.

Each test migrates a throwaway database of its own (dropped at the end); no stack.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from civic.platform.cli import main
from civic.services import db, schema
from civic.services.evaluation.records import Period as EvaluationPeriod
from civic.services.evaluation.records import Scope, UsageByDimension
from civic.services.evaluation.sql_source import SqlEvidenceSource
from civic.services.uow import ReadUnitOfWork
from civic.services.usage import partitions
from civic.services.usage.analytics import Period, app_usage
from civic.services.usage.events import Event
from civic.services.usage.rollup import ROLLUP_SQL, roll_up_everything
from civic.services.usage.storage import write_rows

pytestmark = pytest.mark.integration

ADMIN_URL = os.environ.get(
    "CIVIC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BEFORE = "f2b8c4d6e0a3"  # the last revision with one usage_events table
APP = uuid.UUID("00000000-0000-4000-8000-00000000a001")


@pytest.fixture
def database_url() -> Iterator[str]:
    name = f"civic_usage_parts_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = sa.make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    schema.upgrade(database_url)
    engine = db.create_engine(database_url, pool_size=2)
    yield engine
    engine.dispose()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def event(when: dt.datetime, *, status: int = 200, app: uuid.UUID | None = APP) -> Event:
    return Event(
        id=uuid.uuid4(),
        occurred_at=when,
        kind="api_call",
        source="gateway",
        status=status,
        app_id=app,
        actor_type="association" if app else None,
        method="GET",
        route="/api/v1/datasets",
        duration_ms=12.0,
    )


def where(engine: sa.Engine, event_id: uuid.UUID | str) -> list[str]:
    """The partitions holding the event (one, if it is stored once)."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT tableoid::regclass::text FROM usage_events WHERE id = :id"),
                {"id": event_id},
            ).scalars()
        )


def ids_and_txids(connection: sa.Connection) -> dict[uuid.UUID, str]:
    rows = connection.execute(sa.text("SELECT id, txid::text FROM usage_events"))
    return {event_id: txid for event_id, txid in rows}


def daily_events(engine: sa.Engine) -> dict[dt.date, int]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT day, sum(events) FROM usage_daily GROUP BY day"))
        return {day: int(total) for day, total in rows}


def test_migration_converts_the_events_month_by_month_and_back(database_url: str) -> None:
    schema.upgrade(database_url, BEFORE)
    engine = db.create_engine(database_url, pool_size=2)
    try:
        old = [
            event(at("2025-10-31T23:59:59.999999")),
            event(at("2025-11-01T00:00:00"), status=404),
            event(at("2025-11-15T10:00:00")),
            event(at("2026-01-02T08:00:00"), app=None),
        ]
        with engine.begin() as connection:  # written and rolled up the old way
            for item in old:
                connection.execute(
                    sa.text(
                        "INSERT INTO usage_events (id, occurred_at, kind, source, status,"
                        " app_id, actor_type, duration_ms) VALUES (:id, :at, 'api_call',"
                        " 'gateway', :status, :app, CAST(:actor AS actor_type), 12)"
                    ),
                    {
                        "id": item.id,
                        "at": item.occurred_at,
                        "status": item.status,
                        "app": item.app_id,
                        "actor": item.actor_type,
                    },
                )
        with engine.begin() as connection:
            # Every event of this database is committed: all below the snapshot's xmax.
            high = connection.scalar(sa.text("SELECT pg_snapshot_xmax(pg_current_snapshot())"))
            connection.execute(sa.text(ROLLUP_SQL), {"lo": "0", "hi": str(high)})
            connection.execute(
                sa.text("UPDATE usage_rollup_state SET txid = CAST(:hi AS xid8)"),
                {"hi": str(high)},
            )
            txids = ids_and_txids(connection)
        before = daily_events(engine)
        engine.dispose()

        schema.upgrade(database_url)

        with engine.connect() as connection:
            months = partitions.existing_months(connection)
            assert {dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2026, 1, 1)} <= months
            assert dt.date(2025, 12, 1) not in months  # no events: no partition
            today = dt.datetime.now(dt.UTC).date().replace(day=1)
            assert {today, partitions.add_months(today, 1)} <= months
            after = ids_and_txids(connection)
            first = connection.scalar(
                sa.text("SELECT first_call_at FROM usage_app_first_calls WHERE app_id = :a"),
                {"a": APP},
            )
        assert after == txids  # every event, with its transaction id
        assert where(engine, old[0].id) == ["usage_partitions.events_2025_10"]
        assert where(engine, old[1].id) == ["usage_partitions.events_2025_11"]
        assert first == old[0].occurred_at  # the 404 of November is not a success
        roll_up_everything(engine)  # the moved events are not counted again
        assert daily_events(engine) == before

        engine.dispose()
        schema.downgrade(database_url, BEFORE)
        with engine.connect() as connection:
            back = ids_and_txids(connection)
            kind = connection.scalar(
                sa.text("SELECT relkind::text FROM pg_class WHERE relname = 'usage_events'")
            )
            gone = connection.scalar(
                sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = 'usage_partitions'")
            )
        assert back == txids
        assert (kind, gone) == ("r", 0)
        engine.dispose()
        schema.upgrade(database_url)  # and up again
    finally:
        engine.dispose()


def test_an_event_lands_in_its_month_and_a_replay_is_stored_once(engine: sa.Engine) -> None:
    last_instant = event(at("2026-12-31T23:59:59.999999"))
    next_first = event(at("2027-01-01T00:00:00"))
    assert write_rows(engine, [last_instant, next_first]) == 2
    assert where(engine, last_instant.id) == ["usage_partitions.events_2026_12"]
    assert where(engine, next_first.id) == ["usage_partitions.events_2027_01"]

    # A batch written again after a failure (the writer's retry) stores nothing new.
    assert write_rows(engine, [last_instant, next_first]) == 0
    assert where(engine, last_instant.id) == ["usage_partitions.events_2026_12"]
    roll_up_everything(engine)
    assert daily_events(engine) == {dt.date(2026, 12, 31): 1, dt.date(2027, 1, 1): 1}


def test_an_event_without_its_month_lands_in_the_default_and_is_moved_counted_once(
    engine: sa.Engine,
) -> None:
    stray = event(at("2024-03-10T12:00:00"))
    with engine.begin() as connection:  # a writer that does not make partitions (raw SQL)
        connection.execute(
            sa.text(
                "INSERT INTO usage_events (id, occurred_at, kind, source, status, app_id)"
                " VALUES (:id, :at, 'api_call', 'gateway', 200, :app)"
            ),
            {"id": stray.id, "at": stray.occurred_at, "app": APP},
        )
    assert where(engine, stray.id) == ["usage_partitions.events_default"]
    roll_up_everything(engine)  # counted while in the default partition
    assert daily_events(engine) == {dt.date(2024, 3, 10): 1}

    # Replayed by a writer, which makes the month: the event moves, the replay meets it.
    assert write_rows(engine, [stray]) == 0
    assert where(engine, stray.id) == ["usage_partitions.events_2024_03"]
    roll_up_everything(engine)
    assert daily_events(engine) == {dt.date(2024, 3, 10): 1}

    # Maintenance moves what the default partition caught, and makes months ahead.
    other = event(at("2024-05-01T00:00:00"))
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO usage_events (id, occurred_at, kind, source, status)"
                " VALUES (:id, :at, 'api_call', 'gateway', 200)"
            ),
            {"id": other.id, "at": other.occurred_at},
        )
    lines: list[str] = []
    run = partitions.maintain(
        engine, retention_months=0, today=dt.date(2024, 6, 20), progress=lines.append
    )
    assert run.moved == {"events_2024_05": 1}
    assert {"events_2024_06", "events_2024_07"} <= set(run.made)
    assert where(engine, other.id) == ["usage_partitions.events_2024_05"]
    assert run.dropped == []
    assert any("kept forever" in line for line in lines)


def test_retention_drops_only_rolled_up_months_and_reports_still_count_them(
    engine: sa.Engine,
) -> None:
    january = [event(at("2025-01-05T10:00:00")), event(at("2025-01-20T10:00:00"), status=500)]
    february = [event(at("2025-02-03T09:30:00"))]
    write_rows(engine, january + february)
    roll_up_everything(engine)
    march = [event(at("2025-03-04T11:00:00"))]
    write_rows(engine, march)  # not rolled up yet
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    with ReadUnitOfWork(engine) as uow:
        before = app_usage(uow, APP, period)
    assert before.total.total.events == 4

    # Two months kept besides June: April and May; January to March are past it.
    today = dt.date(2025, 6, 10)
    dry = partitions.maintain(engine, retention_months=2, today=today, dry_run=True)
    assert [d.name for d in dry.dropped] == ["events_2025_01", "events_2025_02"]
    with engine.connect() as connection:
        assert dt.date(2025, 1, 1) in partitions.existing_months(connection)

    lines: list[str] = []
    run = partitions.maintain(engine, retention_months=2, today=today, progress=lines.append)
    assert run.keep_from == dt.date(2025, 4, 1)
    assert [d.name for d in run.dropped] == ["events_2025_01", "events_2025_02"]
    assert run.kept_not_rolled_up == ["events_2025_03"]
    assert any("not rolled up yet" in line for line in lines)
    with engine.connect() as connection:
        months = partitions.existing_months(connection)
        raw = connection.scalar(sa.text("SELECT count(*) FROM usage_events"))
        first = connection.scalar(
            sa.text("SELECT first_call_at FROM usage_app_first_calls WHERE app_id = :a"),
            {"a": APP},
        )
    assert dt.date(2025, 1, 1) not in months and dt.date(2025, 3, 1) in months
    assert raw == 1  # March's only
    assert first == january[0].occurred_at  # the app's first call outlives its month

    with ReadUnitOfWork(engine) as uow:  # the rollups keep January and February
        after = app_usage(uow, APP, period)
    assert after.total.total.events == 4
    assert after.total.total.errors == 1
    assert {day: counts.total.events for day, counts in after.days.items()} == {
        day: counts.total.events for day, counts in before.days.items()
    }

    roll_up_everything(engine)
    again = partitions.maintain(engine, retention_months=2, today=today)
    assert [d.name for d in again.dropped] == ["events_2025_03"]
    with ReadUnitOfWork(engine) as uow:
        assert app_usage(uow, APP, period).total.total.events == 4


def test_civic_usage_partitions_says_what_it_drops(engine: sa.Engine, database_url: str) -> None:
    old = event(at("2020-02-10T10:00:00"))
    write_rows(engine, [old])
    roll_up_everything(engine)
    env = {"CIVIC_DATABASE_URL": database_url, "CIVIC_ENV": "test"}
    runner = CliRunner()

    drop = ["usage", "partitions", "--retention-months", "12"]
    dry = runner.invoke(main, [*drop, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "would drop usage_partitions.events_2020_02" in dry.output
    assert where(engine, old.id) == ["usage_partitions.events_2020_02"]

    kept = runner.invoke(main, ["usage", "partitions", "--json"], env=env)  # test.toml: 0
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.output)["dropped"] == []

    done = runner.invoke(main, [*drop, "--json"], env=env)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert [d["name"] for d in summary["dropped"]] == ["events_2020_02"]
    assert where(engine, old.id) == []
    assert daily_events(engine) == {dt.date(2020, 2, 10): 1}


def _pathway_world(engine: sa.Engine) -> uuid.UUID:
    """An organization, its dataset and an app registered on 2 January 2025."""
    dataset = uuid.UUID("00000000-0000-4000-8000-0000000000d1")
    with engine.begin() as connection:
        organization = connection.scalar(
            sa.text(
                "INSERT INTO organizations (name, title, level, created)"
                " VALUES ('region-p', 'Region P', 'regional', '2024-11-01') RETURNING id"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO datasets (id, name, title, organization_id, created)"
                " VALUES (:id, 'budget-p', 'Budget', :org, '2024-12-01')"
            ),
            {"id": dataset, "org": organization},
        )
        connection.execute(
            sa.text(
                "INSERT INTO apps (id, client_id, token_endpoint_auth_method, client_name,"
                " actor_type, registered_via, created)"
                " VALUES (:id, 'app-p', 'none', 'App P', 'association', 'api', '2025-01-02')"
            ),
            {"id": APP},
        )
    return dataset


# Usage per month and the app's first successful call, as the pathway report reads them.
Reads = tuple[list[UsageByDimension], dt.datetime | None]


def _pathway_reads(engine: sa.Engine) -> Reads:
    with ReadUnitOfWork(engine) as uow:
        source = SqlEvidenceSource(uow.session, cutoff=at("2025-06-10T00:00:00"))
        period = EvaluationPeriod(dt.date(2025, 1, 1), dt.date(2025, 5, 31))
        months = list(source.usage_by_month(Scope(), period))
        (app,) = source.apps(Scope(), dt.date(2025, 5, 31))
    return months, app.first_successful_call


def _pathway_usage_before_and_after_the_drop(engine: sa.Engine) -> tuple[Reads, Reads]:
    dataset = _pathway_world(engine)
    calls = [
        event(at("2025-01-05T10:00:00"))._replace(dataset_id=dataset),
        event(at("2025-01-06T10:00:00"))._replace(dataset_id=dataset),
        event(at("2025-02-03T10:00:00"))._replace(dataset_id=dataset),
        event(at("2025-04-03T10:00:00"))._replace(dataset_id=dataset),
    ]
    write_rows(engine, calls)
    roll_up_everything(engine)
    before = _pathway_reads(engine)
    run = partitions.maintain(engine, retention_months=2, today=dt.date(2025, 6, 10))
    # March was made with the batch that spanned January to April (empty, dropped too).
    assert [d.name for d in run.dropped] == ["events_2025_01", "events_2025_02", "events_2025_03"]
    return before, _pathway_reads(engine)


def test_the_pathway_reports_usage_spans_dropped_months(engine: sa.Engine) -> None:
    (months, first), (months_after, _) = _pathway_usage_before_and_after_the_drop(engine)
    assert [(m.key, m.calls) for m in months] == [("2025-01", 2), ("2025-02", 1), ("2025-04", 1)]
    assert months_after == months
    assert first == at("2025-01-05T10:00:00")


def test_the_pathway_reports_onboarding_time_survives_the_retention(engine: sa.Engine) -> None:
    (_, first), (_, first_after) = _pathway_usage_before_and_after_the_drop(engine)
    assert first_after == first
