"""`make bench`: every performance target of DESIGN.md, measured side by side in one run.

    .venv/bin/python -m tests.bench.run [--size quick|full] [--seconds N] [--repetitions N]
                                        [--only ID,ID] [--out var/bench/results.json]

Starts a stack of its own with scripts/stack.py (free ports, throwaway databases,
its own var/ folder), builds the data from a fixed seed, then for each benchmark
warms both sides up and runs several repetitions, ours and the peer in turns so
the machine's noise falls on both alike. The load generator is ``wrk``, a separate
process. Prints a table and writes ``var/bench/results.json``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ckanapi
import requests
import sqlalchemy as sa
from tests.bench import ckan_facade_bench, pages_bench, report_bench, usage_bench, worker_memory
from tests.bench.oauth_throughput import make_app
from tests.bench.results import Pair, Result, machine, table, write_results
from tests.integration.publishing.helpers import Catalog, Person, body
from tests.integration.stack import (
    ROOT,
    STACK,
    RunningStack,
    drop_database,
    free_port,
    recreate_database,
    stack_env,
)
from tests.resilience.faults import restart_gateway

from civic.services.bootstrap import Bootstrap, ConnectionSettings

SEED = 20261126
WORDS = ["eau", "transport", "budget", "école", "air", "santé", "vélo", "énergie"]
FORMATS = ["CSV", "JSON", "XLSX", "GeoJSON"]
ORGANIZATIONS = [f"bench-org-{n}" for n in range(8)]
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
RSS_BOUND_MB = 200.0


@dataclass(frozen=True)
class Size:
    name: str
    datasets: int  # in CKAN and in the mirror, for search and show
    publish: int  # datasets published per side in publish_vs_ckanapi
    log_lines: int  # usage_import_vs_copy
    seconds: int  # one wrk run
    repetitions: int
    publish_repetitions: int  # each publishes ``publish`` datasets three times over
    memory_requests: int = 10_000  # worker_rss_no_recycle


SIZES = {
    "quick": Size(
        "quick",
        datasets=100,
        publish=20,
        log_lines=30_000,
        seconds=3,
        repetitions=3,
        publish_repetitions=1,
        memory_requests=2_000,
    ),
    "full": Size(
        "full",
        datasets=10_000,
        publish=1_000,
        log_lines=1_000_000,
        seconds=15,
        repetitions=5,
        publish_repetitions=2,
    ),
}
ORDER = (
    "search_vs_bare_flask",
    "search_vs_ckan",
    "ckan_search_vs_ckan",
    "show_vs_bare_flask",
    "ckan_show_vs_v1_show",
    "token_endpoint",
    "tracking_overhead",
    "worker_rss",
    "worker_rss_no_recycle",
    "publish_vs_ckanapi",
    "publish_vs_ckanapi_concurrent",
    "usage_import_vs_copy",
    "report_vs_duckdb",
    "report_curve",
    "pages",
)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# The load generator ------------------------------------------------------------------------
def wrk(
    url: str,
    *,
    seconds: int,
    connections: int = 8,
    script: str = "",
    outputs: list[str] | None = None,
) -> float:
    """Requests/s of successful answers; raises when wrk saw errors (they would flatter us).

    ``outputs`` collects wrk's printed report (what a script's ``done`` wrote, too).
    """
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout=30s",
                f"-s{lua.name}",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(lua.name).unlink()
    if outputs is not None:
        outputs.append(output)
    rate, bad, errors = _RATE.search(output), _NON_2XX.search(output), _ERRORS.search(output)
    total = _TOTAL.search(output)
    if rate is None or total is None:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    # Any socket error or non-2xx would flatter us. Replacing a gateway worker
    # (max_requests) loses no request since issue 19 (civic/platform/serving.py).
    failed = sum(int(n) for n in errors.groups()) if errors else 0
    if bad or failed:
        raise RuntimeError(f"wrk saw failed requests against {url}:\n{output}")
    if int(total.group(1)) == 0:
        raise RuntimeError(f"no request completed in {seconds}s against {url}")
    return float(rate.group(1))


def lua_paths(paths: list[str], headers: dict[str, str] | None = None) -> str:
    """A wrk script cycling through ``paths`` in a fixed order (each thread from its own start)."""
    lines = [f"local paths = {{{', '.join(json.dumps(p) for p in paths)}}}", "local i = 0"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()]
    lines += [
        "request = function()",
        "  i = i % #paths + 1",
        "  return wrk.format(nil, paths[i])",
        "end",
    ]
    return "\n".join(lines) + "\n"


def lua_post(form: str, headers: dict[str, str]) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(form)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    return "\n".join(lines) + "\n"


def pairs(
    ours: Callable[[int], float],
    peer: Callable[[int], float],
    repetitions: int,
    seconds: int,
    warm_up: int = 1,
) -> list[Pair]:
    """Warm both sides up, then ``repetitions`` pairs of runs of about ``seconds`` each.

    The side that goes first alternates, so a drift of the machine's load falls on both.
    """
    ours(warm_up)
    peer(warm_up)
    measured = []
    for n in range(repetitions):
        if n % 2 == 0:
            a = ours(seconds)
            b = peer(seconds)
        else:
            b = peer(seconds)
            a = ours(seconds)
        measured.append(Pair(a, b))
        say(f"  run {n + 1}: ours {a:.1f}, peer {b:.1f}, ratio {a / b if b else 0:.3f}")
    return measured


@contextmanager
def attempt(
    results: list[Result], name: str, unit: str, target: float | None, *, at_most: bool = False
) -> Iterator[None]:
    """Run one benchmark; if it fails, say why and record it as failed, then go on."""
    try:
        yield
    except Exception as error:  # one broken benchmark must not lose the others
        say(f"{name} FAILED: {error!r}")
        results.append(Result(name, f"failed: {error!r}"[:300], unit, target, [], at_most))


# Processes ---------------------------------------------------------------------------------
def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"did not start on {port}; see {log}") from None
            time.sleep(0.2)


@contextmanager
def peer_server(folder: Path, var_dir: Path) -> Iterator[str]:
    """The bare Flask app under gunicorn with the gateway's config/gunicorn.conf.py."""
    port = free_port()
    log = var_dir / "log" / "bench-peer.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CIVIC_BIND": f"127.0.0.1:{port}",
        "CIVIC_GATEWAY_WORKERS": "2",
        "CIVIC_LOG_LEVEL": "WARNING",
        "CIVIC_BENCH_PEER_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "-c",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "tests.bench.peer_app:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    gateway: str
    ckan: str
    ckan_token: str
    database_url: str
    redis_url: str
    var_dir: Path

    def bootstrap(self) -> Bootstrap:
        return Bootstrap(
            ConnectionSettings(
                database_url=self.database_url, redis_url=self.redis_url, ckan_url=self.ckan
            )
        )

    def civic(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = self.env | {
            "CIVIC_DATABASE_URL": self.database_url,
            "CIVIC_CKAN_URL": self.ckan,
            "CIVIC_CKAN_API_TOKEN": self.ckan_token,
            "CIVIC_REDIS_URL": self.redis_url,
        }
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "civic"), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )


@contextmanager
def stack() -> Iterator[Stack]:
    env = stack_env(
        "bench",
        (7, 8),
        # config/test.toml's pool of 2 is for the test suites; under wrk -c8 each of a
        # worker's 4 threads would open and close a connection per request beyond it.
        CIVIC_DATABASE_POOL_SIZE="6",
        CIVIC_LOG_LEVEL="WARNING",
        # The load comes from one address and one app: quotas would measure 429s.
        CIVIC_QUOTAS_ANONYMOUS="100000000/minute",
        # The facade's anonymous limit too: at ~900 requests/s (a quiet machine) its
        # default is spent within a 5 s run of ckan_search_vs_ckan, which then counts 429s.
        CIVIC_QUOTAS_CKAN_ANONYMOUS="100000000/minute",
        CIVIC_QUOTAS_PLANS=json.dumps({"standard": "100000000/minute"}),
    )
    var_dir = Path(env["CIVIC_VAR_DIR"])
    recreate_database(env["CIVIC_DB_NAME"])
    recreate_database(env["CIVIC_CKAN_DB_NAME"])
    say("starting the stack (scripts/stack.py up)")
    started = subprocess.run(
        [sys.executable, str(STACK), "up"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    running = Stack(
        env=env,
        gateway=f"http://127.0.0.1:{env['CIVIC_GATEWAY_PORT']}",
        ckan=f"http://127.0.0.1:{env['CIVIC_CKAN_PORT']}",
        ckan_token=(var_dir / "secrets" / "ckan_api_token").read_text().strip()
        if started.returncode == 0
        else "",
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:5432/{env['CIVIC_DB_NAME']}",
        redis_url=f"redis://127.0.0.1:6379/{env['CIVIC_REDIS_DB']}",
        var_dir=var_dir,
    )
    try:
        if started.returncode != 0:
            raise SystemExit(f"the stack did not start:\n{started.stdout}\n{started.stderr}")
        yield running
    finally:
        subprocess.run(
            [sys.executable, str(STACK), "down"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        drop_database(env["CIVIC_DB_NAME"])
        drop_database(env["CIVIC_CKAN_DB_NAME"])
        if not os.environ.get("CIVIC_KEEP_BENCH_STACK"):
            shutil.rmtree(var_dir, ignore_errors=True)


# Data --------------------------------------------------------------------------------------
def ckan_package(n: int, rng: random.Random) -> dict[str, Any]:
    word = WORDS[n % len(WORDS)]
    other = rng.choice(WORDS)
    return {
        "name": f"bench-{n:05d}",
        "title": f"Données {word} {n}",
        "notes": f"Jeu de données numéro {n} sur le thème {word} et {other}.",
        "owner_org": ORGANIZATIONS[n % len(ORGANIZATIONS)],
        "license_id": "odc-odbl",
        "tags": [{"name": word}, {"name": f"lot {n % 10}"}],
        "resources": [{"url": f"https://example.org/bench/{n}.csv", "format": rng.choice(FORMATS)}],
    }


def seed_catalog(running: Stack, count: int) -> None:
    """The same ``count`` datasets in CKAN and in the gateway's mirror.

    Created in CKAN with ckanapi (8 threads), then taken into the mirror by
    ``civic catalog reconcile``: the worker's one-by-one publishing is measured
    separately (publish_vs_ckanapi), and would make seeding 10,000 slow.
    """
    ckan = ckanapi.RemoteCKAN(running.ckan, apikey=running.ckan_token)
    for name in ORGANIZATIONS:
        ckan.action.organization_create(name=name, title=name)
    rng = random.Random(SEED)  # noqa: S311 - reproducible data, not secrets
    packages = [ckan_package(n, rng) for n in range(count)]

    def create(package: dict[str, Any]) -> None:
        client = ckanapi.RemoteCKAN(running.ckan, apikey=running.ckan_token)
        client.action.package_create(**package)

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, packages))
    say(f"{count} datasets in CKAN in {time.monotonic() - started:.0f}s; reconciling the mirror")
    running.civic("catalog", "reconcile")
    total = requests.get(f"{running.gateway}/api/v1/datasets?page_size=1", timeout=60).json()
    if total["total"] != count:
        raise RuntimeError(f"the mirror has {total['total']} datasets, expected {count}")


def search_mix() -> tuple[list[str], list[str]]:
    """The same 8 queries with facets, as gateway paths and as CKAN package_search paths."""
    facets = json.dumps(["organization", "tags", "res_format", "license_id"])
    queries: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"q": "eau"}, {"q": "eau"}),
        ({"q": "transport"}, {"q": "transport"}),
        ({"tags": "budget"}, {"fq": 'tags:"budget"'}),
        ({"q": "santé", "formats": "CSV"}, {"q": "santé", "fq": 'res_format:"CSV"'}),
        ({"organization": ORGANIZATIONS[1]}, {"fq": f'organization:"{ORGANIZATIONS[1]}"'}),
        ({"q": "données", "sort": "title"}, {"q": "données", "sort": "title_string asc"}),
        ({"tags": "lot 3", "q": "vélo"}, {"q": "vélo", "fq": 'tags:"lot 3"'}),
        ({}, {}),
    ]
    ours = [f"/api/v1/datasets?{urllib.parse.urlencode(g)}" for g, _ in queries]
    theirs = [
        "/api/3/action/package_search?"
        + urllib.parse.urlencode({**c, "rows": 20, "facet.field": facets})
        for _, c in queries
    ]
    return ours, theirs


