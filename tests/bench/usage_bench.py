"""Usage tracking benchmarks (issue 5), side by side in one run.

Not a test (nothing here is collected): a measurement for people.

1. API throughput with tracking on vs off: two gunicorn gateways on the same fresh
   database, identical but for ``CIVIC_USAGE_TRACKING``, loaded in turns with
   ``wrk`` (authenticated ``GET /api/v1/datasets/<name>``), so the two sides share
   the machine alike. Target: at most 10 % loss.
2. Importing a combined-format access log (parse, map, hash, ``COPY`` + insert
   without duplicates) vs a raw ``COPY`` of the very same rows into a table of the
   same shape and indexes. Target: at least half the raw rate.

    python -m tests.bench.usage_bench --json var/bench-usage.json

Needs the local PostgreSQL, Redis and ``wrk``; creates and drops its own database.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from civic.services import db, schema
from civic.services.apps.metadata import parse_metadata
from civic.services.apps.registry import register_app
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.catalog.models import Dataset, Organization, OrganizationLevel, Resource
from civic.services.identity import accounts
from civic.services.identity.models import Role
from civic.services.tokens.issuance import new_access_token, save_token
from civic.services.usage.importing import import_log
from civic.services.usage.storage import ImportSink

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
EVENT_COLUMNS = (
    "id, occurred_at, kind, source, status, request_id, app_id, actor_type, user_id, method, "
    "route, dataset_id, dataset_name, resource_id, duration_ms, bytes, ip_hash"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def database() -> Iterator[str]:
    name = f"civic_bench_usage_{os.getpid()}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        schema.upgrade(url)
        yield url
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str) -> tuple[str, str]:
    """A dataset to read and a bearer token of an app; (dataset name, token)."""
    bootstrap = Bootstrap(ConnectionSettings(database_url=url, redis_url="", ckan_url=""))
    try:
        with bootstrap.unit_of_work() as uow:
            organization = Organization(
                name="bench-org", title="Bench", level=OrganizationLevel.LOCAL
            )
            uow.session.add(organization)
            uow.session.flush()
            uow.session.add(
                Dataset(
                    name="bench-dataset",
                    title="Bench dataset",
                    organization_id=organization.id,
                    resources=[Resource(url="https://example.org/b.csv", name="b")],
                )
            )
            user = accounts.create_user(uow, email="bench@example.org", role=Role.DEVELOPER)
            app, _ = register_app(
                uow,
                parse_metadata(
                    {
                        "client_name": "bench",
                        "actor_type": "research",
                        "grant_types": ["client_credentials"],
                        "scope": "usage:read",
                    }
                ),
                owner_id=user.id,
                registered_via="cli",
            )
            token = new_access_token()
            save_token(
                uow,
                app=app,
                user_id=None,
                grant_type="client_credentials",
                scope="usage:read",
                access_token=token,
                expires_in=3600,
            )
            uow.commit()
        return "bench-dataset", token
    finally:
        bootstrap.close()


@contextmanager
def gateway(url: str, *, tracking: bool, workers: int, threads: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "CIVIC_ENV": "test",
        "CIVIC_DATABASE_URL": url,
        "CIVIC_REDIS_URL": "redis://127.0.0.1:6379/9",
        "CIVIC_CKAN_URL": "http://127.0.0.1:9",
        "CIVIC_BIND": f"127.0.0.1:{port}",
        "CIVIC_GATEWAY_WORKERS": str(workers),
        "CIVIC_GATEWAY_THREADS": str(threads),
        "CIVIC_LOG_LEVEL": "WARNING",
        "CIVIC_USAGE_TRACKING": "true" if tracking else "false",
        "CIVIC_QUOTAS_PLANS": json.dumps({"standard": "100000000/minute"}),
        "CIVIC_QUOTAS_ANONYMOUS": "100000000/minute",
        "CIVIC_DATABASE_POOL_SIZE": str(threads + 2),
    }
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="bench-gateway-")) / "gateway.log"
    output = log.open("wb")
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "civic.platform.app:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output.close()
    try:
        deadline = time.monotonic() + 120
        ready = 0
        while ready < 2 * workers:  # several answers: every worker has loaded the app
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=30) as answer:  # noqa: S310
                    ready += answer.status == 200
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gateway did not start; see {log}") from None
                time.sleep(0.2)
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by a gunicorn master's workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measured(
    gateway_: tuple[str, int], path: str, token: str, *, seconds: int, connections: int
) -> dict[str, float]:
    """A wrk run, with the gateway's CPU time per request (steadier than throughput when
    other processes share the machine)."""
    base, master = gateway_
    before = cpu_seconds(master)
    result = wrk(base + path, token, seconds=seconds, connections=connections)
    used = cpu_seconds(master) - before
    result["cpu_ms_per_request"] = round(1000 * used / max(1, result["requests"]), 3)
    return result


def wrk(url: str, token: str, *, seconds: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", lua.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(lua.name).unlink()
    rate, total = _RATE.search(output), _TOTAL.search(output)
    errors = _NON_2XX.search(output)
    assert rate and total, output
    return {
        "requests_per_second": float(rate.group(1)),
        "requests": int(total.group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def throughput(url: str, args: argparse.Namespace) -> dict[str, Any]:
    dataset, token = seed(url)
    routes = {"api_index": "/api/v1/", "dataset_show": f"/api/v1/datasets/{dataset}"}
    results: dict[str, Any] = {
        "gunicorn": {"workers": args.workers, "threads": args.threads},
        "wrk": {"connections": args.connections, "seconds": args.seconds, "rounds": args.rounds},
        "target_loss_percent_at_most": 10,
    }
    with (
        gateway(url, tracking=True, workers=args.workers, threads=args.threads) as on,
        gateway(url, tracking=False, workers=args.workers, threads=args.threads) as off,
    ):
        for label, path in routes.items():
            sides: dict[str, list[dict[str, float]]] = {"on": [], "off": []}
            for base, _ in (on, off):  # warm both: connections, caches
                wrk(base + path, token, seconds=2, connections=args.connections)
            for round_ in range(args.rounds):
                order = [("on", on), ("off", off)]
                for side, running in order if round_ % 2 == 0 else order[::-1]:
                    sides[side].append(
                        measured(
                            running,
                            path,
                            token,
                            seconds=args.seconds,
                            connections=args.connections,
                        )
                    )
            rate = {
                side: sum(r["requests_per_second"] for r in runs) / len(runs)
                for side, runs in sides.items()
            }
            cpu = {
                side: sum(r["cpu_ms_per_request"] * r["requests"] for r in runs)
                / sum(r["requests"] for r in runs)
                for side, runs in sides.items()
            }
            results[label] = {
                "route": f"GET {path} (bearer token)",
                "tracking_on_rps": round(rate["on"], 1),
                "tracking_off_rps": round(rate["off"], 1),
                "ratio_on_off": round(rate["on"] / rate["off"], 3),
                "loss_percent": round(100 * (1 - rate["on"] / rate["off"]), 1),
                "gateway_cpu_ms_per_request_on": round(cpu["on"], 3),
                "gateway_cpu_ms_per_request_off": round(cpu["off"], 3),
                "cpu_overhead_percent": round(100 * (cpu["on"] / cpu["off"] - 1), 1),
                "served_with_tracking_on": sum(r["requests"] for r in sides["on"]),
                "non_2xx": sum(r["non_2xx"] for runs in sides.values() for r in runs),
                "rounds": sides,
            }
        time.sleep(2)  # the tracking side's writers flush
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        stored = connection.execute("SELECT count(*) FROM usage_events").fetchone()
    results["events_stored_by_the_tracking_side"] = int(stored[0]) if stored else 0
    return results


def make_log(path: Path, lines: int, datasets: int = 2000) -> None:
    """A combined-format log like a CKAN portal's: pages, downloads, API, noise, garbage."""
    rng = random.Random(5)  # noqa: S311 - reproducible test data, not secrets
    names = [f"dataset-{n:05d}" for n in range(datasets)]
    resources = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(datasets)]
    agents = ['"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"', '"python-requests/2.32"']
    start = 1_760_000_000
    with path.open("w") as out:
        for n in range(lines):
            at = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(start + n // 20))
            host = f"198.51.{rng.randrange(256)}.{rng.randrange(256)}"
            pick = rng.random()
            k = rng.randrange(datasets)
            if pick < 0.45:
                target = f"/dataset/{names[k]}"
            elif pick < 0.70:
                target = f"/dataset/{names[k]}/resource/{resources[k]}/download/data.csv"
            elif pick < 0.88:
                target = f"/api/3/action/package_show?id={names[k]}"
            elif pick < 0.99:
                target = f"/base/images/logo-{k}.png"
            else:
                out.write(f"garbage line {n}\n")
                continue
            status = 200 if rng.random() < 0.95 else 404
            out.write(
                f'{host} - - [{at}] "GET {target} HTTP/1.1" {status} {rng.randrange(100, 90000)} '
                f'"-" {rng.choice(agents)}\n'
            )


def import_vs_copy(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Import, then raw COPY of the same rows, ``args.repeat`` times in turn; medians."""
    engine = db.create_engine(url, pool_size=2)
    plain = url.replace("+psycopg", "")
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "access.log"
        make_log(log, args.log_lines)
        for _ in range(args.repeat):
            with psycopg.connect(plain, autocommit=True) as connection:
                connection.execute("DELETE FROM usage_events WHERE source = 'import'")
                connection.execute("VACUUM ANALYZE usage_events")
            started = time.perf_counter()
            sink = ImportSink(engine)
            counts = import_log(
                log,
                sink.write,
                batch_size=10_000,
                datasets=sink.known_datasets(),
                resources=sink.known_resources(),
            )
            imported = time.perf_counter() - started
            raw = raw_copy(plain)
            runs.append(
                {
                    "import_seconds": round(imported, 4),
                    "raw_copy_seconds": round(raw, 4),
                    "ratio": round(raw / imported, 3),
                }
            )
    engine.dispose()
    rows = counts.inserted
    middle = sorted(runs, key=lambda run: run["ratio"])[len(runs) // 2]
    return {
        "log_lines": counts.read,
        "rows": rows,
        "mapped": counts.mapped,
        "skipped": counts.skipped,
        "malformed": counts.malformed,
        "import_seconds": middle["import_seconds"],
        "import_rows_per_second": round(rows / middle["import_seconds"]),
        "import_lines_per_second": round(counts.read / middle["import_seconds"]),
        "raw_copy_seconds": middle["raw_copy_seconds"],
        "raw_copy_rows_per_second": round(rows / middle["raw_copy_seconds"]),
        "ratio_import_raw": middle["ratio"],
        "runs": runs,
        "target_ratio_at_least": 0.5,
    }


def raw_copy(plain: str) -> float:
    """Seconds to COPY the rows the import stored, as text, into a twin of usage_events."""
    with psycopg.connect(plain, autocommit=True) as connection:
        buffer = io.BytesIO()
        with connection.cursor().copy(
            f"COPY (SELECT {EVENT_COLUMNS} FROM usage_events WHERE source = 'import') TO STDOUT"  # noqa: S608
        ) as copy:
            for chunk in copy:
                buffer.write(chunk)
        data = buffer.getvalue()
        connection.execute("DROP TABLE IF EXISTS usage_events_raw")
        connection.execute("CREATE TABLE usage_events_raw (LIKE usage_events INCLUDING ALL)")
        connection.execute("VACUUM ANALYZE usage_events_raw")
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY usage_events_raw ({EVENT_COLUMNS}) FROM STDIN") as copy,
        ):
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        took = time.perf_counter() - started
        connection.execute("DROP TABLE usage_events_raw")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--log-lines", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3, help="import/raw COPY pairs")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with database() as url:
        if not args.skip_throughput:
            results["tracking_on_vs_off"] = throughput(url, args)
        if not args.skip_import:
            results["import_vs_raw_copy"] = import_vs_copy(url, args)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
