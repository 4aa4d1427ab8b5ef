"""Browser tests: a live gateway of their own, Debian's Chromium driven by Playwright.

The gateway runs under gunicorn on a free loopback port with a throwaway database
(migrated by ``civic db upgrade``) and its own Redis database; CKAN is not needed
for what these tests show. ``demo_gateway`` is another one whose database holds the
demo history (``civic simulate``). Chromium is the one Debian installs at
``/usr/bin/chromium`` (the Makefile's install step); Playwright downloads nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright
from tests.e2e.live import Gateway

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _free_port() -> int:
    import socket  # noqa: PLC0415 - only the fixtures need it

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve_gateway(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    demo: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Gateway]:
    """A gateway on a fresh database; ``demo`` names a scenario simulated into it first;
    ``extra_env`` adds settings (the mail sink's address)."""
    name = f"civic_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    port = _free_port()
    database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    redis_url = "redis://127.0.0.1:6379/4"
    env = {
        **os.environ,
        "CIVIC_ENV": "test",
        "CIVIC_DATABASE_URL": database_url,
        "CIVIC_REDIS_URL": redis_url,
        "CIVIC_CKAN_URL": "http://127.0.0.1:9",
        "CIVIC_BIND": f"127.0.0.1:{port}",
        # The address the browser uses: the OAuth issuer and every absolute URL.
        "CIVIC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CIVIC_GATEWAY_WORKERS": "1",
        **(extra_env or {}),
    }
    venv = ROOT / ".venv" / "bin"
    log = tmp_path_factory.mktemp("e2e") / "gateway.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [str(venv / "civic"), "db", "upgrade"], env=env, check=True, capture_output=True
        )
        if demo is not None:
            subprocess.run(
                [str(venv / "civic"), "simulate", "--scenario", demo, "--seed", "1"],
                env=env,
                check=True,
                capture_output=True,
            )
        with log.open("wb") as output:
            process = subprocess.Popen(
                [
                    str(venv / "gunicorn"),
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
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        yield Gateway(f"http://127.0.0.1:{port}", database_url, redis_url)
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with _serve_gateway(tmp_path_factory) as served:
        yield served


@pytest.fixture(scope="session")
def mail_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder of a mail sink on loopback (scripts/mail_sink.py, as `make run` starts it)."""
    folder = tmp_path_factory.mktemp("mail")
    port = _free_port()
    sink = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            str(ROOT / "scripts" / "mail_sink.py"),
            "--port",
            str(port),
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        import socket  # noqa: PLC0415 - only this fixture needs it

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        (folder / ".port").write_text(str(port))
        yield folder
    finally:
        os.killpg(sink.pid, signal.SIGTERM)
        sink.wait(timeout=30)


@pytest.fixture(scope="session")
def mail_gateway(tmp_path_factory: pytest.TempPathFactory, mail_folder: Path) -> Iterator[Gateway]:
    """A gateway whose mail goes to :func:`mail_folder`'s sink."""
    port = (mail_folder / ".port").read_text()
    mail = {"CIVIC_MAIL_HOST": "127.0.0.1", "CIVIC_MAIL_PORT": port, "CIVIC_MAIL_TLS": "none"}
    with _serve_gateway(tmp_path_factory, extra_env=mail) as served:
        yield served


@pytest.fixture(scope="session")
def demo_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway whose platform holds the demo: the mixed scenario, simulated through
    the services (as `make run` does on an empty database)."""
    with _serve_gateway(tmp_path_factory, demo="mixed") as served:
        yield served


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the gateway exited:\n{log.read_text()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not up yet, or still booting its worker
            pass
        time.sleep(0.2)
    pytest.fail(f"the gateway did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (make install does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        body = b"<!doctype html><title>Back at the app</title><p id='landed'>landed</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return  # keep test output quiet


@pytest.fixture
def callback_server() -> Iterator[ThreadingHTTPServer]:
    """A loopback HTTP server standing for the third-party app's redirect URI."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
