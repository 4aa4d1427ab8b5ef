#!/usr/bin/env python3
"""The local stack: install, start and stop CKAN, the gateway and the worker.

    python3 scripts/stack.py install   # .venv, .venv-ckan, frontend/node_modules (npm ci)
    python3 scripts/stack.py up        # install, prepare databases, start, wait, print URLs
                                       # (and private PostgreSQL, Redis under var/ if none answers)
    python3 scripts/stack.py down      # stop what `up` started (by pid file)
    python3 scripts/stack.py status    # what runs, and /readyz
    python3 scripts/stack.py harvester-up    # tests only: a second CKAN that harvests
    python3 scripts/stack.py harvester-down  #   the gateway (ckanext-harvest, ckanext-dcat)

Every step is idempotent: running `up` twice starts nothing twice. Only the
standard library is used here, because this script is what creates the venvs.
Settings come from environment variables (see ``Stack.from_env``), so tests can
start a second stack on free ports beside a developer's own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CKAN_USER = "civic_gateway"
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class StackError(RuntimeError):
    """A step failed; the message says which and where its log is."""


@dataclass(frozen=True)
class Stack:
    host: str
    gateway_port: int
    ckan_port: int
    var_dir: Path
    venv: Path
    ckan_venv: Path
    pg_host: str
    pg_port: int
    pg_user: str
    db_name: str
    ckan_db_name: str
    redis_base: str
    redis_db: int
    ckan_redis_db: int
    gateway_workers: int
    ckan_workers: int
    start_worker: bool
    demo: str
    harvester_port: int = 5001
    harvester_db_name: str = "civic_ckan_harvester"
    # The local SMTP sink (scripts/mail_sink.py): the gateway's mail lands in var/mail/.
    mail_port: int = 8025

    @classmethod
    def from_env(cls) -> Stack:
        env = os.environ.get
        for name in ("CIVIC_DB_NAME", "CIVIC_CKAN_DB_NAME", "CIVIC_HARVESTER_DB_NAME"):
            if not IDENTIFIER.fullmatch(env(name, "civic")):
                raise StackError(f"{name} must be a plain identifier ([a-z_][a-z0-9_]*)")
        return cls(
            host=env("CIVIC_HOST", "127.0.0.1"),
            gateway_port=int(env("CIVIC_GATEWAY_PORT", "8000")),
            ckan_port=int(env("CIVIC_CKAN_PORT", "5000")),
            var_dir=Path(env("CIVIC_VAR_DIR", str(ROOT / "var"))).resolve(),
            venv=Path(env("CIVIC_VENV", str(ROOT / ".venv"))),
            ckan_venv=Path(env("CKAN_VENV", str(ROOT / ".venv-ckan"))),
            pg_host=env("CIVIC_PG_HOST", "127.0.0.1"),
            pg_port=int(env("CIVIC_PG_PORT", "5432")),
            pg_user=env("CIVIC_PG_USER", "postgres"),
            db_name=env("CIVIC_DB_NAME", "civic"),
            ckan_db_name=env("CIVIC_CKAN_DB_NAME", "civic_ckan"),
            redis_base=env("CIVIC_REDIS_BASE", "redis://127.0.0.1:6379"),
            redis_db=int(env("CIVIC_REDIS_DB", "0")),
            ckan_redis_db=int(env("CIVIC_CKAN_REDIS_DB", "1")),
            gateway_workers=int(env("CIVIC_GATEWAY_WORKERS", "2")),
            ckan_workers=int(env("CIVIC_CKAN_WORKERS", "2")),
            start_worker=env("CIVIC_START_WORKER", "auto") != "0",
            # A simulated history written into an empty platform, so the portal and the
            # reports have something to show; never in tests.
            demo=env("CIVIC_DEMO", "none" if env("CIVIC_ENV") == "test" else "mixed"),
            harvester_port=int(env("CIVIC_HARVESTER_PORT", "5001")),
            harvester_db_name=env("CIVIC_HARVESTER_DB_NAME", "civic_ckan_harvester"),
            mail_port=int(env("CIVIC_MAIL_PORT", "8025")),
        )

    # Derived places and URLs -------------------------------------------------
    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    @property
    def ckan_url(self) -> str:
        return f"http://{self.host}:{self.ckan_port}"

    def pg_url(self, db: str, driver: str = "postgresql") -> str:
        return f"{driver}://{self.pg_user}@{self.pg_host}:{self.pg_port}/{db}"

    @property
    def database_url(self) -> str:
        return self.pg_url(self.db_name, "postgresql+psycopg")

    @property
    def redis_url(self) -> str:
        return f"{self.redis_base}/{self.redis_db}"

    @property
    def ckan_ini(self) -> Path:
        return self.var_dir / "ckan" / "ckan.ini"

    @property
    def harvester_url(self) -> str:
        return f"http://{self.host}:{self.harvester_port}"

    @property
    def harvester_ini(self) -> Path:
        return self.var_dir / "harvester" / "ckan.ini"

    def log(self, name: str) -> Path:
        return self.var_dir / "log" / f"{name}.log"

    def pidfile(self, name: str) -> Path:
        return self.var_dir / "run" / f"{name}.pid"

    def secret(self, name: str) -> Path:
        return self.var_dir / "secrets" / name

    def gateway_env(self, api_token: str) -> dict[str, str]:
        return {
            **os.environ,
            "CIVIC_ENV": os.environ.get("CIVIC_ENV", "development"),
            "CIVIC_DATABASE_URL": self.database_url,
            "CIVIC_REDIS_URL": self.redis_url,
            "CIVIC_CKAN_URL": self.ckan_url,
            # The address clients use: every absolute URL the gateway writes starts with it.
            "CIVIC_PUBLIC_URL": os.environ.get("CIVIC_PUBLIC_URL") or self.gateway_url,
            "CIVIC_CKAN_API_TOKEN": api_token,
            # Signs sessions and CSRF tokens; the same for every gateway worker.
            "CIVIC_SECRET_KEY": read_or_make_secret(self, "gateway_secret_key"),
            "CIVIC_CKAN_PUSH_SECRET": read_or_make_secret(self, "ckan_push_secret"),
            "CIVIC_BIND": f"{self.host}:{self.gateway_port}",
            "CIVIC_GATEWAY_WORKERS": str(self.gateway_workers),
            # Outgoing mail goes to the local sink, never to a real relay.
            "CIVIC_MAIL_HOST": self.host,
            "CIVIC_MAIL_PORT": str(self.mail_port),
            "CIVIC_MAIL_TLS": "none",
            "CIVIC_MAIL_SINK_DIR": str(self.mail_dir),
            # glibc's malloc keeps up to 8 heaps a core for a worker's threads, and
            # each holds on to what it freed: two kept a worker 15 MB smaller after
            # 2,000 varied requests (181.5 vs 197 MB). The Dockerfile sets the same.
            "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
        }

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"


def say(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def run(cmd: list[str], *, env: dict[str, str] | None = None, log: Path | None = None) -> str:
    """Run a command to completion; on failure raise with the tail of its output."""
    result = subprocess.run(  # noqa: S603 - commands are built here, never from input
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:
            handle.write(f"$ {' '.join(cmd)}\n{output}\n")
    if result.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise StackError(f"`{' '.join(cmd)}` failed with exit {result.returncode}:\n{tail}")
    return result.stdout


# Installation ----------------------------------------------------------------
def uv() -> list[str]:
    """uv installs from its cache under ~/.cache/uv in seconds; fetch it once if absent."""
    found = shutil.which("uv")
    if found:
        return [found]
    probe = subprocess.run(
        [sys.executable, "-m", "uv", "--version"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        say("installing uv (once per machine)")
        run([sys.executable, "-m", "pip", "install", "--quiet", "uv"])
    return [sys.executable, "-m", "uv"]


def fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv(venv: Path, stamp_inputs: tuple[Path, ...], installs: list[list[str]]) -> None:
    stamp = venv / ".civic-stamp"
    wanted = fingerprint(*stamp_inputs)
    if stamp.exists() and stamp.read_text() == wanted and (venv / "bin" / "python").exists():
        return
    started = time.monotonic()
    say(f"installing {venv.name} (cached after the first time)")
    if not (venv / "bin" / "python").exists():
        run([*uv(), "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)])
    # The target is named, not left to VIRTUAL_ENV: `python -m uv` run from another
    # venv's interpreter installs into that interpreter's venv (CKAN's requirements
    # once landed in .venv that way).
    target = ["--python", str(venv / "bin" / "python")]
    for args in installs:
        run([*uv(), "pip", "install", "--quiet", *target, *args])
    stamp.write_text(wanted)
    say(f"{venv.name} ready in {time.monotonic() - started:.1f}s")


def install(stack: Stack) -> None:
    ensure_venv(
        stack.venv,
        (ROOT / "requirements.lock", ROOT / "pyproject.toml"),
        [["-r", "requirements.lock"], ["--no-deps", "-e", "."]],
    )
    ckanext = ROOT / "connectors" / "ckanext-civic"
    ensure_venv(
        stack.ckan_venv,
        (ROOT / "config" / "ckan-requirements.lock", ckanext / "pyproject.toml"),
        [["-r", "config/ckan-requirements.lock"], ["--no-deps", "-e", str(ckanext)]],
    )
    ensure_frontend()


def ensure_frontend() -> None:
    """The pages' design system (DSFR) and the browser tests' axe-core, from the npm lock.

    ``npm ci`` into frontend/node_modules (out of git); the gateway serves the DSFR's
    dist/ from there. Skipped while the lock is unchanged since the last install.
    """
    frontend = ROOT / "frontend"
    modules = frontend / "node_modules"
    stamp = modules / ".civic-stamp"
    wanted = fingerprint(frontend / "package-lock.json")
    if stamp.exists() and stamp.read_text() == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise StackError("npm is missing: install Node.js 20 (apt-get install nodejs npm)")
    started = time.monotonic()
    say("installing frontend/node_modules (npm ci)")
    run(
        [
            npm,
            "ci",
            "--prefix",
            str(frontend),
            "--include=dev",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
        ]
    )
    stamp.write_text(wanted)
    say(f"frontend/node_modules ready in {time.monotonic() - started:.1f}s")


# Databases, configuration, secrets ---------------------------------------------
def psql(stack: Stack, sql: str, db: str = "postgres") -> str:
    return run(
        [
            "psql",
            "-h",
            stack.pg_host,
            "-p",
            str(stack.pg_port),
            "-U",
            stack.pg_user,
            "-d",
            db,
            "-tAc",
            sql,
        ]
    ).strip()


def ensure_database(stack: Stack, name: str) -> None:
    # Safe to interpolate: Stack.from_env only accepts plain identifiers as names.
    exists = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608
    if psql(stack, exists) != "1":
        say(f"creating database {name}")
        psql(stack, f'CREATE DATABASE "{name}"')


def read_or_make_secret(stack: Stack, name: str) -> str:
    path = stack.secret(name)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(value)
    return value


def write_ckan_ini(stack: Stack) -> None:
    template = string.Template((ROOT / "config" / "ckan.ini.template").read_text())
    storage = stack.var_dir / "ckan" / "storage"
    storage.mkdir(parents=True, exist_ok=True)
    rendered = template.substitute(
        CKAN_SECRET_KEY=read_or_make_secret(stack, "ckan_secret_key"),
        CKAN_SITE_URL=stack.ckan_url,
        CKAN_SQLALCHEMY_URL=stack.pg_url(stack.ckan_db_name),
        CKAN_REDIS_URL=f"{stack.redis_base}/{stack.ckan_redis_db}",
        CKAN_STORAGE_PATH=str(storage),
        CKAN_PUSH_URL=f"{stack.gateway_url}/api/v1/ckan/events",
        CKAN_PUSH_SECRET=read_or_make_secret(stack, "ckan_push_secret"),
    )
    stack.ckan_ini.parent.mkdir(parents=True, exist_ok=True)
    stack.ckan_ini.touch(mode=0o600)
    stack.ckan_ini.write_text(rendered)


def ckan_cli(stack: Stack, *args: str) -> str:
    return run(
        [str(stack.ckan_venv / "bin" / "ckan"), "-c", str(stack.ckan_ini), *args],
        log=stack.log("ckan-cli"),
    )


def ensure_ckan_token(stack: Stack) -> str:
    """The gateway's sysadmin account in CKAN, and an API token for it (kept in var/secrets)."""
    token_file = stack.secret("ckan_api_token")
    if token_file.exists() and ckan_token_works(stack, token_file.read_text().strip()):
        return token_file.read_text().strip()
    # Not logged: the output is the token itself.
    output = run(
        [
            str(stack.ckan_venv / "bin" / "python"),
            str(ROOT / "config" / "ckan_bootstrap.py"),
            CKAN_USER,
        ],
        env={**os.environ, "CKAN_INI": str(stack.ckan_ini)},
    )
    token = output.strip().splitlines()[-1].strip()
    token_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token_file.touch(mode=0o600)
    token_file.write_text(token)
    return token


