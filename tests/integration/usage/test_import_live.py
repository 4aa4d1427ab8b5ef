"""``civic usage import``: a real-looking CKAN access log (gzip, malformed lines) becomes
dataset views, downloads and API calls, once, however often it is imported."""

from __future__ import annotations

import gzip
import uuid
from pathlib import Path

import pytest
from tests.integration.identity import sql
from tests.integration.stack import RunningStack
from tests.integration.usage.helpers import (
    civic_json,
    mirror_dataset,
    query_rows,
    unique,
)

pytestmark = pytest.mark.integration

UA = '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"'
BOT = '"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"'


def portal_log(dataset: str, resource_ckan_id: str, other: str) -> list[str]:
    day = "14/Mar/2025"
    return [
        # Mapped: 4 page views, 2 downloads, 3 API calls.
        f'203.0.113.10 - - [{day}:08:01:02 +0100] "GET /dataset/{dataset} HTTP/1.1" 200 18234 '
        f'"https://www.google.com/" {UA}',
        f'203.0.113.10 - - [{day}:08:01:09 +0100] "GET /dataset/{dataset}/resource/'
        f'{resource_ckan_id}/download/budget-2025.csv HTTP/1.1" 200 734112 '
        f'"https://data.example.fr/dataset/{dataset}" {UA}',
        f'2001:db8::7 - - [{day}:08:03:00 +0100] "GET /fr/dataset/{dataset}/ HTTP/2.0" 304 - '
        f'"-" {UA}',
        f'66.249.66.1 - - [{day}:08:04:00 +0100] "GET /dataset/{other} HTTP/1.1" 200 9000 '
        f'"-" {BOT}',
        f'198.51.100.23 - - [{day}:09:15:44 +0100] "GET /api/3/action/package_show?id={dataset}'
        f' HTTP/1.1" 200 4102 "-" "python-requests/2.31.0"',
        f'198.51.100.23 - - [{day}:09:15:45 +0100] "GET /api/action/package_show?id={other}&'
        f'use_default_schema=true HTTP/1.1" 200 3011 "-" "python-requests/2.31.0"',
        f'198.51.100.23 - - [{day}:09:15:46 +0100] "POST /api/3/action/package_show HTTP/1.1" 200 '
        f'3011 "-" "ckanapi/4.7"',
        f'192.0.2.44 - - [{day}:10:00:00 +0100] "GET /dataset/{dataset}/resource/{uuid.uuid4()}'
        f'/download HTTP/1.1" 404 210 "-" {UA}',
        f'192.0.2.44 - - [{day}:10:00:05 +0100] "HEAD /dataset/{dataset} HTTP/1.1" 200 0 "-" {UA}',
        # Skipped: other pages, assets, other actions, writes, unusable requests.
        f'192.0.2.44 - - [{day}:10:00:06 +0100] "GET / HTTP/1.1" 200 5120 "-" {UA}',
        f'192.0.2.44 - - [{day}:10:00:07 +0100] "GET /dataset/?q=budget&sort=score+desc HTTP/1.1"'
        f' 200 40211 "-" {UA}',
        f'192.0.2.44 - - [{day}:10:00:08 +0100] "GET /webassets/base/main.css HTTP/1.1" 200 981 '
        f'"-" {UA}',
        f'192.0.2.44 - - [{day}:10:00:09 +0100] "GET /api/3/action/package_search?q=budget '
        f'HTTP/1.1" 200 50211 "-" {UA}',
        f'192.0.2.44 - - [{day}:10:00:10 +0100] "POST /dataset/edit/{dataset} HTTP/1.1" 302 0 '
        f'"-" {UA}',
        f'192.0.2.44 - - [{day}:10:00:11 +0100] "GET /dataset/new HTTP/1.1" 200 9000 "-" {UA}',
        f'192.0.2.44 - - [{day}:10:00:12 +0100] "-" 408 0 "-" "-"',
        f'192.0.2.44 - - [{day}:10:00:13 +0100] "\\x16\\x03\\x01\\x02\\x00\\x01" 400 157 "-" "-"',
        # Malformed: cut, a foreign format, garbage, a bad date.
        f'192.0.2.44 - - [{day}:10:00:14 +0100] "GET /dataset/{dataset} HTTP/1.1',
        '{"time": "2025-03-14T10:00:15Z", "path": "/dataset/x", "status": 200}',
        "\x00\x00\x00 binary junk",
        f'192.0.2.44 - - [32/Mar/2025:10:00:16 +0100] "GET /dataset/{dataset} HTTP/1.1" 200 1 "-"'
        f" {UA}",
    ]


def test_a_portal_log_is_imported_once_with_its_counts(stack: RunningStack, tmp_path: Path) -> None:
    dataset = mirror_dataset(stack, unique("org"))
    ckan_resource = str(uuid.uuid4())
    sql(
        stack,
        "UPDATE resources SET ckan_id = %(ckan)s WHERE id = %(id)s",
        {"ckan": ckan_resource, "id": dataset.resource_id},
    )
    other = unique("elsewhere")  # a dataset of that portal the mirror does not know
    path = tmp_path / "access.log.1.gz"
    path.write_bytes(
        gzip.compress("\n".join(portal_log(dataset.name, ckan_resource, other)).encode())
    )

    counts = civic_json(stack, "usage", "import", str(path), "--format", "combined")
    assert {key: counts[key] for key in ("read", "mapped", "skipped", "malformed")} == {
        "read": 21,
        "mapped": 9,
        "skipped": 8,
        "malformed": 4,
    }
    assert counts["inserted"] == 9 and counts["duplicates"] == 0
    assert counts["malformed_lines"] == [18, 19, 20, 21]

    rows = query_rows(
        stack,
        "SELECT kind::text, dataset_name, dataset_id IS NOT NULL, resource_id::text, status,"
        " ip_hash, app_id, source::text FROM usage_events"
        " WHERE dataset_name IN (%(a)s, %(b)s) OR (source = 'import' AND dataset_name IS NULL"
        "   AND occurred_at::date = '2025-03-14')",
        {"a": dataset.name, "b": other},
    )
    kinds: dict[str, int] = {}
    for kind, *_ in rows:
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds == {"page_view": 4, "download": 2, "api_call": 3}
    ours = [row for row in rows if row[1] == dataset.name]
    assert all(resolved for _, _, resolved, *_ in ours), "names resolved to the mirror's ids"
    assert not any(resolved for _, name, resolved, *_ in rows if name == other)
    downloads = {
        (resource, status) for kind, _, _, resource, status, *_ in rows if kind == "download"
    }
    assert downloads == {(dataset.resource_id, 200), (None, 404)}
    assert all(row[5] and len(row[5]) == 32 for row in rows), "addresses hashed"
    assert all(row[6] is None and row[7] == "import" for row in rows)

    again = civic_json(stack, "usage", "import", str(path), "--format", "combined")
    assert again["mapped"] == 9 and again["inserted"] == 0 and again["duplicates"] == 9

    civic_json(stack, "usage", "rollup")
    daily = query_rows(
        stack,
        "SELECT day::text, kind::text, events FROM usage_daily"
        " WHERE dataset_name = %(a)s AND source = 'import' ORDER BY kind",
        {"a": dataset.name},
    )
    assert daily == [
        ("2025-03-14", "api_call", 1),
        ("2025-03-14", "download", 2),
        ("2025-03-14", "page_view", 3),
    ]
