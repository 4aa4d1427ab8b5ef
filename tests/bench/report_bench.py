"""`report_vs_duckdb`: the pathway report over millions of usage events, against DuckDB.

    .venv/bin/python -m tests.bench.report_bench [--size quick|full] [--repetitions N]

Builds a platform of the asked size in a database of its own, deterministically, in
SQL (``setseed``; ids are hashes of row numbers): organizations and their
publishers, datasets, apps of every actor type, reuses with their datasets and
withdrawals, suspensions, and usage events, which the platform's own rollup
(:func:`civic.services.usage.rollup.roll_up`) turns into daily rows. Sizes: full is
the issue's 10 million events, 100,000 datasets, 5,000 apps and 50,000 reuses;
quick is a fiftieth of it; 1m and 3m are the full registry with 1 and 3 million events
(the report's cost against the usage's size).

Ours is the report as the gateway computes it (``SqlEvidenceSource`` on
PostgreSQL). The peer is DuckDB running the same queries over a copy of the same
rows (loaded before the clock starts), feeding the same statistics code: the
indicators are the same by construction, and the run checks that both reports
are equal before it counts any time. The ratio is ours per second over the
peer's (≥ 0.5: within a factor of 2), and ours must take at most 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import time
import uuid
from collections import namedtuple
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.bench.results import Pair, Result, machine, table, write_results
from tests.integration.stack import ROOT, drop_database, recreate_database

from civic.services.evaluation.documents import pathway_report_json
from civic.services.evaluation.pathways import PathwaySet, load_pathways
from civic.services.evaluation.records import Period
from civic.services.evaluation.report import build_pathway_report
from civic.services.evaluation.sql_source import SqlEvidenceSource
from civic.services.usage.rollup import roll_up_everything

PERIOD = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
ORIGIN = "2024-01-01"
SECONDS_BOUND = 5.0
NOW = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Size:
    name: str
    organizations: int
    datasets: int
    apps: int
    reuses: int
    events: int


SIZES = {
    # A fiftieth of the size: builds in seconds, for `make bench BENCH=quick`.
    "quick": Size("quick", 50, 2_000, 100, 1_000, 200_000),
    "full": Size("full", 300, 100_000, 5_000, 50_000, 10_000_000),
    # The full registry with fewer events: the report's cost against the usage's size.
    "1m": Size("1m", 300, 100_000, 5_000, 50_000, 1_000_000),
    "3m": Size("3m", 300, 100_000, 5_000, 50_000, 3_000_000),
}

# Actor types with repeats as weights: companies and civil society dominate, as in the demo.
ACTORS = (
    "public_national,public_local,public_local,company_large,company_small,company_small,"
    "company_small,association,association,citizen,citizen,research,media"
)
REUSE_TYPES = "api,application,idea,news_article,paper,post,visualization,hardware"
TOPICS = "health,transport,environment,education,economy,housing,culture,democracy"
PURPOSES = "commercial,non_commercial,general_interest"
EVENT_BATCH = 1_000_000
EVENTS_PER_KEY = 30


def say(message: str) -> None:
    print(f"[report-bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# Building the platform -----------------------------------------------------------------------
def _pick(values: str) -> str:
    """SQL choosing one of the comma-separated ``values`` at random."""
    items = values.split(",")
    array = "ARRAY[" + ",".join(f"'{item}'" for item in items) + "]"
    return f"({array})[1 + floor(random() * {len(items)})::int]"


def build(database_url: str, size: Size) -> dict[str, float]:
    """Fill the (migrated, empty) database; seconds per step."""
    took: dict[str, float] = {}
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SET max_parallel_workers_per_gather = 0")  # setseed's order holds
        db.execute("SELECT setseed(0.20261126)")
        began = time.monotonic()
        _registry(db, size)
        took["registry"] = time.monotonic() - began
        began = time.monotonic()
        _keys(db, size)
        with _indexes_dropped(db, "usage_events"):
            for low in range(1, size.events + 1, EVENT_BATCH):
                high = min(size.events, low + EVENT_BATCH - 1)
                _events(db, size, low, high)
                say(f"usage events: {high:,} of {size.events:,}")
        took["events"] = time.monotonic() - began
    engine = sa.create_engine(database_url)
    try:
        began = time.monotonic()
        took["daily_rows"] = float(roll_up_everything(engine))
        took["rollup"] = time.monotonic() - began
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()
    return took


def _registry(db: psycopg.Connection[Any], size: Size) -> None:
    national = max(1, size.organizations // 10)
    regional = size.organizations // 4
    statements = [
        f"""INSERT INTO organizations (id, name, title, level, territory)
            SELECT md5('org' || i)::uuid, 'bench-org-' || i, 'Bench organization ' || i,
                   (CASE WHEN i < {national} THEN 'national'
                         WHEN i < {national + regional} THEN 'regional'
                         ELSE 'local' END)::organization_level,
                   CASE WHEN i < {national} THEN NULL ELSE 'T' || lpad(i::text, 4, '0') END
            FROM generate_series(0, {size.organizations - 1}) i""",
        f"""INSERT INTO users (id, email, display_name, role)
            SELECT md5('pub' || i)::uuid, 'pub-' || i || '@bench.example.org', 'pub ' || i,
                   'publisher' FROM generate_series(0, {size.organizations - 1}) i""",
        f"""INSERT INTO memberships (user_id, organization_id)
            SELECT md5('pub' || i)::uuid, md5('org' || i)::uuid
            FROM generate_series(0, {size.organizations - 1}) i""",
        f"""INSERT INTO datasets (id, name, title, organization_id, created, modified,
                                  sync_status, license)
            SELECT md5('ds' || i)::uuid, 'bench-ds-' || i, 'Bench dataset ' || i,
                   md5('org' || ((i * 7919) % {size.organizations}))::uuid, t, t, 'synced',
                   'etalab-2.0'
            FROM (SELECT i, timestamptz '{ORIGIN}' + random() * interval '730 days' AS t
                  FROM generate_series(0, {size.datasets - 1}) i) s""",
        f"""INSERT INTO apps (id, client_id, token_endpoint_auth_method, client_name,
                              actor_type, registered_via, created, modified, owner_id)
            SELECT md5('app' || i)::uuid, 'bench-app-' || i, 'none',
                   'Bench app ' || i, a::actor_type, 'bench', t, t,
                   CASE WHEN a LIKE 'public_%'
                        THEN md5('pub' || ((i * 31) % {size.organizations}))::uuid END
            FROM (SELECT i, {_pick(ACTORS)} AS a,
                         timestamptz '{ORIGIN}' + random() * interval '700 days' AS t
                  FROM generate_series(0, {size.apps - 1}) i) s""",
        f"""INSERT INTO reuses (id, title, url, type, topic, purpose, owner_app_id,
                                owner_actor_type, declared_via, created, updated)
            SELECT md5('reuse' || i)::uuid, 'Bench reuse ' || i,
                   'https://reuses.bench.example.org/' || i, ({_pick(REUSE_TYPES)})::reuse_type,
                   {_pick(TOPICS)}, ({_pick(PURPOSES)})::reuse_purpose, a.id, a.actor_type,
                   'bench', t, t
            FROM (SELECT i, floor(power(random(), 2) * {size.apps})::int AS owner,
                         timestamptz '{ORIGIN}' + random() * interval '730 days' AS t
                  FROM generate_series(0, {size.reuses - 1}) i) s
            JOIN apps a ON a.id = md5('app' || s.owner)::uuid""",
        f"""INSERT INTO reuse_datasets (reuse_id, dataset_id)
            SELECT DISTINCT md5('reuse' || i)::uuid,
                   md5('ds' || floor(power(random(), 1.5) * {size.datasets})::int)::uuid
            FROM generate_series(0, {size.reuses - 1}) i,
                 generate_series(1, CASE WHEN random() < 0.3 THEN 2 ELSE 1 END) k""",
        """INSERT INTO reuse_moderation_events (reuse_id, action, from_state, to_state, reason,
                                                actor_label, created)
           SELECT id, 'archive', 'published', 'archived', 'bench', 'bench',
                  created + random() * interval '150 days'
           FROM reuses WHERE random() < 0.1""",
        """UPDATE reuses SET state = 'archived'
           WHERE id IN (SELECT reuse_id FROM reuse_moderation_events)""",
        """INSERT INTO app_access_events (app_id, action, reason, actor_label, created)
           SELECT id, action::access_action, 'bench', 'bench', t
           FROM (SELECT id, created + random() * interval '300 days' AS cut,
                        random() * interval '20 days' AS pause
                 FROM apps WHERE random() < 0.02) s,
                LATERAL (VALUES ('suspended', cut), ('restored', cut + pause)) v(action, t)""",
    ]
    for statement in statements:
        db.execute(statement)


def _keys(db: psycopg.Connection[Any], size: Size) -> None:
    # Events fall on "keys": what one app does with one dataset in a day (its daily
    # rollup row): about thirty events per key on average, as in the simulator's
    # histories (civic simulate). Apps have a skewed activity (a few busy ones, a long
    # tail); each uses a portfolio of ten datasets.
    keys = max(1, size.events // EVENTS_PER_KEY)
    db.execute(
        f"""CREATE TEMPORARY TABLE bench_keys AS
            SELECT k, app, day, kind, (app * 7919 + slot * 104729) % {size.datasets} AS ds
            FROM (SELECT k, floor(power(random(), 2.5) * {size.apps})::int AS app,
                         floor(random() * 365)::int AS day, floor(random() * 10)::int AS slot,
                         CASE WHEN random() < 0.3 THEN 'download' ELSE 'api_call' END AS kind
                  FROM generate_series(0, {keys - 1}) k) s"""
    )
    db.execute("CREATE UNIQUE INDEX ON bench_keys (k)")


@contextmanager
def _indexes_dropped(db: psycopg.Connection[Any], table: str) -> Iterator[None]:
    """Load ``table`` without its indexes, then build them again, each in one sort.

    Ten million rows keyed by random UUIDs, inserted into live B-trees, cost random
    writes all over indexes larger than the buffers: about 1,000 s here. The same
    indexes built afterwards take a fraction of that.
    """
    rows = db.execute(
        """SELECT c.relname, pg_get_indexdef(c.oid), con.conname IS NOT NULL
           FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           LEFT JOIN pg_constraint con ON con.conindid = c.oid AND con.contype = 'p'
           WHERE i.indrelid = %s::regclass""",
        (table,),
    ).fetchall()
    for name, _, primary in rows:
        if primary:
            db.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        else:
            db.execute(f"DROP INDEX {name}")
    yield
    db.execute("SET maintenance_work_mem = '1GB'")
    for name, definition, primary in rows:
        if primary:
            column = definition.rsplit("(", 1)[1].rstrip(")")
            db.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({column})")
        else:
            # A partitioned table's index reads "ON ONLY": built so, it would cover no partition.
            db.execute(definition.replace(" ON ONLY ", " ON ", 1))


def _events(db: psycopg.Connection[Any], size: Size, low: int, high: int) -> None:
    keys = max(1, size.events // EVENTS_PER_KEY)
    db.execute(
        f"""INSERT INTO usage_events (id, occurred_at, kind, source, status, app_id, actor_type,
                                      dataset_id, dataset_name, method, route, duration_ms)
            SELECT md5('ev' || e.g)::uuid,
                   timestamptz '{PERIOD.start}' + k.day * interval '1 day'
                       + random() * interval '1 day',
                   k.kind::usage_kind, 'gateway',
                   CASE WHEN random() < 0.02 THEN 404 ELSE 200 END, a.id, a.actor_type,
                   md5('ds' || k.ds)::uuid, 'bench-ds-' || k.ds, 'GET',
                   '/api/v1/datasets/{{name}}', round((5 + random() * 80)::numeric, 1)
            FROM (SELECT g, floor(power(random(), 1.8) * {keys})::int AS key
                  FROM generate_series({low}, {high}) g) e
            JOIN bench_keys k ON k.k = e.key
            JOIN apps a ON a.id = md5('app' || k.app)::uuid"""
    )


# The peer: the same queries in DuckDB --------------------------------------------------------
TABLES = {
    "organizations": "id UUID, name VARCHAR, level VARCHAR, territory VARCHAR",
    "datasets": "id UUID, organization_id UUID, name VARCHAR, created TIMESTAMP, "
    "deleted_at TIMESTAMP",
    "memberships": "user_id UUID, organization_id UUID",
    "apps": "id UUID, actor_type VARCHAR, created TIMESTAMP, territory VARCHAR, "
    "client_name VARCHAR, owner_id UUID, actor_type_verified BOOLEAN",
    "reuses": "id UUID, owner_app_id UUID, owner_user_id UUID, owner_actor_type VARCHAR, "
    "type VARCHAR, topic VARCHAR, purpose VARCHAR, created TIMESTAMP",
    "reuse_datasets": "reuse_id UUID, dataset_id UUID",
    "reuse_moderation_events": "reuse_id UUID, to_state VARCHAR, created TIMESTAMP",
    "app_access_events": "id BIGINT, app_id UUID, action VARCHAR, created TIMESTAMP, "
    "reason VARCHAR",
    "app_contests": "access_event_id BIGINT, created TIMESTAMP",
    "usage_daily": "day DATE, kind VARCHAR, app_id UUID, actor_type VARCHAR, dataset_id UUID, "
    "events BIGINT, errors BIGINT",
    "usage_events": "app_id UUID, occurred_at TIMESTAMP, status SMALLINT",
    "usage_app_first_calls": "app_id UUID, first_call_at TIMESTAMP",
}


def load_duckdb(database_url: str, folder: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB database holding a copy of the rows the report reads (UTC, no zones)."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    target = duckdb.connect(str(folder / "platform.duckdb"))
    target.execute("SET TimeZone = 'UTC'")
    with psycopg.connect(url) as source:
        source.execute("SET TimeZone = 'UTC'")
        for name, columns in TABLES.items():
            names = ", ".join(column.split()[0] for column in columns.split(", "))
            selected = ", ".join(
                f"{column.split()[0]}::timestamp" if "TIMESTAMP" in column else column.split()[0]
                for column in columns.split(", ")
            )
            csv = folder / f"{name}.csv"
            with csv.open("wb") as out, source.cursor() as cursor:
                copy_sql = f"COPY (SELECT {selected} FROM {name}) TO STDOUT WITH (FORMAT csv)"
                with cursor.copy(copy_sql) as copy:
                    for block in copy:
                        out.write(block)
            types = (
                "{"
                + ", ".join(
                    f"'{c.split()[0]}': '{c.split(' ', 1)[1]}'" for c in columns.split(", ")
                )
                + "}"
            )
            if csv.stat().st_size == 0:  # DuckDB cannot sniff an empty file (no contests)
                target.execute(f"CREATE TABLE {name} ({columns})")
            else:
                target.execute(
                    f"CREATE TABLE {name} AS SELECT {names} FROM read_csv('{csv}', header=false,"
                    f" columns={types})"
                )
            csv.unlink()
    return target


_PARAM = re.compile(r"(?<![:\w]):([a-z_]+)")
_USED = re.compile(r"\$([a-z_]+)")


class DuckDbEvidenceSource(SqlEvidenceSource):
    """The SQL evidence source's queries, run by DuckDB over its copy of the rows."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        super().__init__(None)  # type: ignore[arg-type]  # DuckDB instead of a session
        self.connection = connection

    def _usage_table(self, period: Period) -> tuple[str, dict[str, Any]]:
        # The bench rolls everything up before measuring (roll_up_everything), so the
        # rollups alone are the same rows as ours: no tail, no raw cut-off day in 2025.
        sql = "SELECT day, kind, app_id, actor_type, dataset_id, events, errors FROM usage_daily"
        return sql, {}

    def _rows(self, sql: str, **params: Any) -> Sequence[Any]:
        sql = _PARAM.sub(r"$\1", sql).replace(
            "to_char(u.day, 'YYYY-MM')", "strftime(u.day, '%Y-%m')"
        )
        used = set(_USED.findall(sql))
        values = {key: _naive_utc(value) for key, value in params.items() if key in used}
        cursor = self.connection.execute(sql, values)
        row = namedtuple("row", [column[0] for column in cursor.description])  # type: ignore[misc]
        return [row(*values) for values in cursor.fetchall()]

    def _tuples(self, sql: str, **params: Any) -> Sequence[Any]:
        return self._rows(sql, **params)  # named tuples read by position too

    def _first_call(self) -> tuple[str, str]:
        # Everything is rolled up (see _usage_table): the rollup's first calls alone.
        joins = """LEFT JOIN usage_app_first_calls f
                          ON f.app_id = a.id AND f.first_call_at < :cutoff"""
        return joins, "f.first_call_at"


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