def ckan_token_works(stack: Stack, token: str) -> bool:
    """A token survives only as long as CKAN's database; check it against the running CKAN."""
    request = urllib.request.Request(  # noqa: S310 - an http URL built from settings
        f"{stack.ckan_url}/api/3/action/api_token_list?user_id={CKAN_USER}",
        headers={"Authorization": token},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return bool(json.load(response).get("success"))
    except (urllib.error.URLError, OSError, ValueError):
        return False


# The harvesting site (tests only) ------------------------------------------------
# A second CKAN with its own database, ckanext-civic's search, ckanext-harvest and
# ckanext-dcat: the harvester a civic administration would point at the gateway. Not
# part of `up`; the integration tests start it (tests/conftest.py, harvester_site).
HARVESTER_PLUGINS = "civic_search activity harvest ckan_harvester dcat dcat_rdf_harvester"
HARVESTER_USER = "civic_harvester"

HARVESTER_INI = """\
# Rendered by scripts/stack.py: the harvesting site reads base.ini (config/ckan.ini.template
# with this site's URL, database and secret) and changes only what follows.
[app:main]
use = config:base.ini
ckan.site_id = civic_harvester
ckan.site_title = Civic Platform harvester (tests)
# No civic_push: what this site harvests must not flow back into the gateway.
ckan.plugins = {plugins}
# Harvest queues on CKAN's Redis (ckan.redis.url, as ckan.harvest.mq.hostname is unset);
# jobs run in-process with `ckan harvester run-test`, so no queue consumer runs.
ckan.harvest.mq.type = redis
"""


def write_harvester_ini(stack: Stack) -> None:
    """config/ckan.ini.template for the harvesting site, then its own plugins on top."""
    folder = stack.harvester_ini.parent
    storage = folder / "storage"
    storage.mkdir(parents=True, exist_ok=True)
    template = string.Template((ROOT / "config" / "ckan.ini.template").read_text())
    base = template.substitute(
        CKAN_SECRET_KEY=read_or_make_secret(stack, "harvester_secret_key"),
        CKAN_SITE_URL=stack.harvester_url,
        CKAN_SQLALCHEMY_URL=stack.pg_url(stack.harvester_db_name),
        CKAN_REDIS_URL=f"{stack.redis_base}/{stack.ckan_redis_db}",
        CKAN_STORAGE_PATH=str(storage),
        # civic_push is not loaded on this site; the template still names its settings.
        CKAN_PUSH_URL=f"{stack.gateway_url}/api/v1/ckan/events",
        CKAN_PUSH_SECRET=secrets.token_urlsafe(32),
    )
    for path, text in (
        (folder / "base.ini", base),
        (stack.harvester_ini, HARVESTER_INI.format(plugins=HARVESTER_PLUGINS)),
    ):
        path.touch(mode=0o600)
        path.write_text(text)


def harvester_up(stack: Stack) -> None:
    """Start the harvesting site (database, migrations, a sysadmin token, gunicorn)."""
    started = time.monotonic()
    install(stack)
    ensure_database(stack, stack.harvester_db_name)
    write_harvester_ini(stack)
    ckan = str(stack.ckan_venv / "bin" / "ckan")
    # `db init` runs the plugins' migrations too (ckanext-harvest's tables).
    run([ckan, "-c", str(stack.harvester_ini), "db", "init"], log=stack.log("harvester-cli"))
    env = {**os.environ, "CKAN_INI": str(stack.harvester_ini)}
    # gunicorn loads CKAN while the token is made: two CKAN starts side by side.
    launched = start(
        stack,
        "harvester",
        [
            str(stack.ckan_venv / "bin" / "gunicorn"),
            "--chdir",
            str(ROOT / "config"),
            "--bind",
            f"{stack.host}:{stack.harvester_port}",
            "--workers",
            "1",
            "--timeout",
            "120",
            "ckan_wsgi:application",
        ],
        env,
        stack.harvester_port,
    )
    token_file = stack.secret("harvester_api_token")
    if not token_file.exists():
        output = run(
            [
                str(stack.ckan_venv / "bin" / "python"),
                str(ROOT / "config" / "ckan_bootstrap.py"),
                HARVESTER_USER,
            ],
            env=env,
        )
        token_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        token_file.touch(mode=0o600)
        token_file.write_text(output.strip().splitlines()[-1].strip())
    if launched:
        wait_http(f"{stack.harvester_url}/api/3/action/status_show", "harvester", stack, 180)
    say(
        f"harvester up in {time.monotonic() - started:.1f}s at {stack.harvester_url} "
        f"(ini {stack.harvester_ini}, token in {token_file})"
    )


# PostgreSQL and Redis of our own, when none answers -------------------------------
# `up` first asks the configured addresses; only if nothing answers there does it start a
# private server under var/ on that same address (so every URL stays as configured), and
# says so. `down` stops what `up` started (the pid files name them), never a server that
# was already running. The fault tests run their own clusters with the same functions.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def pg_bin() -> Path:
    """The directory of initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
    )
    if not versions:
        raise StackError("no PostgreSQL server programs (initdb, pg_ctl): install postgresql")
    return versions[-1].parent


def as_pg_owner(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the ``postgres`` OS user when root (initdb refuses
    root), as ourselves otherwise."""
    command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
    result = subprocess.run(  # noqa: S603 - fixed programs, paths of our own
        command, capture_output=True, text=True, check=False, timeout=120
    )
    if check and result.returncode != 0:
        raise StackError(f"`{' '.join(args)}` failed: {(result.stdout + result.stderr)[-800:]}")
    return result


def own_for_postgres(path: Path) -> None:
    """A folder the cluster's owner may write (``postgres`` when we are root)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    path.chmod(0o700)


def init_cluster(data: Path, user: str = "postgres") -> None:
    """initdb a cluster trusting local connections, unless ``data`` holds one already."""
    if (data / "PG_VERSION").exists():
        return
    own_for_postgres(data.parent)
    as_pg_owner(
        str(pg_bin() / "initdb"),
        *("-D", str(data), "-U", user, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"),
    )


def start_cluster(
    data: Path, host: str, port: int, log: Path, *, extra: str = "", socket_dir: Path | None = None
) -> None:
    """pg_ctl start, waiting until it accepts connections."""
    sockets = socket_dir or data.parent
    own_for_postgres(sockets)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()
    if os.geteuid() == 0:
        shutil.chown(log, "postgres", "postgres")
    options = f"-p {port} -k {sockets} -c listen_addresses={host} {extra}".strip()
    as_pg_owner(
        str(pg_bin() / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"
    )


def stop_cluster(data: Path, mode: str = "fast", *, check: bool = False) -> None:
    as_pg_owner(str(pg_bin() / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop", check=check)


def postgres_answers(stack: Stack) -> bool:
    probe = subprocess.run(  # noqa: S603 - psql with settings of our own
        [
            *("psql", "-h", stack.pg_host, "-p", str(stack.pg_port), "-U", stack.pg_user),
            *("-d", "postgres", "-tAc", "SELECT 1"),
        ],
        env={**os.environ, "PGCONNECT_TIMEOUT": "3"},
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0


def redis_address(stack: Stack) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(stack.redis_base)
    return parsed.hostname or "127.0.0.1", parsed.port or 6379


def redis_answers(stack: Stack) -> bool:
    try:
        with socket.create_connection(redis_address(stack), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError:
        return False
    # -NOAUTH: a Redis that wants a password answers too (the URL must carry it).
    return answer.startswith((b"+PONG", b"-NOAUTH"))


def ensure_postgres(stack: Stack) -> None:
    """The configured PostgreSQL, or a private cluster under var/postgres on its address."""
    if postgres_answers(stack):
        return
    where = f"{stack.pg_host}:{stack.pg_port}"
    if stack.pg_host not in LOCAL_HOSTS:
        raise StackError(f"no PostgreSQL answers at {where}, which is not this machine's")
    data = stack.var_dir / "postgres" / "data"
    say(f"no PostgreSQL answers at {where}: starting a private one, data in {data}")
    init_cluster(data, stack.pg_user)
    start_cluster(data, stack.pg_host, stack.pg_port, stack.log("postgres"))
    pid = (data / "postmaster.pid").read_text().split()[0]
    stack.pidfile("postgres").parent.mkdir(parents=True, exist_ok=True)
    stack.pidfile("postgres").write_text(pid)
    say(f"private PostgreSQL on {where} (pid {pid}); `make stop` stops it")


def ensure_redis(stack: Stack) -> None:
    """The configured Redis, or a private redis-server (no persistence) on its address."""
    if redis_answers(stack):
        return
    host, port = redis_address(stack)
    if host not in LOCAL_HOSTS:
        raise StackError(f"no Redis answers at {host}:{port}, which is not this machine's")
    binary = shutil.which("redis-server")
    if binary is None:
        raise StackError(f"no Redis answers at {host}:{port} and redis-server is missing")
    folder = stack.var_dir / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    say(f"no Redis answers at {host}:{port}: starting a private one")
    command = [binary, "--port", str(port), "--bind", host, "--dir", str(folder)]
    start(stack, "redis", [*command, "--save", "", "--appendonly", "no"], dict(os.environ), port)
    deadline = time.monotonic() + 20
    while not redis_answers(stack):
        if time.monotonic() > deadline or not running_pid(stack, "redis"):
            raise StackError(f"the private Redis did not start; see {stack.log('redis')}")
        time.sleep(0.1)
    say(f"private Redis on {host}:{port} (pid {running_pid(stack, 'redis')}); `make stop` stops it")


def stop_private_postgres(stack: Stack) -> None:
    pid = running_pid(stack, "postgres")
    if pid is not None:
        stop_cluster(stack.var_dir / "postgres" / "data")
        say(f"stopped the private PostgreSQL (pid {pid})")
    stack.pidfile("postgres").unlink(missing_ok=True)


# Processes ---------------------------------------------------------------------
def running_pid(stack: Stack, name: str) -> int | None:
    path = stack.pidfile(name)
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start(stack: Stack, name: str, cmd: list[str], env: dict[str, str], port: int | None) -> bool:
    """Start a background process with its log and pid file; False if it already ran."""
    if running_pid(stack, name):
        return False
    if port is not None and not port_free(stack.host, port):
        raise StackError(
            f"port {stack.host}:{port} for {name} is taken by another process; "
            f"stop it or choose another port (see README, Configuration)"
        )
    log = stack.log(name)
    log.parent.mkdir(parents=True, exist_ok=True)
    stack.pidfile(name).parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        process = subprocess.Popen(  # noqa: S603 - fixed commands
            cmd,
            env=env,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    stack.pidfile(name).write_text(str(process.pid))
    return True


def wait_http(url: str, name: str, stack: Stack, timeout: float) -> float:
    started = time.monotonic()
    last = "no answer"
    while time.monotonic() - started < timeout:
        if not running_pid(stack, name):
            raise StackError(f"{name} exited during start; see {stack.log(name)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return time.monotonic() - started
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}: {error.read()[:300]!r}"
        except (urllib.error.URLError, OSError) as error:
            last = str(error)
        time.sleep(0.3)
    raise StackError(
        f"{name} not ready at {url} after {timeout:.0f}s ({last}); see {stack.log(name)}"
    )


def stop(stack: Stack, name: str, grace: float = 15.0) -> None:
    pid = running_pid(stack, name)
    if pid is None:
        stack.pidfile(name).unlink(missing_ok=True)
        return
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and running_pid(stack, name):
        time.sleep(0.1)
    if running_pid(stack, name):
        os.killpg(pid, signal.SIGKILL)
    stack.pidfile(name).unlink(missing_ok=True)
    say(f"stopped {name} (pid {pid})")


def worker_available(stack: Stack) -> bool:
    """True once the CLI has a `worker` command (the publishing issue gives it work)."""
    help_text = run([str(stack.venv / "bin" / "civic"), "--help"])
    return any(line.split()[:1] == ["worker"] for line in help_text.splitlines())


def up(stack: Stack) -> None:
    started = time.monotonic()
    install(stack)
    ensure_postgres(stack)
    ensure_redis(stack)
    ensure_database(stack, stack.db_name)
    ensure_database(stack, stack.ckan_db_name)
    write_ckan_ini(stack)
    ckan_cli(stack, "db", "init")
    ckan_env = {**os.environ, "CKAN_INI": str(stack.ckan_ini)}
    if start(
        stack,
        "ckan",
        [
            str(stack.ckan_venv / "bin" / "gunicorn"),
            "--chdir",
            str(ROOT / "config"),
            "--bind",
            f"{stack.host}:{stack.ckan_port}",
            "--workers",
            str(stack.ckan_workers),
            "--timeout",
            "120",
            "ckan_wsgi:application",
        ],
        ckan_env,
        stack.ckan_port,
    ):
        took = wait_http(f"{stack.ckan_url}/api/3/action/status_show", "ckan", stack, 180)
        say(f"CKAN started in {took:.1f}s")
    token = ensure_ckan_token(stack)
    env = stack.gateway_env(token)
    start_mail_sink(stack, env)
    run([str(stack.venv / "bin" / "civic"), "db", "upgrade"], env=env, log=stack.log("migrate"))
    seed_demo(stack, env)
    if start(
        stack,
        "gateway",
        [
            str(stack.venv / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "civic.platform.app:create_app()",
        ],
        env,
        stack.gateway_port,
    ):
        took = wait_http(f"{stack.gateway_url}/readyz", "gateway", stack, 60)
        say(f"gateway ready in {took:.1f}s")
    if stack.start_worker and worker_available(stack):
        civic = str(stack.venv / "bin" / "civic")
        start(stack, "worker", [civic, "worker"], env, None)
        # Usage rollups (what the reports read) and webhook deliveries, on a timer.
        start(stack, "jobs", [civic, "usage", "worker"], env, None)
    wait_http(f"{stack.gateway_url}/readyz", "gateway", stack, 60)
    say(f"stack up in {time.monotonic() - started:.1f}s")
    print(
        f"\n  Gateway      {stack.gateway_url}/\n"
        f"  API docs     {stack.gateway_url}/api/v1/docs\n"
        f"  Readiness    {stack.gateway_url}/readyz\n"
        f"  CKAN         {stack.ckan_url}/\n"
        f"  Mail sink    {stack.mail_dir}/ (and /admin/mail for admins)\n"
        f"{demo_lines(stack)}"
        f"  Logs         {stack.var_dir / 'log'}/\n"
        f"  Stop with    make stop\n",
        flush=True,
    )


def start_mail_sink(stack: Stack, env: dict[str, str]) -> None:
    """The SMTP sink on loopback (aiosmtpd, from the project venv): a file per mail."""
    if not start(
        stack,
        "mail",
        [
            str(stack.venv / "bin" / "python"),
            str(ROOT / "scripts" / "mail_sink.py"),
            "--host",
            stack.host,
            "--port",
            str(stack.mail_port),
            "--dir",
            str(stack.mail_dir),
        ],
        env,
        stack.mail_port,
    ):
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not running_pid(stack, "mail"):
            raise StackError(f"the mail sink exited during start; see {stack.log('mail')}")
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex((stack.host, stack.mail_port)) == 0:
                say(f"mail sink on {stack.host}:{stack.mail_port}, mails in {stack.mail_dir}")
                return
        time.sleep(0.2)
    raise StackError(f"the mail sink did not listen in 30s; see {stack.log('mail')}")


DEMO_EVALUATOR = "evaluator@demo.example.org"


def seed_demo(stack: Stack, env: dict[str, str]) -> None:
    """Simulate the ``CIVIC_DEMO`` scenario into the platform if it is empty (none: skip).

    The history goes through the services (the worker then carries its datasets to
    CKAN in the background); an evaluator account is made to read its reports.
    """
    if stack.demo == "none":
        return
    civic = str(stack.venv / "bin" / "civic")
    say(f"demo: simulating the {stack.demo!r} scenario if the platform is empty (CIVIC_DEMO)")
    began = time.monotonic()
    output = run(
        [civic, "simulate", "--scenario", stack.demo, "--if-empty"], env=env, log=stack.log("demo")
    )
    if "already has data" in output:
        say("demo: the platform has data already; nothing simulated")
        return
    say(f"demo: written in {time.monotonic() - began:.1f}s")
    password = read_or_make_secret(stack, "demo_evaluator_password")
    created = subprocess.run(  # noqa: S603 - our own CLI; the password goes through stdin
        [civic, "users", "create", DEMO_EVALUATOR, "--role", "evaluator", "--password-stdin"],
        input=password + "\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0 and "exists already" not in created.stderr:
        raise StackError(f"the demo evaluator could not be created: {created.stderr.strip()}")


def demo_lines(stack: Stack) -> str:
    if stack.demo == "none" or not stack.secret("demo_evaluator_password").exists():
        return ""
    return (
        f"  Demo report  {stack.gateway_url}/reports/pathways\n"
        f"               log in as {DEMO_EVALUATOR}, password in "
        f"{stack.secret('demo_evaluator_password')}\n"
    )


# The private PostgreSQL and Redis (started by `up` only when none answered) go last.
SERVICES = ("harvester", "jobs", "worker", "gateway", "mail", "ckan", "redis", "postgres")


def down(stack: Stack, names: list[str]) -> None:
    for name in SERVICES:
        if not names or name in names:
            if name == "postgres":
                stop_private_postgres(stack)
            else:
                stop(stack, name)


def status(stack: Stack) -> int:
    for name in ("ckan", "mail", "gateway", "worker", "jobs"):
        pid = running_pid(stack, name)
        say(f"{name}: {'running, pid ' + str(pid) if pid else 'stopped'}")
    for name in ("postgres", "redis"):
        pid = running_pid(stack, name)
        if pid:
            say(f"{name}: private, running, pid {pid}")
    try:
        with urllib.request.urlopen(f"{stack.gateway_url}/readyz", timeout=10) as response:  # noqa: S310
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        print(error.read().decode())
    except (urllib.error.URLError, OSError) as error:
        say(f"gateway unreachable: {error}")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "command", choices=["install", "up", "down", "status", "harvester-up", "harvester-down"]
    )
    parser.add_argument(
        "services",
        nargs="*",
        metavar="SERVICE",
        help=f"with down: stop only these, among {', '.join(SERVICES)}",
    )
    args = parser.parse_args(argv)
    unknown = set(args.services) - set(SERVICES)
    if unknown:
        parser.error(f"unknown service(s): {', '.join(sorted(unknown))}")
    command = args.command
    try:
        stack = Stack.from_env()
        if command == "install":
            install(stack)
        elif command == "up":
            up(stack)
        elif command == "down":
            down(stack, args.services)
        elif command == "harvester-up":
            harvester_up(stack)
        elif command == "harvester-down":
            stop(stack, "harvester")
        else:
            return status(stack)
    except StackError as error:
        print(f"[stack] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
