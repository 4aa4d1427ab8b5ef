"""The simulator writes its history through the real services into PostgreSQL, and the
pathway report read from the database equals the report of the history itself.

This is the SQL evidence source checked against ground truth: every indicator (value,
sample size, interval), every verdict and every monthly series computed by
``SqlEvidenceSource`` over the seeded tables must equal what the in-memory source
computes from the simulated records, for the whole platform and for a scope.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.integration.stack import ROOT, drop_database, recreate_database

from civic.services.evaluation.documents import pathway_report_json
from civic.services.evaluation.pathways import load_pathways
from civic.services.evaluation.records import Period, Scope
from civic.services.evaluation.report import build_pathway_report
from civic.services.evaluation.sql_source import SqlEvidenceSource
from civic.services.simulation.history import History, simulate
from civic.services.simulation.scenarios import SCENARIOS

pytestmark = pytest.mark.integration

START = dt.date(2025, 1, 1)
CIVIC = str(ROOT / ".venv" / "bin" / "civic")
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _database(name: str) -> tuple[str, dict[str, str]]:
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    env = {
        **os.environ,
        "CIVIC_ENV": "test",
        "CIVIC_DATABASE_URL": url,
        "CIVIC_REDIS_URL": "redis://127.0.0.1:6379/5",
        "CIVIC_CKAN_URL": "http://127.0.0.1:9",
    }
    return url, env


def _civic(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([CIVIC, *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module", params=["mixed", "administered"])
def seeded(request: pytest.FixtureRequest) -> Iterator[tuple[History, sa.Engine, str]]:
    scenario: str = request.param
    name = f"civic_sim_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    recreate_database(name)
    url, env = _database(name)
    engine = sa.create_engine(url)
    try:
        _civic(env, "db", "upgrade")
        output = _civic(
            env,
            "simulate",
            "--scenario",
            scenario,
            "--seed",
            "4",
            "--months",
            "12",
            "--start",
            START.isoformat(),
        )
        history = simulate(SCENARIOS[scenario], seed=4, months=12, start=START)
        yield history, engine, output
    finally:
        engine.dispose()
        drop_database(name)


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    kept = dict(document)
    kept.pop("generated_at")
    # Counts of rows read differ by nature (the database also holds the accounts,
    # the apps' first calls...); what they measure is compared below.
    kept.pop("counts")
    kept.pop("usage_note")  # how usage was read: rollups for one, records for the other
    # The capture check names the same actors; their ids are the database's own (and a
    # person who reuses is named by id).
    for check in kept.get("capture", []):
        check["actor"] = {k: v for k, v in check["actor"].items() if k not in ("id", "name")}
    for pathway in kept.get("pathways", []):
        for rest in pathway.get("rests_on", []):
            rest["actor"] = {k: v for k, v in rest["actor"].items() if k not in ("id", "name")}
    return kept


def _report(
    source: Any, history: History, scope: Scope | None = None, period: Period | None = None
) -> dict[str, Any]:
    document = pathway_report_json(
        build_pathway_report(source, load_pathways(), period or history.period, scope, now=NOW)
    )
    return _comparable(document)


def test_the_history_went_through_the_services(
    seeded: tuple[History, sa.Engine, str],
) -> None:
    history, engine, output = seeded
    source = history.source
    with engine.connect() as connection:
        count = lambda sql: connection.scalar(sa.text(sql))  # noqa: E731 - a local shorthand
        assert count("SELECT count(*) FROM organizations") == len(source.organization_list)
        assert count("SELECT count(*) FROM datasets") == len(source.dataset_list)
        # Each dataset waits in the outbox for the worker to carry it to CKAN.
        assert count(
            "SELECT count(DISTINCT aggregate_id) FROM outbox WHERE aggregate_type = 'dataset'"
        ) == len(source.dataset_list)
        assert count("SELECT count(*) FROM apps") == len(source.app_list)
        assert count("SELECT count(*) FROM reuses") == len(source.reuse_list)
        calls = sum(row.count for row in source.usage_rows)
        first_calls = sum(1 for app in source.app_list if app.first_successful_call)
        assert count("SELECT count(*) FROM usage_events") == calls + first_calls
        assert count("SELECT sum(events) FROM usage_daily") == calls + first_calls
    assert "usage events" in output


def test_the_database_report_equals_the_history_report(
    seeded: tuple[History, sa.Engine, str],
) -> None:
    history, engine, _ = seeded
    with Session(engine) as session:
        from_database = _report(SqlEvidenceSource(session), history)
    from_history = _report(history.source, history)
    assert from_database["indicators"] == from_history["indicators"]
    assert from_database["pathways"] == from_history["pathways"]
    assert from_database == from_history


def test_a_scoped_database_report_equals_the_scoped_history_report(
    seeded: tuple[History, sa.Engine, str],
) -> None:
    history, engine, _ = seeded
    scope = Scope(level="regional")
    with Session(engine) as session:
        from_database = _report(SqlEvidenceSource(session), history, scope)
    assert from_database == _report(history.source, history, scope)


def test_a_period_cut_inside_months_gives_the_same_report(
    seeded: tuple[History, sa.Engine, str],
) -> None:
    history, engine, _ = seeded
    period = Period(dt.date(2025, 2, 10), dt.date(2025, 11, 20))  # first and last months cut
    with Session(engine) as session:
        from_database = _report(SqlEvidenceSource(session), history, period=period)
    assert from_database == _report(history.source, history, period=period)


def test_a_second_simulation_leaves_a_platform_with_data_alone(
    seeded: tuple[History, sa.Engine, str],
) -> None:
    _, engine, _ = seeded
    url = engine.url.render_as_string(hide_password=False)
    env = {**_database("unused")[1], "CIVIC_DATABASE_URL": url}
    out = _civic(env, "simulate", "--scenario", "mixed", "--months", "1", "--if-empty")
    assert "already has data" in out
    refused = subprocess.run(
        [CIVIC, "simulate", "--scenario", "mixed", "--months", "1"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert "already has" in refused.stderr