# Measuring -----------------------------------------------------------------------------------
def _document(source: Any, pathway_set: PathwaySet) -> dict[str, Any]:
    document = pathway_report_json(build_pathway_report(source, pathway_set, PERIOD, now=NOW))
    document.pop("generated_at")
    document.pop("counts")  # rows read; the same data, but the sources count differently
    return document


def measure(
    database_url: str, duck: duckdb.DuckDBPyConnection, repetitions: int
) -> tuple[list[Pair], list[Pair]]:
    """Seconds per report, ours then the peer's in turns; raises if the reports differ.

    Each pair is printed with the CPU seconds of this process (the statistics, the
    shaping of rows) and of the database's backend (the statements), and the load."""
    pathway_set = load_pathways()
    engine = sa.create_engine(database_url)
    ours_seconds: list[float] = []
    pairs = []
    try:
        with Session(engine) as session:
            ours = _document(SqlEvidenceSource(session), pathway_set)  # warm-up, both sides
        peer = _document(DuckDbEvidenceSource(duck), pathway_set)
        if ours != peer:
            raise AssertionError("the DuckDB report differs from ours: not the same indicators")
        for _ in range(repetitions):
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            with Session(engine) as session:
                backend = _backend_cpu(session)
                began, cpu = time.perf_counter(), time.process_time()
                _document(SqlEvidenceSource(session), pathway_set)
                mine = time.perf_counter() - began
                cpu = time.process_time() - cpu
                backend = _backend_cpu(session) - backend
            began = time.perf_counter()
            _document(DuckDbEvidenceSource(duck), pathway_set)
            theirs = time.perf_counter() - began
            say(
                f"report: ours {mine:.2f} s (CPU {cpu:.2f} s here + {backend:.2f} s in"
                f" PostgreSQL), DuckDB {theirs:.2f} s; load {load}"
            )
            ours_seconds.append(mine)
            pairs.append(Pair(1 / mine, 1 / theirs))
    finally:
        engine.dispose()
    bound = [Pair(seconds, SECONDS_BOUND) for seconds in ours_seconds]
    return pairs, bound


