"""The CKAN Action API facade's benchmarks: its ``package_search`` against CKAN's own, and
its ``package_show`` against ``/api/v1``'s show (see ``tests/bench/run.py``).

The search mix is the same list of ``package_search`` paths on both sides (the facade
speaks CKAN's API, so the very same requests go to both): free words, ``fq`` filters
(organization, format, tag), pages and facets, more distinct queries than a gateway
worker's search cache holds (``search_cache_size``, 256 answers), drawn with a skew
(a few popular queries, a long tail) as real traffic is. The wrk script counts the
facade's ``X-Search-Cache`` header, so the run prints the cache's hit rate: a ratio
made of cache hits alone would say nothing about the search.

The show runs count the status of every answer that is not a success, with the first
such answer's time and body (:func:`lua_statuses`, :func:`failures`): a failed run says
why it failed. Their bearer token comes from :class:`Bearer`, which renews it before a
run could outlive it.
"""

from __future__ import annotations

import json
import random
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

WORDS = ["eau", "transport", "budget", "école", "air", "santé", "vélo", "énergie"]
FORMATS = ["CSV", "JSON", "XLSX", "GeoJSON"]
FACETS = json.dumps(["organization", "tags", "res_format", "license_id"])
_HITS = re.compile(r"^cache hits (\d+) misses (\d+)$", re.MULTILINE)
_FAILED = re.compile(r"^failed statuses (.*?) first (\S+) sample (.*)$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)


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


def _cycling(paths: list[str], headers: dict[str, str] | None) -> list[str]:
    """The start of a wrk script: the ``paths`` taken in turn, each with ``headers``, and
    the threads kept for ``done`` (``init`` and ``response`` are the caller's)."""
    lines = [
        f"local paths = {{{', '.join(json.dumps(p) for p in paths)}}}",
        "local i = 0",
        "local threads = {}",
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()]
    return [
        *lines,
        "function setup(thread) table.insert(threads, thread) end",
        "request = function()",
        "  i = i % #paths + 1",
        "  return wrk.format(nil, paths[i])",
        "end",
    ]


def lua_counting(paths: list[str], headers: dict[str, str] | None = None) -> str:
    """A wrk script cycling through ``paths`` that counts ``X-Search-Cache`` answers."""
    lines = _cycling(paths, headers)
    lines += [
        "function init(args) hits = 0; misses = 0; i = math.random(#paths) end",
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


def lua_statuses(paths: list[str], headers: dict[str, str] | None = None) -> str:
    """A wrk script cycling through ``paths`` in a fixed order (as ``run.lua_paths``) that
    counts the answers wrk calls failed (status > 399) per status, and keeps the time
    (UTC) and the start of the body of the first one, printed by :func:`failures`'s
    ``done`` lines, one per wrk thread that saw any."""
    lines = _cycling(paths, headers)
    lines += [
        'function init(args) counts = {}; statuses = ""; first = ""; sample = "" end',
        "function response(status, headers, body)",
        "  if status <= 399 then return end",
        "  counts[status] = (counts[status] or 0) + 1",
        "  local parts = {}",
        '  for code, n in pairs(counts) do parts[#parts + 1] = code .. "=" .. n end',
        "  table.sort(parts)",
        '  statuses = table.concat(parts, ",")',
        '  if first == "" then',
        '    first = os.date("!%H:%M:%S")',
        '    local why = headers["WWW-Authenticate"] or headers["Retry-After"] or ""',
        '    sample = string.sub(string.gsub(why .. " " .. (body or ""), "%s+", " "), 1, 240)',
        "  end",
        "end",
        "function done(summary, latency, requests)",
        "  for _, t in ipairs(threads) do",
        '    local seen = t:get("statuses")',
        '    if seen ~= "" then',
        '      io.write(string.format("failed statuses %s first %s sample %s\\n",',
        '        seen, t:get("first"), t:get("sample")))',
        "    end",
        "  end",
        "end",
    ]
    return "\n".join(lines) + "\n"


def failures(output: str) -> str:
    """What :func:`lua_statuses` saw fail in one wrk ``output``, in one line: the count
    per status over all threads, the first failure's time and a sample body ("" if none)."""
    counts: dict[int, int] = {}
    first, sample = "", ""
    for found in _FAILED.finditer(output):
        for part in found.group(1).split(","):
            code, _, n = part.partition("=")
            counts[int(code)] = counts.get(int(code), 0) + int(n)
        if not first or found.group(2) < first:
            first, sample = found.group(2), found.group(3).strip()
    if not counts:
        return ""
    total = _TOTAL.search(output)
    of = f" of {int(total.group(1)):,}" if total else ""
    by_status = ", ".join(f"{code} x{n:,}" for code, n in sorted(counts.items()))
    return (
        f"{sum(counts.values()):,}{of} answers failed ({by_status}),"
        f" the first at {first} UTC: {sample}"
    )


@dataclass
class Bearer:
    """The show runs' bearer token, renewed before a run could outlive it.

    An access token lives ``oauth_access_token_ttl`` seconds (900 by default): one
    token taken when ``make bench`` starts expires before its later benchmarks end,
    and every answer after that is a 401. ``issue`` returns a fresh token and its
    ``expires_in``; ``clock`` is monotonic seconds.
    """

    issue: Callable[[], tuple[str, int]]
    clock: Callable[[], float]
    margin: float = 10.0  # wrk's start, the last answers of a run, a slow token answer
    token: str = ""
    expires: float = 0.0

    def headers(self, seconds: float) -> dict[str, str]:
        """An ``Authorization`` header whose token outlives a run of ``seconds``."""
        if not self.token or self.clock() + seconds + self.margin >= self.expires:
            asked = self.clock()
            self.token, lifetime = self.issue()
            if lifetime <= seconds + self.margin:
                raise RuntimeError(
                    f"an access token lives {lifetime}s: too short for a {seconds}s run"
                )
            self.expires = asked + lifetime
        return {"Authorization": f"Bearer {self.token}"}