def renewed_bearer(running: Stack) -> ckan_facade_bench.Bearer:
    """A bearer token of an app of its own, renewed before a run could outlive it."""
    client_id, secret, _ = client_token(running)
    return ckan_facade_bench.Bearer(
        lambda: access_token(running, client_id, secret), time.monotonic
    )


def client_token(running: Stack) -> tuple[str, str, str]:
    """A client-credentials app of the bench: client id, secret and a fresh access token."""
    client_id, secret = make_app(running.database_url)
    return client_id, secret, access_token(running, client_id, secret)[0]


def access_token(running: Stack, client_id: str, secret: str) -> tuple[str, int]:
    """A fresh access token of the app (client credentials) and its lifetime in seconds."""
    answer = requests.post(
        f"{running.gateway}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"]), int(answer.json()["expires_in"])


# Benchmarks --------------------------------------------------------------------------------
def gateway_worker_rss_mb(running: Stack) -> float:
    """The largest RSS among the gateway's gunicorn workers (children of the master)."""
    master = int((running.var_dir / "run" / "gateway.pid").read_text().strip())
    largest = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == master:
            largest = max(largest, int(fields.get("VmRSS", "0 kB").split()[0]) / 1024)
    return round(largest, 1)


def worker_rss_no_recycle(running: Stack, count: int) -> Result:
    """A worker's RSS after ``count`` varied requests, never replaced, all of them its own.

    The gateway is restarted with ``CIVIC_GATEWAY_MAX_REQUESTS=0`` for the run (see
    tests/bench/worker_memory.py for the mix), then with its usual settings.
    """
    say(f"worker_rss_no_recycle ({count} varied requests, max_requests 0)")
    stack = RunningStack(
        gateway_url=running.gateway,
        ckan_url=running.ckan,
        ckan_api_token=running.ckan_token,
        database_url=running.database_url,
        ckan_database_url="",
        redis_url=running.redis_url,
        var_dir=running.var_dir,
        env=running.env,
    )
    # One worker, so that it alone answers all ``count`` requests.
    restart_gateway(stack, CIVIC_GATEWAY_MAX_REQUESTS="0", CIVIC_GATEWAY_WORKERS="1")
    try:
        material = worker_memory.prepare(stack)
        driven = worker_memory.drive(
            running.gateway, worker_memory.varied(material, count), running.var_dir
        )
    finally:
        restart_gateway(stack)
    if driven.server_errors or driven.errors:
        raise RuntimeError(f"the varied requests failed: {driven.statuses}, {driven.errors}")
    pids = set(driven.samples[0]) & set(driven.samples[-1])
    if len(pids) != len(driven.samples[0]):
        raise RuntimeError(f"a worker was replaced during the run: {driven.samples}")
    largest = max(driven.samples[-1].values())
    say(
        "  RSS (MB, largest worker) every 1,000 requests: "
        + ", ".join(f"{max(sample.values()):.0f}" for sample in driven.samples)
    )
    return Result(
        "worker_rss_no_recycle",
        f"the RSS of a lone gateway worker after {count:,} varied requests (searches, shows,"
        " DCAT, the CKAN facade, pages, reuses, tokens, reports, bad input) with"
        " CIVIC_GATEWAY_MAX_REQUESTS=0, against the 200 MB bound",
        "MB",
        1.0,
        [Pair(largest, RSS_BOUND_MB)],
        at_most=True,
    )


