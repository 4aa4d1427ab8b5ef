"""The CKAN Action API facade's benchmarks: its ``package_search`` against CKAN's own, and
its ``package_show`` against ``/api/v1``'s show (see ``tests/bench/run.py``).

The search mix is the same list of ``package_search`` paths on both sides (the facade
speaks CKAN's API, so the very same requests go to both): free words, ``fq`` filters
(organization, format, tag), pages and facets, more distinct queries than a gateway
worker's search cache holds (``search_cache_size``, 256 answers), drawn with a skew
(a few popular queries, a long tail) as real traffic is. The wrk script counts the
facade's ``X-Search-Cache`` header, so the run prints the cache's hit rate: a ratio
made of cache hits alone would say nothing about the search.
"""

from __future__ import annotations

import json
import random
import re
import urllib.parse

WORDS = ["eau", "transport", "budget", "école", "air", "santé", "vélo", "énergie"]
FORMATS = ["CSV", "JSON", "XLSX", "GeoJSON"]
FACETS = json.dumps(["organization", "tags", "res_format", "license_id"])
_HITS = re.compile(r"^cache hits (\d+) misses (\d+)$", re.MULTILINE)


def distinct_searches(organizations: list[str]) -> list[str]:
    """Every query of the mix once: words x filters x pages (more than 256)."""
    filters = [""]
    filters += [f'organization:"{name}"' for name in organizations]
    filters += [f'res_format:"{fmt}"' for fmt in FORMATS]
    filters += [f'tags:"lot {n}"' for n in range(10)]
    paths = []
    for word in ["", *WORDS]:
        for fq in filters:
            for start in (0, 20, 40):
                params = {"rows": 20, "start": start, "facet.field": FACETS}
                if word:
                    params["q"] = word
                if fq:
                    params["fq"] = fq
                paths.append("/api/3/action/package_search?" + urllib.parse.urlencode(params))
    return paths


def search_mix(organizations: list[str], *, length: int = 4000, seed: int = 20261202) -> list[str]:
    """``length`` requests over :func:`distinct_searches`: a third from 20 popular queries,
    the rest spread over all of them (a long tail no cache of 256 answers holds)."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not secrets
    queries = distinct_searches(organizations)
    popular = queries[:: len(queries) // 20][:20]
    return [
        rng.choice(popular) if rng.random() < 1 / 3 else rng.choice(queries) for _ in range(length)
    ]


def lua_counting(paths: list[str], headers: dict[str, str] | None = None) -> str:
    """A wrk script cycling through ``paths`` that counts ``X-Search-Cache`` answers."""
    lines = [
        f"local paths = {{{', '.join(json.dumps(p) for p in paths)}}}",
        "local i = 0",
        "local threads = {}",
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()]
    lines += [
        "function setup(thread) table.insert(threads, thread) end",
        "function init(args) hits = 0; misses = 0; i = math.random(#paths) end",
        "request = function()",
        "  i = i % #paths + 1",
        "  return wrk.format(nil, paths[i])",
        "end",
        "function response(status, headers, body)",
        '  local seen = headers["X-Search-Cache"]',
        '  if seen == "hit" then hits = hits + 1',
        '  elseif seen == "miss" then misses = misses + 1 end',
        "end",
        "function done(summary, latency, requests)",
        "  local h, m = 0, 0",
        "  for _, t in ipairs(threads) do h = h + t:get('hits'); m = m + t:get('misses') end",
        '  io.write(string.format("cache hits %d misses %d\\n", h, m))',
        "end",
    ]
    return "\n".join(lines) + "\n"


def hit_rate(outputs: list[str]) -> tuple[int, int]:
    """Cache hits and misses counted by :func:`lua_counting` over wrk ``outputs``."""
    hits = misses = 0
    for output in outputs:
        for found in _HITS.finditer(output):
            hits += int(found.group(1))
            misses += int(found.group(2))
    return hits, misses


def show_paths(count: int, *, step: int = 7, limit: int = 200) -> tuple[list[str], list[str]]:
    """The same datasets as facade ``package_show`` paths and as ``/api/v1`` show paths."""
    names = [f"bench-{n:05d}" for n in range(0, count, step)][:limit]
    facade = [f"/api/3/action/package_show?id={name}" for name in names]
    v1 = [f"/api/v1/datasets/{name}" for name in names]
    return facade, v1
