"""``civic usage import``: stream an access log into usage events, through the writer's path.

The file is read line by line (gzip too, by its magic bytes), never loaded whole.
Parsing runs in the calling thread while a second thread stores the previous
batch (``COPY`` + insert, as the gateway's writer does), so the database's work
and Python's overlap. Addresses are hashed with a salt of this import alone,
per day, then forgotten.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from civic.services.usage.combined_log import LogMapper, Malformed

GZIP_MAGIC = b"\x1f\x8b"
FORMATS = ("combined",)

# Stores a batch of rows; answers how many were new.
Writer = Callable[[Sequence[str]], int]
Progress = Callable[[int], None]


@dataclass
class ImportCounts:
    """What an import did with the file's lines."""

    read: int = 0
    mapped: int = 0
    skipped: int = 0
    malformed: int = 0
    inserted: int = 0
    # Line numbers of the first malformed lines, to show the operator.
    malformed_lines: list[int] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Mapped events already stored (the file, or part of it, was imported before)."""
        return self.mapped - self.inserted


class ImportFailed(Exception):  # noqa: N818 - reads as what happened
    """The file cannot be read, or storing events failed (the message says which)."""


def import_log(
    path: Path,
    write: Writer,
    *,
    batch_size: int = 10_000,
    on_progress: Progress | None = None,
    salt: bytes | None = None,
    datasets: Mapping[str, str] | None = None,
    resources: Mapping[str, str] | None = None,
) -> ImportCounts:
    """Import the combined-format log at ``path``; rows go to ``write`` in batches.

    Rows are ``COPY`` text lines of ``usage_events`` (see
    :class:`~civic.services.usage.combined_log.LogMapper`, which ``datasets`` and
    ``resources`` help resolve names and CKAN ids). ``on_progress`` is called with the
    bytes of the file read so far (compressed bytes for a gzip file, to compare with
    its size). Raises :class:`ImportFailed`.
    """
    counts = ImportCounts()
    mapper = LogMapper(salt or os.urandom(32), datasets=datasets, resources=resources)
    store = _BackgroundWriter(write)
    try:
        with _open(path) as (lines, position):
            batch: list[str] = []
            for number, line in enumerate(lines, 1):
                counts.read += 1
                try:
                    row = mapper.row(line.rstrip("\r\n"), number)
                except Malformed:
                    counts.malformed += 1
                    if len(counts.malformed_lines) < 20:
                        counts.malformed_lines.append(number)
                    continue
                if row is None:
                    counts.skipped += 1
                    continue
                counts.mapped += 1
                batch.append(row)
                if len(batch) >= batch_size:
                    store.put(batch)
                    batch = []
                    if on_progress is not None:
                        on_progress(position())
            if batch:
                store.put(batch)
            if on_progress is not None:
                on_progress(position())
    except OSError as error:
        store.abandon()
        raise ImportFailed(f"cannot read {path}: {error}") from error
    except BaseException:
        store.abandon()
        raise
    counts.inserted = store.finish()
    return counts


class _open:  # noqa: N801 - used as a function in a with statement
    """Open ``path`` (plain or gzip) for text lines, with the raw position in the file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._raw: IO[bytes] | None = None

    def __enter__(self) -> tuple[Iterator[str], Callable[[], int]]:
        raw = self._raw = self._path.open("rb")
        binary: IO[bytes] = raw
        if raw.read(2) == GZIP_MAGIC:
            raw.seek(0)
            binary = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        else:
            raw.seek(0)
        # Logs are mostly ASCII; anything else is kept, replaced where undecodable.
        text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
        return iter(text), raw.tell

    def __exit__(self, *exc: object) -> None:
        if self._raw is not None:
            self._raw.close()


class _BackgroundWriter:
    """Stores batches in a thread of its own, two batches ahead at most."""

    def __init__(self, write: Writer) -> None:
        self._write = write
        self._queue: queue.Queue[Sequence[str] | None] = queue.Queue(maxsize=2)
        self._inserted = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="usage-import", daemon=True)
        self._thread.start()

    def put(self, batch: Sequence[str]) -> None:
        self._raise_if_failed()
        self._queue.put(batch)

    def finish(self) -> int:
        self._queue.put(None)
        self._thread.join()
        self._raise_if_failed()
        return self._inserted

    def abandon(self) -> None:
        self._error = self._error or RuntimeError("abandoned")
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise ImportFailed(f"storing events failed: {self._error}") from self._error

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None or self._error is not None:
                return
            try:
                self._inserted += self._write(batch)
            except Exception as error:  # reported by the importing thread
                self._error = error
                # Keep draining so the importing thread never blocks on a full queue.
                while self._queue.get() is not None:
                    pass
                return