def publish(running: Stack, count: int, repetitions: int) -> tuple[list[Pair], list[Pair]]:
    """Gateway (sequential 201s; async through the worker) against ckanapi sequential."""
    bootstrap = running.bootstrap()
    catalog = Catalog(bootstrap)
    organization = f"bench-pub-{uuid.uuid4().hex[:6]}"
    catalog.organization(organization)
    person: Person = catalog.person("publisher", (organization,))
    ckan = ckanapi.RemoteCKAN(running.ckan, apikey=running.ckan_token)
    ckan.action.organization_create(name=organization, title="Bench publishing")
    session = requests.Session()
    session.headers.update(person.headers)
    engine = sa.create_engine(running.database_url, poolclass=sa.NullPool)

    def dataset(prefix: str, n: int) -> dict[str, Any]:
        word = WORDS[n % len(WORDS)]
        return body(
            name=f"{prefix}-{n:05d}",
            title=f"Données {word} {n}",
            description=f"Jeu de données numéro {n} sur le thème {word}.",
            organization=organization,
            tags=[word],
        )

    def direct(prefix: str) -> float:
        started = time.perf_counter()
        for n in range(count):
            data = dataset(prefix, n)
            ckan.action.package_create(
                name=data["name"],
                title=data["title"],
                notes=data["description"],
                owner_org=organization,
                license_id=data["license"],
                tags=[{"name": t} for t in data["tags"]],
                resources=[{"url": r["url"], "format": r["format"]} for r in data["resources"]],
            )
        return count / (time.perf_counter() - started)

    def post(client: requests.Session, data: dict[str, Any], headers: dict[str, str]) -> int:
        """POST ``data``, once more on a connection the server closed (as README advises).

        A gateway worker replaced after its max_requests closes its keep-alive
        connections; a request sent on one just then fails before the server reads it.
        A 409 on the second try means the first one was stored after all.
        """
        url = f"{running.gateway}/api/v1/datasets"
        try:
            return client.post(url, json=data, headers=headers, timeout=60).status_code
        except requests.ConnectionError:
            status = client.post(url, json=data, headers=headers, timeout=60).status_code
            return 201 if status == 409 else status

    def sequential(prefix: str) -> float:
        started = time.perf_counter()
        for n in range(count):
            status = post(session, dataset(prefix, n), {})
            if status != 201:
                raise RuntimeError(f"publishing {prefix}-{n} answered {status}")
        return count / (time.perf_counter() - started)

    def concurrent(prefix: str) -> float:
        def post_async(n: int) -> int:
            with requests.Session() as client:
                return post(
                    client, dataset(prefix, n), {**person.headers, "Prefer": "respond-async"}
                )

        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            statuses = set(pool.map(post_async, range(count)))
        if not statuses <= {201, 202}:
            raise RuntimeError(f"async publishing answered {statuses}")
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                pending = (
                    connection.scalar(
                        sa.text("SELECT count(*) FROM datasets WHERE name LIKE :p"),
                        {"p": f"{prefix}-%"},
                    ),
                    connection.scalar(
                        sa.text(
                            "SELECT count(*) FROM datasets WHERE name LIKE :p"
                            " AND sync_status <> 'synced'"
                        ),
                        {"p": f"{prefix}-%"},
                    ),
                )
            if pending[0] == count and pending[1] == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the worker did not deliver every dataset in 30 minutes")
        return count / (time.perf_counter() - started)

    sequential_pairs: list[Pair] = []
    concurrent_pairs: list[Pair] = []
    try:
        for rep in range(repetitions):
            base = direct(f"direct{rep}")
            sequential_pairs.append(Pair(sequential(f"seq{rep}"), base))
            concurrent_pairs.append(Pair(concurrent(f"async{rep}"), base))
    finally:
        engine.dispose()
        bootstrap.close()
    return sequential_pairs, concurrent_pairs