def _backend_cpu(session: Session) -> float:
    """CPU seconds used so far by ``session``'s PostgreSQL backend (0 when its process
    cannot be read: a database on another machine)."""
    pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    size: Size, repetitions: int, folder: Path, *, keep: bool = False, curve: bool = False
) -> list[Result]:
    """Build a database of ``size``, measure, drop it; the two results.

    ``keep`` keeps the database (``civic_report_bench_<size>``) and reuses it when it
    exists already: for working on the report, not for published numbers. ``curve``:
    a point of the cost against the usage's size (ids ``report_seconds_<size>`` and
    ``report_vs_duckdb_<size>``, the ratio reported only).
    """
    name = f"civic_report_bench_{size.name}" if keep else f"civic_report_bench_{os.getpid()}"
    database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    if not (keep and _exists(name)):
        recreate_database(name)
        _migrate(database_url)
        took = build(database_url, size)
        say(
            "built in {registry:.0f} s (registry) + {events:.0f} s (events) + "
            "{rollup:.0f} s (rollup: {daily_rows:,.0f} daily rows)".format(**took)
        )
    try:
        began = time.monotonic()
        duck = load_duckdb(database_url, folder)
        say(f"DuckDB loaded in {time.monotonic() - began:.0f} s")
        try:
            pairs, bound = measure(database_url, duck, repetitions)
        finally:
            duck.close()
    finally:
        if not keep:
            drop_database(name)
    scale = (
        f"{size.events:,} events, {size.datasets:,} datasets, {size.apps:,} apps, "
        f"{size.reuses:,} reuses"
    )
    suffix = f"_{size.name}" if curve else ""
    return [
        Result(
            f"report_vs_duckdb{suffix}",
            f"pathway report (whole period, 12 months, 63 expectations, capture check "
            f"without the largest app and reuser, verified actors only) over {scale}; "
            "peer: DuckDB running the same queries on a copy of the same rows",
            "reports/s",
            None if curve else 0.5,
            pairs,
        ),
        Result(
            f"report_seconds{suffix}",
            f"seconds for one pathway report over {scale}, against the 5 s bound",
            "s",
            1.0,
            bound,
            at_most=True,
        ),
    ]


def _exists(name: str) -> bool:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return found.fetchone() is not None


def _migrate(database_url: str) -> None:
    import subprocess  # noqa: PLC0415 - only here

    env = {**os.environ, "CIVIC_ENV": "test", "CIVIC_DATABASE_URL": database_url}
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "civic"), "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "report.json")
    args = parser.parse_args()
    folder = ROOT / "var" / "bench" / f"duckdb-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    info = machine(args.size)
    try:
        results = run(SIZES[args.size], args.repetitions, folder, keep=args.keep)
    finally:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()
    print(table(results))
    write_results(args.out, info, results)
    median = statistics.median(pair.ours for pair in results[1].pairs)
    print(f"written {args.out}; ours took {median:.2f} s (median)")


if __name__ == "__main__":
    main()
