"""Importing a CKAN portal's access log: parsing, mapping, counts, gzip, re-imports."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Sequence
from pathlib import Path

import pytest

from civic.services.usage.combined_log import (
    ROW_COLUMNS,
    Malformed,
    map_line,
    parse_line,
    parse_time,
)
from civic.services.usage.importing import ImportFailed, import_log

UA = '"-" "Mozilla/5.0"'
A = "203.0.113.9 - - [10/Oct/2025:13:55"
B = "198.51.100.4 - - [10/Oct/2025:13:56"
LINES = [
    f'{A}:36 +0200] "GET /dataset/budget-2024 HTTP/1.1" 200 5120 {UA}',
    f'{A}:40 +0200] "GET /dataset/budget-2024/resource/'
    f'3f1c2a9e-1111-4c1e-9a2b-000000000001/download/budget.csv HTTP/1.1" 200 81920 {UA}',
    f'{B}:00 +0200] "GET /api/3/action/package_show?id=budget-2024 HTTP/1.1" 200 2048 {UA}',
    f'{B}:01 +0200] "GET /fr/dataset/air-quality HTTP/1.1" 304 - {UA}',
    f'{B}:02 +0200] "GET /api/action/package_show?id=nope HTTP/1.1" 404 100 {UA}',
    # Skipped: not about a dataset, or not a dataset page.
    f'{B}:03 +0200] "GET /base/css/main.css HTTP/1.1" 200 900 {UA}',
    f'{B}:04 +0200] "GET /dataset/new HTTP/1.1" 200 900 {UA}',
    f'{B}:05 +0200] "GET /dataset/?q=budget HTTP/1.1" 200 900 {UA}',
    f'{B}:06 +0200] "POST /dataset/budget-2024 HTTP/1.1" 200 1 {UA}',
    f'{B}:07 +0200] "-" 408 0 "-" "-"',
    # Malformed.
    "this is not a log line",
    '198.51.100.4 - - [31/Foo/2025:13:56:07 +0200] "GET /dataset/x HTTP/1.1" 200 1 "-" "-"',
    f'{B}:07 +0200] "GET /dataset/x HTTP/1.1" abc 1 "-" "-"',
]


def test_a_line_is_parsed_with_its_time_zone() -> None:
    parsed = parse_line(LINES[0])
    assert parsed is not None
    assert parsed.time == dt.datetime(2025, 10, 10, 11, 55, 36, tzinfo=dt.UTC)
    assert (parsed.method, parsed.target, parsed.status, parsed.size) == (
        "GET",
        "/dataset/budget-2024",
        200,
        5120,
    )
    with pytest.raises(Malformed):
        parse_time("10/Oct/2025 13:55:36")


@pytest.mark.parametrize(
    ("index", "kind", "dataset", "resource"),
    [
        (0, "page_view", "budget-2024", None),
        (1, "download", "budget-2024", "3f1c2a9e-1111-4c1e-9a2b-000000000001"),
        (2, "api_call", "budget-2024", None),
        (3, "page_view", "air-quality", None),
        (4, "api_call", "nope", None),
    ],
)
def test_dataset_lines_are_mapped(
    index: int, kind: str, dataset: str, resource: str | None
) -> None:
    parsed = parse_line(LINES[index])
    assert parsed is not None
    mapped = map_line(parsed, LINES[index], index + 1)
    assert mapped is not None
    assert (mapped.kind, mapped.dataset_name, mapped.resource_ckan_id, mapped.source) == (
        kind,
        dataset,
        resource,
        "import",
    )
    assert mapped.app_id is None and mapped.ip_hash is None


class Collect:
    """Stores rows by their id (the first field), as the database's primary key would."""

    def __init__(self) -> None:
        self.rows: dict[str, list[str]] = {}

    def __call__(self, rows: Sequence[str]) -> int:
        before = len(self.rows)
        for row in rows:
            assert row.endswith("\n")
            fields = row[:-1].split("\t")
            assert len(fields) == len(ROW_COLUMNS)
            self.rows.setdefault(fields[0], fields)
        return len(self.rows) - before


@pytest.mark.parametrize("compressed", [False, True])
def test_an_import_counts_every_line_and_a_second_stores_nothing(
    tmp_path: Path, compressed: bool
) -> None:
    text = "\n".join(LINES) + "\n"
    path = tmp_path / ("access.log.gz" if compressed else "access.log")
    if compressed:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    store = Collect()
    progress: list[int] = []
    counts = import_log(path, store, batch_size=2, on_progress=progress.append)
    assert (counts.read, counts.mapped, counts.skipped, counts.malformed) == (13, 5, 5, 3)
    assert counts.inserted == 5 and counts.duplicates == 0
    assert counts.malformed_lines == [11, 12, 13]
    assert progress[-1] == path.stat().st_size
    column = {name: index for index, name in enumerate(ROW_COLUMNS)}
    rows = list(store.rows.values())
    hashes = {row[column["ip_hash"]] for row in rows}
    assert len(hashes) == 2 and all(len(value) == 32 for value in hashes)
    assert {row[column["kind"]] for row in rows} == {"page_view", "download", "api_call"}
    assert {row[column["source"]] for row in rows} == {"import"}
    assert {row[column["app_id"]] for row in rows} == {"\\N"}

    again = import_log(path, store)
    assert again.mapped == 5 and again.inserted == 0 and again.duplicates == 5


def test_known_names_and_resources_are_resolved_in_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_text("\n".join(LINES[:2]) + "\n")
    store = Collect()
    dataset_id, resource_id = "11111111-2222-3333-4444-555555555555", "9" * 32
    import_log(
        path,
        store,
        datasets={"budget-2024": dataset_id},
        resources={"3f1c2a9e-1111-4c1e-9a2b-000000000001": resource_id},
    )
    column = {name: index for index, name in enumerate(ROW_COLUMNS)}
    page, download = sorted(store.rows.values(), key=lambda row: row[column["kind"]], reverse=True)
    assert page[column["dataset_id"]] == dataset_id and page[column["resource_id"]] == "\\N"
    assert download[column["resource_id"]] == resource_id
    assert download[column["occurred_at"]] == "2025-10-10T13:55:40+02:00"
    assert download[column["bytes"]] == "81920"


def test_a_store_failure_stops_the_import(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_text("\n".join(LINES[:5] * 10))

    def broken(rows: Sequence[str]) -> int:
        raise RuntimeError("database down")

    with pytest.raises(ImportFailed, match="database down"):
        import_log(path, broken, batch_size=2)
