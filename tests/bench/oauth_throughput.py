"""Throughput of the token and introspection endpoints, and the cost of checking a token.

Not a test (nothing here is collected): a measurement for people. Against a running
gateway, it creates an app and an account through the services, then drives
``wrk`` (Debian's package) on loopback:

- ``POST /oauth/token`` (client credentials: client authentication, a token issued
  and stored);
- ``POST /oauth/introspect`` (client authentication and a token lookup);
- ``GET /api/v1/`` without a token and with a bearer token, one connection at a
  time: the difference of the median latencies is what checking a token adds to an
  API call.

    python -m tests.bench.oauth_throughput --gateway http://127.0.0.1:8765 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/civic --json out.json

Give the gateway rate limits high enough not to refuse the load (e.g.
``CIVIC_QUOTAS_PLANS='{"standard": "100000000/minute"}'``,
``CIVIC_QUOTAS_ANONYMOUS=100000000/minute``), or the numbers measure 429s.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import requests

from civic.services.apps import registry
from civic.services.apps.metadata import parse_metadata
from civic.services.bootstrap import Bootstrap, ConnectionSettings
from civic.services.identity import accounts
from civic.services.identity.models import Role

_LATENCY = re.compile(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def make_app(database_url: str) -> tuple[str, str]:
    """A publisher's confidential client-credentials app; its id and secret."""
    bootstrap = Bootstrap(ConnectionSettings(database_url=database_url, redis_url="", ckan_url=""))
    try:
        with bootstrap.unit_of_work() as uow:
            user = accounts.create_user(
                uow, email=f"bench-{uuid.uuid4().hex[:8]}@example.org", role=Role.DEVELOPER
            )
            metadata = parse_metadata(
                {
                    "client_name": "bench",
                    "actor_type": "research",
                    "grant_types": ["client_credentials"],
                    "scope": "usage:read",
                }
            )
            app, issued = registry.register_app(
                uow, metadata, owner_id=user.id, registered_via="cli"
            )
            uow.commit()
            assert issued.client_secret is not None
            return app.client_id, issued.client_secret
    finally:
        bootstrap.close()


def wrk(
    url: str, *, threads: int, connections: int, seconds: int, script: str | None = None
) -> dict[str, Any]:
    """Run wrk with ``--latency``; requests/s, median latency (ms) and non-2xx count."""
    command = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    command += ["-s", lua.name, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(lua.name).unlink()
    latency = _LATENCY.search(output)
    rate = _RATE.search(output)
    errors = _NON_2XX.search(output)
    assert latency and rate, output
    return {
        "requests_per_second": float(rate.group(1)),
        "median_ms": float(latency.group(1)) * _UNIT[latency.group(2)],
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def post_script(body: str, basic: str) -> str:
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Authorization"] = "Basic {basic}"\n'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    client_id, secret = make_app(args.database_url)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = requests.post(
        f"{args.gateway}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    ).json()["access_token"]
    load = {"threads": args.threads, "connections": args.connections, "seconds": args.seconds}
    single = {"threads": 1, "connections": 1, "seconds": args.seconds}
    results = {
        "token_endpoint": wrk(
            f"{args.gateway}/oauth/token",
            script=post_script("grant_type=client_credentials", basic),
            **load,
        ),
        "introspection": wrk(
            f"{args.gateway}/oauth/introspect", script=post_script(f"token={token}", basic), **load
        ),
        # One connection: the latency of a call, not of a queue.
        "api_anonymous": wrk(f"{args.gateway}/api/v1/", **single),
        "api_with_token": wrk(
            f"{args.gateway}/api/v1/",
            script=f'wrk.headers["Authorization"] = "Bearer {token}"\n',
            **single,
        ),
    }
    added = results["api_with_token"]["median_ms"] - results["api_anonymous"]["median_ms"]
    results["token_check_added_median_ms"] = {"value": round(added, 3)}
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
