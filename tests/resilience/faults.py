"""Support of the fault tests: a stack of their own, with every dependency in reach.

:class:`FaultStack` starts CKAN, the gateway and the worker with scripts/stack.py
(the same script as `make run`) on free ports, with the gateway's database on a
private PostgreSQL cluster (:class:`PrivatePostgres`, started with the stack
script's own functions, as the ``postgres`` OS user) and a private Redis
(:class:`PrivateRedis`), so that restarting or stopping them disturbs nobody else on
the machine (CKAN's database stays on the machine's
PostgreSQL). The gateway and the worker reach CKAN through :class:`FaultProxy`, a
small HTTP proxy that can pass requests on, answer them late
(after forwarding them: CKAN did the work, the answer comes after the connector's
timeout) or answer 500 (without forwarding). scripts/stack.py gives the gateway the
CKAN URL it started, so the gateway and the worker are restarted here, with the
script's own functions, pointed at the proxy.

:class:`Writer` publishes datasets through the API from a few threads and keeps
what each write got; :func:`census` counts, for a name prefix, the rows in the
gateway's database and the packages in CKAN's database (counts, not samples).
"""

from __future__ import annotations

import functools
import http.client
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import psycopg
import requests
from tests.integration.publishing.helpers import Person, body
from tests.integration.stack import (
    ROOT,
    STACK,
    RunningStack,
    drop_database,
    free_port,
    recreate_database,
)

START_SCRIPT = """
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("civic_stack_script", sys.argv[1])
script = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = script
spec.loader.exec_module(script)
port = int(sys.argv[4]) if sys.argv[4] else None
script.start(script.Stack.from_env(), sys.argv[2], json.loads(sys.argv[3]), dict(os.environ), port)
"""
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}


