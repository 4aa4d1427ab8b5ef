"""Publishing throughput and search latency: the gateway against CKAN itself, same machine.

    .venv/bin/python -m tests.bench.bench_publishing --datasets 1000 --out var/bench/publishing.json

Starts a stack of its own (scripts/stack.py on free ports, throwaway databases),
then measures, on the same CKAN:

1. ``ckanapi`` ``package_create`` directly, sequentially (the baseline);
2. ``POST /api/v1/datasets`` through the gateway, sequentially (each answer waits
   for CKAN's confirmation: 201);
3. the same with ``Prefer: respond-async`` from 8 client threads, until the
   worker has delivered every dataset (``sync_status: synced``);
4. search latency: the gateway's mirror (``GET /api/v1/datasets`` with facets)
   against CKAN's ``package_search`` with the same facets, on the same datasets
   (the ones published above, taken into the mirror by ``civic catalog reconcile``).

Prints a table and writes the numbers as JSON. Traffic stays on loopback, the
loops are bounded by the dataset count and query count.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import ckanapi
import requests
import sqlalchemy as sa
from tests.integration.publishing.helpers import Catalog, body
from tests.integration.stack import ROOT, STACK, bring_up, drop_database, stack_env

from civic.services.bootstrap import Bootstrap, ConnectionSettings

WORDS = ["eau", "transport", "budget", "école", "air", "santé", "vélo", "énergie"]


def start_stack() -> dict[str, Any]:
    env = stack_env(
        "bench-publishing",
        (5, 6),
        CIVIC_LOG_LEVEL="WARNING",
        # The bench makes thousands of calls from one address and one app.
        CIVIC_QUOTAS_ANONYMOUS="1000000/minute",
        CIVIC_QUOTAS_PLANS=json.dumps({"standard": "1000000/minute"}),
    )
    var_dir = Path(env["CIVIC_VAR_DIR"])
    bring_up(env)
    return {
        "env": env,
        "gateway": f"http://127.0.0.1:{env['CIVIC_GATEWAY_PORT']}",
        "ckan": f"http://127.0.0.1:{env['CIVIC_CKAN_PORT']}",
        "token": (var_dir / "secrets" / "ckan_api_token").read_text().strip(),
        "database_url": f"postgresql+psycopg://postgres@127.0.0.1:5432/{env['CIVIC_DB_NAME']}",
    }


def stop_stack(stack: dict[str, Any]) -> None:
    env = stack["env"]
    subprocess.run([sys.executable, str(STACK), "down"], env=env, cwd=ROOT, check=False)
    for name in (env["CIVIC_DB_NAME"], env["CIVIC_CKAN_DB_NAME"]):
        drop_database(name)
    shutil.rmtree(env["CIVIC_VAR_DIR"], ignore_errors=True)


def dataset_body(organization: str, prefix: str, n: int) -> dict[str, Any]:
    word = WORDS[n % len(WORDS)]
    return body(
        name=f"{prefix}-{n:05d}",
        title=f"Données {word} {n}",
        description=f"Jeu de données numéro {n} sur le thème {word}.",
        organization=organization,
        tags=[word, f"lot {n % 10}"],
    )


def ckan_package(data: dict[str, Any]) -> dict[str, Any]:
    resource = data["resources"][0]
    return {
        "name": data["name"],
        "title": data["title"],
        "notes": data["description"],
        "owner_org": data["organization"],
        "license_id": data["license"],
        "tags": [{"name": tag} for tag in data["tags"]],
        "resources": [{"url": resource["url"], "format": resource["format"]}],
    }


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 2) if seconds else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-search", action="store_true", help="publishing only (1 to 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "publishing.json")
    args = parser.parse_args()
    n = args.datasets
    stack = start_stack()
    results: dict[str, Any] = {"datasets": n}
    try:
        bootstrap = Bootstrap(
            ConnectionSettings(
                database_url=stack["database_url"],
                redis_url="redis://127.0.0.1:6379/5",
                ckan_url=stack["ckan"],
            )
        )
        catalog = Catalog(bootstrap)
        organization = f"bench-{uuid.uuid4().hex[:6]}"
        catalog.organization(organization)
        person = catalog.person("publisher", (organization,))
        ckan = ckanapi.RemoteCKAN(stack["ckan"], apikey=stack["token"])
        ckan.action.organization_create(name=organization, title="Bench")
        session = requests.Session()
        session.headers.update(person.headers)

        # 1. ckanapi directly.
        started = time.perf_counter()
        for i in range(n):
            ckan.action.package_create(**ckan_package(dataset_body(organization, "direct", i)))
        direct = time.perf_counter() - started
        results["ckanapi_sequential_per_s"] = rate(n, direct)

        # 2. The gateway, sequentially, each answer after CKAN confirmed.
        started = time.perf_counter()
        statuses: dict[int, int] = {}
        for i in range(n):
            answer = session.post(
                f"{stack['gateway']}/api/v1/datasets",
                json=dataset_body(organization, "seq", i),
                timeout=60,
            )
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        sequential = time.perf_counter() - started
        results["gateway_sequential_per_s"] = rate(n, sequential)
        results["gateway_sequential_statuses"] = statuses

        # 3. The gateway with Prefer: respond-async from 8 threads, until all are synced.
        def post(i: int) -> int:
            answer = requests.post(
                f"{stack['gateway']}/api/v1/datasets",
                json=dataset_body(organization, "async", i),
                headers={**person.headers, "Prefer": "respond-async"},
                timeout=60,
            )
            return answer.status_code

        engine = sa.create_engine(stack["database_url"], poolclass=sa.NullPool)
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            accepted = list(pool.map(post, range(n)))
        accepted_after = time.perf_counter() - started
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                pending = connection.scalar(
                    sa.text(
                        "SELECT count(*) FROM datasets WHERE name LIKE 'async-%'"
                        " AND sync_status <> 'synced'"
                    )
                )
            if pending == 0:
                break
            time.sleep(0.2)
        concurrent = time.perf_counter() - started
        engine.dispose()
        results["gateway_async_accepted_per_s"] = rate(n, accepted_after)
        results["gateway_async_delivered_per_s"] = rate(n, concurrent)
        results["gateway_async_statuses"] = {str(s): accepted.count(s) for s in set(accepted)}
        results["ratio_sequential"] = round(
            results["gateway_sequential_per_s"] / results["ckanapi_sequential_per_s"], 3
        )
        results["ratio_with_worker"] = round(
            results["gateway_async_delivered_per_s"] / results["ckanapi_sequential_per_s"], 3
        )

        results["load_average"] = Path("/proc/loadavg").read_text().split()[:3]
        if args.no_search:
            return finish(args.out, results, stack, bootstrap)
        # 4. Search: the mirror against package_search, on the same datasets.
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "civic"), "catalog", "reconcile"],
            env=stack["env"]
            | {
                "CIVIC_DATABASE_URL": stack["database_url"],
                "CIVIC_CKAN_URL": stack["ckan"],
                "CIVIC_CKAN_API_TOKEN": stack["token"],
                "CIVIC_REDIS_URL": "redis://127.0.0.1:6379/5",
            },
            check=True,
            capture_output=True,
        )
        results["search_datasets"] = requests.get(
            f"{stack['gateway']}/api/v1/datasets?page_size=1", timeout=30
        ).json()["total"]
        results["search_datasets_in_ckan"] = ckan.action.package_search(rows=0)["count"]
        anonymous = requests.Session()

        def mirror(word: str) -> float:
            started = time.perf_counter()
            anonymous.get(
                f"{stack['gateway']}/api/v1/datasets", params={"q": word}, timeout=30
            ).raise_for_status()
            return (time.perf_counter() - started) * 1000

        def ckan_search(word: str) -> float:
            started = time.perf_counter()
            anonymous.post(
                f"{stack['ckan']}/api/3/action/package_search",
                json={
                    "q": word,
                    "rows": 20,
                    "facet.field": ["organization", "tags", "res_format", "license_id"],
                },
                timeout=30,
            ).raise_for_status()
            return (time.perf_counter() - started) * 1000

        for label, search in (("mirror", mirror), ("ckan", ckan_search)):
            timings = sorted(search(WORDS[i % len(WORDS)]) for i in range(args.queries))
            results[f"search_{label}_median_ms"] = round(statistics.median(timings), 1)
            results[f"search_{label}_p95_ms"] = round(timings[int(len(timings) * 0.95) - 1], 1)
            with ThreadPoolExecutor(8) as pool:
                started = time.perf_counter()
                list(pool.map(search, [WORDS[i % len(WORDS)] for i in range(args.queries)]))
                results[f"search_{label}_8_clients_per_s"] = rate(
                    args.queries, time.perf_counter() - started
                )
        results["search_latency_ratio"] = round(
            results["search_ckan_median_ms"] / results["search_mirror_median_ms"], 1
        )
    except BaseException:
        stop_stack(stack)
        raise
    finish(args.out, results, stack, bootstrap)


def finish(out: Path, results: dict[str, Any], stack: dict[str, Any], bootstrap: Bootstrap) -> None:
    bootstrap.close()
    stop_stack(stack)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    for key, value in results.items():
        print(f"{key:38} {value}")


if __name__ == "__main__":
    main()