def ckan_facade(
    results: list[Result],
    running: Stack,
    size: Size,
    wanted: Callable[[str], bool],
) -> None:
    """The CKAN facade's benchmarks (see :mod:`tests.bench.ckan_facade_bench`)."""
    seconds, reps = size.seconds, size.repetitions
    if wanted("ckan_search_vs_ckan"):
        with attempt(results, "ckan_search_vs_ckan", "requests/s", 20.0):
            say("ckan_search_vs_ckan")
            mix = ckan_facade_bench.search_mix(ORGANIZATIONS)
            distinct = len(set(mix))
            outputs: list[str] = []
            measured = pairs(
                lambda s: wrk(
                    running.gateway + "/",
                    seconds=s,
                    script=ckan_facade_bench.lua_counting(mix),
                    outputs=outputs,
                ),
                lambda s: wrk(
                    running.ckan + "/",
                    seconds=s if size.name == "quick" else 2 * s,
                    script=ckan_facade_bench.lua_counting(mix),
                ),
                reps,
                seconds,
            )
            hits, misses = ckan_facade_bench.hit_rate(outputs[1:])  # not warm-up
            rate = hits / (hits + misses) if hits + misses else 0.0
            say(f"  facade search cache: {hits} hits, {misses} misses ({rate:.1%})")
            results.append(
                Result(
                    "ckan_search_vs_ckan",
                    f"the facade's package_search vs CKAN's own, same {size.datasets}"
                    f" datasets and requests: {distinct} distinct queries (cache:"
                    f" 256 per worker) with facets, rows 20; cache hit rate"
                    f" {rate:.1%}; wrk -c8",
                    "requests/s",
                    20.0,
                    measured,
                )
            )
    if wanted("ckan_show_vs_v1_show"):
        with attempt(results, "ckan_show_vs_v1_show", "requests/s", 0.9):
            say("ckan_show_vs_v1_show")
            facade_shows, v1_shows = ckan_facade_bench.show_paths(size.datasets)
            # In a full run this benchmark starts about 15 minutes (an access token's
            # life) after the run's first token was issued.
            bearer = renewed_bearer(running)

            def shows(side: str, paths: list[str], s: int) -> float:
                # A failed run says which statuses failed, when, and a sample body.
                outputs: list[str] = []
                script = ckan_facade_bench.lua_statuses(paths, bearer.headers(s))
                try:
                    return wrk(running.gateway + "/", seconds=s, script=script, outputs=outputs)
                except RuntimeError as error:
                    seen = ckan_facade_bench.failures(outputs[-1]) if outputs else ""
                    raise RuntimeError(
                        f"{side}: {seen}\n{error}" if seen else str(error)
                    ) from error

            results.append(
                Result(
                    "ckan_show_vs_v1_show",
                    "the facade's package_show vs /api/v1's dataset show, same"
                    " datasets, both with a bearer token (auth + tracking + DB),"
                    " wrk -c8",
                    "requests/s",
                    0.9,
                    pairs(
                        lambda s: shows("facade package_show", facade_shows, s),
                        lambda s: shows("/api/v1 show", v1_shows, s),
                        reps,
                        seconds,
                    ),
                )
            )


