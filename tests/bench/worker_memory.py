"""A gateway worker's memory over many varied requests, without recycling (worker_rss_no_recycle).

    .venv/bin/python -m tests.bench.worker_memory --gateway URL --database-url URL \
        --redis-url URL --var-dir DIR [--requests 10000] [--threads 8]

Sends ``requests`` requests, every one different from the last, to a running
gateway (started with ``CIVIC_GATEWAY_MAX_REQUESTS=0``, so no worker is replaced):
searches with new words, filters, sorts and page sizes; dataset shows, downloads and
404s; DCAT pages and documents in every format; the CKAN facade's searches and
shows; the HTML pages in both languages; reuse lists and declarations; token
requests; pathway reports; bad JSON and unknown paths. It samples the RSS of every
gateway worker (children of the gunicorn master) every ``sample_every`` requests.
This is the kind of traffic (schema fuzzing, reports, exports) after which a
worker once stood at 226 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from tests.integration.identity import new_app, new_user
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import PublishedDataset, mirror_dataset

WORDS = ["eau", "transport", "budget", "école", "air", "santé", "vélo", "énergie", "data"]
FORMATS = ["CSV", "JSON", "XLSX", "GeoJSON", "PDF"]
SORTS = ["relevance", "title", "-title", "modified", "-modified", "created", "-created"]
LANGUAGES = ["fr", "en", "fr-FR,fr;q=0.9", "en-GB,en;q=0.8", "de"]


@dataclass(frozen=True)
class Material:
    """What the requests name: datasets, tokens of an app and an evaluator, a client."""

    datasets: list[PublishedDataset]
    organization: str
    token: str
    evaluator_token: str
    client_id: str
    client_secret: str


@dataclass
class Driven:
    """What a drive saw: statuses, transport errors, RSS samples (MB per worker pid)."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    samples: list[dict[int, float]] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def prepare(stack: RunningStack, datasets: int = 40) -> Material:
    organization = f"mem-org-{uuid.uuid4().hex[:6]}"
    published = [mirror_dataset(stack, organization) for _ in range(datasets)]
    developer = new_user(stack)
    app = new_app(stack, developer["email"], scope="reuses:write usage:read")
    evaluator = new_user(stack, "evaluator")
    reports = new_app(stack, evaluator["email"], scope="reports:read")
    return Material(
        published,
        organization,
        _token(stack.gateway_url, app["client_id"], app["client_secret"], "reuses:write"),
        _token(stack.gateway_url, reports["client_id"], reports["client_secret"], "reports:read"),
        app["client_id"],
        app["client_secret"],
    )