def stack_script() -> ModuleType:
    """scripts/stack.py as a module (standard library only), to reuse its process helpers."""
    spec = importlib.util.spec_from_file_location("civic_stack_script", STACK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port, trusted on loopback, no fsync.

    initdb and pg_ctl run through scripts/stack.py's own functions (the ones `make run`
    uses for its private cluster when no PostgreSQL answers), as ``postgres`` when root.
    """

    def __init__(self) -> None:
        self.script = stack_script()
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="civic-faults-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.script.own_for_postgres(self.base)

    def start(self) -> None:
        self.script.init_cluster(self.data)
        self.script.start_cluster(
            self.data,
            "127.0.0.1",
            self.port,
            self.log,
            extra="-c fsync=off -c max_connections=200",
            socket_dir=self.base,
        )

    def restart(self) -> None:
        """An immediate shutdown (a crash, for the clients) and a start with recovery."""
        self.script.stop_cluster(self.data, "immediate", check=True)
        self.start()

    def stop(self) -> None:
        self.script.stop_cluster(self.data, "immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self, name: str) -> None:
        subprocess.run(
            [
                *("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"),
                *("-qc", f'CREATE DATABASE "{name}"'),
            ],
            check=True,
            capture_output=True,
        )

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


class PrivateRedis:
    """A redis-server without persistence on a free port, stopped and started at will."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [
                    *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no"),
                ],
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not listen on {self.port}; see {self.log}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class FaultProxy:
    """An HTTP proxy in front of CKAN whose ``mode`` says how it answers.

    ``pass``: forward and answer. ``slow``: forward (CKAN does the work), then hold
    the answer ``delay`` seconds, beyond the client's timeout. ``error``: answer 500
    without forwarding. Counts what it saw per mode, for the fault table.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.mode = "pass"
        self.delay = 0.0
        self.seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy.handle(self)

            do_POST = do_GET  # noqa: N815 - http.server's naming

            def log_message(self, format: str, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextmanager
    def fault(self, mode: str, delay: float = 0.0) -> Iterator[None]:
        self.mode, self.delay = mode, delay
        try:
            yield
        finally:
            self.mode, self.delay = "pass", 0.0

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        mode, delay = self.mode, self.delay
        with self._lock:
            self.seen[mode] = self.seen.get(mode, 0) + 1
        length = int(request.headers.get("Content-Length") or 0)
        payload = request.rfile.read(length) if length else b""
        if mode == "error":
            self._answer(request, 500, [("Content-Type", "text/plain")], b"injected fault")
            return
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream.request(request.command, request.path, body=payload, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
            status, answer_headers = answer.status, answer.getheaders()
        except OSError:
            self._answer(request, 502, [("Content-Type", "text/plain")], b"upstream down")
            return
        finally:
            upstream.close()
        if mode == "slow":
            time.sleep(delay)
        kept = [(k, v) for k, v in answer_headers if k.lower() not in HOP_BY_HOP]
        self._answer(request, status, kept, content)

    @staticmethod
    def _answer(
        request: BaseHTTPRequestHandler,
        status: int,
        headers: list[tuple[str, str]],
        content: bytes,
    ) -> None:
        with suppress(OSError):  # the client may have given up (slow mode)
            request.send_response(status)
            for name, value in headers:
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(content)))
            request.end_headers()
            request.wfile.write(content)


@dataclass
class FaultStack:
    """CKAN, gateway and worker on a private PostgreSQL and Redis, CKAN behind a proxy."""

    env: dict[str, str]
    postgres: PrivatePostgres
    redis: PrivateRedis
    proxy: FaultProxy
    running: RunningStack
    script: ModuleType
    worker_args: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, var_dir: Path) -> FaultStack:
        script = stack_script()
        postgres = PrivatePostgres()
        redis = PrivateRedis(var_dir / "log" / "redis.log")
        ckan_port, gateway_port = free_port(), free_port()
        env = {
            **os.environ,
            "CIVIC_VAR_DIR": str(var_dir),
            "CIVIC_GATEWAY_PORT": str(gateway_port),
            "CIVIC_CKAN_PORT": str(ckan_port),
            # On the machine's PostgreSQL: CKAN's database, and one the script migrates
            # but nobody uses (the gateway's is on the private cluster, see service_env).
            "CIVIC_DB_NAME": f"civic_faults_unused_{os.getpid()}",
            "CIVIC_CKAN_DB_NAME": f"civic_ckan_faults_{os.getpid()}",
            "CIVIC_REDIS_BASE": f"redis://127.0.0.1:{redis.port}",
            "CIVIC_REDIS_DB": "0",
            "CIVIC_CKAN_REDIS_DB": "1",
            "CIVIC_ENV": "test",
            "CIVIC_GATEWAY_WORKERS": "2",
            # Started below, pointed at the proxy.
            "CIVIC_START_WORKER": "0",
        }
        proxy = FaultProxy(ckan_port)
        running = RunningStack(
            gateway_url=f"http://127.0.0.1:{gateway_port}",
            ckan_url=f"http://127.0.0.1:{ckan_port}",
            ckan_api_token="",
            database_url=postgres.url("civic_faults").replace("postgresql:", "postgresql+psycopg:"),
            ckan_database_url=f"postgresql://postgres@127.0.0.1:5432/{env['CIVIC_CKAN_DB_NAME']}",
            redis_url=f"redis://127.0.0.1:{redis.port}/0",
            var_dir=var_dir,
            env=env,
        )
        built = cls(env, postgres, redis, proxy, running, script)
        try:
            postgres.start()
            postgres.create_database("civic_faults")
            redis.start()
            proxy.start()
            recreate_database(env["CIVIC_DB_NAME"])
            recreate_database(env["CIVIC_CKAN_DB_NAME"])
            started = running.run_script("up")
            if started.returncode != 0:
                raise RuntimeError(
                    f"the fault stack did not start:\n{started.stdout}\n{started.stderr}"
                )
            token = (var_dir / "secrets" / "ckan_api_token").read_text().strip()
            built.running = RunningStack(**{**running.__dict__, "ckan_api_token": token})
            assert running.run_script("down", "gateway").returncode == 0
            migrated = subprocess.run(
                [str(ROOT / ".venv" / "bin" / "civic"), "db", "upgrade"],
                env=built.service_env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert migrated.returncode == 0, migrated.stdout + migrated.stderr
            built.start_gateway()
            built.start_worker()
        except BaseException:
            built.stop()
            raise
        return built

    # The gateway and the worker, reaching CKAN through the proxy --------------------
    @functools.cached_property
    def script_stack(self) -> Any:
        """The script's ``Stack`` for this stack's variables (it reads them from os.environ)."""
        with mock.patch.dict(os.environ, self.env):
            return self.script.Stack.from_env()

    @functools.cached_property
    def service_env(self) -> dict[str, str]:
        """The script's environment of the gateway and the worker, with CKAN behind the
        proxy and the database on the private cluster. Computed once, before any thread
        of a test runs, since it borrows os.environ."""
        with mock.patch.dict(os.environ, self.env):
            env: dict[str, str] = self.script_stack.gateway_env(self.running.ckan_api_token)
        return env | {
            "CIVIC_CKAN_URL": self.proxy.url,
            "CIVIC_DATABASE_URL": self.running.database_url,
        }

    def start_gateway(self) -> None:
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "civic.platform.app:create_app()",
        ]
        self._start("gateway", command, self.script_stack.gateway_port)
        stack = self.script_stack
        self.script.wait_http(f"{stack.gateway_url}/readyz", "gateway", stack, 90)

    def start_worker(self, *args: str) -> None:
        self._start("worker", [str(ROOT / ".venv" / "bin" / "civic"), "worker", *args], None)

    def _start(self, name: str, command: list[str], port: int | None) -> None:
        # Through the script's own start(), in a short-lived process: the service is
        # then not a child of the test process (no zombie once killed, no Popen left).
        started = subprocess.run(
            [
                sys.executable,
                "-c",
                START_SCRIPT,
                str(STACK),
                name,
                json.dumps(command),
                str(port or ""),
            ],
            env=self.service_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert started.returncode == 0, started.stdout + started.stderr

    def kill(self, name: str) -> None:
        """SIGKILL a service and its children (its process group), as a crash would."""
        pid = int(self.pidfile(name).read_text().strip())
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
        self.pidfile(name).unlink(missing_ok=True)

    def alive(self, name: str) -> bool:
        return self.script.running_pid(self.script_stack, name) is not None

    def pidfile(self, name: str) -> Path:
        return self.running.var_dir / "run" / f"{name}.pid"

    def gateway_workers(self) -> list[int]:
        master = int(self.pidfile("gateway").read_text().strip())
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return sorted(int(pid) for pid in children)

    def stop(self) -> None:
        self.running.run_script("down")
        for name in ("CIVIC_DB_NAME", "CIVIC_CKAN_DB_NAME"):
            with suppress(subprocess.CalledProcessError):
                drop_database(self.env[name])
        self.proxy.stop()
        self.redis.stop()
        self.postgres.stop()


def restart_gateway(stack: RunningStack, **extra: str) -> None:
    """Restart ``stack``'s gateway with scripts/stack.py's environment plus ``extra``
    (``CIVIC_GATEWAY_MAX_REQUESTS``: the load test, the memory benchmark)."""
    assert stack.run_script("down", "gateway").returncode == 0
    script = stack_script()
    with mock.patch.dict(os.environ, stack.env | extra):
        settings = script.Stack.from_env()
        env: dict[str, str] = settings.gateway_env(stack.ckan_api_token)
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        *("-c", str(ROOT / "config" / "gunicorn.conf.py")),
        "civic.platform.app:create_app()",
    ]
    started = subprocess.run(
        [
            *(sys.executable, "-c", START_SCRIPT, str(STACK), "gateway"),
            *(json.dumps(command), str(settings.gateway_port)),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert started.returncode == 0, started.stdout + started.stderr
    script.wait_http(f"{settings.gateway_url}/readyz", "gateway", settings, 90)


# Writes and their census ---------------------------------------------------------
@dataclass
class Writes:
    """What each write of a fault got: accepted (201/202), refused (status), no answer."""

    prefix: str
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def tried(self) -> int:
        return len(self.accepted) + len(self.refused) + len(self.unanswered)


class Writer:
    """Publishes datasets named ``<prefix>-<n>`` from ``threads`` threads, one try each."""

    def __init__(self, gateway_url: str, person: Person, organization: str, prefix: str) -> None:
        self.gateway_url = gateway_url
        self.person = person
        self.organization = organization
        self.writes = Writes(prefix)
        self._counter = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def write(self, *, asynchronous: bool = False, timeout: float = 30) -> None:
        with self.writes.lock:
            self._counter += 1
            name = f"{self.writes.prefix}-{self._counter:04d}"
        headers = dict(self.person.headers)
        if asynchronous:
            headers["Prefer"] = "respond-async"
        try:
            answer = requests.post(
                f"{self.gateway_url}/api/v1/datasets",
                json=body(name=name, organization=self.organization),
                headers=headers,
                timeout=timeout,
            )
        except requests.RequestException:
            with self.writes.lock:
                self.writes.unanswered.append(name)
            return
        with self.writes.lock:
            if answer.status_code in (201, 202):
                self.writes.accepted.append(name)
            else:
                self.writes.refused[name] = answer.status_code

    def burst(self, count: int, *, threads: int = 4, asynchronous: bool = False) -> Writes:
        """``count`` writes, ``threads`` at a time; returns when all have an outcome."""
        remaining = iter(range(count))
        lock = threading.Lock()

        def loop() -> None:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                self.write(asynchronous=asynchronous)

        workers = [threading.Thread(target=loop) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return self.writes

    def start(self, *, threads: int = 4, pause: float = 0.05) -> None:
        """Write continuously until :meth:`finish`."""

        def loop() -> None:
            while not self._stop.is_set():
                self.write(timeout=15)
                time.sleep(pause)

        self._threads = [threading.Thread(target=loop) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def finish(self) -> Writes:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return self.writes


@dataclass(frozen=True)
class Census:
    """Counts, for one name prefix, in the gateway's database and in CKAN's."""

    gateway_rows: int
    gateway_names: int
    gateway_synced: int
    ckan_packages: int
    ckan_names: int
    # name -> CKAN id, on each side (the gateway keeps the id CKAN gave it).
    gateway_ids: dict[str, str | None]
    ckan_ids: dict[str, str]

    @property
    def duplicates(self) -> int:
        return (self.gateway_rows - self.gateway_names) + (self.ckan_packages - self.ckan_names)


def census(fault: FaultStack, prefix: str) -> Census:
    pattern = prefix + "-%"
    gateway_url = fault.running.database_url.replace("postgresql+psycopg:", "postgresql:")
    with psycopg.connect(gateway_url, autocommit=True, connect_timeout=5) as connection:
        rows = connection.execute(
            "SELECT name, ckan_id, sync_status::text FROM datasets"
            " WHERE name LIKE %s AND deleted_at IS NULL",
            (pattern,),
        ).fetchall()
    with psycopg.connect(
        fault.running.ckan_database_url, autocommit=True, connect_timeout=5
    ) as connection:
        packages = connection.execute(
            "SELECT name, id FROM package WHERE name LIKE %s AND state = 'active'"
            " AND type = 'dataset'",
            (pattern,),
        ).fetchall()
    return Census(
        gateway_rows=len(rows),
        gateway_names=len({name for name, _, _ in rows}),
        gateway_synced=sum(1 for _, _, status in rows if status == "synced"),
        ckan_packages=len(packages),
        ckan_names=len({name for name, _ in packages}),
        gateway_ids={name: ckan_id for name, ckan_id, _ in rows},
        ckan_ids={name: package_id for name, package_id in packages},
    )


def settled(fault: FaultStack, writes: Writes, *, timeout: float) -> Census:
    """The census once every accepted write is synced and in CKAN (or at ``timeout``)."""
    deadline = time.monotonic() + timeout
    accepted = set(writes.accepted)
    while True:
        if not fault.alive("worker"):
            raise AssertionError(f"the worker died; see {fault.running.var_dir}/log/worker.log")
        try:
            counted = census(fault, writes.prefix)
        except psycopg.OperationalError:
            counted = None
        if counted is not None:
            synced = {name for name, ckan_id in counted.gateway_ids.items() if ckan_id is not None}
            pending = counted.gateway_rows - counted.gateway_synced
            if accepted <= synced and accepted <= set(counted.ckan_ids) and pending == 0:
                return counted
        if time.monotonic() > deadline:
            if counted is None:
                raise AssertionError("the databases did not answer")
            return counted
        time.sleep(0.5)


def unique_prefix(fault: str) -> str:
    return f"{fault}-{uuid.uuid4().hex[:6]}"