def run(size: Size, only: set[str]) -> list[Result]:
    results: list[Result] = []
    seconds, reps = size.seconds, size.repetitions

    def wanted(name: str) -> bool:
        return not only or name in only

    if not only or only - {
        "tracking_overhead",
        "usage_import_vs_copy",
        "report_vs_duckdb",
        "report_curve",
        "pages",
    }:
        with stack() as running:
            seed_catalog(running, size.datasets)
            _, _, token = client_token(running)
            client_id, secret, _ = client_token(running)
            ours_search, ckan_search = search_mix()
            peer_dir = running.var_dir / "bench-peer"
            peer_dir.mkdir(parents=True, exist_ok=True)
            (peer_dir / "search.json").write_text(
                requests.get(running.gateway + ours_search[0], timeout=30).text
            )
            (peer_dir / "show.json").write_text(
                requests.get(
                    f"{running.gateway}/api/v1/datasets/bench-00001",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ).text
            )
            basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            token_post = lua_post(
                "grant_type=client_credentials",
                {
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            (peer_dir / "token.json").write_text(
                requests.post(
                    f"{running.gateway}/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, secret),
                    timeout=30,
                ).text
            )
            gateway_search = lua_paths(ours_search)
            with peer_server(peer_dir, running.var_dir) as peer:
                if wanted("search_vs_bare_flask"):
                    with attempt(results, "search_vs_bare_flask", "requests/s", 0.2):
                        say("search_vs_bare_flask")
                        results.append(
                            Result(
                                "search_vs_bare_flask",
                                f"gateway search, {size.datasets} datasets, 8 queries with facets,"
                                " wrk -c8; peer: bare Flask route returning a search-sized JSON",
                                "requests/s",
                                0.2,
                                pairs(
                                    lambda s: wrk(
                                        running.gateway + "/", seconds=s, script=gateway_search
                                    ),
                                    lambda s: wrk(peer + "/search", seconds=s),
                                    reps,
                                    seconds,
                                ),
                            )
                        )
                if wanted("search_vs_ckan"):
                    with attempt(results, "search_vs_ckan", "requests/s", 20.0):
                        say("search_vs_ckan")
                        results.append(
                            Result(
                                "search_vs_ckan",
                                f"the same gateway search vs CKAN package_search (ckanext-civic),"
                                f" same {size.datasets} datasets and queries, wrk -c8",
                                "requests/s",
                                20.0,
                                pairs(
                                    lambda s: wrk(
                                        running.gateway + "/", seconds=s, script=gateway_search
                                    ),
                                    lambda s: wrk(
                                        running.ckan + "/",
                                        # CKAN answers ~10/s: longer runs for enough
                                        # samples, but for the quick size's time budget.
                                        seconds=s if size.name == "quick" else 2 * s,
                                        script=lua_paths(ckan_search),
                                    ),
                                    reps,
                                    seconds,
                                ),
                            )
                        )
                if wanted("show_vs_bare_flask"):
                    with attempt(results, "show_vs_bare_flask", "requests/s", 0.5):
                        say("show_vs_bare_flask")
                        names = [
                            f"/api/v1/datasets/bench-{n:05d}" for n in range(0, size.datasets, 7)
                        ]
                        bearer = renewed_bearer(running)
                        results.append(
                            Result(
                                "show_vs_bare_flask",
                                "gateway dataset show with a bearer token (auth + tracking + DB)"
                                " vs a bare Flask route returning the same JSON, wrk -c8",
                                "requests/s",
                                0.5,
                                pairs(
                                    lambda s: wrk(
                                        running.gateway + "/",
                                        seconds=s,
                                        script=lua_paths(names[:200], bearer.headers(s)),
                                    ),
                                    lambda s: wrk(peer + "/show", seconds=s),
                                    reps,
                                    seconds,
                                ),
                            )
                        )
                ckan_facade(results, running, size, wanted)
                if wanted("token_endpoint"):
                    with attempt(results, "token_endpoint", "requests/s", None):
                        say("token_endpoint")
                        results.append(
                            Result(
                                "token_endpoint",
                                "POST /oauth/token (client credentials, HTTP Basic) vs a bare Flask"
                                " POST route returning a token-shaped JSON, wrk -c8",
                                "requests/s",
                                None,
                                pairs(
                                    lambda s: wrk(
                                        running.gateway + "/oauth/token",
                                        seconds=s,
                                        script=token_post,
                                    ),
                                    lambda s: wrk(peer + "/token", seconds=s, script=token_post),
                                    reps,
                                    seconds,
                                ),
                            )
                        )
            if wanted("worker_rss"):
                with attempt(results, "worker_rss", "MB", 1.0, at_most=True):
                    rss = gateway_worker_rss_mb(running)
                    say(f"worker_rss {rss} MB")
                    results.append(
                        Result(
                            "worker_rss",
                            "largest gateway gunicorn worker RSS after the load above,"
                            " against the 200 MB bound",
                            "MB",
                            1.0,
                            [Pair(rss, RSS_BOUND_MB)],
                            at_most=True,
                        )
                    )
            if wanted("worker_rss_no_recycle"):
                with attempt(results, "worker_rss_no_recycle", "MB", 1.0, at_most=True):
                    results.append(worker_rss_no_recycle(running, size.memory_requests))
            if wanted("publish_vs_ckanapi") or wanted("publish_vs_ckanapi_concurrent"):
                with attempt(results, "publish_vs_ckanapi", "datasets/s", 0.9):
                    say(f"publish_vs_ckanapi ({size.publish} datasets a side)")
                    sequential_pairs, concurrent_pairs = publish(
                        running, size.publish, size.publish_repetitions
                    )
                    results.append(
                        Result(
                            "publish_vs_ckanapi",
                            f"publishing {size.publish} datasets through the gateway, sequentially"
                            " (each 201 after CKAN confirmed), vs ckanapi sequential",
                            "datasets/s",
                            0.9,
                            sequential_pairs,
                        )
                    )
                    results.append(
                        Result(
                            "publish_vs_ckanapi_concurrent",
                            f"publishing {size.publish} datasets through the gateway with"
                            " Prefer: respond-async from 8 clients until the worker synced all,"
                            " vs ckanapi sequential",
                            "datasets/s",
                            2.0,
                            concurrent_pairs,
                        )
                    )
    if wanted("tracking_overhead"):
        with attempt(results, "tracking_overhead", "requests/s", 0.9):
            say("tracking_overhead")
            with usage_bench.database() as url:
                dataset, token = usage_bench.seed(url)
                show = lua_paths(
                    [f"/api/v1/datasets/{dataset}"], {"Authorization": f"Bearer {token}"}
                )
                gateways = {"workers": 2, "threads": 4}
                with (
                    usage_bench.gateway(url, tracking=True, **gateways) as (on, _),
                    usage_bench.gateway(url, tracking=False, **gateways) as (off, _),
                ):
                    measured = pairs(
                        lambda s: wrk(on + "/", seconds=s, script=show),
                        lambda s: wrk(off + "/", seconds=s, script=show),
                        reps,
                        seconds,
                        warm_up=3,  # fresh gateways: first imports, pools, caches
                    )
            results.append(
                Result(
                    "tracking_overhead",
                    "authenticated GET /api/v1/datasets/<name>, tracking on vs off"
                    " (two identical gateways but CIVIC_USAGE_TRACKING), wrk -c8",
                    "requests/s",
                    0.9,
                    measured,
                )
            )
    if wanted("usage_import_vs_copy"):
        with attempt(results, "usage_import_vs_copy", "rows/s", 0.5):
            say(f"usage_import_vs_copy ({size.log_lines} log lines)")
            with usage_bench.database() as url:
                imported = usage_bench.import_vs_copy(
                    url, argparse.Namespace(log_lines=size.log_lines, repeat=reps)
                )
            # Each run imports, then raw-COPYs, the same rows: one pair of rates per run.
            rows = imported["rows"]
            import_pairs = [
                Pair(rows / run["import_seconds"], rows / run["raw_copy_seconds"])
                for run in imported["runs"]
            ]
            results.append(
                Result(
                    "usage_import_vs_copy",
                    "importing a combined-format access log (parse, map, hash, COPY without"
                    " duplicates) vs raw PostgreSQL COPY of the same rows",
                    "rows/s",
                    0.5,
                    import_pairs,
                )
            )
    for name, separate in (
        ("report_vs_duckdb", _report_vs_duckdb),
        ("report_curve", _report_curve),
        ("pages", _pages),
    ):
        # The curve builds two registries of the full size: in a full run, or when asked.
        if wanted(name) and (name != "report_curve" or size.name == "full" or name in only):
            separate(results, size, reps)
    return results


def _report_vs_duckdb(results: list[Result], size: Size, reps: int) -> None:
    # Two results: the ratio to DuckDB, and our seconds against the 5 s bound.
    with attempt(results, "report_vs_duckdb", "reports/s", 0.5):
        report = report_bench.SIZES[size.name]
        say(f"report_vs_duckdb ({report.events:,} events, {report.datasets:,} datasets)")
        folder = Path(tempfile.mkdtemp(prefix="civic-duckdb-", dir=ROOT / "var"))
        try:
            results.extend(report_bench.run(report, reps, folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _report_curve(results: list[Result], _size: Size, reps: int) -> None:
    # The report's cost against the usage's size: the full registry with 1 M and 3 M
    # events (report_seconds_1m, report_seconds_3m; report_seconds is the 10 M point).
    for name in ("1m", "3m"):
        with attempt(results, f"report_seconds_{name}", "s", 1.0, at_most=True):
            report = report_bench.SIZES[name]
            say(f"report_seconds_{name} ({report.events:,} events, {report.datasets:,} datasets)")
            folder = Path(tempfile.mkdtemp(prefix="civic-duckdb-", dir=ROOT / "var"))
            try:
                results.extend(report_bench.run(report, reps, folder, curve=True))
            finally:
                shutil.rmtree(folder, ignore_errors=True)


def _pages(results: list[Result], size: Size, _reps: int) -> None:
    # One result per page (page_home, page_catalog...), against its bound in ms.
    with attempt(results, "pages", "ms", None):
        say("pages (the site's main pages at the demo's size)")
        results.extend(pages_bench.run(pages_bench.SIZES[size.name]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--seconds", type=int, default=None, help="one wrk run")
    parser.add_argument("--repetitions", type=int, default=None)
    parser.add_argument("--only", default="", help=f"comma-separated ids of {', '.join(ORDER)}")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "results.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (or `make bench`)")
    size = SIZES[args.size]
    size = Size(
        size.name,
        size.datasets,
        size.publish,
        size.log_lines,
        args.seconds or size.seconds,
        args.repetitions or size.repetitions,
        size.publish_repetitions,
        size.memory_requests,
    )
    only = {name for name in args.only.split(",") if name}
    if unknown := only - set(ORDER):
        raise SystemExit(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    info = machine(size.name)
    started = time.monotonic()
    results = run(size, only)
    info["duration_seconds"] = round(time.monotonic() - started)
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    write_results(args.out, info, results)
    print(table(results))
    print(f"\nwritten to {args.out} in {info['duration_seconds']}s")


if __name__ == "__main__":
    main()