def _token(gateway: str, client_id: str, secret: str, scope: str) -> str:
    answer = requests.post(
        f"{gateway}/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, secret),
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


Request = tuple[str, str, dict[str, str], Any]  # method, path, headers, body (json or form)


def varied(material: Material, count: int, seed: int = 19) -> Iterator[Request]:
    """``count`` requests of the mix, reproducible from ``seed``, each unlike the last."""
    rng = random.Random(seed)  # noqa: S311 - varied traffic, not secrets
    bearer = {"Authorization": f"Bearer {material.token}"}
    for n in range(count):
        yield _one(rng, n, material, bearer)


def _word(rng: random.Random, n: int) -> str:
    # A word the catalog knows, or one never seen: the latter makes every query new.
    return rng.choice(WORDS) if rng.random() < 0.5 else f"{rng.choice(WORDS)}{n}"


def _one(rng: random.Random, n: int, m: Material, bearer: dict[str, str]) -> Request:  # noqa: PLR0911, PLR0912 - one branch per kind of request
    dataset = rng.choice(m.datasets)
    roll = rng.random() * 100
    if roll < 20:
        params = [f"q={_word(rng, n)}", f"page_size={rng.randint(1, 60)}"]
        params.append(f"page={rng.randint(1, 4)}")
        params.append(f"sort={rng.choice(SORTS)}")
        if rng.random() < 0.4:
            params.append(f"formats={rng.choice(FORMATS)}")
        if rng.random() < 0.3:
            params.append(f"tags={_word(rng, n)}")
        if rng.random() < 0.2:
            params.append(f"organization={m.organization}")
        return "GET", "/api/v1/datasets?" + "&".join(params), bearer, None
    if roll < 30:
        name = dataset.name if rng.random() < 0.7 else f"missing-{n}"
        return "GET", f"/api/v1/datasets/{name}", bearer, None
    if roll < 35:
        path = f"/api/v1/datasets/{dataset.name}/resources/{dataset.resource_id}/download"
        return "GET", path, bearer, None
    if roll < 43:
        fmt = rng.choice(["ttl", "jsonld", "rdf", "xml"])
        since = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 400))
        query = f"page={rng.randint(1, 3)}&page_size={rng.randint(1, 50)}"
        if rng.random() < 0.5:
            query += f"&modified_since={since.isoformat()}"
        return "GET", f"/catalog.{fmt}?{query}", {}, None
    if roll < 48:
        fmt = rng.choice(["ttl", "jsonld", "rdf", "xml"])
        return "GET", f"/dataset/{dataset.name}.{fmt}", {}, None
    if roll < 60:
        fields = rng.sample(["organization", "tags", "res_format", "license_id"], rng.randint(0, 4))
        params = {
            "q": _word(rng, n),
            "rows": rng.randint(0, 50),
            "start": rng.randint(0, 20),
            "facet.field": json.dumps(fields),
        }
        if rng.random() < 0.4:
            params["fq"] = f'res_format:"{rng.choice(FORMATS)}"'
        query = "&".join(f"{k}={requests.utils.quote(str(v))}" for k, v in params.items())
        return "GET", f"/api/3/action/package_search?{query}", bearer, None
    if roll < 65:
        key = dataset.name if rng.random() < 0.7 else f"missing-{n}"
        return "GET", f"/api/3/action/package_show?id={key}", bearer, None
    if roll < 68:
        action = rng.choice(["tag_list", "organization_list", "license_list", "package_list"])
        return "GET", f"/api/3/action/{action}?limit={rng.randint(1, 100)}", {}, None
    if roll < 78:
        language = {"Accept-Language": rng.choice(LANGUAGES), "Accept": "text/html"}
        path = rng.choice(
            [
                f"/catalog?q={_word(rng, n)}&page={rng.randint(1, 3)}",
                f"/dataset/{dataset.name}",
                "/",
                "/organizations",
                f"/nothing-here-{n}",
            ]
        )
        return "GET", path, language, None
    if roll < 83:
        params = rng.choice(
            [f"dataset={dataset.name}", "type=visualization", "topic=transport", "state=published"]
        )
        return "GET", f"/api/v1/reuses?{params}&page_size={rng.randint(1, 50)}", bearer, None
    if roll < 85:
        body = {
            "title": f"Carte {n}",
            "url": f"https://reuses.example.org/memory-{uuid.uuid4().hex}",
            "type": "visualization",
            "topic": "transport",
            "purpose": "general_interest",
            "datasets": [dataset.name],
        }
        return "POST", "/api/v1/reuses", bearer, body
    if roll < 88:
        basic = requests.auth._basic_auth_str(m.client_id, m.client_secret)
        form = {"grant_type": "client_credentials", "scope": "reuses:write"}
        return "POST", "/oauth/token", {"Authorization": basic}, form
    if roll < 90:
        start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
        end = start + dt.timedelta(days=rng.randint(30, 365))
        suffix = rng.choice(["", ".csv"])
        path = f"/api/v1/reports/pathways{suffix}?from={start}&to={end}"
        return "GET", path, {"Authorization": f"Bearer {m.evaluator_token}"}, None
    if roll < 95:
        junk = rng.choice(['{"title": ', "[" * 50, '{"name": "\\ud800"}', "not json", "{}"])
        headers = bearer | {"Content-Type": "application/json"}
        return "POST", "/api/v1/datasets", headers, junk.encode()
    if roll < 97:
        return "GET", f"/api/v1/{rng.choice(['nothing', 'datasets/x/y', 'me'])}/{n}", bearer, None
    return "GET", rng.choice(["/api/v1/openapi.json", "/readyz", "/healthz", "/api/v1/"]), {}, None


def worker_rss(var_dir: Path) -> dict[int, float]:
    """RSS in MB of each gateway worker (the children of the gunicorn master)."""
    master = int((var_dir / "run" / "gateway.pid").read_text().strip())
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = {}
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes[int(pid)] = round(int(line.split()[1]) / 1024, 1)
    return sizes


def drive(
    gateway: str,
    requests_: Iterator[Request],
    var_dir: Path,
    *,
    threads: int = 8,
    sample_every: int = 1000,
) -> Driven:
    """Send every request, ``threads`` at a time; sample the workers' RSS as it goes."""
    driven = Driven()
    lock = threading.Lock()
    local = threading.local()
    sent = 0
    driven.samples.append(worker_rss(var_dir))

    def send(request: Request) -> None:
        nonlocal sent
        method, path, headers, body = request
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        kwargs: dict[str, Any] = {"headers": headers, "timeout": 120, "allow_redirects": False}
        if isinstance(body, bytes) or (isinstance(body, dict) and path.startswith("/oauth")):
            kwargs["data"] = body
        elif body is not None:
            kwargs["json"] = body
        try:
            status = session.request(method, gateway + path, **kwargs).status_code
        except requests.RequestException:
            status = None
        with lock:
            if status is None:
                driven.errors += 1
            else:
                driven.statuses[status] += 1
            sent += 1
            if sent % sample_every == 0:
                driven.samples.append(worker_rss(var_dir))

    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(send, requests_):
            pass
    driven.samples.append(worker_rss(var_dir))
    return driven


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--ckan-url", default="http://127.0.0.1:1")
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    stack = RunningStack(
        gateway_url=args.gateway,
        ckan_url=args.ckan_url,
        ckan_api_token="",
        database_url=args.database_url,
        ckan_database_url="",
        redis_url=args.redis_url,
        var_dir=args.var_dir,
        env={},
    )
    material = prepare(stack)
    driven = drive(
        args.gateway, varied(material, args.requests, args.seed), args.var_dir, threads=args.threads
    )
    for n, sample in enumerate(driven.samples):
        print(f"{n * 1000:>6} requests: " + ", ".join(f"{v:.1f}" for v in sample.values()))
    print("statuses", dict(sorted(driven.statuses.items())), "errors", driven.errors)


if __name__ == "__main__":
    main()
